"""The compare page (对比分析, #23) as it is shown: the figures side by side with the best and worst named, the
daily trends as small multiples on one scale per measure, the units' shapes on one map, the balance table.

Pure: the arithmetic is cockpit.domain.compare's; this module lays out frames, charts and map features.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from cockpit.core.i18n import t
from cockpit.domain import compare
from cockpit.views.charts import trend_frame
from cockpit.views.tables import Table

MEASURES = (("cases_received", "cp_m_cases"), ("alerts_raised", "trend_alerts"), ("points_earned", "trend_points"))
PALETTE = ("#4fc3f7", "#ffb74d", "#81c784", "#e57373", "#ba68c8", "#fff176")
LEVEL_ORDER = ("city", "district", "street", "community", "grid")


# ---------------------------------------------------------------- the figures side by side

def row_label(row: compare.Row, lang: str) -> str:
    if row.key.endswith("_per_10k"):
        return t(f"cp_{row.key}", lang)
    if row.kind == "rate":
        return t("cp_percent", lang, name=t(row.key, lang))
    return t(row.key, lang)


@dataclass(frozen=True)
class Compared:
    table: Table
    kinds: tuple[str, ...]  # each row's kind (count, rate, per_capita), for the screen's number formats
    marks: tuple[tuple[int, str, str], ...]  # (row, column, "best" | "worst")
    columns: tuple[str, ...]  # the compared columns (units or periods)


def comparison(columns: Sequence[tuple[str, dict[str, float | None]]], lang: str, title: str,
               with_change: bool = False, note: str = "", short: Sequence[str] | None = None) -> Compared:
    """Rows the figures (compare.ROWS), a column per unit (or period), then the best and the worst of each row.

    Rates are written in percent (82.5), so one column holds numbers of one kind per row; `with_change`
    (two periods) adds the relative change of the first column against the second. `short`: the columns' names
    in the best and worst columns (本期 for 本期（10月1日–10月30日）).
    """
    labels = [label for label, _ in columns]
    named = list(short) if short is not None else labels
    joiner = "、" if lang == "zh" else ", "
    best_col, worst_col, change_col = t("cp_best", lang), t("cp_worst", lang), t("cp_change", lang)
    rows, marks = [], []
    for i, row in enumerate(compare.ROWS):
        values = [found.get(row.key) for _, found in columns]
        scale = 100.0 if row.kind == "rate" else 1.0
        shown = [None if v is None else v * scale for v in values]
        best, worst = compare.best_worst(values, row.direction)
        marks += [(i, labels[j], "best") for j in sorted(best)] + [(i, labels[j], "worst") for j in sorted(worst)]
        record: dict[str, object] = {t("cp_figure", lang): row_label(row, lang)}
        record |= dict(zip(labels, shown))
        if with_change:
            now, before = values[0], values[1] if len(values) > 1 else None
            record[change_col] = (None if now is None or before is None or before == 0 else (now - before) / before)
        record[best_col] = joiner.join(named[j] for j in sorted(best))
        record[worst_col] = joiner.join(named[j] for j in sorted(worst))
        rows.append(record)
    frame = pd.DataFrame(rows)
    for label in labels:
        frame[label] = pd.array(frame[label], dtype="Float64")
    if with_change:
        frame[change_col] = pd.array(frame[change_col], dtype="Float64")
    table = Table("comparison", title, frame, percent=(change_col,) if with_change else (), note=note)
    return Compared(table, tuple(r.kind for r in compare.ROWS), tuple(marks), tuple(labels))


def unique_labels(names: Sequence[str], codes: Sequence[str]) -> list[str]:
    """Column headers: each unit's name, with its code where two units share a name (第1网格 under two communities)."""
    return [f"{n}（{c}）" if names.count(n) > 1 else n for n, c in zip(names, codes)]


# ---------------------------------------------------------------- the trends

def _measure_top(series: Sequence[tuple[str, pd.DataFrame]], column: str) -> float:
    tops = [float(trend_frame(daily, [column])[column].max()) for _, daily in series if len(daily)]
    return max([v for v in tops if v == v] or [0.0])


def build_trend_multiples(series: tuple[tuple[str, pd.DataFrame], ...], lang: str, width: int = 1080) -> alt.VConcatChart:
    """A row per unit (or period), a column per measure: cases received, alerts raised, points earned a day;
    every chart of a measure on the one y scale (0 to the highest day of any unit), so heights compare."""
    spacing = 24
    cell = int((width - 2 * spacing - 40) / len(MEASURES))
    date_format = "%m月%d日" if lang == "zh" else "%d %b"
    tops = {column: _measure_top(series, column) for column, _ in MEASURES}
    rows = []
    for r, (label, daily) in enumerate(series):
        last = r == len(series) - 1
        charts = []
        for column, title_key in MEASURES:
            frame = trend_frame(daily, [column]).rename(columns={column: "value"})
            top = tops[column]
            colour = PALETTE[r % len(PALETTE)]
            x_axis = alt.Axis(format=date_format, labelAngle=0, tickCount=4) if last else alt.Axis(labels=False, ticks=False)
            chart = (
                alt.Chart(frame, title=alt.Title(label, anchor="start", fontSize=11, fontWeight="normal", color=colour))
                .mark_line(strokeWidth=1.6, color=colour)
                .encode(
                    x=alt.X("day:T", title=None, axis=x_axis),
                    y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, top if top > 0 else 1], nice=False),
                            axis=_y_axis(top)),
                    tooltip=[alt.Tooltip("day:T", title=t("day", lang), format="%Y-%m-%d"),
                             alt.Tooltip("value:Q", title=t(title_key, lang), format=",.0f")],
                )
                .properties(width=cell, height=54)
            )
            charts.append(chart)
        rows.append(alt.hconcat(*charts, spacing=spacing))
    # The measures' names once, as column heads over the rows (each small chart names its unit).
    heads = [alt.Chart(pd.DataFrame({"x": [0]}), title=alt.Title(t(title_key, lang), anchor="start", fontSize=13))
             .mark_text(opacity=0).encode(text=alt.value("")).properties(width=cell, height=1)
             for _, title_key in MEASURES]
    return alt.vconcat(alt.hconcat(*heads, spacing=spacing), *rows, spacing=8)


def _y_axis(top: float) -> alt.Axis:
    """Whole numbers below a few a day (no tick at 0.5 of a case), otherwise three ticks in short form."""
    if top <= 3:
        return alt.Axis(format="d", values=list(range(int(max(top, 1)) + 1)))
    return alt.Axis(format="~s", tickCount=3)


def trend_rows(series: Sequence[tuple[str, pd.DataFrame]], lang: str) -> list[tuple[str, str, float, float, float]]:
    """(measure, unit, total, a day's mean, the highest day) of every chart, for the 数据 toggle."""
    out = []
    for column, title_key in MEASURES:
        for label, daily in series:
            values = daily[column].astype(float) if len(daily) else pd.Series(dtype="float64")
            out.append((t(title_key, lang), label, float(values.sum()), float(values.mean()) if len(values) else 0.0,
                        float(values.max()) if len(values) else 0.0))
    return out


# ---------------------------------------------------------------- the map

def shape_features(shapes: Sequence[tuple[str, str, str, dict, str]], lang: str) -> dict:
    """(code, name, level, GeoJSON geometry, value text) per unit, each in its own colour; the bigger units first,
    so a street drawn with its district lies on top of it."""
    features = []
    order = sorted(range(len(shapes)), key=lambda i: LEVEL_ORDER.index(shapes[i][2]) if shapes[i][2] in LEVEL_ORDER else 9)
    for i in order:
        code, name, level, geometry, value_text = shapes[i]
        h = PALETTE[i % len(PALETTE)].lstrip("#")
        rgb = [int(h[k: k + 2], 16) for k in (0, 2, 4)]
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"code": code, "name": name, "fill": [*rgb, 110], "value": 0,
                                        "label": t(f"level_{level}", lang), "value_text": value_text}})
    return {"type": "FeatureCollection", "features": features}


def union_bounds(bounds: Sequence[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds), max(b[3] for b in bounds))


def legend_html(names: Sequence[str]) -> str:
    rows = "".join(f'<span class="lg"><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{html.escape(n)}</span>'
                   for i, n in enumerate(names))
    return f'<div class="legend">{rows}</div>'


# ---------------------------------------------------------------- 区域均衡

def balance_table(values: pd.Series, before: pd.Series | None, names: dict[str, str], now: compare.Spread,
                  then: compare.Spread | None, measure_label: str, lang: str) -> Table:
    """Each child's figure this period and the period before, then the spread of each (CV, highest / lowest, counted)."""
    unit, code, cur, prev = t("cp_unit", lang), t("code", lang), t("cp_now", lang), t("cp_previous", lang)
    codes = list(values.index)
    frame = pd.DataFrame({unit: [names.get(c, c) for c in codes], code: codes,
                          cur: pd.array([None if pd.isna(v) else float(v) for v in values], dtype="Float64"),
                          prev: pd.array([None if before is None or pd.isna(before.get(c)) else float(before.get(c))
                                          for c in codes], dtype="Float64")})
    summary = []
    for label, attr in ((t("cp_cv", lang), "cv"), (t("cp_ratio", lang), "ratio"), (t("cp_counted", lang), "counted"),
                        (t("cp_left_out", lang), "left_out")):
        a, b = getattr(now, attr), getattr(then, attr) if then is not None else None
        summary.append({unit: label + t("cp_summary", lang), code: "", cur: a, prev: b})
    frame = pd.concat([frame, pd.DataFrame(summary).astype({cur: "Float64", prev: "Float64"})], ignore_index=True)
    return Table("balance", t("cp_balance_table", lang, measure=measure_label), frame)
