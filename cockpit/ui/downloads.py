"""A page's exports: its tables and charts as parts, the files they make, and the download buttons.

A page lists its parts (`PageExport`); each part builds its table or chart only when asked, through
the same functions that draw it on screen. The buttons hand Streamlit a callable, so a file is
made when it is clicked, on another thread, never on a rerun; the callable captures the scope and
the filters, since it has no session state. `python -m cockpit export` writes the same files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import pandas as pd
import streamlit as st

from cockpit.core.i18n import fmt_date, t
from cockpit.store import audit
from cockpit.ui import data
from cockpit.ui.scope import Scope
from cockpit.ui.state import current_lang
from cockpit.views import files, images
from cockpit.views.tables import Chart, Table

log = logging.getLogger("cockpit.ui")
FORMATS = ("xlsx", "csv", "png", "svg")
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "png": "image/png", "svg": "image/svg+xml"}
WORKBOOK = "workbook"


@dataclass(frozen=True)
class Part:
    kind: Literal["table", "chart"]
    key: str  # the file-name part: ASCII
    title: str  # on the button, in the page's language
    build: Callable[[], Table | Chart | None] = field(repr=False)  # None: nothing to export here now


@dataclass(frozen=True)
class PageExport:
    page: str
    scope: Scope
    parts: tuple[Part, ...]
    filters: tuple[tuple[str, str], ...] = ()  # (label, value shown) of the page's filters in force

    def tables(self) -> list[Table]:
        return [x for x in (p.build() for p in self.parts if p.kind == "table") if isinstance(x, Table)]

    def charts(self) -> list[Chart]:
        return [x for x in (p.build() for p in self.parts if p.kind == "chart") if isinstance(x, Chart)]


# ---------------------------------------------------------------- files

def name_of(exp: PageExport, part: str, ext: str) -> str:
    s = exp.scope
    return files.file_name(s.unit.name, exp.page, s.current, part, ext)


def about_rows(exp: PageExport, tables: Sequence[Table], exported_at: datetime | None = None) -> list[tuple[str, object]]:
    """The first sheet: what the figures are of — unit, code, page, period, data time, demo or not, filters."""
    s, lang = exp.scope, exp.scope.lang
    last_day = s.current.end - pd.Timedelta(days=1)
    is_demo = data.cached_meta(s.url).get("label") == "demo"
    # The newest fact (s.end) or, when the store has none yet, 暂无数据 — s.end is then only today (#28).
    data_end = s.end if data.cached_data_end(s.url) is not None else None
    rows: list[tuple[str, object]] = [
        (t("ex_source", lang), t("ex_source_value", lang)),
        (t("ex_unit", lang), s.unit.name),
        (t("ex_code", lang), s.unit.code),
        (t("ex_level", lang), t(f"level_{s.unit.level}", lang)),
        (t("ex_page", lang), t(exp.page, lang)),
        (t("ex_period", lang), t("ex_period_value", lang, start=fmt_date(s.current.start, lang),
                                 end=fmt_date(last_day, lang), days=s.view.period_days)),
        (t("ex_data_end", lang), data_end.replace(microsecond=0) if data_end else t("no_data", lang)),
        (t("ex_exported", lang), (exported_at or datetime.now()).replace(microsecond=0)),
        (t("ex_data", lang), t("ex_demo", lang) if is_demo else t("ex_real", lang)),
        (t("ex_filters", lang), "；".join(f"{k}：{v}" for k, v in exp.filters) if exp.filters else t("ex_no_filter", lang)),
        (t("ex_language", lang), "中文" if lang == "zh" else "English"),
    ]
    rows += [(t("ex_table_note", lang, table=x.title), x.note) for x in tables if x.note]
    return rows


def workbook_bytes(exp: PageExport, exported_at: datetime | None = None) -> bytes:
    tables = exp.tables()
    return files.xlsx_bytes(tables, t("ex_about", exp.scope.lang), about_rows(exp, tables, exported_at))


def table_bytes(exp: PageExport, table: Table, ext: str, exported_at: datetime | None = None) -> bytes:
    if ext == "csv":
        return files.csv_bytes(table.frame, table.percent + table.scientific)
    return files.xlsx_bytes([table], t("ex_about", exp.scope.lang), about_rows(exp, [table], exported_at),
                            about_first=False)


def chart_bytes(chart: Chart, ext: str) -> bytes:
    return images.png_bytes(chart.spec) if ext == "png" else images.svg_text(chart.spec).encode("utf-8")


def page_files(exp: PageExport, fmt: str, exported_at: datetime | None = None) -> list[tuple[str, bytes]]:
    """The files of one format the page offers: xlsx the page's workbook, csv each table, png/svg each chart."""
    if fmt == "xlsx":
        return [(name_of(exp, WORKBOOK, "xlsx"), workbook_bytes(exp, exported_at))]
    if fmt == "csv":
        return [(name_of(exp, x.key, "csv"), files.csv_bytes(x.frame, x.percent + x.scientific)) for x in exp.tables()]
    return [(name_of(exp, c.key, fmt), chart_bytes(c, fmt)) for c in exp.charts()]


# ---------------------------------------------------------------- on screen

MISSING = "—"
PERCENT_STEP = 0.001

def column_config(table: Table) -> dict:
    """How the screen formats the typed values: rates as percentages, times to the minute."""
    # Streamlit's "percent" shows as many decimals as the step has, less two: 0.001 gives every rate
    # one (74.1%, 96.0%), where by default 0.7268 and 0.741 read 72.68% and 74.1% side by side.
    config: dict = {c: st.column_config.NumberColumn(format="percent", step=PERCENT_STEP) for c in table.percent}
    config |= {c: st.column_config.NumberColumn(format="%.1e") for c in table.scientific}
    for c in table.datetime_columns():
        date_only = table.is_date_only(c)
        config[c] = st.column_config.DatetimeColumn(format="YYYY-MM-DD" if date_only else "YYYY-MM-DD HH:mm")
    return config


def picked_code(event: object, rows: pd.DataFrame) -> str | None:
    """The code of the row a click selected in the table, if any."""
    try:
        picked = event.selection["rows"]  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return None
    if not picked or not 0 <= int(picked[0]) < len(rows):
        return None
    return str(rows["code"].iloc[int(picked[0])])


def show_table(table: Table, **kwargs: object) -> object:
    """st.dataframe of a Table, formatted as its exports are typed; returns the dataframe's event.

    A missing value (a rate with nothing to divide, a stage the source does not record) shows as
    the dash the cards use, not as Streamlit's English "None". A table without rows is a line of
    text in the page's language: Streamlit draws its own English "empty" into the grid's canvas.
    """
    if table.frame.empty:
        st.caption(t("table_empty", current_lang()))
        return None
    return st.dataframe(table.frame, hide_index=True, width="stretch", column_config=column_config(table),
                        placeholder=MISSING, **kwargs)


def _deferred(make: Callable[[], bytes], what: str, exp: PageExport) -> Callable[[], bytes]:
    """The file on click, recorded in the audit log; a failure becomes a one-line text file and a log entry."""
    lang, s = exp.scope.lang, exp.scope
    who = s.access.name or ("open" if s.access.is_open else "-")

    def run() -> bytes:
        try:
            audit.record(s.settings.audit_url, who, "export", role=s.access.role, page=exp.page, unit_code=s.unit.code,
                         period_days=s.view.period_days,
                         detail=f"{what} · {s.view.day_range.key}" if s.view.day_range else what)
            return make()
        except Exception as exc:  # the download thread has no page to show an error on: log it, say it in the file
            log.exception("export %s failed", what)
            return t("ex_failed", lang, reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__).encode("utf-8")

    return run


def _button(label: str, make: Callable[[], bytes], name: str, ext: str, key: str, exp: PageExport,
            icon: bool = False) -> None:
    st.download_button(label, data=_deferred(make, name, exp), file_name=name, mime=MIME[ext], key=key, help=name,
                       on_click="ignore", width="stretch", icon=":material/download:" if icon else None)


def render_downloads(exp: PageExport) -> None:
    """The page's exports in the sidebar: the whole page as one workbook, then each table and each chart."""
    lang, code = exp.scope.lang, exp.scope.unit.code
    if not exp.scope.access.may_export:  # the files are not made at all, not merely hidden
        return
    with st.sidebar, st.expander(t("ex_title", lang), icon=":material/download:"):
        st.caption(t("ex_intro", lang))
        _button(f"{t('ex_workbook', lang)} · XLSX", lambda: workbook_bytes(exp), name_of(exp, WORKBOOK, "xlsx"),
                "xlsx", f"ex-{exp.page}-{code}-workbook", exp, icon=True)
        for part in exp.parts:
            st.caption(part.title)
            exts = ("csv", "xlsx") if part.kind == "table" else ("png", "svg")
            for col, ext in zip(st.columns(2), exts):
                with col:
                    _button(ext.upper(), _part_file(exp, part, ext), name_of(exp, part.key, ext), ext,
                            f"ex-{exp.page}-{code}-{part.key}-{ext}", exp)
        if any(p.kind == "chart" for p in exp.parts):
            st.caption(t("ex_font_note", lang))


def _part_file(exp: PageExport, part: Part, ext: str) -> Callable[[], bytes]:
    def make() -> bytes:
        built = part.build()
        if built is None:
            return b""
        return table_bytes(exp, built, ext) if isinstance(built, Table) else chart_bytes(built, ext)

    return make
