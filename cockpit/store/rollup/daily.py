"""The rollups kept per day: rollup_day (and its street sums, rollup_street_day) and rollup_points_day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Table, case, func, literal_column, select

from cockpit.core.model import SEVERITIES, TIERS
from cockpit.store.rollup.tables import DAY_COLUMNS
from cockpit.store.schema import activity, alert, case_record, points_ledger
from cockpit.store.sql import Bind, count_if, tuples

# A fact table's daily counts per community, as rows (c: community code, d: day, v: value), by name.
Parts = dict[str, pd.DataFrame]


def community_of(column: ColumnElement[str]) -> ColumnElement[str]:
    """The code of the community a grid (or community) code belongs to: its first 12 digits."""
    return func.substr(column, 1, literal_column("12"))


def _daily(bind: Bind, table: Table, time_col: ColumnElement[Any], values: dict[str, ColumnElement[Any]],
           *where: ColumnElement[bool], by: ColumnElement[Any] | None = None) -> Parts:
    """One grouped scan of a fact table: (community, day[, by]) -> each named value.

    With `by` (a column with a few values, e.g. severity) each value is split per `by` value,
    named ``<name>@<by value>``; one scan replaces one query per value.
    """
    comm = community_of(table.c.grid_code).label("c")
    day = func.date(time_col).label("d")
    keys = [comm, day] + ([by.label("b")] if by is not None else [])
    stmt = select(*keys, *[v.label(k) for k, v in values.items()]).where(time_col.is_not(None), *where).group_by(*keys)
    frame = pd.DataFrame(tuples(bind, stmt), columns=["c", "d", *(["b"] if by is not None else []), *values])
    frame["d"] = pd.to_datetime(frame["d"]).dt.date
    out = {}
    for name in values:
        if by is None:
            out[name] = frame[["c", "d", name]].rename(columns={name: "v"})
        else:
            for b, part in frame.groupby("b", dropna=False):
                out[f"{name}@{b}"] = part[["c", "d", name]].rename(columns={name: "v"})
    return out



def compute_points_day_frame(bind: Bind) -> pd.DataFrame:
    """rollup_points_day: one grouped scan of the ledger (earned points joined to their activity's kind)."""
    lg, act = points_ledger.c, activity.c
    district = func.substr(lg.grid_code, 1, literal_column("6")).label("d")
    day = func.date(lg.at).label("day")
    kind = case((lg.entry_type == "earn", func.coalesce(act.kind, "other")), else_="-").label("kind")
    stmt = (select(district, day, lg.entry_type, kind, func.sum(lg.delta))
            .select_from(points_ledger.outerjoin(activity, act.id == lg.activity_id))
            .where(lg.entry_type.in_(("earn", "redeem"))).group_by(district, day, lg.entry_type, kind))
    frame = pd.DataFrame(tuples(bind, stmt), columns=["district_code", "day", "entry_type", "kind", "points"])
    frame["district_code"] = frame["district_code"].str.ljust(12, "0")
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["points"] = frame["points"].astype("int64")
    return frame



def street_frame(days: pd.DataFrame) -> pd.DataFrame:
    """rollup_day summed per street: its code is the community code's first 9 digits, zero-padded."""
    street = days["community_code"].str[:9].str.ljust(12, "0").rename("street_code")
    out = days[list(DAY_COLUMNS)].groupby([street, days["day"]], sort=True).sum().reset_index()
    return out[["street_code", "day", *DAY_COLUMNS]]


def _scan_facts(bind: Bind) -> Parts:
    """Every fact timestamp the rollup counts, one grouped scan each, split by tier, severity or entry type."""
    c, a, lg = case_record.c, alert.c, points_ledger.c
    one = func.count()
    parts: Parts = {}
    parts |= _daily(bind, case_record, c.received_at, {"cases_received": one})
    parts |= _daily(bind, case_record, c.closed_at, {"cases_closed": one})
    parts |= _daily(bind, case_record, c.resolved_at, {"resolved": one, "on_time": count_if(c.resolved_at <= c.due_at)},
                    by=c.resolved_tier)
    parts |= _daily(bind, case_record, c.visited_at, {"cases_rated": one, "cases_satisfied": count_if(c.satisfaction >= 4)},
                    c.satisfaction.is_not(None))
    parts |= _daily(bind, case_record, c.due_at, {"_due": one})
    # Overdue ends when the case closes, but never before it was due: counted on the later of the two days.
    parts |= _daily(bind, case_record, case((c.closed_at > c.due_at, c.closed_at), else_=c.due_at), {"_due_closed": one},
                    c.closed_at.is_not(None))
    parts |= _daily(bind, alert, a.raised_at, {"_raised": one, "_ack": count_if(a.acknowledged_at <= a.ack_due_at)},
                    by=a.severity)
    parts |= _daily(bind, alert, a.resolved_at, {"_resolved": one}, by=a.severity)
    parts |= _daily(bind, points_ledger, lg.at, {"_points": func.sum(lg.delta)}, by=lg.entry_type)
    return parts


def _stacked(parts: Parts, names: list[str], sign: int = 1) -> pd.DataFrame:
    """The rows of the named parts one under another (typed and empty when none exist), times `sign`."""
    found = [parts[n] for n in names if n in parts]
    if not found:
        return pd.DataFrame({"c": pd.Series(dtype=str), "d": pd.Series(dtype=object), "v": pd.Series(dtype="int64")})
    frame = pd.concat(found, ignore_index=True)
    return frame.assign(v=frame["v"].astype("int64") * sign)


def _named_columns(parts: Parts) -> Parts:
    """The per-value parts regrouped into the rollup's columns and the counts its snapshots are made of."""

    def every(name: str) -> pd.DataFrame:
        # Totals take every group, a NULL tier included, so they match the facts whatever a city fills in.
        return _stacked(parts, [k for k in parts if k.startswith(f"{name}@")])

    named = {k: v for k, v in parts.items() if "@" not in k}
    named["cases_resolved"] = every("resolved")
    named["resolved_on_time"] = every("on_time")
    for tier in TIERS:
        named[f"resolved_{tier}"] = _stacked(parts, [f"resolved@{tier}"])
    named["alerts_raised"] = every("_raised")
    named["alerts_ack_on_time"] = every("_ack")
    for severity in SEVERITIES:
        named[f"_raised_s{severity}"] = _stacked(parts, [f"_raised@{severity}"])
        named[f"_resolved_s{severity}"] = _stacked(parts, [f"_resolved@{severity}"])
    named["points_earned"] = _stacked(parts, ["_points@earn"])
    named["points_redeemed"] = _stacked(parts, ["_points@redeem"], sign=-1)
    return named


def _day_index(parts: Parts, end: datetime) -> pd.MultiIndex:
    """Every community seen in any fact, times every day from the first fact to the data end."""
    communities = sorted(set().union(*[set(p["c"]) for p in parts.values()]))
    first = min(p["d"].min() for p in parts.values() if len(p))
    days = pd.date_range(first, end.date(), freq="D").date
    return pd.MultiIndex.from_product([communities, days], names=["community_code", "day"])


def _dense(part: pd.DataFrame, index: pd.MultiIndex) -> pd.Series:
    """A part as one value per (community, day) of `index`: 0 where nothing happened, days past the end dropped."""
    values = part.set_index(["c", "d"])["v"].astype("int64")
    values.index.names = ["community_code", "day"]
    return values.groupby(level=[0, 1]).sum().reindex(index, fill_value=0)


def _running(daily: pd.Series) -> pd.Series:
    """Per community, the total up to and including each day."""
    return daily.groupby(level=0).cumsum()


def _day_frame(parts: Parts, index: pd.MultiIndex) -> pd.DataFrame:
    """The rollup_day rows: the daily counts, and the end-of-day snapshots as differences of running totals."""
    out = pd.DataFrame(index=index)
    for name in DAY_COLUMNS:
        if name in parts:
            out[name] = _dense(parts[name], index)
    out["open_eod"] = _running(out["cases_received"]) - _running(out["cases_closed"])
    out["overdue_eod"] = _running(_dense(parts["_due"], index)) - _running(_dense(parts["_due_closed"], index))
    for severity in SEVERITIES:
        raised = _dense(parts[f"_raised_s{severity}"], index)
        resolved = _dense(parts[f"_resolved_s{severity}"], index)
        out[f"active_s{severity}_eod"] = _running(raised) - _running(resolved)
    # Facts dated after the data end (due dates) must not shift the snapshot: _dense drops days past the end.
    return out[list(DAY_COLUMNS)].reset_index()


def compute_day_frame(bind: Bind, end: datetime) -> pd.DataFrame:
    """rollup_day: every community and day from the first fact to the data end `end`."""
    parts = _named_columns(_scan_facts(bind))
    return _day_frame(parts, _day_index(parts, end))
