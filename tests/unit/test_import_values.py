"""Cells to contract values, and the file text under them: encodings, binary, empty and truncated files."""

from __future__ import annotations

import codecs
from datetime import date, datetime
from pathlib import Path

import pytest

from cockpit.store import schema
from cockpit.tools.importers.report import ImportFailure
from cockpit.tools.importers.textfile import decode, read_text
from cockpit.tools.importers.values import CellError, parse_cell, parse_datetime

C = schema.case_record.c


@pytest.mark.parametrize(("text", "want"), [
    ("2012-05-23T15:55:28-04:00", datetime(2012, 5, 24, 3, 55, 28)),   # the contract's own example
    ("2026-05-01T00:00:00Z", datetime(2026, 5, 1, 8, 0)),
    ("2026-05-01T08:00:00+08:00", datetime(2026, 5, 1, 8, 0)),
    ("2026/05/01 08:00", datetime(2026, 5, 1, 8, 0)),                    # naive: already local
    ("2026-12-31T23:30:00-01:00", datetime(2027, 1, 1, 8, 30)),          # across a year end
])
def test_times_are_converted_to_naive_utc8(text, want):
    assert parse_datetime(text) == want


def test_open311_times_need_an_offset():
    with pytest.raises(CellError, match="no UTC offset"):
        parse_datetime("2012-05-23T15:55:28", require_offset=True)


@pytest.mark.parametrize(("column", "text", "want"), [
    (C.satisfaction, "4", 4),
    (C.satisfaction, "4.0", 4),
    (C.lon, "120.25", 120.25),
    (C.description, "  ", None),
    (schema.population_stat.c.as_of, "2026-05-01 00:00:00", date(2026, 5, 1)),
    (schema.admin_unit.c.code, "330681001001", "330681001001"),
])
def test_cells(column, text, want):
    assert parse_cell(column, text) == want


@pytest.mark.parametrize(("column", "text", "reason"), [
    (C.satisfaction, "4.5", "whole number"),
    (C.lon, "nan", "finite"),
    (C.lon, "东经120", "not a number"),
    (C.received_at, "yesterday", "not a date and time"),
    (schema.grid.c.code, "3.30681E+14", "code written as a number"),
    (C.grid_code, "330681001001001.0", "code written as a number"),
    (schema.admin_unit.c.name, "名" * 65, "longer than 64"),
])
def test_bad_cells(column, text, reason):
    with pytest.raises(CellError, match=reason):
        parse_cell(column, text)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings_are_detected(tmp_path: Path, encoding):
    path = tmp_path / "f.csv"
    path.write_text("区划代码,名称\n330681000000,诸暨市\n", encoding=encoding)
    text, used = read_text(path)
    assert text.startswith("区划代码") and used.replace("-sig", "") == encoding.replace("-sig", "")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (codecs.BOM_UTF8 + b"\r\n", "empty"),
    (b"PK\x03\x04\x00\x00", "binary"),
    ("名称\n诸暨".encode()[:-2], "truncated"),
])
def test_unreadable_files(tmp_path: Path, data, message):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    with pytest.raises(ImportFailure, match=message):
        read_text(path)


def test_an_encoding_that_does_not_fit_names_the_line():
    with pytest.raises(ImportFailure, match="line 2"):
        decode("a\n名称\n".encode("gb18030"), Path("x.csv"), "utf-8")
    with pytest.raises(ImportFailure, match="unknown encoding"):
        decode(b"a", Path("x.csv"), "klingon")
