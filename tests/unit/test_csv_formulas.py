"""CSV injection (OWASP, CWE-1236): text from the public never reaches a spreadsheet as a formula.

Every CSV the cockpit writes goes through `files.csv_bytes` (page downloads, `python -m cockpit
export`) or `files.formula_safe` (the importers' rejected-rows file). A text cell that begins with
a character a spreadsheet reads as the start of a formula gets a leading `'` and is quoted; numbers
— including negative ones and plain-number text — stay numbers. XLSX writes strings as strings.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from cockpit.tools.importers.report import Problem, write_errors
from cockpit.views import files
from cockpit.views.tables import Table

# Excel and LibreOffice start a formula at = + - @; a leading tab or carriage return is stripped by
# some of them before the cell is read. WPS may read the full-width forms the same way.
STARTERS = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]
PAYLOADS = ['HYPERLINK("http://x","y")', "cmd|' /C calc'!A0", "SUM(1+1)*cmd|' /C calc'!A0", "1+2", ""]


def read_as_spreadsheet(raw: bytes) -> list[list[str]]:
    """The cells as a spreadsheet parses the file: UTF-8 with BOM, quoted fields joined."""
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def is_formula(cell: str) -> bool:
    """What Excel/WPS would evaluate: a cell starting with a formula character that is not a plain number."""
    return bool(cell) and cell[0] in files.FORMULA_STARTERS and not files.is_plain_number(cell)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("starter", STARTERS, ids=[f"U+{ord(c):04X}" for c in STARTERS])
def test_every_formula_starter_gets_a_leading_quote(starter: str, payload: str) -> None:
    text = starter + payload
    if files.is_plain_number(text):  # "+1+2" is not, "-" + "" is not: only e.g. "-5"
        pytest.skip("a plain number")
    assert files.formula_safe(text) == "'" + text
    frame = pd.DataFrame({"描述": [text, "正常文字"], "数量": [1, 2]})
    raw = files.csv_bytes(frame)
    rows = read_as_spreadsheet(raw)
    assert rows[1][0] == "'" + text and rows[2][0] == "正常文字"
    assert not any(is_formula(cell) for row in rows for cell in row)
    # quoted, so no delimiter (a comma, or the semicolon of a European Excel) can cut the cell
    # and leave its second half starting a formula
    assert b"\"'" + starter.encode("utf-8") in raw


@pytest.mark.parametrize("text", ["网格员巡查", "a=b", "1-2", "", "'引号开头", " =带空格", "<b>粗体</b>"])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert files.formula_safe(text) == text
    rows = read_as_spreadsheet(files.csv_bytes(pd.DataFrame({"描述": [text]})))
    assert rows[1][0] == text


def test_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({
        "整数": pd.array([-3, 0, 40510], dtype="int64"),
        "可空整数": pd.array([-7, None, 2], dtype="Int64"),
        "小数": [-1.25, 0.5, -0.001],
        "可空小数": pd.array([-2.5, None, 1.0], dtype="Float64"),
        "变化": [-12, "<5", 3],  # a suppressed count column: numbers and "<5" side by side
        "文本数字": ["-3.5", "+7", "-1e3"],  # a number as text is still a number to a spreadsheet
        "描述": ["-", "-1+2", "@x"],
    })
    raw = files.csv_bytes(frame)
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[1].startswith("-3,-7,-1.25,-2.5,-12,")  # unquoted: read as numbers
    rows = read_as_spreadsheet(raw)
    assert [r[5] for r in rows[1:4]] == ["-3.5", "+7", "-1e3"]
    assert [r[6] for r in rows[1:4]] == ["'-", "'-1+2", "'@x"]
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert back["整数"].tolist() == [-3, 0, 40510] and back["小数"].tolist() == [-1.25, 0.5, -0.001]
    for value in (-3, -1.25, 0, 7.0, None):
        assert files.formula_safe(value) == value  # the function never touches a non-text value


def test_headers_are_cells_too() -> None:
    rows = read_as_spreadsheet(files.csv_bytes(pd.DataFrame({"=cmd": [1], "名称": ["x"]})))
    assert rows[0] == ["'=cmd", "名称"]


def test_xlsx_writes_formula_like_text_as_text() -> None:
    hostile = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+2", "-1+2", "＝1+1", "\t=1", "http://example.com"]
    frame = pd.DataFrame({"=名称": hostile, "数量": list(range(-3, len(hostile) - 3))})
    raw = files.xlsx_bytes([Table("t", "表", frame)], "说明", [("单位", "=cmd|' /C calc'!A0")])
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb["表"]
    assert (ws["A1"].data_type, ws["A1"].value) == ("s", "=名称")
    for r, text in enumerate(hostile, start=2):
        cell = ws.cell(r, 1)
        assert (cell.data_type, cell.value) == ("s", text)  # a string cell, never 'f' (formula)
        assert ws.cell(r, 2).data_type == "n"
    assert ws.cell(2, 2).value == -3
    assert wb["说明"]["B1"].data_type == "s"
    assert not ws._hyperlinks  # no text turned into a link


def test_the_importers_rejected_rows_file_is_safe(tmp_path) -> None:
    path = tmp_path / "errors.csv"
    write_errors(path, [Problem("cases.csv", "2", "description", "too long", '=HYPERLINK("http://x","y")'),
                        Problem("cases.csv", "3", "count", "not a number", "-5")])
    rows = read_as_spreadsheet(path.read_bytes())
    assert rows[1][4] == '\'=HYPERLINK("http://x","y")' and rows[2][4] == "-5"
    assert not any(is_formula(cell) for row in rows for cell in row)


def test_a_4000_character_unit_name_still_makes_a_file_name_linux_accepts() -> None:
    from datetime import datetime

    from cockpit.core.model import Window

    w = Window(datetime(2026, 10, 2), datetime(2026, 11, 1))
    for unit in ("长" * 4000, "x" * 4000, "𠀀" * 100):  # 3- and 4-byte characters
        name = files.file_name(unit, "participation", w, "top_communities", "xlsx")
        assert len((name + ".part").encode("utf-8")) <= 255
