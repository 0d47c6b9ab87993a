"""bench-load's viewers: one WebSocket each, a Streamlit session as a browser tab is, clicking after a think time."""

from __future__ import annotations

import contextlib
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from cockpit.core.errors import first_line
from cockpit.tools.bench.load_plan import (
    ACTIONS,
    DEFAULT_PAGE,
    KEEP_ERRORS,
    KEEP_HASHES,
    Plan,
    draw_page,
    draw_unit,
    page_name,
    source_address,
)


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
