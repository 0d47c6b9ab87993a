"""The server side of app.py: the st.App Streamlit serves, with the cockpit's routes and chart worker."""

from __future__ import annotations

import streamlit as st

from cockpit.core.settings import load_settings
from cockpit.views import draw_pool
from cockpit.web import routes


def build_app(script: str) -> st.App:
    """The app `streamlit run app.py` serves, set up before any session exists."""
    # A file leaves only through the cockpit's exports, which are audited (docs/privacy.md): the data
    # grid's own CSV download and cell copy are off. Set here, at server start, so even the first
    # session's first page never offers them (the option reaches a browser when a run begins).
    st.set_option("client.disableDataExport", True)
    app = st.App(script, routes=routes.routes(st.get_option("server.baseUrlPath") or ""))
    draw_pool.start(load_settings().chart_workers)  # the chart worker is ready before the first viewer
    return app
