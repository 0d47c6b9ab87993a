"""The Streamlit layer: the page frame, cached data and rendering; the only library code that imports Streamlit.

Pages import this package and call what it names here.
"""

from cockpit.ui.a11y import render_app_title
from cockpit.ui.auth import current_access
from cockpit.ui.data import settings
from cockpit.ui.downloads import render_downloads
from cockpit.ui.first_run import ensure_database
from cockpit.ui.frame import page_failed, page_frame, section
from cockpit.ui.pages import PAGES, navigation
from cockpit.ui.render import (
    render_breadcrumb,
    render_data_source,
    render_header,
    render_kpis,
    render_map,
    render_trends,
)
from cockpit.ui.run_slots import run_slot
from cockpit.ui.state import current_lang, init_state, resume_page

__all__ = [
    "PAGES", "current_access", "navigation", "current_lang", "ensure_database", "init_state", "page_failed", "page_frame", "render_app_title", "render_breadcrumb", "render_header", "render_kpis",
    "render_data_source", "render_downloads", "render_map", "render_trends", "resume_page", "run_slot", "section", "settings",
]
