"""The compare page (对比分析, #23) in Chromium at 1920×1080: three units of three tiers (the city, a street of
it and a grid) side by side — the table, the trends image, the map with each unit's shape — no error box, no
English on the Chinese screen. Screenshots land in the test's tmp dir (and test-output/browser/) to look at.
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
GRID = "330681002001001"
SETTLE_S = 3.0  # after the script has finished: images decode, the map draws


def _wait_until_idle(page, timeout_s: float = 60.0) -> None:
    wait_until_idle(page, timeout_s, SETTLE_S, image=True)


def test_compare_page_in_chromium(watched_page, cockpit_server, output_dir, tmp_path):
    page, watch = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/compare?units={CITY},{STREET},{GRID}&period=30&lang=zh",
              wait_until="domcontentloaded")
    _wait_until_idle(page)
    page.mouse.move(1, 1)
    shot = tmp_path / "compare-3units-zh-1920x1080.png"
    page.screenshot(path=str(shot))
    shutil.copyfile(shot, output_dir / shot.name)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    assert page.locator(".ck-notice").count() == 0, "the store answered: no outage notice"
    assert page.locator("[data-testid=stDataFrame]").count() >= 1, "the figures side by side"
    assert page.locator("[data-testid=stImage]").count() >= 1, "the trends"
    assert page.locator("[data-testid=stDeckGlJsonChart]").count() == 1, "the map"
    # the page's words without the names of Material icons (a remove button's "close", an expander's arrow)
    main = page.evaluate("""() => { const m = document.querySelector('[data-testid=stMain]').cloneNode(true);
        m.querySelectorAll('[data-testid=stIconMaterial]').forEach(e => e.remove()); document.body.appendChild(m);
        const text = m.innerText; m.remove(); return text; }""")
    assert "对比分析" in main and "区域均衡" in main and "变异系数" in main
    words = sorted(set(re.findall(r"[A-Za-z]{3,}", main)))
    assert words == [], f"English on the Chinese screen: {words}"
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 1920 + 2, f"the page scrolls sideways ({width} px)"
    assert watch.page_errors == [] and watch.external_requests == []
    # the whole page at once (Streamlit scrolls its main block, not the document): a tall window
    page.set_viewport_size({"width": 1920, "height": 2900})
    time.sleep(2.5)
    whole = tmp_path / "compare-3units-zh-whole.png"
    page.screenshot(path=str(whole))
    shutil.copyfile(whole, output_dir / whole.name)


def test_one_unit_in_two_periods_in_english(watched_page, cockpit_server, output_dir, tmp_path):
    page, watch = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/compare?mode=periods&against=last_year&unit={STREET}&lang=en&balance=density",
              wait_until="domcontentloaded")
    _wait_until_idle(page)
    page.set_viewport_size({"width": 1920, "height": 2400})
    time.sleep(2.5)
    whole = tmp_path / "compare-periods-en-whole.png"
    page.screenshot(path=str(whole))
    shutil.copyfile(whole, output_dir / whole.name)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "This period" in main and "Same period last year" in main and "Regional balance" in main
    assert watch.page_errors == [] and watch.external_requests == []
