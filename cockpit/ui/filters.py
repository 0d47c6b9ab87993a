"""Page filters kept in the URL: a link to `/cases?unit=…&category=parking` opens with that filter set.

A filter is seeded once per session from the link (or the link a fresh server first saw),
kept in session state so it survives drilling, and written back to the URL on every run. A
value the page does not know gives a notice and no filter, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from cockpit.core.i18n import t
from cockpit.ui.state import literal


def url_choice(page: str, name: str, options: Sequence[str], label: str, lang: str,
               format_func: Callable[[str], str] = str, container: object | None = None,
               none_label: str | None = None) -> str | None:
    """A select box whose value (None: all, or what `none_label` names) is the URL parameter `name` on `page`."""
    key = f"filter-{page}-{name}"
    ss = st.session_state
    if key not in ss:
        raw = st.query_params.get(name) or (ss.get("_entry_params") or {}).get(name)
        if raw is not None and raw not in options:
            st.warning(t("unknown_filter", lang, name=label, value=literal(str(raw)[:40])))
            raw = None
        ss[key] = raw
    elif ss[key] is not None and ss[key] not in options:  # the unit changed and the value is gone
        ss[key] = None
    where = container if container is not None else st
    # A None value is "no selection" to Streamlit, which then shows its (English) placeholder: name it.
    nothing = none_label or t("filter_all", lang)
    value = where.selectbox(label, [None, *options], key=key, placeholder=nothing,  # type: ignore[attr-defined]
                            format_func=lambda v: nothing if v is None else format_func(v))
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value
    return value
