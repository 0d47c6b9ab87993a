"""Where the cockpit's data lives: environment, then Streamlit secrets, then defaults."""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = PROJECT_DIR / "data" / "cockpit.sqlite"
DEFAULT_GEO_DIR = PROJECT_DIR / "geo"
DEFAULT_USERS_FILE = PROJECT_DIR / "data" / "users.toml"
DEFAULT_AUDIT_PATH = PROJECT_DIR / "data" / "audit.sqlite"
DEFAULT_SECRET_FILE = PROJECT_DIR / "data" / "cookie_secret"
SECRETS_PATH = PROJECT_DIR / ".streamlit" / "secrets.toml"


log = logging.getLogger("cockpit.settings")


@dataclass(frozen=True)
class PoolSettings:
    """Connections each process keeps to the database (docs/deployment.md: what to set for N viewers).

    Every page run that is reading holds one connection for the length of a query; `size` stay
    open, up to `max_overflow` more are opened at a peak, and a run that finds all of them busy
    waits `timeout` seconds before its page says the store is busy and retries.
    """

    size: int = 5
    max_overflow: int = 10
    timeout: float = 10.0


@dataclass(frozen=True)
class SessionPolicy:
    """How long a users-file sign-in lasts (docs/privacy.md): from the password, without a page run, and how
    long a process trusts what it read of it (a sign-out or `users remove` reaches every process within that)."""

    hours: float = 12.0
    idle_minutes: float = 30.0
    recheck_seconds: float = 30.0

    @property
    def max_age(self) -> int:
        return int(self.hours * 3600)


SUPERVISION_RULES = ("overdue", "returned_twice", "unsatisfied", "long_open")


@dataclass(frozen=True)
class SupervisionRules:
    """Which cases qualify for 督办 (the cases page's supervision view, cockpit.domain.supervision): any enabled rule.

    overdue: open and past its deadline; returned_twice: returned + reopened at least `returns` times;
    unsatisfied: rated 1-2 (不满意) on the return visit; long_open: open longer than `factor` × its allowed time.
    """

    rules: tuple[str, ...] = SUPERVISION_RULES
    returns: int = 2
    factor: float = 2.0


@dataclass(frozen=True)
class Settings:
    db_url: str
    geo_dir: Path
    db_is_default: bool
    basemap_style: str | None = None
    basemap_tiles: str | None = None
    demo_preset: str = "zhuji"
    build_demo: bool = False
    users_file: Path = DEFAULT_USERS_FILE  # who may sign in (absent: the demo runs open)
    audit_url: str = ""  # the cockpit's own store of sign-ins and exports (never the city's database)
    suppress_below: int = 0  # per-grid counts from 1 to this-1 shown as "<N" (COCKPIT_SUPPRESS=1; 0: off)
    pool: PoolSettings = PoolSettings()
    session: SessionPolicy = SessionPolicy()
    cookie_secret: str | None = None  # signs the sign-in cookie; the same on every process (None: secret_file)
    secret_file: Path = DEFAULT_SECRET_FILE  # made once with a random secret when none is configured
    max_runs: int = 3  # page runs computing at once per process (cockpit.ui.run_slots; 0: no limit)
    chart_workers: int = 1  # processes drawing the screen's charts beside the page runs (cockpit.views.draw_pool; 0: none)
    schemes_dir: Path | None = None  # the city's own evaluation schemes (考核方案, *.toml), beside the shipped examples
    supervision: SupervisionRules = SupervisionRules()  # the 督办 rules (COCKPIT_SUPERVISION_RULES, _RETURNS, _FACTOR)


def _read_secrets(path: Path) -> dict[str, str]:
    # Read the file ourselves: st.secrets needs a running script and the CLI has none.
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    section = data.get("cockpit", {})
    merged = {k.lower(): v for k, v in data.items() if isinstance(v, str)}
    merged.update({k.lower(): v for k, v in section.items() if isinstance(v, str)})
    auth = data.get("auth", {})
    if isinstance(auth, dict) and isinstance(auth.get("cookie_secret"), str):
        merged["auth_cookie_secret"] = auth["cookie_secret"]
    return merged


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(env: dict[str, str] | None = None, secrets_path: Path | None = None) -> Settings:
    """Settings from ``COCKPIT_*`` variables, ``.streamlit/secrets.toml`` or defaults.

    Secrets may hold ``cockpit_db_url`` at top level or ``db_url`` under a
    ``[cockpit]`` table (likewise ``geo_dir``, ``basemap_tiles`` and ``basemap_style``).
    """
    env = os.environ if env is None else env
    # Looked up at call time, so a test can point SECRETS_PATH elsewhere.
    secrets = _read_secrets(SECRETS_PATH if secrets_path is None else secrets_path)

    def pick(name: str) -> str | None:
        return env.get(f"COCKPIT_{name.upper()}") or secrets.get(name) or secrets.get(f"cockpit_{name}")

    db_url = pick("db_url")
    geo_dir = pick("geo_dir")
    return Settings(
        db_url=db_url or sqlite_url(DEFAULT_DB_PATH),
        geo_dir=Path(geo_dir) if geo_dir else DEFAULT_GEO_DIR,
        db_is_default=not db_url,
        basemap_style=pick("basemap_style"),
        basemap_tiles=pick("basemap_tiles"),
        demo_preset=pick("demo_preset") or "zhuji",
        # First run builds the demo for the default database; BUILD_DEMO=1 allows it for another SQLite path.
        build_demo=not db_url or (pick("build_demo") or "") in ("1", "true", "yes"),
        users_file=Path(pick("users_file") or DEFAULT_USERS_FILE),
        audit_url=pick("audit_url") or sqlite_url(DEFAULT_AUDIT_PATH),
        suppress_below=_threshold(pick("suppress"), pick("suppress_below")),
        pool=PoolSettings(
            size=int(_number("db_pool_size", pick("db_pool_size"), PoolSettings.size, minimum=1)),
            max_overflow=int(_number("db_max_overflow", pick("db_max_overflow"), PoolSettings.max_overflow, minimum=0)),
            timeout=_number("db_pool_timeout", pick("db_pool_timeout"), PoolSettings.timeout, minimum=0.1, whole=False),
        ),
        session=SessionPolicy(
            hours=_number("session_hours", pick("session_hours"), SessionPolicy.hours, minimum=0.01, whole=False),
            idle_minutes=_number("session_idle_minutes", pick("session_idle_minutes"), SessionPolicy.idle_minutes,
                                 minimum=0.1, whole=False),
            recheck_seconds=_number("session_recheck_seconds", pick("session_recheck_seconds"),
                                    SessionPolicy.recheck_seconds, minimum=0.0, whole=False),
        ),
        # st.login's [auth] cookie_secret serves too: one secret to share between processes, not two.
        cookie_secret=pick("cookie_secret") or secrets.get("auth_cookie_secret"),
        secret_file=Path(pick("secret_file") or DEFAULT_SECRET_FILE),
        max_runs=int(_number("max_runs", pick("max_runs"), Settings.max_runs, minimum=0)),
        chart_workers=int(_number("chart_workers", pick("chart_workers"), Settings.chart_workers, minimum=0)),
        schemes_dir=Path(schemes) if (schemes := pick("schemes_dir")) else None,
        supervision=SupervisionRules(
            rules=_rule_names(pick("supervision_rules")),
            returns=int(_number("supervision_returns", pick("supervision_returns"), SupervisionRules.returns, minimum=1)),
            factor=_number("supervision_factor", pick("supervision_factor"), SupervisionRules.factor, minimum=1.0,
                           whole=False),
        ),
    )


def _rule_names(raw: str | None) -> tuple[str, ...]:
    """The enabled 督办 rules, comma-separated, in their own order; an unknown name is logged and skipped,
    and a list naming none of them (or empty) gives the default: every rule."""
    if raw is None or not raw.strip():
        return SUPERVISION_RULES
    named = [n.strip().lower() for n in raw.split(",") if n.strip()]
    unknown = [n for n in named if n not in SUPERVISION_RULES]
    if unknown:
        log.warning("COCKPIT_SUPERVISION_RULES names %s, not one of %s; skipped", unknown, ", ".join(SUPERVISION_RULES))
    known = tuple(n for n in SUPERVISION_RULES if n in named)
    if not known:
        log.warning("COCKPIT_SUPERVISION_RULES=%r enables no rule; using %s", raw, ",".join(SUPERVISION_RULES))
        return SUPERVISION_RULES
    return known


def _number(name: str, raw: str | None, default: float, minimum: float, whole: bool = True) -> float:
    """A numeric setting; one that is not a number at or above `minimum` is named in the log and replaced by the default.

    A typo in a pool setting must not take the cockpit down for every viewer, but must not go unseen either.
    """
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        log.warning("COCKPIT_%s=%r is not a number >= %s; using %s", name.upper(), raw, minimum, default)
        return default
    return value


def _threshold(enabled: str | None, below: str | None) -> int:
    """Small-count suppression: off unless COCKPIT_SUPPRESS is on; the threshold COCKPIT_SUPPRESS_BELOW, default 5."""
    if (enabled or "").lower() not in ("1", "true", "yes", "on"):
        return 0
    return int(below) if below and below.isdigit() and int(below) >= 2 else 5
