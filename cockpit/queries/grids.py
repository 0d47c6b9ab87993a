"""The grids of a unit, one row each: people, workload, participation and the grid worker, ranked in SQL.

A city holds ~100,000 grids, so ordering and limiting happen here: the page gets the top N for
the chosen order and the number of grids, never the whole city. Two reads: the ranking joins the
grid table with the one per-grid figure the order needs (over the unit), then the other figures
are grouped for the N grids found only — a city-wide points or closure scan is paid only by the
order that needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import ColumnElement, Subquery, and_, case, func, literal_column, select, union_all

from cockpit.core.model import Unit, Window
from cockpit.queries.base import FAR_FUTURE, Bind, count_if, in_unit, rows, tuples
from cockpit.queries.population import latest_snapshot
from cockpit.store.rollup.tables import rollup_grid_window
from cockpit.store.schema import alert, case_record, grid, points_ledger, population_stat

# The orders the table can be sorted by (a column of GRID_COLUMNS or the grid-resolved share).
GRID_SORTS = ("overdue_cases", "open_cases", "active_alerts", "points_earned", "residents", "households",
              "grid_share", "worker_stars")
GRID_COLUMNS = ("code", "name", "worker_stars", "households", "residents", "open_cases", "overdue_cases",
                "active_alerts", "points_earned", "closed", "closed_grid")
# Enough scale that MySQL's DECIMAL division (4 digits beyond the dividend's scale) keeps the same
# order as the floating division of SQLite and PostgreSQL for any realistic per-grid case count.
_SCALE = literal_column("1.000000000")


Where = Callable[[ColumnElement], ColumnElement]


def _in(unit: Unit) -> Where:
    """The unit's grids, as a prefix comparison for a city or district and an index range below.

    A broad unit covers most of the table: no index serves the prefix form, so the engine takes
    the time (or open-state) index instead of walking every fact the unit ever had (SQLite picks
    the grid range otherwise: seconds at the 嘉兴 scale). The two forms select the same rows.
    """
    lo, _ = unit.grid_range
    if unit.level in ("city", "district"):
        return lambda column: func.substr(column, 1, literal_column(str(len(lo)))) == lo
    return lambda column: in_unit(column, unit)


def _among(codes: Sequence[str]) -> Where:
    return lambda column: column.in_(list(codes))


def _population(bind: Bind, where: Where, end: datetime) -> Subquery:
    p = population_stat.c
    # One row per grid at a snapshot (primary key grid_code, as_of): nothing to group.
    return (select(p.grid_code.label("g"), p.households.label("households"), (p.registered + p.floating).label("residents"))
            .where(p.as_of == latest_snapshot(bind, end), where(p.grid_code)).subquery("pop"))


def _open_cases(where: Where, end: datetime) -> Subquery:
    c = case_record.c
    cols = [c.grid_code.label("g"), c.due_at]
    # Two branches, not one OR: each is a range on ix_case_open (closed_at, grid_code), not a walk
    # over every case the unit ever had; the FAR_FUTURE bound makes SQLite see the range.
    still = select(*cols).where(c.closed_at.is_(None), where(c.grid_code), c.received_at < end)
    later = select(*cols).where(c.closed_at >= end, c.closed_at < FAR_FUTURE, where(c.grid_code), c.received_at < end)
    both = union_all(still, later).subquery()
    return (select(both.c.g, func.count().label("open_cases"), count_if(both.c.due_at < end).label("overdue_cases"))
            .group_by(both.c.g).subquery("opn"))


def _active_alerts(where: Where, end: datetime) -> Subquery:
    a = alert.c
    still = select(a.grid_code.label("g")).where(a.resolved_at.is_(None), where(a.grid_code), a.raised_at < end)
    later = select(a.grid_code.label("g")).where(a.resolved_at >= end, a.resolved_at < FAR_FUTURE,
                                                 where(a.grid_code), a.raised_at < end)
    both = union_all(still, later).subquery()
    return select(both.c.g, func.count().label("active_alerts")).group_by(both.c.g).subquery("alr")


def _rolled(where: Where, w: Window, name: str, cols: tuple[str, ...]) -> Subquery:
    """A window part from rollup_grid_window: the same per-grid figures, read instead of aggregated."""
    r = rollup_grid_window.c
    return (select(r.grid_code.label("g"), *[getattr(r, col) for col in cols])
            .where(r.window_start == w.start, r.window_end == w.end, where(r.grid_code)).subquery(name))


def _points(where: Where, w: Window) -> Subquery:
    lg = points_ledger.c
    return (select(lg.grid_code.label("g"), func.sum(lg.delta).label("points_earned"))
            .where(where(lg.grid_code), lg.entry_type == "earn", lg.at >= w.start, lg.at < w.end)
            .group_by(lg.grid_code).subquery("pts"))


def _closed(where: Where, w: Window) -> Subquery:
    c = case_record.c
    # Cases closed in the period (a range on ix_case_open) and, of those, the ones the grid itself solved.
    return (select(c.grid_code.label("g"), func.count().label("closed"),
                   count_if(c.resolved_tier == "grid").label("closed_grid"))
            .where(c.closed_at >= w.start, c.closed_at < w.end, where(c.grid_code))
            .group_by(c.grid_code).subquery("cls"))


# Which figure each order needs (None: a column of the grid table itself).
_SORT_PART = {"overdue_cases": "opn", "open_cases": "opn", "active_alerts": "alr", "points_earned": "pts",
              "residents": "pop", "households": "pop", "grid_share": "cls", "worker_stars": None}


def _part(bind: Bind, name: str, where: Where, w: Window, rolled: bool = False) -> Subquery:
    if rolled and name in ("pts", "cls"):
        return _rolled(where, w, name, ("points_earned",) if name == "pts" else ("closed", "closed_grid"))
    if name == "pop":
        return _population(bind, where, w.end)
    if name == "opn":
        return _open_cases(where, w.end)
    if name == "alr":
        return _active_alerts(where, w.end)
    return _points(where, w) if name == "pts" else _closed(where, w)


def _joined(parts: list[Subquery]) -> tuple[object, dict[str, ColumnElement]]:
    """The grid table left-joined with the parts, and every column by name (figures 0 where a grid has none)."""
    g = grid.c
    joined = grid
    cols: dict[str, ColumnElement] = {"code": g.code, "name": g.name, "worker_stars": g.worker_stars}
    for part in parts:
        joined = joined.outerjoin(part, part.c.g == g.code)
        cols |= {c.name: func.coalesce(c, 0) for c in part.c if c.name != "g"}
    return joined, cols


def _order(sort: str, cols: dict[str, ColumnElement], descending: bool) -> list[ColumnElement]:
    """ORDER BY terms: the key (missing values last on every engine), then the code so ties are stable."""
    if sort == "grid_share":
        key: ColumnElement = (cols["closed_grid"] * _SCALE) / func.nullif(cols["closed"], 0)  # PostgreSQL divides first
        missing: ColumnElement = cols["closed"] == 0
    elif sort == "worker_stars":
        key, missing = cols["worker_stars"], cols["worker_stars"].is_(None)
    else:
        return [cols[sort].desc() if descending else cols[sort].asc(), cols["code"].asc()]
    # NULLs sort first on SQLite/MySQL and last on PostgreSQL: order by "is missing" first instead.
    return [case((missing, 1), else_=0), key.desc() if descending else key.asc(), cols["code"].asc()]


def _ranked_codes(bind: Bind, unit: Unit, w: Window, sort: str, descending: bool, limit: int,
                  rolled: bool) -> list[str]:
    name = _SORT_PART[sort]
    joined, cols = _joined([_part(bind, name, _in(unit), w, rolled)] if name else [])
    stmt = (select(grid.c.code).select_from(joined).where(in_unit(grid.c.code, unit))  # type: ignore[arg-type]
            .order_by(*_order(sort, cols, descending)).limit(int(limit)))
    return [r[0] for r in rows(bind, stmt)]


def grid_window_rolled(bind: Bind, w: Window) -> bool:
    """Whether rollup_grid_window holds `w` (one of the standard windows of a fresh rollup)."""
    r = rollup_grid_window.c
    return bool(rows(bind, select(r.grid_code).where(r.window_start == w.start, r.window_end == w.end).limit(1)))


def fetch_grid_table(bind: Bind, unit: Unit, w: Window, sort: str = "overdue_cases", descending: bool = True,
                     limit: int = 50, rolled: bool = False) -> tuple[pd.DataFrame, int]:
    """The top `limit` grids of the unit in the chosen order (columns GRID_COLUMNS), and how many grids it has.

    `rolled` (the caller knows the rollups are fresh): a ranking by points or closures reads
    rollup_grid_window when it holds the window; the same answer.
    """
    if sort not in GRID_SORTS:
        raise ValueError(f"unknown grid sort {sort!r}")
    rolled = rolled and _SORT_PART[sort] in ("pts", "cls") and grid_window_rolled(bind, w)
    codes = _ranked_codes(bind, unit, w, sort, descending, limit, rolled)
    joined, cols = _joined([_part(bind, name, _among(codes), w) for name in ("pop", "opn", "alr", "pts", "cls")])
    stmt = select(*[cols[name].label(name) for name in GRID_COLUMNS]).select_from(joined).where(  # type: ignore[arg-type]
        grid.c.code.in_(codes))
    found = pd.DataFrame(tuples(bind, stmt), columns=list(GRID_COLUMNS)).set_index("code", drop=False)
    frame = found.reindex(codes).reset_index(drop=True)  # the ranking's order, decided in SQL
    for name in GRID_COLUMNS[3:]:
        frame[name] = frame[name].astype("int64")
    frame["worker_stars"] = frame["worker_stars"].astype("Int64")
    total = rows(bind, select(func.count()).select_from(grid).where(in_unit(grid.c.code, unit)))[0][0]
    return frame, int(total)


def fetch_closing_times(bind: Bind, grid_codes: Sequence[str], w: Window) -> pd.DataFrame:
    """Hours from receipt to closing of every case closed in the period in the given grids (the rows on screen).

    Medians are not a portable SQL aggregate (PostgreSQL has percentile_cont, SQLite and MySQL
    nothing alike), so the page reads the few rows of the grids it shows and takes them in Python.
    """
    c = case_record.c
    if not grid_codes:
        return pd.DataFrame({"grid_code": pd.Series(dtype=str), "hours": pd.Series(dtype=float)})
    stmt = (select(c.grid_code, c.received_at, c.closed_at)
            .where(c.grid_code.in_(list(grid_codes)), and_(c.closed_at >= w.start, c.closed_at < w.end))
            .order_by(c.grid_code, c.id))
    frame = pd.DataFrame(tuples(bind, stmt), columns=["grid_code", "received_at", "closed_at"])
    hours = (pd.to_datetime(frame["closed_at"]) - pd.to_datetime(frame["received_at"])).dt.total_seconds() / 3600
    return pd.DataFrame({"grid_code": frame["grid_code"].astype(str), "hours": hours.astype(float)})
