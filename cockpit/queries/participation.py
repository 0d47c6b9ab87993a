"""Participation points: earned, redeemed and distinct participants."""

from __future__ import annotations

from typing import cast

from sqlalchemy import case, distinct, func, select

from cockpit.core.model import PointsStats, Unit, Window
from cockpit.queries.base import Bind, counts, in_unit
from cockpit.store.schema import points_ledger


def fetch_points_stats(bind: Bind, unit: Unit, w: Window) -> PointsStats:
    p = points_ledger.c
    stmt = select(
        func.coalesce(func.sum(case((p.entry_type == "earn", p.delta), else_=0)), 0).label("earned"),
        func.coalesce(-func.sum(case((p.entry_type == "redeem", p.delta), else_=0)), 0).label("redeemed"),
        func.count(distinct(p.participant_ref)).label("participants"),
    ).where(in_unit(p.grid_code, unit), p.at >= w.start, p.at < w.end)
    # The labels above are PointsStats' keys.
    return cast(PointsStats, counts(bind, stmt))

