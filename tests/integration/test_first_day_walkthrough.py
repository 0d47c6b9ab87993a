"""docs/import.md's first-day walk-through (#28), run verbatim as an operator runs it: real 嘉兴 units and outlines,
then grids, cases and population, with `check` after each step.

The bash blocks are read from the doc (tests/firstday_city.py) and executed by bash in a scratch
folder that looks like the project root (.venv, cockpit and tests linked, an empty data/), so the
doc's own relative paths write there and nowhere else. EXPECTED is the doc's list of commands: a
change to either fails here until both say the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit import queries
from cockpit.domain import hierarchy
from cockpit.store.engine import make_engine
from tests import firstday_city as fd
from tests.conftest import without_cockpit_settings

PY = ".venv/bin/python -m cockpit"
EXPECTED = {
    "units": [fd.PREAMBLE, f"{PY} import csv $F/jiaxing_units.csv $DB", f"{PY} check $DB"],
    "outlines": [f"{PY} import geojson --level city $F/jiaxing_city.geojson $DB",
                 f"{PY} import geojson --level district $F/jiaxing_districts.geojson $DB", f"{PY} check $DB"],
    "grids": [f"{PY} import csv $F/grids.csv --table grid $DB", f"{PY} check $DB"],
    "cases": [f"{PY} import csv $F/categories.csv --table case_category $DB",
              f"{PY} import csv $F/cases.csv --table case_record $DB", f"{PY} check $DB"],
    "population": [f"{PY} import csv $F/population.csv --table population_stat $DB", f"{PY} check $DB"],
    "run": [f"COCKPIT_DB_URL={fd.DOC_DB} COCKPIT_GEO_DIR={fd.DOC_GEO} .venv/bin/streamlit run app.py"],
}
# What `check` says after each step (it exits 1 until every boundary exists: street, community and grid
# outlines are not public in mainland China, so a first day always ends with a list of what is missing).
CHECK_SAYS = {
    "units": ["table has no rows", "boundary directory not found"],
    "outlines": ["table has no rows", "has no feature in units.geojson"],
    "grids": ["grids/330402007024.geojson", "file missing", "has no feature in units.geojson"],
    "cases": ["grids/330402007029.geojson", "has no feature in units.geojson"],
    "population": ["grids/330402007029.geojson", "has no feature in units.geojson"],
}
FACTS_AFTER = {  # the themes with facts under the city after each step
    "units": set(), "outlines": set(), "grids": set(), "cases": {"cases"}, "population": {"cases", "population"},
}


def test_the_doc_lists_these_commands():
    assert fd.doc_blocks() == EXPECTED


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A scratch project root: the doc's relative paths (.venv, tests/fixtures, data/, geo-jiaxing) resolve here."""
    scratch = tmp_path_factory.mktemp("first-day-root")
    for name in ("cockpit", "tests"):
        (scratch / name).symlink_to(fd.REPO / name)
    (scratch / "data").mkdir()
    # The doc's .venv/bin/python is this test's interpreter, wherever its virtualenv lives.
    python = scratch / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return scratch


def _run_block(root: Path, preamble: str, lines: list[str]) -> list[tuple[str, int, str]]:
    """Each line of a block in one bash, in order: (line, exit code, its stdout and stderr)."""
    script = [preamble] + [f'echo "@@begin"; {line} 2>&1; echo "@@rc $?"' for line in lines if line != preamble]
    env = without_cockpit_settings(os.environ)
    proc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    parts = proc.stdout.split("@@begin\n")[1:]
    out = []
    for line, part in zip([x for x in lines if x != preamble], parts, strict=True):
        body, _, rc = part.rpartition("@@rc ")
        out.append((line, int(rc.strip()), body))
    return out


def test_the_walk_through_runs_step_by_step(root):
    db = root / "data" / "jiaxing.sqlite"
    for step in fd.STEPS[:-1]:
        for line, rc, output in _run_block(root, fd.PREAMBLE, fd.doc_blocks()[step]):
            assert "Traceback" not in output, output
            if " check " in f"{line} ":
                assert rc == 1, output
                for words in CHECK_SAYS[step]:
                    assert words in output, (step, words, output)
                assert ("table has no rows" in output) is (step in ("units", "outlines")), output  # grids fill it
            else:
                assert rc == 0, (line, output)
                assert "\r" not in output  # no progress bar redraws in a pipe
        engine = make_engine(f"sqlite:///{db}")
        try:
            tree = hierarchy.Tree.from_frame(queries.fetch_units(engine))
            assert len(tree.units) == 1282 and tree.root.code == fd.CITY
            found = queries.fetch_facts(engine, tree.root)
            assert {theme for theme, there in found.items() if there} == FACTS_AFTER[step], step
            assert not any(queries.fetch_facts(engine, tree.unit(fd.EMPTY_DISTRICT)).values())
            end = queries.fetch_data_end(engine)
            assert (str(end) == "2026-12-01 17:45:00") if "cases" in FACTS_AFTER[step] else end is None, (step, end)
        finally:
            engine.dispose()
    assert (root / fd.DOC_GEO / "units.geojson").is_file()  # written in the scratch root, not the project's
