"""The forecasts in Chromium (#24): the overview's trend panel continues into its band and, with the backtest
line under it, still fits one 1920×1080 screen in both languages (the Chinese one without English words);
the big screen's cases and alerts panels say 未来7天. Screenshots in test-output/browser/forecast-*."""

from __future__ import annotations

from test_map import assert_chinese_only, assert_fits_screen, save, wait_for_charts, wait_for_map


def test_overview_band_and_backtest_fit_one_screen(watched_page, cockpit_server, output_dir):
    page, watch = watched_page(1920, 1080)
    for lang in ("zh", "en"):
        page.goto(f"{cockpit_server.base_url}/?lang={lang}", wait_until="domcontentloaded")
        wait_for_map(page)
        wait_for_charts(page)
        page.mouse.move(1, 1)
        note = page.get_by_text("近12周回测" if lang == "zh" else "Last 12 weeks' backtest")
        note.wait_for()
        assert_fits_screen(page, f"overview {lang}")
        box = note.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 1080, f"{lang}: the backtest line is below the screen"
        if lang == "zh":
            assert_chinese_only(page, "overview with its forecast")
        save(page, output_dir, f"forecast-overview-{lang}-1920x1080.png")
    watch.assert_clean()


def test_big_screen_says_the_next_seven_days(watched_page, cockpit_server, output_dir):
    page, _ = watched_page(1920, 1080)
    page.goto(f"{cockpit_server.base_url}/bigscreen", wait_until="domcontentloaded")
    page.locator(".bs-next").first.wait_for()
    lines = page.locator(".bs-next").all_inner_texts()
    assert len(lines) == 2 and all("未来7天" in x and "80%区间" in x for x in lines), lines
    for line in page.locator(".bs-next").all():
        box = line.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 1080 and box["x"] + box["width"] <= 1920
    save(page, output_dir, "forecast-bigscreen-zh-1920x1080.png")
