"""Grids (网格): the grids under the unit, ranked in the database; selecting a row opens that grid."""

from cockpit import ui
from cockpit.ui import grids

with ui.page_frame() as scope:
    choice = None
    with ui.section(scope.lang):
        choice = grids.render_grids(scope)
    with ui.section(scope.lang):
        ui.render_downloads(grids.page_export(scope, choice))
