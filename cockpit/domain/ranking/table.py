"""A month's ranking of units under a scheme: per peer group, with small samples shown but not ranked.

Input: the month's figures (one row per unit: code plus catalogue.FIGURE_COLUMNS and population) and
the units' names and kinds. Output: one row per unit with, per indicator `i`, the columns
`i.raw` (the unit's own rate or per-capita value), `i.n` (its sample), `i.value` (what is scored:
the shrunk rate, the Wilson bound, or the raw per-capita value) and `i.points`; then `score` (0–100),
`grade`, `ranked`, `rank` (1, 2, 2, 4 …), `tied`, `below_floor` (indicator ids) and `group`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cockpit.domain.ranking import scoring
from cockpit.domain.ranking.catalogue import CATALOGUE, HIGHER, PER_CAPITA, denominator, numerator
from cockpit.domain.ranking.schemes import Indicator, Scheme

ALL = "all"
# Peer groups by the kind a unit is registered as: 街道 apart from 乡镇, 社区 apart from 村, 区 apart
# from 县 (市), urban grids apart from rural ones. Anything else is a group of its own.
URBANITY = {"区": "urban", "市辖区": "urban", "县": "rural", "县级市": "rural", "自治县": "rural",
            "街道": "urban", "镇": "rural", "乡": "rural", "民族乡": "rural",
            "居委会": "urban", "社区": "urban", "村委会": "rural", "村": "rural",
            "urban": "urban", "rural": "rural"}


def group_of(kind: pd.Series, mode: str) -> pd.Series:
    """Each unit's peer group: "urban", "rural" or "other" by its kind; everything "all" in mode ALL."""
    if mode == ALL:
        return pd.Series(ALL, index=kind.index)
    return kind.map(URBANITY).fillna("other")


def rank_month(figures: pd.DataFrame, units: pd.DataFrame, scheme: Scheme, mode: str = "kind") -> pd.DataFrame:
    """The ranking table (see the module's docstring), rows ranked first by group then place."""
    frame = units[["code", "name", "kind"]].merge(figures, on="code", how="left")
    frame = frame.fillna({c: 0 for c in frame.columns if c not in ("code", "name", "kind")})
    frame["group"] = group_of(frame["kind"], mode)
    pop = frame["population"].astype(float)
    frame["per_10k"] = frame["received"].astype(float) / pop.where(pop > 0) * 10_000
    parts = [_score_group(g, scheme) for _, g in frame.groupby("group", sort=True)]
    out = pd.concat(parts) if parts else frame.assign(score=np.nan)
    order = out.assign(_unranked=out["rank"].isna()).sort_values(["group", "_unranked", "rank", "received"],
                                                                  ascending=[True, True, True, False])
    return order.drop(columns="_unranked").reset_index(drop=True)


def _score_group(g: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    # New columns are gathered and joined once: inserting them one by one into a frame of Arrow strings
    # cost most of a ranking (a unit's 12-month history ranks its group twelve times).
    ranked = g["received"] >= max(scheme.min_cases, 1)
    cols: dict[str, pd.Series] = {"ranked": ranked}
    points, weights = pd.Series(0.0, index=g.index), 0.0
    floors: dict[object, list[str]] = {i: [] for i in g.index}
    for ind in scheme.indicators:
        found = _indicator(g, ranked, ind, scheme)
        cols |= {f"{ind.id}.{k}": v for k, v in found.items()}
        if "points" not in found:  # the group has no sample at all for it: it weighs nothing this month
            continue
        weights += ind.weight
        points = points + found["points"]
        if ind.floor is not None:
            raw = found["raw"]
            worse = (raw < ind.floor) if ind.direction == HIGHER else (raw > ind.floor)
            for i in g.index[worse.fillna(False) & ranked]:
                floors[i].append(ind.id)
    score = points / weights * 100 if weights else pd.Series(np.nan, index=g.index)
    rank = scoring.competition_rank(score.where(ranked))
    cols |= {"score": score, "grade": scoring.grade(score, scheme.grades),
             "below_floor": pd.Series([floors[i] for i in g.index], index=g.index, dtype=object),
             "rank": rank, "tied": rank.notna() & rank.duplicated(keep=False)}
    return pd.concat([g, pd.DataFrame(cols, index=g.index)], axis=1)


def _indicator(g: pd.DataFrame, ranked: pd.Series, ind: Indicator, scheme: Scheme) -> dict[str, pd.Series]:
    """The indicator's raw and n columns, and its value and points unless nobody in the group has a sample."""
    known = CATALOGUE[ind.id]
    x = numerator(g, known, scheme.basic_weight)
    n = denominator(g, known)
    higher = ind.direction == HIGHER
    raw = x / n.where(n > 0) * known.per
    out = {"raw": raw, "n": n}
    if known.kind == PER_CAPITA:
        reference = scoring.pooled(x, n) * known.per
        if np.isnan(reference):
            return out
        value = raw.fillna(reference)
    else:
        r0 = scoring.pooled(x[ranked], n[ranked])
        if np.isnan(r0):
            r0 = scoring.pooled(x, n)
        if np.isnan(r0):
            return out
        if scheme.method == "wilson":
            value = scoring.wilson(x, n, upper=not higher).fillna(r0)
        else:
            value = scoring.shrink(x, n, r0, scheme.pseudo_cases)
    return out | {"value": value, "points": _points(value, ind, known.kind == PER_CAPITA, higher, x, n, known.per)}


def _points(value: pd.Series, ind: Indicator, per_capita: bool, higher: bool,
            x: pd.Series, n: pd.Series, per: int) -> pd.Series:
    if ind.rule == "threshold":
        return scoring.threshold(value, ind.weight, higher, ind.full_at or 0.0, ind.minus_per_point,
                                 1.0 if per_capita else 100.0)
    if ind.rule == "relative":
        return scoring.relative(value, ind.weight, higher, scoring.pooled(x, n) * per)
    return scoring.proportional(value, ind.weight, higher)


def with_change(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """`rank_change` (places gained: + up, − down) and `score_change` against the previous month's table."""
    out = current.copy()
    if previous is None or previous.empty:
        out["rank_change"], out["score_change"] = pd.NA, np.nan
        return out
    before = previous.set_index("code")
    prev_rank = out["code"].map(before["rank"]).astype("Int64")
    out["rank_change"] = (prev_rank - out["rank"]).astype("Int64")
    out["score_change"] = out["score"] - out["code"].map(before["score"]).astype(float)
    return out


@dataclass(frozen=True)
class Lists:
    red: pd.DataFrame  # the top N of the group (all tied with the N-th too: 排名不分先后)
    black: pd.DataFrame  # the bottom N
    floors: pd.DataFrame  # ranked units worse than a floor, with the indicators they missed


def lists(table: pd.DataFrame, group: str, size: int) -> Lists:
    """红榜, 黑榜 and the units under a floor, of one group."""
    g = table[(table["group"] == group) & table["rank"].notna()]
    from_bottom = scoring.competition_rank(g["score"], descending=False)
    red = g[g["rank"] <= size].sort_values("rank")
    # A unit is never on both lists: in a group of fewer than 2N the bottom list keeps only those not on the top one.
    bottom = (from_bottom <= size) & ~g["code"].isin(red["code"])
    black = g[bottom].assign(rank_from_bottom=from_bottom[bottom]).sort_values("rank_from_bottom")
    return Lists(red=red, black=black, floors=g[g["below_floor"].map(len) > 0])


def funnel(table: pd.DataFrame, group: str, indicator_id: str, points: int = 60) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """A funnel plot of one rate in one group: the units (n, rate, where they fall), the limits and r0.

    `where` is "above_998", "above_95", "inside", "below_95" or "below_998" against the group's
    pooled rate r0; units without a sample are left out.
    """
    g = table[(table["group"] == group) & (table[f"{indicator_id}.n"] > 0)]
    n, raw = g[f"{indicator_id}.n"].astype(float), g[f"{indicator_id}.raw"].astype(float)
    if g.empty:
        return g.assign(where=pd.Series(dtype=str)), pd.DataFrame(columns=["n", "lo95", "hi95", "lo998", "hi998"]), np.nan
    r0 = float((raw * n).sum() / n.sum())
    lo95, hi95 = scoring.funnel_limits(r0, n, scoring.Z95)
    lo998, hi998 = scoring.funnel_limits(r0, n, scoring.Z998)
    where = np.select([raw > hi998, raw > hi95, raw < lo998, raw < lo95],
                      ["above_998", "above_95", "below_998", "below_95"], "inside")
    dots = pd.DataFrame({"code": g["code"], "name": g["name"], "n": n, "rate": raw, "where": where})
    grid = pd.Series(np.unique(np.geomspace(1, max(float(n.max()), 2.0), points).round(1)))
    l95, h95 = scoring.funnel_limits(r0, grid, scoring.Z95)
    l998, h998 = scoring.funnel_limits(r0, grid, scoring.Z998)
    limits = pd.DataFrame({"n": grid, "lo95": l95, "hi95": h95, "lo998": l998, "hi998": h998})
    return dots.reset_index(drop=True), limits, r0


def history(monthly: pd.DataFrame, units: pd.DataFrame, scheme: Scheme, mode: str, code: str) -> pd.DataFrame:
    """A unit's place and score in each month of `monthly` (figures with a `month` column), in its group."""
    rows = []
    for month, figures in monthly.groupby("month", sort=True):
        table = rank_month(figures.drop(columns="month"), units, scheme, mode)
        hit = table[table["code"] == code]
        if hit.empty:
            continue
        row = hit.iloc[0]
        size = int(((table["group"] == row["group"]) & table["rank"].notna()).sum())
        rows.append({"month": month, "rank": row["rank"], "of": size, "score": row["score"], "ranked": bool(row["ranked"])})
    return pd.DataFrame(rows, columns=["month", "rank", "of", "score", "ranked"])
