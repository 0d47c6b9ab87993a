"""A real city's first day in Chromium (#28): 嘉兴's units, city and district outlines and grids, no fact yet.

One server on the store docs/import.md's first three steps build; the overview, the cases page,
the phone home and the big screen say 暂无数据 where a figure would have read 0, with no error box
and no server path on the page. Screenshots for people to look at go to ``test-output/browser/``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.tools.bench.servers import BrowserBenchError, Server, streamlit_servers
from tests import firstday_city as fd

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
# page path, unit, the words it must show, the screenshot's name
VIEWS = [
    ("", fd.CITY, ("暂无数据", "数据截至 暂无数据", "python -m cockpit import csv"), "overview-city"),
    ("cases", fd.STREET, ("本单元尚无事件数据", "暂无数据"), "cases-street"),
    ("home", fd.COMMUNITY, ("暂无数据",), "home-community"),
    ("bigscreen", fd.CITY, ("暂无数据", "数据截至 暂无数据"), "bigscreen-city"),
]


@pytest.fixture(scope="module")
def first_day_server(tmp_path_factory) -> Iterator[tuple[Server, Path]]:
    folder = tmp_path_factory.mktemp("first-day-browser")
    url, geo = fd.build(folder / "store", "grids")
    env = {"COCKPIT_DB_URL": url, "COCKPIT_GEO_DIR": str(geo), "COCKPIT_BUILD_DEMO": "0",
           "COCKPIT_USERS_FILE": str(folder / "no-users.toml"), "COCKPIT_AUDIT_URL": f"sqlite:///{folder / 'audit.sqlite'}"}
    try:
        with streamlit_servers({"first-day": (REPO / "app.py", env)}, tmp_path_factory.mktemp("streamlit")) as servers:
            yield servers["first-day"], folder
    except BrowserBenchError as exc:
        pytest.fail(f"streamlit did not start: {exc}")


def _wait_until_drawn(page, text: str, timeout_s: float = 60.0) -> None:
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'",
                           timeout=timeout_s * 1000)
    page.get_by_text(text).first.wait_for(timeout=timeout_s * 1000)
    time.sleep(1.5)  # images decode, the map paints


def test_first_day_pages_say_no_data(first_day_server, watched_page, output_dir):
    server, folder = first_day_server
    page, watch = watched_page(1600, 1000)
    for path, unit, words, name in VIEWS:
        page.goto(f"{server.base_url}/{path}?unit={unit}&lang=zh", wait_until="domcontentloaded")
        _wait_until_drawn(page, words[0])
        page.screenshot(path=str(output_dir / f"first_day_facts_{name}.png"))
        text = page.locator("body").inner_text()
        for word in words:
            assert word in text, (name, word)
        assert page.locator("[data-testid=stException]").count() == 0, name
        assert "Traceback" not in text and str(folder) not in text and "/tmp/" not in text, name
    assert watch.page_errors == [] and watch.external_requests == []
