"""The demo city's units, grids, boundaries and population.

Names and codes down to the community are real (National Bureau of
Statistics, via cockpit/resources/PROVENANCE.md); so are the county and
district outlines. Street, community and grid boundaries and all numbers are
synthetic demo data.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from cockpit.core import codes
from cockpit.tools.demo.geometry import area_km2, partition
from cockpit.tools.demo.presets import Preset

ANCHORS_PER_GRID = 16


@dataclass
class DemoUnits:
    units: pd.DataFrame  # admin_unit rows
    grids: pd.DataFrame  # grid rows + helper columns (pop weight, urban)
    geometry: dict[str, BaseGeometry] = field(repr=False)  # code -> geometry, units and grids
    anchors: np.ndarray = field(repr=False)  # (n_grids, ANCHORS_PER_GRID, 2) lon/lat inside each grid


def read_divisions() -> pd.DataFrame:
    with resources.files("cockpit.resources").joinpath("divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return pd.DataFrame(rows).fillna("")


def read_real_outlines() -> dict[str, BaseGeometry]:
    text = resources.files("cockpit.resources").joinpath("boundaries.geojson").read_text(encoding="utf-8")
    return {f["properties"]["code"]: shape(f["geometry"]) for f in json.loads(text)["features"]}


def _unit_rng(seed: int, code: str, salt: int = 0) -> np.random.Generator:
    # One stream per unit, so a unit's shape does not depend on the order units are built in.
    return np.random.default_rng([seed, int(code), salt])


def _select(divisions: pd.DataFrame, preset: Preset) -> pd.DataFrame:
    root = preset.root_code
    p = codes.prefix(root, "city")
    sub = divisions[divisions["code"].str.startswith(p)].copy()
    if preset.max_streets:
        streets = sub[sub["level"] == "street"]
        # A mix of 街道 and 镇 keeps urban and rural both in the small city.
        chosen = pd.concat([streets[streets["code"].str[6:9] < "100"].head(2), streets[streets["code"].str[6:9] >= "100"].head(1)])
        chosen = chosen.head(preset.max_streets)
        # The chosen streets' districts stay, so a city with districts keeps its district tier.
        keep = set(chosen["code"]) | set(chosen["parent_code"]) | {root}
        comm = sub[(sub["level"] == "community") & sub["parent_code"].isin(keep)]
        # Per street: up to three urban communities first, then villages.
        comm = comm.assign(_rural=comm["code"].str[9:] >= "200").sort_values(["parent_code", "_rural", "code"])
        comm = comm.groupby("parent_code").head(preset.max_communities_per_street).drop(columns="_rural")
        sub = pd.concat([sub[sub["code"].isin(keep)], comm])
    return sub.sort_values("code").reset_index(drop=True)


def _kind(code: str, level: str, name: str) -> str:
    if level == "city":
        return "市"
    if level == "district":
        return "县" if name.endswith("县") else "市" if name.endswith("市") else "区"
    if level == "street":
        return codes.street_kind(code)
    return codes.community_kind(code)


def _grid_counts(comm: pd.DataFrame, preset: Preset, rng: np.random.Generator) -> np.ndarray:
    urban = comm["urban"].to_numpy()
    mean = np.where(urban, preset.grids_urban, preset.grids_rural)
    counts = np.maximum(2, rng.poisson(mean))
    if preset.total_grids:
        scaled = counts * preset.total_grids / counts.sum()
        counts = np.floor(scaled).astype(int)
        short = preset.total_grids - counts.sum()
        counts[np.argsort(scaled - counts)[::-1][:short]] += 1
    return np.minimum(counts, 999)


def build_units(preset: Preset, seed: int) -> DemoUnits:
    """Units, grids and their boundaries, nested level by level inside the real outline."""
    rng = np.random.default_rng([seed, 1])
    div = _select(read_divisions(), preset)
    outlines = read_real_outlines()
    div["kind"] = [_kind(c, lv, n) for c, lv, n in zip(div["code"], div["level"], div["name"])]
    div["urban"] = div["kind"].isin(["街道", "居委会", "区", "市"])
    geometry: dict[str, BaseGeometry] = {}

    districts = div[div["level"] == "district"]
    root = preset.root_code
    if len(districts):
        for code in districts["code"]:
            geometry[code] = outlines[code].buffer(0)
        # The city is the union of its real district outlines, so districts tile it exactly.
        geometry[root] = shapely.union_all([geometry[c] for c in districts["code"]])
    else:
        geometry[root] = outlines[root].buffer(0)

    parents = list(districts["code"]) if len(districts) else [root]
    for parent in parents:
        kids = div[(div["level"] == "street") & (div["parent_code"] == parent)]
        for code, geom in zip(kids["code"], partition(geometry[parent], len(kids), _unit_rng(seed, parent), urban=list(kids["urban"]))):
            geometry[code] = geom
    comm_all = []
    for street in div.loc[div["level"] == "street", "code"]:
        kids = div[(div["level"] == "community") & (div["parent_code"] == street)]
        if len(kids) == 0:
            continue
        parts = partition(geometry[street], len(kids), _unit_rng(seed, street), urban=list(kids["urban"]))
        for code, geom in zip(kids["code"], parts):
            geometry[code] = geom
        comm_all.append(kids)
    comm = pd.concat(comm_all).reset_index(drop=True)

    grid_counts = _grid_counts(comm, preset, rng)
    grid_rows = []
    for (code, name, urban), n in zip(comm[["code", "name", "urban"]].itertuples(index=False), grid_counts):
        parts = partition(geometry[code], int(n), _unit_rng(seed, code))
        for k, geom in enumerate(parts, start=1):
            gcode = f"{code}{k:03d}"
            geometry[gcode] = geom
            grid_rows.append((gcode, code, f"{name}第{k}网格", "urban" if urban else "rural"))

    units = div[["code", "name", "level", "parent_code", "kind"]].copy()
    units["parent_code"] = units["parent_code"].where(units["code"] != root, None)
    units.loc[units["parent_code"] == "", "parent_code"] = None
    _add_area_and_centre(units, geometry)

    grids = pd.DataFrame(grid_rows, columns=["code", "community_code", "name", "kind"])
    _add_area_and_centre(grids, geometry)
    grids["worker_ref"] = [f"W{c[6:]}" for c in grids["code"]]
    grids["worker_stars"] = rng.choice([3, 4, 5], size=len(grids), p=[0.15, 0.45, 0.40])
    anchors = _anchor_points(grids["code"], geometry, rng)
    return DemoUnits(units=units.reset_index(drop=True), grids=grids, geometry=geometry, anchors=anchors)


def _add_area_and_centre(frame: pd.DataFrame, geometry: dict[str, BaseGeometry]) -> None:
    geoms = [geometry[c] for c in frame["code"]]
    pts = shapely.point_on_surface(np.array(geoms, dtype=object))
    frame["area_km2"] = [round(area_km2(g), 4) for g in geoms]
    frame["lon"] = np.round(shapely.get_x(pts), 6)
    frame["lat"] = np.round(shapely.get_y(pts), 6)


def _anchor_points(grid_codes: pd.Series, geometry: dict[str, BaseGeometry], rng: np.random.Generator) -> np.ndarray:
    """A few points inside each grid; facts are placed on them, so every fact lies in its grid."""
    out = np.empty((len(grid_codes), ANCHORS_PER_GRID, 2))
    for i, code in enumerate(grid_codes):
        geom = geometry[code]
        x0, y0, x1, y1 = geom.bounds
        got = np.empty((0, 2))
        for _ in range(20):
            cand = np.column_stack([rng.uniform(x0, x1, 64), rng.uniform(y0, y1, 64)])
            got = np.vstack([got, cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]])
            if len(got) >= ANCHORS_PER_GRID:
                break
        if len(got) == 0:
            p = geom.representative_point()
            got = np.array([[p.x, p.y]])
        out[i] = got[np.arange(ANCHORS_PER_GRID) % len(got)]
    return np.round(out, 6)


def build_population(units: DemoUnits, preset: Preset, seed: int, end: datetime) -> pd.DataFrame:
    """Monthly population aggregates per grid, summing to the preset's total."""
    rng = np.random.default_rng([seed, 2])
    grids = units.grids
    urban = (grids["kind"] == "urban").to_numpy()
    # Urban grids are denser; lognormal noise gives the long tail real grids have.
    weight = np.where(urban, 3.0, 1.0) * rng.lognormal(0, 0.35, len(grids))
    total = weight / weight.sum() * preset.population
    float_share = np.clip(np.where(urban, 0.28, 0.16) + rng.normal(0, 0.06, len(grids)), 0.03, 0.6)
    elder_share = np.clip(np.where(urban, 0.21, 0.29) + rng.normal(0, 0.03, len(grids)), 0.08, 0.45)
    alone_share = np.clip(rng.normal(0.13, 0.03, len(grids)), 0.03, 0.3)
    grids["population"] = total  # used by the fact generators as a weight

    months = pd.date_range(end=pd.Timestamp(end).normalize() + pd.offsets.MonthEnd(0), periods=max(1, preset.days // 30), freq="ME")
    frames = []
    for i, month in enumerate(months):
        age = (len(months) - 1 - i) / 12  # years before the end
        growth = (1 - 0.004 * 12 * age)
        spring_festival = 0.82 if month.month == 2 else 1.0  # migrant workers go home
        reg = np.round(total * (1 - float_share) * (1 - 0.002 * 12 * age)).astype(int)
        flo = np.round(total * float_share * growth * spring_festival).astype(int)
        eld = np.round(reg * elder_share * (1 - 0.01 * age)).astype(int)
        frames.append(
            pd.DataFrame(
                {
                    "grid_code": grids["code"],
                    "as_of": month.date(),
                    "registered": reg,
                    "floating": flo,
                    "households": np.round((reg + flo) / 2.6).astype(int),
                    "elderly_60p": eld,
                    "elderly_alone": np.round(eld * alone_share).astype(int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
