"""Entry point, in two roles.

* `streamlit run app.py` imports this file as a module (``__name__ == "app"``) and finds ``app``, an
  st.App: Streamlit's own server plus the cockpit's routes (cockpit.ui.routes — the sign-in
  cookie, which a script cannot set).
* Every session's script run executes it as ``__main__``: page config, navigation, first-run demo
  build; each page draws its own frame.
"""

import streamlit as st

if __name__ == "__main__":
    from cockpit import ui
    from cockpit.ui import heap, home

    st.set_page_config(page_title="城市社会治理驾驶舱", page_icon="🏙️", layout="wide", initial_sidebar_state="auto")
    ui.init_state()
    lang = ui.current_lang()
    # Navigation first: until st.navigation runs, Streamlit lists the pages/ files itself (in English),
    # and the first-run build below can take half a minute.
    # Who is looking decides which pages exist for this session (None: only the sign-in).
    navigation = ui.navigation(lang, ui.current_access(ui.settings()))
    ui.ensure_database(ui.settings(), lang)
    ui.resume_page()  # a fresh server's first link to a page other than the default
    home.open_on_phone(navigation)  # a phone opening the bare app lands on its home (docs/mobile.md)
    try:
        with ui.run_slot(ui.settings().max_runs):  # a few runs compute at once; the rest wait their turn
            navigation.run()
    except Exception:  # noqa: BLE001 - a page that fails before its frame (an import, say): a notice, never the error box
        ui.page_failed(lang)
    heap.freeze_after_first_run()  # the libraries are imported now: the collector need not walk them again
elif __name__ != "__mp_main__":  # not in a chart worker: spawn runs the parent's main script, which during
    # a page run is this file (Streamlit installs the page script as __main__)
    from cockpit.ui import server
    from cockpit.web import routes

    # A file leaves only through the cockpit's exports, which are audited (docs/privacy.md): the data
    # grid's own CSV download and cell copy are off. Set here, at server start, so even the first
    # session's first page never offers them (the option reaches a browser when a run begins).
    st.set_option("client.disableDataExport", True)
    # `app = st.App(...)` must stand here literally: `streamlit run` finds the app by reading this file's
    # syntax tree (streamlit.web.server.app_discovery), and a call to a helper that returns one is not
    # found — the server then runs without the cockpit's routes (the sign-in cookie) or these options.
    app = st.App(__file__, routes=routes.routes(st.get_option("server.baseUrlPath") or ""))
    server.start_chart_workers()  # the chart worker is ready before the first viewer
