"""The theme pages in Chromium at 1920×1080, in Chinese and in English: drawn, no error box, one screen.

Screenshots land in test-output/browser/ (build output) for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from page_wait import wait_until_idle

pytestmark = pytest.mark.browser

CITY = "330681000000"
# What each page must have drawn: its charts (server-drawn SVG images), maps and tables.
PARTS = {
    "cases": ("stImage", "stDataFrame"),
    "alerts": ("stDeckGlJsonChart", "stImage", "stDataFrame"),
    "participation": ("stDeckGlJsonChart", "stImage", "stDataFrame"),
    "grids": ("stDataFrame",),
}
PAGES = tuple(PARTS)
SETTLE_S = 3.0  # after the script has finished: images decode, the map paints
TOLERANCE_PX = 2


def _wait_until_idle(page, timeout_s: float = 60.0) -> None:
    """Until Streamlit's "running" indicator is gone and the page has a title."""
    wait_until_idle(page, timeout_s, SETTLE_S)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_theme_page_renders_on_one_screen(watched_page, cockpit_server, output_dir, name, lang):
    page, watch = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/{name}?unit={CITY}&lang={lang}", wait_until="domcontentloaded")
    _wait_until_idle(page)
    page.mouse.move(1, 1)
    page.screenshot(path=str(output_dir / f"page-{name}-{lang}-1920x1080.png"))
    assert page.locator("[data-testid=stException]").count() == 0
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "Choose an option" not in main and "Ask Google" not in main
    assert page.locator(".ck-notice").count() == 0, "the store answered: no outage notice"
    for part in PARTS[name]:
        assert page.locator(f"[data-testid={part}]").count() > 0, f"{name}: no {part} drawn"
    if lang == "zh":
        # Data codes and the odd statistical symbol aside, a Chinese screen has no English words.
        words = sorted(set(re.findall(r"[A-Za-z]{3,}", main)))
        assert words == [], f"{name}: English on the Chinese screen: {words}"
    else:
        assert "City Governance Cockpit" in page.locator("h1.ck-title").inner_text()
    height = page.evaluate("() => document.scrollingElement.scrollHeight")
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 1920 + TOLERANCE_PX, f"{name}: the page scrolls sideways ({width} px)"
    assert height <= 1080 + TOLERANCE_PX, f"{name}: the page scrolls ({height} px); only its lists may"
    assert watch.page_errors == [] and watch.external_requests == []
