"""Rated, satisfied, raised and acknowledged-in-time counts against answers computed without the cockpit.

The parity and rollup tests compare one implementation with another; these compare both the fact
queries (cockpit.queries) and the rollup reads (cockpit.queries.rollup) with answers that do not
come from either:

* a tiny hand-built city (the `check` fixture's units and grids, with cases and alerts written
  here around the window edges), whose answers are known by construction and written out below;
* the small demo, counted with plain SQL through sqlite3 (units selected by ``LIKE 'prefix%'``,
  windows compared as text), for every window the app asks for.

What the counts mean (docs/data-contract.md, "Rates"): a case is *rated* in a period when its
return visit (``visited_at``) falls in the period and gave a ``satisfaction``; *satisfied* when that
rating is 4 or 5. An alert is *raised* in the period it was raised in, and *acknowledged on time*
when ``acknowledged_at`` ≤ ``ack_due_at`` (never when it was not acknowledged). Periods are
half-open, [start, end).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from check_fixtures import CITY, COMMUNITY_A, COMMUNITY_B, STREET, TOWN, VILLAGE, clean_rows, write_db

from cockpit import queries
from cockpit.core.model import Unit, Window
from cockpit.domain.hierarchy import Tree, grid_unit
from cockpit.queries import rollup as rollup_reads
from cockpit.store.engine import make_engine
from cockpit.store.rollup.refresh import refresh_rollups
from cockpit.store.rollup.tables import standard_windows
from cockpit.tools.check.database import check_database, format_problems

COUNTS = ("rated", "satisfied", "raised", "ack_on_time")
GA1, GA2, GB = "330681001001001", "330681001001002", "330681001002001"  # community A's two grids, B's one


# ---------------------------------------------------------------- the hand-built city

END = datetime(2024, 6, 30, 15, 0)  # the latest receipt (case 7): the data end
WINDOWS = {  # the app's windows for that end: each period ends at the midnight after the end's day
    "7 days": Window(datetime(2024, 6, 24), datetime(2024, 7, 1)),
    "previous 7 days": Window(datetime(2024, 6, 17), datetime(2024, 6, 24)),
    "30 days": Window(datetime(2024, 6, 1), datetime(2024, 7, 1)),
    "90 days": Window(datetime(2024, 4, 2), datetime(2024, 7, 1)),
}


def _case(id_: int, grid: str, received: datetime, closed: datetime | None = None, visited: datetime | None = None,
          satisfaction: int | None = None) -> dict:
    row = {
        "id": id_, "external_id": f"HAND-{id_}", "source": "patrol", "category_code": "C0101", "grid_code": grid,
        "lon": 120.21, "lat": 29.71, "description": None, "status": "received", "received_at": received,
        "review_due_at": received + timedelta(hours=6), "response_due_at": received + timedelta(hours=15),
        "due_at": received + timedelta(hours=72), "resolved_tier": None, "satisfaction": satisfaction,
        "reopen_count": 0, "return_count": 0, "visited_at": visited,
    }
    if closed is not None:
        row |= {"status": "closed", "registered_at": received + timedelta(hours=1),
                "dispatched_at": received + timedelta(hours=2), "resolved_at": closed - timedelta(hours=1),
                "verified_at": closed - timedelta(minutes=30), "closed_at": closed, "resolved_tier": "grid"}
    return row


def _alert(id_: int, grid: str, raised: datetime, ack_due: datetime, acknowledged: datetime | None = None) -> dict:
    return {
        "id": id_, "type": "smoke_fire", "severity": 2, "grid_code": grid, "device_id": None, "lon": None, "lat": None,
        "raised_at": raised, "ack_due_at": ack_due, "acknowledged_at": acknowledged, "resolved_at": None,
        "status": "acknowledged" if acknowledged else "active", "case_id": None,
    }


def d(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 6) -> datetime:
    return datetime(2024, month, day, hour, minute, second)


CASES = [  # (window it is rated in) what it tests
    _case(1, GA1, d(20, 8), closed=d(21, 8), visited=d(24), satisfaction=5),  # 7 days: visited at its very start
    _case(2, GA1, d(25, 9), closed=d(26, 9), visited=d(27, 10), satisfaction=4),  # 7 days: 4 is satisfied
    _case(3, GA2, d(25, 9), closed=d(26, 9), visited=d(28, 10), satisfaction=3),  # 7 days: rated, not satisfied
    _case(4, GA2, d(25, 9), closed=d(26, 9), visited=d(29, 10)),  # never: a visit without a rating
    _case(5, GB, d(10, 9), closed=d(12, 9), visited=d(23, 23, 59, 59), satisfaction=5),  # previous 7 days: last second
    _case(6, VILLAGE + "001", d(26, 9), closed=d(27, 9), visited=d(28, 11), satisfaction=1),  # 7 days, in the town
    _case(7, GA1, END),  # never: open, not visited (and the data end)
    _case(8, GA1, d(20, 9, month=5), closed=d(22, 9, month=5), visited=d(31, 23, month=5), satisfaction=5),  # 90 days
    _case(9, GA1, d(29, 10), closed=d(30, 10), visited=d(1, month=7), satisfaction=5),  # never: at the end (exclusive)
]

ALERTS = [
    _alert(1, GA1, d(24), d(24, 2), acknowledged=d(24, 1)),  # 7 days: raised at its very start, on time
    _alert(2, GA1, d(25, 10), d(25, 12), acknowledged=d(25, 12)),  # 7 days: acknowledged at the deadline is on time
    _alert(3, GA2, d(26, 10), d(26, 12), acknowledged=d(26, 12, 0, 1)),  # 7 days: one second late
    _alert(4, GA2, d(27, 10), d(27, 12)),  # 7 days: never acknowledged, not on time
    _alert(5, GB, d(23, 23, 59, 59), d(24, 1), acknowledged=d(24, 0, 30)),  # previous 7 days: raised in its last second
    _alert(6, VILLAGE + "001", d(30, 23), d(1, 1, month=7), acknowledged=d(1, 0, 30, month=7)),  # 7 days: on time
    # after the window's end: counts by the deadline
    _alert(7, GA1, d(1, month=7), d(1, 2, month=7), acknowledged=d(1, 1, month=7)),  # never: raised at the end
]

# (rated, satisfied, raised, ack_on_time) per window and unit, counted by hand from the rows above.
EXPECTED = {
    "7 days": {
        CITY: (4, 2, 5, 3),  # cases 1, 2, 3, 6 (satisfied 1, 2); alerts 1, 2, 3, 4, 6 (on time 1, 2, 6)
        STREET: (3, 2, 4, 2), TOWN: (1, 0, 1, 1),
        COMMUNITY_A: (3, 2, 4, 2), COMMUNITY_B: (0, 0, 0, 0), VILLAGE: (1, 0, 1, 1),
        GA1: (2, 2, 2, 2), GA2: (1, 0, 2, 0), GB: (0, 0, 0, 0),
    },
    "previous 7 days": {
        CITY: (1, 1, 1, 1),  # case 5, alert 5
        STREET: (1, 1, 1, 1), TOWN: (0, 0, 0, 0),
        COMMUNITY_A: (0, 0, 0, 0), COMMUNITY_B: (1, 1, 1, 1), GA1: (0, 0, 0, 0), GB: (1, 1, 1, 1),
    },
    "30 days": {
        CITY: (5, 3, 6, 4),  # cases 1, 2, 3, 5, 6 (satisfied 1, 2, 5); alerts 1-6 (on time 1, 2, 5, 6)
        STREET: (4, 3, 5, 3), TOWN: (1, 0, 1, 1),
        COMMUNITY_A: (3, 2, 4, 2), COMMUNITY_B: (1, 1, 1, 1), VILLAGE: (1, 0, 1, 1),
        GA1: (2, 2, 2, 2), GA2: (1, 0, 2, 0), GB: (1, 1, 1, 1),
    },
    "90 days": {
        CITY: (6, 4, 6, 4),  # the 30 days and case 8
        STREET: (5, 4, 5, 3), COMMUNITY_A: (4, 3, 4, 2), GA1: (3, 3, 2, 2),
    },
}


@pytest.fixture(scope="module")
def hand_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The hand-built city in a SQLite file, its rollups refreshed as `python -m cockpit rollup` does."""
    rows = clean_rows()
    rows["case_record"], rows["case_event"], rows["alert"] = CASES, [], ALERTS
    path = tmp_path_factory.mktemp("hand_city") / "city.sqlite"
    url = write_db(path, rows)
    writer = make_engine(url, read_only=False)
    try:
        refresh_rollups(writer)
    finally:
        writer.dispose()
    return url, path


@pytest.fixture(scope="module")
def hand_engine(hand_city):
    engine = make_engine(hand_city[0])
    yield engine
    engine.dispose()


def _unit(engine, code: str) -> Unit:
    if len(code) == 15:
        return grid_unit(queries.fetch_grid(engine, code))
    return Tree.from_frame(queries.fetch_units(engine)).unit(code)


def _counts(cases: dict, alerts: dict) -> tuple[int, ...]:
    both = cases | alerts
    return tuple(both[k] for k in COUNTS)


def test_hand_city_is_a_valid_city_with_the_intended_end_and_windows(hand_engine):
    """The rows obey the data contract, the data end is case 7, and every window is one the app uses."""
    problems = check_database(hand_engine, None)
    assert problems == [], format_problems(problems)
    assert queries.fetch_data_end(hand_engine) == END
    assert rollup_reads.rollup_is_fresh(hand_engine, END)
    standard = standard_windows(END)
    assert all(w in standard for w in WINDOWS.values())


@pytest.mark.parametrize("window", list(EXPECTED))
def test_fact_queries_count_what_the_rows_say(hand_engine, window):
    w = WINDOWS[window]
    got = {code: _counts(queries.fetch_case_stats(hand_engine, _unit(hand_engine, code), w),
                         queries.fetch_alert_stats(hand_engine, _unit(hand_engine, code), w)) for code in EXPECTED[window]}
    assert got == EXPECTED[window]


@pytest.mark.parametrize("window", list(EXPECTED))
def test_rollups_count_what_the_rows_say(hand_engine, window):
    """The rollups answer every unit above the grid (grids are read from the facts)."""
    w = WINDOWS[window]
    want = {code: counts for code, counts in EXPECTED[window].items() if len(code) == 12}
    assert want
    got, one_read = {}, {}
    for code in want:
        unit = _unit(hand_engine, code)
        got[code] = _counts(rollup_reads.fetch_case_stats(hand_engine, unit, w),
                            rollup_reads.fetch_alert_stats(hand_engine, unit, w))
        cases, alerts, _points = rollup_reads.fetch_window_stats(hand_engine, unit, w)  # the app's one-read path
        one_read[code] = _counts(cases, alerts)
    assert got == want
    assert one_read == want


# ---------------------------------------------------------------- the small demo, by plain SQL

def _stamp(t: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite ('2026-10-25 00:00:00.000000'), so text order is time order."""
    return t.isoformat(sep=" ", timespec="microseconds")


def sql_counts(db_path: Path, prefix: str, w: Window) -> tuple[int, ...]:
    """(rated, satisfied, raised, ack_on_time) of the grids whose code starts with `prefix`, by plain SQL."""
    span = (prefix + "%", _stamp(w.start), _stamp(w.end))
    with closing(sqlite3.connect(db_path)) as con:
        rated, satisfied = con.execute(
            "SELECT count(*), coalesce(sum(satisfaction >= 4), 0) FROM case_record "
            "WHERE grid_code LIKE ? AND visited_at >= ? AND visited_at < ? AND satisfaction IS NOT NULL", span).fetchone()
        raised, on_time = con.execute(
            "SELECT count(*), coalesce(sum(acknowledged_at IS NOT NULL AND acknowledged_at <= ack_due_at), 0) "
            "FROM alert WHERE grid_code LIKE ? AND raised_at >= ? AND raised_at < ?", span).fetchone()
    return rated, satisfied, raised, on_time


def _demo_units(engine) -> list[tuple[Unit, str]]:
    """(unit, grid-code prefix): the city, every street, two communities of each, two grids; prefixes by hand."""
    tree = Tree.from_frame(queries.fetch_units(engine))
    city = tree.root
    assert city.code == "330681000000" and city.level == "city"  # a county-level city: its grids start 330681
    picked = [(city, city.code[:6])]
    for street in tree.children(city.code)["code"]:
        picked.append((tree.unit(street), street[:9]))
        for community in tree.children(street)["code"].iloc[:2]:
            picked.append((tree.unit(community), community))
    for community in [u.code for u, _ in picked if u.level == "community"][:2]:
        grid = queries.fetch_grids(engine, community).iloc[-1].to_dict()
        picked.append((grid_unit(grid), grid["code"]))
    return picked


def test_demo_counts_equal_plain_sql(small_demo):
    engine = make_engine(small_demo.db_url)
    try:
        end = queries.fetch_data_end(engine)
        assert rollup_reads.rollup_is_fresh(engine, end)
        windows = standard_windows(end)
        wrong, seen = [], []
        for unit, prefix in _demo_units(engine):
            for w in windows:
                want = sql_counts(small_demo.db_path, prefix, w)
                seen.append(want)
                answers = {"facts": _counts(queries.fetch_case_stats(engine, unit, w),
                                            queries.fetch_alert_stats(engine, unit, w))}
                if unit.level != "grid":
                    answers["rollup"] = _counts(rollup_reads.fetch_case_stats(engine, unit, w),
                                                rollup_reads.fetch_alert_stats(engine, unit, w))
                    cases, alerts, _points = rollup_reads.fetch_window_stats(engine, unit, w)
                    answers["rollup one read"] = _counts(cases, alerts)
                wrong += [f"{name} {unit.level} {unit.code} [{w.start:%Y-%m-%d}, {w.end:%Y-%m-%d}): "
                          f"{dict(zip(COUNTS, got))} != SQL {dict(zip(COUNTS, want))}"
                          for name, got in answers.items() if got != want]
    finally:
        engine.dispose()
    assert not wrong, f"{len(wrong)} answers differ from plain SQL:\n" + "\n".join(wrong[:20])
    # The comparison means something: ratings below 4 and late acknowledgements occur, and grids are not empty.
    assert len(seen) > 100
    assert any(rated > satisfied > 0 for rated, satisfied, _, _ in seen)
    assert any(raised > on_time > 0 for _, _, raised, on_time in seen)
