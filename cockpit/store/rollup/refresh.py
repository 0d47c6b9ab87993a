"""Every rollup table's rows, computed and swapped in at once: `python -m cockpit rollup --db URL` (and `demo`).

Only these commands write the rollups; the app only reads them.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine, MetaData, Table, func, inspect, select

from cockpit.store.loader import BATCH, bulk_insert, frame_rows
from cockpit.store.rollup.daily import compute_day_frame, compute_points_day_frame, street_frame
from cockpit.store.rollup.forecast import compute_forecast_frames
from cockpit.store.rollup.monthly import compute_month_frame, compute_population_frame
from cockpit.store.rollup.tables import ROLLUP_KEY, rollup_marker, rollup_metadata, standard_windows
from cockpit.store.rollup.windowed import (
    compute_alert_window_frame,
    compute_case_window_frames,
    compute_grid_window_frame,
    compute_participant_frame,
    compute_response_frame,
)
from cockpit.store.schema import case_record, meta
from cockpit.store.sql import Bind, rows


def _data_end(bind: Bind) -> datetime | None:
    value = rows(bind, select(func.max(case_record.c.received_at)))[0][0]
    return pd.Timestamp(value).to_pydatetime() if value is not None else None


Frames = dict[str, pd.DataFrame]  # the rows of each rollup table, by table name


def compute_rollup_frames(bind: Bind) -> tuple[Frames, datetime | None]:
    """The rows of every rollup table for the database behind `bind`, and the data end they answer for."""
    end = _data_end(bind)
    if end is None:
        return {}, None
    days = compute_day_frame(bind, end)
    windows = standard_windows(end)
    return {"rollup_day": days, "rollup_street_day": street_frame(days),
            "rollup_participants": compute_participant_frame(bind, end),
            **compute_case_window_frames(bind, windows), "rollup_grid_window": compute_grid_window_frame(bind, windows),
            "rollup_alert_response": compute_response_frame(bind, windows),
            "rollup_alert_window": compute_alert_window_frame(bind, windows),
            "rollup_points_day": compute_points_day_frame(bind), "rollup_month": compute_month_frame(bind),
            "rollup_population": compute_population_frame(bind), **compute_forecast_frames(bind, days, end)}, end


def refresh_rollups(engine: Engine) -> dict[str, int]:
    """Recompute the rollup tables so that readers see the old or the new, never half.

    SQLite and PostgreSQL: one transaction (their DDL is transactional). MySQL/MariaDB commit
    DDL at once, so there the new tables are built beside the live ones and swapped in by a
    single RENAME TABLE, which is atomic.
    """
    with engine.connect() as conn:
        frames, end = compute_rollup_frames(conn)
    names = list(rollup_metadata.tables)
    if engine.dialect.name in ("mysql", "mariadb"):
        _refresh_by_swap(engine, frames)
        with engine.begin() as conn:
            _mark(conn, end)
            conn.exec_driver_sql("ANALYZE TABLE " + ", ".join(names))
    else:
        with engine.begin() as conn:
            rollup_metadata.drop_all(conn, checkfirst=True)
            rollup_metadata.create_all(conn)
            _fill(conn, engine, dict(rollup_metadata.tables), frames)
            _mark(conn, end)
        with engine.begin() as conn:  # planner statistics for the new tables
            for name in names:
                conn.exec_driver_sql(f"ANALYZE {name}")
    return {name: len(frames.get(name, ())) for name in names}


def _fill(conn: Connection, engine: Engine, tables: dict[str, Table], frames: Frames) -> None:
    """Each frame into its table (keyed by the live table's name): the loader's bulk path (COPY on
    PostgreSQL, executemany elsewhere) on this transaction's own DBAPI cursor, for up to millions of rows."""
    cursor = conn.connection.cursor()
    sqlite = engine.dialect.name == "sqlite"
    for name, frame in frames.items():
        table = tables[name]
        columns = [c.name for c in table.columns if c.name in frame.columns]  # frame_rows' order
        for start in range(0, len(frame), BATCH):
            part = frame.iloc[start : start + BATCH]
            bulk_insert(cursor, table, columns, frame_rows(table, part, sqlite), engine.dialect)


def _mark(conn: Connection, end: datetime | None) -> None:
    conn.execute(meta.delete().where(meta.c.key == ROLLUP_KEY))
    if end is not None:
        conn.execute(meta.insert().values(key=ROLLUP_KEY, value=rollup_marker(end)))


def _refresh_by_swap(engine: Engine, frames: Frames) -> None:
    staging = MetaData()
    new = {t.name: t.to_metadata(staging, name=f"{t.name}_new") for t in rollup_metadata.tables.values()}
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        staging.drop_all(conn, checkfirst=True)
        staging.create_all(conn)
        _fill(conn, engine, new, frames)
    with engine.begin() as conn:
        live = [name for name in new if inspect(conn).has_table(name)]
        for name in live:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name + '_old')}")
        moves = [f"{quote(n)} TO {quote(n + '_old')}" for n in live] + [f"{quote(n + '_new')} TO {quote(n)}" for n in new]
        conn.exec_driver_sql("RENAME TABLE " + ", ".join(moves))
        for name in live:
            conn.exec_driver_sql(f"DROP TABLE {quote(name + '_old')}")
