"""The unit tree: lookups, children, breadcrumbs. Pure functions over small frames."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from cockpit.core.codes import is_valid_code
from cockpit.core.model import Unit


@dataclass(frozen=True)
class Tree:
    """Administrative units indexed by code (grids are looked up separately: there can be 100,000).

    A process shares one tree among its sessions (ui.data.cached_tree), so its lookups are
    indexed once, lazily, and `units` is read-only.
    """

    units: pd.DataFrame  # indexed by code

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Tree:
        indexed = frame.set_index("code", drop=False)
        indexed.index.name = None
        return cls(indexed)

    @cached_property
    def root(self) -> Unit:
        roots = self.units[self.units["parent_code"].isna()]
        return self.unit(roots.index[0])

    def has(self, code: str) -> bool:
        return code in self._units

    def unit(self, code: str) -> Unit:
        try:
            return self._units[code]
        except KeyError:
            raise KeyError(code) from None

    def children(self, code: str) -> pd.DataFrame:
        found = self._children.get(code)
        return found.copy(deep=False) if found is not None else self.units.iloc[:0]

    @cached_property
    def _units(self) -> dict[str, Unit]:
        # Every page run asks for a handful of units; a dict answers in a microsecond, .loc in 50.
        return {code: Unit(code=code, name=name, level=level, parent_code=parent if isinstance(parent, str) else None,
                           kind=kind, area_km2=_num(area), lon=_num(lon), lat=_num(lat))
                for code, name, level, parent, kind, area, lon, lat in zip(
                    self.units["code"], self.units["name"], self.units["level"], self.units["parent_code"],
                    self.units["kind"], self.units["area_km2"], self.units["lon"], self.units["lat"], strict=True)}

    @cached_property
    def _children(self) -> dict[str, pd.DataFrame]:
        ordered = self.units.sort_values("code")
        return {str(parent): kids for parent, kids in ordered.groupby("parent_code", sort=False)}

    def ancestors(self, unit: Unit) -> list[Unit]:
        """From the root down to (and including) `unit`."""
        chain = [unit]
        parent = unit.parent_code
        while parent and self.has(parent):
            chain.append(self.unit(parent))
            parent = chain[-1].parent_code
        return chain[::-1]


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def grid_unit(row: Mapping[str, Any]) -> Unit:
    return Unit(code=row["code"], name=row["name"], level="grid", parent_code=row["community_code"], kind=row["kind"],
                area_km2=row.get("area_km2"), lon=row.get("lon"), lat=row.get("lat"))


def breadcrumb(tree: Tree, unit: Unit) -> list[Unit]:
    """The units from the root down to `unit`, a grid's community included."""
    if unit.level == "grid" and unit.parent_code and tree.has(unit.parent_code):
        return [*tree.ancestors(tree.unit(unit.parent_code)), unit]
    return tree.ancestors(unit)


def child_level(tree: Tree, unit: Unit) -> str | None:
    """The level of the unit's children, or None for a grid."""
    if unit.level == "community":
        return "grid"
    kids = tree.children(unit.code)
    return None if kids.empty else str(kids["level"].iloc[0])


def parse_unit_param(value: object) -> str | None:
    """A code from a URL parameter, or None if it is not a well-formed code."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if is_valid_code(value) else None


def short_names(names: Mapping[str, str], parent: str) -> dict[str, str]:
    """Chart labels: each name without its parent's name in front.

    A community's grids are named after it ("百福弄社区居委会第4网格"): cut to a chart's label width they
    all read "百福弄社区居委会…". Under that parent the label is "第4网格". A name that is nothing but
    the prefix, or does not start with it, is kept whole.
    """
    out = {}
    for code, name in names.items():
        rest = name[len(parent):].lstrip(" ·-—_/") if parent and name.startswith(parent) else ""
        out[code] = rest or name
    return out
