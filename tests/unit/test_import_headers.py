"""CSV headers: every contract column has its English name, Chinese headers never clash, tables are detected."""

from __future__ import annotations

import pytest

from cockpit.store import schema
from cockpit.tools.importers.headers import COMMON, PER_TABLE, aliases, detect_table, map_headers, normalise
from cockpit.tools.importers.report import ImportFailure


@pytest.mark.parametrize("table", schema.TABLES_IN_LOAD_ORDER, ids=lambda t: t.name)
def test_no_header_names_two_columns(table):
    seen: dict[str, str] = {}
    for column in table.columns:
        names = (column.name, *PER_TABLE.get(table.name, {}).get(column.name, COMMON.get(column.name, ())))
        for name in names:
            assert seen.setdefault(normalise(name), column.name) == column.name, (table.name, name)
    assert {c.name for c in table.columns} <= set(aliases(table).values())


def test_headers_in_both_languages():
    columns, unknown = map_headers(schema.grid, ["网格编码", "Community_Code", "名称", "城乡类型", "经度 (lon)"])
    assert columns == ["code", "community_code", "name", "kind", None] and unknown == ["经度 (lon)"]
    assert map_headers(schema.grid, ["经度"])[0] == ["lon"]


@pytest.mark.parametrize(("headers", "table"), [
    (["区划代码", "名称", "层级", "上级代码"], "admin_unit"),
    (["grid_code", "as_of", "registered", "floating", "households", "elderly_60p", "elderly_alone"], "population_stat"),
    (["code", "community_code", "name", "kind"], "grid"),
])
def test_the_table_is_detected(headers, table):
    assert detect_table(headers).name == table


def test_a_header_of_no_table():
    with pytest.raises(ImportFailure, match="matches no contract table"):
        detect_table(["foo", "bar"])
