"""The unit dimension and the data's extent: meta, units, grids, first and last receipt, venues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from cockpit.core.model import Unit
from cockpit.queries.base import Bind, in_unit, rows, tuples
from cockpit.queries.facts import fetch_newest_fact
from cockpit.store.schema import admin_unit, case_record, grid, meta, venue


def fetch_meta(bind: Bind) -> dict[str, str]:
    return {k: v for k, v in rows(bind, select(meta.c.key, meta.c.value))}


def fetch_has_units(bind: Bind) -> bool:
    """Whether the store holds any administrative unit: the liveness probe, one row at most."""
    return bool(rows(bind, select(admin_unit.c.code).limit(1)))


def fetch_units(bind: Bind) -> pd.DataFrame:
    """Every administrative unit (grids excluded): a small dimension, read once."""
    stmt = select(admin_unit).order_by(admin_unit.c.code)
    return pd.DataFrame(tuples(bind, stmt), columns=[c.name for c in admin_unit.columns])


def fetch_grids(bind: Bind, community_code: str) -> pd.DataFrame:
    stmt = select(grid).where(grid.c.community_code == community_code).order_by(grid.c.code)
    return pd.DataFrame(tuples(bind, stmt), columns=[c.name for c in grid.columns])


def fetch_grid(bind: Bind, code: str) -> dict[str, Any] | None:
    found = rows(bind, select(grid).where(grid.c.code == code))
    return dict(found[0]._mapping) if found else None


def fetch_data_start(bind: Bind) -> datetime | None:
    """The earliest receipt time in the data: comparisons with windows before it mean nothing."""
    value = rows(bind, select(func.min(case_record.c.received_at)))[0][0]
    return pd.Timestamp(value).to_pydatetime() if value is not None else None


def fetch_data_end(bind: Bind) -> datetime | None:
    """The latest receipt time in the data: the default end of every period.

    A city that has not imported cases yet ends at its newest other fact; None when there is none (#28).
    """
    value = rows(bind, select(func.max(case_record.c.received_at)))[0][0]
    return pd.Timestamp(value).to_pydatetime() if value is not None else fetch_newest_fact(bind)


def fetch_venues(bind: Bind, unit: Unit, limit: int = 5000) -> pd.DataFrame:
    v = venue.c
    stmt = select(v.id, v.kind, v.name, v.lon, v.lat).where(in_unit(v.grid_code, unit)).order_by(v.id).limit(limit)
    return pd.DataFrame(tuples(bind, stmt), columns=["id", "kind", "name", "lon", "lat"])


def fetch_grid_codes(bind: Bind) -> list[str]:
    """Every grid code, sorted (the bench samples grids from it)."""
    return [r[0] for r in rows(bind, select(grid.c.code).order_by(grid.c.code))]


def fetch_grid_names(bind: Bind) -> pd.DataFrame:
    """Every grid's code, name and community, sorted by code: what the unit search indexes (#23)."""
    stmt = select(grid.c.code, grid.c.name, grid.c.community_code).order_by(grid.c.code)
    return pd.DataFrame(tuples(bind, stmt), columns=["code", "name", "community_code"])
