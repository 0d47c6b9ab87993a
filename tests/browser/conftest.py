"""Fixtures for browser tests: a real ``streamlit run`` of the app and Debian's headless Chromium.

* ``cockpit_server`` — ``streamlit run app.py`` on a free port against the ``small_demo`` city,
  once per session; always terminated, its log is shown when it fails to start.
* ``browser`` — Playwright driving ``/usr/bin/chromium`` (never a downloaded browser) with
  ``cockpit.tools.bench.browser.CHROMIUM_ARGS`` (headless, no GPU: deck.gl renders through
  SwiftShader; no background networking). Skips when Chromium is missing, fails instead when
  ``COCKPIT_REQUIRE_BROWSER=1`` (CI), so a broken CI image cannot pass silently.
* ``watched_page`` — a factory of pages at a given viewport that record every request leaving
  localhost, console errors, uncaught page errors and the pydeck specs the app sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from cockpit.tools.bench.servers import BrowserBenchError, Server, streamlit_servers

REPO = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO / "test-output" / "browser"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the running app in headless Chromium (slow, needs /usr/bin/chromium)")


# ---------------------------------------------------------------- the app under test

@pytest.fixture(scope="session")
def cockpit_server(small_demo, tmp_path_factory) -> Iterator[Server]:
    """`streamlit run app.py` against the small city, started and stopped by the bench's own helper."""
    scratch = tmp_path_factory.mktemp("cockpit-open")
    # open: no users file (a developer's data/users.toml must not turn the suite into a sign-in page)
    env = {**small_demo.env, "COCKPIT_BUILD_DEMO": "0", "COCKPIT_USERS_FILE": str(scratch / "no-users.toml"),
           "COCKPIT_AUDIT_URL": f"sqlite:///{scratch / 'audit.sqlite'}"}
    with ExitStack() as stack:
        try:
            servers = stack.enter_context(
                streamlit_servers({"cockpit": (REPO / "app.py", env)}, tmp_path_factory.mktemp("streamlit")))
        except BrowserBenchError as exc:
            pytest.fail(f"streamlit did not start: {exc}")
        yield servers["cockpit"]


# ---------------------------------------------------------------- the browser

@dataclass
class Watch:
    """What one page did: requests that left localhost, errors, and the deck specs it received."""

    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    decks: list[dict] = field(default_factory=list)
    requests_seen: int = 0

    def on_request(self, request) -> None:
        self.requests_seen += 1
        url = request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
            return
        if (parsed.hostname or "") not in LOCAL_HOSTS:
            self.external_requests.append(url)

    def on_console(self, message) -> None:
        if message.type == "error":
            loc = message.location or {}
            self.console_errors.append(f"{message.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})")

    def on_frame(self, payload: bytes | str) -> None:
        deck = _deck_in(payload)
        if deck is not None:
            self.decks.append(deck)

    def assert_clean(self) -> None:
        assert self.requests_seen > 0, "no request observed at all: the request hook is not working"
        assert self.external_requests == [], "the app must work offline, but the page fetched: " + ", ".join(
            self.external_requests[:10])
        assert self.page_errors == [], f"uncaught errors in the page: {self.page_errors}"
        assert self.console_errors == [], f"browser console errors: {self.console_errors}"


def _deck_in(payload: bytes | str) -> dict | None:
    """The pydeck JSON spec carried by one Streamlit websocket frame, if any.

    A ForwardMsg is protobuf; the deck spec is a UTF-8 JSON string inside it, so find the
    ``initialViewState`` key and decode the JSON object that encloses it.
    """
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    key = text.find('"initialViewState"')
    if key < 0:
        return None
    decoder = json.JSONDecoder()
    start = text.rfind("{", 0, key)
    while start >= 0:
        try:
            obj, _ = decoder.raw_decode(text, start)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "initialViewState" in obj and "layers" in obj:
            return obj
        start = text.rfind("{", 0, start)
    return None


@pytest.fixture
def watched_page(browser) -> Iterator[Callable[[int, int], tuple[object, Watch]]]:
    """``open_page(width, height) -> (page, watch)``; contexts are closed after the test."""
    contexts = []

    def open_page(width: int, height: int) -> tuple[object, Watch]:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        watch = Watch()
        page.on("request", watch.on_request)
        page.on("console", watch.on_console)
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.on("websocket", lambda ws: ws.on("framereceived", watch.on_frame))
        return page, watch

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR
