"""docs/data-contract.md and cockpit/schema.py stay in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.store import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"
TABLE_NAMES = [t.name for t in schema.TABLES_IN_LOAD_ORDER]


def _sections(text: str) -> dict[str, str]:
    """Text under each '### `name`' heading, up to the next heading."""
    parts = re.split(r"^#{2,3} ", text, flags=re.MULTILINE)
    sections = {}
    for part in parts:
        match = re.match(r"`(\w+)`\s*\n", part)
        if match:
            sections[match.group(1)] = part
    return sections


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_schema_table_is_a_table_in_load_order():
    assert sorted(TABLE_NAMES) == sorted(schema.metadata.tables)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_column_is_documented_in_its_tables_section(doc, name):
    sections = _sections(doc)
    assert name in sections, f"docs/data-contract.md has no '### `{name}`' section"
    documented = re.findall(r"^\| `(\w+)` \|", sections[name], flags=re.MULTILINE)
    columns = [c.name for c in schema.metadata.tables[name].columns]
    assert sorted(documented) == sorted(columns), "document each column once, in a '| `column` |' row"


def test_every_column_name_appears(doc):
    for table in schema.metadata.sorted_tables:
        assert f"`{table.name}`" in doc
        for column in table.columns:
            assert f"`{column.name}`" in doc, f"{table.name}.{column.name}"


def test_every_index_is_explained(doc):
    for table in schema.metadata.sorted_tables:
        for index in table.indexes:
            assert f"`{index.name}`" in doc, index.name


@pytest.mark.parametrize(
    "values",
    [
        schema.UNIT_LEVELS,
        schema.TIERS,
        schema.CASE_STATUSES,
        schema.CASE_ACTIONS,
        schema.ALERT_TYPES,
        schema.ALERT_STATUSES,
        schema.VENUE_KINDS,
        schema.ACTIVITY_KINDS,
        schema.LEDGER_TYPES,
    ],
)
def test_every_enum_value_is_documented(doc, values):
    missing = [v for v in values if f"`{v}`" not in doc]
    assert not missing
