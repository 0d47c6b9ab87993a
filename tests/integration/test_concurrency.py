"""Many viewers at once: the app's real queries on many threads through the app's own engine.

Streamlit runs every session's script on a thread of its own, all sharing the one engine that
``cockpit.ui.data.engine`` caches per process. With SQLAlchemy's SingletonThreadPool (what an
SQLite ``creator`` engine got by default) a sixth thread closed another thread's connection
while it was still in use: ``AssertionError`` in ``pool/base.py``, then a segmentation fault in
libsqlite3. Here 48 threads run the pages' questions at once, several times over, and every
answer must equal the one a single thread got — on SQLite, PostgreSQL and MariaDB.

The pool-exhausted case is separate: a pool of one connection with a short timeout, held by one
thread, must make another reader fail with the store error the page frame turns into its
"busy, retrying" notice, not hang and not crash.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from parity import plain, sample_of
from sqlalchemy import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cockpit import queries
from cockpit.core.settings import PoolSettings, load_settings
from cockpit.domain.hierarchy import child_level
from cockpit.store.engine import STORE_ERRORS, make_engine

THREADS = 48
ROUNDS = 3

Question = tuple[str, Callable[[Engine], object]]


def questions(engine: Engine) -> list[Question]:
    """What the overview, cases, alerts and participation pages ask, for a sample of units and periods."""
    tree, sample = sample_of(engine)
    asked: list[Question] = [("units", queries.fetch_units), ("data_end", queries.fetch_data_end)]
    for unit in sample.units:
        level = child_level(tree, unit)
        for w in sample.current:
            label = f"{unit.code} {w.start:%Y-%m-%d}"
            asked += [
                (f"population {label}", lambda e, u=unit, w=w: queries.fetch_population(e, u, w.end)),
                (f"cases {label}", lambda e, u=unit, w=w: queries.fetch_case_stats(e, u, w)),
                (f"alerts {label}", lambda e, u=unit, w=w: queries.fetch_alert_stats(e, u, w)),
                (f"points {label}", lambda e, u=unit, w=w: queries.fetch_points_stats(e, u, w)),
                (f"daily {label}", lambda e, u=unit, w=w: queries.fetch_daily(e, u, w)),
            ]
            if level is not None:
                asked.append((f"children {label}", lambda e, u=unit, lv=level, w=w: queries.fetch_child_metrics(e, u, lv, w)))
    return asked


def comparable(value: object) -> object:
    if isinstance(value, pd.DataFrame):
        return [tuple(plain(v) for v in row) for row in value.itertuples(index=False)], list(value.columns)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return plain(value)


def run_at_once(url: str) -> None:
    """Every question once on one thread, then ROUNDS times shuffled over THREADS threads: same answers, no error."""
    engine = make_engine(url)
    try:
        asked = questions(engine)
        want = {name: comparable(fetch(engine)) for name, fetch in asked}
        work = [q for _ in range(ROUNDS) for q in asked]
        random.Random(7).shuffle(work)
        threads_seen: set[int] = set()
        start = threading.Barrier(THREADS)

        def first(_: int) -> None:  # every worker thread exists and is in the pool before the work starts
            threads_seen.add(threading.get_ident())
            start.wait(timeout=60)

        def answer(question: Question) -> tuple[str, object]:
            name, fetch = question
            return name, comparable(fetch(engine))

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(first, range(THREADS)))
            got = list(pool.map(answer, work))
        assert len(threads_seen) == THREADS
        wrong = [name for name, value in got if value != want[name]]
        assert not wrong, f"{len(wrong)} of {len(got)} answers differ from the sequential run, e.g. {wrong[:3]}"
    finally:
        engine.dispose()


def test_sqlite_answers_the_same_on_many_threads(small_demo):
    run_at_once(small_demo.db_url)


@pytest.mark.servers
def test_servers_answer_the_same_on_many_threads(server_db):
    run_at_once(server_db.url)


def test_an_exhausted_pool_is_a_store_error_not_a_hang(small_demo, monkeypatch):
    monkeypatch.setenv("COCKPIT_DB_POOL_SIZE", "1")
    monkeypatch.setenv("COCKPIT_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("COCKPIT_DB_POOL_TIMEOUT", "0.5")
    pool = load_settings().pool
    assert pool == PoolSettings(size=1, max_overflow=0, timeout=0.5)
    engine = make_engine(small_demo.db_url, pool=pool)
    try:
        with engine.connect():  # the one connection, held
            with pytest.raises(STORE_ERRORS) as caught:
                queries.fetch_units(engine)
        assert isinstance(caught.value, PoolTimeout)
        assert len(queries.fetch_units(engine)) > 0  # released: answers again
    finally:
        engine.dispose()


FIELDS = {"COCKPIT_DB_POOL_SIZE": "size", "COCKPIT_DB_MAX_OVERFLOW": "max_overflow", "COCKPIT_DB_POOL_TIMEOUT": "timeout"}


def test_pool_settings_name_nonsense_and_keep_the_default(monkeypatch, caplog):
    monkeypatch.setenv("COCKPIT_DB_POOL_SIZE", "12")
    monkeypatch.setenv("COCKPIT_DB_MAX_OVERFLOW", "0")
    assert load_settings().pool == PoolSettings(size=12, max_overflow=0)
    for name, value in (("COCKPIT_DB_POOL_SIZE", "0"), ("COCKPIT_DB_POOL_SIZE", "many"), ("COCKPIT_DB_POOL_TIMEOUT", "-1"),
                        ("COCKPIT_DB_MAX_OVERFLOW", "1.5")):
        monkeypatch.setenv(name, value)
        caplog.clear()
        field = FIELDS[name]
        assert getattr(load_settings().pool, field) == getattr(PoolSettings(), field)
        assert name in caplog.text  # the deployer's typo is named in the log
        monkeypatch.delenv(name)
