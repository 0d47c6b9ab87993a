"""Participation (共建共享): points over time, participation per child, venues, activities, votes, top communities."""

import streamlit as st

from cockpit import ui
from cockpit.ui import participation

with ui.page_frame() as scope:
    left, right = st.columns([1.4, 1])
    # The map's message first, as on the overview: the browser starts on deck.gl while the rest is computed.
    with left, ui.section(scope.lang):
        participation.render_map(scope)
    with right, ui.section(scope.lang):
        participation.render_charts(scope)
    with ui.section(scope.lang):
        participation.render_lists(scope)
    with ui.section(scope.lang):
        ui.render_downloads(participation.page_export(scope))
