"""Pre-computed rollups: daily per-community aggregates that answer every view above the grid.

`python -m cockpit rollup --db URL` (and `demo`) refresh them; the app never writes them.
They live in their own tables, outside the data contract, so a city's database passes
`check` with or without them. A rollup is used only when it was built for the data's
current end (meta key ``rollup_through``); otherwise the app answers from the facts.

End-of-day snapshots (open and overdue cases, active alerts) are cumulative differences:
open at midnight after day D = cases received up to D - cases closed up to D. Overdue at
T = cases due before T - cases both due and closed before T (due_at is never before
received_at). Distinct participants do not add up over days, so they are stored per
window for the standard periods.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    case,
    func,
    inspect,
    literal_column,
    select,
)

from cockpit.core.model import PERIOD_DAYS, SEVERITIES, TIERS, Window, compute_windows
from cockpit.store.loader import BATCH, bulk_insert, frame_rows
from cockpit.store.schema import alert, case_record, meta, points_ledger
from cockpit.store.sql import Bind, count_if, rows, tuples

rollup_metadata = MetaData()

DAY_COLUMNS = (
    "cases_received", "cases_closed", "cases_resolved", "resolved_on_time",
    "resolved_grid", "resolved_community", "resolved_street", "resolved_district", "resolved_city",
    "cases_rated", "cases_satisfied", "open_eod", "overdue_eod",
    "alerts_raised", "alerts_ack_on_time", "active_s1_eod", "active_s2_eod", "active_s3_eod", "active_s4_eod",
    "points_earned", "points_redeemed",
)

rollup_day = Table(
    "rollup_day",
    rollup_metadata,
    Column("community_code", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    *[Column(name, Integer, nullable=False) for name in DAY_COLUMNS],
)

rollup_participants = Table(
    "rollup_participants",
    rollup_metadata,
    Column("community_code", String(12), primary_key=True),
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("participants", Integer, nullable=False),
)

# Views filter a day range first: (day, community) keeps a city's 30 days to ~30 x communities rows.
Index("ix_rollup_day_day", rollup_day.c.day, rollup_day.c.community_code)

for _table in rollup_metadata.tables.values():
    _table.dialect_kwargs["mysql_charset"] = "utf8mb4"

ROLLUP_KEY = "rollup_through"


# ---------------------------------------------------------------- building

# A fact table's daily counts per community, as rows (c: community code, d: day, v: value), by name.
Parts = dict[str, pd.DataFrame]


def _community(column: ColumnElement[str]) -> ColumnElement[str]:
    return func.substr(column, 1, literal_column("12"))


def _daily(bind: Bind, table: Table, time_col: ColumnElement[Any], values: dict[str, ColumnElement[Any]],
           *where: ColumnElement[bool], by: ColumnElement[Any] | None = None) -> Parts:
    """One grouped scan of a fact table: (community, day[, by]) -> each named value.

    With `by` (a column with a few values, e.g. severity) each value is split per `by` value,
    named ``<name>@<by value>``; one scan replaces one query per value.
    """
    comm = _community(table.c.grid_code).label("c")
    day = func.date(time_col).label("d")
    keys = [comm, day] + ([by.label("b")] if by is not None else [])
    stmt = select(*keys, *[v.label(k) for k, v in values.items()]).where(time_col.is_not(None), *where).group_by(*keys)
    frame = pd.DataFrame(tuples(bind, stmt), columns=["c", "d", *(["b"] if by is not None else []), *values])
    frame["d"] = pd.to_datetime(frame["d"]).dt.date
    out = {}
    for name in values:
        if by is None:
            out[name] = frame[["c", "d", name]].rename(columns={name: "v"})
        else:
            for b, part in frame.groupby("b", dropna=False):
                out[f"{name}@{b}"] = part[["c", "d", name]].rename(columns={name: "v"})
    return out


def _data_end(bind: Bind) -> datetime | None:
    value = rows(bind, select(func.max(case_record.c.received_at)))[0][0]
    return pd.Timestamp(value).to_pydatetime() if value is not None else None


def compute_rollup_frames(bind: Bind) -> tuple[pd.DataFrame, pd.DataFrame, datetime | None]:
    """The rollup rows for the database behind `bind`, and the data end they answer for."""
    end = _data_end(bind)
    if end is None:
        return pd.DataFrame(columns=["community_code", "day", *DAY_COLUMNS]), pd.DataFrame(), None
    parts = _named_columns(_scan_facts(bind))
    days = _day_frame(parts, _day_index(parts, end))
    return days, compute_participant_frame(bind, end), end


def _scan_facts(bind: Bind) -> Parts:
    """Every fact timestamp the rollup counts, one grouped scan each, split by tier, severity or entry type."""
    c, a, lg = case_record.c, alert.c, points_ledger.c
    one = func.count()
    parts: Parts = {}
    parts |= _daily(bind, case_record, c.received_at, {"cases_received": one})
    parts |= _daily(bind, case_record, c.closed_at, {"cases_closed": one})
    parts |= _daily(bind, case_record, c.resolved_at, {"resolved": one, "on_time": count_if(c.resolved_at <= c.due_at)},
                    by=c.resolved_tier)
    parts |= _daily(bind, case_record, c.visited_at, {"cases_rated": one, "cases_satisfied": count_if(c.satisfaction >= 4)},
                    c.satisfaction.is_not(None))
    parts |= _daily(bind, case_record, c.due_at, {"_due": one})
    # Overdue ends when the case closes, but never before it was due: counted on the later of the two days.
    parts |= _daily(bind, case_record, case((c.closed_at > c.due_at, c.closed_at), else_=c.due_at), {"_due_closed": one},
                    c.closed_at.is_not(None))
    parts |= _daily(bind, alert, a.raised_at, {"_raised": one, "_ack": count_if(a.acknowledged_at <= a.ack_due_at)},
                    by=a.severity)
    parts |= _daily(bind, alert, a.resolved_at, {"_resolved": one}, by=a.severity)
    parts |= _daily(bind, points_ledger, lg.at, {"_points": func.sum(lg.delta)}, by=lg.entry_type)
    return parts


def _stacked(parts: Parts, names: list[str], sign: int = 1) -> pd.DataFrame:
    """The rows of the named parts one under another (typed and empty when none exist), times `sign`."""
    found = [parts[n] for n in names if n in parts]
    if not found:
        return pd.DataFrame({"c": pd.Series(dtype=str), "d": pd.Series(dtype=object), "v": pd.Series(dtype="int64")})
    frame = pd.concat(found, ignore_index=True)
    return frame.assign(v=frame["v"].astype("int64") * sign)


def _named_columns(parts: Parts) -> Parts:
    """The per-value parts regrouped into the rollup's columns and the counts its snapshots are made of."""

    def every(name: str) -> pd.DataFrame:
        # Totals take every group, a NULL tier included, so they match the facts whatever a city fills in.
        return _stacked(parts, [k for k in parts if k.startswith(f"{name}@")])

    named = {k: v for k, v in parts.items() if "@" not in k}
    named["cases_resolved"] = every("resolved")
    named["resolved_on_time"] = every("on_time")
    for tier in TIERS:
        named[f"resolved_{tier}"] = _stacked(parts, [f"resolved@{tier}"])
    named["alerts_raised"] = every("_raised")
    named["alerts_ack_on_time"] = every("_ack")
    for severity in SEVERITIES:
        named[f"_raised_s{severity}"] = _stacked(parts, [f"_raised@{severity}"])
        named[f"_resolved_s{severity}"] = _stacked(parts, [f"_resolved@{severity}"])
    named["points_earned"] = _stacked(parts, ["_points@earn"])
    named["points_redeemed"] = _stacked(parts, ["_points@redeem"], sign=-1)
    return named


def _day_index(parts: Parts, end: datetime) -> pd.MultiIndex:
    """Every community seen in any fact, times every day from the first fact to the data end."""
    communities = sorted(set().union(*[set(p["c"]) for p in parts.values()]))
    first = min(p["d"].min() for p in parts.values() if len(p))
    days = pd.date_range(first, end.date(), freq="D").date
    return pd.MultiIndex.from_product([communities, days], names=["community_code", "day"])


def _dense(part: pd.DataFrame, index: pd.MultiIndex) -> pd.Series:
    """A part as one value per (community, day) of `index`: 0 where nothing happened, days past the end dropped."""
    values = part.set_index(["c", "d"])["v"].astype("int64")
    values.index.names = ["community_code", "day"]
    return values.groupby(level=[0, 1]).sum().reindex(index, fill_value=0)


def _running(daily: pd.Series) -> pd.Series:
    """Per community, the total up to and including each day."""
    return daily.groupby(level=0).cumsum()


def _day_frame(parts: Parts, index: pd.MultiIndex) -> pd.DataFrame:
    """The rollup_day rows: the daily counts, and the end-of-day snapshots as differences of running totals."""
    out = pd.DataFrame(index=index)
    for name in DAY_COLUMNS:
        if name in parts:
            out[name] = _dense(parts[name], index)
    out["open_eod"] = _running(out["cases_received"]) - _running(out["cases_closed"])
    out["overdue_eod"] = _running(_dense(parts["_due"], index)) - _running(_dense(parts["_due_closed"], index))
    for severity in SEVERITIES:
        raised = _dense(parts[f"_raised_s{severity}"], index)
        resolved = _dense(parts[f"_resolved_s{severity}"], index)
        out[f"active_s{severity}_eod"] = _running(raised) - _running(resolved)
    # Facts dated after the data end (due dates) must not shift the snapshot: _dense drops days past the end.
    return out[list(DAY_COLUMNS)].reset_index()


def standard_windows(end: datetime) -> list[Window]:
    """Every window the app asks for: each period, the one before it, the same one last year."""
    seen: dict[tuple, Window] = {}
    for days in PERIOD_DAYS:
        for w in compute_windows(end, days):
            seen[(w.start, w.end)] = w
    return list(seen.values())


def compute_participant_frame(bind: Bind, end: datetime) -> pd.DataFrame:
    lg = points_ledger.c
    comm = _community(lg.grid_code).label("c")
    frames = []
    for w in standard_windows(end):
        stmt = (
            select(comm, func.count(func.distinct(lg.participant_ref)))
            .where(lg.at >= w.start, lg.at < w.end)
            .group_by(comm)
        )
        f = pd.DataFrame(tuples(bind, stmt), columns=["community_code", "participants"])
        f["window_start"], f["window_end"] = w.start, w.end
        frames.append(f)
    return pd.concat(frames, ignore_index=True)[["community_code", "window_start", "window_end", "participants"]]


def refresh_rollups(engine: Engine) -> dict[str, int]:
    """Recompute the rollup tables so that readers see the old or the new, never half.

    SQLite and PostgreSQL: one transaction (their DDL is transactional). MySQL/MariaDB commit
    DDL at once, so there the new tables are built beside the live ones and swapped in by a
    single RENAME TABLE, which is atomic.
    """
    with engine.connect() as conn:
        days, participants, end = compute_rollup_frames(conn)
    if engine.dialect.name in ("mysql", "mariadb"):
        _refresh_by_swap(engine, days, participants)
        with engine.begin() as conn:
            _mark(conn, end)
            conn.exec_driver_sql("ANALYZE TABLE rollup_day, rollup_participants")
    else:
        with engine.begin() as conn:
            rollup_metadata.drop_all(conn, checkfirst=True)
            rollup_metadata.create_all(conn)
            _fill(conn, engine, rollup_day, rollup_participants, days, participants)
            _mark(conn, end)
        with engine.begin() as conn:  # planner statistics for the new tables
            for name in ("rollup_day", "rollup_participants"):
                conn.exec_driver_sql(f"ANALYZE {name}")
    return {"rollup_day": len(days), "rollup_participants": len(participants)}


def _fill(conn: Connection, engine: Engine, day_table: Table, people_table: Table, days: pd.DataFrame,
          participants: pd.DataFrame) -> None:
    if len(days):
        # Hundreds of thousands of rows at city scale: the loader's bulk path (COPY on
        # PostgreSQL, executemany elsewhere) on this transaction's own DBAPI cursor.
        cursor = conn.connection.cursor()
        sqlite = engine.dialect.name == "sqlite"
        for start in range(0, len(days), BATCH):
            rows = frame_rows(day_table, days.iloc[start : start + BATCH], sqlite)
            bulk_insert(cursor, day_table, list(days.columns), rows, engine.dialect)
    if len(participants):
        conn.execute(people_table.insert(), participants.to_dict(orient="records"))


def _mark(conn: Connection, end: datetime | None) -> None:
    conn.execute(meta.delete().where(meta.c.key == ROLLUP_KEY))
    if end is not None:
        conn.execute(meta.insert().values(key=ROLLUP_KEY, value=end.isoformat(sep=" ")))


def _refresh_by_swap(engine: Engine, days: pd.DataFrame, participants: pd.DataFrame) -> None:
    staging = MetaData()
    new = {t.name: t.to_metadata(staging, name=f"{t.name}_new") for t in (rollup_day, rollup_participants)}
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        staging.drop_all(conn, checkfirst=True)
        staging.create_all(conn)
        _fill(conn, engine, new["rollup_day"], new["rollup_participants"], days, participants)
    with engine.begin() as conn:
        live = [name for name in new if inspect(conn).has_table(name)]
        for name in live:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name + '_old')}")
        moves = [f"{quote(n)} TO {quote(n + '_old')}" for n in live] + [f"{quote(n + '_new')} TO {quote(n)}" for n in new]
        conn.exec_driver_sql("RENAME TABLE " + ", ".join(moves))
        for name in live:
            conn.exec_driver_sql(f"DROP TABLE {quote(name + '_old')}")
