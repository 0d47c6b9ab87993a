"""Every page's downloads, taken the way a click takes them, read back and compared with the screen and the CLI.

AppTest runs the page; the deferred callables its download buttons hand to Streamlit are caught
where Streamlit registers them, and called as a click would (on another thread, no session).
Then: each CSV decodes to the frame the page shows; the workbook's sheets hold the same values,
typed, under a first sheet that names unit, code, period and "演示数据"; the images hold the
chart's text; and `python -m cockpit export` writes the same files.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from PIL import Image

from cockpit.views import images
from tests.conftest import without_cockpit_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
PAGES = ("overview", "cases", "alerts", "participation", "grids")
EXPORT_TIME_ROW = "导出时间"
# tables whose figures the screen shows as cards, a map or a chart rather than a dataframe
NOT_DATAFRAMES = ("_summary.csv", "_indicators.csv", "_sub_units.csv", "_rates.csv", "_activities.csv",
                  "_forecast.csv")  # the trend chart's forecast (#24): its data table, not a list


def click(make) -> bytes:
    """Run a download's callable the way Streamlit does: on a thread of its own."""
    out: list[bytes] = []
    worker = threading.Thread(target=lambda: out.append(make()))
    worker.start()
    worker.join(120)
    return out[0]


def screen_frames(at) -> list[pd.DataFrame]:
    return [d.value.reset_index(drop=True) for d in at.dataframe]


def read_csv(raw: bytes, like: pd.DataFrame) -> pd.DataFrame:
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM: Chinese Excel would show mojibake"
    times = [c for c in like.columns if pd.api.types.is_datetime64_any_dtype(like[c])]
    text = [c for c in like.columns if pd.api.types.is_string_dtype(like[c]) and c not in times]
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", parse_dates=times, dtype=dict.fromkeys(text, str))
    return back.fillna(dict.fromkeys(text, ""))  # a CSV cannot tell an empty text from a missing one


def same(back: pd.DataFrame, shown: pd.DataFrame) -> bool:
    text = [c for c in shown.columns if pd.api.types.is_string_dtype(shown[c])]
    try:
        pd.testing.assert_frame_equal(back.reset_index(drop=True), shown.fillna(dict.fromkeys(text, "")),
                                      check_dtype=False)
    except AssertionError:
        return False
    return True


def sheet_rows(raw: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    return {ws.title: [r for r in ws.iter_rows(values_only=True) if not (r and r[0] == EXPORT_TIME_ROW)] for ws in wb}


def cli_export(tmp_path: Path, env, unit: str, page: str, fmt: str) -> dict[str, bytes]:
    out = tmp_path / f"{page}-{fmt}"
    proc = subprocess.run([sys.executable, "-m", "cockpit", "export", "--unit", unit, "--page", page, "--format", fmt,
                           "--out", str(out), "--db", env.db_url, "--geo-dir", str(env.geo_dir)],
                          cwd=PROJECT_DIR, env=without_cockpit_settings(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    paths = [Path(line) for line in proc.stdout.splitlines()]
    assert paths and all(p.is_file() and p.parent == out for p in paths)
    return {p.name: p.read_bytes() for p in paths}


@pytest.mark.parametrize("page", PAGES)
def test_page_downloads_hold_what_the_screen_shows_and_equal_the_cli(page, app_env, units, start, downloads, tmp_path):
    unit = units.first("street")
    at = start(page=f"pages/{page}.py", unit=unit, period="30")
    assert not at.exception, [e.value for e in at.exception]
    name = units.name(unit)
    assert downloads and all(n.startswith(f"{name}_{page}_") for n in downloads), sorted(downloads)
    shown = screen_frames(at)

    csvs = {n: click(f) for n, f in downloads.items() if n.endswith(".csv")}
    assert csvs
    matched = 0
    for n, raw in csvs.items():
        header = list(pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", nrows=0).columns)
        candidates = [f for f in shown if list(f.columns) == header]
        if raw.count(b"\r\n") == 1 and not candidates:
            continue  # an empty table: the screen says so in words instead of drawing an empty list
        if n.endswith(NOT_DATAFRAMES):
            continue  # cards, the map or a chart on screen: checked below, in the workbook and in unit tests
        assert any(same(read_csv(raw, f), f) for f in candidates), f"{n} is not a table the page shows"
        matched += 1
    assert matched >= (0 if page == "overview" else 1)
    if page == "overview":  # its table of sub-units is what the map colours: the same units, in every metric
        [sub_units] = [n for n in csvs if n.endswith("_sub_units.csv")]
        codes = set(pd.read_csv(io.BytesIO(csvs[sub_units]), encoding="utf-8-sig", dtype={"代码": str})["代码"])
        deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        drawn = {f["properties"]["code"] for layer in deck["layers"] if isinstance(layer.get("data"), dict)
                 for f in layer["data"].get("features", [])}
        assert codes == drawn == set(units.children(unit))

    [workbook] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    page_book = click(downloads[workbook])
    wb = openpyxl.load_workbook(io.BytesIO(page_book))
    about = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert about["单位"] == name and about["代码"] == unit and about["数据性质"] == "演示数据"
    assert "30 天" in about["统计周期"] and about["数据截至"] is not None
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes == "A2" and all(isinstance(c.value, str) for c in ws[1])

    # the command line writes the same files (the export time aside)
    cli_csv = cli_export(tmp_path, app_env, unit, page, "csv")
    assert cli_csv == csvs
    [(cli_name, cli_book)] = cli_export(tmp_path, app_env, unit, page, "xlsx").items()
    assert cli_name == workbook and sheet_rows(cli_book) == sheet_rows(page_book)


@pytest.mark.parametrize("page", ("cases", "overview"))
def test_chart_images_keep_their_chinese_text(page, app_env, units, start, downloads, tmp_path):
    at = start(page=f"pages/{page}.py", unit=units.city, period="30")
    assert not at.exception
    pngs = {n: click(f) for n, f in downloads.items() if n.endswith(".png")}
    svgs = {n: click(f).decode("utf-8") for n, f in downloads.items() if n.endswith(".svg")}
    assert pngs and svgs and len(pngs) == len(svgs)
    for n, raw in pngs.items():
        img = Image.open(io.BytesIO(raw))
        assert img.format == "PNG" and img.width >= 2 * 420, (n, img.size)  # 2x for print
        band = img.convert("RGB").crop((0, 0, img.width // 2, 28 * 2))  # where the first title is drawn
        buf = io.BytesIO()
        band.save(buf, format="PNG")
        assert images.drawn_pixels(buf.getvalue()) > 200, f"{n}: no title drawn"
    titles = {"cases": ("办理流程漏斗", "解决层级"), "overview": ("事件受理与办结", "预警数")}[page]
    assert all(any(t in s for s in svgs.values()) for t in titles)
    assert all(f'font-family="{images.CJK_FAMILY}"' in s for s in svgs.values())
    assert set(cli_export(tmp_path, app_env, units.city, page, "svg")) == set(svgs)


@pytest.mark.usefixtures("app_env")
def test_filters_and_language_reach_the_files(units, start, downloads):
    at = start(page="pages/cases.py", unit=units.city, period="30", lang="en", source="hotline")
    assert not at.exception
    [workbook] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    wb = openpyxl.load_workbook(io.BytesIO(click(downloads[workbook])))
    about = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert about["Data"] == "Demo data" and "12345" in about["Filters"]
    sources = next(ws for ws in wb.worksheets if ws.title == "By source")
    assert [c.value for c in sources[1]][0] == "Name"
    assert [r[0] for r in sources.iter_rows(min_row=2, values_only=True)] == ["12345 hotline"]


@pytest.mark.usefixtures("app_env")
def test_grids_export_under_the_city_is_bounded_and_says_so(units, start, downloads):
    at = start(page="pages/grids.py", unit=units.city, period="30")
    assert not at.exception
    [workbook] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    wb = openpyxl.load_workbook(io.BytesIO(click(downloads[workbook])))
    about = [r for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert any(str(v).startswith("仅含前 50 行，共 ") for _, v in about), about
    assert wb.worksheets[1].max_row == 51


@pytest.mark.usefixtures("app_env")
def test_counts_are_integers_in_the_overview_csv_and_xlsx(units, start, downloads):
    """Issue #25: `户籍人口,15891`, never `15891.0`; rates stay fractions with their decimals."""
    import csv

    at = start(page="pages/overview.py", unit=units.city, period="30")
    assert not at.exception
    [indicators] = [n for n in downloads if n.endswith("_indicators.csv")]
    rows = list(csv.DictReader(io.StringIO(click(downloads[indicators]).decode("utf-8-sig"))))
    by_metric = {r["指标"]: r for r in rows}
    for count in ("户籍人口", "流动人口", "在办事件", "期内预警", "获得积分"):
        cell = by_metric[count]["数值"]
        assert cell.isdigit() and int(cell) > 0, (count, cell)
    assert "." in by_metric["办结率"]["比率"] and float(by_metric["办结率"]["比率"]) < 1  # a rate stays a fraction
    for name in [n for n in downloads if n.endswith("_sub_units.csv")]:
        sub = list(csv.DictReader(io.StringIO(click(downloads[name]).decode("utf-8-sig"))))
        assert sub and all(r["人口"].isdigit() for r in sub)

    [workbook] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    wb = openpyxl.load_workbook(io.BytesIO(click(downloads[workbook])))
    sheet = next(ws for ws in wb.worksheets[1:] if ws.cell(1, 2).value == "指标")
    header = [c.value for c in sheet[1]]
    value_col, rate_col = header.index("数值") + 1, header.index("比率") + 1
    cells = {sheet.cell(r, 2).value: (sheet.cell(r, value_col), sheet.cell(r, rate_col)) for r in range(2, sheet.max_row + 1)}
    for count in ("户籍人口", "流动人口", "在办事件", "期内预警", "获得积分"):
        cell = cells[count][0]
        assert isinstance(cell.value, int) and cell.number_format == "0", (count, cell.value, cell.number_format)
    rate = cells["办结率"][1]
    assert isinstance(rate.value, float) and rate.number_format == "0.0%"
