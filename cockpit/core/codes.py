"""Division and grid codes: pure functions over the national code layout.

A unit's subtree is every grid whose code starts with the unit's *prefix*
(city 3304 or, for a county-level city, 330681; district 6 digits; street 9;
community 12; grid 15). Queries filter by the half-open string range
[prefix, next prefix), which every engine answers from an index.
"""

from __future__ import annotations

import re

LEVELS = ("city", "district", "street", "community", "grid")
_PREFIX_LEN = {"district": 6, "street": 9, "community": 12, "grid": 15}
_CODE_RE = re.compile(r"^\d{12}(\d{3})?$")


def is_valid_code(value: object) -> bool:
    """True for a 12-digit division code or a 15-digit grid code."""
    return isinstance(value, str) and bool(_CODE_RE.match(value))


def prefix_len(code: str, level: str) -> int:
    if level == "city":
        return 4 if code[4:12] == "00000000" else 6
    try:
        return _PREFIX_LEN[level]
    except KeyError:
        raise ValueError(f"unknown level {level!r}") from None


def prefix(code: str, level: str) -> str:
    """The leading digits every descendant code shares with this unit."""
    return code[: prefix_len(code, level)]


def code_range(code: str, level: str) -> tuple[str, str]:
    """Half-open range [lo, hi) of grid codes inside the unit."""
    p = prefix(code, level)
    return p, _increment(p)


def _increment(digits: str) -> str:
    """The next prefix of the same length: '330681001' -> '330681002', '330681109' -> '330681110'.

    A numeric carry, not a character after '9': ':' sorts after '9' only in binary
    collations, and ICU/UCA collations (PostgreSQL ICU, MySQL 8's default) put it first.
    """
    nxt = str(int(digits) + 1).zfill(len(digits))
    if len(nxt) > len(digits):  # all nines: no national code looks like this
        raise ValueError(f"code prefix {digits!r} has no upper bound")
    return nxt


def pad_code(prefix_digits: str) -> str:
    """Expand a prefix back to a 12-digit division code (grid codes stay 15)."""
    return prefix_digits if len(prefix_digits) >= 12 else prefix_digits.ljust(12, "0")


def street_kind(code: str) -> str:
    """街道 / 镇 / 乡 from digits 7–9 of a street code."""
    n = int(code[6:9])
    return "街道" if n < 100 else "镇" if n < 200 else "乡"


def community_kind(code: str) -> str:
    """居委会 (urban) or 村委会 (village) from digits 10–12."""
    return "居委会" if int(code[9:12]) < 200 else "村委会"
