"""The cases page's 督办 view (#22) in Chromium at 1920×1080, Chinese and English, and the overview card's link to it.

Screenshots land in test-output/browser/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from test_theme_pages import CITY, TOLERANCE_PX, _wait_until_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_supervision_view_renders(watched_page, cockpit_server, output_dir, lang):
    page, watch = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/cases?unit={CITY}&lang={lang}&view=supervision", wait_until="domcontentloaded")
    _wait_until_idle(page)
    page.mouse.move(1, 1)
    page.screenshot(path=str(output_dir / f"page-cases-supervision-{lang}-1920x1080.png"))
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator(".ck-notice").count() == 0
    assert page.locator("[data-testid=stDataFrame]").count() >= 2, "no 督办 tables drawn"
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "Choose an option" not in main
    if lang == "zh":
        assert "督办事件清单" in main and "督办条件" in main
        words = sorted(set(re.findall(r"[A-Za-z]{3,}", main)))
        assert words == [], f"English on the Chinese screen: {words}"
    else:
        assert "Cases under supervision" in main
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 1920 + TOLERANCE_PX, f"the page scrolls sideways ({width} px)"
    assert watch.page_errors == [] and watch.external_requests == []


def test_overview_card_links_to_the_view(watched_page, cockpit_server, output_dir):
    page, watch = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/?unit={CITY}", wait_until="domcontentloaded")
    _wait_until_idle(page)
    link = page.locator(".card.theme-cases a.ck-sv")
    assert link.count() == 1
    count = int(link.get_attribute("data-sv") or -1)
    assert re.fullmatch(r"督办 [\d,]+ 件 ›", link.inner_text().strip()), link.inner_text()
    page.screenshot(path=str(output_dir / "page-overview-supervision-card-1920x1080.png"))
    link.click()
    page.wait_for_url(re.compile(r".*/cases\?.*view=supervision.*"))
    _wait_until_idle(page)
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "督办事件清单" in main
    if count:
        assert f"共 {count:,} 件督办事件" in main
    assert page.locator("[data-testid=stException]").count() == 0
    assert watch.page_errors == []
