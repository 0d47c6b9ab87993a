"""A theme without facts under the unit (#28): which themes, and the card a theme's page shows instead.

A city imports its tables one by one; until a theme's table holds a row under the unit, its cards
and series say 暂无数据 / "no data yet" — never 0 — and an operator sees the import command.
"""

from __future__ import annotations

import html

import streamlit as st

from cockpit.core.i18n import t
from cockpit.domain import facts
from cockpit.ui import data
from cockpit.ui.scope import Scope
from cockpit.views import cards


def no_data(scope: Scope) -> frozenset[str]:
    """The themes with no fact under the scope's unit (one cached statement of four EXISTS)."""
    return facts.missing(data.cached_facts(scope.url, scope.unit))


def render_no_data(scope: Scope, theme: str) -> bool:
    """On a theme's own page: a card saying 暂无数据 (with the import command for an operator) when the
    theme has no fact under the unit, and True, so the page leaves out the figures and charts that
    would all read 0; False (nothing drawn) when it has facts."""
    if theme not in no_data(scope):
        return False
    lang = scope.lang
    st.html(f'<div class="cards"><div class="card theme-{theme} nodata" style="grid-column: 1 / -1">'
            f'<h2 class="ct">{html.escape(t("no_data_theme", lang, theme=t(f"theme_{theme}", lang)))}</h2>'
            f'{cards.build_no_data_html(theme, lang, scope.access.sees_import_hints)}</div></div>')
    return True
