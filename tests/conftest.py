"""Fixtures shared by every test folder.

* ``small_demo`` — the ``small`` demo city (3 streets, ~50k rows), built once per
  test session into a temporary folder: a SQLite file plus its GeoJSON boundaries.
  Treat it as read-only; a test that needs to change data builds its own.
* ``pg_url`` / ``mysql_url`` — server databases for round-trip tests, from
  ``COCKPIT_TEST_PG_URL`` / ``COCKPIT_TEST_MYSQL_URL`` (``.ci/run`` sets both);
  tests using them skip, with the reason shown by ``-ra``, when they are unset.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cockpit.core.settings import sqlite_url
from cockpit.tools.bench.browser import CHROMIUM, CHROMIUM_ARGS  # one list of flags for the bench and the tests

SMALL_PRESET = "small"
SMALL_SEED = 1


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
    url = os.environ.get(variable, "").strip()
    if not url:
        pytest.skip(f"{variable} not set (set by .ci/run)")
    return url


@pytest.fixture
def ctrl_c_during_load(monkeypatch: pytest.MonkeyPatch):
    """Arm a Ctrl-C that hits the bulk loader when it reaches the named table (tests of all-or-nothing loads)."""
    from cockpit.store import loader

    def arm(table_name: str) -> None:
        real_insert = loader._insert

        def insert_then_ctrl_c(cur, table, columns, rows, dialect):  # noqa: ANN001
            if table.name == table_name:
                raise KeyboardInterrupt
            real_insert(cur, table, columns, rows, dialect)

        monkeypatch.setattr(loader, "_insert", insert_then_ctrl_c)

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
    if os.environ.get("COCKPIT_REQUIRE_BROWSER") == "1":
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
