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
import contextlib
import ipaddress
import json
import math
import os
import random
import re
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cockpit.core.errors import first_line, safe_url
from cockpit.core.i18n import TEXT

# Where viewers open: the shares of real use the issue gives (a tier missing from the data drops out).
TIER_WEIGHTS: dict[str, float] = {"city": 0.10, "district": 0.20, "street": 0.30, "community": 0.25, "grid": 0.15}
# The pages that show a unit, as cockpit/ui/pages.py lists them (a unit test keeps the two in step).
LOAD_PAGES: tuple[str, ...] = ("overview", "home", "cases", "alerts", "participation", "grids", "bigscreen")
DEFAULT_PAGE = "overview"  # the navigation's default: served at "/", so its page_name is ""
# Desk staff mostly look at the overview and the themes; the wall screen is one long-lived client
# (bench-screen measures it), so it is left out unless --mix names it.
DEFAULT_MIX = "overview=4,cases=2,alerts=2,participation=1,grids=1,home=1"
# What a viewer does after thinking: change the unit (drill or breadcrumb), the page or the period.
ACTIONS: dict[str, float] = {"unit": 0.45, "page": 0.35, "period": 0.20}
# The cockpit's own failure notices (cockpit/ui/frame.py, cockpit/ui/state.py): a page that draws
# one of them did not work for its viewer, even though Streamlit saw no exception.
NOTICE_KEYS: tuple[str, ...] = ("page_problem", "section_unavailable", "outage_retry", "db_unreachable",
                                "db_empty", "build_failed")
MAX_SESSIONS = 1000
MAX_DURATION = 3600.0
STREAM_PATH = "_stcore/stream"
KEEP_HASHES = 256  # message hashes a viewer remembers (the browser's cache is bounded too)
KEEP_ERRORS = 5  # error messages kept for the report
SAMPLE_EVERY = 1.0  # seconds between samples of the server's RSS and sessions
LINGER_NOTE = ("sessions linger on the server for server.disconnectedSessionTTL (default 120 s) after their "
               "socket closes: the RSS just after the run still holds them")


class LoadError(Exception):
    """A reason the load cannot run (bad arguments, not loopback, no units): one line for the user."""


# ---------------------------------------------------------------- pure parts

@dataclass(frozen=True)
class Target:
    """Where the load goes: the WebSocket stream, the HTTP base and the port to find the server by."""

    host: str
    port: int
    base_path: str  # Streamlit's server.baseUrlPath, "" or "/path"
    secure: bool

    @property
    def http_base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.secure else 'http'}://{host}:{self.port}{self.base_path}"

    @property
    def stream_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'wss' if self.secure else 'ws'}://{host}:{self.port}{self.base_path}/{STREAM_PATH}"


def is_loopback(host: str) -> bool:
    """Loopback: 'localhost', 127.0.0.0/8 or ::1 — no name resolution, so no name can smuggle a remote host in."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_target(url: str) -> Target:
    """The app's URL (http, https, ws or wss; with a base path or not); LoadError unless it is loopback."""
    parts = urlsplit(url.strip() if "://" in url else f"http://{url.strip()}")
    if parts.scheme not in ("http", "https", "ws", "wss"):
        raise LoadError(f"--url must be http://HOST:PORT (got scheme {parts.scheme!r})")
    host = parts.hostname or ""
    if not host:
        raise LoadError(f"--url {url!r} names no host")
    if not is_loopback(host):
        raise LoadError(f"refusing {host!r}: bench-load sends load to loopback only (127.0.0.0/8, localhost or ::1); "
                        "run it on the server's own machine")
    secure = parts.scheme in ("https", "wss")
    try:
        port = parts.port or (443 if secure else 80)
    except ValueError as exc:
        raise LoadError(f"--url {url!r}: {exc}") from exc
    path = parts.path.rstrip("/")
    if path.endswith(f"/{STREAM_PATH}"):
        path = path[: -len(STREAM_PATH) - 1]
    return Target(host, port, path, secure)


def parse_mix(text: str | None, known: Sequence[str] = LOAD_PAGES) -> dict[str, float]:
    """'overview=4,cases=2' -> {page: weight}; the pages must be known, the weights >= 0 and one > 0."""
    mix: dict[str, float] = {}
    for part in (text if text is not None else DEFAULT_MIX).split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if name not in known:
            raise LoadError(f"--mix: unknown page {name!r}; pages: {', '.join(known)}")
        try:
            weight = float(value) if sep else 1.0
        except ValueError:
            raise LoadError(f"--mix: the weight of {name} must be a number (got {value.strip()!r})") from None
        if not math.isfinite(weight) or weight < 0:
            raise LoadError(f"--mix: the weight of {name} must be 0 or more (got {value.strip()})")
        mix[name] = weight
    if not any(w > 0 for w in mix.values()):
        raise LoadError("--mix: give at least one page a weight above 0")
    return {k: w for k, w in mix.items() if w > 0}


def parse_think(text: str) -> tuple[float, float]:
    """'5-15' -> (5.0, 15.0); '10' -> (10.0, 10.0): seconds a viewer looks before the next click."""
    lo_text, sep, hi_text = text.strip().partition("-")
    try:
        lo = float(lo_text)
        hi = float(hi_text) if sep else lo
    except ValueError:
        raise LoadError(f"--think must be seconds or a range like 5-15 (got {text!r})") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0 or hi < lo:
        raise LoadError(f"--think must be 0 <= low <= high (got {text!r})")
    return lo, hi


def tier_weights(pools: Mapping[str, Sequence[str]], weights: Mapping[str, float] = TIER_WEIGHTS) -> dict[str, float]:
    """The draw's weights over the tiers this city has, scaled to sum to 1 (a city without districts: the rest)."""
    present = {tier: w for tier, w in weights.items() if w > 0 and pools.get(tier)}
    if not present:
        raise LoadError("no units to open: the database has no units at any tier")
    total = sum(present.values())
    return {tier: w / total for tier, w in present.items()}


def draw_unit(rng: random.Random, pools: Mapping[str, Sequence[str]], weights: Mapping[str, float]) -> tuple[str, str]:
    """(tier, code): a tier by its weight, then a unit of that tier uniformly."""
    tiers = list(weights)
    tier = rng.choices(tiers, weights=[weights[t] for t in tiers])[0]
    return tier, rng.choice(pools[tier])


def draw_page(rng: random.Random, mix: Mapping[str, float], other_than: str | None = None) -> str:
    """A page by its weight in the mix; another one than `other_than` when the mix has one."""
    names = [p for p in mix if p != other_than] or list(mix)
    return rng.choices(names, weights=[mix[p] for p in names])[0]


def page_name(page: str) -> str:
    """The page_name a browser sends for a page: its URL path, empty for the default page at '/'."""
    return "" if page == DEFAULT_PAGE else page


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear between the closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * min(max(q, 0.0), 100.0) / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(seconds: Sequence[float]) -> dict[str, Any]:
    """Count and p50/p95/p99/max/mean in milliseconds (None when there were no runs)."""

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {"count": len(seconds), "p50_ms": ms(percentile(seconds, 50)), "p95_ms": ms(percentile(seconds, 95)),
            "p99_ms": ms(percentile(seconds, 99)), "max_ms": ms(max(seconds) if seconds else None),
            "mean_ms": ms(sum(seconds) / len(seconds) if seconds else None)}


def notice_needles(texts: Mapping[str, tuple[str, ...]] = TEXT, keys: Iterable[str] = NOTICE_KEYS) -> tuple[bytes, ...]:
    """Bytes that appear in a frame exactly when one of the notices is drawn, in either language.

    A notice with a placeholder ({url}, {seconds}) is matched by its longest fixed part, so no
    frame has to be decoded: a substring search in the raw bytes is all each message costs.
    """
    needles: list[bytes] = []
    for key in keys:
        for text in texts[key]:
            fixed = max(re.split(r"\{[a-z_]+\}", text), key=len).strip()
            if len(fixed) >= 6:  # a fragment this short could match ordinary text
                needles.append(fixed.encode("utf-8"))
    return tuple(dict.fromkeys(needles))


def listening_inodes(proc_net_tcp: str, port: int) -> set[str]:
    """Socket inodes listening on `port`, from the text of /proc/net/tcp or tcp6."""
    found = set()
    for line in proc_net_tcp.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 10 or cols[3] != "0A":  # 0A: TCP_LISTEN
            continue
        if int(cols[1].rsplit(":", 1)[1], 16) == port:
            found.add(cols[9])
    return found


def rss_kb(status_text: str) -> int | None:
    """VmRSS in kB from the text of /proc/PID/status."""
    m = re.search(r"^VmRSS:\s+(\d+)\s+kB", status_text, re.MULTILINE)
    return int(m.group(1)) if m else None


def metric_value(metrics_text: str, family: str) -> float | None:
    """One unlabelled sample of an OpenMetrics family (`active_sessions 3`), or None."""
    m = re.search(rf"^{re.escape(family)}\s+([0-9.eE+-]+)\s*$", metrics_text, re.MULTILINE)
    return float(m.group(1)) if m else None


# ---------------------------------------------------------------- the server process

def find_server_pid(port: int, proc: Path = Path("/proc")) -> int | None:
    """The process listening on `port` (through /proc: the socket's inode among a process's fds)."""
    inodes: set[str] = set()
    for name in ("tcp", "tcp6"):
        try:
            inodes |= listening_inodes((proc / "net" / name).read_text(), port)
        except OSError:
            continue
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(entry.name)
        except OSError:  # another user's process, or gone: not ours to read
            continue
    return None


def read_rss_mb(pid: int) -> float | None:
    try:
        kb = rss_kb(Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None
    return None if kb is None else kb / 1024


def fetch_metrics(target: Target, timeout: float = 2.0) -> str | None:
    try:
        with urllib.request.urlopen(f"{target.http_base}/_stcore/metrics", timeout=timeout) as resp:  # noqa: S310 - loopback, checked
            return resp.read().decode("utf-8", errors="replace")
    except OSError:
        return None


class Sampler(threading.Thread):
    """Every second: the server's RSS (its metrics if they carry memory, else /proc) and its active sessions."""

    def __init__(self, target: Target, pid: int | None) -> None:
        super().__init__(name="bench-load-sampler", daemon=True)
        self.target, self.pid = target, pid
        self.stop_event = threading.Event()
        self.rss: list[float] = []
        self.sessions: list[float] = []
        self.source = f"/proc/{pid}/status VmRSS" if pid else "none"

    def sample(self) -> None:
        text = fetch_metrics(self.target)
        if text is not None:
            sessions = metric_value(text, "active_sessions")
            if sessions is not None:
                self.sessions.append(sessions)
            memory = metric_value(text, "process_resident_memory_bytes")
            if memory is not None:
                self.rss.append(memory / 2**20)
                self.source = "/_stcore/metrics process_resident_memory_bytes"
                return
        if self.pid:
            value = read_rss_mb(self.pid)
            if value is not None:
                self.rss.append(value)

    def run(self) -> None:
        while not self.stop_event.wait(SAMPLE_EVERY):
            self.sample()


# ---------------------------------------------------------------- the viewers

@dataclass
class Run:
    kind: str  # "first" (the session's first page) or "rerun" (a click on the same socket)
    page: str
    action: str  # open, unit, page, period
    seconds: float
    error: str | None = None


@dataclass
class Tally:
    """What every viewer reports, under one lock (appends only: cheap next to a page run)."""

    runs: list[Run] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    connection_failures: int = 0
    dropped: int = 0
    cut: int = 0  # runs still going when the grace period ended
    background_runs: int = 0  # runs the server started by itself (auto-refresh, retries)
    bytes_received: int = 0
    open_now: int = 0
    open_peak: int = 0
    opened: int = 0
    units_seen: set[str] = field(default_factory=set)  # units the viewers' address bars showed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, message: str) -> None:
        with self.lock:
            self.error_count += 1
            if len(self.errors) < KEEP_ERRORS:
                self.errors.append(message)

    def opened_socket(self, delta: int) -> None:
        with self.lock:
            self.open_now += delta
            if delta > 0:
                self.opened += 1
            self.open_peak = max(self.open_peak, self.open_now)


@dataclass(frozen=True)
class Plan:
    target: Target
    sessions: int
    duration: float
    think: tuple[float, float]
    mix: dict[str, float]
    pools: dict[str, list[str]]
    weights: dict[str, float]
    ramp: float
    grace: float
    run_timeout: float
    seed: int | None
    sources: int = 1  # distinct loopback source addresses the viewers come from (see source_address)


class Timeout(Exception):
    pass


class Viewer(threading.Thread):
    """One simulated person: one socket, one page at a unit, then a click after each think time."""

    def __init__(self, index: int, plan: Plan, tally: Tally, stop_at: float, hard_stop: float, needles: tuple[bytes, ...]) -> None:
        super().__init__(name=f"bench-load-{index}", daemon=True)
        seed = None if plan.seed is None else plan.seed * 100_003 + index
        self.rng = random.Random(seed)
        self.index, self.plan, self.tally = index, plan, tally
        self.stop_at, self.hard_stop, self.needles = stop_at, hard_stop, needles
        self.ws: Any = None
        self.hashes: dict[str, None] = {}
        self.query = ""
        self.page = DEFAULT_PAGE
        self.widgets: dict[str, Any] = {}  # period / drill / crumb widgets of the last run
        self.closed = threading.Event()
        self.close_lock = threading.Lock()

    # -- protocol

    def _send_rerun(self, page: str, query: str, widget: Any = None) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_name = page_name(page)
        cs.widget_states.SetInParent()
        if widget is not None:
            cs.widget_states.widgets.append(widget)
        cs.cached_message_hashes.extend(self.hashes)
        cs.context_info.timezone = "Asia/Shanghai"
        cs.context_info.locale = "zh-CN"
        self.ws.send(msg.SerializeToString())

    def _read_run(self, deadline: float, collect: bool) -> tuple[str | None, bool]:
        """Read until the run ends; (first error or None, whether it ended). `collect`: note the clickable widgets."""
        error: str | None = None
        received = 0
        if collect:
            self.widgets = {}
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return error, False
                try:
                    raw = self.ws.recv(timeout=left)
                except TimeoutError:
                    return error, False
                received += len(raw)
                found, ended = self._take(raw, collect)
                error = error or found
                if ended:
                    return error, True
        finally:
            with self.tally.lock:
                self.tally.bytes_received += received

    def _take(self, raw: bytes, collect: bool) -> tuple[str | None, bool]:
        """One ForwardMsg of a run: (an error it shows or None, whether it ends the run)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        error = next((f"notice: {n.decode('utf-8')}" for n in self.needles if n in raw), None)
        fm = ForwardMsg()
        fm.ParseFromString(raw)
        kind = fm.WhichOneof("type")
        if kind == "delta":
            if fm.metadata.cacheable and fm.hash:
                self._remember(fm.hash)
            if fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                et = el.WhichOneof("type")
                if et == "exception":
                    error = error or f"exception: {el.exception.type}: {first_line(el.exception.message)}"
                elif collect and et in ("selectbox", "button"):
                    self._note_widget(getattr(el, et), et)
        elif kind == "script_finished":
            # FINISHED_EARLY_FOR_RERUN: st.rerun or switch_page inside the run: the same click goes on.
            if fm.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                error = error or "script compile error"
            return error, fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        elif kind == "page_info_changed":
            self._address(fm.page_info_changed.query_string)
        elif kind == "page_not_found":
            error = error or f"page_not_found: {fm.page_not_found.page_name or self.page}"
        return error, False

    def _address(self, query: str) -> None:
        """The app rewrote the URL: the browser's address bar follows, and the next rerun sends it."""
        self.query = query
        unit = re.search(r"(?:^|&)unit=(\d+)", query)
        if unit:
            with self.tally.lock:
                self.tally.units_seen.add(unit.group(1))

    def _remember(self, h: str) -> None:
        self.hashes[h] = None
        if len(self.hashes) > KEEP_HASHES:
            del self.hashes[next(iter(self.hashes))]

    def _note_widget(self, w: Any, et: str) -> None:
        wid = w.id
        if et == "selectbox" and wid.endswith("-period"):
            options = list(w.options)
            current = w.raw_value if w.HasField("raw_value") else (
                options[w.default] if w.HasField("default") and 0 <= w.default < len(options) else None)
            self.widgets["period"] = (wid, options, current)
        elif et == "selectbox" and "-drill-" in wid and len(w.options) > 1:
            self.widgets["drill"] = (wid, list(w.options)[1:])  # the first option is the placeholder
        elif et == "button" and "-crumb-" in wid and not w.disabled:
            self.widgets.setdefault("crumbs", []).append(wid)

    # -- one viewer's life

    def _timed(self, kind: str, page: str, action: str, widget: Any = None, query: str | None = None) -> bool:
        """One run: send, read to its end, record; False when the socket cannot go on."""
        deadline = min(time.monotonic() + self.plan.run_timeout, self.hard_stop)
        t0 = time.perf_counter()
        self._send_rerun(page, self.query if query is None else query, widget)
        error, finished = self._read_run(deadline, collect=True)
        seconds = time.perf_counter() - t0
        where = f"{page} {self.query or '-'}"
        if not finished:
            if time.monotonic() >= self.hard_stop:
                with self.tally.lock:
                    self.tally.cut += 1
                return False
            error = error or f"no script_finished within {self.plan.run_timeout:.0f} s"
        with self.tally.lock:
            self.tally.runs.append(Run(kind, page, action, seconds, error))
        if error:
            self.tally.error(f"{where}: {error}")
        return finished

    def _click(self) -> tuple[str, str, Any, str | None]:
        """What the person does next: (action, page, widget state, query string or None to keep the address)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        choices = dict(ACTIONS)
        if "period" not in self.widgets:
            choices.pop("period")
        if "drill" not in self.widgets and "crumbs" not in self.widgets:
            choices.pop("unit")
        if len(self.plan.mix) < 2 and choices:
            choices.pop("page", None)
        action = self.rng.choices(list(choices), weights=list(choices.values()))[0] if choices else "page"
        if action == "page":
            # A sidebar link: another page, same session; Streamlit clears the query string on a page change.
            return action, draw_page(self.rng, self.plan.mix, other_than=self.page), None, ""
        state = WidgetState()
        if action == "period":
            wid, options, current = self.widgets["period"]
            state.id = wid
            state.string_value = self.rng.choice([o for o in options if o != current] or options)
        elif "drill" in self.widgets and ("crumbs" not in self.widgets or self.rng.random() < 0.6):
            wid, options = self.widgets["drill"]
            state.id = wid
            state.string_value = self.rng.choice(options)
        else:
            state.id = self.rng.choice(self.widgets["crumbs"])
            state.trigger_value = True
        return action, self.page, state, None

    def _think(self, seconds: float) -> bool:
        """Look at the page; meanwhile take what the server sends by itself. False when the socket died."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        until = min(time.monotonic() + seconds, self.stop_at)
        while (left := until - time.monotonic()) > 0:
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                break
            with self.tally.lock:
                self.tally.bytes_received += len(raw)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            if fm.WhichOneof("type") == "script_finished":
                with self.tally.lock:
                    self.tally.background_runs += 1
        return True

    def run(self) -> None:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        plan = self.plan
        try:
            with connect(plan.target.stream_url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                         open_timeout=10, compression=None, user_agent_header="cockpit-bench-load",
                         source_address=source_address(self.index, plan.sources)) as ws:
                self.ws = ws
                self.tally.opened_socket(+1)
                try:
                    self._live()
                finally:
                    self.close()
        except (OSError, WebSocketException, TimeoutError) as exc:
            if self.ws is None:
                with self.tally.lock:
                    self.tally.connection_failures += 1
                self.tally.error(f"connect: {first_line(exc)}")
            elif time.monotonic() < self.hard_stop:  # closed under the viewer, not by the end of the run
                with self.tally.lock:
                    self.tally.dropped += 1
                self.tally.error(f"socket closed: {first_line(exc)}")
        finally:
            self.closed.set()

    def _live(self) -> None:
        """Open a page at a drawn unit, then think and click until the duration is over."""
        plan = self.plan
        self.page = draw_page(self.rng, plan.mix)
        _, code = draw_unit(self.rng, plan.pools, plan.weights)
        if not self._timed("first", self.page, "open", query=f"unit={code}"):
            return
        while time.monotonic() < self.stop_at:
            self._think(self.rng.uniform(*plan.think))
            if time.monotonic() >= self.stop_at:
                break
            action, next_page, widget, query = self._click()
            self.page = next_page
            if not self._timed("rerun", next_page, action, widget, query):
                return

    def close(self) -> None:
        """Close the socket once, whichever of the viewer and the end of the run gets here first."""
        with self.close_lock:
            if self.ws is None or self.closed.is_set():
                self.closed.set()
                return
            self.closed.set()
        with contextlib.suppress(Exception):  # closing at the end: nothing left to report
            self.ws.close()
        self.tally.opened_socket(-1)


# ---------------------------------------------------------------- the run

def source_address(index: int, sources: int) -> tuple[str, int] | None:
    """Where viewer `index` connects from: 127.0.K.1 for K = index mod `sources` (None: the system's choice).

    nginx's ip_hash keys on the first three parts of an IPv4 address, so every viewer from 127.0.0.1
    lands on one process; viewers spread over 127.0.K.1 (all of them this machine's loopback) spread
    over the processes behind it as offices behind different subnets would.
    """
    if sources <= 1:
        return None
    return f"127.0.{index % sources}.1", 0


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
