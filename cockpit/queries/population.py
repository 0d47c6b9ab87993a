"""Population: residents, households and elderly at the latest snapshot, for a unit and per child."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, select

from cockpit.core import codes
from cockpit.core.model import PopulationStats, Unit
from cockpit.queries.base import Bind, child_key, in_unit, rows, tuples
from cockpit.store.schema import population_stat


def latest_snapshot(bind: Bind, end: datetime) -> date | None:
    stmt = select(func.max(population_stat.c.as_of)).where(population_stat.c.as_of <= end.date())
    value = rows(bind, stmt)[0][0]
    return pd.Timestamp(value).date() if value is not None else None


def fetch_population(bind: Bind, unit: Unit, end: datetime) -> PopulationStats:
    as_of = latest_snapshot(bind, end)
    p = population_stat.c
    stmt = select(
        func.coalesce(func.sum(p.registered), 0),
        func.coalesce(func.sum(p.floating), 0),
        func.coalesce(func.sum(p.households), 0),
        func.coalesce(func.sum(p.elderly_60p), 0),
        func.coalesce(func.sum(p.elderly_alone), 0),
    ).where(p.as_of == as_of, in_unit(p.grid_code, unit))
    registered, floating, households, elderly, alone = (int(v) for v in rows(bind, stmt)[0])
    return PopulationStats(registered=registered, floating=floating, population=registered + floating,
                           households=households, elderly_60p=elderly, elderly_alone=alone)


def fetch_child_population(bind: Bind, unit: Unit, child_level: str, end: datetime) -> pd.Series:
    """Residents (registered + floating) per child at the latest snapshot before `end`."""
    p = population_stat.c
    key = child_key(p.grid_code, unit, child_level).label("key")
    stmt = (
        select(key, func.sum(p.registered + p.floating).label("population"))
        .where(p.as_of == latest_snapshot(bind, end), in_unit(p.grid_code, unit))
        .group_by(key)
    )
    frame = pd.DataFrame(tuples(bind, stmt), columns=["key", "population"])
    return pd.Series(frame["population"].astype(float).to_numpy(), index=[codes.pad_code(k) for k in frame["key"]],
                     name="population")

