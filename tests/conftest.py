"""Fixtures shared by every test folder.

* ``small_demo`` — the ``small`` demo city (3 streets, ~50k rows), built once per
  test session into a temporary folder: a SQLite file plus its GeoJSON boundaries.
  Treat it as read-only; a test that needs to change data builds its own.
* ``pg_url`` / ``mysql_url`` — server databases for round-trip tests, from
  ``COCKPIT_TEST_PG_URL`` / ``COCKPIT_TEST_MYSQL_URL`` (``.ci/run`` sets both);
  tests using them skip, with the reason shown by ``-ra``, when they are unset.
* ``clean_env`` — a monkeypatch with every ``COCKPIT_*`` variable removed, so no setting of the
  developer's shell reaches the app under test; ``strip_cockpit_settings`` /
  ``without_cockpit_settings`` do the same for a MonkeyPatch context or a child's environment.
  The test run's own switches (``COCKPIT_TEST_*``, ``COCKPIT_REQUIRE_BROWSER``) share the prefix:
  they are read once, at import, into ``RUN_SWITCHES``, so cleaning never turns them off.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cockpit.core.settings import sqlite_url
from cockpit.tools.bench.browser import CHROMIUM, CHROMIUM_ARGS  # one list of flags for the bench and the tests

SMALL_PRESET = "small"
SMALL_SEED = 1

# Every cockpit setting is a COCKPIT_<NAME> variable (cockpit.core.settings.load_settings): strip by
# prefix, never by a list of names that goes stale when a setting is added or renamed.
SETTINGS_PREFIX = "COCKPIT_"
# How this test run was started (server URLs, CI's browser requirement), read before any cleaning.
RUN_SWITCHES = {k: v for k, v in os.environ.items() if k.startswith("COCKPIT_TEST_") or k == "COCKPIT_REQUIRE_BROWSER"}


def without_cockpit_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``environ`` (default: this process's) with no ``COCKPIT_*`` variable: for a child process."""
    return {k: v for k, v in (os.environ if environ is None else environ).items() if not k.startswith(SETTINGS_PREFIX)}


def strip_cockpit_settings(mp: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove every ``COCKPIT_*`` variable from this process for the life of ``mp`` (restored after)."""
    for name in [n for n in os.environ if n.startswith(SETTINGS_PREFIX)]:
        mp.delenv(name)
    return mp


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> pytest.MonkeyPatch:
    """No COCKPIT_* setting and no .streamlit/secrets.toml of the developer's reach the app; set what the test needs.

    The audit log (and the sign-in sessions beside it) and the cookie secret go to scratch files,
    never the project's data/ folder.
    """
    monkeypatch.setattr("cockpit.core.settings.SECRETS_PATH", Path("/nonexistent/secrets.toml"))
    strip_cockpit_settings(monkeypatch)
    monkeypatch.setenv("COCKPIT_AUDIT_URL", sqlite_url(tmp_path_factory.mktemp("audit") / "audit.sqlite"))
    monkeypatch.setenv("COCKPIT_USERS_FILE", str(tmp_path_factory.mktemp("users") / "users.toml"))
    monkeypatch.setenv("COCKPIT_SECRET_FILE", str(tmp_path_factory.mktemp("secret") / "cookie_secret"))
    return monkeypatch


@dataclass(frozen=True)
class DemoCity:
    """A built demo city: where its database and boundaries are, and what went in."""

    preset: str
    seed: int
    db_url: str
    db_path: Path
    geo_dir: Path
    counts: dict[str, int] = field(default_factory=dict)  # rows per contract table
    build_seconds: float = 0.0

    @property
    def env(self) -> dict[str, str]:
        """Environment pointing the app or the CLI at this city (merge into os.environ)."""
        return {"COCKPIT_DB_URL": self.db_url, "COCKPIT_GEO_DIR": str(self.geo_dir)}


def build_demo_city(folder: Path, preset: str = SMALL_PRESET, seed: int = SMALL_SEED) -> DemoCity:
    """Build a demo city into ``folder`` (``city.sqlite`` + ``geo/``); for tests that need their own copy."""
    from cockpit.tools.demo.build import run_demo

    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "city.sqlite"
    geo_dir = folder / "geo"
    t0 = time.perf_counter()
    counts = run_demo(preset, seed, sqlite_url(db_path), geo_dir)
    return DemoCity(preset=preset, seed=seed, db_url=sqlite_url(db_path), db_path=db_path, geo_dir=geo_dir,
                    counts=counts, build_seconds=time.perf_counter() - t0)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoCity:
    """The small demo city, built once per session. Do not write to it."""
    return build_demo_city(tmp_path_factory.mktemp("small_demo"))


def _server_url(variable: str) -> str:
    url = RUN_SWITCHES.get(variable, "").strip()
    if not url:
        pytest.skip(f"{variable} not set (set by .ci/run)")
    return url


@pytest.fixture
def ctrl_c_during_load(monkeypatch: pytest.MonkeyPatch):
    """Arm a Ctrl-C that hits the bulk loader when it reaches the named table (tests of all-or-nothing loads)."""
    from cockpit.store import loader

    def arm(table_name: str) -> None:
        real_insert = loader.bulk_insert  # what the loader calls for every batch of every table

        def insert_then_ctrl_c(cur, table, columns, rows, dialect):
            if table.name == table_name:
                raise KeyboardInterrupt
            real_insert(cur, table, columns, rows, dialect)

        monkeypatch.setattr(loader, "bulk_insert", insert_then_ctrl_c)  # raises if the loader renamed it

    return arm


@pytest.fixture(scope="session")
def pg_url() -> str:
    """SQLAlchemy URL of a scratch PostgreSQL database the tests may fill and empty."""
    return _server_url("COCKPIT_TEST_PG_URL")


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """SQLAlchemy URL of a scratch MySQL/MariaDB database the tests may fill and empty."""
    return _server_url("COCKPIT_TEST_MYSQL_URL")


# ---------------------------------------------------------------- the browser, shared by every folder
# One Playwright per session: a second sync_playwright() in the same process fails ("Sync API
# inside the asyncio loop"), so tests/browser and the replica test share this one.

def browser_unavailable(reason: str) -> None:
    """Skip locally; fail on CI, where the browser is part of the image and must be there."""
    if RUN_SWITCHES.get("COCKPIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (COCKPIT_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[object]:
    """The session's one sync Playwright; anything that launches Chromium starts from it."""
    if not CHROMIUM.exists():
        browser_unavailable(f"{CHROMIUM} not found: install Debian's chromium package (browser tests never download one)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("playwright (python) is not installed: pip install -r requirements-dev.txt")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session) -> Iterator[object]:
    """Debian's headless Chromium through Playwright (never a downloaded browser)."""
    b = playwright_session.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    try:
        yield b
    finally:
        b.close()
