"""The participation map: children coloured by participants per 1,000, venues sized by their use."""

from __future__ import annotations

import html
import json
import math

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from cockpit.core.i18n import t
from cockpit.views.map import LINE_COLOUR, MAP_WIDTH, CompactDeck, compute_fill, compute_view

VENUE_COLOURS = {"redemption": [255, 183, 77], "activity": [79, 195, 247], "party_station": [229, 115, 115]}
RATE_PALETTE = "points_per_1000"  # the overview's green ramp


class _Deck(CompactDeck):
    """CompactDeck with Chinese kept as UTF-8: escaped, every venue name and tooltip would take 6 bytes a character."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def colour_children(fc: dict, rates: pd.Series, lang: str) -> tuple[dict, list]:
    """A copy of the features with fill and tooltip from participants per 1,000; and the legend rows."""
    codes = [f["properties"]["code"] for f in fc["features"]]
    values = rates.reindex(codes).fillna(0.0)
    fills, legend = compute_fill(values, RATE_PALETTE)
    label = t("part_per_1000", lang)
    features = [{**f, "properties": {**f["properties"], "fill": fill, "label": label, "value_text": f"{v:,.1f}"}}
                for f, fill, v in zip(fc["features"], fills, values)]
    return {**fc, "features": features}, legend


def venue_points(venues: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Venues for the map: colour by kind, radius growing with the square root of the period's uses.

    A city has thousands of venues, so each record stays short (the map message must stay under 1 MB).
    """
    cols = ["lon", "lat", "colour", "radius", "name", "label", "value_text"]
    if venues.empty:
        return pd.DataFrame(columns=cols)
    top = max(int(venues["uses"].max()), 1)
    return pd.DataFrame({
        "lon": venues["lon"], "lat": venues["lat"],
        "colour": [VENUE_COLOURS.get(k, [200, 200, 200]) for k in venues["kind"]],
        "radius": [round(3 + 9 * math.sqrt(u / top), 1) for u in venues["uses"]],
        "name": venues["name"].astype(str),
        "label": [t(f"venue_{k}", lang) for k in venues["kind"]],
        "value_text": [f"{t('part_venue_use', lang)} {int(u):,}" for u in venues["uses"]],
    })[cols]


def venue_records(venues: pd.DataFrame, lang: str) -> list[dict]:
    """`venue_points` as the map layer's records, positions to 4 decimals (about 10 m)."""
    return venue_points(venues, lang).round({"lon": 4, "lat": 4}).to_dict(orient="records")


def build_deck(features: dict, bounds: tuple[float, float, float, float], venues: list[dict],
               basemap_style: str | None = None, height_px: int = 430, width_px: int = MAP_WIDTH) -> pdk.Deck:
    """Offline by default, as the overview's map: no basemap and nothing fetched unless one is configured."""
    layers = [pdk.Layer("GeoJsonLayer", id="units", data=features, pickable=True, stroked=True, filled=True,
                        get_fill_color="properties.fill", get_line_color=LINE_COLOUR, line_width_min_pixels=1,
                        auto_highlight=True, highlight_color=[255, 255, 255, 90])]
    if venues:
        records = venues
        # Sizes in pixels, so use reads the same at every tier; a bare "pixels" would be sent as an
        # accessor expression by pydeck (and the layer drawn as one huge disc), hence types.String.
        layers.append(pdk.Layer("ScatterplotLayer", id="venues", data=records, pickable=True,
                                get_position=["lon", "lat"], get_fill_color="colour", get_radius="radius",
                                radius_units=pdk.types.String("pixels"), stroked=True, get_line_color=[20, 20, 20],
                                line_width_min_pixels=1))
    basemap = {"map_provider": "carto", "map_style": basemap_style} if basemap_style else {"map_provider": None}
    return _Deck(layers=layers, initial_view_state=compute_view(bounds, width_px, height_px), **basemap,
                       tooltip={"html": "<b>{name}</b><br/>{label}: {value_text}",
                                "style": {"backgroundColor": "#0b1d33", "color": "#e8f1ff", "fontSize": "14px"}})


def legend_html(legend: list, lang: str) -> str:
    rows = []
    for colour, lo, hi in legend:
        text = (f"{lo:,.1f}" if lo == hi else f"≤ {hi:,.1f}" if lo is None else f"> {lo:,.1f}" if hi is None
                else f"{lo:,.1f} – {hi:,.1f}")
        rows.append(f'<span class="lg"><i style="background:{colour}"></i>{html.escape(text)}</span>')
    for kind, rgb in VENUE_COLOURS.items():
        rows.append(f'<span class="lg"><b style="background:rgb({rgb[0]},{rgb[1]},{rgb[2]})"></b>'
                    f'{html.escape(t(f"venue_{kind}", lang))}</span>')
    # No classes: the shapes are an outline only (cockpit.ui.outline), the rate's name would label nothing.
    title = f'<span class="lgt">{html.escape(t("part_map_legend", lang))}</span>' if legend else ""
    note = html.escape(t("part_venues_legend", lang))
    return f'<div class="legend">{title}{"".join(rows)}<span class="lgt">{note}</span></div>'
