"""The drill-down cockpit: one screen per unit, city to grid."""

import streamlit as st

from cockpit import ui
from cockpit.ui import brief, overview

with ui.page_frame() as scope:
    kpis = st.container()
    left, right = st.columns([1.6, 1])
    # Filled out of screen order: the map's message goes first, so the browser starts fetching
    # deck.gl (3 MB) while the cards and charts are still being computed and sent.
    with left, ui.section(scope.lang):
        ui.render_map(scope)
    with kpis, ui.section(scope.lang):
        ui.render_kpis(scope)
    with right, ui.section(scope.lang):
        ui.render_trends(scope)
    with ui.section(scope.lang):  # the sidebar's parts: nothing more in the main area, which fits one screen
        overview.render_children(scope)  # the sub-units, ordered by any figure or by the month's 考核综合分
        ui.render_downloads(overview.page_export(scope))
        brief.render_brief_button(scope, "overview")  # 生成简报: the brief of this unit and period
