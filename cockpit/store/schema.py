"""The data contract: every table the cockpit reads, as SQLAlchemy Core.

`docs/data-contract.md` explains each column for the people who fill these
tables; keep the two in step (tests/unit/test_contract_doc.py checks it).

Conventions
-----------
* Division codes are the national 12-digit statistical codes, upper levels
  zero-padded (city 330400000000, district 330402000000, street
  330402001000, community 330402001001). A grid code is its community code
  plus a 3-digit serial (15 digits). The cockpit filters a unit's subtree by
  a code *range* on ``grid_code``, so a grid code must start with its
  community's code; ``python -m cockpit check`` enforces this.
* Timestamps are naive local time (Asia/Shanghai, UTC+8).
* Fact tables carry ``grid_code`` only; every coarser tier is derived from
  the code, so a city fills no redundant ancestor columns.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

UNIT_LEVELS = ("city", "district", "street", "community")
TIERS = ("grid", "community", "street", "district", "city")
CASE_STATUSES = ("received", "registered", "dispatched", "resolved", "verified", "closed")
CASE_ACTIONS = ("receive", "register", "dispatch", "resolve", "verify", "close", "visit", "return", "reopen", "escalate")
ALERT_TYPES = ("gas", "smoke_fire", "waterlogging", "noise", "parking", "elderly_alone")
ALERT_STATUSES = ("active", "acknowledged", "resolved")
VENUE_KINDS = ("redemption", "activity", "party_station")
ACTIVITY_KINDS = ("volunteer", "patrol", "anti_fraud", "garbage_sorting")
LEDGER_TYPES = ("earn", "redeem", "adjust", "expire")

# Bigint ids that still autoincrement on SQLite (which only does so for INTEGER).
Id = BigInteger().with_variant(Integer(), "sqlite")

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    comment="Dataset facts: label (demo or real), as_of, generator preset and seed.",
)

admin_unit = Table(
    "admin_unit",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_code", String(12), nullable=True),
    Column("kind", String(16), nullable=False, comment="市/区/县/街道/镇/乡/居委会/村委会"),
    Column("area_km2", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
)
Index("ix_admin_unit_parent", admin_unit.c.parent_code)

grid = Table(
    "grid",
    metadata,
    Column("code", String(15), primary_key=True),
    Column("community_code", String(12), ForeignKey("admin_unit.code"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("kind", String(16), nullable=False, comment="urban or rural"),
    Column("area_km2", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("worker_ref", String(32), nullable=True, comment="pseudonymous grid worker"),
    Column("worker_stars", SmallInteger, nullable=True, comment="1-5 star rating"),
)
Index("ix_grid_community", grid.c.community_code)

population_stat = Table(
    "population_stat",
    metadata,
    Column("grid_code", String(15), ForeignKey("grid.code"), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("registered", Integer, nullable=False),
    Column("floating", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("elderly_60p", Integer, nullable=False),
    Column("elderly_alone", Integer, nullable=False),
)
Index("ix_population_as_of", population_stat.c.as_of, population_stat.c.grid_code)

case_category = Table(
    "case_category",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(64), nullable=False),
    Column("parent_code", String(16), nullable=True),
    Column("kind", String(16), nullable=False, comment="component (部件) or event (事件)"),
    Column("open311_service_code", String(32), nullable=True),
    Column("open311_group", String(64), nullable=True),
    Column("review_hours", Float, nullable=False, comment="receipt to registration deadline"),
    Column("response_hours", Float, nullable=False, comment="receipt to dispatch deadline"),
    Column("resolve_hours", Float, nullable=False, comment="receipt to resolution deadline"),
)

case_record = Table(
    "case_record",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("external_id", String(64), nullable=True),
    Column("source", String(16), nullable=False),
    Column("category_code", String(16), ForeignKey("case_category.code"), nullable=False),
    Column("grid_code", String(15), ForeignKey("grid.code"), nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("description", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("registered_at", DateTime, nullable=True),
    Column("dispatched_at", DateTime, nullable=True),
    Column("resolved_at", DateTime, nullable=True),
    Column("verified_at", DateTime, nullable=True),
    Column("closed_at", DateTime, nullable=True),
    Column("visited_at", DateTime, nullable=True),
    Column("review_due_at", DateTime, nullable=True),
    Column("response_due_at", DateTime, nullable=True),
    Column("due_at", DateTime, nullable=False),
    Column("resolved_tier", String(16), nullable=True),
    Column("satisfaction", SmallInteger, nullable=True, comment="1-5 from the return visit"),
    Column("reopen_count", SmallInteger, nullable=False, default=0),
    Column("return_count", SmallInteger, nullable=False, default=0),
)
Index("ix_case_grid_received", case_record.c.grid_code, case_record.c.received_at)
Index("ix_case_received", case_record.c.received_at)
Index("ix_case_open", case_record.c.closed_at, case_record.c.grid_code)

case_event = Table(
    "case_event",
    metadata,
    Column("case_id", Id, ForeignKey("case_record.id"), primary_key=True),
    Column("seq", SmallInteger, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("action", String(16), nullable=False),
    Column("tier", String(16), nullable=True),
    Column("note", Text, nullable=True),
)

device = Table(
    "device",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),
    Column("grid_code", String(15), ForeignKey("grid.code"), nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("installed_at", Date, nullable=True),
)
Index("ix_device_grid", device.c.grid_code)

alert = Table(
    "alert",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),
    Column("severity", SmallInteger, nullable=False, comment="1 (most severe) to 4"),
    Column("grid_code", String(15), ForeignKey("grid.code"), nullable=False),
    Column("device_id", Id, ForeignKey("device.id"), nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("raised_at", DateTime, nullable=False),
    Column("ack_due_at", DateTime, nullable=False),
    Column("acknowledged_at", DateTime, nullable=True),
    Column("resolved_at", DateTime, nullable=True),
    Column("status", String(16), nullable=False),
    Column("case_id", Id, ForeignKey("case_record.id"), nullable=True),
)
Index("ix_alert_grid_raised", alert.c.grid_code, alert.c.raised_at)
Index("ix_alert_raised", alert.c.raised_at)
Index("ix_alert_open", alert.c.resolved_at, alert.c.grid_code)

venue = Table(
    "venue",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(128), nullable=False),
    Column("grid_code", String(15), ForeignKey("grid.code"), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
)
Index("ix_venue_grid", venue.c.grid_code)

activity = Table(
    "activity",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("title", String(128), nullable=False),
    Column("grid_code", String(15), ForeignKey("grid.code"), nullable=False),
    Column("venue_id", Id, ForeignKey("venue.id"), nullable=True),
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("points_each", Integer, nullable=False),
    Column("participants", Integer, nullable=False),
)
Index("ix_activity_grid_starts", activity.c.grid_code, activity.c.starts_at)

vote = Table(
    "vote",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("community_code", String(12), ForeignKey("admin_unit.code"), nullable=False),
    Column("title", String(128), nullable=False),
    Column("opens_at", DateTime, nullable=False),
    Column("closes_at", DateTime, nullable=False),
    Column("eligible", Integer, nullable=False),
    Column("ballots_yes", Integer, nullable=False),
    Column("ballots_no", Integer, nullable=False),
    Column("ballots_abstain", Integer, nullable=False),
)
Index("ix_vote_community", vote.c.community_code, vote.c.opens_at)

points_ledger = Table(
    "points_ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("participant_ref", String(32), nullable=False, comment="pseudonymous resident id"),
    Column("grid_code", String(15), ForeignKey("grid.code"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("entry_type", String(8), nullable=False),
    Column("delta", Integer, nullable=False, comment="points; negative for redeem/expire"),
    Column("activity_id", Id, ForeignKey("activity.id"), nullable=True),
    Column("venue_id", Id, ForeignKey("venue.id"), nullable=True),
)
Index("ix_ledger_grid_at", points_ledger.c.grid_code, points_ledger.c.at)
Index("ix_ledger_at", points_ledger.c.at)

# Chinese names need utf8mb4 on MySQL/MariaDB whatever the server's default character set is.
for _table in metadata.tables.values():
    _table.dialect_kwargs["mysql_charset"] = "utf8mb4"

TABLES_IN_LOAD_ORDER = [
    meta,
    admin_unit,
    grid,
    population_stat,
    case_category,
    case_record,
    case_event,
    device,
    alert,
    venue,
    activity,
    vote,
    points_ledger,
]
