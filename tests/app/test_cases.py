"""The cases page (事件诉求) through AppTest: every tier, both languages, filters in the URL, a row selection.

The page's figures are checked against hand-computed values in tests/unit/test_cases_metrics.py and
across engines in tests/integration/test_parity_cases.py; here: it renders, the filters act on it
and live in the URL, a malformed link gives a notice (never an error), and a selected row shows
that case's timeline.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("app_env")

PAGE = "pages/cases.py"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def clean(at: AppTest) -> AppTest:
    """No exception, no error box, no outage notice, and the page's parts are there."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    bodies = [h.proto.body for h in at.get("html")]
    assert not any('class="ck-notice"' in b for b in bodies), [b for b in bodies if 'class="ck-notice"' in b]
    assert any("ck-cases" in b for b in bodies), "no KPI card"
    assert at.get("image"), "no chart"
    return at


def list_frame(at: AppTest):
    lists = [d for d in at.dataframe if d.proto.id and "cs-list" in d.proto.id] or [at.dataframe[-1]]
    return lists[0]


def screen_text(at: AppTest) -> str:
    parts = [h.proto.body for h in at.get("html")] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning]
    for sb in at.selectbox:
        parts.append(sb.label)
        parts += [str(o) for o in sb.options]
    for df in at.dataframe:
        # Descriptions are the reporters' own words (Chinese in the demo): data, not labels.
        frame = df.value.drop(columns=["Description"], errors="ignore")
        parts += [str(c) for c in frame.columns]
        parts += [str(v) for v in frame.astype(str).to_numpy().ravel()]
    parts += [t.label for t in at.tabs]
    return "\n".join(parts)


@pytest.mark.parametrize("level", ["city", "street", "community", "grid"])
def test_renders_at_every_tier(units, start, level):
    code = units.city if level == "city" else units.first(level) if level != "grid" else \
        units.children(units.first("community"))[0]
    at = clean(start(page=PAGE, unit=code))
    assert at.query_params["unit"] == [code] or at.query_params["unit"] == code
    assert units.name(code) in "".join(h.proto.body for h in at.get("html"))
    # A missing rate shows as the cards' dash, not as Streamlit's English "None".
    assert at.dataframe and all(d.proto.placeholder == "—" for d in at.dataframe)


def test_english_has_no_chinese_and_chinese_is_the_default(units, start):
    code = units.first("street")
    zh = clean(start(page=PAGE, unit=code))
    assert CJK.search(screen_text(zh))
    en = clean(start(page=PAGE, unit=code, lang="en"))
    # Unit names are data (Chinese in the demo): everything else must be English.
    text = screen_text(en)
    for name in {units.name(c) for c in [code, units.city, *units.children(code)]}:
        text = text.replace(name, "")
    found = [text[max(0, m.start() - 20):m.end() + 20] for m in CJK.finditer(text)]
    assert not found, found[:10]


def _received(at: AppTest) -> int:
    html = next(h.proto.body for h in at.get("html") if "ck-cases" in h.proto.body)
    assert 'data-key="review"' in html
    frame = [d.value for d in at.dataframe if "受理数" in d.value.columns][0]
    return int(frame["受理数"].sum())


def test_picking_a_source_filters_the_page_and_the_url(units, start):
    at = clean(start(page=PAGE, unit=units.city))
    everything = _received(at)
    box = next(s for s in at.selectbox if s.key == "filter-cases-source")
    at = clean(box.select("hotline").run())
    assert at.query_params["source"] == ["hotline"] or at.query_params["source"] == "hotline"
    only = _received(at)
    assert 0 < only < everything
    by_source = [d.value for d in at.dataframe if "受理数" in d.value.columns][0]
    assert list(by_source["名称"]) == ["12345热线"]


def test_the_headline_card_and_the_summary_give_the_received_count(units, start, downloads):
    """Issue #25: 期内受理 N 件 on the headline card and in the workbook's and the CSV's summary: the sources add up to it."""
    import csv
    import io
    import threading

    import openpyxl

    def click(make) -> bytes:  # as Streamlit runs a download's callable: on a thread of its own
        out: list[bytes] = []
        worker = threading.Thread(target=lambda: out.append(make()))
        worker.start()
        worker.join(120)
        return out[0]

    at = clean(start(page=PAGE, unit=units.city))
    received = _received(at)
    assert received > 0
    html = next(h.proto.body for h in at.get("html") if "ck-cases" in h.proto.body)
    card = re.search(r'data-key="received"><div class="kl">期内受理</div><div class="kv">([^<]+)</div>', html)
    assert card, html
    shown = card.group(1)
    assert shown.endswith(" 件")
    number = shown.removesuffix(" 件")
    assert (float(number.removesuffix("万")) * 1e4 if number.endswith("万") else int(number.replace(",", ""))) == \
        pytest.approx(received, rel=1e-3 if number.endswith("万") else 0)

    [summary] = [n for n in downloads if n.endswith("_summary.csv")]
    rows = {r["指标"]: r for r in csv.DictReader(io.StringIO(click(downloads[summary]).decode("utf-8-sig")))}
    assert rows["期内受理"]["数值"] == str(received)
    [workbook] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    wb = openpyxl.load_workbook(io.BytesIO(click(downloads[workbook])))
    sheet = next(ws for ws in wb.worksheets[1:] if ws.title.startswith("期内受理事件"))
    values = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["期内受理"] == received

    en = clean(start(page=PAGE, unit=units.city, lang="en"))
    html = next(h.proto.body for h in en.get("html") if "ck-cases" in h.proto.body)
    assert ">Received in the period<" in html


def test_deep_link_with_filters(units, start):
    at = clean(start(page=PAGE, unit=units.city, category="C04", source="patrol", status="closed"))
    boxes = {s.key: s.value for s in at.selectbox if s.key and s.key.startswith("filter-cases-")}
    assert boxes == {"filter-cases-category": "C04", "filter-cases-source": "patrol", "filter-cases-status": "closed"}
    assert not at.warning
    listed = list_frame(at).value
    assert set(listed["状态"]) <= {"已结案"} and set(listed["来源"]) <= {"网格员巡查"}


@pytest.mark.parametrize("bad", ["nonsense", "C04'; drop table case_record;--", "[x](http://evil)"])
def test_malformed_filter_gives_a_notice(units, start, bad):
    at = clean(start(page=PAGE, unit=units.city, category=bad))
    assert at.warning, "no notice for an unknown category"
    assert next(s for s in at.selectbox if s.key == "filter-cases-category").value is None
    assert "category" not in at.query_params


def test_selecting_a_row_shows_its_timeline(app_env, units, start):
    street = units.first("street")
    at = clean(start(page=PAGE, unit=street))
    frame = list_frame(at)
    key = f"cs-list-{street}-30-None-None-None"  # cockpit.ui.cases.list_key: no filter, the default period
    first_id = int(frame.value.iloc[0]["编号"])
    at.session_state[key] = {"selection": {"rows": [0], "columns": []}}
    at = clean(at.run())
    titles = [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]  # a heading since #25
    assert any(f"事件 {first_id} 的办理过程" in v for v in titles), titles
    timeline = at.dataframe[-1].value
    with sqlite3.connect(app_env.db_path) as conn:
        steps = conn.execute("SELECT count(*) FROM case_event WHERE case_id = ?", (first_id,)).fetchone()[0]
    assert len(timeline) == steps > 0
    assert "受理" in set(timeline["环节"])
