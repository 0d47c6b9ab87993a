"""The map where the shapes it would colour are missing: the outline drawn instead, the notice, the children ranked."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd
import pydeck as pdk

from cockpit.core.i18n import t
from cockpit.domain.outline import Fallback
from cockpit.views.charts import nothing_chart

OUTLINE_FILL = [79, 195, 247, 38]  # a faint wash: the outline frames the points, it is not a value
RANK_ROWS = 20  # bars shown; a district's 30 streets or a city's 200 communities are cut to the top
RANK_ROW_PX = 22
RANK_COLOUR = "#4fc3f7"


def tier(level: str, lang: str, plural: bool = False) -> str:
    """A tier as a notice names it: 街道 / street (streets)."""
    return t(f"geo_tiers_{level}" if plural else f"geo_tier_{level}", lang)


def fallback_notice(fb: Fallback, lang: str, outline_name: str | None = None, file: str | None = None) -> str:
    """What is missing, in the viewer's words, then what the map shows instead; never a server path.

    "本街道下的社区尚无边界，可导入社区边界 GeoJSON。地图显示所属市“诸暨市”的轮廓与本街道的点位。"
    `file` (broken files only) is the name inside the boundary folder, e.g. units.geojson.
    """
    unit, missing = tier(fb.unit_level, lang), tier(fb.missing, lang)
    words = {"unit": unit, "tier": missing, "tiers": tier(fb.missing, lang, plural=True), "file": file or ""}
    key = ("geo_self_" if fb.about_self else "geo_children_") + ("broken" if fb.broken else "none")
    first = t(key, lang, **words)
    if fb.outline is None:
        second = t("geo_drawn_none", lang)
    elif fb.own:
        second = t("geo_drawn_own", lang, unit=unit)
    else:
        second = t("geo_drawn_up", lang, unit=unit, tier=tier(fb.outline_level or "city", lang),
                   name=outline_name or fb.outline)
    return first + ("" if lang == "zh" else " ") + second


def notice_html(fb: Fallback, lang: str, outline_name: str | None = None, file: str | None = None) -> str:
    """The notice as a line of HTML (the big screen's map box, where Streamlit's alert boxes do not fit)."""
    return f'<div class="ck-geo-note" role="status">{html.escape(fallback_notice(fb, lang, outline_name, file))}</div>'


def outline_features(fc: dict, lang: str, level: str) -> dict:
    """A copy of the outline's features with what every deck builder reads (fill, value, tooltip texts).

    Value 0 keeps an extruded (2.5D) map flat: the outline has no figure of the metric.
    """
    label = t("geo_outline", lang)
    features = [{**f, "properties": {**f["properties"], "fill": OUTLINE_FILL, "value": 0.0, "label": label,
                                     "value_text": tier(level, lang)}} for f in fc["features"]]
    return {**fc, "features": features}


def as_outline(deck: pdk.Deck) -> pdk.Deck:
    """The deck with its shapes layer made a frame: not pickable, so a click never drills into (or up to) it.

    The layer is renamed too, so that a selection event can never be read as a child's (map.picked_code).
    """
    for layer in deck.layers:
        if layer.id == "units":
            layer.id = "outline"
            layer.pickable = False
            layer.auto_highlight = False
    return deck


def rank_frame(values: pd.Series, names: dict[str, str], labels: dict[str, str], texts: list[str]) -> pd.DataFrame:
    """The children's values (by code) with their names, chart labels and shown texts, highest first."""
    frame = pd.DataFrame({"code": list(values.index), "value": values.astype(float).to_numpy(), "text": texts})
    frame["name"] = [names.get(c, c) for c in frame["code"]]
    frame["label"] = [labels.get(c, c) for c in frame["code"]]
    return frame.sort_values(["value", "code"], ascending=[False, True], kind="stable").reset_index(drop=True)


def rank_title(missing: str, metric_label: str, lang: str) -> str:
    """下级社区排名 · 在办事件 / Communities ranked · Open cases (also the image's alt text)."""
    tiers = tier(missing, lang, plural=True)
    return t("geo_rank_title", lang, tier=tier(missing, lang), tiers=tiers[:1].upper() + tiers[1:], metric=metric_label)


def build_rank_chart(frame: pd.DataFrame, missing: str, metric_label: str, lang: str, width: int) -> alt.Chart:
    """The children as bars, highest first, each with its value written beside it (the image has no tooltips)."""
    title = rank_title(missing, metric_label, lang)
    if frame.empty:
        return nothing_chart(title, t("geo_rank_none", lang), width)
    shown = frame.head(RANK_ROWS)
    if len(frame) > len(shown):
        title += t("geo_rank_more", lang, shown=len(shown), total=len(frame))
    base = alt.Chart(shown).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=130)),
    )
    top = float(shown["value"].max())
    # Room on the right for the longest value's text; an all-zero ranking is drawn on 0..1.
    x = alt.X("value:Q", title=None, axis=None, scale=alt.Scale(domainMin=0, domainMax=top * 1.18 if top > 0 else 1))
    bars = base.mark_bar(color=RANK_COLOUR).encode(x=x)
    text = base.mark_text(align="left", dx=4, color="#cfe3f7", fontSize=11).encode(x=x, text="text:N")
    return alt.layer(bars, text, title=alt.Title(title, anchor="start", fontSize=14)).properties(
        width=width - 140, height=RANK_ROW_PX * len(shown))
