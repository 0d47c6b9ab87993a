"""Two cockpit replicas, one database: what docs/deployment.md describes, run for real.

The small demo is loaded into PostgreSQL; two ``streamlit run app.py`` processes on different
ports both point at it by ``COCKPIT_DB_URL`` alone (as two replicas behind a load balancer would),
each with its own libpq ``application_name``. Both must answer ``/_stcore/health`` and ``/``;
then headless Chromium opens the same street on each and both must show the KPI cards the
database gives (computed here independently through the same read-only engine), and
``pg_stat_activity`` must show sessions from both replicas.

Needs COCKPIT_TEST_PG_URL (a scratch database: the ``server_db`` fixture of
tests/integration/conftest.py loads the demo and drops the contract and rollup tables at the end of
this module). The browser part needs /usr/bin/chromium and Playwright; it skips without them
unless COCKPIT_REQUIRE_BROWSER=1. Both processes are always terminated.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import text

from cockpit import queries
from cockpit.core.model import compute_windows
from cockpit.domain.hierarchy import Tree
from cockpit.domain.metrics import compute_kpis, compute_theme_values
from cockpit.store.engine import make_engine
from cockpit.tools.bench.servers import BrowserBenchError, Server, streamlit_servers
from cockpit.views.cards import build_kpi_html

# One database behind both replicas: PostgreSQL (application_name shows which replica a session is).
pytestmark = [pytest.mark.servers, pytest.mark.parametrize("server_db", ["postgresql"], indirect=True)]

REPO = Path(__file__).resolve().parents[2]
PAGE_TIMEOUT = 45.0  # seconds for a cold page to render its KPI cards
APP_NAME = "cockpit-replica-{name}"  # libpq application_name of each replica (PGAPPNAME)
DEFAULT_PERIOD = 30  # the app's period when the URL names none


# -- the database ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg_city(server_db) -> str:
    """The URL of the small demo (same preset and seed as SQLite's) in PostgreSQL; dropped afterwards."""
    assert server_db.name == "postgresql"
    return server_db.url


# -- the replicas ----------------------------------------------------------------------------

def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - localhost only
            return resp.status, resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError):
        return 0, ""


@pytest.fixture(scope="module")
def replicas(pg_city, small_demo, tmp_path_factory) -> Iterator[list[Server]]:
    """Two `streamlit run app.py` processes on different ports, both on the one PostgreSQL database."""
    env = {"COCKPIT_DB_URL": pg_city, "COCKPIT_GEO_DIR": str(small_demo.geo_dir), "COCKPIT_BUILD_DEMO": "0"}
    scripts = {name: (REPO / "app.py", {**env, "PGAPPNAME": APP_NAME.format(name=name)}) for name in ("a", "b")}
    with ExitStack() as stack:
        try:
            servers = stack.enter_context(streamlit_servers(scripts, tmp_path_factory.mktemp("replicas")))
        except BrowserBenchError as exc:
            pytest.fail(f"a replica did not start: {exc}")
        yield list(servers.values())


def test_two_processes_on_two_ports_are_healthy(replicas):
    assert len({r.port for r in replicas}) == 2
    assert len({r.process.pid for r in replicas}) == 2
    for r in replicas:
        assert r.process.poll() is None, f"replica on {r.port} died:\n{r.log()}"
        status, body = _get(f"{r.base_url}/_stcore/health")
        assert (status, body.strip()) == (200, "ok")
        status, body = _get(f"{r.base_url}/?unit=330681001000")
        assert status == 200 and "<html" in body.lower(), f"GET / on {r.port}: {status}"


# -- both replicas, one database, in a browser -------------------------------------------------

def expected_cards(url: str, street_code: str) -> dict[str, str]:
    """What the cards must say for the street, computed here from the database, not by either replica."""
    engine = make_engine(url)
    try:
        tree = Tree.from_frame(queries.fetch_units(engine))
        unit = tree.unit(street_code)
        end = queries.fetch_data_end(engine)
        values = []
        for w in compute_windows(end, DEFAULT_PERIOD):
            pop = queries.fetch_population(engine, unit, w.end)
            cases, alerts = queries.fetch_case_stats(engine, unit, w), queries.fetch_alert_stats(engine, unit, w)
            values.append((compute_theme_values(pop, cases, alerts, queries.fetch_points_stats(engine, unit, w)),
                           tuple(alerts[f"active_s{s}"] for s in (1, 2, 3, 4))))
    finally:
        engine.dispose()
    html = build_kpi_html(compute_kpis(values[0][0], values[1][0], values[2][0]), "zh", values[0][1])
    return dict(re.findall(r'data-key="([a-z0-9_]+)"><div class="kl">[^<]*</div><div class="kv">([^<]*)</div>', html))


def page_cards(browser, base_url: str, street_code: str) -> dict[str, str]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT * 1000)
        page.goto(f"{base_url}/?unit={street_code}", wait_until="domcontentloaded")
        # st.html renders into the page DOM (no iframe); wait until this street's cards are there.
        page.locator("h1.ck-title").first.wait_for()
        page.wait_for_function(
            """code => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
                && document.querySelector('.ck-sub')?.textContent.includes(code)
                && document.querySelector('.cards [data-key="open"] .kv')""",
            arg=street_code, timeout=PAGE_TIMEOUT * 1000)
        assert page.locator("[data-testid=stException]").count() == 0, f"the app raised on {base_url}"
        return dict(page.locator(".cards [data-key]").evaluate_all(
            "els => els.map(e => [e.dataset.key, e.querySelector('.kv').textContent])"))
    finally:
        context.close()


def replica_sessions(url: str) -> list[tuple[str, int]]:
    """(application_name, backend pid) of every connection to this database from a cockpit replica."""
    writer = make_engine(url, read_only=False)  # a separate, ordinary connection
    try:
        with writer.connect() as conn:
            rows = conn.execute(text(
                "SELECT application_name, pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE 'cockpit-replica-%' AND pid <> pg_backend_pid()"
            )).all()
    finally:
        writer.dispose()
    return [(name, pid) for name, pid in rows]


@pytest.mark.browser
def test_both_replicas_show_the_same_kpis_from_the_one_database(replicas, browser, pg_city):
    engine = make_engine(pg_city)
    try:
        units = queries.fetch_units(engine)
    finally:
        engine.dispose()
    street = sorted(units.loc[units["level"] == "street", "code"])[1]
    want = expected_cards(pg_city, street)
    assert len(want) == 18 and want["open"] not in ("", "—"), want

    shown = {r.port: page_cards(browser, r.base_url, street) for r in replicas}
    a, b = (shown[r.port] for r in replicas)
    assert a["open"] == b["open"] == want["open"], f"open cases: {shown} vs database {want['open']}"
    assert a == b == want, f"KPI cards differ between replicas or from the database: {shown} vs {want}"

    # Each replica holds its own pooled, read-only sessions to the same database.
    sessions = replica_sessions(pg_city)
    names = [APP_NAME.format(name=r.name) for r in replicas]
    by_replica = {app: {pid for name, pid in sessions if name == app} for app in names}
    assert all(by_replica.values()), f"no database session from some replica: {sessions}"
    assert not by_replica[names[0]] & by_replica[names[1]]
