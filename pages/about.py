"""What the data is and where it comes from."""

import streamlit as st

from cockpit import ui
from cockpit.i18n import t

ui.ensure_entry()
settings = ui.settings()
view = ui.current_view()
meta = ui.cached_meta(settings.db_url)
st.header(t("about", view.lang))
st.write(t("about_body", view.lang))
st.table({"key": list(meta), "value": list(meta.values())})
st.caption(ui.safe_url(settings.db_url))
