"""The participation page's charts (Altair, drawn to SVG like the overview's) and its two lists."""

from __future__ import annotations

import altair as alt
import pandas as pd

from cockpit.core.i18n import t
from cockpit.views.charts import count_axis, count_scale, nothing_chart
from cockpit.views.tables import Table

KINDS = ("volunteer", "patrol", "anti_fraud", "garbage_sorting", "other", "redeemed")
KIND_COLOURS = ("#4fc3f7", "#81c784", "#ffb74d", "#ba68c8", "#90a4ae", "#e57373")


def _kind_scale(lang: str) -> alt.Scale:
    return alt.Scale(domain=[t(f"part_kind_{k}", lang) for k in KINDS], range=list(KIND_COLOURS))


def build_points_chart(series: pd.DataFrame, lang: str, width: int, height: int = 130) -> alt.Chart:
    """Points per day (or week) as one line per activity kind, redeemed points as their own line."""
    frame = series.assign(label=series["kind"].map(lambda k: t(f"part_kind_{k}", lang)))
    date_format = "%m月%d日" if lang == "zh" else "%d %b"
    top = frame["points"].max() if len(frame) else 0
    return (
        alt.Chart(frame, title=alt.Title(t("part_points_title", lang), anchor="start"))
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format=date_format, labelAngle=0, tickCount=6)),
            y=alt.Y("points:Q", title=None, axis=count_axis(top, 3), scale=count_scale(top)),
            color=alt.Color("label:N", title=None, scale=_kind_scale(lang), legend=alt.Legend(orient="right")),
            tooltip=[alt.Tooltip("day:T", title=t("part_day", lang), format="%Y-%m-%d"),
                     alt.Tooltip("label:N", title=t("part_kind", lang)),
                     alt.Tooltip("points:Q", title=t("part_points", lang), format=",.0f")],
        )
        .properties(width=width - 130, height=height)
    )


def build_activity_chart(stats: pd.DataFrame, lang: str, width: int, height: int = 90) -> alt.Chart:
    frame = stats.assign(label=stats["kind"].map(lambda k: t(f"part_kind_{k}", lang)))
    if not len(frame) or not frame["activities"].sum():
        return nothing_chart(t("part_activities_title", lang), t("part_none_held", lang), width - 130)
    return (
        alt.Chart(frame, title=alt.Title(t("part_activities_title", lang), anchor="start"))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False)),
            x=alt.X("activities:Q", title=None, axis=count_axis(frame["activities"].max(), 4)),
            color=alt.Color("label:N", scale=_kind_scale(lang), legend=None),
            tooltip=[alt.Tooltip("label:N", title=t("part_kind", lang)),
                     alt.Tooltip("activities:Q", title=t("part_activities", lang), format=",.0f"),
                     alt.Tooltip("participants:Q", title=t("part_participants", lang), format=",.0f")],
        )
        .properties(width=width - 130, height=height)
    )


def build_rate_chart(rates: pd.DataFrame, lang: str, width: int, height: int = 150) -> alt.Chart:
    """Participants per 1,000 residents for each child (the highest 12), named."""
    frame = rates.sort_values(["per_1000", "code"], ascending=[False, True]).head(12)
    return (
        alt.Chart(frame, title=alt.Title(t("part_per_1000_title", lang), anchor="start"))
        .mark_bar(color="#81c784")
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False, labelLimit=120)),
            x=alt.X("per_1000:Q", title=None, axis=alt.Axis(format="~s", tickCount=4)),
            tooltip=[alt.Tooltip("name:N", title=t("part_unit", lang)),
                     alt.Tooltip("per_1000:Q", title=t("part_per_1000", lang), format=",.1f")],
        )
        .properties(width=width - 130, height=height)
    )


def build_panel(series: pd.DataFrame, stats: pd.DataFrame, rates: pd.DataFrame, lang: str,
                width: int = 560) -> alt.VConcatChart:
    """The three charts in one spec, so one render makes one image."""
    charts = [build_points_chart(series, lang, width), build_activity_chart(stats, lang, width),
              build_rate_chart(rates, lang, width)]
    return alt.vconcat(*charts, spacing=14).resolve_scale(color="independent").resolve_legend(color="independent")


def votes_frame(votes: pd.DataFrame, names: dict[str, str], turnout: pd.Series, yes: pd.Series, lang: str,
                title: str) -> Table:
    """Votes with turnout and yes shares as fractions (shown as %)."""
    out = pd.DataFrame({
        "title": votes["title"].astype(str).to_numpy(),
        "community": [names.get(c, c) for c in votes["community_code"]],
        "opens": pd.to_datetime(votes["opens_at"]).dt.normalize().to_numpy(),
        "eligible": votes["eligible"].astype("int64").to_numpy(),
        "ballots": (votes["yes"] + votes["no"] + votes["abstain"]).astype("int64").to_numpy(),
        "turnout": pd.to_numeric(turnout, errors="coerce").astype("float64").to_numpy(),
        "yes": pd.to_numeric(yes, errors="coerce").astype("float64").to_numpy(),
    })
    keys = {"title": "part_vote_title", "community": "part_vote_community", "opens": "part_vote_opens",
            "eligible": "part_vote_eligible", "ballots": "part_vote_ballots", "turnout": "part_vote_turnout_share",
            "yes": "part_vote_yes_share"}
    out = out.rename(columns={c: t(k, lang) for c, k in keys.items()})
    return Table("votes", title, out, percent=(t("part_vote_turnout_share", lang), t("part_vote_yes_share", lang)))


def top_frame(top: pd.DataFrame, names: dict[str, str], lang: str, title: str) -> Table:
    out = pd.DataFrame({
        "rank": range(1, len(top) + 1),
        "name": [names.get(c, c) for c in top["community_code"]],
        "points": top["points"].astype("int64").to_numpy(),
        "participants": top["participants"].astype("int64").to_numpy(),
    })
    keys = {"rank": "part_top_rank", "name": "part_vote_community", "points": "part_top_points",
            "participants": "part_top_participants"}
    return Table("top_communities", title, out.rename(columns={c: t(k, lang) for c, k in keys.items()}))


def rates_table(rates: pd.DataFrame, lang: str, title: str) -> Table:
    """What the map colours: active participants per 1,000 residents for each unit drawn, highest first."""
    frame = rates.sort_values(["per_1000", "code"], ascending=[False, True])
    out = pd.DataFrame({t("part_unit", lang): frame["name"].astype(str).to_numpy(),
                        t("code", lang): frame["code"].astype(str).to_numpy(),
                        t("part_per_1000", lang): pd.to_numeric(frame["per_1000"]).astype(float).round(2).to_numpy()})
    return Table("rates", title, out)


def activities_table(stats: pd.DataFrame, lang: str, title: str) -> Table:
    out = pd.DataFrame({t("part_kind", lang): [t(f"part_kind_{k}", lang) for k in stats["kind"]],
                        t("part_activities", lang): stats["activities"].astype("int64").to_numpy(),
                        t("part_participants", lang): stats["participants"].astype("int64").to_numpy(),
                        t("part_points", lang): stats["points"].astype("int64").to_numpy()})
    return Table("activities", title, out)
