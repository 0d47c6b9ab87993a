"""The unit search box (#23): type a name, its pinyin or initials, or a code; pick a result to go there.

In the sidebar of every page, and inline on the phone's home. Picking keeps the page, the period and the
language (they live in the session); only units in the viewer's subtree are offered.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core import codes
from cockpit.core.i18n import t
from cockpit.domain.search import Hit, UnitIndex
from cockpit.ui import data
from cockpit.ui.caching import data_call
from cockpit.ui.scope import Scope
from cockpit.ui.state import set_unit

LIMIT = 8


@data_call()
def cached_unit_index(url: str) -> UnitIndex:
    """Every unit and grid of the store, indexed once per process (嘉兴: ~94,000 names)."""
    units = data.cached_units(url)[["code", "name", "level", "parent_code"]]
    grids = queries.fetch_grid_names(data.engine(url)).rename(columns={"community_code": "parent_code"})
    return UnitIndex(pd.concat([units, grids.assign(level="grid")], ignore_index=True))


def _label(hit: Hit, lang: str) -> str:
    where = " › ".join(hit.path[:-1])
    return f"{hit.name}（{where}）" if where and lang == "zh" else (f"{hit.name} ({where})" if where else hit.name)


def _go(key: str) -> None:
    code = st.session_state.get(f"{key}_pick")
    if code:
        set_unit(code)
        st.session_state[f"{key}_text"] = ""
        st.session_state[f"{key}_pick"] = None


def render_unit_search(scope: Scope, key: str = "unit_search") -> None:
    """A text box and, once something is typed, the matching units to pick from."""
    lang = scope.lang
    text = st.text_input(t("search_label", lang), key=f"{key}_text", placeholder=t("search_placeholder", lang),
                         help=t("search_help", lang))
    if not text or not text.strip():
        return
    index = cached_unit_index(scope.url)
    found = scope.access
    under = codes.prefix(found.root_code, found.root_level) if found.root_code and found.root_level else ""
    hits = index.search(text, allowed=found.allows, limit=LIMIT, under=under)
    if not hits:
        st.caption(t("search_none", lang))
        return
    labels = {hit.code: _label(hit, lang) for hit in hits}
    st.selectbox(t("search_pick", lang), list(labels), index=None, key=f"{key}_pick", format_func=labels.__getitem__,
                 placeholder=t("search_pick_placeholder", lang, n=len(hits)), on_change=_go, args=(key,))
