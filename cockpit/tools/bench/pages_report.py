"""`python -m cockpit bench`'s targets and report: percentiles, sampling, target verdicts, the text tables.

Pure functions of the runs: no database, no Streamlit.
"""

from __future__ import annotations

import math
import resource
import sys
from collections.abc import Sequence
from dataclasses import dataclass

ONE_MB = 1024 * 1024

# ---------------------------------------------------------------- targets

@dataclass(frozen=True)
class Target:
    key: str
    description: str
    limit: float
    unit: str
    field: str  # the run field it applies to; "" for a process-wide figure
    strict: bool = True  # value < limit (else value <= limit)
    pages: tuple[str, ...] = ()  # pages it applies to; () for every page
    optional: bool = False  # a run without the value (a page with no map) is not a miss

    def passes(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit


# The targets for this 2-core machine, SQLite, `jiaxing` preset.
TARGETS: tuple[Target, ...] = (
    Target("warm_p95", "warm p95 per page", 150.0, "ms", "warm_p95_ms"),
    Target("cold", "cold run per page", 1000.0, "ms", "cold_ms"),
    Target("map_bytes", "every map message", float(ONE_MB), "bytes", "map_bytes", optional=True),
    Target("peak_memory", "peak memory of the process", 1536.0, "MB", ""),
    # Only where there is SQL to speak of: the about page reads two tiny tables, so its ratio is all page overhead.
    Target("warm_vs_floor", "warm median within 3x of the SQL floor", 3.0, "x", "ratio_warm_to_floor", strict=False,
           pages=("overview",)),
    Target("errors", "runs without errors", 0.0, "errors", "errors", strict=False),
)


# ---------------------------------------------------------------- pure helpers

def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ratio(num: float | None, den: float | None) -> float | None:
    return None if num is None or not den else num / den


def sample_codes(codes: Sequence[str], n: int) -> list[str]:
    """`n` codes spread evenly over the sorted codes: first, ..., middle, ..., last (deterministic)."""
    ordered = sorted(set(codes))
    if n <= 0 or not ordered:
        return []
    if n == 1 or len(ordered) == 1:
        return [ordered[0]]
    picks = [ordered[round(i * (len(ordered) - 1) / (n - 1))] for i in range(n)]
    return list(dict.fromkeys(picks))  # a tier with fewer units than n: each once


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _where(run: dict) -> str:
    custom = ".." in str(run.get("period", ""))  # a custom range is named; the standard period is the header's
    keys = ("page", "period", "tier", "unit") if custom else ("page", "tier", "unit")
    return " ".join(str(run[k]) for k in keys if run.get(k) not in (None, "-"))


def evaluate_targets(runs: list[dict], peak_mb: float | None, targets: Sequence[Target] = TARGETS) -> list[dict]:
    """One verdict per target: the worst value, where it was measured, and every failing view."""
    out = []
    for tg in targets:
        measured: list[tuple[float | None, str]] = []
        if not tg.field:
            measured.append((peak_mb, "process"))
        else:
            for run in runs:
                if tg.pages and run.get("page") not in tg.pages:
                    continue
                value = run.get(tg.field)
                if value is None and tg.optional:
                    continue
                measured.append((float(len(value)) if isinstance(value, list) else value, _where(run)))
        missing = [where for value, where in measured if value is None]
        failing = [where for value, where in measured if value is not None and not tg.passes(value)]
        present = [(value, where) for value, where in measured if value is not None]
        worst = max(present, key=lambda vw: vw[0]) if present else (None, None)
        out.append({
            "key": tg.key, "description": tg.description, "limit": tg.limit, "unit": tg.unit,
            "comparison": "<" if tg.strict else "<=",
            "worst": worst[0], "worst_at": worst[1], "measured": len(present),
            "failing": failing, "missing": missing,
            "pass": bool(present) and not failing and not missing,
        })
    return out


def fmt(value: float | None, digits: int = 1) -> str:
    """A figure for the report's text, thousands separated; "-" when it was not measured."""
    return "-" if value is None else f"{value:,.{digits}f}"


def _fmt_limit(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "bytes":
        return f"{value / 1024:,.1f} KB"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "errors":
        return f"{value:.0f}"
    return f"{value:,.1f} {unit}"


TABLE_COLUMNS = (
    ("page", "page", "<"), ("period", "period", "<"), ("tier", "tier", "<"), ("unit", "unit", "<"),
    ("cold ms", "cold_ms", ">"), ("warm p50", "warm_median_ms", ">"), ("warm p95", "warm_p95_ms", ">"),
    ("floor ms", "floor_ms", ">"), ("warm/floor", "ratio_warm_to_floor", ">"), ("map KB", "map_bytes", ">"),
    ("errors", "errors", ">"),
)


def format_table(runs: list[dict]) -> str:
    """A fixed-width table, one line per view; failed runs are flagged and their errors listed below."""
    rows = []
    for run in runs:
        cells = []
        for _, key, _ in TABLE_COLUMNS:
            value = run.get(key)
            if key == "map_bytes":
                cells.append(fmt(value / 1024 if value is not None else None))
            elif key == "ratio_warm_to_floor":
                cells.append(fmt(value, 2))
            elif key == "errors":
                cells.append(str(len(value)) if value else "")
            elif isinstance(value, float):
                cells.append(fmt(value))
            else:
                cells.append("-" if value is None else str(value))
        rows.append(cells)
    header = [title for title, _, _ in TABLE_COLUMNS]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if align == "<" else c.rjust(w)
                         for c, w, (_, _, align) in zip(cells, widths, TABLE_COLUMNS)).rstrip()

    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    for run in runs:
        for err in run.get("errors") or []:
            out.append(f"  ! {_where(run)}: {err}")
    return "\n".join(out)


def format_summary(verdicts: list[dict]) -> str:
    lines = []
    for v in verdicts:
        state = "PASS" if v["pass"] else "FAIL"
        worst = _fmt_limit(v["worst"], v["unit"])
        where = f" at {v['worst_at']}" if v["worst"] and v["worst_at"] not in (None, "process") else ""
        extra = ""
        if v["failing"]:
            extra += f"; {len(v['failing'])} of {v['measured']} over"
        if v["missing"]:
            extra += f"; {len(v['missing'])} not measured"
        lines.append(f"  {state}  {v['description']} {v['comparison']} {_fmt_limit(v['limit'], v['unit'])}: "
                     f"worst {worst}{where}{extra}")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    m, c, d = report["machine"], report["config"], report["dataset"]
    head = (f"cockpit bench · {d['root_name']} {d['root_code']} ({d['levels_text']}) · {m['engine']} {c['db']}\n"
            f"period {c['period_days']} d · metric {c['metric']} · cold median of {c.get('cold_runs', 1)} · "
            f"{c['repeat']} warm runs · floor median of "
            f"{c['floor_runs']} · {c['units_per_tier']} units per tier · {m['nproc']} CPUs · load "
            f"{m['load_before']} -> {m['load_after']} · {report['started_at']}")
    foot = (f"peak memory {fmt(report['peak_rss_mb'])} MB · AppTest harness overhead ~{fmt(m['harness_ms'])} ms "
            f"per run (included in page times) · {report['duration_s']:.0f} s in all")
    return "\n".join([head, "", format_table(report["runs"]), "", foot, "targets:",
                      format_summary(report["targets"])])

