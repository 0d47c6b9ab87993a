"""The cases page's pieces as pure specs: KPI cards (HTML), the funnel, tier and overdue charts (Altair),
and the tables' display frames (localised headers, masked free text)."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd

from cockpit.core.i18n import fmt_number, fmt_percent, t
from cockpit.core.model import TIERS
from cockpit.domain.privacy import mask_text
from cockpit.views.charts import count_axis, count_scale, nothing_chart
from cockpit.views.tables import Table, figures_table

TIER_COLOURS = ["#4fc3f7", "#81c784", "#ffb74d", "#e57373", "#ba68c8"]
KPI_KEYS = (
    ("cs_received_in_period", "received", "count"),  # the headline's base: 期内受理 N 件
    ("cs_review_rate", "review", "rate"), ("cs_response_rate", "response", "rate"), ("cs_resolve_rate", "resolve", "rate"),
    ("cs_overdue_now", "overdue", "count"), ("cs_open_now", "open", "count"), ("closure_rate", "closure_rate", "rate"),
    ("satisfaction", "satisfaction", "rate"), ("cs_revisit_rate", "revisit_rate", "rate"),
    ("cs_reopen_rate", "reopen_rate", "rate"), ("cs_return_rate", "return_rate", "rate"),
)


def build_kpi_html(values: dict[str, float | None], lang: str) -> str:
    """One card: the deadline shares, overdue and open now, and the follow-up rates."""
    cells = []
    for label, key, kind in KPI_KEYS:
        value = values.get(key)
        shown = fmt_percent(value) if kind == "rate" else fmt_number(value, lang)
        if key == "received" and value is not None:
            shown = t("cs_received_cases", lang, n=shown)
        cells.append(f'<div class="kpi" data-key="{key}"><div class="kl">{html.escape(t(label, lang))}</div>'
                     f'<div class="kv">{html.escape(shown)}</div></div>')
    return (f'<div class="card ck-cases"><h2 class="ct">{html.escape(t("cs_kpi_title", lang))}</h2>'
            f'<div class="kgrid">{"".join(cells)}</div></div>')


def kpi_table(values: dict[str, float | None], lang: str, title: str) -> Table:
    """The KPI card as a table: the same figures, rates as fractions."""
    rows = [(t(label, lang), values.get(key), kind == "rate") for label, key, kind in KPI_KEYS]
    return figures_table("summary", title, rows, lang)


def _hours(value: float | None, lang: str) -> str:
    if value is None or value != value:
        return ""
    if value >= 48:
        return t("cs_days", lang, n=f"{value / 24:.1f}")
    return t("cs_hours", lang, n=f"{value:.1f}")


def build_funnel_chart(funnel: pd.DataFrame, lang: str, width: int = 420, height: int = 190) -> alt.LayerChart:
    """Cases reaching each stage, with the median time from the stage before beside the bar."""
    frame = funnel.copy()
    frame["label"] = frame["stage"].map(lambda s: t(f"cs_stage_{s}", lang))
    frame["rank"] = range(len(frame))
    # A stage the source does not record has no bar: it says so, instead of looking like zero.
    frame["text"] = [t("cs_stage_unknown", lang) if pd.isna(n) else f"{fmt_number(n, lang)}  {_hours(h, lang)}".strip()
                     for n, h in zip(frame["cases"], frame["median_hours"])]
    frame["at"] = frame["cases"].astype("float64").fillna(0.0)
    base = alt.Chart(frame, title=alt.Title(t("cs_funnel_title", lang), anchor="start", fontSize=14)).encode(
        y=alt.Y("label:N", sort=alt.SortField("rank"), title=None, axis=alt.Axis(labelOverlap=False)),
    )
    top = max(1, int(frame["cases"].max() or 0))
    bars = base.mark_bar(color="#4fc3f7").encode(
        x=alt.X("cases:Q", title=None, axis=None, scale=alt.Scale(domain=[0, top * 1.6])),
    )
    text = base.mark_text(align="left", dx=4, color="#e8f1ff", fontSize=11).encode(x="at:Q", text="text:N")
    return alt.layer(bars, text).properties(width=width, height=height)


def build_tier_chart(shares: pd.DataFrame, names: dict[str, str], lang: str, width: int = 420,
                     height: int = 190) -> alt.Chart:
    """Each row a unit (the unit first, then its children), split by the tier that resolved its cases."""
    frame = shares.copy()
    frame["name"] = frame["code"].map(lambda c: names.get(c, c))
    frame["tier_label"] = frame["tier"].map(lambda x: t(f"tier_{x}", lang))
    frame["tier_rank"] = frame["tier"].map(list(TIERS).index)
    labels = [t(f"tier_{x}", lang) for x in TIERS]
    order = list(dict.fromkeys(frame.sort_values("order")["name"]))
    return (
        alt.Chart(frame, title=alt.Title(t("cs_tiers_title", lang), anchor="start", fontSize=14))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=order, title=None,
                    axis=alt.Axis(labelOverlap=False, labelLimit=110, labelFontSize=10 if len(order) > 16 else 11)),
            x=alt.X("share:Q", title=None, stack="normalize", axis=alt.Axis(format="%", tickCount=4)),
            color=alt.Color("tier_label:N", title=None, scale=alt.Scale(domain=labels, range=TIER_COLOURS),
                            legend=alt.Legend(orient="bottom", columns=5)),
            order=alt.Order("tier_rank:Q"),
        )
        .properties(width=width, height=height)
    )


def build_overdue_chart(series: pd.DataFrame, lang: str, width: int = 420, height: int = 90) -> alt.Chart:
    date_format = "%m月%d日" if lang == "zh" else "%d %b"
    top = series["overdue"].max() if len(series) else 0
    return (
        alt.Chart(series, title=alt.Title(t("cs_overdue_trend", lang), anchor="start", fontSize=14))
        .mark_line(color="#e57373", strokeWidth=2)
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format=date_format, labelAngle=0, tickCount=6)),
            y=alt.Y("overdue:Q", title=None, axis=count_axis(top, 3), scale=count_scale(top)),
        )
        .properties(width=width, height=height)
    )


def build_left_panel(funnel: pd.DataFrame, series: pd.DataFrame, lang: str, width: int = 420) -> alt.VConcatChart:
    """The funnel over the overdue trend: one spec, one image."""
    return alt.vconcat(build_funnel_chart(funnel, lang, width), build_overdue_chart(series, lang, width), spacing=14)


def build_tier_panel(shares: pd.DataFrame, names: dict[str, str], lang: str, width: int = 420) -> alt.VConcatChart:
    if shares.empty:
        return alt.vconcat(nothing_chart(t("cs_tiers_title", lang), t("cs_tiers_none", lang), width, fontSize=14))
    # Every child gets a row (a city has some 25): 16 px each, squeezed once the panel would pass 300 px.
    rows = shares["code"].nunique()
    return alt.vconcat(build_tier_chart(shares, names, lang, width, height=max(60, min(300, 16 * rows))))


RATE_COLUMNS = ("closure_rate", "on_time_rate", "satisfaction", "revisit_rate", "reopen_rate", "return_rate")


def breakdown_table(frame: pd.DataFrame, label_of: dict[str, str], lang: str, key: str, title: str) -> Table:
    """The by-source / by-category table: names, counts, rates as fractions (the screen shows them as %)."""
    out = pd.DataFrame({t("name", lang): [label_of.get(k, k) for k in frame["key"]],
                        t("cs_received", lang): frame["received"].astype("int64")})
    rates = [t(f"cs_col_{col}", lang) for col in RATE_COLUMNS]
    for col, header in zip(RATE_COLUMNS, rates):
        out[header] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    out[t("cs_open_now", lang)] = frame["open"].astype("int64")
    out[t("cs_overdue_now", lang)] = frame["overdue"].astype("int64")
    return Table(key, title, out.reset_index(drop=True), percent=tuple(rates))


def ranking_table(frame: pd.DataFrame, lang: str, title: str) -> Table:
    share = t("cs_overdue_share", lang)
    out = pd.DataFrame({
        t("name", lang): frame["name"].astype(str), t("cs_open_now", lang): frame["open"].astype("int64"),
        t("cs_overdue_now", lang): frame["overdue"].astype("int64"),
        share: pd.to_numeric(frame["overdue_share"], errors="coerce").astype("float64"),
    })
    return Table("ranking", title, out.reset_index(drop=True), percent=(share,))


def _times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.floor("min").reset_index(drop=True)


def case_table(cases: pd.DataFrame, category_label: dict[str, str], lang: str, title: str, note: str = "") -> Table:
    """The case list: overdue flag, times, labels in the viewer's language, masked description."""
    out = pd.DataFrame({
        t("cs_col_id", lang): cases["id"].astype("int64").to_numpy(),
        t("cs_col_overdue", lang): ["⚠" if o else "" for o in cases["overdue"]],
        t("cs_col_received", lang): _times(cases["received_at"]),
        t("cs_col_due", lang): _times(cases["due_at"]),
        t("cs_col_status", lang): [t(f"cs_status_{s}", lang) for s in cases["status"]],
        t("cs_col_source", lang): [source_label(s, lang) for s in cases["source"]],
        t("cs_col_category", lang): [category_label.get(c, c) for c in cases["category_code"]],
        t("cs_col_description", lang): [mask_text(d) for d in cases["description"]],
    })
    return Table("case_list", title, out, note=note)


def timeline_table(events: pd.DataFrame, lang: str, case_id: int) -> Table:
    """One case's steps: time, action, tier and the masked note."""
    out = pd.DataFrame({
        t("cs_col_seq", lang): events["seq"].astype("int64").to_numpy(),
        t("cs_col_at", lang): _times(events["at"]),
        t("cs_col_action", lang): [t(f"cs_action_{a}", lang) if f"cs_action_{a}" in ACTIONS else a for a in events["action"]],
        t("cs_col_tier", lang): ["" if x is None or pd.isna(x) else t(f"tier_{x}", lang) for x in events["tier"]],
        t("cs_col_note", lang): [mask_text(n) for n in events["note"]],
    })
    return Table(f"case_{case_id}_timeline", t("cs_timeline_title", lang, id=case_id), out)


ACTIONS = {f"cs_action_{a}" for a in ("receive", "register", "dispatch", "resolve", "verify", "close", "visit",
                                      "return", "escalate", "reopen")}
KNOWN_SOURCES = ("patrol", "hotline", "app", "sensor", "visit", "open311", "police", "petition")


def source_label(source: str, lang: str) -> str:
    """A channel's name in the viewer's language; an unlisted channel shows as stored."""
    return t(f"cs_source_{source}", lang) if source in KNOWN_SOURCES else str(source)
