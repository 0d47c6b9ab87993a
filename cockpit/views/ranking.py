"""The rankings page (考核排名, #21) as it is shown: the table per peer group, the lists, the funnel plot,
a unit's history, and the 方法 sheet — columns in the page's language, typed values, Altair charts.

Pure: the ranking itself is cockpit.domain.ranking's; this module only lays its frames out.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import numpy as np
import pandas as pd

from cockpit.core.i18n import fmt_percent, t
from cockpit.domain.ranking import scoring
from cockpit.domain.ranking.catalogue import CATALOGUE, HIGHER, PER_CAPITA, RATE
from cockpit.domain.ranking.schemes import Scheme
from cockpit.views.charts import nothing_chart
from cockpit.views.tables import Table

WHERE = ("above_998", "above_95", "inside", "below_95", "below_998")
WHERE_COLOURS = ("#e57373", "#ffb74d", "#4fc3f7", "#ffb74d", "#e57373")
MISSING = "—"
NAMED_AT_MOST = 8  # names written on a funnel plot


# ---------------------------------------------------------------- labels

def month_label(month: date, lang: str, to_day: int | None = None) -> str:
    """2026年10月 / Oct 2026; a month the data has not finished: 2026年11月（截至8日）."""
    name = month.strftime("%b")
    if to_day is not None:
        return t("rk_month_partial", lang, year=month.year, month=month.month, day=to_day, month_name=name)
    return t("rk_month_value", lang, year=month.year, month=month.month, month_name=name)


def group_label(group: str, tier: str, lang: str) -> str:
    """街道 / 镇（乡） / 社区 / 村 …, by the tier ranked; 全部 when ranked together."""
    if group in ("all", "other"):
        return t(f"rk_grp_{group}", lang)
    return t(f"rk_grp_{tier}_{group}", lang)


def indicator_name(ind_id: str, lang: str) -> str:
    return CATALOGUE[ind_id].name(lang)


def rate_indicators(scheme: Scheme) -> list[str]:
    """The scheme's rates (a funnel plot is of a rate), in the scheme's order."""
    return [i.id for i in scheme.indicators if CATALOGUE[i.id].kind == RATE]


def rank_cell(rank: object, tied: bool, ranked: bool, lang: str) -> str:
    """3, 3（并列）, or 样本不足 for a unit shown but not ranked."""
    if not ranked or rank is None or pd.isna(rank):  # type: ignore[call-overload]
        return t("rk_small", lang)
    return t("rk_tied", lang, rank=int(rank)) if tied else str(int(rank))  # type: ignore[call-overload]


def change_cell(change: object) -> str:
    """↑2 (places gained), ↓1, — (no change, or no place last month)."""
    if change is None or pd.isna(change) or int(change) == 0:  # type: ignore[call-overload]
        return MISSING
    n = int(change)  # type: ignore[call-overload]
    return f"↑{n}" if n > 0 else f"↓{-n}"


def floor_text(row: pd.Series, scheme: Scheme, lang: str) -> str:
    """The indicators a unit missed its floor on, with its value and the floor: 办结率 65.2%（底线 70.0%）."""
    floors = {i.id: i.floor for i in scheme.indicators}
    items = []
    for ind_id in row["below_floor"]:
        value, floor = row[f"{ind_id}.raw"], floors.get(ind_id)
        per_capita = CATALOGUE[ind_id].kind == PER_CAPITA
        shown = f"{value:.1f}" if per_capita else fmt_percent(value)
        items.append(t("rk_floor_item", lang, indicator=indicator_name(ind_id, lang), value=shown,
                       floor=(f"{floor:g}" if per_capita else fmt_percent(floor))))
    return "；".join(items) if lang == "zh" else "; ".join(items)


# ---------------------------------------------------------------- the table

def table_frame(rows: pd.DataFrame, scheme: Scheme, lang: str, key: str, title: str) -> Table:
    """One peer group's ranking as the screen and the workbook show it (rates as fractions, counts as integers)."""
    out: dict[str, object] = {
        "rank": [rank_cell(r, tied, ranked, lang) for r, tied, ranked in zip(rows["rank"], rows["tied"], rows["ranked"])],
        "rank_change": [change_cell(c) for c in rows["rank_change"]],
        "name": rows["name"].astype(str).tolist(),
        "code": rows["code"].astype(str).tolist(),
        "received": rows["received"].astype("int64").tolist(),
        "per_10k": rows["per_10k"].astype(float).round(1).tolist(),
    }
    headers = {c: t(f"rk_col_{c}", lang) for c in out}
    percent: list[str] = []
    for ind in scheme.indicators:
        known = CATALOGUE[ind.id]
        name = known.name(lang) + ("" if known.direction == HIGHER else t("rk_m_direction_lower", lang))
        if ind.id != "volume_per_10k":  # the same figure as 诉求量/万人
            raw = rows[f"{ind.id}.raw"].astype(float)
            out[f"{ind.id}.raw"] = (raw if known.kind == RATE else raw.round(1)).tolist()
            headers[f"{ind.id}.raw"] = name
            if known.kind == RATE:
                percent.append(name)
        column = f"{ind.id}.points"
        out[column] = (rows[column].astype(float).round(2).tolist() if column in rows else [np.nan] * len(rows))
        headers[column] = t("rk_col_points", lang, name=known.name(lang))
    out["score"] = rows["score"].astype(float).round(2).tolist()
    out["score_change"] = rows["score_change"].astype(float).round(2).tolist()
    out["grade"] = [g if isinstance(g, str) else "" for g in rows["grade"]]
    out["floor"] = [floor_text(r, scheme, lang) for _, r in rows.iterrows()]
    headers |= {c: t(f"rk_col_{c}", lang) for c in ("score", "score_change", "grade", "floor")}
    frame = pd.DataFrame(out).rename(columns=headers)
    return Table(key, title, frame, percent=tuple(percent))


def lists_table(parts: list[tuple[str, pd.DataFrame, pd.DataFrame]], lang: str) -> Table:
    """红榜 and 黑榜 of every group in one sheet: (group label, red rows, black rows)."""
    records = []
    for label, red, black in parts:
        for which, rows in (("rk_lists_red", red), ("rk_lists_black", black)):
            for _, r in rows.iterrows():
                records.append((label, t(which, lang), int(r["rank"]), str(r["name"]), str(r["code"]),
                                round(float(r["score"]), 2), r["grade"] if isinstance(r["grade"], str) else ""))
    columns = [t("rk_lists_col_group", lang), t("rk_lists_col_list", lang), t("rk_col_rank", lang),
               t("rk_col_name", lang), t("rk_col_code", lang), t("rk_col_score", lang), t("rk_col_grade", lang)]
    frame = pd.DataFrame(records, columns=columns)
    frame[columns[2]] = frame[columns[2]].astype("int64")
    return Table("lists", t("rk_lists_title", lang), frame, note=t("rk_lists_note", lang))


def list_frame(rows: pd.DataFrame, lang: str) -> Table:
    """One list on screen: place, unit, score."""
    frame = pd.DataFrame({t("rk_col_rank", lang): rows["rank"].astype("int64").tolist(),
                          t("rk_col_name", lang): rows["name"].astype(str).tolist(),
                          t("rk_col_score", lang): rows["score"].astype(float).round(2).tolist()})
    return Table("list", "", frame)


def floors_table(parts: list[tuple[str, pd.DataFrame]], scheme: Scheme, lang: str) -> Table:
    """The ranked units worse than a floor, with the indicators named: (group label, rows)."""
    records = [(label, str(r["name"]), str(r["code"]), floor_text(r, scheme, lang))
               for label, rows in parts for _, r in rows.iterrows()]
    columns = [t("rk_lists_col_group", lang), t("rk_col_name", lang), t("rk_col_code", lang),
               t("rk_col_indicators", lang)]
    return Table("floors", t("rk_floors_title", lang), pd.DataFrame(records, columns=columns))


# ---------------------------------------------------------------- the 方法 sheet

def _rule_text(ind: object, lang: str) -> str:
    known = CATALOGUE[ind.id]  # type: ignore[attr-defined]
    side = "higher" if ind.direction == HIGHER else "lower"  # type: ignore[attr-defined]
    if ind.rule == "threshold":  # type: ignore[attr-defined]
        per_capita = known.kind == PER_CAPITA
        full = f"{ind.full_at:g}" if per_capita else fmt_percent(ind.full_at)  # type: ignore[attr-defined]
        unit = t("rk_m_unit_value" if per_capita else "rk_m_point", lang)
        return t(f"rk_m_rule_threshold_{side}", lang, full=full, unit=unit, k=f"{ind.minus_per_point:g}")  # type: ignore[attr-defined]
    if ind.rule == "relative":  # type: ignore[attr-defined]
        return t(f"rk_m_rule_relative_{side}", lang)
    return t(f"rk_m_rule_prop_{side}", lang)


def group_rates(table: pd.DataFrame, scheme: Scheme) -> list[tuple[str, str, float, float, float]]:
    """Each group's r0 of each rate as the scores used it: (group, indicator, r0, Σx, Σn) over its ranked units
    (all its units when none is ranked)."""
    out = []
    for group, g in table.groupby("group", sort=True):
        for ind_id in rate_indicators(scheme):
            if f"{ind_id}.n" not in g:
                continue
            n = g[f"{ind_id}.n"].astype(float)
            x = (g[f"{ind_id}.raw"].astype(float) * n).fillna(0.0)
            use = g["ranked"].astype(bool) if n[g["ranked"].astype(bool)].sum() > 0 else pd.Series(True, index=g.index)
            total = float(n[use].sum())
            if total > 0:
                out.append((str(group), ind_id, float(x[use].sum()) / total, float(x[use].sum()), total))
    return out


def method_table(scheme: Scheme, table: pd.DataFrame, month: str, tier_label: str, groups: str, lang: str,
                 tier: str) -> Table:
    """Every formula as computed: indicators, weights and rules, the rate rule with its m, each group's r0,
    the score, ranks, grades, lists and the funnel limits."""
    rows: list[tuple[str, str]] = [
        (t("rk_m_scheme", lang), t("rk_m_scheme_value", lang, name=scheme.name(lang), source=scheme.source or scheme.id)),
        (t("rk_m_note", lang), scheme.note(lang)),
        (t("rk_m_month", lang), month),
        (t("rk_m_tier", lang), tier_label),
        (t("rk_m_groups", lang), groups),
        (t("rk_m_min", lang), t("rk_m_min_value", lang, min=scheme.min_cases)),
    ]
    for ind in scheme.indicators:
        known = CATALOGUE[ind.id]
        floor = ""
        if ind.floor is not None:
            shown = f"{ind.floor:g}" if known.kind == PER_CAPITA else fmt_percent(ind.floor)
            floor = t("rk_m_floor" if ind.direction == HIGHER else "rk_m_floor_lower", lang, floor=shown)
        rows.append((t("rk_m_indicator", lang, name=known.name(lang)),
                     t("rk_m_indicator_value", lang, formula=known.formula(lang), weight=f"{ind.weight:g}",
                       rule=_rule_text(ind, lang), floor=floor)))
    if any(i.id == "satisfaction_rate" for i in scheme.indicators):
        rows.append((t("rk_m_basic", lang), t("rk_m_basic_value", lang, w=f"{scheme.basic_weight:g}")))
    rows.append((t("rk_m_method", lang), t("rk_m_shrink", lang, m=f"{scheme.pseudo_cases:g}") if scheme.method == "shrink"
                 else t("rk_m_wilson", lang)))
    if any(CATALOGUE[i.id].kind == PER_CAPITA for i in scheme.indicators):
        rows.append((t("rk_m_per_capita", lang), t("rk_m_per_capita_value", lang)))
    for group, ind_id, r0, x, n in group_rates(table, scheme):
        rows.append((t("rk_m_r0", lang, group=group_label(group, tier, lang), indicator=indicator_name(ind_id, lang)),
                     t("rk_m_r0_value", lang, rate=fmt_percent(r0, 2), x=f"{x:,.1f}".removesuffix(".0"), n=f"{n:,.0f}")))
    rows.append((t("rk_m_score", lang), t("rk_m_score_value", lang)))
    rows.append((t("rk_m_rank", lang), t("rk_m_rank_value", lang)))
    bands = sorted(scheme.grades.items(), key=lambda kv: -kv[1])
    rows.append((t("rk_m_grades", lang), "，".join(t("rk_m_grade_band", lang, letter=k, lo=f"{v:g}") for k, v in bands)
                 + ("，" if lang == "zh" else ", ") + t("rk_m_grade_last", lang)))
    rows.append((t("rk_m_lists", lang), t("rk_m_lists_value", lang, n=scheme.list_size)))
    rows.append((t("rk_m_funnel", lang), t("rk_m_funnel_value", lang)))
    frame = pd.DataFrame(rows, columns=[t("rk_m_item", lang), t("rk_m_text", lang)])
    return Table("method", t("rk_method", lang), frame)


# ---------------------------------------------------------------- the funnel plot

def funnel_view(dots: pd.DataFrame, limits: pd.DataFrame) -> tuple[pd.DataFrame, tuple[float, float]]:
    """The limits drawn and the rate axis. The axis fits the units and the limits from a little below the
    smallest sample (at n = 1 the limits span 0..1); the limits are drawn from a third of it, cut at the axis."""
    low_n = max(1.0, float(dots["n"].min()) * 0.8)
    fitted = limits[limits["n"] >= low_n]
    if fitted.empty:
        fitted = limits.tail(2)
    lo = min(float(dots["rate"].min()), float(fitted["lo998"].min()))
    hi = max(float(dots["rate"].max()), float(fitted["hi998"].max()))
    pad = max(0.02, (hi - lo) * 0.05)
    drawn = limits[limits["n"] >= max(1.0, float(dots["n"].min()) / 3)]
    return (drawn if len(drawn) >= 2 else fitted), (max(0.0, lo - pad), min(1.0, hi + pad))


def build_funnel_chart(dots: pd.DataFrame, limits: pd.DataFrame, r0: float, title: str, lang: str,
                       width: int = 440, height: int = 260) -> alt.TopLevelMixin:
    """Sample on x, rate on y: the group's rate, its 95% and 99.8% limits, the units (those outside named)."""
    if dots.empty or not r0 == r0:
        return nothing_chart(title, t("rk_funnel_empty", lang), width, 80, fontSize=14)
    shown, (y_lo, y_hi) = funnel_view(dots, limits)
    y_scale = alt.Scale(domain=[y_lo, y_hi], clamp=True)
    x_scale = alt.Scale(domainMin=0, nice=True)
    base = alt.Chart(shown)
    x = alt.X("n:Q", title=t("rk_funnel_x", lang), scale=x_scale)
    band998 = base.mark_area(color="#4fc3f7", opacity=0.08, clip=True).encode(
        x=x, y=alt.Y("lo998:Q", scale=y_scale, title=t("rk_funnel_y", lang), axis=alt.Axis(format=".0%")), y2="hi998:Q")
    band95 = base.mark_area(color="#4fc3f7", opacity=0.14, clip=True).encode(x=x, y=alt.Y("lo95:Q", scale=y_scale), y2="hi95:Q")
    lines = [base.mark_line(color=colour, strokeDash=[4, 3], strokeWidth=1.2, clip=True).encode(
        x=x, y=alt.Y(f"{col}:Q", scale=y_scale)) for col, colour in
        (("lo95", "#ffb74d"), ("hi95", "#ffb74d"), ("lo998", "#e57373"), ("hi998", "#e57373"))]
    centre = alt.Chart(pd.DataFrame({"r0": [r0]})).mark_rule(color="#e8f1ff", strokeWidth=1.5).encode(
        y=alt.Y("r0:Q", scale=y_scale))
    frame = dots.assign(label=[t(f"rk_where_{w}", lang) for w in dots["where"]])
    labels = [t(f"rk_where_{w}", lang) for w in WHERE]
    colour = alt.Color("label:N", title=None, scale=alt.Scale(domain=labels, range=list(WHERE_COLOURS)),
                       legend=alt.Legend(orient="bottom", columns=3, labelLimit=200))
    points = alt.Chart(frame).mark_circle(size=46, opacity=0.9, clip=True).encode(
        x=x, y=alt.Y("rate:Q", scale=y_scale), color=colour,
        tooltip=[alt.Tooltip("name:N", title=t("rk_col_name", lang)), alt.Tooltip("n:Q", title="n", format=",.0f"),
                 alt.Tooltip("rate:Q", title=t("rk_funnel_y", lang), format=".1%")])
    outside = named_units(frame, r0)
    named = alt.Chart(outside).mark_text(align="left", dx=6, dy=-4, fontSize=11, color="#e8f1ff", clip=True).encode(
        x=x, y=alt.Y("rate:Q", scale=y_scale), text="name:N")
    return (alt.layer(band998, band95, *lines, centre, points, named)
            .properties(width=width, height=height, title=alt.Title(title, anchor="start", fontSize=14)))


def named_units(dots: pd.DataFrame, r0: float, most: int = NAMED_AT_MOST) -> pd.DataFrame:
    """The units outside the limits whose names the plot writes: the farthest out first, at most `most`
    (a crowd of labels over a group of small villages reads as nothing; the 数据 table lists them all)."""
    outside = dots[dots["where"] != "inside"]
    if len(outside) <= most:
        return outside
    spread = np.sqrt(r0 * (1 - r0) / outside["n"].astype(float)).replace(0, np.nan)
    distance = ((outside["rate"] - r0).abs() / spread).fillna(0.0)
    return outside.assign(_d=distance).sort_values("_d", ascending=False).head(most).drop(columns="_d")


# ---------------------------------------------------------------- a unit's history

def build_history_chart(history: pd.DataFrame, title: str, lang: str, width: int = 440) -> alt.TopLevelMixin:
    """A unit's place (the axis reversed: first at the top) and its score, month by month."""
    shown = history[history["ranked"].astype(bool)] if not history.empty else history
    if shown.empty:
        return nothing_chart(title, t("rk_history_empty", lang), width, 80, fontSize=14)
    frame = shown.assign(month=pd.to_datetime(shown["month"]), rank=shown["rank"].astype(float),
                         score=shown["score"].astype(float).round(2), of=shown["of"].astype(int))
    fmt = "%Y年%m月" if lang == "zh" else "%b %Y"
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%m月" if lang == "zh" else "%b", labelAngle=0,
                                                    tickCount=min(12, len(frame))))
    tips = [alt.Tooltip("month:T", title=t("rk_month", lang), format=fmt),
            alt.Tooltip("rank:Q", title=t("rk_history_rank", lang), format="d"),
            alt.Tooltip("of:Q", title="/", format="d"), alt.Tooltip("score:Q", title=t("rk_history_score", lang), format=".2f")]
    worst = int(max(frame["of"].max(), frame["rank"].max(), 1))
    rank = alt.Chart(frame).mark_line(point=True, color="#4fc3f7", strokeWidth=2).encode(
        x=x, y=alt.Y("rank:Q", title=t("rk_history_rank", lang),
                     scale=alt.Scale(domain=[1, worst], reverse=True, nice=False),
                     axis=alt.Axis(format="d", tickMinStep=1, values=_rank_ticks(worst))),
        tooltip=tips).properties(width=width, height=120)
    lo = max(0.0, float(frame["score"].min()) - 5)
    score = alt.Chart(frame).mark_line(point=True, color="#ffb74d", strokeWidth=2).encode(
        x=x, y=alt.Y("score:Q", title=t("rk_history_score", lang), scale=alt.Scale(domain=[lo, 100])),
        tooltip=tips).properties(width=width, height=120)
    return alt.vconcat(rank, score, spacing=10).properties(title=alt.Title(title, anchor="start", fontSize=14))


def _rank_ticks(worst: int) -> list[int]:
    if worst <= 10:
        return list(range(1, worst + 1))
    step = int(np.ceil(worst / 6))
    return sorted({1, *range(step, worst + 1, step), worst})


# ---------------------------------------------------------------- the charts' figures as text (cockpit.views.chart_text)

def funnel_rows(dots: pd.DataFrame, r0: float, lang: str) -> list[tuple[str, ...]]:
    """Each unit of the funnel plot: name, n, rate, its limits at its n, where it falls.

    The limits for every unit at once (a city's communities are 1,200 rows: one call each cost seconds).
    """
    ordered = dots.sort_values("rate")
    lo95, hi95 = scoring.funnel_limits(r0, ordered["n"], scoring.Z95)
    lo998, hi998 = scoring.funnel_limits(r0, ordered["n"], scoring.Z998)
    return [(str(name), f"{n:,.0f}", fmt_percent(rate), f"{fmt_percent(a)} – {fmt_percent(b)}",
             f"{fmt_percent(c)} – {fmt_percent(d)}", t(f"rk_where_{where}", lang))
            for name, n, rate, where, a, b, c, d in zip(ordered["name"], ordered["n"], ordered["rate"], ordered["where"],
                                                          lo95, hi95, lo998, hi998, strict=True)]


def funnel_header(lang: str) -> tuple[str, ...]:
    return (t("rk_col_name", lang), "n", t("rk_funnel_y", lang), t("rk_funnel_limit95", lang),
            t("rk_funnel_limit998", lang), t("rk_funnel_where", lang))


def history_rows(history: pd.DataFrame, lang: str) -> list[tuple[str, ...]]:
    out = []
    for _, h in history.iterrows():
        month = pd.Timestamp(h["month"]).date()
        if bool(h["ranked"]) and not pd.isna(h["rank"]):
            place = f"{int(h['rank'])} / {int(h['of'])}"
        else:
            place = t("rk_small", lang)
        score = "—" if pd.isna(h["score"]) else f"{float(h['score']):.2f}"
        out.append((month_label(month, lang), place, score))
    return out
