"""Streamlit servers on free ports for the browser benches and tests, stopped however the run ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cockpit.core.settings import PROJECT_DIR

STARTUP_TIMEOUT = 90.0  # seconds for /_stcore/health to answer


class BrowserBenchError(Exception):
    """A server would not start or a page never painted: one line for the user."""


@dataclass
class Server:
    name: str
    base_url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log().strip().splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - localhost only
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@contextmanager
def streamlit_servers(scripts: dict[str, tuple[Path, dict[str, str]]], log_dir: Path) -> Iterator[dict[str, Server]]:
    """Start ``streamlit run`` for each {name: (script, extra env)} on free ports; always stop them all."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    base_env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    servers: dict[str, Server] = {}
    try:
        for name, (script, extra) in scripts.items():
            port = free_port()
            log_path = log_dir / f"{name}.log"
            with log_path.open("wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                     "--server.address", "127.0.0.1", "--server.headless", "true",
                     "--server.fileWatcherType", "none", "--server.runOnSave", "false",
                     "--browser.gatherUsageStats", "false"],
                    cwd=PROJECT_DIR, env={**base_env, **extra}, stdout=log, stderr=subprocess.STDOUT,
                )
            servers[name] = Server(name, f"http://127.0.0.1:{port}", port, proc, log_path)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        for server in servers.values():
            while not healthy(f"{server.base_url}/_stcore/health"):
                if server.process.poll() is not None:
                    raise BrowserBenchError(f"the {server.name} server exited with {server.process.returncode} "
                                            f"before it was healthy: {server.log_tail(3)}")
                if time.monotonic() > deadline:
                    raise BrowserBenchError(f"the {server.name} server was not healthy after {STARTUP_TIMEOUT:.0f} s: "
                                            f"{server.log_tail(3)}")
                time.sleep(0.25)
        yield servers
    finally:
        for server in servers.values():
            stop_process(server.process)
