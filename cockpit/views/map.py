"""The map: pydeck specs for the unit's children, their colours and legend, alert and venue points."""

from __future__ import annotations

import html
import json
import math

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from cockpit.core.i18n import fmt_number, t
from cockpit.domain.metrics import compute_classes

PALETTES = {
    "population": ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    "density": ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    "open_cases": ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    "overdue_cases": ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
    "active_alerts": ["#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603"],
    "points_per_1000": ["#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"],
}


WHOLE_METRICS = {"population", "open_cases", "overdue_cases", "active_alerts"}


SEVERITY_COLOURS = {1: [230, 30, 30], 2: [255, 140, 0], 3: [255, 215, 0], 4: [30, 144, 255]}


VENUE_COLOUR = [180, 120, 255]


LINE_COLOUR = [230, 240, 255]


MAP_HEIGHT = 560


MAP_WIDTH = 900  # px the view is fitted into on a desk; a phone or tablet passes its own (cockpit.ui.device)


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation.

    Streamlit sends `Deck.to_json()` to the browser as is, and pydeck indents it (two spaces
    per level), which makes every map message about twice as large as it needs to be.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def _rgb(hex_colour: str) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i : i + 2], 16) for i in (0, 2, 4)]


def compute_fill(values: pd.Series, metric: str) -> tuple[list[list[int]], list[tuple[str, float | None, float | None]]]:
    """A colour per value and the legend rows (colour, lo, hi) of the classes used.

    For counts (WHOLE_METRICS) lo and hi are the first and last whole number in the class and the top
    class is open (hi None: "4+"), so classes read 0, 1, 2-3, 4+. For other metrics lo is the class's
    exclusive lower break and hi its inclusive upper one, None where the class is open. When every
    value is the same there is one row, (colour, value, value).
    """
    palette = PALETTES[metric]
    whole = metric in WHOLE_METRICS
    v = values.fillna(0)
    if v.empty:
        return [], []
    # compute_classes answers [value] when all values are equal; a break at the maximum only adds an empty class.
    breaks = [b for b in compute_classes(v, n=len(palette), whole=whole) if b < v.max()]
    n = len(breaks) + 1
    # Spread fewer classes over the whole ramp so the extremes stay distinct.
    colours = [palette[round(i * (len(palette) - 1) / max(n - 1, 1))] for i in range(n)]
    idx = v.apply(lambda x: sum(x > b for b in breaks))
    fills = [_rgb(colours[int(i)]) + [200] for i in idx]
    if n == 1:
        return fills, [(colours[0], float(v.iloc[0]), float(v.iloc[0]))]
    if whole:
        lows: list[float | None] = [float(math.floor(v.min())), *[b + 1 for b in breaks]]
        highs: list[float | None] = [*breaks, None]
    else:
        lows, highs = [None, *breaks], [*breaks, None]
    return fills, [(colours[i], lows[i], highs[i]) for i in range(n)]


def compute_view(bounds: tuple[float, float, float, float], width_px: int = MAP_WIDTH, height_px: int = MAP_HEIGHT) -> pdk.ViewState:
    """Centre and zoom that fit the bounds into a map of the given size (web Mercator)."""
    x0, y0, x1, y1 = bounds
    dx = max(x1 - x0, 1e-4) * 1.15
    lat = (y0 + y1) / 2
    dy = max(y1 - y0, 1e-4) * 1.15 / math.cos(math.radians(lat))
    zoom = min(math.log2(width_px * 360 / (512 * dx)), math.log2(height_px * 360 / (512 * dy)))
    return pdk.ViewState(longitude=(x0 + x1) / 2, latitude=lat, zoom=round(max(zoom, 3), 2), pitch=0, bearing=0)


def build_deck(
    features: dict,
    bounds: tuple[float, float, float, float],
    lang: str,
    extrude: bool = False,
    alerts: pd.DataFrame | None = None,
    venues: pd.DataFrame | None = None,
    basemap_style: str | None = None,
    width_px: int = MAP_WIDTH,
    height_px: int = MAP_HEIGHT,
) -> pdk.Deck:
    """The unit's children as coloured shapes; features' properties must carry code, name, fill and `value`.

    No basemap by default: `map_provider=None` with pydeck's default map_style sentinel tells
    Streamlit to draw no basemap and fetch nothing (passing map_style=None instead makes Streamlit
    fetch a Carto style from the internet). `basemap_style` is the URL of a MapLibre style JSON on
    the intranet (see docs/basemap.md); Streamlit's map loads it and its tiles under the shapes.
    The view fits the bounds into `width_px` × `height_px` (smaller on a phone, docs/mobile.md).
    """
    max_value = max([f["properties"].get("value", 0) or 0 for f in features["features"]] + [1e-9])
    # The tallest prism is a fifth of the view's width, whatever the tier: legible but not a skyline.
    x0, y0, x1, y1 = bounds
    top = max(x1 - x0, y1 - y0) * 111_000 * 0.2
    for f in features["features"]:
        f["properties"]["elevation"] = (f["properties"].get("value", 0) or 0) / max_value * top
    # Extruded prisms would hide ground-level points, so points float just above the tallest one.
    z = top * 1.05 if extrude else 0
    layers = []
    layers.append(
        pdk.Layer(
            "GeoJsonLayer",
            id="units",
            data=features,
            pickable=True,
            stroked=True,
            filled=True,
            extruded=extrude,
            wireframe=extrude,
            auto_highlight=True,
            highlight_color=[255, 255, 255, 90],
            get_fill_color="properties.fill",
            get_line_color=LINE_COLOUR,
            line_width_min_pixels=1,
            get_elevation="properties.elevation",
        )
    )
    if alerts is not None and len(alerts):
        layers.append(
            pdk.Layer("ScatterplotLayer", id="alerts", data=_records(alerts, z), pickable=True,
                      get_position=["lon", "lat", "z"] if z else ["lon", "lat"],
                      get_fill_color="colour", get_line_color=[20, 20, 20], stroked=True, line_width_min_pixels=1,
                      radius_min_pixels=4, radius_max_pixels=10, get_radius=60)
        )
    if venues is not None and len(venues):
        layers.append(
            pdk.Layer("ScatterplotLayer", id="venues", data=_records(venues, z), pickable=True,
                      get_position=["lon", "lat", "z"] if z else ["lon", "lat"],
                      get_fill_color=VENUE_COLOUR, radius_min_pixels=3, radius_max_pixels=6, get_radius=40)
        )
    view = compute_view(bounds, width_px, height_px)
    if extrude:
        view.pitch = 45
    basemap = {"map_provider": "carto", "map_style": basemap_style} if basemap_style else {"map_provider": None}
    return CompactDeck(
        layers=layers,
        initial_view_state=view,
        **basemap,
        tooltip={"html": "<b>{name}</b><br/>{label}" + ("：" if lang == "zh" else ": ") + "{value_text}",
                 "style": {"backgroundColor": "#0b1d33", "color": "#e8f1ff", "fontSize": "14px"}},
    )


def build_pan_switch_html(label: str) -> str:
    """The "move the map" switch of touch screens: checked, the maps take one-finger pans again (mobile.css)."""
    return f'<label class="ck-pan"><input type="checkbox" aria-label="{html.escape(label)}"/>{html.escape(label)}</label>'


def _records(frame: pd.DataFrame, z: float = 0) -> list[dict]:
    out = frame.assign(z=round(z)) if z else frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(5)
    return out.to_dict(orient="records")


def alert_points(alerts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Alert rows ready for the map: colour by severity and a tooltip in the page's language."""
    if alerts.empty:
        return pd.DataFrame(columns=["lon", "lat", "colour", "name", "label", "value_text"])
    return pd.DataFrame(
        {
            "lon": alerts["lon"],
            "lat": alerts["lat"],
            "colour": [SEVERITY_COLOURS.get(int(s), [200, 200, 200]) + [235] for s in alerts["severity"]],
            "name": [t(f"alert_{x}", lang) for x in alerts["type"]],
            "label": [t(f"severity_{int(s)}", lang) for s in alerts["severity"]],
            "value_text": [pd.Timestamp(v).strftime("%m-%d %H:%M") for v in alerts["raised_at"]],
        }
    )


def venue_points(venues: pd.DataFrame, lang: str) -> pd.DataFrame:
    if venues.empty:
        return pd.DataFrame(columns=["lon", "lat", "name", "label", "value_text"])
    return pd.DataFrame(
        {
            "lon": venues["lon"],
            "lat": venues["lat"],
            "name": venues["name"],
            "label": t("venues_layer", lang),
            "value_text": [t(f"venue_{k}", lang) for k in venues["kind"]],
        }
    )


def format_metric(value: float, metric: str, lang: str) -> str:
    if metric == "density":
        return fmt_number(round(value), lang)
    if metric == "points_per_1000":
        return f"{value:,.0f}"
    return fmt_number(value, lang)


def _class_text(metric: str, lo: float | None, hi: float | None, lang: str) -> str:
    """One legend class, as compute_fill describes it (counts as whole-number ranges)."""
    def num(x: float) -> str:
        return format_metric(x, metric, lang)

    if metric in WHOLE_METRICS and lo is not None:
        if hi is None:
            return f"{num(lo)}+"
        return num(lo) if lo == hi else f"{num(lo)}–{num(hi)}"
    if lo is None and hi is None:
        return t("legend_all", lang)
    if lo is None:
        return f"≤ {num(hi)}"
    if hi is None:
        return f"> {num(lo)}"
    return f"{num(lo)} – {num(hi)}"


def build_legend_html(metric: str, legend: list[tuple[str, float | None, float | None]], lang: str, alerts_on: bool,
                      venues_on: bool, no_data: bool = False) -> str:
    """The map's legend; `no_data`: the metric's theme has no fact under the unit (#28), so its one
    class reads 暂无数据, not "all 0"."""
    rows = []
    for colour, lo, hi in legend:
        if len(legend) == 1 and no_data:
            text = t("no_data", lang)
        elif len(legend) == 1 and lo is not None and lo == hi:
            text = t("legend_all_same", lang, value=format_metric(lo, metric, lang))  # every unit has this value
        else:
            text = _class_text(metric, lo, hi, lang)
        rows.append(f'<span class="lg"><i style="background:{colour}"></i>{html.escape(text)}</span>')
    if alerts_on:
        for s, rgb in SEVERITY_COLOURS.items():
            rows.append(f'<span class="lg"><b style="background:rgb({rgb[0]},{rgb[1]},{rgb[2]})"></b>{t(f"severity_{s}", lang)}</span>')
    if venues_on:
        rgb = VENUE_COLOUR
        rows.append(f'<span class="lg"><b style="background:rgb({rgb[0]},{rgb[1]},{rgb[2]})"></b>{t("venues_layer", lang)}</span>')
    # No classes: the shapes are an outline only (cockpit.ui.outline), so the metric's name would label nothing.
    title = f'<span class="lgt">{html.escape(t(f"m_{metric}", lang))}</span>' if legend else ""
    return f'<div class="legend">{title}{"".join(rows)}</div>'


def colour_features(fc: dict, figures: pd.DataFrame, metric: str, lang: str) -> tuple[dict, list]:
    """The features coloured by `metric` from the per-code figures, with their tooltip text; and the legend.

    `fc` is left as it is (it may be a cached object); the copy's properties gain fill, value,
    label and value_text.
    """
    codes = [f["properties"]["code"] for f in fc["features"]]
    values = figures[metric].reindex(codes).fillna(0.0) if metric in figures else pd.Series(0.0, index=codes)
    fills, legend = compute_fill(values, metric)
    label = t(f"m_{metric}", lang)
    features = []
    for f, fill, v in zip(fc["features"], fills, values):
        props = {**f["properties"], "fill": fill, "value": float(v), "label": label,
                 "value_text": format_metric(float(v), metric, lang)}
        features.append({**f, "properties": props})
    return {**fc, "features": features}, legend


def picked_code(event: object) -> str | None:
    """The code of the unit a map click selected, from Streamlit's pydeck selection event."""
    try:
        objects = event.selection["objects"].get("units") or []  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return None
    if not objects:
        return None
    obj = objects[0]
    props = obj.get("properties", obj) if isinstance(obj, dict) else {}
    code = props.get("code") if isinstance(props, dict) else None
    return code if isinstance(code, str) else None
