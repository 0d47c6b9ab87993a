"""The rankings page (考核排名, #21) in Chromium at 1920×1080: at the city and at a street, in Chinese (and the city
in English): drawn — the tables, the funnel plot and the history as images — no error box, no English on the
Chinese screen. Screenshots land in the test's tmp dir (and test-output/browser/) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest
from page_wait import wait_until_idle

pytestmark = pytest.mark.browser

CITY = "330681000000"
STREET = "330681001000"
SETTLE_S = 3.0  # after the script has finished: images decode


def _wait_until_idle(page, timeout_s: float = 60.0) -> None:
    wait_until_idle(page, timeout_s, SETTLE_S, image=True)


@pytest.mark.parametrize(("unit", "lang"), [(CITY, "zh"), (STREET, "zh"), (CITY, "en")], ids=["city-zh", "street-zh", "city-en"])
def test_ranking_page_in_chromium(watched_page, cockpit_server, output_dir, tmp_path, unit, lang):
    page, watch = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/ranking?unit={unit}&lang={lang}&month=2026-10", wait_until="domcontentloaded")
    _wait_until_idle(page)
    page.mouse.move(1, 1)
    shot = tmp_path / f"ranking-{unit}-{lang}-1920x1080.png"
    page.screenshot(path=str(shot))
    shutil.copyfile(shot, output_dir / shot.name)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    assert page.locator(".ck-notice").count() == 0, "the store answered: no outage notice"
    assert page.locator("[data-testid=stDataFrame]").count() >= 2, "the ranking table and the lists"
    assert page.locator("[data-testid=stImage]").count() >= 2, "the funnel plot and the history"
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "Choose an option" not in main
    if lang == "zh":
        assert "考核排名" in main and "漏斗图" in main and "红榜" in main
        words = sorted(set(re.findall(r"[A-Za-z]{3,}", main)))
        assert words == [], f"English on the Chinese screen: {words}"
    else:
        assert "Rankings" in main and "Funnel plot" in main
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 1920 + 2, f"the page scrolls sideways ({width} px)"
    assert watch.page_errors == [] and watch.external_requests == []
    # the whole page at once (Streamlit scrolls its main block, not the document): a tall window
    page.set_viewport_size({"width": 1920, "height": 2600})
    time.sleep(1.5)
    whole = tmp_path / f"ranking-{unit}-{lang}-whole.png"
    page.screenshot(path=str(whole))
    shutil.copyfile(whole, output_dir / whole.name)
