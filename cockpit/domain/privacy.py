"""Masking personal details in free text (descriptions, notes) before it reaches a screen.

The data contract holds no names; free text typed by call takers and reporters can still carry
a phone number, an ID number or a licence plate, so every text shown passes through `mask_text`.
"""

from __future__ import annotations

import re

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
