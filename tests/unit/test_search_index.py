"""Unit search (#23) on hand-made names: ranking, pinyin with 多音字, initials, codes, the viewer's subtree."""

from __future__ import annotations

import pandas as pd
import pytest

from cockpit.domain.search import CONTAINS, EXACT, PREFIX, UnitIndex, pinyin_keys

ROWS = [
    ("330600000000", "重庆市", "city", None),
    ("330602000000", "长安区", "district", "330600000000"),
    ("330602001000", "江东街道", "street", "330602000000"),
    ("330602002000", "长安街道", "street", "330602000000"),
    ("330602001001", "江东社区", "community", "330602001000"),
    ("330602001002", "新江东社区", "community", "330602001000"),
    ("330602002001", "银行社区", "community", "330602002000"),
    ("330602001001001", "江东社区第1网格", "grid", "330602001001"),
    ("330602001001002", "江东社区第2网格", "grid", "330602001001"),
    ("330602002001001", "银行社区第1网格", "grid", "330602002001"),
]


@pytest.fixture(scope="module")
def index() -> UnitIndex:
    return UnitIndex(pd.DataFrame(ROWS, columns=["code", "name", "level", "parent_code"]))


def _found(index: UnitIndex, text: str, **kw) -> list[str]:
    return [h.name for h in index.search(text, **kw)]


def test_polyphones_take_the_dictionary_reading():
    assert pinyin_keys("重庆市") == ("chongqingshi", "cqs")  # not zhongqing
    assert pinyin_keys("长安区") == ("changanqu", "caq")  # not zhang'an
    assert pinyin_keys("银行社区") == ("yinhangshequ", "yhsq")  # not yinxing
    assert pinyin_keys("江东社区第12网格") == ("jiangdongshequdi12wangge", "jdsqd12wg")


def test_exact_then_prefix_then_contains_higher_tiers_first(index):
    hits = index.search("江东社区")
    assert [(h.name, h.match) for h in hits] == [
        ("江东社区", EXACT), ("江东社区第1网格", PREFIX), ("江东社区第2网格", PREFIX), ("新江东社区", CONTAINS)]
    assert _found(index, "江东")[:2] == ["江东街道", "江东社区"]  # prefixes: the street before the community


def test_pinyin_and_initials_any_case_and_spacing(index):
    assert _found(index, "changan")[:2] == ["长安区", "长安街道"]
    assert _found(index, "Chang An")[:2] == ["长安区", "长安街道"]
    assert _found(index, "cqs") == ["重庆市"]
    assert _found(index, "jdsq")[:1] == ["江东社区"]
    assert "银行社区" in _found(index, "yinhang")


def test_codes_from_their_start(index):
    assert _found(index, "330602001001") == ["江东社区", "江东社区第1网格", "江东社区第2网格"]
    assert _found(index, "330602001001002") == ["江东社区第2网格"]
    assert _found(index, "0602") == []  # a code is typed from its start, never found inside


def test_each_hit_has_its_path(index):
    hit = index.search("江东社区第2网格")[0]
    assert hit.path == ("重庆市", "长安区", "江东街道", "江东社区", "江东社区第2网格") and hit.level == "grid"


def test_only_the_allowed_subtree_and_the_limit(index):
    inside = lambda code: code.startswith("330602001")  # noqa: E731 - the 江东街道 subtree
    assert _found(index, "社区", allowed=inside) == ["江东社区", "新江东社区", "江东社区第1网格", "江东社区第2网格"]
    assert _found(index, "重庆", allowed=inside) == []
    assert len(index.search("社区", limit=2)) == 2
    assert _found(index, "   ") == []


def test_speed_at_city_scale():
    """92,600 grids like 嘉兴's: building once and every search well inside 100 ms (a loose bound: shared machines)."""
    import time

    communities = [f"{a}{b}社区" for a in "东南西北中上下前后左" for b in "江河湖海山林园桥港湾"]  # 100 names
    rows = [("330400000000", "嘉兴市", "city", None)]
    rows += [(f"3304001{i:02d}000", c, "community", "330400000000") for i, c in enumerate(communities)]
    rows += [(f"3304001{i:02d}000{j:03d}", f"{c}第{j}网格", "grid", f"3304001{i:02d}000")
             for i, c in enumerate(communities) for j in range(926)]
    idx = UnitIndex(pd.DataFrame(rows, columns=["code", "name", "level", "parent_code"]))
    assert len(idx) == 1 + 100 + 92_600
    worst = 0.0
    for text in ("东江社区第5", "dongjiang", "djsq", "3304001", "网格", "wangge", "zzz"):
        t0 = time.perf_counter()
        idx.search(text)
        worst = max(worst, time.perf_counter() - t0)
    assert worst < 0.1, worst
