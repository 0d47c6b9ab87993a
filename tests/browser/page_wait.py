"""Waiting in Chromium until a cockpit page has finished its run: what the page tests share."""

from __future__ import annotations

import time


def wait_until_idle(page, timeout_s: float = 60.0, settle_s: float = 3.0, image: bool = False) -> None:
    """Until the page has its title and Streamlit's "running" indicator is gone (and, with `image`, a chart
    is drawn); then `settle_s` more for images to decode and maps to paint."""
    page.locator("h1.ck-title").wait_for(timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.locator("[data-testid=stStatusWidget]").count() == 0:
            break
        time.sleep(0.3)
    if image:
        page.locator("[data-testid=stImage]").first.wait_for(timeout=timeout_s * 1000)
    time.sleep(settle_s)
