"""Whether a theme's facts exist at all: a city imports its tables one by one, and an empty table is not a zero (#28)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import exists, func, select

from cockpit.core.model import Unit
from cockpit.queries.base import Bind, in_unit, rows
from cockpit.store.schema import alert, case_record, points_ledger, population_stat

# The table whose rows are each theme's facts (the themes of cockpit.domain.metrics.THEMES).
FACT_TABLES = {"population": population_stat, "cases": case_record, "alerts": alert, "points": points_ledger}


def fetch_facts(bind: Bind, unit: Unit) -> dict[str, bool]:
    """Per theme, whether its table holds any row under the unit: one statement of four EXISTS.

    Each EXISTS stops at the first row of an index range scan on grid_code (every fact table's
    index leads with it), so this costs the same for a grid as for a city of millions of rows.
    """
    stmt = select(*(exists().where(in_unit(table.c.grid_code, unit)).label(theme) for theme, table in FACT_TABLES.items()))
    found = rows(bind, stmt)[0]
    return {theme: bool(found._mapping[theme]) for theme in FACT_TABLES}


def fetch_newest_fact(bind: Bind) -> datetime | None:
    """The newest alert, points entry or population snapshot: the data's end when there is no case yet.

    MAX over each table's time index (one index end each); None when none of them holds a row.
    """
    stmt = select(select(func.max(alert.c.raised_at)).scalar_subquery(),
                  select(func.max(points_ledger.c.at)).scalar_subquery(),
                  select(func.max(population_stat.c.as_of)).scalar_subquery())
    found = [pd.Timestamp(v).to_pydatetime() for v in rows(bind, stmt)[0] if v is not None]
    return max(found) if found else None
