"""A database that fails over: the cockpit on a PostgreSQL primary and its hot standby, by one URL.

The module makes its own pair of clusters (pg_pair.py: ``pg_createcluster`` on free ports from
5440, the small demo loaded into the primary, a ``pg_basebackup -R`` standby streaming from it)
and drops both at the end, also after a failure; the machine's own cluster is never touched.
One ``streamlit run app.py`` is pointed at both by libpq's host list (``Pair.multi_host_url``:
primary first, ``target_session_attrs=any``), and headless Chromium walks through an outage:

1. both up: a street's KPI cards are the database's, read from the primary;
2. the primary crashes (``stop -m immediate``): another street opens with its figures — equal to
   what the primary gave before the crash — read from the standby, with no error box and no notice;
3. the standby stops too: a third street shows the outage notice (db_unreachable), no error box;
4. the primary starts again: the same page, never reloaded, shows that street's figures within
   ~30 s (the notice's fragment retries every 15 s, cockpit/ui/frame.py).

The seconds each step took are printed (``-s``) and are the figures in docs/deployment.md.
Skips where PostgreSQL's cluster tools are missing or the run is neither root nor postgres;
the browser part skips without Chromium/Playwright unless COCKPIT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pg_pair
import pytest
from test_replicas import expected_cards

from cockpit import queries
from cockpit.core.errors import safe_url
from cockpit.core.i18n import t
from cockpit.store.engine import make_engine
from cockpit.tools.bench.servers import BrowserBenchError, Server, streamlit_servers
from cockpit.tools.demo.build import run_demo

pytestmark = pytest.mark.servers

REPO = Path(__file__).resolve().parents[2]
PRESET, SEED = "small", 1  # the suite's small demo (tests/conftest.py SMALL_PRESET / SMALL_SEED)
APP_NAME = "cockpit-failover"  # libpq application_name of the cockpit's sessions: which server holds them
PAGE_TIMEOUT = 45.0  # seconds for a cold page to draw its cards
RECOVERY_TIMEOUT = 40.0  # seconds from a server back to figures on the page: two 15 s retries and the rerun
CARDS_READY = """code => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
    && document.querySelector('.ck-sub')?.textContent.includes(code)
    && document.querySelector('.cards [data-key="open"] .kv')
    && !document.querySelector('.ck-notice')"""
NOTICE_READY = """() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
    && document.querySelector('.ck-notice')"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[pg_pair.Pair, Path]]:
    """A primary holding the small demo and a standby caught up with it; both dropped afterwards."""
    reason = pg_pair.unavailable_reason()
    if reason:
        pytest.skip(reason)
    primary, standby = pg_pair.create_pair()
    try:
        primary.start()
        primary.sql(f"CREATE DATABASE {pg_pair.DB} ENCODING 'UTF8' TEMPLATE template0")
        geo_dir = tmp_path_factory.mktemp("failover") / "geo"
        # Loaded before the base backup: the standby starts with the city and then streams what follows.
        run_demo(PRESET, SEED, primary.url(), geo_dir, replace=True)
        yield pg_pair.make_standby(primary, standby), geo_dir
    finally:
        pg_pair.drop(primary, standby)


@pytest.fixture(scope="module")
def cockpit(pair, tmp_path_factory) -> Iterator[tuple[Server, str]]:
    """`streamlit run app.py` on the pair's multi-host URL; stopped afterwards."""
    the_pair, geo_dir = pair
    url = the_pair.multi_host_url()
    env = {"COCKPIT_DB_URL": url, "COCKPIT_GEO_DIR": str(geo_dir), "COCKPIT_BUILD_DEMO": "0", "PGAPPNAME": APP_NAME}
    try:
        with streamlit_servers({"failover": (REPO / "app.py", env)}, tmp_path_factory.mktemp("failover-log")) as servers:
            yield servers["failover"], url
    except BrowserBenchError as exc:
        pytest.fail(f"the cockpit did not start: {exc}")


def cockpit_sessions(cluster: pg_pair.Cluster) -> int:
    """How many connections the cockpit holds on this server."""
    return int(cluster.sql(f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{APP_NAME}'"))


def shown_cards(page) -> dict[str, str]:
    return dict(page.locator(".cards [data-key]").evaluate_all(
        "els => els.map(e => [e.dataset.key, e.querySelector('.kv').textContent])"))


def no_error_box(page, step: str) -> None:
    assert page.locator("[data-testid=stException]").count() == 0, f"{step}: Streamlit's exception box"
    body = page.locator("body").inner_text()
    for key in ("page_problem", "section_unavailable"):
        assert t(key, "zh") not in body, f"{step}: {t(key, 'zh')!r} on the page"


def wait_for(page, ready: str, code: str, timeout: float, step: str) -> None:
    """Until `ready` holds; else fail with what the page shows instead (a timeout alone says nothing)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(ready, arg=code, timeout=timeout * 1000)
    except PlaywrightTimeout:
        pytest.fail(f"{step}: not there after {timeout:.0f} s; the page shows: {page.locator('body').inner_text()[:600]!r}")


def open_street(page, base_url: str, code: str, step: str, ready: str = CARDS_READY) -> float:
    """Open a street in the page (a new script session, the server's caches kept); seconds until `ready`."""
    t0 = time.monotonic()
    page.goto(f"{base_url}/?unit={code}", wait_until="domcontentloaded")
    wait_for(page, ready, code, PAGE_TIMEOUT, step)
    return time.monotonic() - t0


def both_up(the_pair: pg_pair.Pair) -> None:
    for cluster in (the_pair.primary, the_pair.standby):
        if not cluster.ready():
            cluster.start()


def server_of(url: str) -> tuple[int, bool] | str:
    """(port, in recovery) of the server the app's read-only engine reaches by `url`, or the error's first line."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            port, standby = conn.exec_driver_sql("SELECT inet_server_port(), pg_is_in_recovery()").one()
            return port, standby
    except Exception as exc:  # noqa: BLE001 - the refusal itself is the answer here
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()


# What docs/deployment.md says of each target_session_attrs, on the app's own engine (whose
# sessions are read-only by `options`, which is what `read-only`/`read-write` look at).
@pytest.mark.parametrize(("attrs", "reaches"), [
    ("any", "primary"),  # the first host that answers
    ("primary", "primary"),
    ("prefer-standby", "standby"),
    ("standby", "standby"),
    ("read-only", "primary"),  # the app's sessions are read-only everywhere: the first host passes
    ("read-write", "refused"),  # ...and so no server passes: pg_auto_failover's default URI never connects
])
def test_target_session_attrs_on_the_apps_engine(pair, attrs, reaches):
    the_pair, _geo = pair
    both_up(the_pair)
    got = server_of(the_pair.multi_host_url(attrs))
    expected = {"primary": (the_pair.primary.port, False), "standby": (the_pair.standby.port, True)}.get(reaches)
    if expected is None:
        assert isinstance(got, str) and "read-only" in got, got
    else:
        assert got == expected, f"target_session_attrs={attrs}: {got}"


@pytest.mark.browser
def test_primary_down_standby_answers_both_down_notice_one_back_recovers(pair, cockpit, browser):
    the_pair, _geo = pair
    primary, standby = the_pair.primary, the_pair.standby
    server, url = cockpit
    both_up(the_pair)
    engine = make_engine(primary.url())
    try:
        units = queries.fetch_units(engine)
    finally:
        engine.dispose()
    a, b, c = sorted(units.loc[units["level"] == "street", "code"])[:3]
    community = sorted(units.loc[(units["level"] == "community") & (units["parent_code"] == a), "code"])[0]
    # Each street's figures from the primary now, before anything fails: what the page must show later.
    want = {code: expected_cards(primary.url(), code) for code in (a, b, c)}
    timings: dict[str, float] = {}

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        # 1. both up: the cockpit reads from the first host, the primary. A community first, so the
        # street's time is a warm server's (imports, boundaries) like the streets after it.
        open_street(page, server.base_url, community, "warm-up")
        timings["page_both_up"] = open_street(page, server.base_url, a, "both up")
        assert shown_cards(page) == want[a]
        no_error_box(page, "both up")
        assert cockpit_sessions(primary) > 0 and cockpit_sessions(standby) == 0

        # 2. the primary crashes: its pooled connections die; pre-ping finds them dead, the reconnect
        # goes down the host list to the standby. A street not seen yet, so these are fresh reads.
        primary.stop("immediate")
        timings["page_primary_down"] = open_street(page, server.base_url, b, "primary down")
        assert shown_cards(page) == want[b], "the standby's figures differ from the primary's"
        no_error_box(page, "primary down")
        assert cockpit_sessions(standby) > 0, "the figures did not come from the standby"

        # 3. both down: a street not seen yet has nothing to show but the notice.
        standby.stop("fast")
        timings["notice_both_down"] = open_street(page, server.base_url, c, "both down", NOTICE_READY)
        notice = page.locator(".ck-notice").inner_text()
        assert t("db_unreachable", "zh", url=safe_url(url)) in notice, notice
        assert page.locator(".cards [data-key]").count() == 0
        assert page.locator("[data-testid=stException]").count() == 0, "both down: Streamlit's exception box"

        # 4. the primary comes back: the page, not reloaded, draws the street by itself.
        primary.start()
        back = time.monotonic()
        wait_for(page, CARDS_READY, c, RECOVERY_TIMEOUT, "primary back")
        timings["recovered_after_primary_back"] = time.monotonic() - back
        assert shown_cards(page) == want[c]
        no_error_box(page, "recovered")
    finally:
        context.close()
        print("failover timings (s):", {k: round(v, 1) for k, v in timings.items()})
        if server.process.poll() is not None:
            print(server.log())
