"""caching.shared_cache: one answer per process, computed once however many sessions ask, never changed by a caller."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from cockpit.domain import hierarchy
from cockpit.ui import caching, data


def test_a_caller_that_edits_its_frame_leaves_the_shared_answer_alone():
    calls = []

    @caching.shared_cache(ttl=60)
    def read(code: str) -> tuple[pd.DataFrame, dict]:
        calls.append(code)
        return pd.DataFrame({"code": [code], "n": [1]}), {"n": 1}

    frame, meta = read("330402")
    frame["n"] = 99
    frame.loc[0, "code"] = "edited"
    meta["n"] = 99
    again, meta_again = read("330402")
    assert calls == ["330402"]  # the second call was answered from the cache
    assert again["n"].tolist() == [1] and again["code"].tolist() == ["330402"] and meta_again == {"n": 1}


def test_many_sessions_asking_at_once_cost_one_computation():
    started = []

    @caching.shared_cache(ttl=60)
    def slow(code: str) -> int:
        started.append(code)
        time.sleep(0.3)
        return len(started)

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(slow("330402"))) for _ in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert started == ["330402"] and answers == [1] * 12


def test_errors_are_not_cached_and_clear_caches_forgets():
    state = {"fail": True, "n": 0}

    @caching.shared_cache(ttl=60)
    def flaky() -> int:
        state["n"] += 1
        if state["fail"]:
            raise ConnectionError("store down")
        return state["n"]

    with pytest.raises(ConnectionError):
        flaky()
    state["fail"] = False
    assert flaky() == 2 and flaky() == 2
    data.clear_caches()
    assert flaky() == 3


def test_the_tree_indexes_answer_like_the_frame():
    frame = pd.DataFrame({
        "code": ["330400000000", "330402000000", "330411000000", "330402001000"],
        "name": ["市", "南湖区", "秀洲区", "某街道"],
        "level": ["city", "district", "district", "street"],
        "parent_code": [None, "330400000000", "330400000000", "330402000000"],
        "kind": ["市", "区", "区", "街道"],
        "area_km2": [4000.0, float("nan"), 500.0, 20.0],
        "lon": [120.7, 120.8, None, 120.75], "lat": [30.7, 30.75, None, 30.76],
    }).iloc[[3, 2, 1, 0]]  # out of order, as a query may return them
    tree = hierarchy.Tree.from_frame(frame)
    assert tree.root.code == "330400000000" and tree.root.parent_code is None
    assert tree.children("330400000000")["code"].tolist() == ["330402000000", "330411000000"]
    assert tree.children("330402001000").empty and list(tree.children("nope").columns) == list(tree.units.columns)
    assert tree.unit("330402000000").area_km2 is None and tree.unit("330411000000").lon is None
    assert tree.has("330402001000") and not tree.has("330402001001")
    with pytest.raises(KeyError):
        tree.unit("330402001001")
    kids = tree.children("330400000000")
    kids["name"] = "edited"  # a caller's copy: the tree's own stays
    assert tree.children("330400000000")["name"].tolist() == ["南湖区", "秀洲区"]
