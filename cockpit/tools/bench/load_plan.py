"""bench-load's plan: where it may go, what viewers open and click, and the figures it reports. Pure functions."""

from __future__ import annotations

import ipaddress
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cockpit.core.i18n import TEXT

# Where viewers open: the shares of real use the issue gives (a tier missing from the data drops out).
TIER_WEIGHTS: dict[str, float] = {"city": 0.10, "district": 0.20, "street": 0.30, "community": 0.25, "grid": 0.15}
# The pages that show a unit, as cockpit/ui/pages.py lists them (a unit test keeps the two in step).
LOAD_PAGES: tuple[str, ...] = ("overview", "home", "cases", "alerts", "participation", "grids", "ranking", "compare",
                               "bigscreen")
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


def source_address(index: int, sources: int) -> tuple[str, int] | None:
    """Where viewer `index` connects from: 127.0.K.1 for K = index mod `sources` (None: the system's choice).

    nginx's ip_hash keys on the first three parts of an IPv4 address, so every viewer from 127.0.0.1
    lands on one process; viewers spread over 127.0.K.1 (all of them this machine's loopback) spread
    over the processes behind it as offices behind different subnets would.
    """
    if sources <= 1:
        return None
    return f"127.0.{index % sources}.1", 0
