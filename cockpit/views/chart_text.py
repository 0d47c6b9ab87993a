"""Each chart's figures as text (#25): a short description and the data tables behind its 数据 toggle.

A chart reaches the page as an <img> (cockpit.ui.charts): a screen reader hears its alt text and
nothing else, and a search in the page finds none of its figures. Here every chart builder has a
describer that takes the builder's own inputs (the frames the page has already read) and gives
the same rows the chart draws, in the viewer's language. Pure: no Streamlit, no query.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from cockpit.core.i18n import fmt_percent, t
from cockpit.core.model import SEVERITIES, TIERS
from cockpit.views import alerts as alert_views
from cockpit.views import cases as case_views
from cockpit.views import charts
from cockpit.views import compare as compare_views
from cockpit.views import outline as outline_views
from cockpit.views import participation as part_views
from cockpit.views import ranking as rank_views

DESCRIBE_TOP = 3  # a description names the first few bars; the table holds them all


@dataclass(frozen=True)
class DataTable:
    caption: str  # the chart's own title (the one drawn in the image)
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # as shown: numbers already written in the viewer's language


@dataclass(frozen=True)
class ChartText:
    description: str  # one sentence per chart of the panel: read before the image
    tables: tuple[DataTable, ...]  # behind the 数据 toggle
    lang: str = "zh"


# ---------------------------------------------------------------- numbers and sentences

def _count(value: float | None) -> str:
    """A whole count as the tables write it (11,207: exact, where the cards round to 1.1万)."""
    return "—" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def _decimal(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):,.1f}"


def _day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _sentence(title: str, items: Sequence[str], lang: str) -> str:
    """'办理流程漏斗：受理 11,207，立案 11,100。'"""
    return title + t("ct_colon", lang) + t("ct_and", lang).join(items or [t("ct_none", lang)]) + t("ct_end", lang)


def _series_items(frame: pd.DataFrame, column: str, label: str, lang: str) -> list[str]:
    """A line's total and its highest day (or week)."""
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.dropna().empty:
        return [t("ct_total", lang, label=label, value="—")]
    peak = values.idxmax()
    return [t("ct_total", lang, label=label, value=_count(values.sum())),
            t("ct_peak", lang, value=_count(values[peak]), day=_day(frame["day"][peak]))]


def _day_header(frame: pd.DataFrame, lang: str) -> str:
    """日期, or 周（起始日） where the rows are weeks."""
    days = pd.to_datetime(frame["day"]).sort_values()
    weekly = len(days) > 1 and (days.diff().dropna() >= pd.Timedelta(days=7)).all()
    return t("ct_week_of", lang) if weekly else t("day", lang)


def _by_day_table(caption: str, wide: pd.DataFrame, columns: Sequence[str], headers: Sequence[str],
                  lang: str) -> DataTable:
    rows = tuple((_day(d), *(_count(v) for v in values))
                 for d, *values in wide[["day", *columns]].itertuples(index=False, name=None))
    return DataTable(caption, (_day_header(wide, lang), *headers), rows)


def _shares(frame: pd.DataFrame, count_column: str, label_column: str) -> list[str]:
    total = float(frame[count_column].sum()) or 1.0
    return [f"{label} {fmt_percent(n / total)}" for label, n in zip(frame[label_column], frame[count_column])]


def _nothing(title: str, lang: str, note: str | None = None) -> tuple[str, DataTable]:
    """A chart drawn as one line of text (暂无数据): the same line, and a table that says it."""
    text = note or t("no_data", lang)
    return _sentence(title, [text], lang), DataTable(title, (t("ct_data", lang),), ((text,),))


def _compose(parts: Sequence[tuple[str, DataTable | None]], lang: str) -> ChartText:
    lead = ("" if lang == "zh" else " ").join(sentence for sentence, _ in parts)
    return ChartText(lead, tuple(table for _, table in parts if table is not None), lang)


# ---------------------------------------------------------------- the overview's trend panel

def describe_trend_panel(daily: pd.DataFrame, tiers: pd.DataFrame, lang: str, width: int = 560,  # noqa: ARG001
                         no_data: tuple[str, ...] = (), band: pd.DataFrame | None = None) -> ChartText:
    """cockpit.views.charts.build_trend_panel's four charts: cases, alerts, points, the tier that resolved;
    where a chart continues into a forecast (#24), its days follow the data's with the forecast's columns."""
    parts: list[tuple[str, DataTable | None]] = []
    for theme, columns, title_key in (("cases", ["cases_received", "cases_closed"], "trend_cases"),
                                      ("alerts", ["alerts_raised"], "trend_alerts"),
                                      ("points", ["points_earned"], "trend_points")):
        title = t(title_key, lang)
        if theme in no_data:
            parts.append(_nothing(title, lang))
            continue
        frame = charts.trend_frame(daily, columns).reset_index(drop=True)
        labels = [t(c, lang) for c in columns]
        items = [item for c, label in zip(columns, labels) for item in _series_items(frame, c, label, lang)]
        table = _by_day_table(title, frame, columns, labels, lang)
        ahead = band[band["series"].isin(columns)] if band is not None and not band.empty else None
        if ahead is not None and not ahead.empty:
            items.append(t("fc_ct_next", lang, days=len(ahead), value=_count(ahead["mean"].sum()),
                           lo=_count(ahead["lo80"].clip(lower=0).sum()), hi=_count(ahead["hi80"].sum())))
            table = _with_forecast(table, ahead, lang)
        parts.append((_sentence(title, items, lang), table))
    title = t("tiers_title", lang)
    if "cases" in no_data:
        parts.append(_nothing(title, lang))
    else:
        frame = tiers[tiers["tier"].notna()].copy()
        frame = frame.assign(label=[t(f"tier_{x}", lang) for x in frame["tier"]],
                             rank=[TIERS.index(x) if x in TIERS else len(TIERS) for x in frame["tier"]])
        frame = frame.sort_values("rank")
        total = float(frame["cases"].sum()) or 1.0
        rows = tuple((label, _count(n), fmt_percent(n / total)) for label, n in zip(frame["label"], frame["cases"]))
        table = DataTable(title, (t("ct_tier", lang), t("ct_cases", lang), t("ct_share", lang)), rows)
        parts.append((_sentence(title, _shares(frame, "cases", "label"), lang), table))
    return _compose(parts, lang)


def _with_forecast(table: DataTable, ahead: pd.DataFrame, lang: str) -> DataTable:
    """The by-day table with the forecast's columns (mean, 80% and 95% bounds) and its days after the data's."""
    values = ["mean", "lo80", "hi80", "lo95", "hi95"]
    headers = (t("fc_forecast", lang), t("fc_lo80", lang), t("fc_hi80", lang), t("fc_lo95", lang), t("fc_hi95", lang))
    by_day = {_day(d): tuple(_decimal(v) for v in row) for d, *row in ahead[["day", *values]].itertuples(index=False, name=None)}
    blank = ("—",) * len(values)
    width = len(table.header) - 1
    rows = [(*r, *by_day.pop(r[0], blank)) for r in table.rows]
    rows += [(day, *("—",) * width, *more) for day, more in by_day.items()]
    return DataTable(table.caption, (*table.header, *headers), tuple(rows))


# ---------------------------------------------------------------- the cases page

def _hours(value: float | None, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return t("cs_days", lang, n=f"{value / 24:.1f}") if value >= 48 else t("cs_hours", lang, n=f"{value:.1f}")


def describe_left_panel(funnel: pd.DataFrame, series: pd.DataFrame, lang: str, width: int = 420) -> ChartText:  # noqa: ARG001
    """The funnel (cases reaching each stage, median time from the stage before) and the overdue trend."""
    title = t("cs_funnel_title", lang)
    stages, items = [], []
    for stage, n, hours in zip(funnel["stage"], funnel["cases"], funnel["median_hours"]):
        label = t(f"cs_stage_{stage}", lang)
        shown = t("cs_stage_unknown", lang) if n is None or pd.isna(n) else _count(n)
        stages.append((label, shown, _hours(hours, lang)))
        items.append(f"{label} {shown}")
    funnel_table = DataTable(title, (t("ct_stage", lang), t("ct_cases", lang), t("ct_median", lang)), tuple(stages))
    trend_title = t("cs_overdue_trend", lang)
    frame = series.reset_index(drop=True)
    overdue = pd.to_numeric(frame["overdue"], errors="coerce") if len(frame) else pd.Series(dtype="float64")
    trend_items = []
    if not overdue.dropna().empty:
        peak = overdue.idxmax()
        trend_items = [t("ct_last", lang, value=_count(overdue.iloc[-1])),
                       t("ct_peak", lang, value=_count(overdue[peak]), day=_day(frame["day"][peak]))]
    trend_table = _by_day_table(trend_title, frame, ["overdue"], [t("ct_overdue", lang)], lang)
    return _compose([(_sentence(title, items, lang), funnel_table),
                     (_sentence(trend_title, trend_items, lang), trend_table)], lang)


def describe_tier_panel(shares: pd.DataFrame, names: dict[str, str], lang: str, width: int = 420) -> ChartText:  # noqa: ARG001
    """Where cases were solved: the unit first, then its children, each split by tier."""
    title = t("cs_tiers_title", lang)
    if shares.empty:
        return _compose([_nothing(title, lang, t("cs_tiers_none", lang))], lang)
    labels = [t(f"tier_{x}", lang) for x in TIERS]
    wide = shares.pivot_table(index=["order", "code"], columns="tier", values="share", aggfunc="sum").sort_index()
    counts = shares.groupby("code")["cases"].sum()
    rows = []
    for order, code in wide.index:
        cells = [fmt_percent(wide.loc[(order, code)].get(tier)) for tier in TIERS]
        rows.append((names.get(code, code), *cells, _count(counts.get(code))))
    table = DataTable(title, (t("part_unit", lang), *labels, t("ct_resolved", lang)), tuple(rows))
    first = rows[0]
    items = [f"{label} {cell}" for label, cell in zip(labels, first[1:-1]) if cell not in ("—", "0.0%")]
    if items:  # the unit's own split leads; its children are in the table
        items[0] = f"{first[0]} {items[0]}"
    lead = _sentence(title, items, lang)
    return _compose([(lead, table)], lang)


# ---------------------------------------------------------------- the alerts page

def describe_alert_panel(counts: pd.DataFrame, trend: pd.DataFrame, lang: str, width: int = 560,  # noqa: ARG001
                         band: pd.DataFrame | None = None) -> ChartText:
    """Active alerts by type and severity, and this period's alerts against the same days last year; where the
    trend continues into the forecast (#24), its days follow with the forecast's columns."""
    title = t("al_chart_active", lang)
    if counts.empty:
        active = _nothing(title, lang, t("al_none_active", lang))
    else:
        wide = counts.pivot_table(index="type", columns="severity", values="alerts", aggfunc="sum").fillna(0)
        wide = wide.reindex(columns=list(SEVERITIES), fill_value=0)
        wide["total"] = wide.sum(axis=1)
        wide = wide.sort_values("total", ascending=False, kind="stable")
        rows = tuple((t(f"alert_{kind}", lang), *(_count(wide.loc[kind, s]) for s in SEVERITIES),
                      _count(wide.loc[kind, "total"])) for kind in wide.index)
        header = (t("al_type", lang), *(t(f"severity_{s}", lang) for s in SEVERITIES), t("ct_total_col", lang))
        items = [f"{row[0]} {row[-1]}" for row in rows]
        active = (_sentence(title, items, lang), DataTable(title, header, rows))
    trend_title = t("al_chart_trend", lang)
    frame = alert_views.year_trend_frame(trend)
    wide = frame.pivot_table(index="day", columns="series", values="alerts", aggfunc="sum").reset_index()
    series = [s for s in ("now", "last_year") if s in wide]
    labels = [t("al_now" if s == "now" else "al_before", lang) for s in series]
    items = [t("ct_total", lang, label=label, value=_count(wide[s].sum())) for s, label in zip(series, labels)]
    table = _by_day_table(trend_title, wide, series, labels, lang)
    if band is not None and not band.empty:
        items.append(t("fc_ct_next", lang, days=len(band), value=_count(band["mean"].sum()),
                       lo=_count(band["lo80"].clip(lower=0).sum()), hi=_count(band["hi80"].sum())))
        table = _with_forecast(table, band, lang)
    return _compose([active, (_sentence(trend_title, items, lang), table)], lang)


# ---------------------------------------------------------------- the participation page

def describe_participation_panel(series: pd.DataFrame, stats: pd.DataFrame, rates: pd.DataFrame, lang: str,
                                 width: int = 560) -> ChartText:  # noqa: ARG001
    """Points by kind over time, activities by kind, participants per 1,000 residents by child."""
    parts: list[tuple[str, DataTable | None]] = []
    title = t("part_points_title", lang)
    if series.empty:
        parts.append(_nothing(title, lang))
    else:
        kinds = [k for k in part_views.KINDS if k in set(series["kind"])]
        wide = series.pivot_table(index="day", columns="kind", values="points", aggfunc="sum").fillna(0).reset_index()
        labels = [t(f"part_kind_{k}", lang) for k in kinds]
        items = [t("ct_total", lang, label=label, value=_count(wide[k].sum())) for k, label in zip(kinds, labels)]
        parts.append((_sentence(title, items, lang), _by_day_table(title, wide, kinds, labels, lang)))
    title = t("part_activities_title", lang)
    held = stats[stats["activities"] > 0] if len(stats) else stats
    if held.empty:
        parts.append(_nothing(title, lang, t("part_none_held", lang)))
    else:
        held = held.sort_values("activities", ascending=False, kind="stable")
        rows = tuple((t(f"part_kind_{k}", lang), _count(a), _count(p))
                     for k, a, p in zip(held["kind"], held["activities"], held["participants"]))
        header = (t("part_kind", lang), t("part_activities", lang), t("part_participants", lang))
        parts.append((_sentence(title, [f"{r[0]} {r[1]}" for r in rows], lang), DataTable(title, header, rows)))
    title = t("part_per_1000_title", lang)
    ranked = rates.sort_values(["per_1000", "code"], ascending=[False, True])
    rows = tuple((str(name), _decimal(v)) for name, v in zip(ranked["name"], ranked["per_1000"]))
    items = [f"{name} {v}" for name, v in rows[:DESCRIBE_TOP]]
    if len(rows) > DESCRIBE_TOP:
        items.append(t("ct_more", lang, n=len(rows)))
    parts.append((_sentence(title, items, lang), DataTable(title, (t("part_unit", lang), t("part_per_1000", lang)), rows)))
    return _compose(parts, lang)


# ---------------------------------------------------------------- the ranking in a missing map's place

def describe_rank_chart(frame: pd.DataFrame, missing: str, metric_label: str, lang: str, width: int) -> ChartText:  # noqa: ARG001
    """The children ranked by the map's metric: every child in the table, the first few in the description."""
    title = outline_views.rank_title(missing, metric_label, lang)
    if frame.empty:
        return _compose([_nothing(title, lang, t("geo_rank_none", lang))], lang)
    rows = tuple((str(name), str(text)) for name, text in zip(frame["name"], frame["text"]))
    items = [f"{name} {text}" for name, text in rows[:DESCRIBE_TOP]]
    if len(rows) > DESCRIBE_TOP:
        items.append(t("ct_more", lang, n=len(rows)))
    return _compose([(_sentence(title, items, lang), DataTable(title, (t("name", lang), metric_label), rows))], lang)


# ---------------------------------------------------------------- the rankings page (#21)

def describe_funnel_chart(dots: pd.DataFrame, limits: pd.DataFrame, r0: float, title: str, lang: str,  # noqa: ARG001
                          width: int = 440, height: int = 260) -> ChartText:  # noqa: ARG001
    """The group's rate, then every unit with its limits; the description names those outside the limits."""
    if dots.empty or not r0 == r0:
        return _compose([_nothing(title, lang, t("rk_funnel_empty", lang))], lang)
    outside = [str(n) for n in dots.loc[dots["where"] != "inside", "name"]]
    said = t("rk_funnel_outside", lang, names=t("ct_and", lang).join(outside)) if outside else t("rk_funnel_inside_all", lang)
    sentence = title + t("ct_colon", lang) + t("rk_funnel_r0", lang) + " " + fmt_percent(r0) + t("ct_end", lang) + said
    return _compose([(sentence, DataTable(title, rank_views.funnel_header(lang), tuple(rank_views.funnel_rows(dots, r0, lang))))], lang)


def describe_history_chart(history: pd.DataFrame, title: str, lang: str, width: int = 440) -> ChartText:  # noqa: ARG001
    """A unit's place and score each month."""
    if history.empty or not history["ranked"].astype(bool).any():
        return _compose([_nothing(title, lang, t("rk_history_empty", lang))], lang)
    rows = tuple(rank_views.history_rows(history, lang))
    items = [f"{month} {place}（{score}）" if lang == "zh" else f"{month} {place} ({score})" for month, place, score in rows[-DESCRIBE_TOP:]]
    header = (t("rk_month", lang), t("rk_history_rank", lang), t("rk_history_score", lang))
    return _compose([(_sentence(title, items, lang), DataTable(title, header, rows))], lang)


# ---------------------------------------------------------------- the compare page (#23)

def describe_trend_multiples(series: tuple[tuple[str, pd.DataFrame], ...], lang: str, width: int = 1080) -> ChartText:  # noqa: ARG001
    """Each measure's small multiples: every unit's (or period's) total, a day's mean and its highest day."""
    parts: list[tuple[str, DataTable | None]] = []
    rows = compare_views.trend_rows(series, lang)
    for _, title_key in compare_views.MEASURES:
        title = t(title_key, lang)
        mine = [r for r in rows if r[0] == title]
        items = [t("ct_total", lang, label=label, value=_count(total)) for _, label, total, _, _ in mine]
        table = DataTable(title, (t("cp_unit", lang), t("ct_total_col", lang), t("cp_day_mean", lang), t("cp_day_max", lang)),
                          tuple((label, _count(total), _decimal(mean), _count(top)) for _, label, total, mean, top in mine))
        parts.append((_sentence(title, items, lang), table))
    return _compose(parts, lang)


# Every chart builder a page draws, with the describer that takes the same inputs.
DESCRIBERS: dict[Callable[..., object], Callable[..., ChartText]] = {
    charts.build_trend_panel: describe_trend_panel,
    case_views.build_left_panel: describe_left_panel,
    case_views.build_tier_panel: describe_tier_panel,
    alert_views.build_alert_panel: describe_alert_panel,
    part_views.build_panel: describe_participation_panel,
    outline_views.build_rank_chart: describe_rank_chart,
    rank_views.build_funnel_chart: describe_funnel_chart,
    rank_views.build_history_chart: describe_history_chart,
    compare_views.build_trend_multiples: describe_trend_multiples,
}


def describe(build: Callable[..., object], args: tuple) -> ChartText:
    """The text of the chart build(*args) draws; a builder without a describer has none (a test lists them all)."""
    describer = DESCRIBERS.get(build)
    return describer(*args) if describer is not None else ChartText("", ())


# ---------------------------------------------------------------- HTML

def build_heading_html(title: str, text: ChartText) -> str:
    """The chart's section heading and its description, for assistive technology (style.css keeps them off screen:
    the image already shows both)."""
    lead = f"<p>{html.escape(text.description)}</p>" if text.description else ""
    return f'<div class="ck-chart-head"><h2>{html.escape(title)}</h2>{lead}</div>'


def build_data_html(title: str, text: ChartText) -> str:
    """The 数据 toggle: closed <details> (a browser's find-in-page still opens it) holding one table per chart.

    The box of tables scrolls, so it takes the keyboard focus (a keyboard must be able to scroll it).
    """
    if not text.tables:
        return ""
    tables = []
    for table in text.tables:
        head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in table.header)
        body = "".join("<tr>" + f'<th scope="row">{html.escape(row[0])}</th>'
                       + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[1:]) + "</tr>" for row in table.rows)
        tables.append(f"<table><caption>{html.escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
                      f"<tbody>{body}</tbody></table>")
    label = html.escape(t("ct_data_of", text.lang, title=title))
    return (f'<details class="ck-data"><summary aria-label="{label}">{html.escape(t("ct_data", text.lang))}</summary>'
            f'<div class="ck-data-body" role="region" aria-label="{label}" tabindex="0">{"".join(tables)}</div></details>')


def build_section_heading_html(text: str, level: int = 2) -> str:
    """A section title as a heading element: h1 the page's title (style.css's ck-title), h2 a section (ck-h2)."""
    css = "ck-title" if level == 1 else "ck-h2"
    return f'<h{level} class="{css}">{html.escape(text)}</h{level}>'
