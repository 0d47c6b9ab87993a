"""What the data is and where it comes from."""

import streamlit as st

from cockpit import ui
from cockpit.core.i18n import t

with ui.page_frame(with_unit=False) as view:
    ui.render_app_title(view.lang)  # the page's one h1; 数据说明 is its section (h2)
    st.header(t("about", view.lang))
    st.write(t("about_body", view.lang))
    with ui.section(view.lang):
        ui.render_data_source(view.lang)
