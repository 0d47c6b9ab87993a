"""The cases page's figures against values worked out by hand on a city built for them, and the masking.

Five cases in the `check` fixture's city (tests/integration/check_fixtures.py), window June 2024:

=====  =====  =======  ========  ========================================================================
case   grid   source   category  what it is for
=====  =====  =======  ========  ========================================================================
1      GA1    patrol   C0101     every stage on time, resolved at **community** tier, rated 5
2      GA2    hotline  C0101     registered 2 h late, never dispatched: **overdue** now (due 23 June 09:00)
3      GB     app      E01       dispatched 5 h late, resolved by its own 48 h due, **reopened**, rated 2
4      V1     patrol   C0101     resolved 8 h late at street tier, **returned** (发回重办)
5      GA1    patrol   C0101     received in May, overdue from 28 May, closed 2 June: workload, not cohort
=====  =====  =======  ========  ========================================================================
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from cockpit import queries
from cockpit.core.model import Window
from cockpit.domain import cases as m
from cockpit.domain.hierarchy import Tree, grid_unit
from cockpit.domain.privacy import mask_text
from cockpit.queries.cases import COHORT_COLUMNS
from cockpit.store.engine import make_engine
from cockpit.store.rollup.refresh import refresh_rollups
from cockpit.tools.check.database import check_database, format_problems
from tests.integration.check_fixtures import CITY, STREET, TOWN, VILLAGE, clean_rows, write_db

GA1, GA2, GB, V1 = "330681001001001", "330681001001002", "330681001002001", VILLAGE + "001"
W = Window(datetime(2024, 6, 1), datetime(2024, 7, 1))
H = timedelta(hours=1)


def _case(id_: int, grid: str, source: str, category: str, received: datetime, resolve_hours: int = 72,
          **stages: object) -> dict:
    row = {
        "id": id_, "external_id": f"CS-{id_}", "source": source, "category_code": category, "grid_code": grid,
        "lon": None, "lat": None, "description": None, "status": "received", "received_at": received,
        "review_due_at": received + 6 * H, "response_due_at": received + 15 * H,
        "due_at": received + resolve_hours * H, "resolved_tier": None, "satisfaction": None,
        "reopen_count": 0, "return_count": 0,
    }
    hours = {k: v for k, v in stages.items() if k.endswith("_at")}
    row |= {k: received + v * H for k, v in hours.items()}
    row |= {k: v for k, v in stages.items() if not k.endswith("_at")}
    return row


def _all_stages(h: dict[str, float]) -> dict[str, float]:
    return {f"{s}_at": h[s] for s in ("registered", "dispatched", "resolved", "verified", "closed", "visited") if s in h}


CASES = [
    _case(1, GA1, "patrol", "C0101", datetime(2024, 6, 10, 9), status="closed", resolved_tier="community",
          satisfaction=5, **_all_stages({"registered": 1, "dispatched": 2, "resolved": 5, "verified": 6, "closed": 7,
                                         "visited": 30})),
    _case(2, GA2, "hotline", "C0101", datetime(2024, 6, 20, 9), status="registered", registered_at=8,
          description="市民电话13812341234反映，车牌浙F12312占道"),
    _case(3, GB, "app", "E01", datetime(2024, 6, 5, 9), resolve_hours=48, status="closed", resolved_tier="grid",
          satisfaction=2, reopen_count=1,
          **_all_stages({"registered": 1, "dispatched": 20, "resolved": 30, "verified": 31, "closed": 32, "visited": 50})),
    _case(4, V1, "patrol", "C0101", datetime(2024, 6, 15, 9), status="closed", resolved_tier="street", return_count=1,
          **_all_stages({"registered": 2, "dispatched": 3, "resolved": 80, "verified": 81, "closed": 82})),
    _case(5, GA1, "patrol", "C0101", datetime(2024, 5, 25, 9), status="closed", resolved_tier="grid",
          **_all_stages({"registered": 1, "dispatched": 2, "resolved": 191, "verified": 191.5, "closed": 192})),
]
EVENTS = [
    {"case_id": 2, "seq": 1, "at": datetime(2024, 6, 20, 9), "action": "receive", "tier": "grid", "note": None},
    {"case_id": 2, "seq": 2, "at": datetime(2024, 6, 20, 17), "action": "register", "tier": "community",
     "note": "联系人身份证33068119900101123X，电话138-1234-5678"},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    rows = clean_rows()
    rows["case_record"], rows["case_event"], rows["alert"] = CASES, EVENTS, []
    url = write_db(tmp_path_factory.mktemp("cases_city") / "city.sqlite", rows)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def tree(engine) -> Tree:
    return Tree.from_frame(queries.fetch_units(engine))


def _sums(engine, unit, child_level=None, **f) -> tuple[dict, dict]:
    cohort = queries.fetch_case_cohort(engine, unit, W, child_level, **f)
    workload = queries.fetch_case_workload(engine, unit, W, child_level, **f)
    return m.totals(cohort, COHORT_COLUMNS), m.totals(workload, ("closed_in", "open", "overdue"))


def test_the_fixture_is_a_valid_city(engine):
    problems = check_database(engine, None)
    assert problems == [], format_problems(problems)


def test_funnel_counts_and_median_stage_times(engine, tree):
    cohort, _ = _sums(engine, tree.root)
    times = queries.fetch_case_stage_times(engine, tree.root, W)
    assert sorted(times["id"]) == [1, 2, 3, 4]  # case 5 was received before the window
    funnel = m.funnel(cohort, m.stage_medians(times)).set_index("stage")
    assert list(funnel["cases"]) == [4, 4, 3, 3, 3, 3, 2]
    # registered-received 1, 8, 1, 2 h; dispatched-registered 1, 19, 1; resolved-dispatched 3, 10, 77;
    # verified and closed 1 h each; visited-closed 23, 18.
    assert funnel["median_hours"].tolist()[1:] == [1.5, 1.0, 10.0, 1.0, 1.0, 20.5]
    assert funnel.loc["visited", "share"] == 0.5


def test_deadline_compliance(engine, tree):
    cohort, workload = _sums(engine, tree.root)
    # review: 1, 3, 4 on time, 2 late; response: 1, 4 on time, 3 late and 2 never dispatched past its 15 h;
    # resolve: 1 and 3 (its own 48 h) on time, 4 late and 2 unresolved past its due time.
    assert m.compliance(cohort) == {"review": 0.75, "response": 0.5, "resolve": 0.5}
    assert (workload["open"], workload["overdue"], workload["closed_in"]) == (1, 1, 4)


def test_follow_up_rates(engine, tree):
    cohort, workload = _sums(engine, tree.root)
    assert m.follow_up(cohort, workload) == {
        "closure_rate": 4 / 5,  # closed in June: 1, 3, 4, 5; open at its end: 2
        "satisfaction": 0.5,  # rated 5 and 2
        "revisit_rate": 2 / 3,  # visited 1 and 3 of the closed 1, 3, 4
        "reopen_rate": 0.25,  # case 3
        "return_rate": 0.25,  # case 4
    }


def test_overdue_trend(engine, tree):
    series = m.overdue_series(queries.fetch_case_overdue_days(engine, tree.root, W), W).set_index("day")["overdue"]
    assert len(series) == 30
    want = pd.Series(0, index=series.index)
    want[datetime(2024, 6, 1)] = 1  # case 5, closed on 2 June
    want[want.index >= datetime(2024, 6, 23)] = 1  # case 2 from its due day on; case 4 closed on its due day
    assert series.tolist() == want.tolist()


def test_the_rollup_gives_the_same_overdue_trend(engine, tmp_path):
    """Up to the data end (case 2's receipt) the rollup's end-of-day snapshots and the facts agree."""
    window = Window(datetime(2024, 5, 22), datetime(2024, 6, 21))
    facts = m.overdue_series(queries.fetch_case_overdue_days(engine, tree_root(engine), window), window)
    assert facts.set_index("day")["overdue"].to_dict() == {
        day: int(datetime(2024, 5, 28) <= day <= datetime(2024, 6, 1)) for day in facts["day"]}  # case 5
    rows = clean_rows()
    rows["case_record"], rows["case_event"], rows["alert"] = CASES, EVENTS, []
    url = write_db(tmp_path / "rolled.sqlite", rows)
    writer = make_engine(url, read_only=False)
    try:
        refresh_rollups(writer)
        rolled = queries.fetch_case_overdue_rollup(writer, tree_root(writer), window)
        street = Tree.from_frame(queries.fetch_units(writer)).unit(STREET)
        by_street = queries.fetch_case_overdue_rollup(writer, street, window)
    finally:
        writer.dispose()
    pd.testing.assert_frame_equal(rolled, facts)
    assert by_street["overdue"].sum() == 5 and len(by_street) == 30


def tree_root(engine):
    return Tree.from_frame(queries.fetch_units(engine)).root


def test_tier_shares_for_the_unit_and_each_child(engine, tree):
    cohort = queries.fetch_case_cohort(engine, tree.root, W, "street")
    shares = m.tier_shares(cohort, CITY, {STREET: "街道", TOWN: "镇"})
    got = {(r.code, r.tier): r.share for r in shares.itertuples() if r.cases}
    assert got == {(CITY, "grid"): 1 / 3, (CITY, "community"): 1 / 3, (CITY, "street"): 1 / 3,
                   (STREET, "grid"): 0.5, (STREET, "community"): 0.5, (TOWN, "street"): 1.0}
    assert list(dict.fromkeys(shares["code"])) == [CITY, STREET, TOWN]  # children by resolved cases, most first
    top_one = m.tier_shares(cohort, CITY, {STREET: "街道", TOWN: "镇"}, top=1)
    assert list(dict.fromkeys(top_one["code"])) == [CITY, STREET]


def test_by_source_and_by_category(engine, tree):
    cohort = queries.fetch_case_cohort(engine, tree.root, W)
    workload = queries.fetch_case_workload(engine, tree.root, W)
    by_source = m.breakdown(cohort, workload, "source", COHORT_COLUMNS).set_index("key")
    assert by_source.loc["patrol"].to_dict() == {
        "received": 2, "closure_rate": 1.0, "on_time_rate": 0.5, "satisfaction": 1.0, "revisit_rate": 0.5,
        "reopen_rate": 0.0, "return_rate": 0.5, "open": 0, "overdue": 0}
    hotline = by_source.loc["hotline"]
    assert (hotline["received"], hotline["closure_rate"], hotline["on_time_rate"], hotline["overdue"]) == (1, 0.0, 0.0, 1)
    assert pd.isna(hotline["satisfaction"]) and pd.isna(hotline["revisit_rate"])  # nothing rated or closed
    assert by_source.loc["app", "reopen_rate"] == 1.0 and by_source.loc["app", "satisfaction"] == 0.0
    cats = queries.fetch_case_categories(engine)
    by_cat = m.breakdown(cohort, workload, "category", COHORT_COLUMNS, m.category_parents(cats)).set_index("key")
    assert by_cat["received"].to_dict() == {"C01": 3, "E01": 1}


def test_a_filter_narrows_every_question(engine, tree):
    cats = queries.fetch_case_categories(engine)
    assert m.category_codes(cats, "C01") == ("C01", "C0101")
    assert m.category_codes(cats, None) is None
    cohort, workload = _sums(engine, tree.root, categories=("E01",))
    assert (cohort["received"], workload["closed_in"], workload["open"]) == (1, 1, 0)
    cohort, workload = _sums(engine, tree.root, source="patrol")
    assert (cohort["received"], workload["closed_in"]) == (2, 3)


def test_children_ranked_by_open_then_overdue(engine, tree):
    workload = queries.fetch_case_workload(engine, tree.root, W, "street")
    ranked = m.rank_children(workload, {STREET: "暨阳街道", TOWN: "店口镇"})
    assert ranked[["code", "open", "overdue"]].values.tolist() == [[STREET, 1, 1], [TOWN, 0, 0]]


def test_case_list_is_overdue_first_with_the_total(engine, tree):
    cases, total = queries.fetch_case_list(engine, tree.root, W)
    assert total == 5 and list(cases["id"]) == [2, 5, 3, 1, 4]  # overdue, then by due time
    assert list(cases["overdue"]) == [True, False, False, False, False]
    cases, total = queries.fetch_case_list(engine, tree.root, W, status="closed", limit=2)
    assert total == 4 and list(cases["id"]) == [5, 3]
    grid = grid_unit(queries.fetch_grid(engine, GA1))
    assert queries.fetch_case_list(engine, grid, W)[1] == 2


def test_timeline_and_masked_text(engine):
    events = queries.fetch_case_events(engine, 2)
    assert list(events["action"]) == ["receive", "register"]
    assert mask_text(events["note"].iloc[1]) == "联系人身份证3306**********123X，电话138****5678"
    assert mask_text(CASES[1]["description"]) == "市民电话138****1234反映，车牌浙F·***12占道"


@pytest.mark.parametrize(("text", "want"), [
    ("13812341234", "138****1234"),
    ("call 138 1234 1234 now", "call 138****1234 now"),
    ("33068119900101123X", "3306**********123X"),
    ("330681199001011234", "3306**********1234"),
    ("浙F12312", "浙F·***12"), ("浙F·A1234", "浙F·***34"), ("浙FD12345", "浙F·****45"),
    ("0575-87654321 和 12345 热线", "0575-87654321 和 12345 热线"),  # a landline and the hotline stay
    ("订单1381234123456", "订单1381234123456"),  # 13 digits: not a phone
    (None, ""), ("", ""),
])
def test_mask_text(text, want):
    assert mask_text(text) == want


def test_a_source_that_carries_part_of_the_loop_is_left_out_of_what_it_does_not_carry():
    """Two patrol cases (full loop: one revisited, one rework) beside three Open311 cases (open/closed only)."""
    zero = dict.fromkeys(COHORT_COLUMNS, 0)
    patrol = {**zero, "source": "patrol", "received": 2, "registered": 2, "dispatched": 2, "resolved": 2,
              "verified": 2, "closed": 2, "visited": 1, "review_on_time": 1, "review_late": 1, "reopened": 1,
              "rated": 1, "satisfied": 1}
    open311 = {**zero, "source": "open311", "received": 3, "closed": 2, "review_late": 3, "response_late": 3,
               "resolve_late": 3}
    cohort = m.cohort_totals(pd.DataFrame([patrol, open311]), COHORT_COLUMNS)
    assert cohort["received"] == 5 and cohort["closed"] == 4 and cohort["received@visited"] == 2
    frame = m.funnel(cohort, {}).set_index("stage")
    assert frame.loc["closed", "share"] == 4 / 5  # Open311 does carry closing
    assert frame.loc["visited", "cases"] == 1 and frame.loc["visited", "share"] == 1 / 2  # of the patrol cases
    assert m.compliance(cohort)["review"] == 0.5  # the Open311 cases are not "late": they cannot register
    rates = m.follow_up(cohort, {"closed_in": 4, "open": 1, "overdue": 0})
    assert rates["revisit_rate"] == 1 / 2 and rates["reopen_rate"] == 1 / 2 and rates["closure_rate"] == 4 / 5
    alone = m.cohort_totals(pd.DataFrame([open311]), COHORT_COLUMNS)
    assert m.reached(alone) == [3, None, None, None, None, 2, None]
    assert m.follow_up(alone, {"closed_in": 2, "open": 1, "overdue": 0})["revisit_rate"] is None
