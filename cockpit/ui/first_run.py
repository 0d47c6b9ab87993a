"""First run: build the demo city for the embedded database, with a progress bar.

The build runs as `python -m cockpit demo` in a child process, so the app never imports the
demo generator and a build's memory goes back to the system when it ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import streamlit as st

from cockpit.core.i18n import t
from cockpit.core.settings import PROJECT_DIR, Settings
from cockpit.store.engine import sqlite_path
from cockpit.ui import data

_build_lock = threading.Lock()
# Databases this server process has seen in place. One that then goes missing was moved away or
# its disk unmounted: an outage for the page frame to report, never a cue to build a new demo
# (the build's final rename would replace the real file when it comes back).
_seen: set[str] = set()


def ensure_database(settings: Settings, lang: str) -> None:
    """Build the demo when the embedded database does not exist yet (and building it is allowed)."""
    try:
        path = sqlite_path(settings.db_url)
    except Exception:  # noqa: BLE001 - an unparsable URL: the page frame reports it like any unreachable store
        return
    if path is None or not settings.build_demo:
        return
    if path.exists():
        _seen.add(str(path))
        return
    if str(path) in _seen:
        return
    with _build_lock:
        if path.exists():  # another session built it while we waited
            _seen.add(str(path))
            return
        bar = st.progress(0.0, text=t("building_demo", lang))
        error = _run_build(settings, lambda message, fraction: bar.progress(
            min(max(fraction, 0.0), 1.0), text=f"{t('building_demo', lang)} {message}"))
        bar.empty()
        if error:
            st.warning(t("build_failed", lang, reason=error))
            st.stop()
        _seen.add(str(path))
        data.clear_caches()


def _run_build(settings: Settings, progress: object) -> str | None:
    """Run the demo build; feed its progress lines to `progress`; the failure's one line, or None."""
    cmd = [sys.executable, "-m", "cockpit", "demo", "--preset", settings.demo_preset, "--seed", "1", "--db", settings.db_url,
           "--geo-dir", str(settings.geo_dir), "--progress", "jsonl"]
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")
    assert proc.stdout is not None
    for line in proc.stdout:
        try:
            step = json.loads(line)
        except ValueError:
            continue
        if isinstance(step, dict) and "fraction" in step:
            progress(str(step.get("message", "")), float(step["fraction"]))  # type: ignore[operator]
    err = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        lines = [ln for ln in err.strip().splitlines() if ln.strip()]
        return lines[-1][:200] if lines else f"exit {proc.returncode}"
    return None
