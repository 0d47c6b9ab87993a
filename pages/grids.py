"""Grids (网格): the grids under the unit, ranked in the database; selecting a row opens that grid."""

from cockpit import ui
from cockpit.ui import grids

with ui.page_frame() as scope, ui.section(scope.lang):
    grids.render_grids(scope)
