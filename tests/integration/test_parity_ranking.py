"""Engine parity of the ranking page's monthly figures (#21), and the rollup's answer against the facts'.

The same small demo on PostgreSQL and MariaDB as on SQLite (``server_db``, ``reference`` in
tests/integration/conftest.py): for every sampled unit above the grid and every tier below it, the last
three months of the data must give the same frame, cell for cell and typed alike, read from the facts
and from rollup_month. On SQLite the rollup's frame must be the facts' frame. Numbers a reader can
check by hand: the city's communities add up to the month's cases, and each grid's participants are
the ledger's distinct earners there.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from parity import Diffs, diff_frames
from sqlalchemy import text

from cockpit import queries
from cockpit.core import codes
from cockpit.core.model import Unit
from cockpit.queries import rollup as rollup_reads
from cockpit.store.rollup.monthly import month_bounds

pytestmark = pytest.mark.servers

COMPARED = {"facts": {"fetch_month_figures"}, "rollup": {"fetch_month_figures"}}
FETCHES = {"facts": queries.fetch_month_figures, "rollup": rollup_reads.fetch_month_figures}


def _months_back(end: date, n: int) -> list[date]:
    """The `n` months up to and including the one of `end`, oldest first."""
    index = end.year * 12 + end.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(n - 1, -1, -1)]


def _last_months(reference, n: int = 3) -> list[date]:
    return _months_back(reference.sample.end.date(), n)


def _asks(reference) -> list[tuple[Unit, str]]:
    """Every sampled unit above the grid with every tier below it the tree has (grids under the city too)."""
    levels = set(reference.tree.units["level"]) | {"grid"}
    out = []
    for unit in reference.sample.units:
        if unit.level == "grid":
            continue
        below = codes.LEVELS[codes.LEVELS.index(unit.level) + 1:]
        out += [(unit, tier) for tier in below if tier in levels]
    return out


def test_month_figures_are_equal(server_db, reference):
    months = _last_months(reference)
    diffs = Diffs(server_db)
    for unit, tier in _asks(reference):
        for which, fetch in FETCHES.items():
            want = fetch(reference.engine, unit, tier, months)
            got = fetch(server_db.engine, unit, tier, months)
            diffs.frames(f"{which}.fetch_month_figures {reference.sample.label(unit)} -> {tier}", got, want)
            diffs.values(f"{which} {unit.code} -> {tier} received something", int(want["received"].sum()) > 0, True)
    diffs.check()


def test_rollup_month_figures_equal_the_facts(reference):
    """On SQLite: the rollup read is the fact read, for 3 months, for 13 (the page's trend), and for months
    outside the data (before its first snapshot; after its end, where only due dates fall)."""
    assert rollup_reads.rollup_is_fresh(reference.engine, reference.sample.end)
    end = reference.sample.end.date()
    outside = [date(end.year - 3, 1, 1), _next(date(end.year, end.month, 1))]
    wrong = []
    for months in (_last_months(reference), _last_months(reference, 13), outside):
        for unit, tier in _asks(reference):
            rolled = rollup_reads.fetch_month_figures(reference.engine, unit, tier, months)
            facts = queries.fetch_month_figures(reference.engine, unit, tier, months)
            assert len(facts) > 0 and facts["due" if months is outside else "received"].sum() > 0
            d = diff_frames(rolled, facts, exact=True)
            if d:
                wrong.append(f"{reference.sample.label(unit)} -> {tier}, {len(months)} months: {d}")
    assert not wrong, "\n".join(wrong)


def test_month_figures_by_hand(reference):
    """Hand-checkable numbers on the small demo: every community listed, sums equal to plain counts."""
    engine, city = reference.engine, reference.tree.root
    months = _last_months(reference)
    communities = sorted(reference.sample.communities)
    for fetch in FETCHES.values():
        frame = fetch(engine, city, "community", months)
        assert list(frame.columns[:2]) == ["month", "code"]
        assert all(frame[c].dtype == "int64" for c in frame.columns[2:])
        assert len(frame) == len(months) * len(communities)  # those without cases too
        assert sorted(set(frame["code"])) == communities
        for month in months:
            start, end = (f"{d:%Y-%m-%d} 00:00:00" for d in (month, _next(month)))
            with engine.connect() as conn:
                received = conn.execute(text("SELECT count(*) FROM case_record WHERE received_at >= :s AND received_at < :e"),
                                        {"s": start, "e": end}).scalar_one()
                raised = conn.execute(text("SELECT count(*) FROM alert WHERE raised_at >= :s AND raised_at < :e"),
                                      {"s": start, "e": end}).scalar_one()
            this = frame[frame["month"] == month]
            assert received > 0 and int(this["received"].sum()) == received, month
            assert int(this["alerts_raised"].sum()) == raised, month
            assert (this["review_on_time"] <= this["review_due"]).all() and (this["review_due"] <= this["received"]).all()
            assert (this["resolved_on_time"] <= this["due"]).all() and (this["satisfied"] + this["basic_satisfied"] <= this["rated"]).all()
            assert int(this["population"].sum()) == int(queries.fetch_population(engine, city, _at(_next(month)))["population"])


def test_participants_are_per_grid(reference):
    """A grid's participants are its distinct earners in the month; a community's are its grids' sum."""
    engine = reference.engine
    month = _last_months(reference)[-1]
    with engine.connect() as conn:
        ledger = pd.DataFrame(conn.execute(text(
            "SELECT grid_code, participant_ref FROM points_ledger WHERE entry_type = 'earn' AND at >= :s AND at < :e"),
            {"s": f"{month:%Y-%m-%d} 00:00:00", "e": f"{_next(month):%Y-%m-%d} 00:00:00"}).all(),
            columns=["grid_code", "participant_ref"])
    per_grid = ledger.groupby("grid_code")["participant_ref"].nunique()
    # the community with the most earners, so the sum checked is not 0
    community = reference.tree.unit(per_grid.groupby(per_grid.index.str[:12]).sum().idxmax())
    grids = queries.fetch_month_figures(engine, community, "grid", [month]).set_index("code")["participants"]
    mine = per_grid[per_grid.index.str.startswith(community.code)]
    assert mine.sum() > 0
    assert grids.to_dict() == mine.reindex(grids.index, fill_value=0).to_dict()
    for fetch in FETCHES.values():
        street = reference.tree.unit(community.parent_code)
        row = fetch(engine, street, "community", [month]).set_index("code").loc[community.code]
        assert int(row["participants"]) == int(mine.sum())


def test_the_comparison_sees_a_difference(reference):
    """A frame differing in one count, or read for another month, does not pass (a check that cannot fail proves nothing)."""
    engine, city = reference.engine, reference.tree.root
    a, b = (queries.fetch_month_figures(engine, city, "community", [m]) for m in _last_months(reference, 2))
    assert diff_frames(a, a.copy(), exact=True) is None
    nudged = a.copy()
    nudged.loc[nudged.index[-1], "received"] += 1
    assert diff_frames(nudged, a, exact=True) is not None
    assert diff_frames(b.assign(month=a["month"]), a, exact=True) is not None  # other counts, same keys
    as_floats = a.astype({"received": "float64"})
    assert diff_frames(as_floats, a, exact=True) is not None  # an engine returning floats would be caught


def test_a_tier_not_below_the_unit_is_refused(reference):
    street = next(u for u in reference.sample.units if u.level == "street")
    for fetch in FETCHES.values():
        with pytest.raises(ValueError):
            fetch(reference.engine, street, "district", _last_months(reference))


def _next(month: date) -> date:
    return month_bounds(month)[1]


def _at(day: date):
    return pd.Timestamp(day).to_pydatetime()
