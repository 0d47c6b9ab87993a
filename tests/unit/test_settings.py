"""Where the settings come from, and the test suite's own cleaning of them, against the real reader."""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.core.settings import DEFAULT_DB_PATH, DEFAULT_GEO_DIR, load_settings, sqlite_url
from tests.conftest import strip_cockpit_settings, without_cockpit_settings

# Every setting load_settings reads today, and one it does not read yet: cleaning must not depend on the list.
STRAY = {
    "COCKPIT_DB_URL": "sqlite:////stray.sqlite",
    "COCKPIT_GEO_DIR": "/stray-geo",
    "COCKPIT_BASEMAP_TILES": "http://stray.example/{z}/{x}/{y}.png",
    "COCKPIT_BASEMAP_STYLE": "http://stray.example/style.json",
    "COCKPIT_DEMO_PRESET": "jiaxing",
    "COCKPIT_BUILD_DEMO": "1",
    "COCKPIT_SETTING_ADDED_LATER": "x",
}


def test_every_stray_setting_is_read(tmp_path):
    """The control for the two tests below: each of these variables changes what the app sees."""
    s = load_settings(STRAY, secrets_path=tmp_path / "none.toml")
    assert (s.db_url, s.geo_dir, s.basemap_tiles, s.basemap_style, s.demo_preset) == (
        STRAY["COCKPIT_DB_URL"], Path(STRAY["COCKPIT_GEO_DIR"]), STRAY["COCKPIT_BASEMAP_TILES"],
        STRAY["COCKPIT_BASEMAP_STYLE"], STRAY["COCKPIT_DEMO_PRESET"])
    assert not s.db_is_default and s.build_demo


def test_cleaned_process_sees_only_defaults(monkeypatch, tmp_path):
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)
    strip_cockpit_settings(monkeypatch)  # what the clean_env fixture does
    assert [n for n in os.environ if n.startswith("COCKPIT_")] == []
    s = load_settings(secrets_path=tmp_path / "none.toml")
    assert (s.db_url, s.geo_dir, s.basemap_tiles, s.basemap_style, s.demo_preset) == (
        sqlite_url(DEFAULT_DB_PATH), DEFAULT_GEO_DIR, None, None, "zhuji")


def test_cleaned_child_environment_has_no_setting(tmp_path):
    env = without_cockpit_settings({**STRAY, "PATH": "/usr/bin", "COCKPITX": "kept"})
    assert env == {"PATH": "/usr/bin", "COCKPITX": "kept"}
    assert load_settings(env, secrets_path=tmp_path / "none.toml") == load_settings({}, secrets_path=tmp_path / "none.toml")
