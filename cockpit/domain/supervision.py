"""督办 (supervision): which cases a named unit must be chased about, and why — pure rules on case rows.

A case qualifies when ANY enabled rule holds as of `now` (the page's clock: the end of its window,
the midnight after the newest receipt). The rules and their settings are cockpit.core.settings'
SupervisionRules (COCKPIT_SUPERVISION_RULES, _RETURNS, _FACTOR):

- ``overdue`` (超期): open at `now` (not closed, or closed at or after it) and its deadline `due_at` before `now`;
- ``returned_twice`` (多次退回重办): return_count + reopen_count >= `returns` (default 2);
- ``unsatisfied`` (不满意): rated 1 or 2 on the return visit (satisfaction <= UNSATISFIED_AT_MOST);
- ``long_open`` (超期一倍以上): open at `now` and open longer than `factor` (default 2) times its allowed
  time: now − received_at > factor × (due_at − received_at).

Times count in whole minutes (each timestamp floored to its minute), as cockpit.queries.supervision
counts them in SQL, so the rows the database selects are exactly those `reasons` gives a reason.

"Times chased" (催办/退回次数): the data has no chasing event (case_event knows receive … visit, return,
escalate and reopen, no 催办), so it is the times the case was sent back or reopened:
return_count + reopen_count — named so on screen, not presented as a count of 催办.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from cockpit.core.settings import SUPERVISION_RULES, SupervisionRules

UNSATISFIED_AT_MOST = 2  # 1 非常不满意, 2 不满意 on the 1–5 return-visit scale
DAY = pd.Timedelta(days=1)
UNIT_COLUMNS = ("code", "cases", *SUPERVISION_RULES, "chased", "oldest_due")


def _minute(value: object) -> pd.Timestamp | None:
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return None
    return pd.Timestamp(value).floor("min")


def _count(value: object) -> int:
    return 0 if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type, call-overload]


def is_open(case: Mapping, now: datetime) -> bool:
    closed = _minute(case.get("closed_at"))
    return closed is None or closed >= pd.Timestamp(now)


def chased(case: Mapping) -> int:
    """Times the case was sent back or reopened (the data's stand-in for 催办, see the module's note)."""
    return _count(case.get("return_count")) + _count(case.get("reopen_count"))


def reasons(case: Mapping, rules: SupervisionRules, now: datetime) -> tuple[str, ...]:
    """The enabled rules the case meets at `now`, in SUPERVISION_RULES order (empty: it does not qualify)."""
    stamp = pd.Timestamp(now).floor("min")
    received, due = _minute(case.get("received_at")), _minute(case.get("due_at"))
    open_now = is_open(case, now)
    score = case.get("satisfaction")
    met = {
        "overdue": open_now and due is not None and due < stamp,
        "returned_twice": chased(case) >= rules.returns,
        "unsatisfied": score is not None and not pd.isna(score) and int(score) <= UNSATISFIED_AT_MOST,
        "long_open": open_now and received is not None and due is not None
        and (stamp - received) > rules.factor * (due - received),
    }
    return tuple(r for r in SUPERVISION_RULES if r in rules.rules and met[r])


def days_overdue(case: Mapping, now: datetime) -> float:
    """Days past the deadline: to `now` while open, to the closure once closed (0 when on time), one decimal."""
    due = _minute(case.get("due_at"))
    if due is None:
        return 0.0
    closed = _minute(case.get("closed_at"))
    stamp = pd.Timestamp(now).floor("min")
    end = stamp if closed is None or closed >= stamp else closed
    return round(max(0.0, (end - due) / DAY), 1)


def annotate(cases: pd.DataFrame, rules: SupervisionRules, now: datetime) -> pd.DataFrame:
    """The listed cases with their reasons (a tuple of rule names), days overdue and times chased."""
    out = cases.copy()
    records = out.to_dict("records")
    out["reasons"] = pd.Series([reasons(r, rules, now) for r in records], index=out.index, dtype=object)
    out["days_overdue"] = [days_overdue(r, now) for r in records]
    out["chased"] = [chased(r) for r in records]
    return out


def by_unit(grouped: pd.DataFrame, names: Mapping[str, str], now: datetime) -> pd.DataFrame:
    """Per responsible unit (the query's grouped counts): its name, the 督办 cases, the count per rule,
    times chased, and the days the oldest still-open overdue case is past its deadline (None: none is);
    the most cases first, then the longest overdue, then the code."""
    frame = grouped.copy()
    stamp = pd.Timestamp(now).floor("min")
    frame["name"] = [names.get(c, c) for c in frame["code"]]
    due = pd.to_datetime(frame["oldest_due"], errors="coerce").dt.floor("min")
    frame["oldest_days"] = ((stamp - due) / DAY).round(1)
    frame = frame.sort_values(["cases", "oldest_days", "code"], ascending=[False, False, True], na_position="last")
    return frame.reset_index(drop=True)


def total(grouped: pd.DataFrame) -> int:
    """督办 cases over every unit of the grouped counts (what the overview's card shows)."""
    return int(grouped["cases"].sum()) if len(grouped) else 0
