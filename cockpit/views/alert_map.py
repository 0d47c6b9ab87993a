"""The alerts page's map: the overview's deck (children coloured by active alerts, alerts by severity) plus a
ring on every grid whose alerts are significantly above its own baseline."""

from __future__ import annotations

import html

import pandas as pd
import pydeck as pdk

from cockpit.core.i18n import t
from cockpit.views import map as mapview

MAP_HEIGHT = 470  # px: leaves the KPI row and the lists on a 1080-pixel screen
HOT_COLOUR = [255, 64, 129]


def hotspot_points(hot: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Flagged grids at their label points, with the factor in the tooltip; grids without a position are left out."""
    placed = hot.dropna(subset=["lon", "lat"])
    if placed.empty:
        return pd.DataFrame(columns=["lon", "lat", "name", "label", "value_text"])
    return pd.DataFrame({
        "lon": placed["lon"].astype(float), "lat": placed["lat"].astype(float), "name": placed["name"],
        "label": t("al_map_hot", lang),
        "value_text": [t("al_factor_text", lang, observed=int(o), expected=f"{e:.1f}", factor=f"{f:.1f}")
                       for o, e, f in zip(placed["observed"], placed["expected"], placed["factor"])],
    })


def build_alert_deck(features: dict, bounds: tuple[float, float, float, float], lang: str, alerts: pd.DataFrame,
                     hot: pd.DataFrame, basemap_style: str | None = None, width_px: int = mapview.MAP_WIDTH,
                     height_px: int = MAP_HEIGHT) -> pdk.Deck:
    """Children coloured by active alerts, alert points by severity, hotspot rings on top.

    The view fits `width_px` × `height_px` (a phone passes its own, cockpit.ui.device).
    """
    deck = mapview.build_deck(features, bounds, lang, False, alerts, None, basemap_style, width_px, height_px)
    if len(hot):
        deck.layers.append(pdk.Layer(
            "ScatterplotLayer", id="hotspots", data=_records(hot), pickable=True,
            get_position=["lon", "lat"], filled=False, stroked=True, get_line_color=HOT_COLOUR,
            line_width_min_pixels=3, radius_min_pixels=9, radius_max_pixels=22, get_radius=150))
    return deck


def build_alert_legend(legend: list, lang: str, hot_on: bool) -> str:
    """The overview's legend (classes of active alerts, severities) and the hotspot ring."""
    out = mapview.build_legend_html("active_alerts", legend, lang, True, False)
    if not hot_on:
        return out
    rgb = HOT_COLOUR
    ring = (f'<span class="lg"><b style="background:transparent;border:2px solid rgb({rgb[0]},{rgb[1]},{rgb[2]})">'
            f'</b>{html.escape(t("al_map_hot", lang))}</span>')
    return out.removesuffix("</div>") + ring + "</div>"


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.round({"lon": 5, "lat": 5}).to_dict(orient="records")
