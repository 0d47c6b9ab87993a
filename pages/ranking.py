"""考核排名: the month's ranking of the unit's children (or a deeper tier) under an evaluation scheme, per peer
group, with small samples shown but not ranked; red and black lists, the funnel plot and a unit's history."""

import streamlit as st

from cockpit import ui
from cockpit.ui import ranking

with ui.page_frame() as scope:
    view = None
    with ui.section(scope.lang):
        view = ranking.render_controls(scope)
    if view is not None:
        with ui.section(scope.lang):
            ranking.render_table(view)
        lists, funnel = st.columns([1, 1.6])
        with lists, ui.section(scope.lang):
            ranking.render_lists(view)
        with funnel, ui.section(scope.lang):
            ranking.render_funnel(view)
        with ui.section(scope.lang):
            ranking.render_history(view)
        with ui.section(scope.lang):
            ui.render_downloads(ranking.page_export(view))
