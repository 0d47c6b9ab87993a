"""The demo city's clocks (issue #14): stage times, backlogs and alert acknowledgements like real casework.

Measured as a user would, with pandas on the generated SQLite file, never through the generator's
internals: for the small preset (the session's ``small_demo``) and for a miniature of ``zhuji`` and of
``jiaxing`` (their days, rates per resident and tiers, on three streets). What is pinned:

* every stage of the closed loop and every alert severity takes a spread of times (p10 < p50 < p90,
  p90 at least twice p10), no single value or narrow band holds more than a few percent of the cases,
  and nothing piles up just inside a deadline;
* 处置 follows the category (hours for parking, days for disputes), escalated cases are slower, and
  returned and reopened cases go round the loop again in the event log;
* the open backlog is what arrivals and durations leave (Little's law), open at every stage, and
  overdue is a minority of it (5-25%);
* alerts are acknowledged on clocks scaled to severity, cleared on clocks scaled to type, with a
  small late tail, and active at the end in proportion.

Each of these failed on the generator before issue #14: 处置 took exactly 10 minutes for 92% of the
cases, registration and acknowledgements piled up at 0.98 x their deadline, severity-4 alerts were
acknowledged as fast as severity 1, and 83% of the open cases were overdue.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cockpit.tools.demo.build import run_demo
from cockpit.tools.demo.presets import PRESETS, Preset
from tests.conftest import SMALL_SEED

STAGES = ["received_at", "registered_at", "dispatched_at", "resolved_at", "verified_at", "closed_at", "visited_at"]
OPEN_STAGES = ["received", "registered", "dispatched", "resolved", "verified"]
MINI_POPULATION = 150_000


def miniature(preset: Preset) -> Preset:
    """The preset's days, tiers and rates per resident on the small preset's three streets."""
    small = PRESETS["small"]
    scale = MINI_POPULATION / preset.population
    return dataclasses.replace(
        preset, name=f"{preset.name}-mini", population=MINI_POPULATION,
        cases_per_year=round(preset.cases_per_year * scale), alerts_per_year=round(preset.alerts_per_year * scale),
        grids_urban=small.grids_urban, grids_rural=small.grids_rural, total_grids=None,
        max_streets=small.max_streets, max_communities_per_street=small.max_communities_per_street,
    )


@dataclass(frozen=True)
class City:
    name: str
    end: pd.Timestamp
    cases: pd.DataFrame
    categories: pd.DataFrame
    events: pd.DataFrame
    alerts: pd.DataFrame

    def hours(self, frame: pd.DataFrame, a: str, b: str) -> pd.Series:
        return ((frame[b] - frame[a]).dt.total_seconds() / 3600).dropna()


def read_city(name: str, db_path: Path) -> City:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        end = pd.Timestamp(con.execute("SELECT value FROM meta WHERE key = 'as_of'").fetchone()[0])
        case_times = [*STAGES, "review_due_at", "response_due_at", "due_at"]
        cases = pd.read_sql("SELECT * FROM case_record", con, parse_dates=case_times)
        categories = pd.read_sql("SELECT * FROM case_category", con).set_index("code")
        events = pd.read_sql("SELECT case_id, seq, at, action, tier FROM case_event ORDER BY case_id, seq", con,
                             parse_dates=["at"])
        alerts = pd.read_sql("SELECT * FROM alert", con,
                             parse_dates=["raised_at", "ack_due_at", "acknowledged_at", "resolved_at"])
    finally:
        con.close()
    return City(name, end, cases, categories, events, alerts)


@pytest.fixture(scope="module", params=["small", "zhuji", "jiaxing"])
def city(request, small_demo, tmp_path_factory) -> City:
    if request.param == "small":
        return read_city("small", small_demo.db_path)
    preset = miniature(PRESETS[request.param])
    folder = tmp_path_factory.mktemp(preset.name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(PRESETS, preset.name, preset)
        run_demo(preset.name, SMALL_SEED, f"sqlite:///{folder / 'city.sqlite'}", folder / "geo")
    return read_city(preset.name, folder / "city.sqlite")


# -- what a healthy clock looks like ---------------------------------------------------------

def assert_spread(values: pd.Series, what: str) -> None:
    """A spread of times: quantiles in order and apart, no value or narrow band holding the cases."""
    v = values.to_numpy(dtype=float)
    assert len(v) >= 100, f"{what}: only {len(v)} durations"
    assert (v >= 0).all(), f"{what}: negative durations"
    p10, p50, p90 = np.quantile(v, [0.1, 0.5, 0.9])
    assert 0 < p10 < p50 < p90, f"{what}: p10/p50/p90 = {p10:.3g}/{p50:.3g}/{p90:.3g}"
    assert p90 >= 2 * p10, f"{what}: p90 {p90:.3g} is not twice p10 {p10:.3g}: a constant with noise"
    top = pd.Series(v).value_counts().iloc[0]
    assert top <= max(3, 0.03 * len(v)), f"{what}: one value holds {top} of {len(v)}"
    # A pile-up a little inside a deadline, or a constant with jitter, fills one narrow band of log-time.
    # A smooth log-normal (sigma >= 0.6) puts at most ~3.3% in such a band; allow 6% plus sampling noise.
    band = pd.Series(np.floor(np.log(np.maximum(v, 1 / 3600)) / 0.05)).value_counts().iloc[0]
    limit = 0.06 * len(v) + 3 * np.sqrt(0.06 * len(v))
    assert band <= limit, f"{what}: {band} of {len(v)} within 5% of each other"


def assert_no_cliff(elapsed_h: pd.Series, deadline_h: pd.Series, what: str) -> None:
    """About as many cases just past the deadline as just inside it (a clamp leaves none past).

    The bands are a quarter of the deadline wide on either side in log-time; a smooth clock has the
    same density on both, give or take its slope and the sampling noise.
    """
    r = (elapsed_h / deadline_h.reindex(elapsed_h.index)).dropna()
    inside = int(((r >= 0.8) & (r < 1.0)).sum())
    past = int(((r >= 1.0) & (r < 1.25)).sum())
    limit = 2 * past + 3 * np.sqrt(inside + past) + 5
    assert inside <= limit, f"{what}: {inside} cases in the band just inside the deadline, {past} just past it"
    late = (r > 1).mean()
    assert late < 0.1, f"{what}: {late:.1%} late"


def snapshots(end: pd.Timestamp) -> list[pd.Timestamp]:
    """Every three hours of every third day from 150 to 30 days before the end (all known by then).

    Round the clock, because Little's law holds on the time average: at 10:00 more is open than at 04:00.
    """
    return [end.normalize() - pd.Timedelta(days=d) + pd.Timedelta(hours=h) for d in range(30, 150, 3) for h in range(1, 24, 3)]


def mean_time_to_close_h(c: pd.DataFrame, end: pd.Timestamp) -> float:
    """Over cases received 300 to 120 days before the end; one still open counts until the end."""
    old = c[(c["received_at"] > end - pd.Timedelta(days=300)) & (c["received_at"] < end - pd.Timedelta(days=120))]
    return float(((old["closed_at"].fillna(end) - old["received_at"]).dt.total_seconds() / 3600).mean())


def arrivals_per_hour(stamps: pd.Series, since: pd.Timestamp, until: pd.Timestamp) -> float:
    return float(((stamps > since) & (stamps <= until)).sum() / ((until - since).total_seconds() / 3600))


# -- case stages -----------------------------------------------------------------------------

def test_every_case_stage_has_a_spread_of_times(city):
    c = city.cases
    for a, b in zip(STAGES, STAGES[1:]):
        assert_spread(city.hours(c, a, b), f"{city.name} {a} -> {b}")


def test_registration_dispatch_and_resolution_meet_their_deadlines_with_a_late_tail(city):
    c = city.cases
    since = lambda col: city.hours(c, "received_at", col)  # noqa: E731
    for done, due in (("registered_at", "review_due_at"), ("dispatched_at", "response_due_at"), ("resolved_at", "due_at")):
        elapsed, deadline = since(done), since(due)
        assert_no_cliff(elapsed, deadline, f"{city.name} {done} against {due}")
        late = (elapsed > deadline.reindex(elapsed.index)).mean()
        assert 0.005 <= late <= 0.08, f"{city.name} {done}: {late:.2%} past {due}"


def test_handling_time_follows_the_category(city):
    c = city.cases
    work = pd.DataFrame({"h": city.hours(c, "dispatched_at", "resolved_at"), "cat": c["category_code"]}).dropna()
    by_cat = work.groupby("cat")["h"].agg(["median", "size"])
    by_cat = by_cat[by_cat["size"] >= 30].join(city.categories["resolve_hours"])
    assert len(by_cat) >= 15
    # Longer deadlines, longer work: the ranks agree closely.
    assert by_cat["median"].rank().corr(by_cat["resolve_hours"].rank()) >= 0.85, by_cat
    assert by_cat.loc["C0202", "median"] < 3, "illegal parking should be dealt with in hours"
    assert by_cat.loc["B0101", "median"] < 6, "a broken manhole cover should be made safe in hours"
    assert by_cat.loc["C0301", "median"] > 24, "a neighbour dispute takes days"
    assert by_cat.loc["B0401", "median"] > 24, "illegal construction takes days"
    for code, rows in work.groupby("cat"):
        if len(rows) >= 100:
            assert_spread(rows["h"], f"{city.name} handling of {code}")


def test_escalated_cases_are_slower_than_those_solved_in_the_grid(city):
    c = city.cases
    work = pd.DataFrame({"h": city.hours(c, "dispatched_at", "resolved_at"), "tier": c["resolved_tier"]}).dropna()
    grid = work.loc[work["tier"] == "grid", "h"].median()
    community = work.loc[work["tier"] == "community", "h"].median()
    escalated = work.loc[work["tier"].isin(["street", "district", "city"]), "h"]
    assert len(escalated) >= 50
    assert grid < community < escalated.median(), (grid, community, escalated.median())
    assert escalated.median() >= 1.4 * grid
    # Escalation is in the log: one escalate step per tier above the community.
    ev = city.events[city.events["action"] == "escalate"]
    has_district = city.name.startswith("jiaxing")
    steps = {"grid": 0, "community": 0, "street": 1, "district": 2, "city": 3 if has_district else 2}
    expected = c.set_index("id")["resolved_tier"].dropna().map(steps)
    got = ev.groupby("case_id").size().reindex(expected.index, fill_value=0)
    assert (got == expected).all(), "escalate events do not climb the tiers"
    solved = c.set_index("id")["resolved_tier"].dropna()
    last = ev.groupby("case_id")["tier"].last()
    assert (last.reindex(solved.index).dropna() == solved.reindex(last.index).dropna()).all()


def test_returned_and_reopened_cases_go_round_the_loop_again(city):
    c, ev = city.cases.set_index("id"), city.events
    count = ev.pivot_table(index="case_id", columns="action", values="seq", aggfunc="size", fill_value=0)
    count = count.reindex(c.index, fill_value=0)
    returned, reopened = c["return_count"] > 0, c["reopen_count"] > 0
    assert 0.01 <= returned.mean() <= 0.06 and 0.001 <= reopened.mean() <= 0.02, (returned.mean(), reopened.mean())
    assert (count["return"] == c["return_count"]).all() and (count["reopen"] == c["reopen_count"]).all()
    # Each return is followed by another dispatch, each reopen by another round of work once it is done.
    once = c["dispatched_at"].notna() & ~reopened
    assert (count.loc[once, "dispatch"] == 1 + c.loc[once, "return_count"]).all()
    assert returned.sum() >= 20 and (count.loc[returned & c["resolved_at"].notna(), "dispatch"] >= 2).all()
    redone = reopened & c["resolved_at"].notna()
    assert redone.sum() >= 3
    assert (count.loc[redone, "resolve"] == 2).all()
    assert (count.loc[redone, "dispatch"] == 2 + c.loc[redone, "return_count"]).all()
    assert (count.loc[redone, "close"] == 1 + c.loc[redone, "closed_at"].notna()).all()
    # Straight after the reopen the case is dispatched again, and the return or reopen costs time.
    order = ev[ev["case_id"].isin(c.index[redone])]
    nxt = order.groupby("case_id")["action"].apply(lambda s: s.iloc[list(s).index("reopen") + 1])
    assert (nxt == "dispatch").all()
    work = city.hours(c.reset_index(), "dispatched_at", "resolved_at").set_axis(c.index[c["resolved_at"].notna()])
    plain = ~returned & ~reopened
    assert work[returned & ~reopened].median() > 1.2 * work[plain].median()
    assert work[reopened].median() > 3 * work[plain].median()


# -- the backlog -----------------------------------------------------------------------------

def _stage_at(c: pd.DataFrame, t: pd.Timestamp) -> pd.Series:
    """The stage each case open at `t` stands at then."""
    open_ = c[(c["received_at"] <= t) & ~(c["closed_at"] <= t)]
    reached = np.column_stack([(open_[s] <= t).to_numpy() for s in STAGES[:5]])
    return pd.Series(np.array(OPEN_STAGES)[reached.sum(axis=1) - 1], index=open_.index)


def test_the_backlog_follows_from_arrivals_and_durations(city):
    c, end = city.cases, city.end
    lam = arrivals_per_hour(c["received_at"], end - pd.Timedelta(days=30), end)
    expected = lam * mean_time_to_close_h(c, end)
    open_now = c[c["closed_at"].isna()]
    assert expected >= 10
    assert 0.5 * expected <= len(open_now) <= 1.6 * expected, (len(open_now), expected)
    overdue_now = (open_now["due_at"] < end).sum()
    assert overdue_now <= 0.4 * len(open_now), f"{overdue_now} of {len(open_now)} open cases overdue at the end"
    assert open_now["status"].nunique() >= 3, open_now["status"].value_counts()

    # Averaged over many moments the backlog is Little's law, with every stage in progress.
    stages = [_stage_at(c, t) for t in snapshots(end)]
    mean_open = np.mean([len(s) for s in stages])
    lam_then = arrivals_per_hour(c["received_at"], end - pd.Timedelta(days=153), end - pd.Timedelta(days=27))
    assert 0.75 <= mean_open / (lam_then * mean_time_to_close_h(c, end)) <= 1.3
    per_stage = pd.concat(stages).value_counts() / len(stages)
    for stage in OPEN_STAGES:
        assert per_stage.get(stage, 0) >= 0.3, f"{city.name}: {stage} holds {per_stage.get(stage, 0):.2f} cases on average"


def test_overdue_is_a_minority_of_the_open_cases(city):
    c = city.cases
    rows = []
    for t in snapshots(city.end):
        open_ = c[(c["received_at"] <= t) & ~(c["closed_at"] <= t)]
        rows.append(pd.DataFrame({"cat": open_["category_code"], "overdue": open_["due_at"] < t}))
    snap = pd.concat(rows)
    share = snap["overdue"].mean()
    assert 0.05 <= share <= 0.25, f"{city.name}: {share:.1%} of the open cases overdue"
    by_cat = snap.groupby("cat")["overdue"].agg(["mean", "size"])
    # Per category the overdue share rests on a handful of stuck cases in a city this small, so only
    # "a minority everywhere, and not the same everywhere" is pinned; the full presets report 5-25%.
    by_cat = by_cat[by_cat["size"] >= 800]["mean"]  # 2.5 open cases of the category at a time, or more
    if city.name != "small":  # the small city has too few open cases per category to tell them apart
        assert len(by_cat) >= 4, by_cat
        assert (by_cat <= 0.4).all(), by_cat
        assert by_cat.max() - by_cat.min() >= 0.04, "every category equally overdue"


# -- alerts ----------------------------------------------------------------------------------

def test_alerts_are_acknowledged_on_clocks_scaled_to_severity(city):
    a = city.alerts
    ack_min = (a["acknowledged_at"] - a["raised_at"]).dt.total_seconds() / 60
    deadline_min = (a["ack_due_at"] - a["raised_at"]).dt.total_seconds() / 60
    medians = {}
    for sev in (1, 2, 3, 4):
        rows = a["severity"] == sev
        got = ack_min[rows].dropna()
        assert_spread(got, f"{city.name} severity {sev} acknowledgement")
        assert_no_cliff(got, deadline_min[rows], f"{city.name} severity {sev} acknowledgement")
        late = (got > deadline_min[rows].reindex(got.index)).mean()
        assert late <= 0.06, f"severity {sev}: {late:.1%} late"
        if len(got) >= 1000:
            assert late >= 0.002, f"severity {sev}: no late tail"
        medians[sev] = got.median()
    assert medians[1] < medians[2] < medians[3] < medians[4], medians
    assert medians[4] >= 5 * medians[1], medians


def test_alerts_are_cleared_on_clocks_scaled_to_their_type(city):
    a = city.alerts.dropna(subset=["resolved_at"])
    total_min = (a["resolved_at"] - a["raised_at"]).dt.total_seconds() / 60
    clear_min = (a["resolved_at"] - a["acknowledged_at"]).dt.total_seconds() / 60
    for kind in a["type"].unique():
        assert_spread(clear_min[a["type"] == kind], f"{city.name} {kind} clearing")
    p50 = total_min.groupby(a["type"]).median()
    assert p50["gas"] < 30, "a gas alarm is dealt with in minutes"
    assert p50["parking"] < 60, "a blocking car is moved within the hour"
    assert 60 <= p50["elderly_alone"] <= 8 * 60, "an elderly person living alone is checked on within hours"


def test_active_alerts_follow_from_arrivals_and_durations(city):
    a, end = city.alerts, city.end
    old = a[(a["raised_at"] > end - pd.Timedelta(days=300)) & (a["raised_at"] < end - pd.Timedelta(days=120))]
    mean_h = float(((old["resolved_at"].fillna(end) - old["raised_at"]).dt.total_seconds() / 3600).mean())
    lam = arrivals_per_hour(a["raised_at"], end - pd.Timedelta(days=153), end - pd.Timedelta(days=27))
    active = [((a["raised_at"] <= t) & ~(a["resolved_at"] <= t)).sum() for t in snapshots(end)]
    assert 0.6 <= np.mean(active) / (lam * mean_h) <= 1.5, (np.mean(active), lam * mean_h)
    now = a[a["resolved_at"].isna()]
    assert len(now) <= 4 * lam * mean_h + 5
    assert (now["status"] == np.where(now["acknowledged_at"].isna(), "active", "acknowledged")).all()
