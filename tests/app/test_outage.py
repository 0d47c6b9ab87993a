"""The store goes away while the app runs, then comes back: a notice, never Streamlit's error box, and recovery.

Each test works on its own copy of the small demo (the file is moved away and back), so the
shared fixture stays intact. Streamlit's caches live in this process (AppTest runs the app
here), so clearing them stands in for their TTL running out.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cockpit.ui import data, frame
from cockpit.ui.pages import PAGES

CJK = re.compile(r"[\u3400-\u9fff]")


def html_bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def notices(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return [re.sub(r"<[^>]+>", " ", b) for b in html_bodies(at) if 'class="ck-notice"' in b]


def kpi_cards(at: AppTest) -> str:
    found = [b for b in html_bodies(at) if 'class="cards"' in b]
    assert len(found) == 1, "the KPI cards are on screen"
    return found[0]


def test_file_moved_away_keeps_last_figures_with_a_notice_then_recovers(own_city, start):
    at = start()
    before = kpi_cards(at)
    assert notices(at) == []
    moved = own_city.with_suffix(".away")
    own_city.rename(moved)
    data.clear_caches()  # as when the TTL runs out: the next run must ask the store
    at.run()
    [notice] = notices(at)
    assert "无法连接数据库" in notice and "显示的是" in notice and "自动重试" in notice
    assert time.strftime("%H:") in notice  # the time of the figures still shown
    assert kpi_cards(at) == before  # the last good figures, not blanks
    assert at.get("deck_gl_json_chart"), "the map is still drawn"
    moved.rename(own_city)
    at.run()  # what the retry fragment's rerun does once the store answers
    assert notices(at) == []
    assert kpi_cards(at) == before


def test_unseen_unit_while_away_says_so_in_english_and_the_rest_stays(own_city, start, units):
    at = start(lang="en")
    own_city.rename(own_city.with_suffix(".away"))
    street = units.first("street")
    at = at.selectbox(key=f"drill-{units.city}-en").select(street).run()  # figures never read before
    [notice] = notices(at)
    assert "Cannot reach the database" in notice and "retries every" in notice and not CJK.search(notice)
    assert "No figures to show yet" in notice
    assert any("not available right now" in c.value for c in at.caption)
    assert at.query_params["unit"] == street  # the view still follows the user
    own_city.with_suffix(".away").rename(own_city)
    at.run()
    assert notices(at) == [] and kpi_cards(at)


def test_missing_tables_and_locked_store_are_told_apart(own_city, start):
    at = start()
    with sqlite3.connect(own_city) as conn:
        conn.execute("ALTER TABLE case_record RENAME TO case_record_gone")
    conn.close()
    data.clear_caches()
    at.run()
    [notice] = notices(at)
    assert "数据库中没有驾驶舱所需的数据表或数据" in notice
    with sqlite3.connect(own_city) as conn:
        conn.execute("ALTER TABLE case_record_gone RENAME TO case_record")
    conn.close()
    at.run()
    assert notices(at) == []


@pytest.mark.usefixtures("own_city")
def test_retry_fragment_reruns_the_page_only_once_the_store_answers(monkeypatch):
    """The fragment's timed reruns ask the store; the run that drew the notice does not."""
    asked: list[str] = []
    reruns: list[str] = []
    monkeypatch.setattr(frame, "store_answers", lambda db_url: asked.append(db_url) or True)
    monkeypatch.setattr(st, "rerun", lambda scope="app": reruns.append(scope))
    session: dict[str, float] = {"_outage_shown_at": time.time()}
    monkeypatch.setattr(st, "session_state", session)
    frame.retry_check()
    assert asked == [] and reruns == []  # just drawn: no question yet
    session["_outage_shown_at"] -= frame.RETRY_SECONDS
    frame.retry_check()
    assert len(asked) == 1 and reruns == ["app"]
    monkeypatch.setattr(frame, "store_answers", lambda _db_url: False)
    reruns.clear()
    frame.retry_check()
    assert reruns == []  # still down: the notice stays, nothing reruns


def test_store_answers_checks_a_fresh_connection(own_city, tmp_path):
    url = f"sqlite:///{own_city}"
    assert frame.store_answers(url)
    own_city.rename(own_city.with_suffix(".away"))
    assert not frame.store_answers(url)
    own_city.with_suffix(".away").rename(own_city)
    assert frame.store_answers(url)
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    assert not frame.store_answers(f"sqlite:///{empty}")  # answers, but holds no unit tree


@pytest.mark.usefixtures("own_city")
def test_broken_boundary_file_affects_the_map_alone(small_demo, clean_env, start, tmp_path):
    geo = tmp_path / "geo"
    shutil.copytree(small_demo.geo_dir, geo)
    (geo / "units.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    clean_env.setenv("COCKPIT_GEO_DIR", str(geo))
    at = start()
    assert notices(at) == []  # the database is fine: no store notice
    assert at.get("deck_gl_json_chart") == []
    [warning] = [w.value for w in at.warning]
    assert "边界文件无法读取" in warning and "units.geojson" in warning
    assert str(geo) not in warning  # the file's name inside the boundary folder, never the server's path (#28)
    assert kpi_cards(at)
    # the charts are drawn, and the streets ranked in the map's place (cockpit.ui.outline)
    alts = [img.alt for element in at.get("image") for img in element.proto.imgs]
    assert sorted(alts) == sorted(["趋势", "下级街道排名 · 在办事件"])
    shutil.copyfile(small_demo.geo_dir / "units.geojson", geo / "units.geojson")  # repaired: the map is back
    at.run()
    assert at.get("deck_gl_json_chart") and not at.warning


@pytest.mark.usefixtures("own_city")
def test_a_section_with_a_bug_shows_a_notice_in_place_and_the_rest_of_the_page(start, monkeypatch):
    """A bug nobody foresaw, in one part of the page: a line in its place, never Streamlit's box."""

    def broken(_scope):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr("cockpit.ui.render_trends", broken)
    at = start()
    assert not at.exception and not at.error
    assert any("已记录在服务器日志中" in c.value for c in at.caption)  # the failing section says so in place
    assert kpi_cards(at)  # and the rest of the page is drawn


def test_app_catches_a_page_failing_outside_its_frame(clean_env, small_demo, monkeypatch):
    from cockpit.ui import frame

    clean_env.setenv("COCKPIT_DB_URL", small_demo.db_url)
    clean_env.setenv("COCKPIT_GEO_DIR", str(small_demo.geo_dir))

    def broken(*_args, **_kwargs):
        raise RuntimeError("before the frame")

    monkeypatch.setattr(frame, "page_frame", broken)
    monkeypatch.setattr("cockpit.ui.page_frame", broken)
    from tests.app.conftest import APP_PATH
    at = AppTest.from_file(str(APP_PATH), default_timeout=60).run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == ["此部分出现问题，已记录在服务器日志中；其余内容正常显示。"]


@pytest.mark.parametrize("page", [p.path for p in PAGES], ids=[p.key for p in PAGES])
def test_every_page_keeps_its_figures_with_a_notice_when_the_store_goes(own_city, start, page):
    """Every registered page, not only the overview: store gone → notice, no error box; back → no notice."""
    at = start(page=page)
    assert notices(at) == []
    drawn = len(at.get("html")) + len(at.get("image")) + len(at.get("arrow_data_frame"))
    away = own_city.with_suffix(".away")
    own_city.rename(away)
    data.clear_caches()
    at.run()
    [notice] = notices(at)
    assert "无法连接数据库" in notice
    # what the page showed is still there (the last good answers), not blanks
    assert len(at.get("html")) + len(at.get("image")) + len(at.get("arrow_data_frame")) >= drawn + 1  # + the notice
    away.rename(own_city)
    at.run()
    assert notices(at) == []
