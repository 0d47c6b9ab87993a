"""Scheme files (#21): the shipped ones load; a wrong one is named by file, line and field; the last good one stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.domain.ranking.catalogue import CATALOGUE
from cockpit.domain.ranking.library import SHIPPED_DIR, read_library
from cockpit.domain.ranking.schemes import SchemeError, parse_scheme

GOOD = """name = "本地方案"
min_cases = 10

[[indicator]]
id = "closure_rate"
weight = 60

[[indicator]]
id = "satisfaction_rate"
weight = 40
"""


def test_shipped_schemes_load_and_are_labelled_examples():
    lib = read_library(None)
    assert lib.errors == [] and set(lib.schemes) >= {"sanlv", "szcg"}
    assert lib.default() == "sanlv"
    for scheme in lib.schemes.values():
        assert "示例" in scheme.name_zh and "example" in scheme.name_en.lower()
        assert "非任何城市的正式考核办法" in scheme.note_zh and "official" in scheme.note_en
        assert all(ind.id in CATALOGUE for ind in scheme.indicators)
    assert [i.weight for i in lib.schemes["sanlv"].indicators] == [10, 50, 40]
    on_time = lib.schemes["szcg"].indicators[0]
    assert (on_time.id, on_time.rule, on_time.full_at, on_time.minus_per_point, on_time.weight) == ("on_time_rate", "threshold", 0.7, 1, 50)


def _error(text: str) -> SchemeError:
    with pytest.raises(SchemeError) as caught:
        parse_scheme(text, "city.toml", "city")
    return caught.value


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    (GOOD.replace('id = "satisfaction_rate"', 'id = "happiness"'), 9, "indicator[2].id", "happiness"),
    (GOOD.replace("weight = 40", 'weight = "forty"'), 10, "indicator[2].weight", "forty"),
    (GOOD.replace("weight = 40\n", ""), 8, "indicator[2].weight", "missing"),
    (GOOD.replace("min_cases = 10", "min_cases = -3"), 2, "min_cases", "-3"),
    (GOOD.replace("min_cases = 10", "minimum_cases = 10"), 2, "minimum_cases", "unknown"),
    (GOOD.replace('name = "本地方案"\n', ""), None, "name", "missing"),
    (GOOD + '\n[[indicator]]\nid = "reopen_rate"\nweight = 5\nrule = "threshold"\n', 12, "indicator[3].full_at", "full_at"),
    (GOOD + '\n[[indicator]]\nid = "volume_per_10k"\nweight = 5\nrule = "proportional"\n', 15, "indicator[3].rule", "per-capita"),
    (GOOD.replace("weight = 60", "weight = 60\nweight = 61"), 7, "", "TOML"),
])
def test_a_wrong_file_is_named_by_line_and_field(text, line, field, words):
    err = _error(text)
    assert (err.line, err.field) == (line, field), err.text("en")
    assert words in err.text("en")
    assert err.text("zh").startswith("city.toml" + (f":{line}" if line else ""))


def test_a_file_name_that_cannot_be_a_url_value_is_refused():
    with pytest.raises(SchemeError, match="file name"):
        parse_scheme(GOOD, "我的 方案.toml", "我的 方案")


def test_city_folder_adds_and_replaces_and_keeps_the_last_good(tmp_path: Path):
    (tmp_path / "city.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sanlv.toml").write_text(GOOD.replace("本地方案", "本市三率"), encoding="utf-8")
    first = read_library(tmp_path)
    assert first.errors == [] and first.schemes["city"].name_zh == "本地方案"
    assert first.schemes["sanlv"].name_zh == "本市三率"  # the city's file of the same name wins

    (tmp_path / "city.toml").write_text(GOOD.replace("weight = 40", "weight = oops"), encoding="utf-8")
    (tmp_path / "broken.toml").write_bytes("name = '坏'".encode("gb18030"))
    second = read_library(tmp_path, last_good=first.schemes)
    assert {e.source for e in second.errors} == {"city.toml", "broken.toml"}
    assert second.kept == ["city"] and second.schemes["city"] == first.schemes["city"]
    assert "broken" not in second.schemes  # never read well: nothing to keep
    assert any("UTF-8" in e.text("en") for e in second.errors)


def test_shipped_folder_is_in_the_package():
    assert (SHIPPED_DIR / "sanlv.toml").is_file() and (SHIPPED_DIR / "szcg.toml").is_file()
