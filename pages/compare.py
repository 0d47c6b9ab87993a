"""对比分析: two to six units of any tiers side by side (figures, trends on one scale, shapes on one map), or the
unit in two periods; and the balance of a per-capita measure across the unit's children (#23)."""

from cockpit import ui
from cockpit.ui import compare

with ui.page_frame() as scope:
    view = None
    measure = None
    with ui.section(scope.lang):
        view = compare.render_controls(scope)
    if view is not None and view.ready:
        with ui.section(scope.lang):
            compare.render_table(view)
        with ui.section(scope.lang):
            compare.render_trends(view)
        with ui.section(scope.lang):
            compare.render_map(view)
    with ui.section(scope.lang):
        measure = compare.render_balance(scope)
    if view is not None and measure is not None:
        with ui.section(scope.lang):
            ui.render_downloads(compare.page_export(view, measure))
