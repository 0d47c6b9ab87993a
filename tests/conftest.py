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
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cockpit.config import sqlite_url

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
    from cockpit.demo import run_demo

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


@pytest.fixture(scope="session")
def pg_url() -> str:
    """SQLAlchemy URL of a scratch PostgreSQL database the tests may fill and empty."""
    return _server_url("COCKPIT_TEST_PG_URL")


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """SQLAlchemy URL of a scratch MySQL/MariaDB database the tests may fill and empty."""
    return _server_url("COCKPIT_TEST_MYSQL_URL")
