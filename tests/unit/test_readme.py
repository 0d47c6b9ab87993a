"""The two READMEs (Chinese README.md, English README.en.md) give the same two commands, and CI runs the test one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
READMES = {"zh": REPO / "README.md", "en": REPO / "README.en.md"}
SECTION = {"zh": "## 两条命令", "en": "## Two commands"}


def _two_commands(lang: str) -> list[str]:
    """The ```bash blocks of the README's 'two commands' section, in order."""
    text = READMES[lang].read_text(encoding="utf-8")
    assert SECTION[lang] in text, f"{READMES[lang].name} has no '{SECTION[lang]}' section"
    section = text.split(SECTION[lang], 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"^```bash\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_readme_has_the_run_and_the_test_command(lang):
    run, test = _two_commands(lang)
    assert run.endswith(".venv/bin/streamlit run app.py") and "\n" not in run
    assert test.endswith(".venv/bin/python -m pytest") and "\n" not in test


def test_the_two_readmes_give_the_same_commands_byte_for_byte():
    assert _two_commands("zh") == _two_commands("en")


def test_ci_runs_exactly_the_readmes_test_command():
    lines = [line for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[-1] == _two_commands("zh")[1], ".ci/run's last line must be the README's test command"


def test_each_readme_links_to_the_other():
    zh = READMES["zh"].read_text(encoding="utf-8")
    en = READMES["en"].read_text(encoding="utf-8")
    assert "](README.en.md)" in zh.split("\n## ", 1)[0], "the Chinese README links to the English one at the top"
    assert "](README.md)" in en.split("\n## ", 1)[0], "the English README links to the Chinese one at the top"
