"""A custom date range (#23, Dates) in Chromium: 统计周期 → 自定义…, two dates typed, the URL and the header follow.

Screenshots land in test-output/browser/ for a person to look at: the sidebar's two date fields and the
calendar are Chinese on the Chinese screen (the browser's locale, zh-CN), nothing cut off.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from page_wait import wait_until_idle

pytestmark = pytest.mark.browser

CITY = "330681000000"
SETTLE_S = 2.0
VISIBLE_TEXT = """(root) => {
  const out = [], walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const r = n.parentElement.getBoundingClientRect();
    if (r.width > 2 && r.height > 2) out.push(n.textContent);
  }
  return out.join(" ");
}"""


def _wait_until_idle(page, timeout_s: float = 60.0) -> None:
    wait_until_idle(page, timeout_s, SETTLE_S, image=False)


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _wait_for_query(page, timeout_s: float = 30.0, **wanted: str) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        query = _query(page)
        if all(query.get(k) == v for k, v in wanted.items()):
            return query
        time.sleep(0.3)
    raise AssertionError(f"the URL never had {wanted}: {page.url}")


def _type_date(page, label: str, day: str) -> None:
    """Type YYYYMMDD into a date field's segments (year first), Enter, and leave the field: that commits it."""
    field = page.get_by_role("group", name=label)
    field.locator('[data-type="year"]').click()
    page.keyboard.type(day.replace("-", ""))
    page.keyboard.press("Enter")
    time.sleep(0.3)
    page.keyboard.press("Escape")  # the calendar, if Enter opened it
    page.locator("h1.ck-title").click()


def _set_date(page, label: str, day: str, **wanted: str) -> dict[str, str]:
    """Type the date until the URL says it (a rerun that lands while typing can swallow the keys); the URL."""
    for _ in range(3):
        _wait_until_idle(page)
        _type_date(page, label, day)
        try:
            return _wait_for_query(page, 10.0, **wanted)
        except AssertionError:
            continue
    return _wait_for_query(page, 1.0, **wanted)


def test_pick_custom_type_two_dates_and_the_url_follows(watched_page, cockpit_server, output_dir):
    page, watch = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/?unit={CITY}&lang=zh&period=30", wait_until="domcontentloaded")
    _wait_until_idle(page)
    end = page.locator("div.ck-sub").inner_text()
    last = re.search(r"– (\d{4})年(\d+)月(\d+)日", end)
    assert last, end
    year, month = int(last.group(1)), int(last.group(2))
    first_day, last_day = f"{year}-{month:02d}-01", f"{year}-{month:02d}-07"

    page.locator('[data-testid="stSelectbox"]').filter(has_text="统计周期").first.click()
    page.get_by_role("option", name="自定义…", exact=True).click()
    page.get_by_role("group", name="开始日期").wait_for()
    _wait_until_idle(page)
    query = _wait_for_query(page)
    assert "start" in query and "end" in query and "period" not in query, page.url  # 自定义 starts as the last 30 days

    _set_date(page, "开始日期", first_day, start=first_day)
    query = _set_date(page, "结束日期", last_day, start=first_day, end=last_day)
    assert "period" not in query and query["unit"] == CITY
    _wait_until_idle(page)
    sub = page.locator("div.ck-sub").inner_text()
    assert f"统计周期 {year}年{month}月1日 – {month}月7日 · 7天" in sub, sub
    page.mouse.move(1, 1)
    page.screenshot(path=str(output_dir / "custom-dates-zh-1920x1080.png"))

    # The calendar of the end date, opened: Chinese month and weekday names on the Chinese screen.
    page.get_by_role("group", name="结束日期").click()
    page.keyboard.press("Alt+ArrowDown")
    calendar = page.get_by_role("dialog").or_(page.locator('[role="grid"]')).first
    calendar.wait_for(timeout=10_000)
    time.sleep(0.5)
    page.screenshot(path=str(output_dir / "custom-dates-calendar-zh-1920x1080.png"))
    # What is drawn: Streamlit's screen-reader hint ("Use arrow keys to navigate dates…") is a 1-px box, not seen.
    shown = " ".join([*(f.evaluate(VISIBLE_TEXT) for f in page.locator('[data-testid="stDateInput"]').all()),
                      calendar.evaluate(VISIBLE_TEXT)])
    assert "十月" in shown or f"{month}月" in shown, shown
    words = sorted(set(re.findall(r"[A-Za-z]{3,}", shown)))
    assert words == [], f"English in the date fields or their calendar: {words}"
    page.keyboard.press("Escape")

    # Nothing cut off: the two fields show the whole date inside the sidebar.
    for label in ("开始日期", "结束日期"):
        field = page.get_by_role("group", name=label)
        box, bar = field.bounding_box(), page.locator("[data-testid=stSidebar]").bounding_box()
        assert box and bar and box["x"] >= bar["x"] and box["x"] + box["width"] <= bar["x"] + bar["width"]
        assert re.fullmatch(r"\d{4}\s*-\s*\d{2}\s*-\s*\d{2}", field.inner_text().strip()), field.inner_text()
    assert page.locator("[data-testid=stException]").count() == 0
    watch.assert_clean()
