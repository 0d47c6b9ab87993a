"""The overview's tables: the KPI cards and the figures the map colours, typed for screen and files."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from cockpit.core.i18n import shown_change, t
from cockpit.domain.metrics import MAP_METRICS, THEMES, Kpi
from cockpit.views.tables import Table


def kpi_table(kpis: dict[str, Kpi], lang: str, title: str, no_data: Collection[str] = ()) -> Table:
    """Every card figure with its 环比 and 同比 (relative changes, as fractions).

    A theme in `no_data` (no fact under the unit, #28) has empty cells, as its card says 暂无数据: never a 0.
    """
    rate, mom, yoy = t("ex_rate", lang), t("ex_mom", lang), t("ex_yoy", lang)
    rows = [(theme, kpis[key] if theme not in no_data else Kpi(key, None, kpis[key].kind, None, None))
            for theme, keys in THEMES.items() for key in keys]
    frame = pd.DataFrame({
        t("ex_theme", lang): [t(f"theme_{theme}", lang) for theme, _ in rows],
        t("ex_metric", lang): [t(k.key, lang) for _, k in rows],
        t("ex_value", lang): pd.array([None if k.kind == "rate" else k.value for _, k in rows], dtype="Float64"),
        rate: pd.array([k.value if k.kind == "rate" else None for _, k in rows], dtype="Float64"),
        mom: pd.array([shown_change(k.mom) for _, k in rows], dtype="Float64"),
        yoy: pd.array([shown_change(k.yoy) for _, k in rows], dtype="Float64"),
    })
    return Table("indicators", title, frame, percent=(rate, mom, yoy))


SORTS = ("code", *MAP_METRICS, "score")  # how the overview's list of sub-units can be ordered


def children_table(values: pd.DataFrame, names: dict[str, str], lang: str, title: str,
                   scores: pd.DataFrame | None = None, sort: str = "code") -> Table:
    """Each unit the map draws with every map metric, in the map's order of codes (or by `sort`, highest first).

    `scores` (by code: rank, tied, ranked, score, group): the month's 考核 of these units (#21), two more
    columns — the place in its peer group (街道 3（并列）, 样本不足) and the 综合分; a unit not ranked has none.
    """
    frame = pd.DataFrame({t("name", lang): [names.get(c, c) for c in values.index],
                          t("code", lang): [str(c) for c in values.index]})
    for m in MAP_METRICS:
        column = pd.to_numeric(values[m], errors="coerce")
        frame[t(f"m_{m}", lang)] = (column.round(2) if m in ("density", "points_per_1000") else column.round(0).astype("int64")).to_numpy()
    if scores is not None:
        found = scores.reindex([str(c) for c in values.index])
        frame[t("ov_rank", lang)] = [_place(r, lang) for r in found.itertuples()]
        frame[t("ov_score", lang)] = pd.array(found["score"].where(found["ranked"].fillna(False).astype(bool)).round(2),
                                               dtype="Float64")
    column = {"score": t("ov_score", lang), **{m: t(f"m_{m}", lang) for m in MAP_METRICS}}.get(sort)
    if column in frame.columns:
        frame = frame.sort_values(column, ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    return Table("sub_units", title, frame)


def _place(row: object, lang: str) -> str:
    rank = getattr(row, "rank", None)
    if not getattr(row, "ranked", False) or rank is None or pd.isna(rank):
        return t("ov_rank_none", lang) if getattr(row, "ranked", None) is False else ""
    place = t("ov_rank_tied", lang, rank=int(rank)) if getattr(row, "tied", False) else str(int(rank))
    group = getattr(row, "group", "")
    return f"{group} {place}" if isinstance(group, str) and group else place
