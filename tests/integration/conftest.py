"""Fixtures for the integration tests.

* ``server_db`` — the small demo (same preset and seed as the session's SQLite ``small_demo``)
  loaded into a scratch server, once per module and server kind: parametrized over
  ``postgresql`` and ``mysql`` (a module that needs one kind narrows it with
  ``pytest.mark.parametrize("server_db", ["postgresql"], indirect=True)``). Skips when that
  server's URL is not set (``pg_url`` / ``mysql_url`` in tests/conftest.py). On teardown every
  contract, rollup and rollup-swap table is dropped and the app's caches are cleared; the
  fixture fails if any of them is left. Helpers for tests that empty or reload the server
  mid-module are in ``servers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import import_city
import pytest
from parity import Reference, sample_of
from servers import ServerDB, demo_on_server

from cockpit.store.engine import make_engine

SERVER_URL_FIXTURES = {"postgresql": "pg_url", "mysql": "mysql_url"}


@pytest.fixture(scope="module", params=list(SERVER_URL_FIXTURES))
def server_db(request: pytest.FixtureRequest, small_demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerDB]:
    """The small demo on one server, read through the app's read-only engine; dropped afterwards."""
    url = request.getfixturevalue(SERVER_URL_FIXTURES[request.param])
    geo_dir = tmp_path_factory.mktemp(f"{request.param}-demo") / "geo"
    with demo_on_server(request.param, url, small_demo.preset, small_demo.seed, geo_dir) as server:
        yield server


@pytest.fixture(scope="module")
def reference(small_demo) -> Iterator[Reference]:
    """The small demo on SQLite, and the sample of units and windows every parity test asks about."""
    engine = make_engine(small_demo.db_url)
    tree, sample = sample_of(engine)
    yield Reference(engine, tree, sample)
    engine.dispose()





# -- the importers' target databases (tests/integration/test_import_*.py) --------------------------

@pytest.fixture(params=import_city.BACKENDS)
def db(request, tmp_path):
    """A fresh import target on each backend (SQLite always; PostgreSQL and MariaDB when their URLs are set)."""
    yield from import_city.database(request.param, tmp_path)


@pytest.fixture
def sqlite_db(tmp_path):
    yield from import_city.database("sqlite", tmp_path)
