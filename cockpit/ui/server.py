"""What app.py starts beside the server: the chart worker (cockpit.views.draw_pool)."""

from __future__ import annotations

from cockpit.core.settings import load_settings
from cockpit.views import draw_pool


def start_chart_workers() -> None:
    """The processes that draw the screen's charts, started with the server so the first viewer does not wait."""
    draw_pool.start(load_settings().chart_workers)
