"""The grids table's figures against answers worked out by hand on a city built for them.

The `check` fixture's city (tests/integration/check_fixtures.py: two streets, three communities,
four grids) with cases, alerts, points and population written here around the period's edges.
The period is the 30 days before the data end: [2024-06-01, 2024-07-01), half-open. What each
row is for is said next to it; the expected figures below are counted from those rows.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd
import pytest

from cockpit import queries
from cockpit.core.model import compute_windows
from cockpit.domain import grids
from cockpit.domain.hierarchy import Tree, grid_unit
from cockpit.store.engine import make_engine
from cockpit.tools.check.database import check_database, format_problems
from tests.integration.check_fixtures import CITY, STREET, VILLAGE, clean_rows, write_db

GA1, GA2, GB, GV = "330681001001001", "330681001001002", "330681001002001", VILLAGE + "001"
END = datetime(2024, 6, 30, 15, 0)  # the latest receipt (case 5): the data end
W = compute_windows(END, 30)[0]


def d(day: int, hour: int = 0, month: int = 6) -> datetime:
    return datetime(2024, month, day, hour)


def case(id_: int, grid: str, received: datetime, closed: datetime | None = None, tier: str | None = None,
         due_hours: float = 72, **extra: int) -> dict:
    row = {"id": id_, "external_id": f"G-{id_}", "source": "patrol", "category_code": "C0101", "grid_code": grid,
           "lon": None, "lat": None, "description": None, "status": "received", "received_at": received,
           "review_due_at": received + timedelta(hours=6), "response_due_at": received + timedelta(hours=15),
           "due_at": received + timedelta(hours=due_hours), "resolved_tier": None, "satisfaction": None,
           "reopen_count": 0, "return_count": 0}
    if closed is not None:
        row |= {"status": "closed", "registered_at": received + timedelta(minutes=10),
                "dispatched_at": received + timedelta(minutes=20), "resolved_at": closed - timedelta(minutes=20),
                "verified_at": closed - timedelta(minutes=10), "closed_at": closed, "resolved_tier": tier}
    return row | extra


CASES = [
    case(1, GA1, d(10, 8), closed=d(10, 20), tier="grid"),  # 12 h, solved in the grid
    case(2, GA1, d(11), closed=d(12, 12), tier="community"),  # 36 h, solved at community tier
    case(3, GA1, d(20), closed=d(20, 6), tier="grid", reopen_count=1),  # 6 h, reopened once: still one closure
    case(4, GA1, d(1), due_hours=72),  # open, due 06-04: overdue at the end
    case(5, GA1, END),  # open, due after the end: not overdue (and the data end)
    case(6, GA2, d(20, month=5), closed=d(2), tier="street", return_count=1),  # 312 h, closed in the period
    case(7, GA2, d(1, month=5), closed=d(5, month=5), tier="grid"),  # closed before the period: not counted
    case(8, GA2, d(5, 10), closed=d(5, 14), tier="grid"),  # 4 h
    case(9, GB, d(25), closed=d(1, month=7), tier="grid"),  # closed at the end (exclusive): open and overdue then
]


def alert(id_: int, grid: str, raised: datetime, acknowledged: datetime | None, resolved: datetime | None) -> dict:
    status = "resolved" if resolved else "acknowledged" if acknowledged else "active"
    return {"id": id_, "type": "gas", "severity": 2, "grid_code": grid, "device_id": None, "lon": None, "lat": None,
            "raised_at": raised, "ack_due_at": raised + timedelta(hours=1), "acknowledged_at": acknowledged,
            "resolved_at": resolved, "status": status, "case_id": None}


ALERTS = [
    alert(1, GA1, d(29), None, None),  # active
    alert(2, GA1, d(20), d(20, 3), d(20, 5)),  # acknowledged late, resolved: not active
    alert(3, GB, d(30, 10), d(30, 11), d(1, month=7)),  # resolved at the end (exclusive): still active then
    alert(4, GV, d(10), d(10), d(11)),  # resolved: not active
]


def points(id_: int, grid: str, at: datetime, entry: str, delta: int) -> dict:
    return {"id": id_, "participant_ref": f"P{id_}", "grid_code": grid, "at": at, "entry_type": entry, "delta": delta,
            "activity_id": None, "venue_id": None}


LEDGER = [
    points(1, GA1, d(15), "earn", 10),
    points(2, GA1, datetime(2024, 6, 30, 23, 59, 59), "earn", 20),  # the period's last second
    points(3, GA1, d(16), "redeem", -5),  # redeemed, not earned
    points(4, GA1, d(1, month=7), "earn", 100),  # at the end: outside
    points(5, GA1, datetime(2024, 5, 31, 23, 59, 59), "earn", 100),  # before the start: outside
    points(6, GB, d(2), "earn", 7),
]

# Per grid, counted from the rows above: households, residents, open, overdue, alerts, points,
# closed in the period, closed by the grid itself, median closing hours, share solved in the grid.
EXPECTED = {
    GA1: (380, 1020, 2, 1, 1, 30, 3, 2, 12.0, 2 / 3),  # cases 1-5; medians of 12, 36, 6
    GA2: (200, 500, 0, 0, 0, 0, 2, 1, 158.0, 1 / 2),  # cases 6, 8: (312 + 4) / 2
    GB: (380, 1020, 1, 1, 1, 7, 0, 0, None, None),  # case 9, alert 3
    GV: (380, 1020, 0, 0, 0, 0, 0, 0, None, None),
}
FIGURES = ("households", "residents", "open_cases", "overdue_cases", "active_alerts", "points_earned", "closed",
           "closed_grid", "median_hours", "grid_share")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    rows = clean_rows()
    for g in rows["grid"]:
        g["worker_stars"] = {GA1: 4, GA2: 5, GB: None, GV: 2}[g["code"]]
    for p in rows["population_stat"]:
        if p["grid_code"] == GA2:
            p |= {"registered": 500, "floating": 0, "households": 200}
    # An older snapshot of GA1: only the latest before the end counts.
    rows["population_stat"].append({"grid_code": GA1, "as_of": d(31, month=5).date(), "registered": 2000,
                                    "floating": 0, "households": 900, "elderly_60p": 0, "elderly_alone": 0})
    rows |= {"case_record": CASES, "case_event": [], "alert": ALERTS, "points_ledger": LEDGER}
    url = write_db(tmp_path_factory.mktemp("grids_city") / "city.sqlite", rows)
    e = make_engine(url)
    yield e
    e.dispose()


def unit(engine, code: str):
    if len(code) == 15:
        return grid_unit(queries.fetch_grid(engine, code))
    return Tree.from_frame(queries.fetch_units(engine)).unit(code)


def table(engine, code: str = CITY, sort: str = "overdue_cases", descending: bool = True, limit: int = 50):
    rows, total = queries.fetch_grid_table(engine, unit(engine, code), W, sort, descending, limit)
    times = queries.fetch_closing_times(engine, list(rows["code"]), W)
    return grids.with_derived(rows, times), total


def figures(frame: pd.DataFrame) -> dict[str, tuple]:
    def plain(v):
        return None if isinstance(v, float) and math.isnan(v) else v
    return {r["code"]: tuple(plain(r[f]) for f in FIGURES) for _, r in frame.iterrows()}


def test_the_city_is_valid_and_ends_where_intended(engine):
    problems = check_database(engine, None)
    assert problems == [], format_problems(problems)
    assert queries.fetch_data_end(engine) == END


def test_every_figure_of_every_grid(engine):
    frame, total = table(engine)
    assert total == 4
    got = figures(frame)
    assert got.keys() == EXPECTED.keys()
    for code, want in EXPECTED.items():
        assert got[code][:8] == want[:8], code
        for g, w in zip(got[code][8:], want[8:]):
            assert (g is None and w is None) or g == pytest.approx(w), (code, g, w)


@pytest.mark.parametrize(("sort", "descending", "order"), [
    ("overdue_cases", True, [GA1, GB, GA2, GV]),  # 1, 1, 0, 0: ties by code
    ("open_cases", False, [GA2, GV, GB, GA1]),
    ("active_alerts", True, [GA1, GB, GA2, GV]),
    ("points_earned", True, [GA1, GB, GA2, GV]),
    ("residents", True, [GA1, GB, GV, GA2]),
    ("households", False, [GA2, GA1, GB, GV]),
    ("grid_share", True, [GA1, GA2, GB, GV]),  # 2/3, 1/2, then the grids that closed nothing
    ("grid_share", False, [GA2, GA1, GB, GV]),  # still last when ascending
    ("worker_stars", True, [GA2, GA1, GV, GB]),  # 5, 4, 2, then no rating
    ("worker_stars", False, [GV, GA1, GA2, GB]),
])
def test_the_order_is_decided_in_the_database(engine, sort, descending, order):
    frame, _ = table(engine, sort=sort, descending=descending)
    assert frame["code"].tolist() == order


def test_limit_keeps_the_top_and_the_total(engine):
    frame, total = table(engine, sort="points_earned", limit=2)
    assert frame["code"].tolist() == [GA1, GB] and total == 4
    frame, total = table(engine, code=STREET, sort="households", descending=False)
    assert frame["code"].tolist() == [GA2, GA1, GB] and total == 3  # the town's grid is not the street's


def test_unknown_sort_is_refused(engine):
    with pytest.raises(ValueError, match="unknown grid sort"):
        table(engine, sort="name; drop table grid")


def test_median_takes_the_middle_or_the_mean_of_the_two_middles():
    times = pd.DataFrame({"grid_code": ["a", "a", "a", "b", "b", "b", "b"], "hours": [5.0, 1.0, 3.0, 1, 2, 10, 40]})
    got = grids.median_hours(times, ["a", "b", "c"])
    assert got["a"] == 3.0 and got["b"] == 6.0 and math.isnan(got["c"])
    assert grids.median_hours(times.iloc[:0], ["a"]).isna().all()


def test_rank_and_sort_choices():
    frame = pd.DataFrame({"code": ["x", "y", "z"]})
    assert grids.rank_of(frame, "y") == 2 and grids.rank_of(frame, "q") is None
    sorts = ("open_cases", "grid_share")
    assert grids.sort_options(sorts) == ["open_cases", "grid_share", "open_cases_asc", "grid_share_asc"]
    assert grids.parse_sort("grid_share_asc", sorts, "open_cases") == ("grid_share", False)
    assert grids.parse_sort("grid_share", sorts, "open_cases") == ("grid_share", True)
    assert grids.parse_sort(None, sorts, "open_cases") == ("open_cases", True)
    assert grids.parse_sort("bogus_asc", sorts, "open_cases") == ("open_cases", True)
