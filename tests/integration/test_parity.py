"""Engine parity: the same demo city on SQLite, PostgreSQL and MariaDB/MySQL gives the same cockpit.

The small demo (same preset and seed as the session's SQLite ``small_demo``) is loaded into each
server (the load also refreshes the rollup tables); every public ``fetch_*`` of the cockpit.queries
theme modules and its rollup-backed twins in cockpit.queries.rollup are then asked the same questions on both the server and SQLite — for a fixed sample of units at every tier and the 7-, 30- and 365-day periods
(each with its previous period and the same period a year earlier) — and the answers must be
equal: exactly for counts, to ``rel=1e-9`` for floats. Finally the overview page itself is run
through Streamlit's AppTest against each server and its KPI cards and map spec must be the
SQLite run's, byte for byte.

The sample (see ``Sample``): the city, every street, the first and the last community, and three
grids — the first, the last and the highest-serial one. The last community (…209) and the
highest-serial grid (…009) end in a 9, where the code range's upper bound has to carry.

Needs COCKPIT_TEST_PG_URL / COCKPIT_TEST_MYSQL_URL (scratch databases); skips without them.
Self-contained: the ``server_db`` fixture (tests/integration/conftest.py) loads at module start and
drops every contract and rollup table at module end, assuming nothing left by another module.
"""

from __future__ import annotations

import importlib
import inspect as pyinspect
import json
import pkgutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from parity import Diffs, Reference, compare_per_unit_window, plain, window_label
from servers import writer as _writer
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import DBAPIError
from streamlit.testing.v1 import AppTest

from cockpit import queries
from cockpit.core.model import Unit, Window
from cockpit.domain.hierarchy import child_level
from cockpit.domain.metrics import compute_theme_values
from cockpit.queries import rollup as rollup_reads
from cockpit.store import schema
from cockpit.store.engine import make_engine
from cockpit.store.rollup.refresh import refresh_rollups
from cockpit.store.rollup.tables import rollup_metadata
from tests.conftest import strip_cockpit_settings

pytestmark = pytest.mark.servers

REPO = Path(__file__).resolve().parents[2]
APP_PATH = REPO / "app.py"
APP_TIMEOUT = 60
# Every public fetch_* this module compares: of the fact queries (every theme module of
# cockpit.queries) and of the rollup reads. test_every_fetch_is_compared fails when a module grows
# one that is not listed here, so new SQL cannot skip the parity check.
FACT_MODULES = [importlib.import_module(f"{queries.__name__}.{m.name}") for m in pkgutil.iter_modules(queries.__path__)
                if m.name != "rollup"]
COMPARED = {
    "facts": {
        "fetch_meta", "fetch_has_units", "fetch_units", "fetch_grids", "fetch_grid", "fetch_grid_codes", "fetch_data_end",
        "fetch_data_start", "fetch_population",
        "fetch_case_stats", "fetch_alert_stats", "fetch_points_stats", "fetch_child_metrics",
        "fetch_child_population", "fetch_daily", "fetch_active_alerts", "fetch_venues", "fetch_tier_breakdown",
    },
    "rollup": {
        "fetch_case_stats", "fetch_alert_stats", "fetch_points_stats", "fetch_window_stats", "fetch_child_metrics",
        "fetch_daily",
        "fetch_tier_breakdown",
    },
}


# -- the reference, the sample and Diffs: tests/integration/parity.py --------------------------

# -- dimensions and dataset facts ----------------------------------------------------------------

def _public_fetches(module) -> set[str]:
    return {name for name, obj in vars(module).items()
            if name.startswith("fetch_") and pyinspect.isfunction(obj) and obj.__module__ == module.__name__}


def _all_compared(which: str) -> set[str]:
    """The fetch_* compared here and in every theme's test_parity_<theme>.py (each declares a COMPARED)."""
    names = set(COMPARED[which])
    for path in sorted(Path(__file__).parent.glob("test_parity_*.py")):
        module = importlib.import_module(path.stem)
        names |= set(getattr(module, "COMPARED", {}).get(which, set()))
    return names


@pytest.mark.parametrize("which", list(COMPARED))
def test_every_fetch_is_compared(which):
    modules = FACT_MODULES if which == "facts" else [rollup_reads]
    assert rollup_reads not in FACT_MODULES and len(FACT_MODULES) >= 6, [m.__name__ for m in FACT_MODULES]
    public = set().union(*(_public_fetches(m) for m in modules))
    assert public, f"no fetch_* found in {[m.__name__ for m in modules]}: the search itself is broken"
    compared = _all_compared(which)
    assert public - compared == set(), f"new public fetch_* ({which}) without a parity check in a test_parity*.py"
    assert compared - public == set(), f"a COMPARED names a fetch_* ({which}) that no module has any more"
    if which == "facts":  # what callers import: the package re-exports every fact query
        assert set(queries.__all__) == public


def test_sample_covers_every_tier(reference):
    levels = [u.level for u in reference.sample.units]
    assert levels.count("city") == 1 and levels.count("community") == 2 and levels.count("grid") == 3
    assert levels.count("street") == (reference.tree.units["level"] == "street").sum() >= 3
    # the sample's codes whose range bound must carry past a 9
    assert any(u.code.endswith("9") and u.level == "community" for u in reference.sample.units)
    assert any(u.code.endswith("9") and u.level == "grid" for u in reference.sample.units)


def test_data_end_is_equal(server_db, reference):
    got, want = queries.fetch_data_end(server_db.engine), queries.fetch_data_end(reference.engine)
    assert isinstance(got, datetime) and isinstance(want, datetime)
    assert got == want == reference.sample.end


def test_data_start_is_equal(server_db, reference):
    got, want = queries.fetch_data_start(server_db.engine), queries.fetch_data_start(reference.engine)
    assert isinstance(got, datetime) and got == want < reference.sample.end


def test_meta_is_equal(server_db, reference):
    assert queries.fetch_meta(server_db.engine) == queries.fetch_meta(reference.engine)
    assert queries.fetch_has_units(server_db.engine) is queries.fetch_has_units(reference.engine) is True


def test_units_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    diffs.frames("fetch_units", queries.fetch_units(server_db.engine), queries.fetch_units(reference.engine), exact=False)
    diffs.check()


def test_grids_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for community in reference.sample.communities:
        diffs.frames(f"fetch_grids {community}", queries.fetch_grids(server_db.engine, community),
                     queries.fetch_grids(reference.engine, community), exact=False)
    for unit in reference.sample.units:
        if unit.level == "grid":
            diffs.dicts(f"fetch_grid {unit.code}", queries.fetch_grid(server_db.engine, unit.code),
                        queries.fetch_grid(reference.engine, unit.code))
    diffs.values("fetch_grid unknown", queries.fetch_grid(server_db.engine, "330681999999999"), None)
    want_codes = queries.fetch_grid_codes(reference.engine)
    diffs.values("fetch_grid_codes has every grid", len(want_codes) > 50, True)
    diffs.values("fetch_grid_codes", queries.fetch_grid_codes(server_db.engine), want_codes)
    diffs.check()


# -- KPIs ----------------------------------------------------------------------------------------

def test_population_is_equal(server_db, reference):
    compare_per_unit_window(server_db, reference, lambda e, u, w: queries.fetch_population(e, u, w.end))


def test_case_stats_are_equal(server_db, reference):
    compare_per_unit_window(server_db, reference, queries.fetch_case_stats)


def test_alert_stats_are_equal(server_db, reference):
    compare_per_unit_window(server_db, reference, queries.fetch_alert_stats)


def test_points_stats_are_equal(server_db, reference):
    compare_per_unit_window(server_db, reference, queries.fetch_points_stats)


def _theme_values(engine: Engine, unit: Unit, w: Window) -> dict:
    return compute_theme_values(queries.fetch_population(engine, unit, w.end), queries.fetch_case_stats(engine, unit, w),
                                queries.fetch_alert_stats(engine, unit, w), queries.fetch_points_stats(engine, unit, w))


def test_every_kpi_value_is_equal(server_db, reference):
    """The numbers on the cards (rates and ratios included) for every sampled unit and window."""
    compare_per_unit_window(server_db, reference, _theme_values)


# -- breakdowns, series and map metrics ----------------------------------------------------------

def test_child_metrics_are_equal(server_db, reference):
    """The choropleth's per-child figures; a grid is coloured from its community's frame, so that is included."""
    diffs = Diffs(server_db)
    for unit in reference.sample.units:
        level = child_level(reference.tree, unit)
        if level is None:
            continue
        for w in reference.sample.current:
            got = queries.fetch_child_metrics(server_db.engine, unit, level, w)
            want = queries.fetch_child_metrics(reference.engine, unit, level, w)
            # GROUP BY returns groups in no promised order (PostgreSQL hashes): the app reindexes by
            # boundary codes, so compare in code order.
            diffs.frames(f"fetch_child_metrics {reference.sample.label(unit)} -> {level} {window_label(w)}",
                         got.sort_index(), want.sort_index())
            diffs.values(f"fetch_child_metrics {unit.code} has rows", len(want) > 0, True)
    diffs.check()


def test_child_population_is_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in reference.sample.units:
        level = child_level(reference.tree, unit)
        if level is None:
            continue
        for end in sorted({w.end for w in reference.sample.windows}):
            got = queries.fetch_child_population(server_db.engine, unit, level, end)
            want = queries.fetch_child_population(reference.engine, unit, level, end)
            diffs.frames(f"fetch_child_population {reference.sample.label(unit)} -> {level} at {end:%Y-%m-%d}",
                         got.sort_index().to_frame(), want.sort_index().to_frame())
    diffs.check()


def test_daily_series_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in reference.sample.units:
        for w in reference.sample.current:
            diffs.frames(f"fetch_daily {reference.sample.label(unit)} {window_label(w)}",
                         queries.fetch_daily(server_db.engine, unit, w), queries.fetch_daily(reference.engine, unit, w))
    diffs.check()


def _tiers(engine: Engine, unit: Unit, w: Window) -> pd.DataFrame:
    frame = queries.fetch_tier_breakdown(engine, unit, w)
    frame["cases"] = frame["cases"].map(plain)
    return frame.sort_values("tier", key=lambda s: s.astype(str)).reset_index(drop=True)


def test_tier_breakdown_is_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in reference.sample.units:
        for w in reference.sample.current:
            diffs.frames(f"fetch_tier_breakdown {reference.sample.label(unit)} {window_label(w)}",
                         _tiers(server_db.engine, unit, w), _tiers(reference.engine, unit, w))
    diffs.check()


def test_active_alerts_are_equal(server_db, reference):
    """The alert layer: the same alerts, in the same order (severity, newest first), with the same fields."""
    ends = sorted({w.end for w in reference.sample.windows})
    diffs = Diffs(server_db)
    compared = 0
    for unit in reference.sample.units:
        for end in ends:
            got = queries.fetch_active_alerts(server_db.engine, unit, end)
            want = queries.fetch_active_alerts(reference.engine, unit, end)
            where = f"fetch_active_alerts {reference.sample.label(unit)} at {end:%Y-%m-%d}"
            diffs.values(f"{where} ids", [int(i) for i in got["id"]], [int(i) for i in want["id"]])
            diffs.frames(where, got, want, exact=False)
            compared += len(want)
    diffs.check()
    assert compared > 0, "no active alert anywhere in the sample: only empty frames were compared"


def test_venues_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    assert len(queries.fetch_venues(reference.engine, reference.tree.root)) > 0, "no venue in the city: nothing compared"
    for unit in reference.sample.units:
        got, want = queries.fetch_venues(server_db.engine, unit), queries.fetch_venues(reference.engine, unit)
        diffs.values(f"fetch_venues {reference.sample.label(unit)} ids", [int(i) for i in got["id"]],
                     [int(i) for i in want["id"]])
        diffs.frames(f"fetch_venues {reference.sample.label(unit)}", got, want, exact=False)
    diffs.check()


# -- rollups: built by SQL on each engine, read by SQL on each engine ------------------------------

def _rolled_units(reference: Reference) -> list[Unit]:
    """The units the app answers from rollups: every one above the grid."""
    return [u for u in reference.sample.units if u.level != "grid"]


def test_rollups_are_fresh_on_both(server_db, reference):
    """The demo load refreshes rollups, so the app (and the AppTest runs below) read them on every engine."""
    assert rollup_reads.rollup_is_fresh(reference.engine, reference.sample.end)
    assert rollup_reads.rollup_is_fresh(server_db.engine, queries.fetch_data_end(server_db.engine))


def _rollup_table(engine: Engine, table) -> pd.DataFrame:
    pk = [c for c in table.columns if c.primary_key]
    with engine.connect() as conn:
        rows = [[plain(v) for v in row] for row in conn.execute(select(table).order_by(*pk))]
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


@pytest.mark.parametrize("table", rollup_metadata.sorted_tables, ids=lambda t: t.name)
def test_rollup_tables_are_equal(server_db, reference, table):
    """`refresh_rollups` aggregates in each engine's SQL (date(), substr, CASE): the rows it stores must agree."""
    want = _rollup_table(reference.engine, table)
    assert len(want) > 0
    diffs = Diffs(server_db)
    diffs.frames(table.name, _rollup_table(server_db.engine, table), want)
    diffs.check()


def _window_stats_flat(engine, unit, w) -> dict:
    """rollup_reads.fetch_window_stats (the app's one-read path) as one flat dict."""
    cases, alerts, points = rollup_reads.fetch_window_stats(engine, unit, w)
    parts = {"cases": cases, "alerts": alerts, "points": points or {}}
    return {f"{name}.{k}": v for name, part in parts.items() for k, v in part.items()}


_window_stats_flat.__name__ = "fetch_window_stats"


def test_rollup_stats_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in _rolled_units(reference):
        for w in reference.sample.windows:
            where = f"{reference.sample.label(unit)} {window_label(w)}"
            for fetch in (rollup_reads.fetch_case_stats, rollup_reads.fetch_alert_stats, rollup_reads.fetch_points_stats,
                          _window_stats_flat):
                want = fetch(reference.engine, unit, w)
                assert want is not None, f"rollup.{fetch.__name__} has no answer for the standard window {where}"
                diffs.dicts(f"rollup.{fetch.__name__} {where}", fetch(server_db.engine, unit, w), want)
    diffs.check()


def test_rollup_breakdowns_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in _rolled_units(reference):
        level = child_level(reference.tree, unit)
        for w in reference.sample.current:
            where = f"{reference.sample.label(unit)} {window_label(w)}"
            frames = {}
            for name, engine in (("server", server_db.engine), ("sqlite", reference.engine)):
                population = queries.fetch_child_population(engine, unit, level, w.end)
                frames[name] = (
                    rollup_reads.fetch_child_metrics(engine, unit, level, w, population).sort_index(),
                    rollup_reads.fetch_daily(engine, unit, w),
                    rollup_reads.fetch_tier_breakdown(engine, unit, w).sort_values("tier").reset_index(drop=True),
                )
            for label, got, want in zip(("fetch_child_metrics", "fetch_daily", "fetch_tier_breakdown"),
                                        frames["server"], frames["sqlite"]):
                diffs.frames(f"rollup.{label} {where}", got, want)
    diffs.check()


# `refresh_rollups` drops, re-creates and refills the rollup tables "in one transaction (readers see the
# old or the new, never half)". That holds where DDL is transactional (SQLite, PostgreSQL: a reader waits
# on the table lock). MySQL/MariaDB commit each DROP/CREATE at once, so a reader between them sees no
# table (an error page) or an empty one while meta still says the rollups are fresh (zeros, cached for
# the TTL). The app and a scheduler refreshing every few minutes meet exactly there.
LOCK_WAIT_S = 0.3


@pytest.mark.parametrize("server_db", [
    "postgresql",
    "mysql",
], indirect=True)
def test_rollup_refresh_is_atomic_for_readers(server_db, reference):
    """Before every statement the refresh sends, a reader asks for the city's KPIs: old answer, new, or a wait."""
    city, w = reference.tree.root, reference.sample.current[1]
    want = {"cases": rollup_reads.fetch_case_stats(server_db.engine, city, w), "alerts": rollup_reads.fetch_alert_stats(server_db.engine, city, w)}
    end = queries.fetch_data_end(server_db.engine)
    reader = make_engine(server_db.url)  # the app's read-only engine, told not to wait forever on a lock

    @event.listens_for(reader, "connect")
    def _short_lock_waits(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        if server_db.name == "postgresql":
            cur.execute(f"SET lock_timeout = '{int(LOCK_WAIT_S * 1000)}ms'")
        else:
            cur.execute("SET SESSION lock_wait_timeout = 1, innodb_lock_wait_timeout = 1")
        cur.close()
        dbapi_conn.commit()  # a SET inside PostgreSQL's implicit transaction would be rolled back with it

    seen: list[str] = []
    wrong: list[str] = []

    def probe(_conn, _cursor, statement, *_args) -> None:
        step = " ".join(statement.split())[:60]
        try:
            if not rollup_reads.rollup_is_fresh(reader, end):
                seen.append("stale")
                return
            got = {"cases": rollup_reads.fetch_case_stats(reader, city, w), "alerts": rollup_reads.fetch_alert_stats(reader, city, w)}
        except DBAPIError as exc:
            message = str(exc.orig).lower()
            if "lock" in message and ("timeout" in message or "timed out" in message):
                seen.append("waited")  # a reader kept out until the refresh commits: fine
                return
            wrong.append(f"before {step!r}: {exc.orig}")
            return
        seen.append("answered")
        if got != want:
            wrong.append(f"before {step!r}: city open {got['cases']['open']} (want {want['cases']['open']}), "
                         f"received {got['cases']['received']} (want {want['cases']['received']})")

    writer = _writer(server_db.url)
    event.listen(writer, "before_cursor_execute", probe)
    try:
        refresh_rollups(writer)
    finally:
        event.remove(writer, "before_cursor_execute", probe)
        writer.dispose()
        reader.dispose()
    assert "answered" in seen, seen
    assert rollup_reads.rollup_is_fresh(server_db.engine, end)
    assert rollup_reads.fetch_case_stats(server_db.engine, city, w) == want["cases"], "the refresh changed the answer"
    assert not wrong, f"{len(wrong)} of {len(seen) + len(wrong)} reads during the refresh were wrong:\n" + "\n".join(wrong[:10])


def test_server_engine_is_the_apps_read_only_engine(server_db):
    """The parity answers above came through make_engine's read-only sessions, as the app's do."""
    with server_db.engine.connect() as conn:
        if server_db.name == "postgresql":
            assert conn.execute(text("SHOW default_transaction_read_only")).scalar_one() == "on"
        else:
            # tx_read_only on MariaDB and MySQL 5.7, transaction_read_only on MySQL 8 and MariaDB 11.1+
            rows = conn.execute(text("SHOW SESSION VARIABLES WHERE Variable_name IN "
                                     "('tx_read_only', 'transaction_read_only')")).all()
            assert rows and all(value.upper() in ("ON", "1") for _, value in rows), rows
        assert conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "label")).scalar_one() == "demo"


# -- the overview page through AppTest -----------------------------------------------------------

@dataclass(frozen=True)
class Page:
    kpi_html: str
    header_html: str
    deck: dict
    seconds: float


def _run_overview(db_url: str, geo_dir: Path, unit_code: str) -> Page:
    with pytest.MonkeyPatch.context() as mp:
        strip_cockpit_settings(mp)  # every COCKPIT_* of the shell, by prefix
        mp.setenv("COCKPIT_DB_URL", db_url)
        mp.setenv("COCKPIT_GEO_DIR", str(geo_dir))
        t0 = time.perf_counter()
        at = AppTest.from_file(str(APP_PATH), default_timeout=APP_TIMEOUT)
        at.query_params["unit"] = unit_code
        at.run()
        seconds = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    bodies = [h.proto.body for h in at.get("html")]
    assert not [b for b in bodies if 'class="ck-notice"' in b], "the page showed a store notice, not fresh figures"
    cards = [b for b in bodies if 'class="cards"' in b]
    header = [b for b in bodies if 'class="ck-title"' in b]
    decks = at.get("deck_gl_json_chart")
    assert len(cards) == 1 and len(header) == 1 and len(decks) == 1, (len(cards), len(header), len(decks))
    assert unit_code in header[0], "the page did not open the unit it was linked to"
    return Page(cards[0], header[0], json.loads(decks[0].proto.json), seconds)


def _app_units(reference: Reference) -> dict[str, str]:
    grids = [u for u in reference.sample.units if u.level == "grid"]
    return {"city": reference.tree.root.code, "grid": grids[-1].code}


@pytest.fixture(scope="module")
def sqlite_pages(small_demo, reference) -> dict[str, Page]:
    pages = {name: _run_overview(small_demo.db_url, small_demo.geo_dir, code)
             for name, code in _app_units(reference).items()}
    return pages


@pytest.mark.parametrize("which", ["city", "grid"])
def test_overview_page_is_equal(server_db, reference, small_demo, sqlite_pages, which):
    code = _app_units(reference)[which]
    got = _run_overview(server_db.url, small_demo.geo_dir, code)
    want = sqlite_pages[which]
    assert 'data-key="open"' in want.kpi_html
    assert got.kpi_html == want.kpi_html
    assert got.header_html == want.header_html
    assert got.deck == want.deck, "the map spec (fills, values, alert points) differs"


# -- the code range under a linguistic collation (a regression test) -----------------------------

# The upper bound of a unit's code range is the next prefix of the same length, by a numeric carry
# (cockpit.core.codes._increment: '330681109' -> '330681110'). An earlier bound put ':' (U+003A)
# after a final 9, which is above every code with the prefix only under a code-point collation
# (PostgreSQL "C"/C.UTF-8, MariaDB utf8mb4_general_ci/_bin: this machine's servers, so the parity
# tests above could not see it). Under a linguistic collation punctuation sorts *before* digits —
# PostgreSQL ICU collations (und/zh/en), MariaDB utf8mb4_unicode_ci/_520_ci, MySQL 8's default
# utf8mb4_0900_ai_ci — and every unit whose prefix ends in 9 selected nothing. These tests run the
# units whose prefix ends in 9 under such a collation.
ICU_COLLATION = "und-x-icu"
MYSQL_UCA_COLLATION = "utf8mb4_unicode_ci"
FACT_TABLES = ("population_stat", "case_record", "alert", "points_ledger")


def _nine_units(reference: Reference) -> list[Unit]:
    units = [u for u in reference.sample.units if u.grid_range[0].endswith("9")]
    assert {u.level for u in units} == {"community", "grid"}, [u.code for u in units]
    return units


@pytest.mark.parametrize("server_db", ["postgresql"], indirect=True)
def test_kpis_under_icu_collation_postgresql(server_db, reference):
    """On PostgreSQL with fact tables' grid_code under an ICU collation (DDL rolled back afterwards)."""
    writer = _writer(server_db.url)
    try:
        with writer.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_collation WHERE collname = :c"), {"c": ICU_COLLATION}).scalar_one() == 0:
                pytest.skip(f"PostgreSQL built without ICU: no collation {ICU_COLLATION}")
            for table in FACT_TABLES:
                conn.execute(text(f'ALTER TABLE {table} ALTER COLUMN grid_code TYPE varchar(15) COLLATE "{ICU_COLLATION}"'))
            diffs = Diffs(server_db)
            w = reference.sample.current[1]  # the 30-day period
            for unit in _nine_units(reference):
                for name, fetch in [("fetch_population", lambda b, u, w: queries.fetch_population(b, u, w.end)),
                                    ("fetch_case_stats", queries.fetch_case_stats),
                                    ("fetch_alert_stats", queries.fetch_alert_stats),
                                    ("fetch_points_stats", queries.fetch_points_stats)]:
                    diffs.dicts(f"{name} {reference.sample.label(unit)} ({ICU_COLLATION})", fetch(conn, unit, w),
                                fetch(reference.engine, unit, w))
            conn.rollback()  # PostgreSQL DDL is transactional: the loaded tables are untouched
    finally:
        writer.dispose()
    diffs.check()


@pytest.mark.parametrize("server_db", ["mysql"], indirect=True)
def test_code_range_under_uca_collation_mysql(server_db, reference):
    """On MariaDB/MySQL: the bound compared as a utf8mb4_unicode_ci column would compare it."""
    writer = _writer(server_db.url)
    try:
        with writer.connect() as conn:
            wrong = []
            for unit in _nine_units(reference):
                lo, hi = unit.grid_range
                want = conn.execute(text("SELECT count(*) FROM grid WHERE code LIKE :p"), {"p": f"{lo}%"}).scalar_one()
                got = conn.execute(text(f"SELECT count(*) FROM grid WHERE code >= :lo COLLATE {MYSQL_UCA_COLLATION} "
                                        f"AND code < :hi COLLATE {MYSQL_UCA_COLLATION}"), {"lo": lo, "hi": hi}).scalar_one()
                assert want > 0
                if got != want:
                    wrong.append(f"{reference.sample.label(unit)}: range [{lo!r}, {hi!r}) under {MYSQL_UCA_COLLATION} "
                                 f"selects {got} grids, LIKE {lo + '%'!r} selects {want}")
    finally:
        writer.dispose()
    assert not wrong, "\n".join(wrong)
