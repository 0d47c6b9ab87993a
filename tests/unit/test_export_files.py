"""CSV and XLSX files of a table, read back: BOM, plain numbers, ISO times, typed cells, safe names."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from cockpit.core.model import Window
from cockpit.views import files
from cockpit.views.tables import Table, figures_table

W = Window(datetime(2026, 10, 2), datetime(2026, 11, 1))


def sample() -> Table:
    frame = pd.DataFrame({
        "名称": ["网格员巡查", "12345热线", "居民APP"],
        "受理数": pd.array([40510, 2982, 7], dtype="int64"),
        "办结率": [0.9556, 0.5, None],
        "受理时间": pd.to_datetime(["2026-10-02 08:18", "2026-10-31 23:59", None]),
        "代码": ["330681121001005", "330681121001006", "0330"],
    })
    return Table("by_source", "按来源渠道", frame, percent=("办结率",), note="仅含前 3 行，共 9 行")


def test_file_name_carries_unit_page_period_and_part() -> None:
    assert files.file_name("诸暨市", "cases", W, "by_source", "xlsx") == "诸暨市_cases_2026-10-02_2026-10-31_by_source.xlsx"


@pytest.mark.parametrize("name", ['A/B\\C:D*E?F"G<H>I|J', "CON", "aux.txt", "  点. ", "\x00\x1f社区\n网格", "x" * 300])
def test_file_names_are_safe_on_windows(name: str) -> None:
    out = files.file_name(name, "grids", W, "grids", "csv")
    assert not set('/\\:*?"<>|') & set(out) and all(ord(ch) >= 32 for ch in out)
    assert out.split(".")[0].split("_")[0].upper() not in {"CON", "AUX"}  # not a device name
    assert not out.startswith((" ", ".")) and " _" not in out and "._" not in out and len(out) < 200


def test_csv_has_a_bom_and_reads_back_as_the_same_frame() -> None:
    table = sample()
    raw = files.csv_bytes(table.frame)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "40510" in text and "40,510" not in text and "万" not in text  # plain numbers
    assert "2026-10-02 08:18:00" in text  # ISO time
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", parse_dates=["受理时间"], dtype={"代码": str})
    pd.testing.assert_frame_equal(back, table.frame, check_dtype=False)


def test_xlsx_cells_are_typed_with_chinese_headers_and_a_frozen_header_row() -> None:
    table = sample()
    raw = files.xlsx_bytes([table], "说明", [("单位", "诸暨市"), ("数据", "演示数据"), ("数据截至", datetime(2026, 10, 31, 23, 31))])
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == ["说明", "按来源渠道"]
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True)}
    assert about["数据"] == "演示数据" and about["数据截至"] == datetime(2026, 10, 31, 23, 31)
    ws = wb["按来源渠道"]
    assert [c.value for c in ws[1]] == list(table.frame.columns) and ws.freeze_panes == "A2"
    name, count, rate, when, code = ws[2]
    assert (name.data_type, name.value) == ("s", "网格员巡查")
    assert (count.data_type, count.value, count.number_format) == ("n", 40510, "0")
    assert (rate.data_type, rate.value, rate.number_format) == ("n", 0.9556, "0.0%")
    assert when.is_date and when.value == datetime(2026, 10, 2, 8, 18) and "yyyy-mm-dd" in when.number_format
    assert (code.data_type, code.value) == ("s", "330681121001005")  # a code stays text
    assert ws["C4"].value is None and ws["D4"].value is None  # missing stays empty, not "nan" or "<NA>"
    assert ws.column_dimensions["A"].width >= files.display_width("网格员巡查")


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    names = [files.sheet_name(x, taken) for x in ("a/b:c[d]*?", "Same", "same", "长" * 40)]
    assert all(len(n) <= 31 and not set("[]:*?/\\") & set(n) for n in names)
    assert len({n.lower() for n in names}) == 4


def test_figures_table_keeps_counts_and_rates_in_their_own_typed_columns() -> None:
    table = figures_table("summary", "概况", [("在办", 468, False), ("办结率", 0.958, True), ("满意率", None, True)], "zh")
    wb = openpyxl.load_workbook(io.BytesIO(files.xlsx_bytes([table], "说明", [])))
    rows = list(wb["概况"].iter_rows(min_row=2, values_only=True))
    assert rows == [("在办", 468, None), ("办结率", None, 0.958), ("满意率", None, None)]
    assert wb["概况"]["C3"].number_format == "0.0%"
