import pytest

from cockpit.core import codes


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("330400000000", "city", "3304"),
        ("330681000000", "city", "330681"),  # county-level city: its own 6 digits
        ("330402000000", "district", "330402"),
        ("330681001000", "street", "330681001"),
        ("330681001001", "community", "330681001001"),
        ("330681001001007", "grid", "330681001001007"),
    ],
)
def test_prefix(code, level, expected):
    assert codes.prefix(code, level) == expected


def test_code_range_is_half_open_and_covers_only_descendants():
    lo, hi = codes.code_range("330681001000", "street")
    assert (lo, hi) == ("330681001", "330681002")
    inside = ["330681001001001", "330681001999999"]
    outside = ["330681002001001", "330681000999999", "330682001001001"]
    assert all(lo <= c < hi for c in inside)
    assert not any(lo <= c < hi for c in outside)


def test_code_range_carries_past_nine():
    lo, hi = codes.code_range("330681009000", "street")
    assert hi == "330681010"  # digits only: the bound sorts the same under every collation
    assert lo <= "330681009999999" < hi
    assert not (lo <= "330681010001001" < hi)
    assert codes.code_range("330681102209", "community")[1] == "330681102210"
    assert codes.code_range("330681199999", "community")[1] == "330681200000"


@pytest.mark.parametrize("value", ["330681001001", "330681001001001"])
def test_valid_codes(value):
    assert codes.is_valid_code(value)


@pytest.mark.parametrize("value", ["", "abc", "33068100100", "3306810010010011", "'; DROP TABLE x;--", None, 330681001001])
def test_invalid_codes(value):
    assert not codes.is_valid_code(value)


def test_unknown_level_raises():
    with pytest.raises(ValueError, match="unknown level"):
        codes.prefix("330681001000", "province")


@pytest.mark.parametrize(("code", "kind"), [("330681001000", "街道"), ("330681109000", "镇"), ("330681201000", "乡")])
def test_street_kind(code, kind):
    assert codes.street_kind(code) == kind


@pytest.mark.parametrize(("code", "kind"), [("330681001001", "居委会"), ("330681109201", "村委会")])
def test_community_kind(code, kind):
    assert codes.community_kind(code) == kind


def test_pad_code():
    assert codes.pad_code("330681001") == "330681001000"
    assert codes.pad_code("330681001001007") == "330681001001007"
