"""The first-day walk-through of docs/import.md (#28), as data for the tests: its commands, and a store built by them.

The doc marks each step's ```bash block with ``<!-- first-day: STEP -->``; the integration test runs
those blocks as an operator does (tests/integration/test_first_day_walkthrough.py), the app and browser tests
build their stores from the same commands, in this process. One source: the doc and the tests
cannot drift.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "import.md"
FIXTURES = REPO / "tests" / "fixtures" / "firstday"
STEPS = ("units", "outlines", "grids", "cases", "population", "run")
BLOCK = re.compile(r"<!-- first-day: (\w+) -->\s*```bash\n(.*?)```", re.S)
DOC_DB, DOC_GEO = "sqlite:///data/jiaxing.sqlite", "geo-jiaxing"  # what the doc's commands write to
PREAMBLE = f'DB="--db {DOC_DB} --geo-dir {DOC_GEO}"; F=tests/fixtures/firstday'
CITY = "330400000000"
DISTRICT = "330402000000"  # 南湖区: the example's facts are in its 建设街道
STREET = "330402007000"
COMMUNITY = "330402007024"  # 百福弄社区
GRID = "330402007024001"
EMPTY_DISTRICT = "330411000000"  # 秀洲区: no fact under it at any step


def doc_blocks(text: str | None = None) -> dict[str, list[str]]:
    """Step -> the command lines of its block (continuations joined), in the doc's order."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    out: dict[str, list[str]] = {}
    for step, body in BLOCK.findall(text):
        lines = [line.strip() for line in body.replace("\\\n", " ").splitlines() if line.strip()]
        out[step] = lines
    return out


def argv_of(line: str, db_url: str, geo_dir: Path) -> list[str]:
    """A `.venv/bin/python -m cockpit ...` line as the CLI's argv, $DB and $F filled in for a scratch store."""
    words = shlex.split(line)
    assert words[:3] == [".venv/bin/python", "-m", "cockpit"], line
    argv = []
    for w in words[3:]:
        if w == "$DB":
            argv += ["--db", db_url, "--geo-dir", str(geo_dir)]
        else:
            argv.append(w.replace("$F", str(FIXTURES)))
    return argv


def build(folder: Path, through: str) -> tuple[str, Path]:
    """Run the doc's import commands of every step up to `through` in this process (checks skipped): (db url, geo dir)."""
    from cockpit.tools.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    db_url, geo_dir = f"sqlite:///{folder / 'jiaxing.sqlite'}", folder / "geo"
    blocks = doc_blocks()
    for step in STEPS[: STEPS.index(through) + 1]:
        for line in blocks[step]:
            if line == PREAMBLE or " check " in f"{line} " or "streamlit run" in line:
                continue
            rc = main(argv_of(line, db_url, geo_dir))
            assert rc == 0, (step, line, rc)
    return db_url, geo_dir
