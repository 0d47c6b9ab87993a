"""docs/deployment.md names every rollup table: the refresh account on MariaDB needs a grant for each, and the
汇总表 table says what each holds. A table added to the rollups without them leaves a refresh refused in the field."""

from __future__ import annotations

import re
from pathlib import Path

from cockpit.store.rollup.tables import rollup_metadata

DOC = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text(encoding="utf-8")


def test_every_rollup_table_has_a_mariadb_grant():
    granted = set(re.findall(r"ON gov\.(rollup_\w+) TO 'cockpit_rollup'", DOC))
    assert granted == set(rollup_metadata.tables), set(rollup_metadata.tables) ^ granted


def test_every_rollup_table_is_described():
    described = set(re.findall(r"^\| (`rollup_\w+`(?:、`rollup_\w+`)*) \|", DOC, flags=re.M))
    names = {n for cell in described for n in re.findall(r"`(rollup_\w+)`", cell)}
    assert set(rollup_metadata.tables) <= names, set(rollup_metadata.tables) - names
