"""Which themes have facts for a unit, and the command that fills a theme that has none (#28). Pure.

A city imports its tables one at a time: on its first day it has units and outlines and no
population, case, alert or points rows. Such a theme reads 暂无数据 / "no data yet", never 0; a
unit whose theme has rows but a true zero in the period still reads 0.
"""

from __future__ import annotations

from collections.abc import Mapping

THEMES = ("population", "cases", "alerts", "points")
# The contract table behind each theme and an example file name for the import command (docs/import.md).
TABLES = {"population": "population_stat", "cases": "case_record", "alerts": "alert", "points": "points_ledger"}
FILES = {"population": "population.csv", "cases": "cases.csv", "alerts": "alerts.csv", "points": "points.csv"}
Facts = Mapping[str, bool]  # theme -> whether its table holds any row under the unit


def import_command(theme: str) -> str:
    """The command an operator runs to fill a theme's table (its CSV format: docs/import.md, docs/data-contract.md)."""
    return f"python -m cockpit import csv {FILES[theme]} --table {TABLES[theme]}"


def missing(facts: Facts | None) -> frozenset[str]:
    """The themes without a single fact under the unit (none when the presence is unknown)."""
    return frozenset(theme for theme in THEMES if facts is not None and not facts.get(theme, True))
