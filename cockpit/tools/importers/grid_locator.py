"""Which grid contains a point: the grid boundaries of a geo folder in a spatial index."""

from __future__ import annotations

from pathlib import Path

import shapely
from shapely import STRtree

from cockpit.store.boundaries import BoundaryError, read_features


class GridLocator:
    """Grid codes and polygons from ``geo_dir/grids/*.geojson``; ``locate`` answers point-in-polygon queries."""

    def __init__(self, geo_dir: Path | None) -> None:
        codes, geoms = [], []
        folder = geo_dir / "grids" if geo_dir is not None else None
        for path in sorted(folder.glob("*.geojson")) if folder is not None and folder.is_dir() else []:
            try:
                features = read_features(path)
            except BoundaryError:
                continue  # check reports broken files; a point there simply finds no grid
            for code, feature in features.items():
                codes.append(code)
                geoms.append(feature["geometry"])
        self.codes = codes
        self._tree = STRtree(geoms) if geoms else None
        self._geoms = geoms

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lon: float, lat: float) -> str | None:
        """The code of the grid containing (lon, lat) (the lowest code on a shared edge), or None."""
        if self._tree is None:
            return None
        point = shapely.Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        return min((self.codes[i] for i in hits), default=None)
