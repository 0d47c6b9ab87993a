"""The rollup tables, the marker that says which data and format they answer for, and their windows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Date, DateTime, Double, Index, Integer, MetaData, String, Table

from cockpit.core.model import PERIOD_DAYS, TIERS, Window, compute_windows

rollup_metadata = MetaData()

DAY_COLUMNS = (
    "cases_received", "cases_closed", "cases_resolved", "resolved_on_time",
    "resolved_grid", "resolved_community", "resolved_street", "resolved_district", "resolved_city",
    "cases_rated", "cases_satisfied", "open_eod", "overdue_eod",
    "alerts_raised", "alerts_ack_on_time", "active_s1_eod", "active_s2_eod", "active_s3_eod", "active_s4_eod",
    "points_earned", "points_redeemed",
)

rollup_day = Table(
    "rollup_day",
    rollup_metadata,
    Column("community_code", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    *[Column(name, Integer, nullable=False) for name in DAY_COLUMNS],
)

rollup_participants = Table(
    "rollup_participants",
    rollup_metadata,
    Column("community_code", String(12), primary_key=True),
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("participants", Integer, nullable=False),
)

# Views filter a day range first: (day, community) keeps a city's 30 days to ~30 x communities rows.
Index("ix_rollup_day_day", rollup_day.c.day, rollup_day.c.community_code)

# The same rows summed per street (every column adds up over communities, snapshots included): a city or
# district view reads ~17x fewer rows (嘉兴 city, 365 days: 26,000 instead of 438,000).
rollup_street_day = Table(
    "rollup_street_day",
    rollup_metadata,
    Column("street_code", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    *[Column(name, Integer, nullable=False) for name in DAY_COLUMNS],
)
Index("ix_rollup_street_day_day", rollup_street_day.c.day, rollup_street_day.c.street_code)

# The cases page's two grouped reads (its cohort and its workload), answered per street for each of the
# app's standard windows (`standard_windows`): their deadline counts depend on the window's end, so they are
# stored per window, not per day. Rows per (window, street, source, category code); 嘉兴: ~6,000 a window.
CASE_WINDOW_KEYS = ("window_start", "window_end", "street_code", "source", "category_code")


def _case_keys() -> list[Column]:
    types = (DateTime, DateTime, String(12), String(16), String(16))
    return [Column(name, kind, primary_key=True) for name, kind in zip(CASE_WINDOW_KEYS, types)]


COHORT_COLUMNS = (
    "received", "registered", "dispatched", "resolved", "verified", "closed", "visited",
    "review_on_time", "review_late", "response_on_time", "response_late", "resolve_on_time", "resolve_late",
    *(f"tier_{tier}" for tier in TIERS), "rated", "satisfied", "reopened", "returned",
)
WORKLOAD_COLUMNS = ("closed_in", "open", "overdue")

rollup_case_cohort = Table(
    "rollup_case_cohort", rollup_metadata, *_case_keys(),
    *[Column(name, Integer, nullable=False) for name in COHORT_COLUMNS],
)
rollup_case_workload = Table(
    "rollup_case_workload", rollup_metadata, *_case_keys(),
    *[Column(name, Integer, nullable=False) for name in WORKLOAD_COLUMNS],
)

# The grids page's per-grid window figures that need a scan of the period (points earned, cases closed and
# of those solved in the grid), per grid for each standard window: a city's ranking by them sorts ~92,600
# stored rows instead of aggregating a year of the ledger (嘉兴 365 days: 3.5 s of CPU).
# The alerts page's per-grid counts too: alerts raised in the period and in the ALERT_BASELINE_DAYS before it.
ALERT_BASELINE_DAYS = 84
GRID_WINDOW_COLUMNS = ("points_earned", "closed", "closed_grid", "alerts", "alerts_before")
rollup_grid_window = Table(
    "rollup_grid_window",
    rollup_metadata,
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("grid_code", String(15), primary_key=True),
    *[Column(name, Integer, nullable=False) for name in GRID_WINDOW_COLUMNS],
)

# The alerts page's response times at a city or district: alerts raised in each standard window per
# district, severity, stage (ack, resolve) and whole minutes taken. Quantiles need the distribution,
# not a sum, so minutes are a key (嘉兴: some 15,000 rows for 30 days, 45,000 for a year).
rollup_alert_response = Table(
    "rollup_alert_response",
    rollup_metadata,
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("district_code", String(12), primary_key=True),
    Column("severity", Integer, primary_key=True),
    Column("stage", String(8), primary_key=True),
    Column("minutes", Integer, primary_key=True),
    Column("alerts", Integer, nullable=False),
)

# The alerts page's per-severity and per-type counts at a city or district: alerts raised in each
# standard window per district, type and severity (every filter of the page is a key).
ALERT_WINDOW_COLUMNS = ("raised", "acknowledged", "ack_on_time", "resolved", "to_case", "case_closed")
rollup_alert_window = Table(
    "rollup_alert_window",
    rollup_metadata,
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("district_code", String(12), primary_key=True),
    Column("type", String(32), primary_key=True),
    Column("severity", Integer, primary_key=True),
    *[Column(name, Integer, nullable=False) for name in ALERT_WINDOW_COLUMNS],
)

# Points per district and day by entry type and (for earned points) the kind of activity that earned them
# (`other` without one; `-` for redemptions): the participation page's series for a city or district.
rollup_points_day = Table(
    "rollup_points_day",
    rollup_metadata,
    Column("district_code", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("entry_type", String(8), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("points", Integer, nullable=False),
)
Index("ix_rollup_points_day_day", rollup_points_day.c.day, rollup_points_day.c.district_code)

# The ranking page's monthly figures (#21, cockpit.store.rollup.monthly) per community and month: a city
# ranking every community over 13 months sums a few rows per community instead of scanning a year of facts.
# Population is kept per snapshot (rollup_population): which snapshot a month takes is decided when read.
MONTH_COLUMNS = (
    "received", "review_due", "review_on_time", "due", "resolved_due", "resolved_on_time",
    "closed", "visited", "reopened", "returned", "rated", "satisfied", "basic_satisfied",
    "alerts_raised", "alerts_ack_on_time", "participants",
)
rollup_month = Table(
    "rollup_month",
    rollup_metadata,
    Column("month", Date, primary_key=True, comment="the month's first day"),
    Column("community_code", String(12), primary_key=True),
    *[Column(name, Integer, nullable=False) for name in MONTH_COLUMNS],
)
# Residents (registered + floating) per community at each population_stat snapshot: the ranking's population.
# A city's snapshot is one row per grid (嘉兴: 92,600), so 13 months read 1.2 million rows live (1.3 s on
# SQLite); summed per community they are 1,202 a snapshot.
rollup_population = Table(
    "rollup_population",
    rollup_metadata,
    Column("as_of", Date, primary_key=True),
    Column("community_code", String(12), primary_key=True),
    Column("population", Integer, nullable=False),
)

# The forecasts (#24, cockpit.store.rollup.forecast, docs/forecast.md): per unit down to the community
# and series ("cases", "alerts", "cases:<大类 code>" at city and district), made on the data's last whole
# day (made_on, the forecast origin) for the FORECAST_HORIZON days after it, and once more 7 days before
# it (those rows carry the actual counts, so a page can list units that ran above their band).
FORECAST_HORIZON = 14
FORECAST_BEFORE_DAYS = 7
FORECAST_VALUES = ("mean", "lo80", "hi80", "lo95", "hi95")
rollup_forecast = Table(
    "rollup_forecast",
    rollup_metadata,
    Column("unit_code", String(12), primary_key=True),
    Column("series", String(24), primary_key=True, comment="cases, alerts or cases:<top-level category code>"),
    Column("made_on", Date, primary_key=True, comment="the last day of data the forecast used (its origin)"),
    Column("day", Date, primary_key=True),
    Column("level", String(16), nullable=False),
    Column("horizon", Integer, nullable=False, comment="days after made_on, 1..14"),
    *[Column(name, Double, nullable=False) for name in FORECAST_VALUES],
    Column("actual", Integer, nullable=True, comment="the day's count where the data has it, else NULL"),
    Column("method", String(8), nullable=False, comment="ets, snaive (under 8 weeks of history) or mean (under 1)"),
)
Index("ix_rollup_forecast_level", rollup_forecast.c.made_on, rollup_forecast.c.series, rollup_forecast.c.level,
      rollup_forecast.c.unit_code)
# The backtest (cockpit.core.forecast.backtest) per unit and series: the last BACKTEST_WEEKS Mondays
# replayed BACKTEST_HORIZON days ahead; sums, so a tier's figures are its units' sums' ratios.
BACKTEST_WEEKS = 12
BACKTEST_HORIZON = 7
BACKTEST_SUMS = ("abs_error", "abs_error_naive", "inside80", "inside95", "days")
rollup_forecast_backtest = Table(
    "rollup_forecast_backtest",
    rollup_metadata,
    Column("unit_code", String(12), primary_key=True),
    Column("series", String(24), primary_key=True),
    Column("level", String(16), nullable=False),
    Column("first_origin", Date, nullable=False, comment="the first Monday replayed"),
    Column("last_origin", Date, nullable=False),
    Column("abs_error", Double, nullable=False, comment="sum of |actual - forecast mean| over the replayed days"),
    Column("abs_error_naive", Double, nullable=False, comment="the same for the seasonal-naive forecast"),
    Column("inside80", Integer, nullable=False, comment="replayed days inside the 80% band"),
    Column("inside95", Integer, nullable=False),
    Column("days", Integer, nullable=False, comment="replayed days"),
)

for _table in rollup_metadata.tables.values():
    _table.dialect_kwargs["mysql_charset"] = "utf8mb4"

ROLLUP_KEY = "rollup_through"
# Raised whenever a rollup table or column is added or changed: rollups built by an older release then
# count as stale (the app reads the facts) until `python -m cockpit rollup` rebuilds them.
ROLLUP_FORMAT = 6


def rollup_marker(end: datetime) -> str:
    """The meta value of ROLLUP_KEY for rollups built for data ending at `end` in this format."""
    return f"{end.isoformat(sep=' ')};format={ROLLUP_FORMAT}"


def standard_windows(end: datetime) -> list[Window]:
    """Every window the app asks for: each period, the one before it, the same one last year."""
    seen: dict[tuple, Window] = {}
    for days in PERIOD_DAYS:
        for w in compute_windows(end, days):
            seen[(w.start, w.end)] = w
    return list(seen.values())
