"""The grids table as it is shown: columns in the page's language, rounded figures, stars drawn."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from cockpit.core.i18n import t
from cockpit.views.tables import Table

TABLE_COLUMNS = ("name", "code", "households", "residents", "open_cases", "overdue_cases", "active_alerts",
                 "points_earned", "median_hours", "grid_share", "worker_stars")


def stars(value: object) -> str:
    """★★★☆☆ for 3 of 5; an empty cell where the contract's worker_stars is NULL."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    n = max(0, min(5, int(value)))  # type: ignore[call-overload]
    return "★" * n + "☆" * (5 - n)


def sort_name(sort: str, lang: str) -> str:
    """The column a sort key orders by, as its header reads (the share without its unit)."""
    return t("grids_share_name", lang) if sort == "grid_share" else t(f"grids_col_{sort}", lang)


def sort_label(choice: str, lang: str) -> str:
    """A sort choice (`col` or `col_asc`) for the sort box."""
    if choice.endswith("_asc"):
        return t("grids_asc", lang, name=sort_name(choice[: -len("_asc")], lang))
    return t("grids_desc", lang, name=sort_name(choice, lang))


# The columns each theme's facts fill: empty (shown —) while the theme has no fact under the unit (#28).
THEME_COLUMNS = {"population": ("households", "residents"), "cases": ("open_cases", "overdue_cases", "median_hours",
                 "grid_share"), "alerts": ("active_alerts",), "points": ("points_earned",)}


def table_frame(rows: pd.DataFrame, lang: str, here: str | None = None, title: str = "", note: str = "",
                no_data: Collection[str] = ()) -> Table:
    """The rows with headers in `lang`; `here` (a grid code) gets a marker column so the viewer finds it.

    A theme in `no_data` (no fact under the unit listed) leaves its columns empty, not a column of zeros.
    """
    out = pd.DataFrame({
        "name": rows["name"].astype(str),
        "code": rows["code"].astype(str),
        **{c: rows[c].astype("int64") for c in TABLE_COLUMNS[2:8]},
        "median_hours": rows["median_hours"].astype(float).round(1),
        "grid_share": (rows["grid_share"].astype(float) * 100).round(1),
        "worker_stars": [stars(v) for v in rows["worker_stars"]],
    })
    for theme in no_data:
        for column in THEME_COLUMNS[theme]:
            out[column] = float("nan")
    if here is not None:
        out.insert(0, "here", ["●" if c == here else "" for c in out["code"]])
    return Table("grids", title, out.rename(columns={c: t(f"grids_col_{c}", lang) for c in out.columns}), note=note)
