"""caching.memo: derived figures cached under the scope that decides their inputs, never during an outage."""


from cockpit.ui import caching, data


def _double(values: list[int]) -> list[int]:
    return [2 * v for v in values]


def test_the_key_decides_and_an_outage_bypasses_the_cache():
    data.clear_caches()
    key = ("part", "sqlite:///x.sqlite", "330681000000")
    assert data.memo(_double, key, [1, 2]) == [2, 4]
    # Same key: the inputs are taken to be the same reads, so the cached answer stands.
    assert data.memo(_double, key, [5]) == [2, 4]
    assert data.memo(_double, ("part", "sqlite:///x.sqlite", "330681001000"), [5]) == [10]
    caching.note_outage(ConnectionError("store down"))
    try:  # last good answers may be the inputs now: computed, not cached or served from the cache
        assert data.memo(_double, key, [7]) == [14]
    finally:
        caching.clear_outage()
    assert data.memo(_double, key, [9]) == [2, 4]
