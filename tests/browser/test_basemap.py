"""An intranet basemap from a tile URL template: the map loads tiles from it and from nowhere else."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest
from PIL import Image

from cockpit.core.settings import PROJECT_DIR
from cockpit.tools.bench.servers import streamlit_servers

pytestmark = pytest.mark.browser


def _tile_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (40, 90, 60)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def tile_server():
    """A stand-in for the intranet tile server: answers /tiles/{z}/{x}/{y}.png and counts the requests."""
    png = _tile_png()
    seen: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name for the GET handler
            seen.append(self.path)
            ok = self.path.startswith("/tiles/") and self.path.endswith(".png")
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")  # the map fetches tiles cross-origin
            self.end_headers()
            if ok:
                self.wfile.write(png)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_tile_template_draws_tiles_under_the_map(small_demo, tile_server, browser, tmp_path):
    base, seen = tile_server
    env = {**small_demo.env, "COCKPIT_BUILD_DEMO": "0", "COCKPIT_BASEMAP_TILES": f"{base}/tiles/{{z}}/{{x}}/{{y}}.png"}
    elsewhere: list[str] = []
    with streamlit_servers({"cockpit": (PROJECT_DIR / "app.py", env)}, tmp_path) as servers:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            page.on("request", lambda r: elsewhere.append(r.url)
                    if urlparse(r.url).scheme in ("http", "https", "ws", "wss")
                    and urlparse(r.url).hostname not in ("127.0.0.1", "localhost") else None)
            page.goto(servers["cockpit"].base_url)
            page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=60_000)
            deadline = time.monotonic() + 30
            while not any(p.startswith("/tiles/") for p in seen) and time.monotonic() < deadline:
                page.wait_for_timeout(250)
        finally:
            page.close()
    tiles = [p for p in seen if p.startswith("/tiles/")]
    assert tiles, f"no tile was requested from the intranet server (saw {seen})"
    z, x, y = tiles[0].removeprefix("/tiles/").removesuffix(".png").split("/")
    assert 3 <= int(z) <= 18 and int(x) >= 0 and int(y) >= 0
    assert elsewhere == []  # tiles from the intranet server only; nothing from the internet
    assert (PROJECT_DIR / "static" / "cockpit-basemap.json").is_file()
