"""What the engine parity tests share: the SQLite reference, the sample of units and windows, and Diffs.

Theme parity files (tests/integration/test_parity_<theme>.py) import from here and declare the
fetch_* they compare in a module-level ``COMPARED`` ({"facts": {...}, "rollup": {...}});
test_parity.test_every_fetch_is_compared gathers them all, so no new query skips the check.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from servers import ServerDB
from sqlalchemy import Engine

from cockpit import queries
from cockpit.core.model import Unit, Window, compute_windows
from cockpit.domain.hierarchy import Tree, grid_unit

PERIODS = (7, 30, 365)
REL = 1e-9


# -- the reference (SQLite) side and the sample --------------------------------------------------

@dataclass(frozen=True)
class Sample:
    units: list[Unit]  # city, streets, two communities, three grids
    windows: list[Window]  # (current, previous, last year) for each period in PERIODS
    current: list[Window]  # the current window of each period
    end: datetime  # fetch_data_end on SQLite
    communities: list[str]  # every community code (for fetch_grids)

    def label(self, unit: Unit) -> str:
        return f"{unit.level} {unit.code}"


@dataclass
class Reference:
    engine: Engine
    tree: Tree
    sample: Sample


def sample_of(engine: Engine) -> tuple[Tree, Sample]:
    tree = Tree.from_frame(queries.fetch_units(engine))
    units = tree.units.sort_values("code")
    levels = set(units["level"])
    picked: list[Unit] = [tree.root]
    for level in ("district", "street"):
        picked += [tree.unit(c) for c in units.index[units["level"] == level]]
    communities = list(units.index[units["level"] == "community"])
    picked += [tree.unit(communities[0]), tree.unit(communities[-1])]
    grids = pd.concat([queries.fetch_grids(engine, c) for c in communities]).sort_values("code")
    highest_serial = grids.assign(serial=grids["code"].str[-3:]).sort_values(["serial", "code"]).iloc[-1]
    for row in (grids.iloc[0], grids.iloc[-1], highest_serial):
        unit = grid_unit(row.to_dict())
        if unit not in picked:
            picked.append(unit)
    assert {"city", "street", "community"} <= levels, levels
    assert sum(u.level == "grid" for u in picked) == 3, "the sample needs three different grids"
    end = queries.fetch_data_end(engine)
    assert end is not None
    by_period = [compute_windows(end, days) for days in PERIODS]
    sample = Sample(units=picked, windows=[w for ws in by_period for w in ws], current=[ws[0] for ws in by_period],
                    end=end, communities=communities)
    return tree, sample


# -- the servers: ``server_db`` of tests/integration/conftest.py (the small demo, dropped afterwards) ------

# -- comparison ----------------------------------------------------------------------------------

def plain(value: object) -> object:
    """One vocabulary for driver values: Decimal and numpy scalars become int/float, NaT/NaN None."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def same_value(got: object, want: object) -> bool:
    got, want = plain(got), plain(want)
    if isinstance(got, bool) or isinstance(want, bool) or isinstance(got, int) and isinstance(want, int):
        return type(got) is type(want) and got == want  # counts: exact, and still integers
    if isinstance(got, float) or isinstance(want, float):
        return got is not None and want is not None and got == pytest.approx(want, rel=REL, abs=0)
    return type(got) is type(want) and got == want


def diff_dicts(got: dict, want: dict) -> dict:
    keys = sorted(set(got) | set(want))
    return {k: (got.get(k, "<missing>"), want.get(k, "<missing>")) for k in keys
            if k not in got or k not in want or not same_value(got[k], want[k])}


def diff_frames(got: pd.DataFrame, want: pd.DataFrame, exact: bool) -> str | None:
    """None when equal: same columns, index, dtypes and values (floats to REL unless `exact`)."""
    try:
        if exact:
            pd.testing.assert_frame_equal(got, want, check_exact=True)
        else:
            pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=REL, atol=0.0)
    except AssertionError as exc:
        return str(exc)
    return None


class Diffs:
    """Collects every mismatch of a test, so one failure lists them all."""

    def __init__(self, server_db: ServerDB) -> None:
        self.server_db = server_db
        self.items: list[str] = []
        self.checked = 0

    def dicts(self, where: str, got: dict, want: dict) -> None:
        self.checked += 1
        d = diff_dicts(got, want)
        if d:
            self.items.append(f"{where}: {{key: ({self.server_db.name}, sqlite)}} {d}")

    def frames(self, where: str, got: pd.DataFrame, want: pd.DataFrame, exact: bool = True) -> None:
        self.checked += 1
        d = diff_frames(got, want, exact)
        if d:
            self.items.append(f"{where}: {self.server_db.name} vs sqlite:\n{d}\n{self.server_db.name}:\n{got}\nsqlite:\n{want}")

    def values(self, where: str, got: object, want: object) -> None:
        self.checked += 1
        if not same_value(got, want):
            self.items.append(f"{where}: {self.server_db.name} {got!r} != sqlite {want!r}")

    def check(self) -> None:
        assert self.checked > 0
        assert not self.items, f"{len(self.items)} of {self.checked} answers differ:\n" + "\n".join(self.items[:20])


def window_label(w: Window) -> str:
    return f"[{w.start:%Y-%m-%d}, {w.end:%Y-%m-%d})"


def compare_per_unit_window(server_db: ServerDB, ref: Reference, fetch: Callable[[object, Unit, Window], dict],
                            windows: list[Window] | None = None) -> None:
    diffs = Diffs(server_db)
    for unit in ref.sample.units:
        for w in windows or ref.sample.windows:
            diffs.dicts(f"{ref.sample.label(unit)} {window_label(w)}", fetch(server_db.engine, unit, w), fetch(ref.engine, unit, w))
    diffs.check()


