"""Cases (事件/诉求): open, overdue, closed and rated counts, and where cases were resolved."""

from __future__ import annotations

from typing import cast

import pandas as pd
from sqlalchemy import and_, func, or_, select

from cockpit.core.model import CaseStats, Unit, Window
from cockpit.queries.base import Bind, count_if, counts, in_unit, rows
from cockpit.store.schema import case_record


def fetch_case_stats(bind: Bind, unit: Unit, w: Window) -> CaseStats:
    c = case_record.c
    in_period = and_(c.received_at >= w.start, c.received_at < w.end)
    is_open = and_(c.received_at < w.end, or_(c.closed_at.is_(None), c.closed_at >= w.end))
    closed_in = and_(c.closed_at >= w.start, c.closed_at < w.end)
    resolved_in = and_(c.resolved_at >= w.start, c.resolved_at < w.end)
    visited_in = and_(c.visited_at >= w.start, c.visited_at < w.end, c.satisfaction.is_not(None))
    stmt = select(
        count_if(is_open).label("open"),
        count_if(and_(is_open, c.due_at < w.end)).label("overdue"),
        count_if(in_period).label("received"),
        count_if(closed_in).label("closed"),
        count_if(resolved_in).label("resolved"),
        count_if(and_(resolved_in, c.resolved_at <= c.due_at)).label("resolved_on_time"),
        count_if(and_(resolved_in, c.resolved_tier.in_(("grid", "community")))).label("resolved_low_tier"),
        count_if(visited_in).label("rated"),
        count_if(and_(visited_in, c.satisfaction >= 4)).label("satisfied"),
    ).where(in_unit(c.grid_code, unit), c.received_at < w.end)
    # The labels above are CaseStats' keys.
    return cast(CaseStats, counts(bind, stmt))


def fetch_tier_breakdown(bind: Bind, unit: Unit, w: Window) -> pd.DataFrame:
    """Cases resolved in the window by the tier that resolved them."""
    c = case_record.c
    stmt = (
        select(c.resolved_tier, func.count())
        .where(in_unit(c.grid_code, unit), c.resolved_at >= w.start, c.resolved_at < w.end)
        .group_by(c.resolved_tier)
    )
    return pd.DataFrame(rows(bind, stmt), columns=["tier", "cases"])

