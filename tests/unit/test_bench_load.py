"""The load tool's pure parts: unit draw, page mix, think time, percentiles, loopback only, notices."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from cockpit.core.i18n import TEXT
from cockpit.tools.bench import load_plan, load_server
from cockpit.tools.bench.load_plan import LoadError


def test_the_draw_follows_real_use_across_tiers():
    pools = {"city": ["330400000000"], "district": ["330402000000", "330411000000"],
             "street": [f"3304020{i:02d}000" for i in range(10)], "community": [f"3304020010{i:02d}" for i in range(40)],
             "grid": [f"330402001001{i:03d}" for i in range(80)]}
    weights = load_plan.tier_weights(pools)
    rng = random.Random(7)
    n = 20_000
    drawn = Counter(load_plan.draw_unit(rng, pools, weights)[0] for _ in range(n))
    for tier, share in load_plan.TIER_WEIGHTS.items():
        assert abs(drawn[tier] / n - share) < 0.015, (tier, drawn[tier] / n)
    tier, code = load_plan.draw_unit(rng, pools, weights)
    assert code in pools[tier]
    assert all(len(c) == 15 for c in pools["grid"])


def test_a_tier_the_city_lacks_drops_out_and_the_rest_scale_up():
    pools = {"city": ["330681000000"], "district": [], "street": ["330681001000"], "community": ["330681001001"],
             "grid": []}
    weights = load_plan.tier_weights(pools)
    assert set(weights) == {"city", "street", "community"}
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["street"] == pytest.approx(0.30 / 0.65)
    with pytest.raises(LoadError):
        load_plan.tier_weights({"city": [], "grid": []})


def test_mix_parsing():
    assert load_plan.parse_mix("overview=4,cases=2,alerts=2,participation=1,grids=1") == {
        "overview": 4.0, "cases": 2.0, "alerts": 2.0, "participation": 1.0, "grids": 1.0}
    assert load_plan.parse_mix(" overview = 1 , bigscreen=0.5 ,") == {"overview": 1.0, "bigscreen": 0.5}
    assert load_plan.parse_mix("home") == {"home": 1.0}
    assert load_plan.parse_mix("overview=1,cases=0") == {"overview": 1.0}  # weight 0: never drawn
    default = load_plan.parse_mix(None)
    assert default["overview"] == max(default.values()) and set(default) <= set(load_plan.LOAD_PAGES)
    for bad in ("maps=1", "overview=x", "overview=-1", "overview=0", "overview=nan", ""):
        with pytest.raises(LoadError):
            load_plan.parse_mix(bad)


def test_page_draw_follows_the_mix_and_changes_page():
    rng = random.Random(3)
    mix = {"overview": 4.0, "cases": 1.0}
    drawn = Counter(load_plan.draw_page(rng, mix) for _ in range(10_000))
    assert 0.77 < drawn["overview"] / 10_000 < 0.83
    assert all(load_plan.draw_page(rng, mix, other_than="overview") == "cases" for _ in range(50))
    assert load_plan.draw_page(rng, {"home": 1.0}, other_than="home") == "home"


def test_the_pages_are_the_apps():
    from cockpit.ui.pages import PAGES

    assert set(load_plan.LOAD_PAGES) == {p.key for p in PAGES if p.with_unit}
    assert PAGES[0].key == load_plan.DEFAULT_PAGE  # the default page is served at "/": page_name ""
    assert load_plan.page_name("overview") == "" and load_plan.page_name("cases") == "cases"


def test_think_parsing():
    assert load_plan.parse_think("5-15") == (5.0, 15.0)
    assert load_plan.parse_think("10") == (10.0, 10.0)
    assert load_plan.parse_think("0.5-1") == (0.5, 1.0)
    for bad in ("15-5", "-1", "a-b", "nan", ""):
        with pytest.raises(LoadError):
            load_plan.parse_think(bad)


def test_percentiles():
    assert load_plan.percentile([], 50) is None
    assert load_plan.percentile([3.0], 99) == 3.0
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert load_plan.percentile(values, 50) == pytest.approx(50.5)
    assert load_plan.percentile(values, 95) == pytest.approx(95.05)
    assert load_plan.percentile(values, 99) == pytest.approx(99.01)
    assert load_plan.percentile(list(reversed(values)), 0) == 1.0 and load_plan.percentile(values, 100) == 100.0
    s = load_plan.summarize([0.1, 0.2, 0.3, 0.4])
    assert s["count"] == 4 and s["p50_ms"] == 250.0 and s["max_ms"] == 400.0 and s["mean_ms"] == 250.0
    assert load_plan.summarize([])["p95_ms"] is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8501", "127.0.0.1:8611", "http://localhost:8501/", "ws://127.3.4.5:9",
                                 "http://[::1]:8501", "http://127.0.0.1:8501/cockpit/_stcore/stream"])
def test_loopback_urls_are_accepted(url):
    target = load_plan.parse_target(url)
    assert load_plan.is_loopback(target.host)
    assert target.stream_url.endswith("/_stcore/stream")
    assert "/_stcore/stream/_stcore" not in target.stream_url


@pytest.mark.parametrize("url", ["http://10.0.0.5:8501", "http://192.168.1.20:8501", "http://example.com:8501",
                                 "http://127.0.0.1.example.com:8501", "http://[::2]:8501", "http://0.0.0.0:8501",
                                 "http://localhost.evil.net/", "ftp://127.0.0.1/"])
def test_other_hosts_are_refused_with_a_reason(url):
    with pytest.raises(LoadError, match="loopback|scheme"):
        load_plan.parse_target(url)


def test_the_target_keeps_port_and_base_path():
    t = load_plan.parse_target("http://127.0.0.1:8611/cockpit/")
    assert (t.port, t.base_path) == (8611, "/cockpit")
    assert t.stream_url == "ws://127.0.0.1:8611/cockpit/_stcore/stream"
    assert t.http_base == "http://127.0.0.1:8611/cockpit"
    assert load_plan.parse_target("http://[::1]:8501").stream_url == "ws://[::1]:8501/_stcore/stream"


def test_notice_needles_match_the_drawn_notices_in_both_languages():
    needles = load_plan.notice_needles()
    for key in ("page_problem", "section_unavailable"):
        for text in TEXT[key]:
            assert any(n in text.encode() for n in needles), (key, text)
    retry = TEXT["outage_retry"][0].format(seconds=15).encode()
    assert any(n in retry for n in needles)
    # The unknown-unit notice is the page working as designed, not an error.
    assert not any(n in TEXT["unknown_unit"][0].format(code="`1`").encode() for n in needles)
    assert all(len(n) >= 6 for n in needles)


def test_proc_parsing():
    tcp = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
           "   0: 0100007F:2163 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n"
           "   1: 0100007F:2163 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4343 1\n"
           "   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1\n")
    assert load_server.listening_inodes(tcp, 0x2163) == {"4242"}
    assert load_server.listening_inodes(tcp, 8080) == {"4444"}
    assert load_server.listening_inodes(tcp, 1) == set()
    assert load_server.rss_kb("Name:\tpython\nVmRSS:\t  123456 kB\n") == 123456
    assert load_server.rss_kb("Name:\tpython\n") is None
    metrics = '# TYPE active_sessions gauge\nactive_sessions 12\nsession_events_total{type="connect"} 3\n'
    assert load_server.metric_value(metrics, "active_sessions") == 12.0
    assert load_server.metric_value(metrics, "process_resident_memory_bytes") is None


def test_the_cli_refuses_a_remote_url_before_doing_anything(capsys):
    from cockpit.tools.cli import main

    assert main(["bench-load", "--url", "http://203.0.113.9:8501", "--sessions", "2", "--duration", "5"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_viewers_spread_over_loopback_sources_only_when_asked():
    assert load_plan.source_address(7, 1) is None
    assert [load_plan.source_address(i, 3) for i in range(4)] == [("127.0.0.1", 0), ("127.0.1.1", 0), ("127.0.2.1", 0),
                                                            ("127.0.0.1", 0)]
    assert all(load_plan.is_loopback(load_plan.source_address(i, 200)[0]) for i in range(200))
