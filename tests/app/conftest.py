"""Fixtures for the AppTest suite: the app pointed at the small demo city, and a runner.

Why `_navigation_v2` exists: AppTest resets ``PagesManager.uses_pages_directory``
before every run and re-derives it from the existence of a ``pages/`` folder next
to ``app.py``. With that flag set, a rerun that stays on a page executes the page
file alone, *without* ``app.py`` (Streamlit's v1 multipage mode) — so the sidebar,
``init_state`` and the demo build vanish from the second run on. In a real server
the flag is cleared for good by the first ``st.navigation`` call, so the app runs
``app.py`` on every rerun; the fixture gives AppTest the same behaviour.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from cockpit.ui import data

APP_PATH = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT = 60


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fresh_server: run AppTest like a server's very first request (no _navigation_v2)")


@pytest.fixture(autouse=True)
def _navigation_v2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("fresh_server"):
        return  # the first run of a fresh server is exactly AppTest's default
    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False  # what st.navigation does on a live server

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app_env(clean_env: pytest.MonkeyPatch, small_demo):
    """The app reads the shared small demo city (read-only); ``clean_env`` (tests/conftest.py) removed
    every other COCKPIT_* setting first."""
    clean_env.setenv("COCKPIT_DB_URL", small_demo.db_url)
    clean_env.setenv("COCKPIT_GEO_DIR", str(small_demo.geo_dir))
    return small_demo


@pytest.fixture
def start() -> Callable[..., AppTest]:
    """start(unit=..., period=..., lang=...) → an AppTest that has run once with those URL parameters.

    ``page="pages/about.py"`` opens that page's URL path instead of the root.
    """

    def _start(page: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(APP_PATH), default_timeout=TIMEOUT)
        for key, value in query.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        return at.run()

    return _start


class Units:
    """The demo city's hierarchy, read straight from the SQLite file (not through the app's code)."""

    def __init__(self, db_path: Path) -> None:
        with sqlite3.connect(db_path) as conn:
            self.rows = {c: (n, lvl, p) for c, n, lvl, p in conn.execute(
                "SELECT code, name, level, parent_code FROM admin_unit")}
            self.grids = {c: (n, p) for c, n, p in conn.execute("SELECT code, name, community_code FROM grid")}
        conn.close()
        (self.city,) = [c for c, (_, _, p) in self.rows.items() if p is None]

    def name(self, code: str) -> str:
        return self.grids[code][0] if code in self.grids else self.rows[code][0]

    def children(self, code: str) -> list[str]:
        kids = [c for c, (_, _, p) in self.rows.items() if p == code]
        kids += [g for g, (_, p) in self.grids.items() if p == code]
        return sorted(kids)

    def first(self, level: str) -> str:
        """The first unit of a level (by code) that has children all the way down to grids."""
        for code in sorted(c for c, (_, lvl, _) in self.rows.items() if lvl == level):
            if self.children(code):
                return code
        raise LookupError(level)


@pytest.fixture(scope="session")
def units(small_demo) -> Units:
    return Units(small_demo.db_path)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """file name -> the callable a download button registered (the last run's)."""
    caught: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        caught[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return caught


@pytest.fixture
def own_city(clean_env, small_demo, tmp_path):
    """A copy of the small demo this test may move away, break or delete; the caches start and end empty."""
    db = tmp_path / "city.sqlite"
    shutil.copyfile(small_demo.db_path, db)
    clean_env.setenv("COCKPIT_DB_URL", f"sqlite:///{db}")
    clean_env.setenv("COCKPIT_GEO_DIR", str(small_demo.geo_dir))
    data.clear_caches()
    st.cache_resource.clear()
    yield db
    data.clear_caches()
    st.cache_resource.clear()
