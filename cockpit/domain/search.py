"""Find a unit by typing: part of its name, its pinyin or initials, or the start of its code (#23).

The index holds every administrative unit and grid (嘉兴: ~94,000) and is built once per process. Names
are turned into pinyin with pypinyin's phrase dictionary (重庆 chongqing, 长安 chang'an); a grid's name
is its community's name plus a serial (江东社区第3网格), so pinyin is worked out per run of Chinese
characters and remembered: building the index costs a few thousand pinyin look-ups, not one per grid.

A search ranks exact matches first, then prefixes, then names that contain the text; within each, higher
tiers first; then alphabetically by the matched key (by code where keys are equal). Only units the viewer may open are looked at, so no count or result says
anything about the rest.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from pypinyin import lazy_pinyin

LEVELS = ("city", "district", "street", "community", "grid")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = re.compile(r"[\s'’·]+")
EXACT, PREFIX, CONTAINS = 0, 1, 2


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    level: str
    path: tuple[str, ...]  # names from the root down to the unit
    match: int  # EXACT, PREFIX or CONTAINS


@lru_cache(maxsize=65_536)
def _run_pinyin(run: str) -> tuple[str, str]:
    syllables = lazy_pinyin(run, errors="default")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def pinyin_keys(name: str) -> tuple[str, str]:
    """The name's full pinyin and its initials, without spaces: 暨阳街道 -> ("jiyangjiedao", "jyjd").
    Digits and Latin letters are kept as they are (第3网格 -> di3wangge, d3wg)."""
    full, initials = [], []
    for run in _HAN_RUN.findall(name):
        if "\u3400" <= run[0] <= "\u9fff":
            f, i = _run_pinyin(run)
            full.append(f)
            initials.append(i)
        else:
            plain = _SEPARATORS.sub("", run).lower()
            full.append(plain)
            initials.append(plain)
    return "".join(full), "".join(initials)


def normalise(query: str) -> str:
    return _SEPARATORS.sub("", query).lower()


class _Column:
    """One kind of key (name, pinyin, initials or code) of one tier: exact, prefix and contains look-ups."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: equal keys stay in code order
        self.sorted_keys = [keys[i] for i in order]
        self.sorted_rows = order
        # One text with every key on its own line: a contains search is one C-speed scan of it.
        self.text = "\n".join(keys) + "\n"
        starts, at = [], 0
        for key in keys:
            starts.append(at)
            at += len(key) + 1
        self.starts = starts

    def starting(self, q: str, exact: bool) -> Iterator[int]:
        """Rows whose key is q (exact) or starts with it but is longer, in key order, lazily."""
        i = bisect.bisect_left(self.sorted_keys, q)
        keys, n = self.sorted_keys, len(self.sorted_keys)
        while i < n and keys[i] == q:  # equal keys sort first
            if exact:
                yield self.sorted_rows[i]
            i += 1
        if exact:
            return
        while i < n and keys[i].startswith(q):
            yield self.sorted_rows[i]
            i += 1

    def _start(self, row: int) -> int:
        return self.starts[row] if row < len(self.starts) else len(self.text)

    def containing(self, q: str, lo: int, hi: int) -> Iterable[int]:
        """Rows lo..hi-1 whose key contains q, in row order."""
        end = self._start(hi)
        at = self.text.find(q, self._start(lo), end)
        while at != -1:
            row = bisect.bisect_right(self.starts, at) - 1
            yield row
            at = self.text.find(q, self._start(row + 1), end)


class UnitIndex:
    """Every unit and grid, searchable. `units`: code, name, level, parent_code (grids: level "grid")."""

    def __init__(self, units: pd.DataFrame) -> None:
        frame = units[["code", "name", "level", "parent_code"]].sort_values("code")
        self._name = dict(zip(frame["code"], frame["name"], strict=True))
        self._parent = dict(zip(frame["code"], frame["parent_code"], strict=True))
        self._tiers: list[tuple[str, list[str], dict[str, _Column]]] = []
        for level in LEVELS:
            part = frame[frame["level"] == level]
            codes, names = list(part["code"]), list(part["name"])
            keys = [pinyin_keys(n) for n in names]
            columns = {"name": _Column(names), "pinyin": _Column([k[0] for k in keys]),
                       "initials": _Column([k[1] for k in keys]), "code": _Column(codes)}
            self._tiers.append((level, codes, columns))

    def __len__(self) -> int:
        return len(self._name)

    def path(self, code: str) -> tuple[str, ...]:
        chain = []
        while isinstance(code, str) and code in self._name:
            chain.append(self._name[code])
            code = self._parent[code]
        return tuple(reversed(chain))

    def search(self, query: str, allowed: Callable[[str], bool] = lambda _code: True, limit: int = 10,
               under: str = "") -> list[Hit]:
        """The best `limit` units for `query` among those whose code starts with `under` and are `allowed`.

        `under` (the viewer's subtree as a code prefix) narrows every scan to a code range; `allowed`
        then decides each candidate (a kiosk that may open only its own unit, say)."""
        q = normalise(query)
        found: dict[str, tuple[int, str]] = {}
        for match, level, code in self._candidates(q, under):
            if code not in found and allowed(code):
                found[code] = (match, level)
                if len(found) >= limit:
                    break
        return [Hit(code=code, name=self._name[code], level=level, path=self.path(code), match=match)
                for code, (match, level) in found.items()]

    def _candidates(self, q: str, under: str) -> Iterator[tuple[int, str, str]]:
        """(match, level, code) in rank order: exact, prefix, contains; higher tiers first; then by code."""
        if not q:
            return
        if q.isdigit():
            kinds: tuple[str, ...] = ("code",)  # a code is typed from its start: never "contains"
        elif _HAN.search(q):
            kinds = ("name",)
        else:
            kinds = ("pinyin", "initials")
        spans = [(bisect.bisect_left(codes, under), bisect.bisect_left(codes, under + "\uffff")) for _, codes, _ in self._tiers]
        for wanted in (EXACT, PREFIX, CONTAINS):
            for (level, codes, columns), (lo, hi) in zip(self._tiers, spans, strict=True):
                for kind in kinds:
                    column = columns[kind]
                    if wanted == CONTAINS:
                        rows: Iterable[int] = () if kind == "code" else column.containing(q, lo, hi)
                    else:
                        rows = (r for r in column.starting(q, wanted == EXACT) if lo <= r < hi)
                    for row in rows:
                        yield wanted, level, codes[row]
