"""A PostgreSQL primary and its hot standby on this machine, made with Debian's cluster tools.

Used by test_failover.py. Each pair is two new clusters (``pg_createcluster``, trust auth on
local and loopback, replication included) on free ports; the standby is a ``pg_basebackup -R``
of the primary with a replication slot, so it follows the primary by streaming. The machine's
own clusters (15/main on 5432, which other tests use) are never stopped or reconfigured.

Cluster names carry the creating process's pid (``cockpit_fo_<pid>_primary``), so a run that
died before its finalizer is recognised and dropped by the next one, and two runs at once do
not touch each other's pair. The pg_* tools run as root (CI) or as the ``postgres`` user;
anything run as root that must run as the cluster owner goes through ``runuser``.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NAME_PREFIX = "cockpit_fo_"
FIRST_PORT = 5440  # above the usual 5432-5439 a machine's own clusters take
READY_TIMEOUT = 60.0  # seconds for a started cluster to accept connections (crash recovery included)
DB = "city"  # the database the demo goes into on the primary


class PairUnavailable(Exception):
    """This machine cannot make a pair (no PostgreSQL cluster tools, or not root/postgres): skip, with why."""


def pg_bin() -> Path:
    """The newest installed PostgreSQL's binaries (pg_basebackup, psql, pg_isready)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    if not found:
        raise PairUnavailable("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return found[-1].parent


def unavailable_reason() -> str | None:
    """Why a pair cannot be made here, or None."""
    missing = [t for t in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "pg_lsclusters") if not shutil.which(t)]
    if missing:
        return f"Debian's postgresql-common tools are missing ({', '.join(missing)}): apt-get install postgresql"
    try:
        pg_bin()
    except PairUnavailable as exc:
        return str(exc)
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        return "making PostgreSQL clusters needs root or the postgres user"
    return None


def _as_owner(cmd: list[str]) -> list[str]:
    """Run as the cluster owner: pg_basebackup and psql refuse to write a root-owned data directory."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], timeout: float = 120.0) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {done.returncode}: {(done.stderr or done.stdout).strip()[-800:]}")
    return done.stdout


def clusters() -> list[tuple[str, str, int, str]]:
    """(version, name, port, status) of every cluster on the machine."""
    rows = []
    for line in _run(["pg_lsclusters", "--no-header"]).splitlines():
        parts = line.split()
        if len(parts) >= 4:
            rows.append((parts[0], parts[1], int(parts[2]), parts[3]))
    return rows


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_leftovers() -> list[str]:
    """Drop the pairs of earlier runs whose process is gone (a crash, a killed CI job); returns their names."""
    dropped = []
    for version, name, _port, _status in clusters():
        m = re.fullmatch(rf"{NAME_PREFIX}(\d+)_(primary|standby)", name)
        if m and not _pid_alive(int(m.group(1))):
            _run(["pg_dropcluster", "--stop", version, name])
            dropped.append(name)
    return dropped


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        # as the server binds: a port whose last connections are in TIME_WAIT is still free for it
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """Ports from FIRST_PORT up that no cluster is configured for and nothing listens on."""
    taken = {port for _v, _n, port, _s in clusters()}
    ports: list[int] = []
    port = FIRST_PORT
    while len(ports) < count:
        if port not in taken and _port_free(port):
            ports.append(port)
        port += 1
    return ports


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int

    @property
    def data_dir(self) -> Path:
        return Path("/var/lib/postgresql") / self.version / self.name

    def url(self, db: str = DB) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def ctl(self, action: str, *extra: str) -> None:
        # --skip-systemctl-redirect: containers and CI have no systemd; the cluster is started directly.
        _run(["pg_ctlcluster", "--skip-systemctl-redirect", *extra, self.version, self.name, action])

    def start(self) -> None:
        self.ctl("start")
        self.wait_ready()

    def stop(self, mode: str = "fast") -> None:
        """Stop now: ``immediate`` is a crash (no checkpoint, connections cut), ``fast`` a clean shutdown."""
        self.ctl("stop", "-m", mode)

    def ready(self) -> bool:
        done = subprocess.run([str(pg_bin() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                              capture_output=True, check=False, timeout=10)
        return done.returncode == 0

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster {self.name} on {self.port} not accepting connections after {timeout:.0f} s")
            time.sleep(0.2)

    def sql(self, query: str, db: str = "postgres") -> str:
        """One value (or rows, tab-separated) from psql on this cluster."""
        cmd = [str(pg_bin() / "psql"), "-X", "-qAt", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
               "-d", db, "-c", query]
        return _run(_as_owner(cmd), timeout=30).strip()


@dataclass(frozen=True)
class Pair:
    primary: Cluster
    standby: Cluster
    slot: str

    def multi_host_url(self, target_session_attrs: str = "any", db: str = DB) -> str:
        """The cockpit's COCKPIT_DB_URL for the pair: libpq's host list, primary first (psycopg tries them in order)."""
        hosts = "&".join(f"host=127.0.0.1:{c.port}" for c in (self.primary, self.standby))
        return f"postgresql+psycopg://postgres@/{db}?{hosts}&target_session_attrs={target_session_attrs}&connect_timeout=5"

    def wait_caught_up(self, timeout: float = 60.0) -> None:
        """Until the standby is in recovery and has replayed everything the primary has written so far."""
        target = self.primary.sql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while True:
            state = self.standby.sql(f"SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if state == "t|t":
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"standby {self.standby.name} not caught up with {target} after {timeout:.0f} s: {state}")
            time.sleep(0.2)


def create_pair() -> tuple[Cluster, Cluster]:
    """Two new empty clusters (trust auth, fsync off: scratch data) on free ports; the caller starts and fills them."""
    version = pg_bin().parent.name
    drop_leftovers()
    ports = free_ports(2)
    made = []
    for role, port in zip(("primary", "standby"), ports):
        c = Cluster(version, f"{NAME_PREFIX}{os.getpid()}_{role}", port)
        # initdb's --auth=trust also trusts replication on local and loopback: what pg_basebackup needs.
        _run(["pg_createcluster", version, c.name, "--port", str(port), "-o", "fsync=off",
              "-o", "full_page_writes=off", "--", "--auth=trust"])
        made.append(c)
    return made[0], made[1]


def make_standby(primary: Cluster, standby: Cluster) -> Pair:
    """Replace the standby's data by a base backup of the running primary (-R: it follows it), start it."""
    slot = f"{standby.name}_slot"
    _run(_as_owner(["find", str(standby.data_dir), "-mindepth", "1", "-delete"]))
    _run(_as_owner([str(pg_bin() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(standby.data_dir), "-R", "-X", "stream", "-C", "-S", slot, "-c", "fast"]))
    standby.start()
    pair = Pair(primary, standby, slot)
    pair.wait_caught_up()
    return pair


def drop(*made: Cluster) -> None:
    """Stop and remove clusters this run made; every one is tried even if one fails."""
    errors = []
    for c in made:
        try:
            _run(["pg_dropcluster", "--stop", c.version, c.name])
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            errors.append(str(exc))
    if errors:
        raise RuntimeError("; ".join(errors))
