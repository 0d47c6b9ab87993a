"""督办 (supervision): the cases that qualify by the city's rules, per responsible unit, listed, and counted.

The rules are cockpit.domain.supervision's, written here as SQL so the database selects the cases
(never the whole case table into pandas): a case of the window's workload (open at its end, or closed
in it — the case list's cases, under the same filters) qualifies when any enabled rule holds at
`w.end`. Times count in whole minutes (the rollups' portable minute clock), as the domain counts them.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from cockpit.core import codes
from cockpit.core.model import Unit, Window
from cockpit.core.settings import SupervisionRules
from cockpit.queries.base import Bind, child_key, count_if, rows, tuples
from cockpit.queries.cases import CASE_LIST_LIMIT, _in_unit_by_time, _list_filters
from cockpit.store.rollup.aggregates import _Minutes, workload_parts
from cockpit.store.schema import case_record

UNSATISFIED_AT_MOST = 2  # cockpit.domain.supervision.UNSATISFIED_AT_MOST (domain and queries are siblings)
Codes = tuple[str, ...] | None


def _chased() -> ColumnElement[int]:
    c = case_record.c
    return func.coalesce(c.return_count, 0) + func.coalesce(c.reopen_count, 0)


def _open_at(now: datetime) -> ColumnElement[bool]:
    c = case_record.c
    return or_(c.closed_at.is_(None), c.closed_at >= now)


def rule_conditions(rules: SupervisionRules, now: datetime) -> dict[str, ColumnElement[bool]]:
    """Each enabled rule as a condition on case_record at `now` (see cockpit.domain.supervision)."""
    c = case_record.c
    clock = _Minutes(literal(now, DateTime()))
    received = _Minutes(c.received_at)
    every = {
        "overdue": and_(_open_at(now), c.due_at < now),
        "returned_twice": _chased() >= int(rules.returns),
        "unsatisfied": and_(c.satisfaction.is_not(None), c.satisfaction <= UNSATISFIED_AT_MOST),
        "long_open": and_(_open_at(now), c.due_at.is_not(None),
                          (clock - received) > literal(float(rules.factor), Float()) * (_Minutes(c.due_at) - received)),
    }
    return {name: cond for name, cond in every.items() if name in rules.rules}


def _qualifies(rules: SupervisionRules, now: datetime) -> ColumnElement[bool]:
    conds = list(rule_conditions(rules, now).values())
    return or_(*conds) if conds else false()


def _where(unit: Unit, rules: SupervisionRules, now: datetime, status: str | None, categories: Codes,
           source: str | None) -> list[ColumnElement[bool]]:
    return [_in_unit_by_time(unit), *_list_filters(status, categories, source), _qualifies(rules, now)]


def _key(unit: Unit, child_level: str | None) -> ColumnElement[str]:
    """The responsible unit: the current unit's child holding the case's grid (a grid: the grid itself)."""
    c = case_record.c
    return (child_key(c.grid_code, unit, child_level) if child_level is not None else c.grid_code).label("code")


def fetch_supervision_units(bind: Bind, unit: Unit, w: Window, child_level: str | None, rules: SupervisionRules,
                            status: str | None = None, categories: Codes = None,
                            source: str | None = None) -> pd.DataFrame:
    """Per responsible unit: 督办 cases, how many meet each rule (a column per SupervisionRules name, 0 when
    disabled), times returned or reopened, and the deadline of its oldest still-open overdue case (oldest_due)."""
    now, c = w.end, case_record.c
    key = _key(unit, child_level)
    conds = rule_conditions(rules, now)
    overdue_now = and_(_open_at(now), c.due_at < now)
    names = list(conds)
    parts = []
    for _part, cond in workload_parts(w):
        stmt = (select(key, func.count().label("cases"), *[count_if(conds[n]).label(n) for n in names],
                       func.sum(_chased()).label("chased"),
                       func.min(case((overdue_now, c.due_at), else_=None)).label("oldest_due"))
                .where(cond, *_where(unit, rules, now, status, categories, source)).group_by(key))
        parts.append(pd.DataFrame(tuples(bind, stmt), columns=["code", "cases", *names, "chased", "oldest_due"]))
    found = pd.concat(parts, ignore_index=True)
    found["oldest_due"] = pd.to_datetime(found["oldest_due"])
    counted = ["cases", *names, "chased"]
    found[counted] = found[counted].fillna(0).astype("int64")
    out = found.groupby("code", as_index=False).agg({**dict.fromkeys(counted, "sum"), "oldest_due": "min"})
    for name in ("overdue", "returned_twice", "unsatisfied", "long_open"):
        if name not in out:
            out[name] = 0
    out["code"] = out["code"].map(codes.pad_code)
    cols = ["code", "cases", "overdue", "returned_twice", "unsatisfied", "long_open", "chased", "oldest_due"]
    return out[cols].sort_values("code").reset_index(drop=True)


SUPERVISION_COLUMNS = ("id", "received_at", "grid_code", "source", "category_code", "status", "due_at", "closed_at",
                       "satisfaction", "return_count", "reopen_count", "description")


def fetch_supervision_list(bind: Bind, unit: Unit, w: Window, child_level: str | None, rules: SupervisionRules,
                           status: str | None = None, categories: Codes = None, source: str | None = None,
                           limit: int = CASE_LIST_LIMIT) -> tuple[pd.DataFrame, int]:
    """The 督办 cases, still-open overdue ones first with the earliest deadline first (the most overdue),
    then the latest id; top `limit`, with the responsible unit (`code`) and the total."""
    now, c = w.end, case_record.c
    key = _key(unit, child_level)
    overdue = case((and_(_open_at(now), c.due_at < now), 1), else_=0).label("overdue")
    where = _where(unit, rules, now, status, categories, source)
    chosen = [select(*[getattr(c, col) for col in SUPERVISION_COLUMNS], key, overdue).where(cond, *where)
              for _part, cond in workload_parts(w)]
    order = (literal_column("overdue").desc(), literal_column("due_at"), literal_column("id").desc())
    found = rows(bind, union_all(*chosen).order_by(*order).limit(limit))
    frame = pd.DataFrame(found, columns=[*SUPERVISION_COLUMNS, "code", "overdue"])
    for col in ("received_at", "due_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col])
    frame["overdue"] = frame["overdue"].astype(bool)
    frame["code"] = frame["code"].map(codes.pad_code)
    total = sum(int(rows(bind, select(func.count()).where(cond, *where))[0][0]) for _part, cond in workload_parts(w))
    return frame, total


def fetch_supervision_count(bind: Bind, unit: Unit, w: Window, rules: SupervisionRules) -> int:
    """督办 cases under the unit, unfiltered (the overview's cases card)."""
    where = _where(unit, rules, w.end, None, None, None)
    return sum(int(rows(bind, select(func.count()).where(cond, *where))[0][0]) for _part, cond in workload_parts(w))
