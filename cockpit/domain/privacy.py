"""Masking personal details in free text (descriptions, notes) before it reaches a screen.

The data contract holds no names; free text typed by call takers and reporters can still carry
a phone number, an ID number or a licence plate, so every text shown passes through `mask_text`.
"""

from __future__ import annotations

import re

import pandas as pd

# 18-digit resident ID (last character may be X); checked before phones, whose 11 digits it contains.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally written 138-1234-5678 or 138 1234 5678.
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
# Plates: province character, issuing-office letter, optional separator, 5 (or 6, new energy) characters.
_PLATE = re.compile(
    r"([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])([A-HJ-NP-Z])[·・.\- ]?([A-HJ-NP-Z0-9]{3,4})"
    r"([A-HJ-NP-Z0-9]{2})(?![A-Za-z0-9])"
)


def _plate(m: re.Match[str]) -> str:
    return f"{m.group(1)}{m.group(2)}·{'*' * len(m.group(3))}{m.group(4)}"


def mask_text(text: object) -> str:
    """The text with ID numbers (3306**********123X), phones (138****1234) and plates (浙F·***12) masked."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    out = _ID.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", str(text))
    out = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", out)
    return _PLATE.sub(_plate, out)


def suppress_small(frame: pd.DataFrame, columns: list[str], below: int, complete: bool) -> pd.DataFrame:
    """Counts from 1 to `below`-1 shown as "<below" in `columns`; zero stays (it tells of nobody).

    `complete`: the frame lists every grid of a unit whose totals are published elsewhere (a
    community's grids), so one suppressed cell in a column could be recomputed from the total:
    then the smallest other count of that column is suppressed too (complementary suppression).
    A top-N list of a larger unit has no such total and needs no second cell.
    """
    if below <= 1 or frame.empty:
        return frame
    out = frame.copy()
    mark = f"<{below}"
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        small = (values > 0) & (values < below)
        if complete and int(small.sum()) == 1:
            others = values.where(~small & (values > 0)).dropna()
            if len(others):
                small |= values.index == others.idxmin()
        if small.any():
            out[col] = [mark if s else v for s, v in zip(small, frame[col].tolist())]
    return out
