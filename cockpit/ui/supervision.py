"""督办 (supervision) reads, cached: the cases page's per-unit counts and list, and the overview card's count.

Shared by cockpit.ui.cases (the 督办 view) and cockpit.ui.render (the overview's cases card), so both
ask the same question of the same cache; the rules are the settings' (COCKPIT_SUPERVISION_*).
"""

from __future__ import annotations

import pandas as pd

from cockpit import queries
from cockpit.core.model import Unit, Window
from cockpit.core.settings import SupervisionRules
from cockpit.ui.data import data_call, engine

Codes = tuple[str, ...] | None


@data_call()
def cached_supervision_units(url: str, unit: Unit, w: Window, child_level: str | None, rules: SupervisionRules,
                             status: str | None, categories: Codes, source: str | None) -> pd.DataFrame:
    return queries.fetch_supervision_units(engine(url), unit, w, child_level, rules, status, categories, source)


@data_call()
def cached_supervision_list(url: str, unit: Unit, w: Window, child_level: str | None, rules: SupervisionRules,
                            status: str | None, categories: Codes, source: str | None) -> tuple[pd.DataFrame, int]:
    return queries.fetch_supervision_list(engine(url), unit, w, child_level, rules, status, categories, source)


@data_call()
def cached_supervision_count(url: str, unit: Unit, w: Window, rules: SupervisionRules) -> int:
    return queries.fetch_supervision_count(engine(url), unit, w, rules)
