"""督办 rules (cockpit.domain.supervision) on hand-made cases, the settings that set them, and the view's tables."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pandas as pd
import pytest

from cockpit.core.settings import SUPERVISION_RULES, SupervisionRules, load_settings
from cockpit.domain import supervision as sv
from cockpit.views import supervision as views

NOW = datetime(2026, 11, 1)  # the page's clock: the midnight after the newest receipt
DEFAULT = SupervisionRules()


def case(received_days_ago: float, allowed_days: float, closed_days_ago: float | None = None, satisfaction: int | None = None,
         returns: int = 0, reopens: int = 0) -> dict:
    received = NOW - timedelta(days=received_days_ago)
    return {"received_at": received, "due_at": received + timedelta(days=allowed_days),
            "closed_at": None if closed_days_ago is None else NOW - timedelta(days=closed_days_ago),
            "satisfaction": satisfaction, "return_count": returns, "reopen_count": reopens}


@pytest.mark.parametrize(("row", "want"), [
    (case(3, 5), ()),  # open, inside its time
    (case(6, 5), ("overdue",)),  # open, one day late: less than twice its time
    (case(11, 5), ("overdue", "long_open")),  # open 11 days of 5 allowed: beyond 2×
    (case(10, 5), ("overdue",)),  # exactly 2×: not beyond
    (case(30, 5, closed_days_ago=1), ()),  # closed late: no longer overdue, nothing else
    (case(30, 5, closed_days_ago=1, satisfaction=2), ("unsatisfied",)),
    (case(30, 5, closed_days_ago=1, satisfaction=1), ("unsatisfied",)),
    (case(30, 5, closed_days_ago=1, satisfaction=3), ()),  # 一般 is not 不满意
    (case(3, 5, returns=1, reopens=1), ("returned_twice",)),  # returned once + reopened once = twice
    (case(3, 5, returns=1), ()),
    (case(3, 5, reopens=2), ("returned_twice",)),
    (case(12, 5, returns=2, satisfaction=2), ("overdue", "returned_twice", "unsatisfied", "long_open")),
])
def test_reasons_with_the_default_rules(row, want):
    assert sv.reasons(row, DEFAULT, NOW) == want


def test_closed_at_the_clock_counts_as_open():
    """Closed at or after the page's clock: still open at it, as the case list counts it."""
    assert sv.reasons(case(6, 5, closed_days_ago=0), DEFAULT, NOW) == ("overdue",)
    assert sv.reasons(case(6, 5, closed_days_ago=-1), DEFAULT, NOW) == ("overdue",)


def test_rules_can_be_switched_off_and_tuned():
    only_overdue = SupervisionRules(rules=("overdue",))
    assert sv.reasons(case(12, 5, returns=2, satisfaction=2), only_overdue, NOW) == ("overdue",)
    assert sv.reasons(case(3, 5, returns=2), only_overdue, NOW) == ()
    three = SupervisionRules(returns=3)
    assert sv.reasons(case(3, 5, returns=1, reopens=1), three, NOW) == ()
    assert sv.reasons(case(3, 5, returns=2, reopens=1), three, NOW) == ("returned_twice",)
    factor = SupervisionRules(rules=("long_open",), factor=1.5)
    assert sv.reasons(case(8, 5), factor, NOW) == ("long_open",)  # 8 > 1.5 × 5
    assert sv.reasons(case(7, 5), factor, NOW) == ()  # 7 < 7.5


def test_minutes_are_whole_as_in_sql():
    """Seconds do not count (the SQL floors every timestamp to its minute): received at 08:00:50 and due at 08:10:10
    is ten minutes allowed, not 9 min 20 s; at 08:20:30 it is twenty minutes open — not beyond 2×."""
    received = datetime(2026, 10, 31, 8, 0, 50)
    row = {"received_at": received, "due_at": datetime(2026, 10, 31, 8, 10, 10), "closed_at": None, "satisfaction": None,
           "return_count": 0, "reopen_count": 0}
    rules = SupervisionRules(rules=("long_open",))
    assert sv.reasons(row, rules, datetime(2026, 10, 31, 8, 20, 30)) == ()  # to the second: 19:40 > 18:40, beyond
    assert sv.reasons(row, rules, datetime(2026, 10, 31, 8, 21, 0)) == ("long_open",)


def test_days_overdue_and_times_chased():
    assert sv.days_overdue(case(6, 5), NOW) == 1.0
    assert sv.days_overdue(case(3, 5), NOW) == 0.0
    assert sv.days_overdue(case(30, 5, closed_days_ago=5), NOW) == 20.0  # to the closure, not to now
    assert sv.days_overdue(case(5.5, 5), NOW) == 0.5
    assert sv.chased(case(3, 5, returns=2, reopens=1)) == 3
    assert sv.chased({"return_count": None, "reopen_count": float("nan")}) == 0


def test_annotate_and_by_unit():
    cases = pd.DataFrame([case(11, 5), case(3, 5, returns=1, reopens=1)])
    out = sv.annotate(cases, DEFAULT, NOW)
    assert list(out["reasons"]) == [("overdue", "long_open"), ("returned_twice",)]
    assert list(out["days_overdue"]) == [6.0, 0.0] and list(out["chased"]) == [0, 2]
    grouped = pd.DataFrame({"code": ["B", "A", "C"], "cases": [2, 2, 5], "overdue": [1, 2, 0],
                            "returned_twice": [1, 0, 5], "unsatisfied": [0, 0, 0], "long_open": [0, 1, 0],
                            "chased": [2, 0, 10],
                            "oldest_due": [NOW - timedelta(days=3), NOW - timedelta(days=9, hours=12), pd.NaT]})
    table = sv.by_unit(grouped, {"A": "甲", "B": "乙"}, NOW)
    assert list(table["code"]) == ["C", "A", "B"]  # most cases, then the longest overdue
    assert list(table["name"]) == ["C", "甲", "乙"]
    assert table["oldest_days"].iloc[1] == 9.5 and pd.isna(table["oldest_days"].iloc[0])
    assert sv.total(grouped) == 9 and sv.total(grouped.iloc[0:0]) == 0


def test_settings(tmp_path, caplog):
    none = tmp_path / "none.toml"
    assert load_settings({}, secrets_path=none).supervision == SupervisionRules(SUPERVISION_RULES, 2, 2.0)
    s = load_settings({"COCKPIT_SUPERVISION_RULES": "unsatisfied, overdue", "COCKPIT_SUPERVISION_RETURNS": "3",
                       "COCKPIT_SUPERVISION_FACTOR": "1.5"}, secrets_path=none).supervision
    assert s == SupervisionRules(("overdue", "unsatisfied"), 3, 1.5)
    with caplog.at_level(logging.WARNING, logger="cockpit.settings"):
        bad = load_settings({"COCKPIT_SUPERVISION_RULES": "overdue,late", "COCKPIT_SUPERVISION_RETURNS": "two",
                             "COCKPIT_SUPERVISION_FACTOR": "0.5"}, secrets_path=none).supervision
    assert bad == SupervisionRules(("overdue",), 2, 2.0)
    logged = caplog.text
    assert "late" in logged and "COCKPIT_SUPERVISION_RETURNS" in logged and "COCKPIT_SUPERVISION_FACTOR" in logged
    nothing = load_settings({"COCKPIT_SUPERVISION_RULES": "none"}, secrets_path=none).supervision
    assert nothing.rules == SUPERVISION_RULES


def test_list_table_masks_and_labels():
    cases = sv.annotate(pd.DataFrame([{**case(12, 5, returns=2, satisfaction=2), "id": 7, "category_code": "C01",
                                       "code": "330681001000", "grid_code": "330681001001001", "status": "dispatched",
                                       "description": "请回电 13812345678"}]), DEFAULT, NOW)
    zh = views.list_table(cases, {"330681001000": "暨阳街道"}, {"C01": "市容环境"}, DEFAULT, "zh", "督办").frame
    row = zh.iloc[0]
    assert row["督办原因"] == "超期、多次退回重办、不满意、超期一倍以上"
    assert row["责任单位"] == "暨阳街道" and row["类别"] == "市容环境" and row["退回/重办次数"] == 2
    assert row["满意度"] == 2 and row["超期天数"] == 7.0
    assert "13812345678" not in row["描述"] and "138****5678" in row["描述"]
    en = views.list_table(cases, {}, {}, DEFAULT, "en", "x").frame
    assert en.iloc[0]["Reasons"] == "Overdue, Returned/reopened, Unsatisfied, Open beyond 2×"
    line = views.rules_line(SupervisionRules(rules=("overdue", "long_open"), factor=3), NOW, "zh")
    assert "超期：在办且已过办理时限" in line and "3 倍" in line and "2026年10月31日" in line and "退回" not in line
