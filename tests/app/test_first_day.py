"""A real city's first day in AppTest (#28): 嘉兴's 1,282 units, city and district outlines and grids from
docs/import.md's walk-through, no fact yet; then with its cases and no other fact.

Every page at every tier: no exception, a theme without facts under the unit says 暂无数据 (never a
card reading 0) with the import command for the operator (this open demo), the header's 数据截至
is the newest fact or 暂无数据, and nothing on the page carries the server's folder.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cockpit.ui import data
from tests import firstday_city as fd

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = {"overview": None, "home": "pages/home.py", "cases": "pages/cases.py", "alerts": "pages/alerts.py",
         "participation": "pages/participation.py", "grids": "pages/grids.py", "bigscreen": "pages/bigscreen.py"}
TIERS = {"city": fd.CITY, "district": fd.DISTRICT, "street": fd.STREET, "community": fd.COMMUNITY, "grid": fd.GRID}
SVG = "data:image/svg+xml;base64,"
ZERO_FIGURE = re.compile(r'class="(?:kv|bs-value)"[^>]*>0<')
# What each page says for a theme without facts (the page's own theme, or its cards).
THEME_CARD = {"cases": "本单元尚无事件数据", "alerts": "本单元尚无风险预警数据", "participation": "本单元尚无积分治理数据"}


@pytest.fixture(scope="module")
def no_facts(tmp_path_factory) -> tuple[str, Path]:
    """Units, city and district outlines, grids: the doc's steps 1-3, no fact."""
    return fd.build(tmp_path_factory.mktemp("first-day") / "store", "grids")


@pytest.fixture(scope="module")
def with_cases(tmp_path_factory) -> tuple[str, Path]:
    """…and step 4: categories and four cases, still no population, alert or points."""
    return fd.build(tmp_path_factory.mktemp("first-day-cases") / "store", "cases")


def _use(clean_env, store: tuple[str, Path]) -> Path:
    url, geo = store
    clean_env.setenv("COCKPIT_DB_URL", url)
    clean_env.setenv("COCKPIT_GEO_DIR", str(geo))
    data.clear_caches()  # another test's store had the same unit codes
    return geo.parent


def open_page(page: str, code: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.query_params["unit"] = code
    at.query_params["lang"] = lang
    if PAGES[page]:
        at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def every_text(at: AppTest) -> str:
    """Everything the page sends: each element's protobuf as text, and the SVG inside every image."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for element in at.get("image"):
        parts += [base64.b64decode(i.url[len(SVG):]).decode("utf-8") for i in element.proto.imgs if i.url.startswith(SVG)]
    return "\n".join(parts)


def html(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def _no_server_path(at: AppTest, folder: Path) -> str:
    everything = every_text(at)
    assert str(folder) not in everything and "/tmp/" not in everything, "a server path on the page"
    return everything


@pytest.mark.parametrize("tier", list(TIERS))
@pytest.mark.parametrize("page", list(PAGES))
def test_no_facts_every_page_and_tier_says_no_data(page, tier, no_facts, clean_env):
    folder = _use(clean_env, no_facts)
    at = open_page(page, TIERS[tier])
    _no_server_path(at, folder)
    body = html(at)
    assert not ZERO_FIGURE.search(body), "a figure reads 0 where there is no fact"
    assert at.error == []
    if page == "overview":
        assert body.count('<div class="ck-nodata-v">暂无数据</div>') == 4
        assert "python -m cockpit import csv population.csv --table population_stat" in body  # the open demo's operator
        assert "数据截至 暂无数据" in body
    elif page == "home":
        assert body.count('class="mb-fig nodata"') == 4 and "数据截至 暂无数据" in body
    elif page in THEME_CARD:
        assert THEME_CARD[page] in body and "python -m cockpit import csv" in body
        assert not any("0 场" in c.value or "0 项" in c.value for c in at.caption)  # no summary of zeros either
    elif page == "bigscreen":
        assert body.count(">暂无数据</div>") == 4 and "数据截至 暂无数据" in body
        assert not re.search(r"·\s*(<[^>]+>\s*)*·", body)  # no empty segment in the sub-title


@pytest.mark.parametrize("tier", [*TIERS, "empty_district"])
@pytest.mark.parametrize("page", list(PAGES))
def test_with_cases_only_cases_have_figures(page, tier, with_cases, clean_env):
    folder = _use(clean_env, with_cases)
    code = fd.EMPTY_DISTRICT if tier == "empty_district" else TIERS[tier]
    at = open_page(page, code)
    _no_server_path(at, folder)
    body = html(at)
    has_cases = tier != "empty_district"
    if page == "overview":
        assert body.count('<div class="ck-nodata-v">暂无数据</div>') == (3 if has_cases else 4)
        assert "数据截至 2026年12月1日" in body  # the newest case
        if has_cases:
            assert 'data-key="open"><div class="kl">在办事件</div><div class="kv">' in body
        if tier == "grid":  # its one case is closed: a true zero, not 暂无数据
            assert 'data-key="open"><div class="kl">在办事件</div><div class="kv">0</div>' in body
    elif page == "cases":
        assert (THEME_CARD["cases"] in body) is not has_cases
    elif page in THEME_CARD:
        assert THEME_CARD[page] in body
    elif page == "bigscreen":
        assert body.count(">暂无数据</div>") == (3 if has_cases else 4)


def test_english_says_no_data_yet(no_facts, clean_env):
    _use(clean_env, no_facts)
    body = html(open_page("overview", fd.CITY, "en"))
    assert body.count("No data yet") >= 5 and "Shown once imported:" in body  # four cards and the header


def test_exports_leave_a_theme_without_facts_empty(with_cases, clean_env, downloads):
    """The overview's files say what its cards say: empty cells for a theme without facts, never 0 (#28)."""
    _use(clean_env, with_cases)
    open_page("overview", fd.CITY)
    [indicators] = [n for n in downloads if n.endswith("indicators.csv")]
    frame = pd.read_csv(io.BytesIO(downloads[indicators]()), encoding="utf-8-sig")
    theme, value = frame.columns[0], frame.columns[2]
    assert frame.loc[frame[theme] == "人口", value].isna().all()  # no population yet: empty, not 0
    assert frame.loc[frame[theme] == "事件", value].notna().any()  # cases are there
    [workbook] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    about = {r[0]: r[1] for r in openpyxl.load_workbook(io.BytesIO(downloads[workbook]())).worksheets[0].iter_rows(values_only=True)}
    assert str(about["数据截至"]).startswith("2026-12-01")


def test_the_workbook_of_a_store_without_facts_says_no_data(no_facts, clean_env, downloads):
    _use(clean_env, no_facts)
    open_page("overview", fd.STREET)
    [workbook] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    about = {r[0]: r[1] for r in openpyxl.load_workbook(io.BytesIO(downloads[workbook]())).worksheets[0].iter_rows(values_only=True)}
    assert about["数据截至"] == "暂无数据"


@pytest.mark.parametrize("code", [fd.STREET, fd.GRID])
def test_grid_table_leaves_themes_without_facts_empty(code, with_cases, clean_env):
    """Households, residents, alerts and points are not in yet: their columns are empty (—), not zeros (#28)."""
    _use(clean_env, with_cases)
    at = open_page("grids", code)
    [frame] = [d.value for d in at.dataframe]
    for column in ("户数", "常住人口", "活跃预警", "获得积分"):
        assert frame[column].isna().all(), column
    open_cases = frame["在办事件"]  # cases are in: their figures, a true zero included (百福弄's grids: one closed case)
    assert open_cases.notna().all() and open_cases.sum() == (2 if code == fd.STREET else 0)


def test_after_population_its_card_shows_the_doc_figures(tmp_path_factory, clean_env):
    """Step 5 of the walk-through: the population card shows what docs/import.md says (户籍人口 5,505, 流动人口 2,060)."""
    _use(clean_env, fd.build(tmp_path_factory.mktemp("first-day-population") / "store", "population"))
    body = html(open_page("overview", fd.CITY))
    for key, shown in (("registered", "5,505"), ("floating", "2,060"), ("open", "2"), ("overdue", "1"), ("closure_rate", "50.0%")):
        assert re.search(rf'data-key="{key}"><div class="kl">[^<]*</div><div class="kv">{re.escape(shown)}</div>', body), key
    assert body.count('<div class="ck-nodata-v">暂无数据</div>') == 2  # alerts and points
