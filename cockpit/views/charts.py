"""Altair charts of the pages and their SVG images (vl-convert, the app's dark theme)."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import vl_convert

from cockpit.core.i18n import t


def nothing_chart(title: str, text: str, width: int, height: int = 60, **title_style: object) -> alt.Chart:
    """A chart's title over one line of text, where bare axes would read as "broken"."""
    return (alt.Chart(pd.DataFrame({"text": [text]}), title=alt.Title(title, anchor="start", **title_style))
            .mark_text(color="#9fb3c8", fontSize=12).encode(text="text:N")
            .properties(width=width, height=height))


def count_scale(top: float) -> alt.Scale:
    """From 0; an all-zero series would give Vega an empty domain and "NaN" ticks, so it is drawn 0..1."""
    return alt.Scale(domainMin=0, domainMax=alt.Undefined if top > 0 else 1)


def count_axis(top: float, ticks: int) -> alt.Axis:
    """An axis of whole counts: below `ticks` alerts, cases or points every whole number is a tick.

    Vega would put ticks at 0.5 for a grid's one case, and vl-convert's Vega ignores tickMinStep.
    """
    if pd.isna(top) or top <= ticks:  # an all-zero chart is drawn 0..1 (count_scale)
        return alt.Axis(format="d", values=list(range(max(1, int(0 if pd.isna(top) else top)) + 1)))
    return alt.Axis(format="~s", tickCount=ticks)


def trend_frame(daily: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """What a trend chart draws of `columns`: the days, or weeks (from Monday) once the period passes 120 days.

    The chart and its data table (cockpit.views.chart_text) read the same rows.
    """
    frame = daily[["day", *columns]].copy()
    if len(frame) > 120:
        frame = frame.set_index("day").resample("W-MON", label="left", closed="left").sum().reset_index()
    return frame


TREND_PALETTE = ["#4fc3f7", "#ffb74d", "#81c784", "#e57373"]


def build_trend_chart(daily: pd.DataFrame, columns: list[str], title: str, lang: str, height: int = 150,
                      band: pd.DataFrame | None = None) -> alt.Chart | alt.LayerChart:
    """A small multi-series line chart of daily values (weekly when the period is long).

    `band`: forecast rows (cockpit.views.forecast.band_frame) of these columns: the line continues into them
    as a shaded band (95% light, 80% darker) round a dashed mean. None or empty: the chart as before.
    """
    frame = trend_frame(daily, columns)
    long = frame.melt("day", var_name="series", value_name="value")
    band = band[band["series"].isin(columns)] if band is not None else None
    band = band if band is not None and not band.empty else None
    top = max(long["value"].max(), band["hi95"].max()) if band is not None else long["value"].max()
    long["series"] = long["series"].map(lambda c: t(c, lang))
    palette = TREND_PALETTE
    lines = (
        alt.Chart(long, title=alt.Title(title, anchor="start", fontSize=14) if band is None else alt.Undefined)
        .mark_line(point=len(frame) <= 31, strokeWidth=2)
        .encode(
            x=day_x(lang),
            y=alt.Y("value:Q", title=None, axis=count_axis(top, 3), scale=count_scale(top)),
            color=alt.Color("series:N", title=None, scale=alt.Scale(range=palette),
                            legend=alt.Legend(orient="right") if len(columns) > 1 else None),
            tooltip=[alt.Tooltip("day:T", title=t("day", lang), format="%Y-%m-%d"),
                     alt.Tooltip("series:N", title=t("series", lang)),
                     alt.Tooltip("value:Q", title=t("count", lang), format=",.0f")],
        )
        .properties(height=height)
    )
    if band is None:
        return lines
    # the band in its line's colour: the colour scale gives the palette to the series' names in sorted order
    labels = sorted(t(c, lang) for c in columns)
    colour = palette[labels.index(t(str(band["series"].iloc[0]), lang)) % len(palette)]
    return alt.layer(*band_layers(band, lang, top, colour), lines, title=alt.Title(title, anchor="start", fontSize=14)).properties(height=height)


def band_layers(band: pd.DataFrame, lang: str, top: float, colour: str, x: alt.X | None = None) -> list[alt.Chart]:
    """A forecast's 95% band (light), 80% band (darker) and dashed mean, in the first line's colour."""
    base = alt.Chart(band.assign(series=band["series"].map(lambda c: t("fc_series_forecast", lang, name=t(c, lang)))))
    x = x or day_x(lang)  # the same axes as the lines' (different ones would be drawn twice, or not at all)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=None, axis=count_axis(top, 3), scale=count_scale(top))

    tips = [alt.Tooltip("day:T", title=t("day", lang), format="%Y-%m-%d"),
            alt.Tooltip("series:N", title=t("series", lang)),
            alt.Tooltip("mean:Q", title=t("fc_forecast", lang), format=",.1f"),
            alt.Tooltip("lo80:Q", title=t("fc_lo80", lang), format=",.1f"), alt.Tooltip("hi80:Q", title=t("fc_hi80", lang), format=",.1f"),
            alt.Tooltip("lo95:Q", title=t("fc_lo95", lang), format=",.1f"), alt.Tooltip("hi95:Q", title=t("fc_hi95", lang), format=",.1f")]
    return [
        base.mark_area(color=colour, opacity=0.18).encode(x=x, y=y("lo95"), y2="hi95:Q", detail="series:N", tooltip=tips),
        base.mark_area(color=colour, opacity=0.32).encode(x=x, y=y("lo80"), y2="hi80:Q", detail="series:N", tooltip=tips),
        base.mark_line(color=colour, strokeDash=[5, 3], strokeWidth=1.6).encode(x=x, y=y("mean"), detail="series:N", tooltip=tips),
    ]


def day_x(lang: str) -> alt.X:
    return alt.X("day:T", title=None, axis=alt.Axis(format="%m月%d日" if lang == "zh" else "%d %b", labelAngle=0, tickCount=6))

def build_tier_chart(tiers: pd.DataFrame, lang: str, height: int = 150) -> alt.Chart:
    order = ["grid", "community", "street", "district", "city"]
    frame = tiers[tiers["tier"].notna()].copy()
    frame["label"] = frame["tier"].map(lambda x: t(f"tier_{x}", lang))
    frame["rank"] = frame["tier"].map(order.index)
    total = frame["cases"].sum() or 1
    frame["share"] = frame["cases"] / total
    return (
        alt.Chart(frame, title=alt.Title(t("tiers_title", lang), anchor="start", fontSize=14))
        .mark_bar(color="#4fc3f7")
        .encode(
            y=alt.Y("label:N", sort=alt.SortField("rank"), title=None, axis=alt.Axis(labelOverlap=False)),
            x=alt.X("share:Q", title=None, axis=alt.Axis(format="%")),
            tooltip=[alt.Tooltip("label:N", title=t("tiers_title", lang)), alt.Tooltip("cases:Q", format=",.0f"),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(height=height)
    )

# Colours for charts drawn to images: the app's dark theme, since Streamlit's theme applies
# only to charts the browser renders itself.
IMAGE_THEME = {
    "background": None,
    "view": {"stroke": None},
    "axis": {"labelColor": "#cfe3f7", "titleColor": "#cfe3f7", "gridColor": "#1c3a57", "domainColor": "#35597a",
             "tickColor": "#35597a", "labelFontSize": 11},
    "legend": {"labelColor": "#cfe3f7", "titleColor": "#cfe3f7", "labelFontSize": 12},
    "title": {"color": "#e8f1ff", "fontSize": 14},
    "font": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif",
}

def build_trend_panel(daily: pd.DataFrame, tiers: pd.DataFrame, lang: str, width: int = 560,
                      no_data: tuple[str, ...] = (), band: pd.DataFrame | None = None) -> alt.VConcatChart:
    """The overview's four small charts stacked in one spec, so one render makes one image.

    A theme in `no_data` (no fact under the unit, #28) gets 暂无数据 under its title, not a flat 0 line.
    `band`: the forecast rows of cases received and alerts raised (cockpit.views.forecast.band_frame, #24).
    """
    legend_room = 70  # the two-series chart keeps its legend on the right

    def trend(theme: str, columns: list[str], title: str, height: int, w: int) -> alt.Chart:
        if theme in no_data:
            return nothing_chart(t(title, lang), t("no_data", lang), width, height, fontSize=14)
        return build_trend_chart(daily, columns, t(title, lang), lang, band=band).properties(width=w, height=height)

    charts = [
        trend("cases", ["cases_received", "cases_closed"], "trend_cases", 110, width - legend_room),
        trend("alerts", ["alerts_raised"], "trend_alerts", 62, width),
        trend("points", ["points_earned"], "trend_points", 62, width),
        nothing_chart(t("tiers_title", lang), t("no_data", lang), width, 100, fontSize=14) if "cases" in no_data
        else build_tier_chart(tiers, lang).properties(width=width, height=100),
    ]
    return alt.vconcat(*charts, spacing=16).resolve_scale(color="independent").resolve_legend(color="independent")

def spec_json(chart: alt.TopLevelMixin) -> str:
    """The chart's Vega-Lite JSON without a schema check: the check costs more than the drawing
    (about a second on a cold cases page), and the tests draw every chart the pages make."""
    return chart.to_json(validate=False)

def json_to_svg(spec_text: str) -> str:
    """An SVG of a Vega-Lite JSON spec in the app's dark theme (no Altair round trip), for the screen.

    The screen shows it as an <img>, whose inside assistive technology never enters: the ARIA
    attributes Vega writes on every mark (a quarter of the bytes a phone waits for) are left out;
    the image's own alt text speaks for it. Exported SVG files keep them (cockpit.views.images).
    """
    spec = json.loads(spec_text)
    spec.setdefault("config", {}).update(IMAGE_THEME)
    spec["config"]["aria"] = False
    return vl_convert.vegalite_to_svg(spec)

