"""Phone and tablet: which screen a request comes from, the phone home's HTML, the map fitted to a phone."""

from __future__ import annotations

import pandas as pd
import pytest

from cockpit.domain.metrics import Kpi
from cockpit.ui.device import DESK, PHONE, TABLET, classify
from cockpit.views import home
from cockpit.views import map as mapview

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
IPAD = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
ANDROID_PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
ANDROID_TABLET = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@pytest.mark.parametrize(("agent", "hint", "expected"), [
    (IPHONE, None, PHONE), (ANDROID_PHONE, "?1", PHONE), (IPAD, None, TABLET), (ANDROID_TABLET, "?0", TABLET),
    (DESKTOP, "?0", DESK), (DESKTOP, "?1", PHONE), (None, None, DESK), ("", "", DESK),
])
def test_classify_screen(agent, hint, expected):
    assert classify(agent, hint) == expected


def test_home_figures_are_four_in_two_rows():
    kpis = {k: Kpi(k, v, kind, 0.1, None) for k, v, kind in
            (("open", 12, "count"), ("overdue", 3, "count"), ("active", 0, "count"), ("closure_rate", 0.9, "rate"))}
    out = home.build_home_figures_html(kpis, "zh")
    assert out.count('data-key=') == 4 and out.startswith('<div class="mb-figs">')
    assert 'mb-fig mb-alarm" data-key="overdue"' in out and 'mb-fig" data-key="active"' in out  # alarm only when > 0


def test_home_lists_escape_their_text():
    cases = pd.DataFrame({"id": [7], "received_at": [pd.Timestamp("2026-10-01 08:00")], "due_at": [pd.NaT],
                          "category_code": ["x"], "overdue": [True]})
    out = home.build_case_rows_html(cases, {"x": "<b>违章</b>"}, "zh")
    assert "&lt;b&gt;违章" in out and "mb-tag" in out and "#7" in out


def test_map_view_fits_a_phone_width():
    bounds = (120.0, 29.5, 120.5, 29.9)
    desk, phone = mapview.compute_view(bounds), mapview.compute_view(bounds, 350, 420)
    assert phone.zoom < desk.zoom
    features = {"type": "FeatureCollection", "features": []}
    deck = mapview.build_deck(features, bounds, "zh", width_px=350, height_px=420)
    assert deck.initial_view_state.zoom == phone.zoom
    assert 'type="checkbox"' in mapview.build_pan_switch_html("移动地图")
