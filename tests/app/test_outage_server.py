"""A PostgreSQL server that stops answering mid-session, then comes back: a notice, then recovery.

The app reaches the server through a TCP relay on loopback that this test starts and stops,
so "the server stops answering" is a real dropped connection and refused reconnects — the
cached engine's pooled connections die under it, as when the database host restarts.
The demo goes into a database of its own, so other server tests' tables are untouched.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import suppress

import pytest
import streamlit as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cockpit.tools.demo.build import run_demo
from cockpit.ui import data

pytestmark = pytest.mark.servers

OUTAGE_DB = "cockpit_outage_test"


class Relay:
    """Forwards 127.0.0.1:<port> to a server; `stop()` drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
            listener, self._listener = self._listener, None
        for s in [*socks, *([listener] if listener else [])]:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def relayed_city(pg_url, clean_env, tmp_path):
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": OUTAGE_DB}).first():
            conn.execute(text(f'CREATE DATABASE "{OUTAGE_DB}"'))
    admin.dispose()
    direct = make_url(pg_url).set(database=OUTAGE_DB)
    geo = tmp_path / "geo"
    run_demo("small", 1, direct.render_as_string(hide_password=False), geo, replace=True)
    relay = Relay((direct.host or "127.0.0.1", direct.port or 5432))
    relay.start()
    app_url = direct.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    clean_env.setenv("COCKPIT_DB_URL", app_url)
    clean_env.setenv("COCKPIT_GEO_DIR", str(geo))
    data.clear_caches()
    st.cache_resource.clear()
    yield relay
    relay.stop()
    data.clear_caches()
    st.cache_resource.clear()


def _notices(at) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return [re.sub(r"<[^>]+>", " ", h.proto.body) for h in at.get("html") if 'class="ck-notice"' in h.proto.body]


def _cards(at) -> str:
    [cards] = [h.proto.body for h in at.get("html") if 'class="cards"' in h.proto.body]
    return cards


def test_server_stops_answering_then_comes_back(relayed_city, start):
    at = start(lang="en")
    before = _cards(at)
    assert _notices(at) == []
    relayed_city.stop()
    data.clear_caches()  # as when the TTL runs out
    t0 = time.monotonic()
    at.run()
    took = time.monotonic() - t0
    [notice] = _notices(at)
    assert "Cannot reach the database" in notice and "Figures shown are as of" in notice
    assert _cards(at) == before  # the last good figures stay on screen
    assert took < 30, f"a page must not hang on a server that is gone ({took:.0f} s)"
    relayed_city.start()
    at.run()
    assert _notices(at) == []
    assert _cards(at) == before
