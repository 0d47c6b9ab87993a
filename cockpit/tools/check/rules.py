"""What `check` enforces, as SQL conditions that are true for a *bad* row.

Each rule is one kind of problem. Row rules look at one table and are counted
together in a single scan per table; join rules need a second table (foreign
keys, parent levels, event order). A condition that evaluates to NULL is not
a problem, so NULLs are only reported by the "required column" rules.
docs/data-contract.md describes the same rules for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, FromClause, Table, and_, func, not_, or_
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.expression import ColumnClause

from cockpit.store import schema

UNIT_KINDS = {
    "city": ("市",),
    "district": ("区", "县", "市"),
    "street": ("街道", "镇", "乡"),
    "community": ("居委会", "村委会"),
}
CHILD_LEVELS = {"city": ("district", "street"), "district": ("street",), "street": ("community",), "community": ()}
GRID_KINDS = ("urban", "rural")
CATEGORY_KINDS = ("component", "event")
CASE_TIMES = ("received_at", "registered_at", "dispatched_at", "resolved_at", "verified_at", "closed_at", "visited_at")
ALERT_TIMES = ("raised_at", "acknowledged_at", "resolved_at")
Columns = ReadOnlyColumnCollection


@dataclass(frozen=True)
class Rule:
    column: str
    message: str
    bad: ColumnElement[bool]


@dataclass(frozen=True)
class JoinRule:
    table: Table  # the table whose rows are reported (by primary key)
    column: str
    message: str
    from_: FromClause
    bad: ColumnElement[bool]


def not_digits(col: ColumnClause, n: int) -> ColumnElement[bool]:
    """True unless ``col`` is exactly ``n`` ASCII digits (portable: no regex in SQLite)."""
    stripped = col
    for digit in "0123456789":
        stripped = func.replace(stripped, digit, "")
    return or_(func.length(col) != n, stripped != "")


def _enum(col: ColumnClause, values: tuple[str, ...]) -> Rule:
    return Rule(col.name, f"is not one of {'/'.join(values)}", col.not_in(values))


def _between(col: ColumnClause, lo: int, hi: int) -> Rule:
    return Rule(col.name, f"is outside {lo}..{hi}", not_(col.between(lo, hi)))


def _negative(*cols: ColumnClause) -> list[Rule]:
    return [Rule(c.name, "is negative", c < 0) for c in cols]


def _not_positive(*cols: ColumnClause) -> list[Rule]:
    return [Rule(c.name, "is not positive", c <= 0) for c in cols]


def _before(late: ColumnClause, early: ColumnClause) -> Rule:
    return Rule(late.name, f"is before {early.name}", late < early)


def lifecycle(cols: list[ColumnClause]) -> list[Rule]:
    """Each consecutive pair of non-NULL timestamps must be in order (NULLs are skipped)."""
    rules = []
    for i, early in enumerate(cols):
        for j in range(i + 1, len(cols)):
            skipped = [c.is_(None) for c in cols[i + 1 : j]]
            late = cols[j]
            rules.append(Rule(late.name, f"is before {early.name}", and_(*skipped, late < early)))
    return rules


def _coordinates(t: Table) -> list[Rule]:
    if "lon" not in t.c:
        return []
    lon, lat = t.c.lon, t.c.lat
    return [
        Rule(
            "lon/lat",
            "only one of lon and lat is set",
            or_(and_(lon.is_(None), lat.is_not(None)), and_(lon.is_not(None), lat.is_(None))),
        ),
        _between(lon, -180, 180),
        _between(lat, -90, 90),
        Rule("lon/lat", "is 0,0 (store NULL for an unknown position)", and_(lon == 0, lat == 0)),
    ]


def _admin_unit(c: Columns) -> list[Rule]:
    kind_fits = or_(*[and_(c.level == level, c.kind.in_(kinds)) for level, kinds in UNIT_KINDS.items()])
    return [
        Rule("code", "is not a 12-digit code", not_digits(c.code, 12)),
        _enum(c.level, schema.UNIT_LEVELS),
        Rule(
            "kind",
            "does not fit the level (city 市; district 区/县/市; street 街道/镇/乡; community 居委会/村委会)",
            and_(c.level.in_(schema.UNIT_LEVELS), not_(kind_fits)),
        ),
        *_not_positive(c.area_km2),
    ]


def _grid(c: Columns) -> list[Rule]:
    return [
        Rule("code", "is not a 15-digit grid code", not_digits(c.code, 15)),
        Rule("code", "does not start with its community_code", func.substr(c.code, 1, 12) != c.community_code),
        _enum(c.kind, GRID_KINDS),
        _between(c.worker_stars, 1, 5),
        *_not_positive(c.area_km2),
    ]


def _population_stat(c: Columns) -> list[Rule]:
    return [
        *_negative(c.registered, c.floating, c.households, c.elderly_60p, c.elderly_alone),
        Rule("elderly_alone", "is greater than elderly_60p", c.elderly_alone > c.elderly_60p),
    ]


def _case_category(c: Columns) -> list[Rule]:
    return [
        _enum(c.kind, CATEGORY_KINDS),
        *_not_positive(c.review_hours, c.response_hours, c.resolve_hours),
        Rule("response_hours", "is less than review_hours", c.response_hours < c.review_hours),
        Rule("resolve_hours", "is less than response_hours", c.resolve_hours < c.response_hours),
    ]


def _case_record(c: Columns) -> list[Rule]:
    return [
        _enum(c.status, schema.CASE_STATUSES),
        Rule("closed_at", "is NULL but status is closed", and_(c.status == "closed", c.closed_at.is_(None))),
        Rule("closed_at", "is set but status is not closed", and_(c.status != "closed", c.closed_at.is_not(None))),
        *lifecycle([c[name] for name in CASE_TIMES]),
        *[_before(c[name], c.received_at) for name in ("review_due_at", "response_due_at", "due_at")],
        _enum(c.resolved_tier, schema.TIERS),
        _between(c.satisfaction, 1, 5),
        *_negative(c.reopen_count, c.return_count),
    ]


def _case_event(c: Columns) -> list[Rule]:
    return [_enum(c.action, schema.CASE_ACTIONS), _enum(c.tier, schema.TIERS)]


def _alert(c: Columns) -> list[Rule]:
    return [
        _enum(c.type, schema.ALERT_TYPES),
        _between(c.severity, 1, 4),
        _enum(c.status, schema.ALERT_STATUSES),
        *lifecycle([c[name] for name in ALERT_TIMES]),
        _before(c.ack_due_at, c.raised_at),
        Rule("resolved_at", "is NULL but status is resolved", and_(c.status == "resolved", c.resolved_at.is_(None))),
        Rule(
            "resolved_at", "is set but status is not resolved", and_(c.status != "resolved", c.resolved_at.is_not(None))
        ),
        Rule(
            "acknowledged_at",
            "is NULL but status is acknowledged",
            and_(c.status == "acknowledged", c.acknowledged_at.is_(None)),
        ),
    ]


def _activity(c: Columns) -> list[Rule]:
    return [_enum(c.kind, schema.ACTIVITY_KINDS), _before(c.ends_at, c.starts_at), *_negative(c.points_each, c.participants)]


def _vote(c: Columns) -> list[Rule]:
    cast = c.ballots_yes + c.ballots_no + c.ballots_abstain
    return [
        _before(c.closes_at, c.opens_at),
        *_negative(c.eligible, c.ballots_yes, c.ballots_no, c.ballots_abstain),
        Rule("eligible", "is less than the ballots cast", cast > c.eligible),
    ]


def _points_ledger(c: Columns) -> list[Rule]:
    return [
        _enum(c.entry_type, schema.LEDGER_TYPES),
        Rule("delta", "is not positive in an earn entry", and_(c.entry_type == "earn", c.delta <= 0)),
        Rule(
            "delta",
            "is not negative in a redeem/expire entry",
            and_(c.entry_type.in_(("redeem", "expire")), c.delta >= 0),
        ),
    ]


_SPECIFIC = {
    "admin_unit": _admin_unit,
    "grid": _grid,
    "population_stat": _population_stat,
    "case_category": _case_category,
    "case_record": _case_record,
    "case_event": _case_event,
    "alert": _alert,
    "venue": lambda c: [_enum(c.kind, schema.VENUE_KINDS)],
    "activity": _activity,
    "vote": _vote,
    "points_ledger": _points_ledger,
}

# Tables keyed by one code: duplicates there break every lookup (a city may load without constraints).
UNIQUE_KEYS = (schema.meta.c.key, schema.admin_unit.c.code, schema.grid.c.code, schema.case_category.c.code)


def row_rules(t: Table) -> list[Rule]:
    required = [Rule(c.name, "is NULL in a required column", c.is_(None)) for c in t.columns if not c.nullable]
    specific = _SPECIFIC.get(t.name)
    return required + _coordinates(t) + (specific(t.c) if specific else [])


def join_rules() -> list[JoinRule]:
    rules = []
    for t in schema.TABLES_IN_LOAD_ORDER:
        for fk in sorted(t.foreign_keys, key=lambda fk: fk.parent.name):
            child, parent = fk.parent, fk.column
            rules.append(
                JoinRule(
                    t,
                    child.name,
                    f"not found in {parent.table.name}.{parent.name}",
                    t.outerjoin(parent.table, parent == child),
                    and_(child.is_not(None), parent.is_(None)),
                )
            )
    unit = schema.admin_unit
    for t in (schema.grid, schema.vote):
        rules.append(
            JoinRule(
                t,
                "community_code",
                "is not a community-level unit",
                t.join(unit, unit.c.code == t.c.community_code),
                unit.c.level != "community",
            )
        )
    cat, parent = schema.case_category, schema.case_category.alias("parent")
    rules.append(
        JoinRule(
            cat,
            "parent_code",
            "not found in case_category.code",
            cat.outerjoin(parent, parent.c.code == cat.c.parent_code),
            and_(cat.c.parent_code.is_not(None), parent.c.code.is_(None)),
        )
    )
    rules.append(
        JoinRule(
            cat,
            "kind",
            "differs from its parent's kind",
            cat.join(parent, parent.c.code == cat.c.parent_code),
            parent.c.kind != cat.c.kind,
        )
    )
    ev, nxt = schema.case_event, schema.case_event.alias("nxt")
    rules.append(
        JoinRule(
            ev,
            "at",
            "is after the next event's at (seq + 1)",
            ev.join(nxt, and_(nxt.c.case_id == ev.c.case_id, nxt.c.seq == ev.c.seq + 1)),
            nxt.c.at < ev.c.at,
        )
    )
    return rules
