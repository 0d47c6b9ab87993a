"""All SQL the cockpit reads with: one module per theme, one `fetch_*` per question, bound parameters only.

Every aggregate is computed in the database over a unit's subtree, selected by the grid-code
range of cockpit.core.codes.code_range (an index range scan on every engine). Results are
small frames or dicts. `cockpit.queries.rollup` answers the same questions from the rollups.
This package re-exports the fact queries so callers name the question, not the module.
"""

from cockpit.queries.alerts import (
    fetch_active_alerts,
    fetch_active_counts,
    fetch_alert_cases,
    fetch_alert_daily,
    fetch_alert_stats,
    fetch_device_hotspots,
    fetch_grid_baselines,
    fetch_grid_hotspots,
    fetch_response_minutes,
    fetch_severity_stats,
    fetch_units_with_alerts,
)
from cockpit.queries.cases import (
    fetch_case_categories,
    fetch_case_cohort,
    fetch_case_events,
    fetch_case_list,
    fetch_case_overdue_days,
    fetch_case_overdue_rollup,
    fetch_case_stage_times,
    fetch_case_stats,
    fetch_case_workload,
    fetch_rolled_case_cohort,
    fetch_rolled_case_workload,
    fetch_tier_breakdown,
)
from cockpit.queries.facts import fetch_facts, fetch_newest_fact
from cockpit.queries.forecast import fetch_above_band, fetch_backtest, fetch_forecast
from cockpit.queries.grids import fetch_closing_times, fetch_grid_table
from cockpit.queries.overview import fetch_child_metrics, fetch_daily
from cockpit.queries.participation import (
    fetch_activity_stats,
    fetch_child_participants,
    fetch_points_series,
    fetch_points_stats,
    fetch_rolled_child_participants,
    fetch_rolled_points_series,
    fetch_rolled_top_communities,
    fetch_top_communities,
    fetch_venue_use,
    fetch_votes,
)
from cockpit.queries.population import fetch_child_population, fetch_population
from cockpit.queries.ranking import fetch_month_figures
from cockpit.queries.supervision import fetch_supervision_count, fetch_supervision_list, fetch_supervision_units
from cockpit.queries.units import (
    fetch_data_end,
    fetch_data_start,
    fetch_grid,
    fetch_grid_codes,
    fetch_grid_names,
    fetch_grids,
    fetch_has_units,
    fetch_meta,
    fetch_units,
    fetch_venues,
)

__all__ = [
    "fetch_active_alerts", "fetch_alert_stats", "fetch_case_stats", "fetch_child_metrics", "fetch_child_population",
    "fetch_daily", "fetch_data_end", "fetch_data_start", "fetch_grid", "fetch_grid_codes", "fetch_grid_names", "fetch_grids", "fetch_has_units", "fetch_meta",
    "fetch_points_stats",
    "fetch_population", "fetch_tier_breakdown", "fetch_units", "fetch_venues",
    "fetch_closing_times", "fetch_grid_table", "fetch_facts", "fetch_newest_fact",
    "fetch_activity_stats", "fetch_child_participants", "fetch_points_series", "fetch_top_communities",
    "fetch_venue_use", "fetch_votes", "fetch_rolled_child_participants", "fetch_rolled_top_communities",
    "fetch_rolled_points_series",
    "fetch_active_counts", "fetch_alert_cases", "fetch_alert_daily", "fetch_device_hotspots",
    "fetch_grid_baselines", "fetch_grid_hotspots", "fetch_response_minutes", "fetch_severity_stats",
    "fetch_units_with_alerts",
    "fetch_case_categories", "fetch_case_cohort", "fetch_case_events", "fetch_case_list", "fetch_case_overdue_days",
    "fetch_case_overdue_rollup", "fetch_case_stage_times", "fetch_case_workload",
    "fetch_rolled_case_cohort", "fetch_rolled_case_workload",
    "fetch_month_figures",
    "fetch_forecast", "fetch_above_band", "fetch_backtest",
    "fetch_supervision_count", "fetch_supervision_list", "fetch_supervision_units",
]
