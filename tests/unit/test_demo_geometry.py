"""Tests for cockpit.tools.demo.geometry: derived street/community/grid boundaries."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from cockpit.domain import geometry as display
from cockpit.tools.demo import geometry as dg

BOUNDARIES = Path(__file__).resolve().parents[2] / "cockpit" / "resources" / "boundaries.geojson"
ZHUJI = "330681000000"


@pytest.fixture(scope="module")
def outlines() -> dict[str, shapely.Geometry]:
    data = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in data["features"]}


@pytest.fixture(scope="module")
def zhuji(outlines: dict[str, shapely.Geometry]) -> shapely.Geometry:
    return outlines[ZHUJI]


def comb() -> Polygon:
    """A deeply concave parent: Voronoi cells clipped to it fall apart into teeth."""
    teeth = [box(120 + i * 0.02, 29.5, 120 + i * 0.02 + 0.01, 29.7) for i in range(10)]
    return shapely.union_all([*teeth, box(120, 29.5, 120.2, 29.52)])


def archipelago() -> MultiPolygon:
    """Multi-part parent whose small island touches nothing else."""
    return MultiPolygon([box(120, 29.5, 120.1, 29.6), box(120.2, 29.5, 120.21, 29.51), box(120.2, 29.55, 120.3, 29.65)])


def holed() -> Polygon:
    return box(120, 29, 120.3, 29.3).difference(box(120.1, 29.1, 120.2, 29.2))


def overlap_area(geoms: list) -> float:
    """Total pairwise intersection area between the geometries."""
    arr = np.array(geoms, dtype=object)
    a, b = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = a < b
    if not keep.any():
        return 0.0
    return float(shapely.area(shapely.intersection(arr[a[keep]], arr[b[keep]])).sum())


def assert_tiles(parent, children: list, n: int) -> None:
    assert len(children) == n
    for child in children:
        assert child.geom_type in ("Polygon", "MultiPolygon")
        assert not child.is_empty and child.area > 0
        assert child.is_valid
        assert child.difference(parent).area <= 1e-9 * parent.area
    assert overlap_area(children) <= 1e-9 * parent.area
    # The brief allows 0.5%; the construction is exact up to float noise.
    assert sum(c.area for c in children) == pytest.approx(parent.area, rel=1e-6)


def wkb(geoms: list) -> list[bytes]:
    return [g.wkb for g in geoms]


# --------------------------------------------------------------------------- #
# partition: tiling and containment
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("n", [2, 7, 23, 120])
def test_partition_tiles_zhuji(zhuji, n):
    children = dg.partition(zhuji, n, np.random.default_rng(n))
    assert_tiles(zhuji, children, n)


@pytest.mark.parametrize("code", ["330802000000", "330481000000", "330800000000", "330400000000"])
def test_partition_tiles_other_outlines(outlines, code):
    parent = outlines[code]
    children = dg.partition(parent, 30, np.random.default_rng(3))
    assert_tiles(parent, children, 30)


@pytest.mark.parametrize(
    ("parent", "n"),
    [(comb(), 12), (comb(), 40), (archipelago(), 8), (holed(), 9), (box(120, 29, 120.001, 29.001), 5)],
    ids=["comb-12", "comb-40", "archipelago", "holed", "tiny"],
)
def test_partition_tiles_awkward_parents(parent, n):
    children = dg.partition(parent, n, np.random.default_rng(11))
    assert_tiles(parent, children, n)


def test_partition_children_overlap_detector_is_live(zhuji):
    # Guard against a vacuous overlap check: a shifted copy must be caught.
    children = dg.partition(zhuji, 5, np.random.default_rng(0))
    shifted = shapely.affinity.translate(children[0], 0.01, 0.0)
    assert overlap_area([*children, shifted]) > 1e-9 * zhuji.area


# --------------------------------------------------------------------------- #
# partition: determinism
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("urban", [None, [True] * 4 + [False] * 11])
def test_partition_is_deterministic(zhuji, urban):
    a = dg.partition(zhuji, 15, np.random.default_rng(123), urban=urban)
    b = dg.partition(zhuji, 15, np.random.default_rng(123), urban=urban)
    c = dg.partition(zhuji, 15, np.random.default_rng(124), urban=urban)
    assert wkb(a) == wkb(b)
    assert wkb(a) != wkb(c)


def test_partition_advances_rng(zhuji):
    # Consecutive calls on one generator must not repeat the same layout.
    rng = np.random.default_rng(5)
    assert wkb(dg.partition(zhuji, 6, rng)) != wkb(dg.partition(zhuji, 6, rng))


# --------------------------------------------------------------------------- #
# partition: urban/rural contrast
# --------------------------------------------------------------------------- #


def mean_urban_rural(children: list, urban: list[bool]) -> tuple[float, float]:
    areas = np.array([dg.area_km2(c) for c in children])
    flags = np.array(urban)
    return float(areas[flags].mean()), float(areas[~flags].mean())


@pytest.mark.parametrize("seed", range(6))
def test_urban_children_are_smaller(zhuji, seed):
    urban = [True] * 5 + [False] * 18
    children = dg.partition(zhuji, 23, np.random.default_rng(seed), urban=urban)
    assert_tiles(zhuji, children, 23)
    mean_urban, mean_rural = mean_urban_rural(children, urban)
    assert mean_urban < 0.5 * mean_rural


@pytest.mark.parametrize(("code", "n", "n_urban"), [(ZHUJI, 6, 1), (ZHUJI, 12, 8), ("330802000000", 40, 15)])
@pytest.mark.parametrize("seed", range(3))
def test_urban_contrast_for_other_mixes(outlines, code, n, n_urban, seed):
    # Few rural children cannot surround the city by chance; this exercises
    # the ring of rural seeds.
    urban = [True] * n_urban + [False] * (n - n_urban)
    children = dg.partition(outlines[code], n, np.random.default_rng(seed), urban=urban)
    assert_tiles(outlines[code], children, n)
    mean_urban, mean_rural = mean_urban_rural(children, urban)
    assert mean_urban < 0.5 * mean_rural


def test_urban_flags_follow_their_positions(zhuji):
    # Interleaved flags: the output order must match the flags, not put urban first.
    urban = [i % 4 == 1 for i in range(20)]
    children = dg.partition(zhuji, 20, np.random.default_rng(9), urban=urban)
    mean_urban, mean_rural = mean_urban_rural(children, urban)
    assert mean_urban < 0.5 * mean_rural


def test_urban_cluster_sits_at_given_centre(zhuji):
    minx, miny, maxx, maxy = zhuji.bounds
    # A point well inside the south-west of Zhuji, far from its representative point.
    centre = Point(minx + 0.3 * (maxx - minx), miny + 0.45 * (maxy - miny))
    assert zhuji.contains(centre)
    urban = [True] * 4 + [False] * 16
    children = dg.partition(zhuji, 20, np.random.default_rng(2), urban=urban, centre=centre)
    dist = np.array([c.distance(centre) for c in children])
    assert dist[:4].max() < np.median(dist[4:])
    assert dist[:4].min() == 0.0  # some urban child contains the centre


# --------------------------------------------------------------------------- #
# partition: small n, argument checks
# --------------------------------------------------------------------------- #


def test_partition_n1_returns_parent(zhuji):
    assert dg.partition(zhuji, 1, np.random.default_rng(0)) == [zhuji]
    assert dg.partition(zhuji, 1, np.random.default_rng(0), urban=[True]) == [zhuji]


@pytest.mark.parametrize("n", [0, -3])
def test_partition_rejects_n_below_one(zhuji, n):
    with pytest.raises(ValueError, match="n must be >= 1"):
        dg.partition(zhuji, n, np.random.default_rng(0))


def test_partition_rejects_wrong_urban_length(zhuji):
    with pytest.raises(ValueError, match="urban"):
        dg.partition(zhuji, 5, np.random.default_rng(0), urban=[True, False])


@pytest.mark.parametrize(
    "parent",
    [Point(120, 30), Polygon(), Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])],
    ids=["point", "empty", "bowtie"],
)
def test_partition_rejects_bad_parent(parent):
    with pytest.raises(ValueError):
        dg.partition(parent, 3, np.random.default_rng(0))


# --------------------------------------------------------------------------- #
# partition: fragment merging
# --------------------------------------------------------------------------- #


def test_merge_fragments_moves_stray_part_to_longest_border_neighbour():
    main_a = box(0, 0, 1, 1)
    stray = box(2, 0, 2.2, 1)  # shares a 1-long border with b, a point with c
    b = box(2.2, 0, 3, 1)
    c = box(1.5, 1, 2, 2)
    merged = dg._merge_fragments(np.array([MultiPolygon([main_a, stray]), b, c], dtype=object))
    assert merged[0].equals(main_a)
    assert merged[1].geom_type == "Polygon"
    assert merged[1].equals(box(2, 0, 3, 1))
    assert merged[2].equals(c)


def test_merge_fragments_keeps_isolated_island():
    island = box(5, 5, 5.1, 5.1)
    merged = dg._merge_fragments(np.array([MultiPolygon([box(0, 0, 1, 1), island]), box(1, 0, 2, 1)], dtype=object))
    assert merged[0].area == pytest.approx(1.01)
    assert merged[1].equals(box(1, 0, 2, 1))


@pytest.mark.parametrize("seed", range(4))
def test_comb_children_are_single_polygons(seed):
    parent = comb()
    # Precondition: plain clipped Voronoi cells of this parent do fall apart,
    # so the assertion below is really about merging.
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(np.random.default_rng(seed).uniform((120, 29.5), (120.2, 29.7), (12, 2))),
            extend_to=parent.envelope,
        )
    )
    assert any(shapely.intersection(cell, parent).geom_type != "Polygon" for cell in cells)

    children = dg.partition(parent, 12, np.random.default_rng(seed))
    assert_tiles(parent, children, 12)
    assert all(c.geom_type == "Polygon" for c in children)


def test_archipelago_children_nonempty_and_mostly_connected():
    parent = archipelago()
    children = dg.partition(parent, 8, np.random.default_rng(1))
    assert_tiles(parent, children, 8)
    # Only the child that got the lone island may be multi-part.
    assert sum(c.geom_type == "MultiPolygon" for c in children) <= 1


# --------------------------------------------------------------------------- #
# partition: nesting and speed
# --------------------------------------------------------------------------- #


def test_nested_partition_tiles_grandparent(zhuji):
    rng = np.random.default_rng(77)
    streets = dg.partition(zhuji, 8, rng, urban=[True, True] + [False] * 6)
    grandchildren = []
    for street in streets:
        communities = dg.partition(street, 6, rng)
        assert_tiles(street, communities, 6)
        grandchildren.extend(communities)
    assert_tiles(zhuji, grandchildren, 48)


def test_partition_is_fast_enough(zhuji):
    # Generous bounds (measured ~10 ms and ~4 ms): they catch an accidental
    # quadratic blow-up, not normal machine jitter.
    t0 = time.perf_counter()
    dg.partition(zhuji, 120, np.random.default_rng(0))
    assert time.perf_counter() - t0 < 1.0
    community = dg.partition(zhuji, 500, np.random.default_rng(1))[0]
    t0 = time.perf_counter()
    micro = dg.partition(community, 77, np.random.default_rng(2))
    assert time.perf_counter() - t0 < 0.5
    assert_tiles(community, micro, 77)


# --------------------------------------------------------------------------- #
# area_km2
# --------------------------------------------------------------------------- #


def test_area_km2_zhuji(zhuji):
    assert 2200 < dg.area_km2(zhuji) < 2400


@pytest.mark.parametrize(("lat", "expected"), [(0.0, 111.32**2), (60.0, 111.32**2 * 0.5)])
def test_area_km2_degree_square(lat, expected):
    sq = box(10, lat - 0.005, 10.01, lat + 0.005)
    assert dg.area_km2(sq) == pytest.approx(expected * 1e-4, rel=1e-4)


def test_area_km2_empty():
    assert dg.area_km2(Polygon()) == 0.0


# --------------------------------------------------------------------------- #
# round_coords
# --------------------------------------------------------------------------- #


def test_round_coords_rounds_and_stays_valid(zhuji):
    children = dg.partition(zhuji, 10, np.random.default_rng(4))
    for child in children:
        rounded = display.round_coords(child, 6)
        coords = shapely.get_coordinates(rounded)
        assert np.allclose(coords, np.round(coords, 6), rtol=0, atol=1e-9)
        assert rounded.is_valid and not rounded.is_empty
        assert rounded.area == pytest.approx(child.area, rel=1e-4)
    # The inputs really carried more digits, so the rounding check above can fail.
    raw = shapely.get_coordinates(children[0])
    assert not np.allclose(raw, np.round(raw, 6), rtol=0, atol=1e-9)


def test_round_coords_never_empties_a_sliver():
    sliver = box(120.0000001, 30.0000001, 120.0000003, 30.0000003)
    rounded = display.round_coords(sliver, 6)
    assert not rounded.is_empty and rounded.is_valid


def test_round_coords_fewer_digits():
    poly = Polygon([(120.123456, 30.123456), (120.223456, 30.123456), (120.223456, 30.22)])
    coords = shapely.get_coordinates(display.round_coords(poly, 2))
    assert np.allclose(coords, np.round(coords, 2), rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- #
# simplify_for_display
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def communities(zhuji) -> list:
    """Communities from several streets: borders between streets only match up to float noise."""
    rng = np.random.default_rng(21)
    out = []
    for street in dg.partition(zhuji, 6, rng):
        out.extend(dg.partition(street, 10, rng))
    return out


def test_simplify_for_display_keeps_neighbours_apart(zhuji, communities):
    tol = 0.01  # ~1 km: what a county-wide map view would use
    simplified = display.simplify_for_display(communities, tol)
    assert len(simplified) == len(communities)
    assert all(not g.is_empty and g.is_valid for g in simplified)
    assert shapely.get_num_coordinates(simplified).sum() < shapely.get_num_coordinates(communities).sum()
    assert overlap_area(simplified) <= 1e-9 * zhuji.area
    # The same tolerance applied polygon by polygon does open overlaps, so
    # the bound above is meaningful.
    naive = [g.simplify(tol, preserve_topology=True) for g in communities]
    assert overlap_area(naive) > 1e-6 * zhuji.area
    assert sum(g.area for g in simplified) == pytest.approx(zhuji.area, rel=0.02)


def test_simplify_for_display_falls_back_on_overlapping_input():
    overlapping = [box(0, 0, 1, 1), box(0.5, 0, 1.5, 1), Polygon([(3, 0), (3.001, 0.5), (3, 1), (2.5, 0.5)])]
    out = display.simplify_for_display(overlapping, 0.01)
    assert len(out) == 3
    assert all(not g.is_empty and g.is_valid for g in out)


def test_simplify_for_display_never_empties_tiny_polygon():
    tiny = box(120, 30, 120.00001, 30.00001)
    big = box(120.00001, 30, 121, 31)
    out = display.simplify_for_display([tiny, big], 0.5)
    assert all(not g.is_empty and g.area > 0 for g in out)


def test_simplify_for_display_edge_cases():
    assert display.simplify_for_display([], 0.01) == []
    square = box(0, 0, 1, 1)
    assert display.simplify_for_display([square], 0.0)[0].equals(square)
    with pytest.raises(ValueError):
        display.simplify_for_display([square], -1.0)


def test_partition_cells_are_not_stretched_at_high_latitude():
    # At 60°N a degree of longitude is half a degree of latitude on the ground.
    # Cells built in raw degrees would come out half as wide as tall in km;
    # the local equal-area plane keeps them roughly isotropic.
    lat = 60.0
    parent = box(10.0, lat - 0.25, 11.0, lat + 0.25)  # ~55.7 km square
    children = dg.partition(parent, 60, np.random.default_rng(8))
    bounds = shapely.bounds(np.array(children, dtype=object))
    width_km = (bounds[:, 2] - bounds[:, 0]) * np.cos(np.radians(lat))
    height_km = bounds[:, 3] - bounds[:, 1]
    assert 0.75 < np.median(width_km / height_km) < 1.33
