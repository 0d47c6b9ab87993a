"""The rankings page (考核排名, #21) on screen: its choices (in the URL), cached reads and the parts it lays out.

The month's figures come from one cached read of the 13 months ending at the month shown (the month,
the one before it for Δ, and twelve for a unit's history), from the monthly rollup when it is fresh;
the ranking is cockpit.domain.ranking's, the frames and charts cockpit.views.ranking's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core import codes
from cockpit.core.i18n import t
from cockpit.core.model import LEVELS, Unit
from cockpit.domain.ranking import table as ranking
from cockpit.domain.ranking.library import Library, read_library
from cockpit.domain.ranking.schemes import Scheme
from cockpit.queries import rollup
from cockpit.ui import data
from cockpit.ui.a11y import render_heading, show_chart
from cockpit.ui.data import data_call, engine
from cockpit.ui.downloads import MISSING, PageExport, Part, column_config, picked_code, show_table
from cockpit.ui.scope import Scope
from cockpit.ui.state import literal, set_unit
from cockpit.views import ranking as views
from cockpit.views.tables import Chart, Table

PAGE = "ranking"
MODES = ("kind", "all")
GROUP_ORDER = ("urban", "rural", "other", "all")  # 街道 before 镇, 社区 before 村
HISTORY_MONTHS = 12
HISTORY_AUTO = 120  # up to this many units, the first one's history is drawn without being asked
CHART_WIDTH = 440  # px of the SVG's own layout; CSS scales it to the column
HISTORY_WIDTH = 660  # half the page: the same size of text as the funnel plots
TABLE_HEIGHT = 420

# The last version of each scheme that was read well, for the whole process: a file saved half-way
# (or broken) leaves the ranking on it rather than taking the ranking away (library.read_library).
_last_good: dict[str, Scheme] = {}
_last_good_lock = threading.Lock()


def scheme_library(scope: Scope) -> Library:
    """The shipped schemes and the city's own (COCKPIT_SCHEMES_DIR), each broken file on its last good version."""
    with _last_good_lock:
        lib = read_library(scope.settings.schemes_dir, _last_good)
        _last_good.update({k: v for k, v in lib.schemes.items() if k not in lib.kept})
    return lib


# ---------------------------------------------------------------- cached reads

@data_call()
def cached_month_figures(url: str, unit: Unit, tier: str, months: tuple[date, ...]) -> pd.DataFrame:
    """Each unit of `tier` under `unit`, each month: the monthly rollup above the grid when fresh, the facts otherwise."""
    return (rollup if data.cached_rollup_fresh(url) else queries).fetch_month_figures(engine(url), unit, tier, list(months))


def tier_units(scope: Scope, tier: str) -> pd.DataFrame:
    """The units of `tier` under the scope's unit (code, name, kind), in code order."""
    unit = scope.unit
    if tier == "grid":
        parents = [unit.code] if unit.level == "community" else list(_descendants(scope, "community")["code"])
        frames = [data.cached_grids(scope.url, c)[["code", "name", "kind"]] for c in parents]
        found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["code", "name", "kind"])
    else:
        found = _descendants(scope, tier)[["code", "name", "kind"]]
    found = found[found["code"].astype(str).map(scope.access.allows)]
    return found.sort_values("code").reset_index(drop=True)


def _descendants(scope: Scope, level: str) -> pd.DataFrame:
    units = scope.tree.units
    head = codes.prefix(scope.unit.code, scope.unit.level)
    return units[(units["level"] == level) & units["code"].str.startswith(head) & (units["code"] != scope.unit.code)]


def tier_options(scope: Scope) -> list[str]:
    """The tiers a unit can rank: its children's (first, the default) and every deeper one the tree has;
    grids only under a street or a community."""
    first = scope.child_level
    if first is None:
        return []
    out = [first]
    if first != "grid":
        for level in LEVELS[LEVELS.index(first) + 1:]:
            if level == "grid":
                if scope.unit.level in ("street", "community") or first == "community":
                    out.append(level)
            elif not _descendants(scope, level).empty:
                out.append(level)
    return out


# ---------------------------------------------------------------- months

@dataclass(frozen=True)
class Months:
    options: list[date]  # newest first
    default: date | None
    partial: date | None  # the month the data has not finished (the newest), if any
    to_day: int | None  # … and the last day it reaches


def month_choices(url: str) -> Months:
    """The months in the data, newest first; the newest complete one is the default."""
    start, end = data.cached_data_start(url), data.cached_data_end(url)
    if end is None:
        return Months([], None, None, None)
    first = (start or end).date().replace(day=1)
    newest = end.date().replace(day=1)
    months, m = [], newest
    while m >= first:
        months.append(m)
        m = (m - timedelta(days=1)).replace(day=1)
    complete = (end.date() + timedelta(days=1)).month != end.month
    partial = None if complete else newest
    default = newest if complete or len(months) == 1 else months[1]
    return Months(months, default, partial, None if complete else end.day)


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def months_back(month: date, n: int) -> tuple[date, ...]:
    """`n` months ending at `month`, oldest first."""
    out, m = [month], month
    for _ in range(n - 1):
        m = (m - timedelta(days=1)).replace(day=1)
        out.append(m)
    return tuple(reversed(out))


# ---------------------------------------------------------------- choices kept in the URL

def url_pick(name: str, options: list[str], default: str, label: str, lang: str, format_func: Callable[[str], str] = str,
             container: object | None = None) -> str:
    """A select box whose value is the URL parameter `name`; a value not known gives a notice and the default."""
    key = f"{PAGE}-{name}"
    ss = st.session_state
    if key not in ss:
        raw = st.query_params.get(name) or (ss.get("_entry_params") or {}).get(name)
        if raw is not None and raw not in options:
            st.warning(t("rk_unknown_value", lang, name=label, value=literal(str(raw)[:40]), default=format_func(default)))
            raw = None
        ss[key] = raw or default
    elif ss[key] not in options:  # the unit changed and the value is gone
        ss[key] = default
    where = container if container is not None else st
    value = where.selectbox(label, options, key=key, format_func=format_func)  # type: ignore[attr-defined]
    if st.query_params.get(name) != value:
        st.query_params[name] = value
    return value


# ---------------------------------------------------------------- the page's view

class RankView:
    """The scope, the choices and the month's table, each computed once per run."""

    def __init__(self, scope: Scope, lib: Library, scheme: Scheme, months: Months, month: date, mode: str,
                 tier: str) -> None:
        self.scope, self.lib, self.scheme, self.months = scope, lib, scheme, months
        self.month, self.mode, self.tier = month, mode, tier

    @property
    def lang(self) -> str:
        return self.scope.lang

    def key(self, part: str) -> tuple:
        """What decides every frame of `part` (see data.memo): the scheme by its contents, not its id."""
        s = self.scope
        return (part, s.url, s.unit, self.tier, self.month, self.mode, repr(self.scheme), s.lang)

    def month_text(self, month: date | None = None) -> str:
        month = month or self.month
        return views.month_label(month, self.lang, self.months.to_day if month == self.months.partial else None)

    def group_text(self, group: str) -> str:
        return views.group_label(group, self.tier, self.lang)

    @cached_property
    def units(self) -> pd.DataFrame:
        return tier_units(self.scope, self.tier)

    @cached_property
    def figures(self) -> pd.DataFrame:
        """Twelve months and the one before (the history): read only when a history is drawn."""
        s = self.scope
        return cached_month_figures(s.url, s.unit, self.tier, months_back(self.month, HISTORY_MONTHS + 1))

    @cached_property
    def _two_months(self) -> pd.DataFrame:
        """The month and the one before (the table and its Δ): a sixth of the history's read."""
        s = self.scope
        return cached_month_figures(s.url, s.unit, self.tier, months_back(self.month, 2))

    def _month_figures(self, month: date) -> pd.DataFrame:
        f = self._two_months
        found = f[pd.to_datetime(f["month"]).dt.date == month] if not f.empty else f
        return found.drop(columns="month")

    @cached_property
    def table(self) -> pd.DataFrame:
        """The month's ranking with Δ against the month before."""
        return data.memo(_ranked, self.key("table"), self._month_figures(self.month),
                         self._month_figures(months_back(self.month, 2)[0]), self.units, self.scheme, self.mode)

    @cached_property
    def groups(self) -> list[str]:
        found = set(self.table["group"]) if not self.table.empty else set()
        return sorted(found, key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else len(GROUP_ORDER), g))

    def lists(self, group: str) -> ranking.Lists:
        return data.memo(ranking.lists, (*self.key("lists"), group), self.table, group, self.scheme.list_size)

    def history(self, code: str) -> pd.DataFrame:
        """The unit's place and score in each of the last 12 months, ranked in its own group only (the other
        groups do not move it, and a city's communities are ranked twelve times otherwise)."""
        table = self.table
        group = table.loc[table["code"] == code, "group"]
        peers = set(table.loc[table["group"] == group.iloc[0], "code"]) if not group.empty else {code}
        f = self.figures
        monthly = f[f["code"].isin(peers)].assign(month=pd.to_datetime(f["month"]).dt.date)
        monthly = monthly[monthly["month"] > months_back(self.month, HISTORY_MONTHS + 1)[0]]
        units = self.units[self.units["code"].isin(peers)]
        return data.memo(ranking.history, (*self.key("history"), code), monthly, units, self.scheme, self.mode, code)


def _ranked(current: pd.DataFrame, previous: pd.DataFrame, units: pd.DataFrame, scheme: Scheme, mode: str) -> pd.DataFrame:
    table = ranking.rank_month(current, units, scheme, mode)
    before = ranking.rank_month(previous, units, scheme, mode) if not previous.empty else None
    return ranking.with_change(table, before)


# ---------------------------------------------------------------- the parts

def render_controls(scope: Scope) -> RankView | None:
    """Month, scheme, groups and tier (each in the URL), the scheme's note and rule; None when there is nothing to rank."""
    lang = scope.lang
    render_heading(t("ranking", lang))
    if scope.child_level is None:
        _nothing_below(scope)
        return None
    lib = scheme_library(scope)
    _scheme_errors(scope, lib)
    if not lib.schemes:
        st.info(t("rk_no_scheme", lang))
        return None
    months = month_choices(scope.url)
    if months.default is None:
        st.info(t("rk_no_months", lang))
        return None
    by_key = {month_key(m): m for m in months.options}
    label = {month_key(m): views.month_label(m, lang, months.to_day if m == months.partial else None) for m in months.options}
    cols = st.columns([1, 1.3, 1.4, 1.2])
    month = url_pick("month", list(by_key), month_key(months.default), t("rk_month", lang), lang,
                     format_func=lambda k: label.get(k, k), container=cols[0])
    scheme_id = url_pick("scheme", list(lib.schemes), lib.default() or next(iter(lib.schemes)), t("rk_scheme", lang),
                         lang, format_func=lambda k: lib.schemes[k].name(lang) if k in lib.schemes else k, container=cols[1])
    mode = url_pick("group", list(MODES), MODES[0], t("rk_group", lang), lang,
                    format_func=lambda k: t(f"rk_group_{k}", lang), container=cols[2])
    tiers = tier_options(scope)
    tier = url_pick("tier", tiers, tiers[0], t("rk_tier", lang), lang,
                    format_func=lambda k: t("rk_tier_value", lang, level=t(f"level_{k}", lang)), container=cols[3])
    scheme = lib.schemes[scheme_id]
    rule = "rk_rule_shrink" if scheme.method == "shrink" else "rk_rule_wilson"
    note = scheme.note(lang)
    st.caption((note + " " if note else "") + t(rule, lang, m=f"{scheme.pseudo_cases:g}", min=scheme.min_cases))
    return RankView(scope, lib, scheme, months, by_key[month], mode, tier)


def _nothing_below(scope: Scope) -> None:
    """At a grid: nothing to rank; the way to its community's ranking of grids, where the viewer may go."""
    lang, unit = scope.lang, scope.unit
    st.info(t("rk_nothing_below", lang, name=unit.name))
    parent = data.find_unit(scope.url, scope.tree, unit.parent_code) if unit.parent_code else None
    if parent is not None and scope.access.allows(parent.code):
        if st.button(t("rk_open_parent", lang, name=parent.name), key=f"rk-parent-{unit.code}"):
            set_unit(parent.code)
            st.rerun()


def _scheme_errors(scope: Scope, lib: Library) -> None:
    """A scheme file that cannot be used: file, line and field for whoever may act on it, a short notice otherwise."""
    if not lib.errors:
        return
    lang = scope.lang
    if scope.access.sees_import_hints:
        lines = [e.text(lang) + (t("rk_scheme_kept", lang) if e.source.removesuffix(".toml") in lib.kept else "")
                 for e in lib.errors]
        st.warning(t("rk_scheme_errors", lang) + "\n\n" + "\n\n".join(literal(x) for x in lines))
    else:
        st.warning(t("rk_scheme_errors_short", lang))


def group_table(v: RankView, group: str) -> Table:
    rows = v.table[v.table["group"] == group]
    label = v.group_text(group)
    return data.memo(views.table_frame, (*v.key("table_frame"), group), rows, v.scheme, v.lang, f"ranking_{group}",
                     t("rk_table_title", v.lang, group=label))


def render_table(v: RankView) -> None:
    """One table per peer group (tabs), ranked; a row selected opens that unit."""
    lang, table = v.lang, v.table
    render_heading(t("rk_table_title", lang, group=v.month_text()))
    if table.empty:
        st.info(t("rk_none_units", lang))
        return
    st.caption(t("rk_summary", lang, month=v.month_text(), n=len(table), ranked=int(table["ranked"].sum()))
               + " " + t("rk_pick_hint", lang))
    tabs = st.tabs([v.group_text(g) for g in v.groups]) if len(v.groups) > 1 else [st.container()]
    for group, tab in zip(v.groups, tabs):
        with tab:
            rows = table[table["group"] == group]
            event = _show_ranking(group_table(v, group), lang, on_select="rerun", selection_mode="single-row",
                                  key=f"rk-table-{v.scope.unit.code}-{v.tier}-{group}-{lang}",
                                  height=min(TABLE_HEIGHT, 38 + 35 * len(rows)))
            picked = picked_code(event, rows)
            if picked and picked != v.scope.unit.code:
                set_unit(picked)
                st.rerun()


def _show_ranking(table: Table, lang: str, **kwargs: object) -> object:
    """show_table with the place and the unit pinned while the indicators scroll, the place wide enough for 并列."""
    if table.frame.empty:
        return show_table(table, **kwargs)
    config = column_config(table) | {
        t("rk_col_rank", lang): st.column_config.TextColumn(width=100 if lang == "zh" else 90, pinned=True),
        t("rk_col_name", lang): st.column_config.TextColumn(pinned=True)}
    return st.dataframe(table.frame, hide_index=True, width="stretch", column_config=config, placeholder=MISSING,
                        **kwargs)  # type: ignore[arg-type]


def render_lists(v: RankView) -> None:
    """红榜 and 黑榜 of each group side by side, then the units under a floor."""
    lang = v.lang
    render_heading(t("rk_lists", lang))
    st.caption(t("rk_lists_note", lang))
    n = v.scheme.list_size
    for group in v.groups:
        found = v.lists(group)
        if len(v.groups) > 1:
            st.markdown(f"**{v.group_text(group)}**")
        red, black = st.columns(2)
        with red:
            st.caption(t("rk_red", lang, n=n))
            _small_list(found.red, lang)
        with black:
            st.caption(t("rk_black", lang, n=n))
            _small_list(found.black, lang)
    render_heading(t("rk_floors", lang))
    floors = floors_table(v)
    if floors.frame.empty:
        st.caption(t("rk_floors_none", lang))
    else:
        show_table(floors, height=min(300, 38 + 35 * len(floors.frame)))


def _small_list(rows: pd.DataFrame, lang: str) -> None:
    if rows.empty:
        st.caption(t("rk_list_empty", lang))
        return
    show_table(views.list_frame(rows, lang), height=38 + 35 * len(rows))


def lists_table(v: RankView) -> Table:
    parts = []
    for group in v.groups:
        found = v.lists(group)
        parts.append((v.group_text(group), found.red, found.black))
    return views.lists_table(parts, v.lang)


def floors_table(v: RankView) -> Table:
    return views.floors_table([(v.group_text(g), v.lists(g).floors) for g in v.groups], v.scheme, v.lang)


def funnel_charts(v: RankView, indicator: str) -> list[Chart]:
    out = []
    for group in v.groups:
        dots, limits, r0 = data.memo(ranking.funnel, (*v.key("funnel"), group, indicator), v.table, group, indicator)
        title = t("rk_funnel_title", v.lang, group=v.group_text(group), indicator=views.indicator_name(indicator, v.lang))
        out.append(Chart(f"funnel_{group}_{indicator}", title, views.build_funnel_chart,
                         (dots, limits, r0, title, v.lang, CHART_WIDTH)))
    return out


def render_funnel(v: RankView) -> None:
    """A funnel plot per group of the rate chosen: who lies outside the 95% and 99.8% limits."""
    lang = v.lang
    render_heading(t("rk_funnel", lang))
    rates = views.rate_indicators(v.scheme)
    if not rates or v.table.empty:
        st.caption(t("rk_funnel_none", lang))
        return
    indicator = st.selectbox(t("rk_funnel_indicator", lang), rates, key=f"rk-funnel-{v.scheme.id}",
                             format_func=lambda i: views.indicator_name(i, lang))
    st.caption(t("rk_funnel_note", lang))
    charts = funnel_charts(v, indicator)
    for chart, col in zip(charts, st.columns(max(2, len(charts)))):  # one group: half the width, text at its size
        with col:
            show_chart(chart, (*v.key(chart.key),))


def history_chart(v: RankView, code: str) -> Chart:
    name = dict(zip(v.table["code"], v.table["name"])).get(code, code)
    title = t("rk_history_title", v.lang, name=name)
    return Chart("history", title, views.build_history_chart, (v.history(code), title, v.lang, HISTORY_WIDTH))


def render_history(v: RankView) -> None:
    """A unit's place and score over the last 12 months (the first ranked unit unless one is picked)."""
    lang, table = v.lang, v.table
    render_heading(t("rk_history", lang))
    if table.empty:
        return
    names = dict(zip(table["code"], table["name"]))
    options = [c for g in v.groups for c in table.loc[table["group"] == g, "code"]]  # as the tabs order them
    many = len(options) > HISTORY_AUTO  # a city's communities: twelve months ranked again, only when asked
    left, _ = st.columns([1, 1])  # the chart's own width: stretched across the page its text would be huge
    with left:
        code = st.selectbox(t("rk_history_unit", lang), options, key=f"rk-history-{v.scope.unit.code}-{v.tier}",
                            format_func=lambda c: names.get(c, c), index=None if many else 0,
                            placeholder=t("rk_history_pick", lang))
        if code is None:
            st.caption(t("rk_history_hint", lang))
            return
        show_chart(history_chart(v, code), (*v.key("history"), code))




# ---------------------------------------------------------------- exports

def method_table(v: RankView) -> Table:
    tier_label = t("rk_tier_value", v.lang, level=t(f"level_{v.tier}", v.lang))
    groups = "、".join(v.group_text(g) for g in v.groups) if v.lang == "zh" else ", ".join(v.group_text(g) for g in v.groups)
    return views.method_table(v.scheme, v.table, v.month_text(), tier_label, groups or t(f"rk_group_{v.mode}", v.lang),
                              v.lang, v.tier)


def page_export(v: RankView) -> PageExport:
    """The ranking of each group, the lists, the floors and the 方法 sheet."""
    lang = v.lang
    parts = [Part("table", f"ranking_{g}", t("rk_table_title", lang, group=v.group_text(g)),
                  lambda g=g: group_table(v, g)) for g in v.groups]
    parts += [Part("table", "lists", t("rk_lists_title", lang), lambda: lists_table(v)),
              Part("table", "floors", t("rk_floors_title", lang), lambda: floors_table(v)),
              Part("table", "method", t("rk_method", lang), lambda: method_table(v))]
    return PageExport(PAGE, v.scope, tuple(parts), filters_shown(v))


def filters_shown(v: RankView) -> tuple[tuple[str, str], ...]:
    lang = v.lang
    return ((t("rk_month", lang), v.month_text()), (t("rk_scheme", lang), v.scheme.name(lang)),
            (t("rk_group", lang), t(f"rk_group_{v.mode}", lang)),
            (t("rk_tier", lang), t("rk_tier_value", lang, level=t(f"level_{v.tier}", lang))))


def default_view(scope: Scope) -> RankView | None:
    """The page with its defaults (what `python -m cockpit export` would write)."""
    lib = scheme_library(scope)
    months = month_choices(scope.url)
    tiers = tier_options(scope)
    if not lib.schemes or months.default is None or not tiers:
        return None
    return RankView(scope, lib, lib.schemes[lib.default() or next(iter(lib.schemes))], months, months.default,
                    MODES[0], tiers[0])



def cli_export(scope: Scope) -> PageExport:
    """What `python -m cockpit export --page ranking` writes: the page with its defaults (nothing at a grid)."""
    v = default_view(scope)
    return page_export(v) if v is not None else PageExport(PAGE, scope, ())
