"""Participation figures from the counts the queries return: per-1,000 rates and vote turnout."""

from __future__ import annotations

from datetime import datetime

import pandas as pd


def per_1000(participants: pd.Series, population: pd.Series) -> pd.Series:
    """Active participants per 1,000 residents for every code of either series (0 where nobody lives)."""
    codes = participants.index.union(population.index)
    people = population.reindex(codes).fillna(0).astype(float)
    active = participants.reindex(codes).fillna(0).astype(float)
    return (active * 1000 / people.where(people > 0)).fillna(0.0).rename("per_1000")


def turnout(votes: pd.DataFrame) -> pd.Series:
    """Ballots cast (yes, no and abstain) over eligible voters; NaN where nobody was eligible."""
    cast = (votes["yes"] + votes["no"] + votes["abstain"]).astype(float)
    eligible = votes["eligible"].astype(float)
    return (cast / eligible.where(eligible > 0)).rename("turnout")


def yes_share(votes: pd.DataFrame) -> pd.Series:
    """Yes over the ballots cast; NaN where none were."""
    cast = (votes["yes"] + votes["no"] + votes["abstain"]).astype(float)
    return (votes["yes"].astype(float) / cast.where(cast > 0)).rename("yes_share")


def by_day(series: pd.DataFrame, start: datetime, end: datetime, days: int) -> pd.DataFrame:
    """Points per kind on every day of [start, end) (0 where none), summed by week when the period is long.

    A line drawn between two days with points would otherwise hide the empty days between them.
    """
    if series.empty:
        return series
    all_days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end) - pd.Timedelta(days=1), freq="D")
    wide = series.pivot_table(index="day", columns="kind", values="points", aggfunc="sum").reindex(all_days).fillna(0)
    long = wide.rename_axis(index="day", columns="kind").stack().rename("points").reset_index()
    if days > 90:
        long["day"] = long["day"].dt.to_period("W-SUN").dt.start_time
        long = long.groupby(["day", "kind"], as_index=False)["points"].sum()
    return long.astype({"points": "int64"})
