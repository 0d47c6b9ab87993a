"""The brief's tables (cockpit.views.brief_tables): cells as the screen shows them, the cards' words for the KPIs."""

from __future__ import annotations

import pandas as pd

from cockpit.core.i18n import t
from cockpit.domain.metrics import THEMES, Kpi
from cockpit.views.brief_tables import grid_of, kpi_grid
from cockpit.views.tables import Table


def test_cells_are_formatted_as_on_screen():
    frame = pd.DataFrame({
        t("cs_col_id", "zh"): [762518, 2, 3],
        "受理数": [12345, 0, 7],
        "办结率": [0.9561, None, 1.0],
        "最长超期（天）": [152.3, 152.0, 70.75],
        "受理时间": pd.to_datetime(["2026-10-01 08:18:40", "2026-10-02 00:00:00", None]),
        "p": [1.23e-5, 0.5, None],
    })
    g = grid_of(Table("k", "表", frame, percent=("办结率",), scientific=("p",)), "zh")
    assert g.rows[0] == ("762518", "12,345", "95.6%", "152.30", "2026-10-01 08:18", "1.2e-05")
    assert g.rows[1] == ("2", "0", "—", "152.00", "2026-10-02 00:00", "5.0e-01")
    assert g.rows[2][2] == "100.0%" and g.rows[2][4] == "—"
    assert g.numeric == (True, True, True, True, False, True)


def test_long_tables_keep_the_first_rows_and_say_so():
    g = grid_of(Table("k", "表", pd.DataFrame({"a": range(40)})), "zh", max_rows=15)
    assert len(g.rows) == 15 and g.note == "（共 40 行，仅列前 15 行）"
    assert grid_of(Table("k", "表", pd.DataFrame({"a": range(3)}), note="n"), "zh", max_rows=15).note == "n"


def test_kpi_grid_words_every_figure_as_its_card():
    kpis = {key: Kpi(key, 12_345.0 if key == "registered" else 0.5, "rate" if key.endswith("rate") else "count",
                     -0.0004, 0.031) for keys in THEMES.values() for key in keys}
    kpis["participants_per_1000"] = Kpi("participants_per_1000", 10.84, "ratio", None, -0.2)
    g = kpi_grid(kpis, "zh", "指标", no_data=("alerts",))
    rows = {r[1]: r for r in g.rows}
    assert rows["户籍人口"][2:] == ("1.2万", "持平", "▲3.1%")
    assert rows["办结率"][2] == "50.0%" and rows["每千人参与"][2:] == ("10.8", "—", "▼20.0%")
    assert rows["活跃预警"][2:] == ("暂无数据", "—", "—")
    assert not any(c in ("▲0.0%", "▼0.0%") for r in g.rows for c in r)
