"""The nginx configuration: the docs print exactly the file the browser test runs, and the harness changes only ports and paths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.tools.bench.nginx import CANONICAL_CONF, NginxError, concrete_config

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "deployment.md"


def _nginx_blocks(markdown: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^```nginx\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)]


def test_the_docs_nginx_block_is_the_tested_file():
    blocks = _nginx_blocks(DOCS.read_text(encoding="utf-8"))
    assert len(blocks) == 1, "docs/deployment.md should print one nginx configuration: deploy/nginx/cockpit.conf"
    assert blocks[0] == CANONICAL_CONF.read_text(encoding="utf-8"), (
        "the ```nginx block in docs/deployment.md differs from deploy/nginx/cockpit.conf (the file the browser "
        "test runs): change both together")


def test_the_canonical_file_keeps_what_the_test_showed():
    conf = CANONICAL_CONF.read_text(encoding="utf-8")
    code = "\n".join(line.split("#")[0] for line in conf.splitlines())
    # $host drops the port; Streamlit then refuses the WebSocket (Origin netloc != Host), seen in Chromium
    assert "proxy_set_header Host $http_host;" in code and "$host;" not in code
    # at server level only: one proxy_set_header in a location drops every inherited one (Host included)
    locations = re.findall(r"location[^{]*\{([^}]*)\}", code)
    assert locations and all("proxy_set_header" not in body for body in locations)
    assert "proxy_set_header Upgrade $http_upgrade;" in code and "proxy_set_header Connection $connection_upgrade;" in code
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in code  # the sign-in cookie's Secure flag follows it
    assert "ip_hash;" in code


def test_concrete_config_changes_only_ports_and_paths(tmp_path):
    canonical = CANONICAL_CONF.read_text(encoding="utf-8")
    conf = concrete_config(canonical, 18080, [41001, 41002], tmp_path)
    assert "listen 127.0.0.1:18080;" in conf and "listen 80;" not in conf
    servers = re.findall(r"server 127\.0\.0\.1:(\d+) max_fails=3 fail_timeout=10s;", conf)
    assert servers == ["41001", "41002"]
    assert "daemon off;" in conf and f"pid {tmp_path / 'nginx.pid'};" in conf
    kept = [line.strip() for line in canonical.splitlines()
            if line.strip() and not re.match(r"\s*(server 127\.|listen )", line)]
    conf_lines = {line.strip() for line in conf.splitlines()}
    assert [line for line in kept if line not in conf_lines] == []


def test_concrete_config_refuses_a_file_it_cannot_fill_in(tmp_path):
    with pytest.raises(NginxError, match="upstream"):
        concrete_config("upstream cockpit {\n    server backend:8501;\n}\nserver { listen 80; }\n", 1, [2], tmp_path)
    with pytest.raises(NginxError, match="listen"):
        concrete_config("upstream cockpit {\n    server 127.0.0.1:8501;\n}\nserver { }\n", 1, [2], tmp_path)
