"""The drill-down cockpit: one screen per unit, city to grid."""

import streamlit as st

from cockpit import hierarchy, ui

ui.ensure_entry()
settings = ui.settings()
url = settings.db_url
view = ui.current_view()
tree = ui.tree(url)
ui.inject_style()
unit = ui.resolve_unit(url, tree, view.unit_code, view.lang)
ui.sync_url(view, unit)
end, current, previous, last_year = ui.period_windows(url, view.period_days)
child_level = hierarchy.child_level(tree, unit)

top = st.container()
left, right = st.columns([1.6, 1])
# Filled out of screen order: the map's message goes first, so the browser starts fetching
# deck.gl (3 MB) while the header, cards and charts are still being computed and sent.
with left:
    ui.render_map(url, settings, tree, unit, child_level, view, current)
with top:
    ui.render_header(unit, ui.cached_meta(url), end, current, view.lang)
    ui.render_breadcrumb(tree, unit, ui.children_options(url, tree, unit), view.lang)
    ui.render_kpis(
        ui.cached_window_values(url, unit, current),
        ui.comparison_values(url, unit, previous),
        ui.comparison_values(url, unit, last_year),
        view.lang,
    )
with right:
    ui.render_trends(url, unit, current, view.lang)
