"""Intranet basemaps: a MapLibre style for an XYZ tile template."""

from __future__ import annotations


def build_basemap_style(tiles_url: str, attribution: str = "") -> dict:
    """A MapLibre style drawing one XYZ raster tile source, e.g. an intranet 天地图 mirror."""
    return {
        "version": 8,
        "sources": {"intranet": {"type": "raster", "tiles": [tiles_url], "tileSize": 256, "attribution": attribution}},
        "layers": [{"id": "intranet", "type": "raster", "source": "intranet"}],
    }
