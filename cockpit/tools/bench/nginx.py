"""`python -m cockpit try-nginx`: several cockpit processes behind Debian's nginx, on loopback.

The nginx configuration is the project's own ``deploy/nginx/cockpit.conf`` — the file
docs/deployment.md prints and a deployer drops into /etc/nginx/conf.d/ — with only the ports
and paths put in: nginx listens on a loopback port, the upstream lists the processes started
here, and its pid file, logs and temp folders live in a scratch folder. So what the browser test
(tests/browser/test_nginx_browser.py) proves is about the documented file, not a copy of it.

nginx runs in the foreground (``daemon off``) as a child of this process and is always stopped
with the cockpit processes, also when something fails on the way up.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from cockpit.core.settings import PROJECT_DIR, load_settings
from cockpit.tools.bench.servers import BrowserBenchError, Server, free_port, port_open, stop_process, streamlit_servers

NGINX = Path("/usr/sbin/nginx")
CANONICAL_CONF = PROJECT_DIR / "deploy" / "nginx" / "cockpit.conf"
STARTUP_TIMEOUT = 15.0  # s for nginx to listen
# Which process served each request: the test and a deployer trying a kill both want to know.
LOG_FORMAT = "'$remote_addr [$time_local] \"$request\" $status upstream=$upstream_addr $request_time'"
_UPSTREAM_SERVER = re.compile(r"^([ \t]*)server[ \t]+127\.0\.0\.1:\d+([^;\n]*);[^\n]*\n", re.MULTILINE)
_LISTEN = re.compile(r"^([ \t]*)listen[ \t]+[^;\n]+;", re.MULTILINE)


class NginxError(Exception):
    """nginx is missing, the canonical file cannot be filled in, or nginx would not start: one line."""


@dataclass
class Nginx:
    url: str
    port: int
    process: subprocess.Popen
    conf_path: Path
    scratch: Path

    def error_log(self) -> str:
        return _read(self.scratch / "error.log")

    def access_log(self) -> str:
        return _read(self.scratch / "access.log")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def concrete_config(canonical: str, listen_port: int, upstream_ports: Sequence[int], scratch: Path) -> str:
    """The canonical conf.d file inside a complete nginx.conf: listen port, upstream ports and scratch paths put in.

    Everything else of the file is kept as written; a file whose upstream or listen line no
    longer looks as expected is refused rather than tested in some other shape.
    """
    servers = list(_UPSTREAM_SERVER.finditer(canonical))
    listens = list(_LISTEN.finditer(canonical))
    if not servers:
        raise NginxError("the nginx file has no `server 127.0.0.1:PORT ...;` line in its upstream to fill in")
    if len(listens) != 1:
        raise NginxError(f"the nginx file needs exactly one `listen` line to fill in, it has {len(listens)}")
    if not upstream_ports:
        raise NginxError("no cockpit process to put behind nginx")
    indent, params = servers[0].group(1), servers[0].group(2)
    ours = "".join(f"{indent}server 127.0.0.1:{port}{params};\n" for port in upstream_ports)
    # Replace from the last match backwards so earlier offsets stay valid.
    body = canonical
    for i, match in reversed(list(enumerate(servers))):
        body = body[: match.start()] + (ours if i == 0 else "") + body[match.end():]
    body = _LISTEN.sub(lambda m: f"{m.group(1)}listen 127.0.0.1:{listen_port};", body, count=1)
    temp = "\n".join(f"    {kind}_temp_path {scratch / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    body = "\n".join("    " + line if line.strip() else "" for line in body.splitlines())
    return f"""# Written by cockpit.tools.bench.nginx from {CANONICAL_CONF.name}; only ports and paths differ.
daemon off;
worker_processes 1;
pid {scratch / "nginx.pid"};
error_log {scratch / "error.log"} notice;

events {{
    worker_connections 512;
}}

http {{
    log_format cockpit {LOG_FORMAT};
    access_log {scratch / "access.log"} cockpit;
{temp}

    # ---- {CANONICAL_CONF.relative_to(PROJECT_DIR)}
{body}
}}
"""


@contextmanager
def nginx_in_front(upstream_ports: Sequence[int], scratch: Path, port: int | None = None,
                   canonical: Path = CANONICAL_CONF) -> Iterator[Nginx]:
    """Start ``nginx -c <conf> -p <scratch>`` in front of the ports; always stop it."""
    if not NGINX.exists():
        raise NginxError(f"{NGINX} not found: install Debian's nginx (apt-get install nginx-light)")
    scratch.mkdir(parents=True, exist_ok=True)
    listen = port or free_port()
    if port_open(listen):
        raise NginxError(f"port {listen} is already in use")
    conf = scratch / "nginx.conf"
    conf.write_text(concrete_config(canonical.read_text(encoding="utf-8"), listen, upstream_ports, scratch),
                    encoding="utf-8")
    with (scratch / "nginx.out").open("wb") as out:
        proc = subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(scratch), "-e", str(scratch / "error.log")],
                                stdout=out, stderr=subprocess.STDOUT)
    proxy = Nginx(f"http://127.0.0.1:{listen}", listen, proc, conf, scratch)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not port_open(listen):
            if proc.poll() is not None:
                why = (proxy.error_log() + _read(scratch / "nginx.out")).strip().splitlines()
                raise NginxError(f"nginx exited with {proc.returncode}: {why[-1] if why else 'no message'}")
            if time.monotonic() > deadline:
                raise NginxError(f"nginx did not listen on {listen} within {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.1)
        yield proxy
    finally:
        # SIGTERM is nginx's fast shutdown: the master stops its workers and exits.
        stop_process(proc)


@dataclass
class Deployment:
    nginx: Nginx
    processes: dict[str, Server]


@contextmanager
def cockpit_behind_nginx(processes: int, env: Mapping[str, str], scratch: Path,
                         port: int | None = None) -> Iterator[Deployment]:
    """`processes` cockpit servers (``streamlit run app.py``, env = their COCKPIT_* settings) and nginx in front."""
    logs = scratch / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    app = PROJECT_DIR / "app.py"
    with ExitStack() as stack:
        servers = stack.enter_context(streamlit_servers({f"p{i + 1}": (app, dict(env)) for i in range(processes)}, logs))
        proxy = stack.enter_context(nginx_in_front([s.port for s in servers.values()], scratch / "nginx", port))
        yield Deployment(proxy, servers)


# ---------------------------------------------------------------- python -m cockpit try-nginx

def _prepare_shared_state(env: Mapping[str, str]) -> None:
    """Build the default demo and the secret once, here, rather than by every process at once."""
    from cockpit.store import sessions
    from cockpit.store.engine import sqlite_path

    settings = load_settings(dict(env))
    path = sqlite_path(settings.db_url)
    if path is not None and settings.build_demo and not path.exists():
        print(f"first run: building the {settings.demo_preset} demo into {path} (about 30 s)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "cockpit", "demo", "--preset", settings.demo_preset, "--db", settings.db_url,
                        "--geo-dir", str(settings.geo_dir)], cwd=PROJECT_DIR, check=True)
    sessions.deployment_secret(settings.cookie_secret, settings.secret_file)


def main(argv: Sequence[str] | None = None) -> int:
    """Start N cockpit processes and nginx in front with the project's configuration; run until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m cockpit try-nginx",
        description="Run N cockpit processes behind Debian's nginx with deploy/nginx/cockpit.conf, on loopback, "
                    "until Ctrl-C. Kill one process (kill -9 PID) to see a viewer move to another.")
    parser.add_argument("--processes", type=int, default=2, help="cockpit processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (config, logs) afterwards")
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= 16:
        parser.error("--processes must be between 1 and 16")
    env = {k: v for k, v in os.environ.items() if k.startswith("COCKPIT_")}
    scratch = Path(tempfile.mkdtemp(prefix="cockpit-nginx-"))
    try:
        _prepare_shared_state(env)
        with cockpit_behind_nginx(args.processes, env, scratch, args.port) as d:
            print(f"nginx    {d.nginx.url}/   (config {d.nginx.conf_path})")
            for server in d.processes.values():
                print(f"cockpit  {server.base_url}   pid {server.process.pid}   log {server.log_path}")
            print("Ctrl-C stops everything. Access log (which process served what): "
                  f"{d.nginx.scratch / 'access.log'}", flush=True)
            _watch(d)
    except (NginxError, BrowserBenchError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _watch(d: Deployment) -> None:
    """Say when a process or nginx ends (a deployer killing one on purpose wants to see it noticed)."""
    gone: set[str] = set()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` of this command stops everything too
    while True:
        if d.nginx.process.poll() is not None:
            raise NginxError(f"nginx exited with {d.nginx.process.returncode}: "
                             f"{(d.nginx.error_log().strip().splitlines() or ['no message'])[-1]}")
        for name, server in d.processes.items():
            if name not in gone and server.process.poll() is not None:
                gone.add(name)
                print(f"cockpit  {server.base_url} ended ({server.process.returncode}); "
                      f"nginx sends its viewers to the others", flush=True)
        time.sleep(1)
