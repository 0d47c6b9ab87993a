"""Which themes have facts under a unit, and the data's end without cases (#28), on every backend.

The store is a city's first days as the importers write it: units and grids, then one table at a time.
"""

from __future__ import annotations

import import_city as city

from cockpit import queries
from cockpit.domain import hierarchy
from cockpit.store.engine import make_engine

NONE = {"population": False, "cases": False, "alerts": False, "points": False}


def _read(url: str):
    engine = make_engine(url)
    tree = hierarchy.Tree.from_frame(queries.fetch_units(engine))
    return engine, tree


def test_facts_per_theme_and_unit_as_tables_arrive(db, tmp_path, capsys):
    city.load_city(capsys, db, tmp_path)
    engine, tree = _read(db)
    try:
        jiangdong, huansha = tree.unit("330681001001"), tree.unit("330681001005")
        grid = hierarchy.grid_unit(queries.fetch_grid(engine, "330681001001002"))
        for unit in (tree.root, jiangdong, huansha, grid):
            assert queries.fetch_facts(engine, unit) == NONE
        assert queries.fetch_data_end(engine) is None and queries.fetch_newest_fact(engine) is None

        pop = city.write_csv(tmp_path / "population.csv", ["网格编码", "统计日期", "户籍人口", "流动人口", "户数", "60岁以上老人", "独居老人"],
                             [("330681001001001", "2026-11-30", 0, 0, 0, 0, 0)])  # a snapshot of zeros is a fact
        assert city.run(capsys, "csv", str(pop), "--table", "population_stat", "--db", db)[0] == 0
        assert queries.fetch_facts(engine, tree.root) == {**NONE, "population": True}
        assert queries.fetch_facts(engine, jiangdong)["population"] and not queries.fetch_facts(engine, huansha)["population"]
        assert not queries.fetch_facts(engine, grid)["population"]  # its sibling grid has the row
        assert str(queries.fetch_data_end(engine)) == "2026-11-30 00:00:00"  # no case yet: the newest other fact

        cats = city.write_csv(tmp_path / "cats.csv", ["code", "name", "name_en", "kind", "review_hours", "response_hours",
                                                      "resolve_hours"], [("E01", "暴露垃圾", "Exposed rubbish", "event", 6, 15, 48)])
        cases = city.write_csv(tmp_path / "cases.csv", ["external_id", "source", "category_code", "grid_code", "status",
                                                        "received_at", "due_at"],
                               [("X1", "hotline", "E01", "330681001005002", "received", "2026-11-20 09:00:00", "2026-11-22 09:00:00")])
        assert city.run(capsys, "csv", str(cats), "--table", "case_category", "--db", db)[0] == 0
        assert city.run(capsys, "csv", str(cases), "--table", "case_record", "--db", db)[0] == 0
        assert queries.fetch_facts(engine, huansha) == {**NONE, "cases": True}
        assert queries.fetch_facts(engine, jiangdong) == {**NONE, "population": True}
        assert str(queries.fetch_data_end(engine)) == "2026-11-20 09:00:00"  # cases are the clock once there are any
    finally:
        engine.dispose()


def test_every_theme_on_the_demo(reference):
    assert queries.fetch_facts(reference.engine, reference.tree.root) == dict.fromkeys(NONE, True)
