"""The participation page's figures against answers worked out by hand on a city built for them.

The `check` fixture's city (tests/integration/check_fixtures.py: streets 暨阳 and 店口, communities
A and B under 暨阳, a village under 店口, grids GA1 GA2 in A, GB in B, GV in the village; every grid
1,020 residents) with venues, activities, ledger entries and votes written here around the
period's edges. The period is [2024-06-01, 2024-07-01), half-open.
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import pytest

from cockpit import queries
from cockpit.core.model import Window
from cockpit.domain import participation
from cockpit.domain.hierarchy import Tree, grid_unit
from cockpit.store.engine import make_engine
from cockpit.tools.check.database import check_database, format_problems
from tests.integration.check_fixtures import (
    CITY,
    COMMUNITY_A,
    COMMUNITY_B,
    STREET,
    TOWN,
    VILLAGE,
    clean_rows,
    write_db,
)

GA1, GA2, GB, GV = "330681001001001", "330681001001002", "330681001002001", VILLAGE + "001"
W = Window(datetime(2024, 6, 1), datetime(2024, 7, 1))


def d(day: int, hour: int = 0, month: int = 6, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, second)


def venue(id_: int, kind: str, grid: str) -> dict:
    return {"id": id_, "kind": kind, "name": f"V{id_}", "grid_code": grid, "lon": 120.2, "lat": 29.7}


def activity(id_: int, kind: str, grid: str, venue_id: int | None, starts: datetime, people: int, each: int) -> dict:
    return {"id": id_, "kind": kind, "title": f"A{id_}", "grid_code": grid, "venue_id": venue_id, "starts_at": starts,
            "ends_at": starts, "points_each": each, "participants": people}


def entry(id_: int, who: str, grid: str, at: datetime, kind: str, delta: int, act: int | None = None,
          at_venue: int | None = None) -> dict:
    return {"id": id_, "participant_ref": who, "grid_code": grid, "at": at, "entry_type": kind, "delta": delta,
            "activity_id": act, "venue_id": at_venue}


def ballot(id_: int, community: str, opens: datetime, eligible: int, yes: int, no: int, abstain: int) -> dict:
    return {"id": id_, "community_code": community, "title": f"Q{id_}", "opens_at": opens, "closes_at": opens,
            "eligible": eligible, "ballots_yes": yes, "ballots_no": no, "ballots_abstain": abstain}


VENUES = [venue(1, "redemption", GA1), venue(2, "activity", GB), venue(3, "party_station", GV)]
ACTIVITIES = [
    activity(1, "volunteer", GA1, 2, d(10), 3, 10),
    activity(2, "patrol", GA2, 2, d(20), 2, 5),
    activity(3, "patrol", GA1, None, d(31, 23, month=5), 9, 9),  # started before the period
    activity(4, "anti_fraud", GV, None, d(30, 23), 4, 0),  # the period's last hour
]
LEDGER = [
    entry(1, "P1", GA1, d(10), "earn", 10, act=1),
    entry(2, "P2", GA1, d(10), "earn", 10, act=1),
    entry(3, "P3", GB, d(10), "earn", 10, act=1),  # a resident of GB at GA1's activity: counts in GB
    entry(4, "P1", GA1, d(20), "earn", 5, act=2),
    entry(5, "P4", GA2, d(20), "earn", 5, act=2),
    entry(6, "P1", GA1, d(21), "redeem", -8, at_venue=1),
    entry(7, "P2", GA1, d(30, 23, minute=59, second=59), "redeem", -4, at_venue=1),  # the last second
    entry(8, "P5", GV, d(15), "earn", 3),  # earned without an activity: "other"
    entry(9, "P1", GA1, d(1, month=7), "earn", 100, act=1),  # at the end: outside
    entry(10, "P6", GA2, d(5), "adjust", 2),  # a participant, but neither earned nor redeemed
    entry(11, "P7", GB, d(31, 23, month=5, minute=59, second=59), "redeem", -1, at_venue=1),  # before: outside
]
VOTES = [
    ballot(1, COMMUNITY_A, d(1, 9), 300, 180, 40, 10),
    ballot(2, COMMUNITY_B, d(20), 0, 0, 0, 0),  # nobody eligible: no turnout
    ballot(3, VILLAGE, d(31, month=5), 50, 5, 5, 5),  # opened before the period
    ballot(4, COMMUNITY_A, d(25), 100, 10, 20, 30),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    rows = clean_rows()
    rows |= {"venue": VENUES, "activity": ACTIVITIES, "points_ledger": LEDGER, "vote": VOTES}
    url = write_db(tmp_path_factory.mktemp("participation_city") / "city.sqlite", rows)
    e = make_engine(url)
    yield e
    e.dispose()


def unit(engine, code: str):
    if len(code) == 15:
        return grid_unit(queries.fetch_grid(engine, code))
    return Tree.from_frame(queries.fetch_units(engine)).unit(code)


def test_the_city_is_valid(engine):
    problems = check_database(engine, None)
    assert problems == [], format_problems(problems)


def test_points_over_time_by_kind(engine):
    got = queries.fetch_points_series(engine, unit(engine, CITY), W)
    assert [(r.day.day, r.kind, r.points) for r in got.itertuples()] == [
        (10, "volunteer", 30), (15, "other", 3), (20, "patrol", 10), (21, "redeemed", 8), (30, "redeemed", 4)]
    town = queries.fetch_points_series(engine, unit(engine, TOWN), W)
    assert [(r.day.day, r.kind, r.points) for r in town.itertuples()] == [(15, "other", 3)]


def test_points_by_day_fills_empty_days_and_sums_weeks():
    series = pd.DataFrame({"day": pd.to_datetime(["2024-06-02", "2024-06-04"]), "kind": ["patrol", "patrol"],
                           "points": [5, 7]})
    daily = participation.by_day(series, d(1), d(6), 5)
    assert daily["points"].tolist() == [0, 5, 0, 7, 0]
    weekly = participation.by_day(series, d(1), d(30), 365)
    assert weekly["points"].tolist() == [5, 7, 0, 0, 0]  # weeks of Mondays 05-27 (06-01, 06-02), 06-03, ...
    assert weekly["day"].dt.day_of_week.eq(0).all()


def test_active_participants_per_1000_residents_per_child(engine):
    city = unit(engine, CITY)
    people = queries.fetch_child_participants(engine, city, "street", W)
    assert people.to_dict() == {STREET: 5, TOWN: 1}  # P1 P2 P3 P4 P6; P5
    rates = participation.per_1000(people, queries.fetch_child_population(engine, city, "street", W.end))
    assert rates[STREET] == pytest.approx(5000 / 3060) and rates[TOWN] == pytest.approx(1000 / 1020)
    street = unit(engine, STREET)
    people = queries.fetch_child_participants(engine, street, "community", W)
    assert people.to_dict() == {COMMUNITY_A: 4, COMMUNITY_B: 1}
    rates = participation.per_1000(people, queries.fetch_child_population(engine, street, "community", W.end))
    assert rates.to_dict() == pytest.approx({COMMUNITY_A: 4000 / 2040, COMMUNITY_B: 1000 / 1020})
    grids = queries.fetch_child_participants(engine, unit(engine, COMMUNITY_A), "grid", W)
    assert grids.to_dict() == {GA1: 2, GA2: 2}


def test_per_1000_is_zero_where_nobody_lives():
    rates = participation.per_1000(pd.Series({"a": 3, "b": 1}), pd.Series({"a": 1500, "c": 10, "b": 0}))
    assert rates.to_dict() == {"a": 2.0, "b": 0.0, "c": 0.0}


def test_venues_with_their_use(engine):
    got = queries.fetch_venue_use(engine, unit(engine, CITY), W)
    assert dict(zip(got["id"], got["uses"])) == {1: 2, 2: 2, 3: 0}  # two redemptions; two activities held
    got = queries.fetch_venue_use(engine, unit(engine, VILLAGE), W)
    assert dict(zip(got["id"], got["uses"])) == {3: 0}


def test_activities_held_and_participants(engine):
    got = queries.fetch_activity_stats(engine, unit(engine, CITY), W)
    assert got.to_dict("records") == [
        {"kind": "anti_fraud", "activities": 1, "participants": 4, "points": 0},
        {"kind": "patrol", "activities": 1, "participants": 2, "points": 10},
        {"kind": "volunteer", "activities": 1, "participants": 3, "points": 30},
    ]
    assert queries.fetch_activity_stats(engine, unit(engine, GB), W).empty


def test_votes_and_their_turnout(engine):
    got = queries.fetch_votes(engine, unit(engine, CITY), W)
    assert got["id"].tolist() == [4, 2, 1]  # latest first; vote 3 opened before the period
    turnout = participation.turnout(got).tolist()
    assert turnout[0] == pytest.approx(0.6) and math.isnan(turnout[1]) and turnout[2] == pytest.approx(230 / 300)
    yes = participation.yes_share(got).tolist()
    assert yes[0] == pytest.approx(10 / 60) and math.isnan(yes[1]) and yes[2] == pytest.approx(180 / 230)
    assert queries.fetch_votes(engine, unit(engine, GA1), W)["id"].tolist() == [4, 1]  # a grid: its community's
    assert queries.fetch_votes(engine, unit(engine, COMMUNITY_B), W)["id"].tolist() == [2]


def test_top_communities(engine):
    got = queries.fetch_top_communities(engine, unit(engine, CITY), W)
    assert got.to_dict("records") == [
        {"community_code": COMMUNITY_A, "points": 30, "participants": 4},
        {"community_code": COMMUNITY_B, "points": 10, "participants": 1},
        {"community_code": VILLAGE, "points": 3, "participants": 1},
    ]
    assert queries.fetch_top_communities(engine, unit(engine, CITY), W, limit=1)["community_code"].tolist() == [COMMUNITY_A]
