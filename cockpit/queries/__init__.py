"""All SQL the cockpit reads with: one module per theme, one `fetch_*` per question, bound parameters only.

Every aggregate is computed in the database over a unit's subtree, selected by the grid-code
range of cockpit.core.codes.code_range (an index range scan on every engine). Results are
small frames or dicts. `cockpit.queries.rollup` answers the same questions from the rollups.
This package re-exports the fact queries so callers name the question, not the module.
"""

from cockpit.queries.alerts import fetch_active_alerts, fetch_alert_stats
from cockpit.queries.cases import fetch_case_stats, fetch_tier_breakdown
from cockpit.queries.overview import fetch_child_metrics, fetch_daily
from cockpit.queries.participation import fetch_points_stats
from cockpit.queries.population import fetch_child_population, fetch_population
from cockpit.queries.units import (
    fetch_data_end,
    fetch_data_start,
    fetch_grid,
    fetch_grid_codes,
    fetch_grids,
    fetch_meta,
    fetch_units,
    fetch_venues,
)

__all__ = [
    "fetch_active_alerts", "fetch_alert_stats", "fetch_case_stats", "fetch_child_metrics", "fetch_child_population",
    "fetch_daily", "fetch_data_end", "fetch_data_start", "fetch_grid", "fetch_grid_codes", "fetch_grids", "fetch_meta", "fetch_points_stats",
    "fetch_population", "fetch_tier_breakdown", "fetch_units", "fetch_venues",
]
