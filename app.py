"""Entry point: page config, first-run demo build, shared sidebar, navigation."""

import streamlit as st

from cockpit import ui
from cockpit.i18n import t

st.set_page_config(page_title="城市社会治理驾驶舱", page_icon="🏙️", layout="wide", initial_sidebar_state="expanded")
ui.init_state()
settings = ui.settings()
ui.ensure_database(settings)
view = ui.render_sidebar()
pages = [
    st.Page("pages/overview.py", title=t("overview", view.lang), icon="🗺️", url_path="overview", default=True),
    st.Page("pages/about.py", title=t("about", view.lang), icon="ℹ️", url_path="about"),
]
st.navigation(pages).run()
