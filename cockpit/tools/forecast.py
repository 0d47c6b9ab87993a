"""`python -m cockpit forecast`: the stored forecast of a unit, or `--backtest`: how good the forecasts were.

The backtest replays the last 12 weeks from the facts (read-only; the rollups need not be built): from
each Monday it forecasts the next `--horizon` days from the data before that Monday alone, with the
same model as the rollup refresh (cockpit.core.forecast), and compares with what came. Per tier (and
series: cases, alerts, cases by 大类):

* MASE: the forecast's absolute errors summed over the seasonal-naive forecast's (the same weekday of
  the week before) on the same days; below 1 the forecast beats the naive one (0.77: 23% smaller errors);
* cover80 / cover95: the share of the days whose count fell inside the 80% / 95% band.

docs/forecast.md explains how to read them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from cockpit.core.forecast import Backtest
from cockpit.core.settings import load_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("forecast", help="the stored forecast of a unit, or --backtest: replay the last 12 weeks "
                       "(MASE against the seasonal-naive forecast, 80%%/95%% band coverage, by tier)")
    f.add_argument("--backtest", action="store_true", help="replay the last weeks from the facts instead")
    f.add_argument("--unit", help="division code (12 digits): this unit and those under it (default: the city)")
    f.add_argument("--horizon", type=int, default=7, help="days ahead from each Monday, 1-14 (default 7)")
    f.add_argument("--weeks", type=int, default=12, help="Mondays replayed (default 12)")
    f.add_argument("--series", default="cases", help="for the stored forecast: cases, alerts or cases:<大类 code>")
    f.add_argument("--db", help="SQLAlchemy URL (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    f.add_argument("--json", action="store_true", help="print JSON on stdout")
    f.set_defaults(func=cmd_forecast)


TIERS = ("city", "district", "street", "community")


def _fail(reason: str) -> int:
    print(f"error: {reason}", file=sys.stderr)
    return 2


def _subtree(units: pd.DataFrame, unit_code: str | None) -> np.ndarray:
    """Which of `units` are `unit_code` or under it (all without a code)."""
    from cockpit.core import codes

    if unit_code is None:
        return np.ones(len(units), dtype=bool)
    level = units.loc[units["code"] == unit_code, "level"]
    if level.empty:
        return np.zeros(len(units), dtype=bool)
    lo, hi = codes.code_range(unit_code, level.iloc[0])
    return ((units["code"] >= lo) & (units["code"] < hi)).to_numpy()


def run_backtest(bind: Engine, unit_code: str | None, horizon: int, weeks: int) -> dict:
    """{"data_end", "horizon", "origins": [...], "rows": [{tier, series, series_count, days, mase, cover80, cover95}]}."""
    from cockpit.core import forecast as model
    from cockpit.queries import fetch_data_end
    from cockpit.store.rollup.forecast import day_counts, series_matrices

    end = fetch_data_end(bind)
    if end is None:
        raise ValueError("the database has no cases")
    matrices, first = series_matrices(bind, day_counts(bind), end)
    if unit_code is not None and not (matrices[0][1]["code"] == unit_code).any():
        raise ValueError(f"no unit {unit_code} above the grid")
    merged: dict[tuple[str, str], dict[str, float]] = {}
    origins: list[str] = []
    for series, units, y in matrices:
        keep = _subtree(units, unit_code)
        if not keep.any():
            continue
        units, y = units[keep].reset_index(drop=True), y[keep]
        bt = model.backtest(y, first, horizon, weeks)
        origins = [d.isoformat() for d in bt.origins]
        family = "cases:大类" if series.startswith("cases:") else series
        for tier in TIERS:
            idx = np.flatnonzero((units["level"] == tier).to_numpy())
            if len(idx):
                acc = merged.setdefault((tier, family), {})
                for k, v in _sums(bt, idx).items():
                    acc[k] = acc.get(k, 0.0) + v
    rows = []
    for (tier, family), acc in sorted(merged.items(), key=lambda kv: (TIERS.index(kv[0][0]), kv[0][1])):
        naive, days = acc["abs_error_naive"], acc["days"]
        rows.append({"tier": tier, "series": family, "series_count": int(acc["series"]), "days": int(days),
                     "mase": round(acc["abs_error"] / naive, 3) if naive else None,
                     "cover80": round(acc["inside80"] / days, 3) if days else None,
                     "cover95": round(acc["inside95"] / days, 3) if days else None})
    return {"data_end": end.isoformat(sep=" "), "horizon": horizon, "origins": origins, "rows": rows}


def _sums(bt: Backtest, idx: np.ndarray) -> dict[str, float]:
    return {"series": len(idx), "abs_error": float(bt.abs_error[idx].sum()),
            "abs_error_naive": float(bt.abs_error_naive[idx].sum()), "inside80": float(bt.inside80[idx].sum()),
            "inside95": float(bt.inside95[idx].sum()), "days": float(bt.days[idx].sum())}


def _print_backtest(result: dict, seconds: float) -> None:
    o = result["origins"]
    print(f"backtest: {len(o)} Mondays {o[0] if o else '-'} .. {o[-1] if o else '-'}, {result['horizon']} days ahead "
          f"(data to {result['data_end']}; {seconds:.1f} s)")
    print(f"  {'tier':<10} {'series':<10} {'units':>6} {'days':>7} {'MASE':>6} {'80%':>6} {'95%':>6}  读法")
    for r in result["rows"]:
        gain = f"误差比季节基准低{(1 - r['mase']) * 100:.0f}%" if r["mase"] is not None and r["mase"] < 1 else "不如季节基准"
        print(f"  {r['tier']:<10} {r['series']:<10} {r['series_count']:>6} {r['days']:>7} {r['mase']:>6.3f} "
              f"{r['cover80']:>6.1%} {r['cover95']:>6.1%}  {gain}，95%区间覆盖{r['cover95']:.0%}")


def cmd_forecast(args: argparse.Namespace) -> int:
    from cockpit.store.engine import make_engine

    if not 1 <= args.horizon <= 14:
        return _fail("--horizon must be 1 to 14 days")
    if args.weeks < 1:
        return _fail("--weeks must be at least 1")
    engine = make_engine(args.db or load_settings().db_url)
    try:
        if args.backtest:
            t0 = time.perf_counter()
            try:
                result = run_backtest(engine, args.unit, args.horizon, args.weeks)
            except ValueError as exc:
                return _fail(str(exc))
            if args.json:
                print(json.dumps(result, ensure_ascii=False, indent=1))
            else:
                _print_backtest(result, time.perf_counter() - t0)
            return 0
        return _print_stored(engine, args)
    finally:
        engine.dispose()


def _print_stored(engine: Engine, args: argparse.Namespace) -> int:
    from cockpit.core.model import Unit
    from cockpit.queries import fetch_forecast, fetch_units

    units = fetch_units(engine)
    code = args.unit or (units.loc[units["parent_code"].isna(), "code"].iloc[0] if len(units) else None)
    row = units[units["code"] == code]
    if row.empty:
        return _fail(f"no unit {code}")
    r = row.iloc[0]
    unit = Unit(r["code"], r["name"], r["level"], r["parent_code"], r["kind"], None, None, None)
    frame = fetch_forecast(engine, unit, args.series)
    if frame.empty:
        return _fail(f"no stored forecast of {args.series!r} for {code}: run `python -m cockpit rollup` first")
    if args.json:
        out = frame.assign(day=frame["day"].astype(str), actual=frame["actual"].astype(object).where(frame["actual"].notna(), None))
        print(json.dumps(out.to_dict(orient="records"), ensure_ascii=False, indent=1))
    else:
        print(f"{r['name']} ({code}) {args.series}: method {frame['method'].iloc[0]}")
        print(frame.to_string(index=False))
    return 0
