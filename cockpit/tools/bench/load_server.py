"""bench-load's view of the server: its process (found by its port through /proc), RSS and sessions."""

from __future__ import annotations

import os
import re
import threading
import urllib.request
from pathlib import Path

from cockpit.tools.bench.load_plan import SAMPLE_EVERY, Target


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
