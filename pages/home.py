"""The phone home (我的): the viewer's own unit — open and overdue cases, newest active alerts, the way on."""

from cockpit import ui
from cockpit.ui import home

with ui.page_frame(move=home.home_scope) as scope:  # the viewer's own grid, community or street
    with ui.section(scope.lang):
        home.render_figures(scope)
    with ui.section(scope.lang):
        home.render_cases(scope)
    with ui.section(scope.lang):
        home.render_alerts(scope)
    with ui.section(scope.lang):
        home.render_links(scope)
    with ui.section(scope.lang):
        home.render_search(scope)
