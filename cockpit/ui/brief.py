"""The 工作简报 (weekly/monthly brief): its figures gathered through the pages' own functions, and the 生成简报 button.

Nothing here asks the database anything a page does not: the overview's cards (the calls behind
`render_kpis` and `overview.kpis_table`, worded by the cards' own `format_kpi`), the cases page's card, tables and charts (`cases.default_view`,
`kpi_values`, `by_source_table`…), the alerts page's cards, severity counts and above-baseline grids,
the participation page's tables and chart — so every number in the brief is the screen's for the
same unit and period. `python -m cockpit brief` and the button build the same document.
"""

from __future__ import annotations

import logging
from dataclasses import fields, replace
from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from cockpit.core import codes
from cockpit.core.i18n import fmt_date, t
from cockpit.core.model import PERIOD_DAYS, Window, covered
from cockpit.core.settings import Settings
from cockpit.core.texts.brief import bt
from cockpit.domain import brief as model
from cockpit.domain import metrics
from cockpit.domain.access import Access
from cockpit.store import audit
from cockpit.ui import alerts, cases, data, exports, participation
from cockpit.ui.nodata import no_data
from cockpit.ui.render import trend_chart
from cockpit.ui.scope import Scope
from cockpit.views import files, images
from cockpit.views.brief_tables import grid_of, kpi_grid
from cockpit.views.tables import Chart, Table

log = logging.getLogger("cockpit.ui")
FORMATS = ("docx", "pdf")
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}
SUPERVISION_ROWS = 10
TABLE_ROWS = 15  # rows of a long table (categories, grids) the brief prints; the note says how many there were


# ---------------------------------------------------------------- the period's scope


def _window(p: model.Period) -> Window:
    return Window(datetime.combine(p.first, time()), datetime.combine(p.last + timedelta(days=1), time()))


def brief_scope(settings: Settings, unit_code: str, period: model.Period, lang: str = "zh",
                found: Access | None = None) -> Scope:
    """The Scope of the brief's unit and period: the page frame's own (exports.scope_for) for a week or a
    page's period; for a calendar month its windows are the month, the month before and the month a year before."""
    days = period.days if period.days in PERIOD_DAYS else 30
    scope = exports.scope_for(settings, unit_code, days, lang, period.last, found)
    if period.days in PERIOD_DAYS and period.kind != "month":
        return scope
    return replace(scope, current=_window(period), previous=_window(period.previous()),
                   last_year=_window(period.last_year()), view=replace(scope.view, period_days=period.days))


def default_period(settings: Settings) -> model.Period:
    """The last full Monday–Sunday week by the data's newest day (what a Monday-morning job wants)."""
    end = data.cached_data_end(settings.db_url) or datetime.now()
    return model.last_full_week(end.date())


def period_of(settings: Settings, week: str | None = None, month: str | None = None, days: int | None = None,
              end: date | None = None) -> model.Period:
    """The days a brief covers: an ISO week, a calendar month, a page's period ending `end` (default: the data's
    newest day), else the data's last full week."""
    if week:
        return model.parse_week(week)
    if month:
        return model.parse_month(month)
    if days:
        newest = data.cached_data_end(settings.db_url)
        return model.days_period(days, end or (newest.date() if newest else date.today()))
    return default_period(settings)


def units_below(settings: Settings, code: str, level: str) -> list[str]:
    """The codes of every unit of `level` under `code` (for one brief each), in code order."""
    tree = data.cached_tree(settings.db_url)
    if not tree.has(code):
        raise exports.UnknownUnit(code)
    unit = tree.unit(code)
    units = tree.units
    below = units[(units["level"] == level) & units["code"].str.startswith(codes.prefix(unit.code, unit.level))]
    if below.empty:
        raise ValueError(f"no {level} under {unit.code} ({unit.name})")
    return sorted(below["code"])


def file_name(scope: Scope, period: model.Period, ext: str) -> str:
    """e.g. `诸暨市_brief_2026-10-26_2026-11-01_week44.docx`."""
    part = f"{period.kind}{period.issue}" if period.issue is not None else f"{period.days}d"
    return files.file_name(scope.unit.name, "brief", scope.current, part, ext)


# ---------------------------------------------------------------- figures


def _png(chart: Chart) -> bytes:
    """The page's chart through the PNG export path (vl-convert, the CJK font checked), on white paper."""
    return images.png_bytes(chart.spec, theme="print")


def _received_before(scope: Scope) -> float | None:
    """Cases received in the period before, by the cases page's own card (None when the data does not reach back)."""
    if not covered(scope.previous, data.cached_data_start(scope.url)):
        return None
    return cases.kpi_values(cases.default_view(replace(scope, current=scope.previous)))["received"]


def _pairs(table: Table) -> list[tuple[str, float]]:
    """(name, received) of a by-source / by-category table: its first two columns, most received first."""
    frame = table.frame
    return [(str(n), float(v)) for n, v in zip(frame.iloc[:, 0], frame.iloc[:, 1])]


def gather(scope: Scope) -> tuple[dict, dict[str, Table], dict[str, Chart]]:
    """The brief's figures, tables and charts, each from the function that shows it on a page."""
    url, unit = scope.url, scope.unit
    current, severities = data.cached_window_values(url, unit, scope.current)
    kpis = metrics.compute_kpis(current, data.comparison_values(url, unit, scope.previous),
                                data.comparison_values(url, unit, scope.last_year))
    view = cases.default_view(scope)
    case_kpis = cases.kpi_values(view)
    by_source, by_category = cases.by_source_table(view), cases.by_category_table(view)
    received = case_kpis["received"]
    before = _received_before(scope)
    picked = alerts.Picked(None, None)
    alert_figures = alerts.card_figures(scope, picked)
    categories = _pairs(by_category)
    f: dict = {
        "received": received, "received_before": before, "received_change": metrics.change(received, before),
        "sources": _pairs(by_source), "top_category": categories[0] if categories else None,
        # the rest as the overview's cards (and table 1 beside the sentences) show them
        "closed": kpis["closed"].value, "closure_rate": kpis["closure_rate"].value,
        "on_time_rate": kpis["on_time_rate"].value, "satisfaction": kpis["satisfaction"].value,
        "open": kpis["open"].value, "overdue": kpis["overdue"].value, "low_tier_rate": kpis["low_tier_rate"].value,
        "raised": kpis["raised"].value, "raised_change": kpis["raised"].mom, "active": kpis["active"].value,
        "s1": severities[0], "s2": severities[1], "ack_rate": kpis["ack_rate"].value, "hot": alert_figures["hot"],
        "earned": kpis["earned"].value, "earned_change": kpis["earned"].mom, "redeemed": kpis["redeemed"].value,
        "per_1000": kpis["participants_per_1000"].value,
        "registered": current.get("registered"), "floating": current.get("floating"),
        "elderly_60p": current.get("elderly_60p"), "elderly_alone": current.get("elderly_alone"),
    }
    f["population"] = None if f["registered"] is None else (f["registered"] or 0) + (f["floating"] or 0)
    _, active_counts = alerts.cached_active(url, unit, scope.current.end, picked)
    tables = {
        "cases_summary": cases.summary_table(view),
        "by_source": by_source, "by_category": by_category, "ranking": cases.ranking_table(view),
        "severity": _severity_table(active_counts, scope.lang),
        "above_baseline": alerts.hotspot_table(scope, picked),
        "activities": participation.activities_table(scope), "top_communities": participation.top_table(scope),
    }
    charts = {"trends": trend_chart(scope), "funnel": cases.funnel_chart(view)[0], "tiers": cases.tier_chart(view),
              "alerts": alerts.panel_chart(scope, picked), "participation": participation.panel_chart(scope)}
    f["kpis"] = kpis
    return f, {k: v for k, v in tables.items() if v is not None}, charts


def _severity_table(counts: pd.DataFrame, lang: str) -> Table:
    """The alerts chart's bars (active alerts by type, stacked by severity) as a table."""
    wide = model.severity_matrix(counts)
    frame = pd.DataFrame({bt("br_type_col", lang): [t(f"alert_{x}", lang) for x in wide["type"]]})
    for s in (1, 2, 3, 4):
        frame[t(f"severity_{s}", lang)] = wide[s].astype("int64").to_numpy()
    frame[bt("br_total_col", lang)] = wide["total"].astype("int64").to_numpy()
    return Table("severity", t("al_chart_active", lang), frame)


# ---------------------------------------------------------------- the document


def _ranking_month(period: model.Period) -> date:
    """The month whose red and black lists the brief carries: the newest calendar month ended by the period's last day."""
    nxt = period.last + timedelta(days=1)
    if nxt.day == 1:
        return period.last.replace(day=1)
    return (period.last.replace(day=1) - timedelta(days=1)).replace(day=1)


def _supervision_blocks(scope: Scope) -> list[model.Block]:
    """督办: the cases page's own 督办 tables (per responsible unit, then the cases, longest overdue first).

    HOOK while the 督办 view is being built: without `cases.supervision_units_table` (and a CaseFilter
    that has a `view`), the section says the list is not connected yet.
    """
    units_table = getattr(cases, "supervision_units_table", None)
    list_table = getattr(cases, "supervision_list_table", None)
    if units_table is None or "view" not in {f.name for f in fields(cases.CaseFilter)}:
        return [model.note(bt("br_hook_supervision", scope.lang))]
    base = cases.default_view(scope)
    view = cases.CaseView(scope, replace(base.f, view="supervision"), base.categories)
    blocks = [grid_block(units_table(view), scope.lang)]
    if list_table is not None:
        # the grid's code and the masked description stay on the page: a leader's list names the unit and the why
        blocks.append(grid_block(list_table(view), scope.lang, SUPERVISION_ROWS,
                                 (t("sv_col_grid", scope.lang), t("cs_col_description", scope.lang))))
    return blocks


def _ranking_blocks(scope: Scope, period: model.Period) -> list[model.Block]:
    """考核排名: the ranking page's 红榜 and 黑榜 (its default scheme, tier and groups) of the month the period ends in
    or, mid-month, the month before; a unit without units below it, or data without that month, says so."""
    from cockpit.ui import ranking

    lang = scope.lang
    month = _ranking_month(period)
    label = f"{month.year}年{month.month}月" if lang == "zh" else f"{month:%B %Y}"
    base = ranking.default_view(scope) if scope.child_level is not None else None
    if base is None or month not in base.months.options:
        return [model.note(bt("br_no_ranking", lang, month=label))]
    view = ranking.RankView(scope, base.lib, base.scheme, base.months, month, base.mode, base.tier)
    return [model.p(bt("br_ranking_lead", lang, month=view.month_text(), scheme=view.scheme.name(lang))),
            grid_block(ranking.lists_table(view), lang, None)]


def grid_block(table: Table, lang: str, rows: int | None = TABLE_ROWS, drop: tuple[str, ...] = ()) -> model.Block:
    """A page's table in the brief; one without rows is a line saying so, as on screen."""
    if table.frame.empty:
        return model.note(f"{table.title}：{bt('br_none', lang)}" if lang == "zh" else f"{table.title}: {bt('br_none', lang)}")
    return model.table(grid_of(table, lang, max_rows=rows, drop=drop))


def build_brief(scope: Scope, period: model.Period, made: datetime | None = None) -> model.Brief:
    """The brief of the scope's unit and period as a document model (no file yet)."""
    lang, unit = scope.lang, scope.unit
    missing = no_data(scope)
    f, tables, charts = gather(scope)
    figures = {key: model.figure(c.title, _png(c)) for key, c in charts.items()}
    paragraphs = model.overall_paragraphs(f, unit.name, period.kind, lang, missing)

    def grid(key: str, rows: int | None = TABLE_ROWS) -> model.Block:
        return grid_block(tables[key], lang, rows)

    indicators = kpi_grid(f.pop("kpis"), lang, t("ov_kpis", lang), missing)
    s1 = [model.p(x) for x in paragraphs] + [model.table(indicators), figures["trends"]]
    s2 = [model.h2(bt("br_s2_volume", lang)), grid("by_source"), grid("by_category"),
          model.h2(bt("br_s2_rates", lang)), grid("cases_summary", None), figures["funnel"],
          model.h2(bt("br_s2_tiers", lang)), figures["tiers"]]
    if "ranking" in tables:
        s2.append(grid("ranking"))
    s2 += [model.h2(bt("br_s2_supervision", lang)), *_supervision_blocks(scope)]
    s3 = [model.h2(bt("br_s3_types", lang)), grid("severity", None), figures["alerts"],
          model.h2(bt("br_s3_hot", lang)), grid("above_baseline")]
    s4 = [model.h2(bt("br_s4_points", lang)), grid("activities", None), figures["participation"],
          model.h2(bt("br_s4_top", lang)), grid("top_communities")]
    sections = (
        model.Section(bt("br_s1", lang), tuple(s1)), model.Section(bt("br_s2", lang), tuple(s2)),
        model.Section(bt("br_s3", lang), tuple(s3)), model.Section(bt("br_s4", lang), tuple(s4)),
        model.Section(bt("br_s5", lang), tuple(_ranking_blocks(scope, period))),
    )
    data_end = data.cached_data_end(scope.url)
    is_demo = data.cached_meta(scope.url).get("label") == "demo"
    made = made or datetime.now()
    return model.Brief(
        lang=lang, title=bt("br_title", lang, unit=unit.name),
        issue=bt("br_issue", lang, year=period.year, n=period.issue) if period.issue is not None else "",
        period=bt("br_period_line", lang, text=model.period_text(period.first, period.last, lang)),
        as_of=bt("br_as_of", lang, time=f"{fmt_date(scope.end, lang)} {scope.end:%H:%M}" if data_end else t("no_data", lang)),
        made=fmt_date(made, lang), source=bt("br_source", lang), demo=bt("br_demo", lang) if is_demo else "",
        sections=sections, figures=f,
    )


def brief_bytes(brief: model.Brief, fmt: str) -> bytes:
    from cockpit.views.brief_docx import docx_bytes
    from cockpit.views.brief_pdf import pdf_bytes

    return docx_bytes(brief) if fmt == "docx" else pdf_bytes(brief)


def record(scope: Scope, fmt: str, name: str, how: str) -> None:
    """The brief in the audit log, as every export is (who, unit, period, the file)."""
    a = scope.access
    audit.record(scope.settings.audit_url, a.name or ("open" if a.is_open else "-"), "export", role=a.role,
                 page="brief", unit_code=scope.unit.code, period_days=scope.view.period_days,
                 detail=f"{how} brief {fmt}: {name}")


# ---------------------------------------------------------------- on screen


def page_period(scope: Scope) -> model.Period:
    """The brief of what the page shows: its unit and its period (7, 30, 90 or 365 days to the data's end, or a custom range:
    its days, ending on its last day)."""
    return model.days_period(scope.view.period_days, (scope.current.end - timedelta(days=1)).date())


def render_brief_button(scope: Scope, page: str) -> None:
    """生成简报 in the sidebar: a format, a button that builds the brief of the page's unit and period,
    then a download button holding it (kept for this unit, period and language until the next one)."""
    lang = scope.lang
    if not scope.access.may_export:
        return
    period = page_period(scope)
    key = f"brief-{page}-{scope.unit.code}-{scope.view.period_key}-{lang}"  # a custom range is not its day count
    with st.sidebar, st.expander(bt("br_button", lang), icon=":material/article:"):
        st.caption(bt("br_button_help", lang))
        fmt = st.radio(bt("br_format", lang), FORMATS, format_func=lambda x: {"docx": "Word (DOCX)", "pdf": "PDF"}[x],
                       horizontal=True, key=f"{key}-fmt")
        made = st.session_state.get(key)
        if st.button(bt("br_button", lang), key=f"{key}-go", icon=":material/description:", width="stretch"):
            try:
                with st.spinner(bt("br_building", lang)):
                    name = file_name(scope, period, fmt)
                    content = brief_bytes(build_brief(scope, period), fmt)
                record(scope, fmt, name, "page")
                made = st.session_state[key] = (fmt, name, content)
            except Exception as exc:  # one line for the viewer, the trace for the operator
                log.exception("brief failed")
                st.error(bt("br_failed", lang, reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
                made = None
        if made is not None:
            made_fmt, name, content = made
            st.download_button(bt("br_download", lang, fmt=made_fmt.upper()), data=content, file_name=name,
                               mime=MIME[made_fmt], key=f"{key}-dl", icon=":material/download:", width="stretch",
                               on_click="ignore")
