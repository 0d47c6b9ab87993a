"""`streamlit run app.py` must find the cockpit's st.App: it reads app.py's syntax tree for `app = st.App(...)`
(streamlit.web.server.app_discovery). When it does not, Streamlit runs app.py as a plain script: the pages still
draw, but without the cockpit's routes (the sign-in cookie) and without the server options app.py sets — seen
when the App was built in a helper: sign-in no longer stayed and the grids offered "Download as CSV" again."""

from __future__ import annotations

from pathlib import Path

from streamlit.web.server.app_discovery import discover_asgi_app

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_streamlit_finds_the_app_in_app_py():
    found = discover_asgi_app(APP)
    assert found is not None and found.is_asgi_app, found
    assert found.app_name == "app"
