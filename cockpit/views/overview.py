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


def children_table(values: pd.DataFrame, names: dict[str, str], lang: str, title: str) -> Table:
    """Each unit the map draws with every map metric, in the map's order of codes."""
    frame = pd.DataFrame({t("name", lang): [names.get(c, c) for c in values.index],
                          t("code", lang): [str(c) for c in values.index]})
    for m in MAP_METRICS:
        column = pd.to_numeric(values[m], errors="coerce")
        frame[t(f"m_{m}", lang)] = (column.round(2) if m in ("density", "points_per_1000") else column.round(0).astype("int64")).to_numpy()
    return Table("sub_units", title, frame)
