"""Tables to files that open correctly in Chinese Excel: CSV (UTF-8 with BOM) and XLSX (typed cells), and their names.

Numbers stay plain numbers (no 万, no thousands separators), rates stay fractions (a percentage
format in XLSX), times are ISO. File names carry the unit, page, period and part and are safe
on Windows.

Text from the public (case descriptions, notes) and from other departments (unit, venue, activity
names) can begin like a formula: `formula_safe` is the one rule every CSV the cockpit writes goes
through (OWASP "CSV injection", CWE-1236), and the XLSX writer only ever writes text as text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pandas as pd
import xlsxwriter

from cockpit.core.model import Window
from cockpit.views.tables import Table

CSV_TIME = "%Y-%m-%d %H:%M:%S"  # ISO 8601 with a space: what Excel reads as a date and time
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60
# A file name's parts: unit (120) + page (20) + period (21) + part (40) + separators and extension
# stay under 255 bytes with room for the CLI's ".part" while it writes.
MAX_PART_BYTES = 120


def safe_part(text: str, limit: int = 80) -> str:
    """One part of a file name, safe on Windows: no /\\:*?"<>|, no control characters, no reserved device name.

    At most `limit` characters and `MAX_PART_BYTES` bytes of UTF-8: Linux refuses a name over 255
    bytes, and 80 Chinese characters are 240 (a name another system sent may be that long).
    """
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", str(text))).strip().strip(".")
    cleaned = re.sub(r"\s+", " ", cleaned)[:limit]
    while len(cleaned.encode("utf-8")) > MAX_PART_BYTES:
        cleaned = cleaned[:-1]
    cleaned = cleaned.strip(" .") or "_"
    return f"_{cleaned}" if cleaned.split(".")[0].upper() in _RESERVED else cleaned


def period_label(w: Window) -> str:
    """`2026-10-02_2026-10-31`: the window's first and last day (its end is exclusive)."""
    return f"{w.start:%Y-%m-%d}_{(w.end - timedelta(days=1)):%Y-%m-%d}"


def file_name(unit_name: str, page: str, w: Window, part: str, ext: str) -> str:
    """e.g. `诸暨市_cases_2026-10-02_2026-10-31_by_source.xlsx`."""
    return f"{safe_part(unit_name)}_{safe_part(page, 20)}_{period_label(w)}_{safe_part(part, 40)}.{ext}"


# What Excel, LibreOffice and WPS start a formula with. A leading tab, CR or LF is dropped by some
# importers before the cell is read, so what follows it counts. WPS turns full-width signs typed
# into a cell into their ASCII forms; no one can say it never does so reading a file, and text
# that begins with one is rare: a visible ' there costs less than being wrong.
FORMULA_STARTERS = frozenset("=+-@\t\r\n＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def is_plain_number(text: str) -> bool:
    """`-3.5`, `+7`, `-1e3`: a spreadsheet reads it as a number, not a formula (`-1+2` is a formula)."""
    return _PLAIN_NUMBER.fullmatch(text) is not None


def formula_safe(value: object) -> object:
    """A cell as it may go into a CSV: text a spreadsheet would run as a formula gets a leading `'`.

    OWASP's rule: the `'` makes Excel and WPS read the cell as text (it shows, which is the price).
    Anything not text — a number, a date, a missing value — and text that is a plain number is
    returned unchanged, so negative figures stay figures.
    """
    if not isinstance(value, str) or not value or value[0] not in FORMULA_STARTERS or is_plain_number(value):
        return value
    return "'" + value


def _text_column(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)
                or pd.api.types.is_bool_dtype(series))


def is_whole(value: object) -> bool:
    """A float that holds a whole number (a head count kept in a float column): 15891.0, not 0.5 or NaN."""
    return isinstance(value, float) and value.is_integer()


def _whole_numbers(series: pd.Series) -> pd.Series:
    """A float column with its whole values as ints: counts read `15891`, a 30.9 per 1,000 stays 30.9."""
    return series.astype(object).map(lambda v: int(v) if is_whole(v) else v)


def csv_bytes(frame: pd.DataFrame, fractions: Sequence[str] = ()) -> bytes:
    """UTF-8 with a BOM (Chinese Excel then needs no import dialog), no index, ISO times, empty for missing.

    Text cells (headers too) go through `formula_safe`; numeric columns are never touched. Every
    text field is quoted: a spreadsheet that splits on `;` (a European Excel) or on a tab cannot cut
    a cell so that its second half starts a formula. Numbers stay unquoted, which a spreadsheet
    would read as numbers either way.
    """
    safe = frame.copy()
    safe.columns = [formula_safe(c) for c in frame.columns]
    for i in range(frame.shape[1]):
        if _text_column(frame.iloc[:, i]):
            safe.isetitem(i, frame.iloc[:, i].astype(object).map(formula_safe))
        elif pd.api.types.is_float_dtype(frame.iloc[:, i]) and frame.columns[i] not in fractions:
            safe.isetitem(i, _whole_numbers(frame.iloc[:, i]))
    return safe.to_csv(index=False, date_format=CSV_TIME, lineterminator="\r\n",
                       quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


# ---------------------------------------------------------------- XLSX

def display_width(value: object) -> int:
    """Columns as Excel counts them: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = _SHEET_UNSAFE.sub("_", title).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.header = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7", "text_wrap": True,
                                     "valign": "top"})
        self.int = wb.add_format({"num_format": "0"})
        self.float = wb.add_format({"num_format": "0.0##"})
        self.percent = wb.add_format({"num_format": "0.0%"})
        self.scientific = wb.add_format({"num_format": "0.0E+00"})
        self.datetime = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.key = wb.add_format({"bold": True})
        self.text = wb.add_format({"text_wrap": False})


def _is_missing(value: object) -> bool:
    if value is None or isinstance(value, str):
        return False if isinstance(value, str) else True
    try:
        return bool(pd.isna(value))  # None, NaN, NaT and pandas' NA alike
    except (TypeError, ValueError):
        return False


def _column_format(table: Table, column: str, fmt: _Formats) -> object:
    series = table.frame[column]
    if column in table.percent:
        return fmt.percent
    if column in table.scientific:
        return fmt.scientific
    if pd.api.types.is_datetime64_any_dtype(series):
        return fmt.date if table.is_date_only(column) else fmt.datetime
    if pd.api.types.is_integer_dtype(series) or pd.api.types.is_bool_dtype(series):
        return fmt.int
    if pd.api.types.is_float_dtype(series):
        return fmt.float
    return fmt.text


def _write_cell(ws: object, row: int, col: int, value: object, cell_format: object) -> None:
    if _is_missing(value):
        ws.write_blank(row, col, None, cell_format)  # type: ignore[attr-defined]
    elif isinstance(value, (pd.Timestamp, datetime, date)):
        ws.write_datetime(row, col, pd.Timestamp(value).to_pydatetime().replace(tzinfo=None), cell_format)  # type: ignore[attr-defined]
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_format)  # type: ignore[attr-defined]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, cell_format)  # type: ignore[attr-defined]
    elif hasattr(value, "item"):  # a numpy scalar
        _write_cell(ws, row, col, value.item(), cell_format)  # type: ignore[attr-defined]
    else:
        ws.write_string(row, col, str(value), cell_format)  # type: ignore[attr-defined]


def _write_table(wb: xlsxwriter.Workbook, fmt: _Formats, table: Table, taken: set[str]) -> None:
    ws = wb.add_worksheet(sheet_name(table.title, taken))
    frame = table.frame
    for c, column in enumerate(frame.columns):
        ws.write_string(0, c, str(column), fmt.header)
        cell_format = _column_format(table, column, fmt)
        values = frame[column].tolist()
        for r, value in enumerate(values, start=1):
            # a count in a float column (beside a ratio, or with gaps) is an integer cell: 15891, not 15891.0
            whole = cell_format is fmt.float and is_whole(value.item() if hasattr(value, "item") else value)
            _write_cell(ws, r, c, int(value) if whole else value, fmt.int if whole else cell_format)
        widest = max([display_width(column), *(display_width(v) for v in values[:500])]) if values else display_width(column)
        if cell_format in (fmt.datetime, fmt.date):
            widest = max(widest, 16)
        ws.set_column(c, c, min(MAX_WIDTH, max(8, widest + 2)))
    ws.freeze_panes(1, 0)
    if len(frame.columns):
        ws.autofilter(0, 0, max(1, len(frame)), len(frame.columns) - 1)


def _write_about(wb: xlsxwriter.Workbook, fmt: _Formats, title: str, rows: Sequence[tuple[str, object]],
                 taken: set[str]) -> None:
    ws = wb.add_worksheet(sheet_name(title, taken))
    width = 10
    for r, (key, value) in enumerate(rows):
        ws.write_string(r, 0, key, fmt.key)
        if isinstance(value, datetime):
            _write_cell(ws, r, 1, value, fmt.datetime)
        else:
            _write_cell(ws, r, 1, value, fmt.text)
        width = max(width, display_width(key))
    ws.set_column(0, 0, width + 2)
    ws.set_column(1, 1, MAX_WIDTH)


def xlsx_bytes(tables: Sequence[Table], about_title: str, about: Sequence[tuple[str, object]],
               about_first: bool = True) -> bytes:
    """A workbook: the about sheet (unit, code, period, data time, demo label) and one sheet per table."""
    buf = io.BytesIO()
    # Every cell is written by type (write_string for text), which never makes a formula or a link;
    # the options say the same for any future generic write(): text from the public stays text.
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    fmt, taken = _Formats(wb), set()
    if about_first:
        _write_about(wb, fmt, about_title, about, taken)
    for table in tables:
        _write_table(wb, fmt, table, taken)
    if not about_first:
        _write_about(wb, fmt, about_title, about, taken)
    wb.close()
    return buf.getvalue()
