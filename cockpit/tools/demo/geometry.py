"""Synthetic street / community / grid boundaries for the demo city.

No public boundaries below county level exist for China, so the demo derives
them: a real county outline is split into streets, each street into
communities, each community into grids, every level tiling its parent exactly.
The split is a seeded Voronoi diagram clipped to the parent, so the same seed
always yields the same map and neighbouring units share their borders.

All geometry is in lon/lat degrees. Computations run in a locally equal-area
plane (x = lon * cos(lat0), y = lat) because a degree of longitude around 30°N
is ~13% shorter than a degree of latitude; without the scaling Voronoi cells
would come out stretched east-west and areas would be wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

__all__ = ["area_km2", "partition"]

KM_PER_DEG_LAT = 111.32

# Callers rely on urban cells averaging under half the rural size; aiming at
# 0.35 leaves a margin for unlucky seeds and for fragment merging.
_URBAN_TARGET_RATIO = 0.35
_URBAN_DENSITY = 0.25  # initial urban/rural area ratio used to size the cluster
_URBAN_ATTEMPTS = 6  # each retry squeezes the urban cluster tighter
_LLOYD_STEPS = 2
# Rejection sampling gives up after this many batches: a sliver-thin region
# could otherwise loop for a very long time.
_MAX_SAMPLE_ROUNDS = 200


# --------------------------------------------------------------------------- #
# Local equal-area plane
# --------------------------------------------------------------------------- #


def _lon_scale(geom: BaseGeometry) -> float:
    """cos(lat0) at the geometry's centroid: the local lon→distance factor."""
    return math.cos(math.radians(geom.centroid.y))


def _to_local(geom: BaseGeometry, k: float) -> BaseGeometry:
    return shapely.transform(geom, lambda c: c * np.array([k, 1.0]))


def _to_lonlat(geom: BaseGeometry, k: float) -> BaseGeometry:
    return shapely.transform(geom, lambda c: c / np.array([k, 1.0]))


def area_km2(geom: BaseGeometry) -> float:
    """Area of a lon/lat geometry in km², using the local equal-area scaling.

    Accurate to well under 1% for county-sized shapes; good enough for a demo
    and avoids a pyproj dependency.
    """
    if geom.is_empty:
        return 0.0
    return geom.area * _lon_scale(geom) * KM_PER_DEG_LAT**2


# --------------------------------------------------------------------------- #
# Seed sampling
# --------------------------------------------------------------------------- #


def _sample_uniform(region: BaseGeometry, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` points uniformly inside `region` (rejection sampling in its bounds)."""
    if count == 0:
        return np.empty((0, 2))
    shapely.prepare(region)
    minx, miny, maxx, maxy = region.bounds
    fill = region.area / max((maxx - minx) * (maxy - miny), 1e-300)
    # Oversample so that a single batch usually suffices.
    batch = max(64, int(1.5 * count / max(fill, 1e-3)))
    found: list[np.ndarray] = []
    have = 0
    for _ in range(_MAX_SAMPLE_ROUNDS):
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(batch, 2))
        xy = xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]
        found.append(xy)
        have += len(xy)
        if have >= count:
            break
    pts = np.concatenate(found)
    if len(pts) < count:
        raise ValueError("could not sample seed points inside the geometry; is it degenerate?")
    return pts[:count]


def _sample_gaussian(
    region: BaseGeometry, centre: np.ndarray, sigma: float, count: int, rng: np.random.Generator
) -> np.ndarray:
    """`count` points normally distributed around `centre`, kept only inside `region`."""
    if count == 0:
        return np.empty((0, 2))
    shapely.prepare(region)
    found: list[np.ndarray] = []
    have = 0
    for _ in range(_MAX_SAMPLE_ROUNDS):
        xy = rng.normal(centre, sigma, size=(max(32, 2 * count), 2))
        xy = xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]
        found.append(xy)
        have += len(xy)
        if have >= count:
            return np.concatenate(found)[:count]
    # The centre sits in a pocket the gaussian barely reaches: spread the rest
    # uniformly rather than fail.
    pts = np.concatenate(found)
    return np.concatenate([pts, _sample_uniform(region, count - len(pts), rng)])


def _initial_seeds(
    parent: BaseGeometry,
    urban: np.ndarray,
    centre: np.ndarray,
    density: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Seed points in local coordinates, urban ones clustered around `centre`.

    The cluster is sized so that, if urban cells were `density` times the size
    of rural ones, the urban seeds would fill a disc of radius r. A Voronoi
    cell reaches halfway to the nearest other seed, so a cluster alone does not
    make small cells: with few rural seeds the outer urban cells would sprawl
    to the parent's edge. Some rural seeds therefore form a loose ring just
    outside the disc to hem the city in; the rest spread over the countryside.
    Without a mix of urban and rural flags all seeds are spread uniformly.
    """
    n = len(urban)
    n_u = int(urban.sum())
    n_r = n - n_u
    if n_u == 0 or n_r == 0:
        return _sample_uniform(parent, n, rng)
    rural_area = parent.area / (n_u * density + n_r)
    radius = math.sqrt(n_u * density * rural_area / math.pi)
    seeds = np.empty((n, 2))
    seeds[urban] = _sample_gaussian(parent, centre, radius / 2.0, n_u, rng)

    # About one ring seed per two urban cells along the cluster's rim, and at
    # least six so that even a single urban seed is enclosed.
    n_ring = min(n_r, max(6, math.ceil(2.0 * math.sqrt(math.pi * n_u))))
    angles = (rng.uniform(0, 2 * math.pi) + 2 * math.pi * np.arange(n_ring) / n_ring) + rng.uniform(
        -0.2, 0.2, n_ring
    ) * (2 * math.pi / n_ring)
    dist = radius * rng.uniform(1.3, 1.7, n_ring)
    ring = centre + np.column_stack([np.cos(angles), np.sin(angles)]) * dist[:, None]
    ring = ring[shapely.contains_xy(parent, ring[:, 0], ring[:, 1])]

    rural_region = parent.difference(Point(centre).buffer(radius, quad_segs=16))
    if rural_region.area < 0.05 * parent.area:
        # The "city" would swallow nearly everything; sampling a thin leftover
        # band is slow and buys no visible contrast.
        rural_region = parent
    # Ring points that fell outside the parent (city near its edge) are
    # replaced by countryside seeds.
    seeds[~urban] = np.concatenate([ring, _sample_uniform(rural_region, n_r - len(ring), rng)])
    return seeds


# --------------------------------------------------------------------------- #
# Voronoi cells
# --------------------------------------------------------------------------- #


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Drop the points/lines an intersection can leave where cells merely touch."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
    polys: list[Polygon] = []
    for p in parts:
        polys.extend(p.geoms if isinstance(p, MultiPolygon) else [p])
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _cells(parent: BaseGeometry, seeds: np.ndarray) -> np.ndarray | None:
    """Voronoi cells of `seeds` clipped to `parent`, in seed order.

    Returns None when the diagram is unusable (coinciding seeds or an empty
    cell), so the caller can keep its previous, known-good seeds.
    """
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=parent.envelope, ordered=True)
    raw = shapely.get_parts(diagram)
    if len(raw) != len(seeds):
        return None
    cells = np.array([_polygonal(c) for c in shapely.intersection(raw, parent)], dtype=object)
    if shapely.is_empty(cells).any() or (shapely.area(cells) <= 0).any():
        return None
    return cells


def _largest_parts(cells: np.ndarray) -> np.ndarray:
    """The largest polygon of every cell."""
    out = np.empty(len(cells), dtype=object)
    for i, c in enumerate(cells):
        if isinstance(c, MultiPolygon):
            parts = list(c.geoms)
            out[i] = max(parts, key=lambda p: p.area)
        else:
            out[i] = c
    return out


def _seeded_cells(
    parent: BaseGeometry, urban: np.ndarray, centre: np.ndarray, density: float, rng: np.random.Generator
) -> np.ndarray:
    """Clipped Voronoi cells of freshly sampled seeds.

    Resampling is needed only if two seeds coincide, which with float seeds
    essentially never happens; the bound turns a degenerate parent into an
    error instead of an endless loop.
    """
    for _ in range(10):
        cells = _cells(parent, _initial_seeds(parent, urban, centre, density, rng))
        if cells is not None:
            return cells
    raise ValueError("could not build a Voronoi partition; is the parent degenerate?")


def _lloyd_seeds(parent: BaseGeometry, cells: np.ndarray) -> np.ndarray:
    """Centroids of the cells' main parts, pulled inside the parent if needed.

    A seed outside the parent could own a cell that misses the parent entirely,
    so concave cells whose centroid falls outside use a point on the surface.
    """
    main = _largest_parts(cells)
    pts = shapely.centroid(main)
    xy = shapely.get_coordinates(pts)
    outside = ~shapely.contains_xy(parent, xy[:, 0], xy[:, 1])
    if outside.any():
        xy[outside] = shapely.get_coordinates(shapely.point_on_surface(main[outside]))
    return xy


def _urban_ratio(children: Sequence[BaseGeometry], urban: np.ndarray) -> float:
    """Mean urban area over mean rural area (both kinds must be present)."""
    areas = shapely.area(np.asarray(children, dtype=object))
    return float(areas[urban].mean() / areas[~urban].mean())


def _split_fragments(cells: np.ndarray) -> tuple[list[BaseGeometry], list[tuple[int, Polygon]]]:
    """Each cell's largest part, and the other parts as (owner, fragment)."""
    main: list[BaseGeometry] = []
    pending: list[tuple[int, Polygon]] = []
    for i, c in enumerate(cells):
        if isinstance(c, MultiPolygon):
            parts = list(c.geoms)
            keep = int(np.argmax([p.area for p in parts]))
            main.append(parts[keep])
            pending.extend((i, p) for j, p in enumerate(parts) if j != keep)
        else:
            main.append(c)
    return main, pending


def _best_neighbour(main: list[BaseGeometry], tree: shapely.STRtree, own: int, frag: Polygon, eps: float) -> int:
    """The child (not `own`) sharing the longest border with `frag`; -1 when it touches none."""
    halo = frag.buffer(eps, quad_segs=1)
    best, best_len = -1, 0.0
    for j in tree.query(halo, predicate="intersects"):
        if j == own:
            continue
        shared = main[j].boundary.intersection(halo).length
        if shared > best_len:
            best, best_len = int(j), shared
    return best


def _merge_fragments(cells: np.ndarray) -> list[BaseGeometry]:
    """Give every stray fragment of a cell to the neighbour it borders most.

    A convex Voronoi cell clipped to a concave or multi-part parent can fall
    apart; the pieces that are not the cell's largest part would show up as
    disconnected enclaves. Moving each to the child it shares the longest
    border with keeps the tiling exact. A fragment touching nothing (an island
    of the parent) stays with its own cell.
    """
    main, pending = _split_fragments(cells)
    if not pending:
        return list(cells)

    scale = math.sqrt(sum(p.area for p in main))
    eps = 1e-9 * scale  # bridges float noise between borders computed separately
    # Fragments can border only other fragments, so repeat until no fragment
    # finds a home any more.
    while pending:
        tree = shapely.STRtree(main)
        left: list[tuple[int, Polygon]] = []
        for own, frag in pending:
            best = _best_neighbour(main, tree, own, frag, eps)
            if best < 0:
                left.append((own, frag))
            else:
                main[best] = _union_polygon(main[best], frag)
        if len(left) == len(pending):
            break
        pending = left
    extra: list[list[BaseGeometry]] = [[] for _ in cells]
    for own, frag in pending:
        extra[own].append(frag)
    return [shapely.union_all([m, *ex]) if ex else m for m, ex in zip(main, extra, strict=True)]


def _union_polygon(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    """Union of two adjacent polygons, keeping only the polygonal result."""
    return _polygonal(shapely.union(a, b))


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def _check_partition_args(parent: BaseGeometry, n: int, urban: Sequence[bool] | None) -> np.ndarray | None:
    """The urban flags as an array (None without them); ValueError for arguments partition cannot use."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if parent.geom_type not in ("Polygon", "MultiPolygon") or parent.is_empty:
        raise ValueError("parent must be a non-empty Polygon or MultiPolygon")
    if not parent.is_valid:
        raise ValueError(f"parent is invalid: {shapely.is_valid_reason(parent)}")
    if urban is None:
        return None
    if len(urban) != n:
        raise ValueError(f"urban has {len(urban)} flags for n={n}")
    return np.asarray(urban, dtype=bool)


def _relaxed(local: BaseGeometry, cells: np.ndarray, mask: np.ndarray, contrast: bool) -> list[BaseGeometry]:
    """The merged children after up to _LLOYD_STEPS Lloyd steps, stopping before the urban contrast erodes."""
    children = _merge_fragments(cells)
    for _ in range(_LLOYD_STEPS):
        relaxed = _cells(local, _lloyd_seeds(local, cells))
        if relaxed is None:
            break
        relaxed_children = _merge_fragments(relaxed)
        # Relaxation evens out cell sizes, which erodes the urban/rural
        # contrast; stop as soon as it would.
        if contrast and _urban_ratio(relaxed_children, mask) >= _URBAN_TARGET_RATIO:
            break
        cells, children = relaxed, relaxed_children
    return children


def partition(
    parent: Polygon | MultiPolygon,
    n: int,
    rng: np.random.Generator,
    urban: Sequence[bool] | None = None,
    centre: Point | None = None,
) -> list[BaseGeometry]:
    """Split `parent` into exactly `n` non-empty, non-overlapping children that tile it.

    Children are seeded Voronoi cells clipped to the parent, smoothed by up to
    two Lloyd steps so they look like plausible administrative units rather
    than random shards. The result depends only on the inputs and the state of
    `rng`, so a fixed seed reproduces the same map.

    Args:
        parent: Valid lon/lat Polygon or MultiPolygon.
        n: Number of children, at least 1.
        rng: Source of randomness; it is advanced by the call.
        urban: Optional per-child flags. Urban children are seeded in a
            cluster around `centre`, hemmed in by a ring of rural seeds, and
            come out several times smaller (mean urban area below ~0.35 x
            mean rural area), the way city-centre streets are small and rural
            townships large. This needs at least three rural children to
            enclose the city; with fewer it is best effort.
        centre: Where the urban cluster sits (lon/lat, inside `parent`);
            defaults to a representative point of the parent.

    Returns:
        `n` Polygons or MultiPolygons in lon/lat, in the order of `urban`.
        Stray fragments of clipped cells are merged into neighbours, so a
        child is a MultiPolygon only where the parent itself is split (an
        island that touches no other child stays with its own cell).
    """
    flags = _check_partition_args(parent, n, urban)
    if n == 1:
        return [parent]

    k = _lon_scale(parent)
    local = _to_local(parent, k)
    shapely.prepare(local)
    centre_xy = np.array(local.representative_point().coords[0]) if centre is None else np.array([centre.x * k, centre.y])
    mask = flags if flags is not None else np.zeros(n, dtype=bool)
    contrast = bool(mask.any() and not mask.all())

    # Contrast is judged on the merged children: moving a large fragment of an
    # urban cell to a rural neighbour (or back) can shift the areas a lot.
    best: list[BaseGeometry] | None = None
    best_ratio = math.inf
    density = _URBAN_DENSITY
    for _ in range(_URBAN_ATTEMPTS if contrast else 1):
        children = _relaxed(local, _seeded_cells(local, mask, centre_xy, density, rng), mask, contrast)
        ratio = _urban_ratio(children, mask) if contrast else 0.0
        if best is None or ratio < best_ratio:
            best, best_ratio = children, ratio
        if best_ratio < _URBAN_TARGET_RATIO:
            break
        density *= 0.5

    return [_to_lonlat(c, k) for c in best]
