"""How the pages' data calls are cached (cockpit.ui.data holds the calls themselves).

Every data function is a `data_call`, cached for the process, which also

* keeps the last answer it gave for each argument tuple, so that when the database goes
  away mid-session the page shows those figures, marked with their time, instead of an
  error (`outage` records that it happened, for the page frame's notice);
* can record the calls a page makes (`record_calls`), so the bench times the bare
  functions behind exactly the calls the page ran — the page's own code, not a copy.

The answers are shared by every session of the process, not pickled copies (st.cache_data): a
page run reads 20-40 of them, and unpickling Arrow-backed frames and hashing the arguments
cost a loaded server more than the page's own arithmetic (#20, py-spy under bench-load). A frame
is handed out as a shallow copy — with pandas' copy-on-write, a page that changes its copy never
changes the shared one — and containers one level deep likewise; nested objects are shared and
must be treated as read-only (`pickled=True` keeps st.cache_data for answers that callers edit).
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import cachetools
import pandas as pd
import streamlit as st

from cockpit.store.engine import STORE_ERRORS

TTL = 300  # seconds: fresh enough for a command centre, cheap enough for many viewers
LAST_GOOD_ENTRIES = 4096
SHARED_ENTRIES = 8192  # per function: a city's units, and the grids viewers opened within the TTL


# ---------------------------------------------------------------- outages and the last good answers

@dataclass
class Outage:
    """What the current script run saw of a failing store: the first error, and the age of what it showed."""

    error: BaseException
    stale_since: float | None = None  # time.time() of the oldest last-good answer shown instead


_last_good: OrderedDict[tuple, tuple[Any, float]] = OrderedDict()
_last_good_lock = threading.Lock()
_OUTAGE_KEY = "_store_outage"


def _remember(key: tuple, value: Any) -> None:
    with _last_good_lock:
        _last_good[key] = (value, time.time())
        _last_good.move_to_end(key)
        while len(_last_good) > LAST_GOOD_ENTRIES:
            _last_good.popitem(last=False)


def _recall(key: tuple) -> tuple[Any, float] | None:
    with _last_good_lock:
        return _last_good.get(key)


def note_outage(exc: BaseException, stale_at: float | None = None) -> None:
    """Record for the page frame that the store failed in this run (and the age of a last good answer shown)."""
    found = st.session_state.get(_OUTAGE_KEY)
    if found is None:
        found = st.session_state[_OUTAGE_KEY] = Outage(exc)
    if stale_at is not None:
        found.stale_since = stale_at if found.stale_since is None else min(found.stale_since, stale_at)


def outage() -> Outage | None:
    """The store failure seen by this script run, if any."""
    return st.session_state.get(_OUTAGE_KEY)


def clear_outage() -> None:
    st.session_state.pop(_OUTAGE_KEY, None)


# ---------------------------------------------------------------- recording the calls a page makes

_recording = threading.local()
_recorders: list[list] = []
_recorders_lock = threading.Lock()


@contextmanager
def record_calls() -> Iterator[list[tuple[str, Callable, tuple]]]:
    """Collect (name, bare function, args) of every top-level data call any page makes meanwhile."""
    calls: list[tuple[str, Callable, tuple]] = []
    with _recorders_lock:
        _recorders.append(calls)
    try:
        yield calls
    finally:
        with _recorders_lock:
            _recorders.remove(calls)


# ---------------------------------------------------------------- answers shared by the process's sessions

_shared: list[tuple[cachetools.Cache, threading.Condition]] = []
_shared_lock = threading.Lock()


def _isolated(value: Any, depth: int = 2) -> Any:
    """What a caller may change without changing the shared answer (see the module docstring):
    frames shallow-copied, containers copied two levels deep (a tuple of frames, a list of rows)."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if depth == 0:
        return value
    if isinstance(value, tuple):
        return tuple(_isolated(v, depth - 1) for v in value)
    if isinstance(value, list):
        return [_isolated(v, depth - 1) for v in value]
    if isinstance(value, dict):
        return {k: _isolated(v, depth - 1) for k, v in value.items()}
    return value


def _register(cache: cachetools.Cache) -> threading.Condition:
    condition = threading.Condition()
    with _shared_lock:
        _shared.append((cache, condition))
    return condition


def shared_cache(*, ttl: float | None = TTL, max_entries: int | None = None) -> Callable:
    """Memoise fn(*args) for every session of the process, keyed on the (hashable) arguments.

    One caller computes a missing answer while the others asking for it wait (a wall of viewers
    opening the same unit at 9 a.m. costs one query, not fifty); errors are not cached.
    """

    def wrap(fn: Callable) -> Callable:
        size = max_entries or SHARED_ENTRIES
        cache = cachetools.TTLCache(size, ttl) if ttl else cachetools.LRUCache(size)
        memoised = cachetools.cached(cache, condition=_register(cache))(fn)

        @functools.wraps(fn)
        def call(*args: Any) -> Any:
            return _isolated(memoised(*args))

        call.clear = memoised.cache_clear  # type: ignore[attr-defined]
        return call

    return wrap


def data_call(*, ttl: int | None = TTL, max_entries: int | None = None, floor: bool = True,
              pickled: bool = False) -> Callable:
    """Cache a data function (see the module docstring).

    `floor=False`: file, image or arithmetic work, not SQL; the data calls it makes inside are
    recorded for the bench's floor as if the page had made them. `pickled=True`: each caller gets
    its own deep copy (st.cache_data), for answers whose nested parts callers edit.
    """

    def wrap(fn: Callable) -> Callable:
        if pickled:
            cached = st.cache_data(ttl=ttl, max_entries=max_entries, show_spinner=False)(fn)
        else:
            cached = shared_cache(ttl=ttl, max_entries=max_entries)(fn)

        @functools.wraps(fn)
        def call(*args: Any) -> Any:
            depth = getattr(_recording, "depth", 0)
            if depth == 0 and floor and _recorders:
                with _recorders_lock:
                    for calls in _recorders:
                        calls.append((fn.__name__, fn, args))
            _recording.depth = depth + 1 if floor else depth
            key = (fn.__name__, *args)
            try:
                value = cached(*args)
            except STORE_ERRORS as exc:
                good = _recall(key)
                note_outage(exc, good[1] if good else None)
                if good is None:
                    raise
                return good[0]
            finally:
                _recording.depth = depth
            _remember(key, value)
            return value

        call.bare = fn  # type: ignore[attr-defined]
        call.clear = cached.clear  # type: ignore[attr-defined]
        return call

    return wrap


# ---------------------------------------------------------------- derived figures under a key

_memo_cache: cachetools.TTLCache = cachetools.TTLCache(SHARED_ENTRIES, TTL)
_memo_condition = _register(_memo_cache)


def _memo_key(name: str, key: tuple, *_: Any) -> tuple:
    return (name, *key)


@cachetools.cached(_memo_cache, key=_memo_key, condition=_memo_condition)
def _memo(name: str, key: tuple, fn: Callable[..., Any], inputs: tuple) -> Any:  # noqa: ARG001 - the key
    return fn(*inputs)


def memo(fn: Callable[..., Any], key: tuple, *inputs: Any) -> Any:
    """fn(*inputs), cached under `key` instead of the inputs' contents (hashing a city's frames on
    every run costs what the arithmetic does).

    The caller promises that `key` decides the inputs: they are the cached reads of that scope and
    filter. During an outage the inputs may be last good answers, so nothing is memoised then.
    """
    if outage() is not None:
        return fn(*inputs)
    return _isolated(_memo(f"{fn.__module__}.{fn.__qualname__}", key, fn, inputs))


def clear_shared() -> None:
    """Forget every shared answer (not the last good ones)."""
    with _shared_lock:
        shared = list(_shared)
    for cache, condition in shared:
        with condition:
            cache.clear()
