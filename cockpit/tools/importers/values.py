"""One text cell to the Python value of its contract column, or a reason why not."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date, DateTime, Float, Integer, String
from sqlalchemy.sql.expression import ColumnClause

LOCAL = timezone(timedelta(hours=8))  # the contract's local time: Asia/Shanghai, no daylight saving since 1991
DIVISION_CODE_COLUMNS = {"parent_code": 12, "community_code": 12, "grid_code": 15}
_EXCEL_NUMBER = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$|^\d+\.0+$")


class CellError(ValueError):
    """A cell that does not fit its column; the message is the reason shown to a person."""


def to_local(value: datetime) -> datetime:
    """An offset-aware time as naive UTC+8 wall-clock time; a naive time is taken as local already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(LOCAL).replace(tzinfo=None)


def parse_datetime(text: str, require_offset: bool = False) -> datetime:
    """ISO 8601 (``T`` or a space, ``/`` or ``-``, ``Z`` or ``+08:00``), converted to naive local time."""
    try:
        value = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise CellError("is not a date and time (expected e.g. 2026-05-01 08:30:00 or 2026-05-01T08:30:00+08:00)") from None
    if require_offset and value.tzinfo is None:
        raise CellError("has no UTC offset (ISO 8601 with an offset, e.g. 2012-05-23T15:55:28-04:00, is required)")
    return to_local(value)


def parse_date(text: str) -> date:
    text = text.strip().replace("/", "-")
    try:
        return date.fromisoformat(text[:10] if len(text) > 10 and text[10] in " T" else text)
    except ValueError:
        raise CellError("is not a date (expected e.g. 2026-05-01)") from None


def _integer(text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise CellError("is not a whole number") from None
    if not math.isfinite(number) or number != int(number):
        raise CellError("is not a whole number")
    return int(number)


def _float(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise CellError("is not a number") from None
    if not math.isfinite(number):
        raise CellError("is not a finite number")
    return number


def _string(column: ColumnClause, text: str) -> str:
    width = DIVISION_CODE_COLUMNS.get(column.name) or (12 if column.table.name == "admin_unit" and column.name == "code"
                                                        else 15 if column.table.name == "grid" and column.name == "code"
                                                        else None)
    if width and _EXCEL_NUMBER.match(text):
        raise CellError(f"is a code written as a number (store the {width}-digit code as text)")
    length = getattr(column.type, "length", None)
    if length and len(text) > length:
        raise CellError(f"is longer than {length} characters")
    return text


def parse_cell(column: ColumnClause, text: str) -> object:
    """The value of ``text`` for ``column``; an empty cell is None (NULL). Raises CellError."""
    text = text.strip()
    if text == "":
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        return parse_datetime(text)
    if isinstance(kind, Date):
        return parse_date(text)
    if isinstance(kind, Integer):
        return _integer(text)
    if isinstance(kind, Float):
        return _float(text)
    if isinstance(kind, String):
        return _string(column, text)
    return text
