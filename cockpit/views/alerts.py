"""The alerts page's specs: the chart panel (Altair, drawn to SVG by the caller), the KPI cards and the list frames."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd

from cockpit.core.i18n import TEXT, fmt_change, fmt_number, fmt_percent, shown_change, t
from cockpit.core.model import SEVERITIES
from cockpit.views.charts import band_layers, count_axis, count_scale, nothing_chart
from cockpit.views.map import SEVERITY_COLOURS
from cockpit.views.tables import Table, figures_table

SEVERITY_HEX = {s: "#{:02x}{:02x}{:02x}".format(*SEVERITY_COLOURS[s]) for s in SEVERITIES}


def build_active_chart(counts: pd.DataFrame, lang: str, width: int, step: int = 22) -> alt.Chart:
    """Active alerts per type, stacked by severity (red at the bottom).

    A bar is `step` px whatever the number of types (one type in a grid is a bar, not a block), and
    the axis counts whole alerts (a grid's single alert has no ticks at 0.2).
    """
    if counts.empty:
        return nothing_chart(t("al_chart_active", lang), t("al_none_active", lang), width, fontSize=14)
    frame = counts.assign(type_label=[t(f"alert_{x}", lang) for x in counts["type"]],
                          severity_label=[t(f"severity_{int(s)}", lang) for s in counts["severity"]])
    labels = [t(f"severity_{s}", lang) for s in SEVERITIES]
    longest = frame.groupby("type")["alerts"].sum().max()
    return (
        alt.Chart(frame, title=alt.Title(t("al_chart_active", lang), anchor="start", fontSize=14))
        .mark_bar()
        .encode(
            y=alt.Y("type_label:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False)),
            x=alt.X("sum(alerts):Q", title=None, axis=count_axis(longest, 4)),
            color=alt.Color("severity_label:N", title=None, sort=labels,
                            scale=alt.Scale(domain=labels, range=[SEVERITY_HEX[s] for s in SEVERITIES]),
                            legend=alt.Legend(orient="bottom", direction="horizontal")),
            order=alt.Order("severity:Q"),
            tooltip=[alt.Tooltip("type_label:N", title=t("al_type", lang)),
                     alt.Tooltip("severity_label:N", title=t("al_severity", lang)),
                     alt.Tooltip("alerts:Q", title=t("count", lang), format=",.0f")],
        )
        .properties(width=width, height=alt.Step(step))
    )


def year_trend_frame(trend: pd.DataFrame) -> pd.DataFrame:
    """The (series, day, alerts) rows the trend draws: by week from Monday once the period passes 120 days
    (the chart and its data table, cockpit.views.chart_text, read the same rows)."""
    frame = trend.copy()
    if frame["day"].nunique() > 120:
        frame["day"] = frame["day"] - pd.to_timedelta(frame["day"].dt.dayofweek, unit="D")
        frame = frame.groupby(["series", "day"], as_index=False)["alerts"].sum()
    return frame


def build_year_trend(trend: pd.DataFrame, lang: str, width: int, height: int = 130,
                     band: pd.DataFrame | None = None) -> alt.Chart | alt.LayerChart:
    """This period's alerts per day (weekly past 120 days) against the same days last year; where `band` has
    the forecast of alerts raised (#24, no filter), this period's line continues into it."""
    frame = year_trend_frame(trend)
    names = {"now": t("al_now", lang), "last_year": t("al_before", lang)}
    frame["series_label"] = frame["series"].map(names)
    date_format = "%m月%d日" if lang == "zh" else "%d %b"
    band = band if band is not None and not band.empty else None
    top = frame["alerts"].max() if len(frame) else 0
    if band is not None:
        top = max(top, band["hi95"].max())
    x = alt.X("day:T", title=None, axis=alt.Axis(format=date_format, labelAngle=0, tickCount=5))
    title = alt.Title(t("al_chart_trend", lang), anchor="start", fontSize=14)
    lines = (
        alt.Chart(frame, title=title if band is None else alt.Undefined)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("alerts:Q", title=None, axis=count_axis(top, 3), scale=count_scale(top)),
            color=alt.Color("series_label:N", title=None, sort=list(names.values()),
                            scale=alt.Scale(domain=list(names.values()), range=["#4fc3f7", "#8a9bb0"]),
                            legend=alt.Legend(orient="bottom", direction="horizontal")),
            strokeDash=alt.StrokeDash("series_label:N", legend=None, sort=list(names.values()),
                                      scale=alt.Scale(domain=list(names.values()), range=[[1, 0], [4, 3]])),
        )
        .properties(width=width, height=height)
    )
    if band is None:
        return lines
    return alt.layer(*band_layers(band, lang, top, "#4fc3f7", x), lines, title=title).properties(width=width, height=height)


def build_alert_panel(counts: pd.DataFrame, trend: pd.DataFrame, lang: str, width: int = 560,
                      band: pd.DataFrame | None = None) -> alt.VConcatChart:
    """Both charts in one spec: one render, one image."""
    return (alt.vconcat(build_active_chart(counts, lang, width), build_year_trend(trend, lang, width, band=band), spacing=18)
            .resolve_scale(color="independent", strokeDash="independent").resolve_legend(color="independent"))


def _card(label: str, value: str, note: str = "", cls: str = "") -> str:
    sub = f'<div class="kc"><span class="chg flat">{html.escape(note)}</span></div>' if note else ""
    return (f'<div class="kpi {cls}"><div class="kl">{html.escape(label)}</div>'
            f'<div class="kv">{html.escape(value)}</div>{sub}</div>')


def build_alert_cards(figures: dict, lang: str) -> str:
    """The page's KPI row: active, raised (同比), acknowledged in time, to cases, zero-incident units, hotspots."""
    f = figures
    if f["last_year"] is None:
        yoy = t("al_not_covered", lang)
    else:
        yoy = f"{t('al_yoy', lang)} {fmt_change(f['change'], lang)} · {t('al_last_year', lang, n=fmt_number(f['last_year'], lang))}"
    zero_key = "al_zero" if f["zero_level"] == "community" else "al_zero_grids"
    cards = [
        _card(t("al_active", lang), fmt_number(f["active"], lang)),
        _card(t("al_raised", lang), fmt_number(f["raised"], lang), yoy),
        _card(t("al_ack_in_time", lang), fmt_percent(f["in_time"])),
        _card(t("al_to_case", lang), fmt_number(f["to_case"], lang),
              t("al_case_closed", lang, n=fmt_number(f["case_closed"], lang))),
        _card(t(zero_key, lang), fmt_number(f["zero"], lang), t("al_zero_of", lang, n=fmt_number(f["zero_total"], lang))),
        _card(t("al_hot", lang), fmt_number(f["hot"], lang), t("al_hot_note", lang, alpha=f["alpha"])),
    ]
    # One card across the page, six figures in a row (the shared .cards grid is the overview's four cards).
    return (f'<div class="cards ck-alert-cards" style="grid-template-columns:1fr"><div class="card theme-alerts">'
            f'<div class="kgrid" style="grid-template-columns:repeat(6,1fr)">{"".join(cards)}</div></div></div>')


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None or pd.isna(minutes) else round(minutes / 60, 1)


def response_frame(table: pd.DataFrame, lang: str, title: str) -> Table:
    """domain.alerts.response_table with labels: acknowledgement in minutes, resolution in hours."""
    in_time = t("al_col_ack_in_time", lang)
    out = pd.DataFrame({
        t("al_severity", lang): [t(f"severity_{int(s)}", lang) for s in table["severity"]],
        t("al_raised", lang): table["raised"].astype("int64").to_numpy(),
        t("al_col_ack_median", lang): pd.to_numeric(table["ack_median"], errors="coerce").to_numpy(),
        t("al_col_ack_p90", lang): pd.to_numeric(table["ack_p90"], errors="coerce").to_numpy(),
        in_time: pd.to_numeric(table["ack_in_time"], errors="coerce").astype("float64").to_numpy(),
        t("al_col_resolve_median", lang): [_hours(v) for v in table["resolve_median"]],
        t("al_col_resolve_p90", lang): [_hours(v) for v in table["resolve_p90"]],
        t("al_col_to_case", lang): table["to_case"].astype("int64").to_numpy(),
    })
    return Table("response", title, out, percent=(in_time,))


def active_frame(alerts: pd.DataFrame, lang: str, title: str, note: str = "") -> Table:
    out = pd.DataFrame({
        t("al_severity", lang): [t(f"severity_{int(s)}", lang) for s in alerts["severity"]],
        t("al_type", lang): [t(f"alert_{x}", lang) for x in alerts["type"]],
        t("al_col_status", lang): [t(f"al_status_{x}", lang) for x in alerts["status"]],
        t("al_col_raised_at", lang): pd.to_datetime(alerts["raised_at"]).dt.floor("min").to_numpy(),
        t("code", lang): alerts["grid_code"].astype(str).to_numpy(),
    })
    return Table("active", title, out, note=note)


def grids_frame(grids: pd.DataFrame, lang: str, title: str, note: str = "") -> Table:
    out = pd.DataFrame({t("al_col_grid", lang): grids["name"].astype(str).to_numpy(),
                        t("code", lang): grids["grid_code"].astype(str).to_numpy(),
                        t("al_col_alerts", lang): grids["alerts"].astype("int64").to_numpy()})
    return Table("top_grids", title, out, note=note)


def devices_frame(devices: pd.DataFrame, lang: str, title: str, note: str = "") -> Table:
    out = pd.DataFrame({t("al_col_device", lang): devices["device_id"].astype("int64").to_numpy(),
                        t("al_type", lang): [t(f"alert_{x}", lang) if f"alert_{x}" in TEXT else str(x) for x in devices["type"]],
                        t("code", lang): devices["grid_code"].astype(str).to_numpy(),
                        t("al_col_alerts", lang): devices["alerts"].astype("int64").to_numpy()})
    return Table("top_devices", title, out, note=note)


def hotspot_frame(hot: pd.DataFrame, lang: str, title: str, note: str = "") -> Table:
    p = t("al_col_p", lang)
    out = pd.DataFrame({t("al_col_grid", lang): hot["name"].astype(str).to_numpy(),
                        t("code", lang): hot["grid_code"].astype(str).to_numpy(),
                        t("al_col_observed", lang): hot["observed"].astype("int64").to_numpy(),
                        t("al_col_expected", lang): hot["expected"].astype(float).round(2).to_numpy(),
                        t("al_col_factor", lang): hot["factor"].astype(float).round(1).to_numpy(),
                        p: hot["p"].astype(float).to_numpy()})
    return Table("above_baseline", title, out, scientific=(p,), note=note)


def cases_frame(cases: pd.DataFrame, lang: str, title: str) -> Table:
    out = pd.DataFrame({t("al_type", lang): [t(f"alert_{x}", lang) for x in cases["type"]],
                        t("al_raised", lang): cases["raised"].astype("int64").to_numpy(),
                        t("al_col_to_case", lang): cases["to_case"].astype("int64").to_numpy(),
                        t("al_col_case_closed", lang): cases["case_closed"].astype("int64").to_numpy()})
    return Table("to_cases", title, out)


def summary_table(figures: dict, lang: str, title: str) -> Table:
    """The cards as a table: the same figures, the in-time share as a fraction."""
    zero_key = "al_zero" if figures["zero_level"] == "community" else "al_zero_grids"
    rows = [(t("al_active", lang), figures["active"], False), (t("al_raised", lang), figures["raised"], False),
            (t("al_last_year_col", lang), figures["last_year"], False), (t("al_yoy", lang), shown_change(figures["change"]), True),
            (t("al_ack_in_time", lang), figures["in_time"], True), (t("al_to_case", lang), figures["to_case"], False),
            (t("al_case_closed_col", lang), figures["case_closed"], False), (t(zero_key, lang), figures["zero"], False),
            (t("al_zero_total", lang), figures["zero_total"], False), (t("al_hot", lang), figures["hot"], False)]
    return figures_table("summary", title, rows, lang)
