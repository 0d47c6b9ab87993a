"""The cases page's arithmetic: pure functions from the cohort and workload frames to what is shown.

Frames come from cockpit.queries.cases: the *cohort* (cases received in the window, counted per
source, category code and child) and the *workload* (cases closed in the window or open at its
end, likewise). Rates are None where there is nothing to divide by.
"""

from __future__ import annotations

import pandas as pd

from cockpit.core.model import TIERS, Window

STAGES = ("received", "registered", "dispatched", "resolved", "verified", "closed", "visited")
DEADLINES = ("review", "response", "resolve")
DEADLINE_STAGES = ("registered", "dispatched", "resolved")  # the stage each deadline is met by
WORKLOAD = ("closed_in", "open", "overdue")


# Sources whose cases carry only part of the loop, with the stages they do carry. Open311
# GeoReport v2 knows open and closed: its cases leave every stage between, the revisit (and the
# rating made at it) and the reopen/return counts empty, which says nothing about them, so they
# are left out of those figures instead of counting as "never" (a city on Open311 alone sees
# them as unknown, not as 0%).
PARTIAL_SOURCES: dict[str, frozenset[str]] = {"open311": frozenset({"received", "closed"})}
REWORK = "rework"  # the pseudo-stage of the reopen and return counts

# The stage each cohort column needs recorded; a column not listed (received) counts every case.
_NEEDS: dict[str, str] = {
    **{s: s for s in STAGES[1:]},
    "review_on_time": "registered", "review_late": "registered",
    "response_on_time": "dispatched", "response_late": "dispatched",
    "resolve_on_time": "resolved", "resolve_late": "resolved",
    **{f"tier_{t}": "resolved" for t in TIERS},
    "rated": "visited", "satisfied": "visited",
    "reopened": REWORK, "returned": REWORK,
}


def carries(source: str, stage: str) -> bool:
    """Whether cases from `source` record `stage` (every source not in PARTIAL_SOURCES records all)."""
    partial = PARTIAL_SOURCES.get(source)
    return partial is None or stage in partial


def _ratio(num: float, den: float) -> float | None:
    return None if not den else float(num) / float(den)


def totals(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, int]:
    """Column sums of a cohort or workload frame (zeros for an empty one)."""
    return {col: int(frame[col].sum()) if col in frame else 0 for col in columns}


def carried(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The cohort frame's `columns`, each zeroed on the rows whose source does not record what it counts.

    Where some rows come from such a source it adds ``received@<stage>`` (cases received from the
    sources that record the stage: the base of its share) and ``closed@visited`` (closed cases whose
    source records revisits: the base of the revisit rate); without any, the bases are the plain
    ``received`` and ``closed`` and nothing is added. Columns the frame lacks are left out.
    """
    out = frame[[c for c in columns if c in frame]]
    if "source" not in frame or frame.empty:
        return out
    partial = frame["source"].isin(list(PARTIAL_SOURCES))
    if not partial.any():
        return out
    out = out.copy()
    for stage in (*STAGES[1:], REWORK):
        records = [src for src, stages in PARTIAL_SOURCES.items() if stage in stages]
        keep = ~partial | frame["source"].isin(records)
        out[f"received@{stage}"] = frame["received"].where(keep, 0)
        if stage == "visited":
            out["closed@visited"] = frame["closed"].where(keep, 0)
        for col in (c for c in out.columns if _NEEDS.get(c) == stage):
            out[col] = out[col].where(keep, 0)
    return out


def cohort_totals(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, int]:
    """Column sums of a cohort frame over what each case's source records (see ``carried``)."""
    sums = carried(frame, columns)
    return {**dict.fromkeys(columns, 0), **{c: int(sums[c].sum()) for c in sums.columns}}


def _base(cohort: dict[str, int], stage: str) -> int:
    return cohort.get(f"received@{stage}", cohort.get("received", 0))


def reached(cohort: dict[str, int]) -> list[int | None]:
    """Cases that reached each stage; None (unknown) where no case could have recorded it.

    Unknown: no case came from a source that records the stage (see PARTIAL_SOURCES), or no case
    recorded it although a later stage was recorded (a source, say a CSV export, without that
    column): either way its timestamp is NULL everywhere, which is not "reached by nobody".
    """
    counts = [cohort.get(s, 0) for s in STAGES]
    out: list[int | None] = []
    for i, (stage, n) in enumerate(zip(STAGES, counts)):
        recorded_by_none = i > 0 and _base(cohort, stage) == 0 and cohort.get("received", 0) > 0
        skipped = n == 0 and any(counts[i + 1 :])
        out.append(None if recorded_by_none or skipped else n)
    return out


def funnel(cohort: dict[str, int], medians: dict[str, float | None]) -> pd.DataFrame:
    """One row per lifecycle stage: cases that reached it, their share of the received (from sources
    that record the stage), median hours from the stage before."""
    cases = reached(cohort)
    return pd.DataFrame({
        "stage": list(STAGES),
        "cases": cases,
        "share": [None if n is None else _ratio(n, _base(cohort, s)) for s, n in zip(STAGES, cases)],
        "median_hours": [medians.get(s) for s in STAGES],
    })


def stage_medians(times: pd.DataFrame) -> dict[str, float | None]:
    """Median hours from each stage to the next, over the sampled cases that reached both (None: none did)."""
    out: dict[str, float | None] = {STAGES[0]: None}
    for before, after in zip(STAGES, STAGES[1:]):
        if times.empty:
            out[after] = None
            continue
        hours = (times[f"{after}_at"] - times[f"{before}_at"]).dt.total_seconds().dropna() / 3600.0
        out[after] = float(hours.median()) if len(hours) else None
    return out


def compliance(cohort: dict[str, int]) -> dict[str, float | None]:
    """Share of each deadline met: on time / (on time + late); a case still inside its deadline counts for neither.

    None (unknown) for the deadline of a stage the source does not record (see ``reached``), not 0%.
    """
    known = dict(zip(STAGES, reached(cohort)))
    return {d: None if known[stage] is None else _ratio(cohort[f"{d}_on_time"], cohort[f"{d}_on_time"] + cohort[f"{d}_late"])
            for d, stage in zip(DEADLINES, DEADLINE_STAGES)}


def follow_up(cohort: dict[str, int], workload: dict[str, int]) -> dict[str, float | None]:
    """办结率 (contract: closed in the window / (closed + open at its end)), satisfaction and the follow-up rates."""
    return {
        "closure_rate": _ratio(workload["closed_in"], workload["closed_in"] + workload["open"]),
        "satisfaction": _ratio(cohort["satisfied"], cohort["rated"]),
        "revisit_rate": _ratio(cohort["visited"], cohort.get("closed@visited", cohort["closed"])),
        "reopen_rate": _ratio(cohort["reopened"], _base(cohort, REWORK)),
        "return_rate": _ratio(cohort["returned"], _base(cohort, REWORK)),
    }


def category_parents(categories: pd.DataFrame) -> dict[str, str]:
    """Category code -> its 大类 (a top-level code maps to itself)."""
    parent = categories["parent_code"].where(categories["parent_code"].notna(), categories["code"])
    return dict(zip(categories["code"], parent))


def category_codes(categories: pd.DataFrame, top: str | None) -> tuple[str, ...] | None:
    """The codes a 大类 filter selects (itself and its 小类), sorted; None for no filter."""
    if top is None:
        return None
    parents = category_parents(categories)
    return tuple(sorted(code for code, parent in parents.items() if parent == top))


def _grouped(frame: pd.DataFrame, by: str, columns: tuple[str, ...]) -> pd.DataFrame:
    cols = [c for c in columns if c in frame]
    return frame.groupby(by)[cols].sum() if not frame.empty else pd.DataFrame(columns=cols)


def breakdown(cohort: pd.DataFrame, workload: pd.DataFrame, by: str, cohort_cols: tuple[str, ...],
              parents: dict[str, str] | None = None) -> pd.DataFrame:
    """Per source or 大类 (`by` = "source" / "category"): counts and every rate of the page, most received first."""
    cohort, workload = cohort.copy(), workload.copy()
    if by == "category" and parents is not None:
        cohort["category"] = cohort["category"].map(lambda c: parents.get(c, c))
        workload["category"] = workload["category"].map(lambda c: parents.get(c, c))
    sums = carried(cohort, cohort_cols)
    sums[by] = cohort[by]
    both = pd.concat([_grouped(sums, by, tuple(c for c in sums.columns if c != by)),
                      _grouped(workload, by, WORKLOAD)], axis=1).fillna(0).astype("int64")
    rows = []
    for key, r in both.iterrows():
        values = {**dict.fromkeys(cohort_cols, 0), **r.to_dict()}
        rates = follow_up(values, values)
        rows.append({"key": key, "received": values["received"], "closure_rate": rates["closure_rate"],
                     "on_time_rate": compliance(values)["resolve"], "satisfaction": rates["satisfaction"],
                     "revisit_rate": rates["revisit_rate"], "reopen_rate": rates["reopen_rate"],
                     "return_rate": rates["return_rate"], "open": values["open"], "overdue": values["overdue"]})
    out = pd.DataFrame(rows, columns=["key", "received", "closure_rate", "on_time_rate", "satisfaction", "revisit_rate",
                                      "reopen_rate", "return_rate", "open", "overdue"])
    return out.sort_values(["received", "key"], ascending=[False, True]).reset_index(drop=True)


def tier_shares(cohort: pd.DataFrame, unit_code: str, children: dict[str, str], top: int = 15) -> pd.DataFrame:
    """Share of the resolved cases solved at each tier, for the unit (first) and its children: long format.

    The children are the `top` with the most resolved cases, most first (a street has dozens of
    communities, more than a readable chart holds); a child without resolved cases has no rows.
    """
    tier_cols = tuple(f"tier_{t}" for t in TIERS)
    parts = [(unit_code, totals(cohort, tier_cols))]
    if "child" in cohort:
        by_child = _grouped(cohort, "child", tier_cols)
        by_child = by_child[by_child.index.isin(list(children))]
        resolved = by_child.sum(axis=1).sort_index().sort_values(ascending=False, kind="stable")
        parts += [(code, by_child.loc[code].to_dict()) for code in resolved.index[:top] if resolved[code] > 0]
    rows = []
    for order, (code, counts) in enumerate(parts):
        resolved = sum(counts.values())
        for tier in TIERS:
            n = int(counts[f"tier_{tier}"])
            rows.append({"code": code, "order": order, "tier": tier, "cases": n, "share": _ratio(n, resolved)})
    out = pd.DataFrame(rows, columns=["code", "order", "tier", "cases", "share"])
    return out[out["share"].notna()].reset_index(drop=True)


def overdue_series(days: pd.DataFrame, w: Window) -> pd.DataFrame:
    """Cases overdue at the end of every day of the window, from the per-day due / left counts."""
    index = pd.date_range(pd.Timestamp(w.start).normalize(), pd.Timestamp(w.end) - pd.Timedelta(days=1), freq="D")
    if days.empty:
        return pd.DataFrame({"day": index, "overdue": 0})
    daily = days.set_index("day")[["due", "left"]].sort_index()
    running = (daily["due"] - daily["left"]).cumsum()
    # A day before the window carries its running total in; a day without rows keeps the one before.
    overdue = running.reindex(running.index.union(index)).ffill().fillna(0).reindex(index)
    return pd.DataFrame({"day": index, "overdue": overdue.astype("int64").to_numpy()})


def rank_children(workload: pd.DataFrame, names: dict[str, str], top: int = 10) -> pd.DataFrame:
    """Children by open cases, then overdue, most first (at most `top`)."""
    if "child" not in workload or workload.empty:
        return pd.DataFrame(columns=["code", "name", "open", "overdue", "overdue_share"])
    by = _grouped(workload, "child", ("open", "overdue")).reset_index().rename(columns={"child": "code"})
    by["name"] = by["code"].map(lambda c: names.get(c, c))
    by["overdue_share"] = [_ratio(o, n) for o, n in zip(by["overdue"], by["open"])]
    by = by.sort_values(["open", "overdue", "code"], ascending=[False, False, True]).head(top)
    return by[["code", "name", "open", "overdue", "overdue_share"]].reset_index(drop=True)
