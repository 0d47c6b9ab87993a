"""The grids table's derived figures: median closing time, share solved in the grid, a grid's rank."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def median_hours(times: pd.DataFrame, codes: Sequence[str]) -> pd.Series:
    """Median hours from receipt to closing per grid code (NaN where a grid closed nothing).

    `times` has one row per closed case: grid_code and hours. An even count takes the mean of the
    two middle values, as every statistics text does.
    """
    if times.empty:
        return pd.Series(float("nan"), index=list(codes), dtype=float)
    return times.groupby("grid_code")["hours"].median().reindex(list(codes)).astype(float)


def grid_share(closed_grid: pd.Series, closed: pd.Series) -> pd.Series:
    """Of the cases closed in the period, the share the grid itself resolved (NaN when none closed)."""
    den = closed.astype(float)
    return (closed_grid.astype(float) / den.where(den > 0)).astype(float)


def with_derived(table: pd.DataFrame, times: pd.DataFrame) -> pd.DataFrame:
    """The table from fetch_grid_table with median_hours and grid_share added, rows in the same order."""
    out = table.copy()
    out["median_hours"] = median_hours(times, out["code"]).to_numpy()
    out["grid_share"] = grid_share(out["closed_grid"], out["closed"]).to_numpy()
    return out


def rank_of(table: pd.DataFrame, code: str) -> int | None:
    """The 1-based place of a grid in a ranked table, or None when it is not listed."""
    hits = table.index[table["code"] == code]
    return int(table.index.get_loc(hits[0])) + 1 if len(hits) else None


def parse_sort(value: str | None, sorts: Sequence[str], default: str) -> tuple[str, bool]:
    """A sort choice `<column>` (descending) or `<column>_asc` as (column, descending); None: the default."""
    if value is None:
        return default, True
    if value.endswith("_asc") and value[: -len("_asc")] in sorts:
        return value[: -len("_asc")], False
    return (value, True) if value in sorts else (default, True)


def sort_options(sorts: Sequence[str]) -> list[str]:
    """Every choice of parse_sort: each column descending, then ascending."""
    return [*sorts, *(f"{s}_asc" for s in sorts)]
