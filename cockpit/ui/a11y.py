"""What a screen reader and a search in the page need (#25): charts readable without seeing them (a
heading and a description for assistive technology, the image, its data behind a 数据 toggle), and
section titles that are real headings under the page's one h1.

The text is built from the chart's own inputs (the frames the page has read already) and cached
exactly as the drawing is (cockpit.ui.data.chart_svg): no query, and a warm page builds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from cockpit.core.i18n import t
from cockpit.ui import data
from cockpit.views import chart_text
from cockpit.views.tables import Chart


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached_text(builder: str, _build: Callable[..., Any], *args: Any) -> chart_text.ChartText:  # noqa: ARG001 - the key
    """As data.cached_chart_svg: keyed on the builder's name and its inputs' contents."""
    return chart_text.describe(_build, args)


def _text(chart: Chart) -> chart_text.ChartText:
    return chart_text.describe(chart.build, chart.args)


def text_of(chart: Chart, key: tuple | None = None) -> chart_text.ChartText:
    """The chart's description and tables, cached under `key` where the caller has one (see data.memo)."""
    if key is not None:
        return data.memo(_text, (chart.key, *key), chart)
    return _cached_text(f"{chart.build.__module__}.{chart.build.__qualname__}", chart.build, *chart.args)


def show_chart(chart: Chart, key: tuple | None = None) -> None:
    """The chart as an SVG image (st.html sanitises inline SVG away), its title as the alt text; before it a
    heading and the figures in words (off screen), after it the 数据 toggle with the tables (closed)."""
    text = text_of(chart, key)
    st.html(chart_text.build_heading_html(chart.title, text))
    st.image(data.chart_svg(chart, key), width="stretch", alt=chart.title)
    if text.tables:
        st.html(chart_text.build_data_html(chart.title, text))


def render_heading(text: str) -> None:
    """A section's title as a real heading (h2), looking like the bold line it replaces."""
    st.html(chart_text.build_section_heading_html(text))


def render_app_title(lang: str) -> None:
    """The app's name as the page's one h1, on a page without a unit header (the data source page)."""
    st.html(chart_text.build_section_heading_html(t("app_title", lang), level=1))
