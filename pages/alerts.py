"""Risk alerts (风险预警): active alerts, response times, alerts that became cases, hotspots, trend."""

import streamlit as st

from cockpit import ui
from cockpit.ui import alerts

with ui.page_frame() as scope:
    picked = alerts.render_filters(scope)  # widgets only, no reads: nothing here can fail on the store
    cards = st.container()
    left, middle, right = st.columns([1.35, 1, 1.15])
    # The map's message first, so the browser fetches deck.gl while the rest is computed (as the overview does).
    with left, ui.section(scope.lang):
        alerts.render_map(scope, picked)
    with cards, ui.section(scope.lang):
        alerts.render_cards(scope, picked)
    with middle, ui.section(scope.lang):
        alerts.render_charts(scope, picked)
    with right, ui.section(scope.lang):
        alerts.render_open_grid(scope, picked)
        alerts.render_lists(scope, picked)
    with ui.section(scope.lang):
        ui.render_downloads(alerts.page_export(scope, picked))
