"""`python -m cockpit bench-load`: many viewers at once, over Streamlit's own WebSocket protocol.

Each simulated viewer is one WebSocket to ``/_stcore/stream`` — one Streamlit session, as one
browser tab is. It opens a page at a unit drawn like real use (city 10 %, district 20 %, street
30 %, community 25 %, grid 15 %: the units come from the database through the query layer), then,
after a think time, does what a person clicks: drills to a child or up the breadcrumb, picks
another period, or opens another page of the sidebar — on the same socket, as a rerun with the
widget state a browser would send. A run is timed from the rerun message sent to the
``script_finished`` that ends it (one ``FINISHED_EARLY_FOR_RERUN`` of an ``st.rerun`` is not the
end). It counts as an error when the page draws Streamlit's exception box, the cockpit's own
failure notices (a part that failed, figures unavailable, the outage notice, no database), a
``page_not_found``, or when it does not finish in time.

Cheap by design, since it shares the machine with the server: every message is parsed once by
protobuf's C parser, the notice texts are looked for as bytes in the raw frame, and only the
widgets a viewer may click (period, drill, breadcrumb) are read out of the deltas. Like a browser,
it sends the hashes of the large messages it already holds, so the server may send references.

Loopback only (a workplace rule: load traffic never leaves the machine). Bounded: at most
``MAX_SESSIONS`` viewers and ``MAX_DURATION`` seconds, a grace period for runs in flight, every
socket closed at the end. Sessions linger on the server for ``server.disconnectedSessionTTL``
(120 s by default) after their socket closes: the RSS right after a run still holds them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from datetime import UTC, datetime
from typing import Any

from cockpit.core.errors import first_line, safe_url
from cockpit.tools.bench.load_plan import (
    DEFAULT_MIX,
    LINGER_NOTE,
    LOAD_PAGES,
    MAX_DURATION,
    MAX_SESSIONS,
    TIER_WEIGHTS,
    LoadError,
    Plan,
    Target,
    notice_needles,
    parse_mix,
    parse_target,
    parse_think,
    summarize,
    tier_weights,
)
from cockpit.tools.bench.load_server import Sampler, fetch_metrics, find_server_pid
from cockpit.tools.bench.load_viewer import Tally, Viewer


def load_pools(db_url: str) -> dict[str, list[str]]:
    """Unit codes by tier, read through the query layer (grids are 15-digit codes)."""
    from cockpit import queries
    from cockpit.store.engine import STORE_ERRORS, make_engine

    engine = make_engine(db_url)
    try:
        units = queries.fetch_units(engine)
        grids = queries.fetch_grid_codes(engine)
    except STORE_ERRORS as exc:
        raise LoadError(f"cannot read the units at {safe_url(db_url)}: {first_line(exc)}") from exc
    finally:
        engine.dispose()
    pools = {tier: [str(c) for c in units.loc[units["level"] == tier, "code"]] for tier in TIER_WEIGHTS if tier != "grid"}
    pools["grid"] = [str(c) for c in grids]
    return pools


def run_load(plan: Plan, pid: int | None, say: Any = None) -> dict[str, Any]:
    """Start the viewers over the ramp, let them click for the duration, close everything; the report."""
    needles = notice_needles()
    tally = Tally()
    sampler = Sampler(plan.target, pid)
    sampler.sample()
    rss_start = sampler.rss[-1] if sampler.rss else None
    sampler.start()
    cpu0, t0 = os.times(), time.monotonic()
    stop_at = t0 + plan.duration
    hard_stop = stop_at + plan.grace
    viewers = []
    for i in range(plan.sessions):
        start = t0 + plan.ramp * i / max(plan.sessions, 1)
        while (wait := start - time.monotonic()) > 0:
            time.sleep(wait)
        v = Viewer(i, plan, tally, stop_at, hard_stop, needles)
        v.start()
        viewers.append(v)
    if say:
        say(f"{plan.sessions} viewers started; running until {plan.duration:.0f} s (+{plan.grace:.0f} s grace)")
    for v in viewers:
        v.join(timeout=max(0.0, hard_stop - time.monotonic()) + 5)
    for v in viewers:  # past the grace: whatever is still open is closed now
        v.close()
    for v in viewers:
        v.join(timeout=5)
    elapsed = time.monotonic() - t0
    cpu1 = os.times()
    sampler.stop_event.set()
    sampler.join(timeout=5)
    sampler.sample()
    rss_after = sampler.rss[-1] if sampler.rss else None
    return build_report(plan, tally, sampler, rss_start, rss_after, elapsed,
                        (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), pid)


def build_report(plan: Plan, tally: Tally, sampler: Sampler, rss_start: float | None, rss_after: float | None,
                 elapsed: float, driver_cpu: float, pid: int | None) -> dict[str, Any]:
    runs = tally.runs
    by_page = {p: summarize([r.seconds for r in runs if r.page == p]) for p in dict.fromkeys(r.page for r in runs)}
    peak = max(sampler.rss) if sampler.rss else None

    def mb(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    per_session = None
    if peak is not None and rss_start is not None and tally.opened:
        per_session = round((peak - rss_start) / tally.opened, 2)
    return {
        "tool": "bench-load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "url": plan.target.http_base,
        "sessions": plan.sessions,
        "duration_s": plan.duration,
        "think_s": list(plan.think),
        "ramp_s": plan.ramp,
        "mix": plan.mix,
        "tier_weights": {k: round(v, 3) for k, v in plan.weights.items()},
        "seed": plan.seed,
        "sources": plan.sources,
        "elapsed_s": round(elapsed, 1),
        "page_runs": len(runs),
        "rerun_time": {"all": summarize([r.seconds for r in runs]),
                       "first": summarize([r.seconds for r in runs if r.kind == "first"]),
                       "rerun": summarize([r.seconds for r in runs if r.kind == "rerun"])},
        "by_page": by_page,
        "by_action": {a: len([r for r in runs if r.action == a]) for a in ("open", "unit", "page", "period")},
        "units_seen": len(tally.units_seen),
        "errors": {"count": tally.error_count, "first": tally.errors},
        "connection_failures": tally.connection_failures,
        "dropped_sockets": tally.dropped,
        "cut_at_end": tally.cut,
        "background_runs": tally.background_runs,
        "sessions_held": {"client_peak": tally.open_peak, "opened": tally.opened,
                          "server_active_peak": int(max(sampler.sessions)) if sampler.sessions else None},
        "server": {"pid": pid, "rss_source": sampler.source, "rss_start_mb": mb(rss_start), "rss_peak_mb": mb(peak),
                   "rss_after_mb": mb(rss_after), "rss_per_session_mb": per_session},
        "bytes_received": tally.bytes_received,
        "driver_cpu_s": round(driver_cpu, 1),
        "driver_cpu_share": round(driver_cpu / elapsed, 3) if elapsed > 0 else None,
        "cpus": os.cpu_count(),
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "note": LINGER_NOTE,
    }


def format_report(r: dict[str, Any]) -> str:
    """The human table: rerun times, runs and errors, sessions, the server's memory."""

    def v(x: Any, unit: str = "") -> str:
        return "-" if x is None else f"{x:,.0f}{unit}" if isinstance(x, float) else f"{x}{unit}"

    lines = [f"bench-load · {r['url']} · {r['sessions']} viewers · {r['duration_s']:.0f} s · think "
             f"{r['think_s'][0]:g}-{r['think_s'][1]:g} s · {r['cpus']} CPUs",
             "",
             f"{'rerun time':<18}{'runs':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
    for label, key in (("all", "all"), ("first load", "first"), ("later reruns", "rerun")):
        s = r["rerun_time"][key]
        lines.append(f"{label:<18}{s['count']:>7}{v(s['p50_ms']):>9}{v(s['p95_ms']):>9}{v(s['p99_ms']):>9}{v(s['max_ms']):>9}")
    lines.append("")
    acts = r["by_action"]
    lines.append(f"clicks: {acts['unit']} unit, {acts['page']} page, {acts['period']} period; "
                 f"{r['units_seen']} different units shown")
    for page, s in r["by_page"].items():
        lines.append(f"  {page:<16}{s['count']:>7}{v(s['p50_ms']):>9}{v(s['p95_ms']):>9}{v(s['p99_ms']):>9}{v(s['max_ms']):>9}")
    srv, held = r["server"], r["sessions_held"]
    lines += ["",
              f"page runs {r['page_runs']} · errors {r['errors']['count']} · connection failures "
              f"{r['connection_failures']} · dropped {r['dropped_sockets']} · cut at end {r['cut_at_end']}",
              f"sessions held at once {held['client_peak']} (server active_sessions peak {v(held['server_active_peak'])})",
              f"server RSS ({srv['rss_source']}): start {v(srv['rss_start_mb'], ' MB')}, peak "
              f"{v(srv['rss_peak_mb'], ' MB')}, after {v(srv['rss_after_mb'], ' MB')}; "
              f"~{srv['rss_per_session_mb']} MB per session",
              f"driver CPU {r['driver_cpu_s']} s ({r['driver_cpu_share']:.0%} of one core) · "
              f"received {r['bytes_received'] / 2**20:,.1f} MB",
              f"note: {r['note']}"]
    for message in r["errors"]["first"]:
        lines.append(f"error: {message}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cockpit bench-load",
                                description="Simulate many viewers over Streamlit's WebSocket protocol (loopback only).",
                                epilog=LINGER_NOTE)
    p.add_argument("--url", required=True, help="the running app, e.g. http://127.0.0.1:8501 (loopback only)")
    p.add_argument("--sessions", type=int, required=True, help=f"viewers at once, each its own socket (1..{MAX_SESSIONS})")
    p.add_argument("--duration", type=float, required=True, help=f"seconds of clicking (at most {MAX_DURATION:.0f})")
    p.add_argument("--think", default="5-15", help="seconds between clicks, uniform in LOW-HIGH or fixed (default 5-15)")
    p.add_argument("--mix", help=f"page weights (default {DEFAULT_MIX}); pages: {', '.join(LOAD_PAGES)}")
    p.add_argument("--db", help="where the unit codes come from (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    p.add_argument("--pid", type=int, help="the server's process id for its RSS (default: the process listening on the port)")
    p.add_argument("--ramp", type=float, help="seconds over which the viewers arrive (default: a fifth of the duration, at most 10)")
    p.add_argument("--grace", type=float, default=30.0, help="seconds runs in flight may take after the duration (default 30)")
    p.add_argument("--timeout", type=float, default=60.0, help="a run not finished after this many seconds is an error (default 60)")
    p.add_argument("--seed", type=int, help="random seed, for a repeatable sequence of clicks")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of the table")
    p.add_argument("--sources", type=int, default=1,
                   help="connect from this many loopback addresses 127.0.K.1 (behind nginx's ip_hash: spread over its processes)")
    return p


def make_plan(args: argparse.Namespace, pools: dict[str, list[str]] | None = None) -> Plan:
    target = parse_target(args.url)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        raise LoadError(f"--sessions must be 1..{MAX_SESSIONS}")
    if not 0 < args.duration <= MAX_DURATION:
        raise LoadError(f"--duration must be above 0 and at most {MAX_DURATION:.0f} s")
    if args.grace < 0 or args.timeout <= 0:
        raise LoadError("--grace must be 0 or more and --timeout above 0")
    think, mix = parse_think(args.think), parse_mix(args.mix)
    if pools is None:
        from cockpit.core.settings import load_settings

        pools = load_pools(args.db or load_settings().db_url)
    ramp = args.ramp if args.ramp is not None else min(10.0, args.duration / 5)
    return Plan(target, args.sessions, float(args.duration), think, mix, pools, tier_weights(pools), max(0.0, ramp),
                float(args.grace), float(args.timeout), args.seed, max(1, min(255, args.sources)))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    def say(message: str) -> None:  # progress on stderr: stdout holds only the table or the JSON
        print(message, file=sys.stderr)

    try:
        plan = make_plan(args)
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if fetch_metrics(plan.target) is None and not _healthy(plan.target):
        print(f"error: no Streamlit server answers at {plan.target.http_base}", file=sys.stderr)
        return 2
    pid = args.pid or find_server_pid(plan.target.port)
    if pid is None:
        say(f"note: no process found listening on port {plan.target.port} (pass --pid): no RSS figures")
    report = run_load(plan, pid, say)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(format_report(report))
    return 1 if report["errors"]["count"] or report["connection_failures"] else 0


def _healthy(target: Target) -> bool:
    try:
        with urllib.request.urlopen(f"{target.http_base}/_stcore/health", timeout=3) as resp:  # noqa: S310 - loopback, checked
            return resp.status == 200
    except OSError:
        return False
