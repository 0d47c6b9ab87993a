"""The compare page (对比分析, #23) on screen: the units picked (in the URL as units=), their figures side by side,
their daily trends on one scale, their shapes on one map; or the page's unit in two periods; and the balance
of a per-capita measure across the page's unit's children.

Every figure is the overview's, read through the same cached calls (cockpit.ui.data); the arithmetic is
cockpit.domain.compare's and the frames and charts cockpit.views.compare's.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import streamlit as st

from cockpit.core import codes as unit_codes
from cockpit.core.i18n import fmt_change, fmt_date, t
from cockpit.core.model import Unit, Window, covered
from cockpit.domain import compare, geometry
from cockpit.store import boundaries
from cockpit.store.boundaries import BoundaryError
from cockpit.ui import cases, data, device, search
from cockpit.ui.a11y import render_heading, show_chart
from cockpit.ui.caching import data_call
from cockpit.ui.downloads import MISSING, PageExport, Part, column_config, show_table
from cockpit.ui.render import basemap_style
from cockpit.ui.scope import Scope
from cockpit.ui.state import literal
from cockpit.views import compare as views
from cockpit.views import map as mapview
from cockpit.views.tables import Chart, Table

PAGE = "compare"
UNITS = "cmp_units"  # session key: the codes picked, in order
MODES = ("units", "periods")
AGAINST = ("previous", "last_year")
CHART_WIDTH = 1080
SMALL_CHART_WIDTH = {device.PHONE: 480, device.TABLET: 720}  # the SVG is scaled to the column: its text stays legible
MAP_HEIGHT = 420
BEST_CSS = "background-color: rgba(46, 160, 67, 0.38); font-weight: 700"
WORST_CSS = "background-color: rgba(218, 54, 51, 0.38); font-weight: 700"


# ---------------------------------------------------------------- shapes

@data_call(ttl=3600, max_entries=512, floor=False, pickled=True)
def cached_unit_shape(geo_dir: str, code: str, level: str, community_code: str | None) -> tuple[dict, tuple] | None:
    """A unit's own outline (an admin unit's from units.geojson, a grid's from its community's file), simplified
    for display, with its bounds; None where the files hold none."""
    gdir = Path(geo_dir)
    path = boundaries.grids_path(gdir, community_code or "") if level == "grid" else boundaries.units_path(gdir)
    try:
        found = data.read_boundaries(path).get(code)
    except BoundaryError:
        return None
    if found is None:
        return None
    shape = geometry.to_display({code: found["geometry"]}, level)[code]
    return geometry.feature_collection({code: shape}, {})["features"][0]["geometry"], geometry.bounds_of([shape])


# ---------------------------------------------------------------- choices kept in the URL

def _entry(name: str) -> str | None:
    raw = st.query_params.get(name) or (st.session_state.get("_entry_params") or {}).get(name)
    return raw if isinstance(raw, str) else None


def url_choice(name: str, options: tuple[str, ...], label: str, lang: str, format_func: Callable[[str], str]) -> str:
    """A horizontal radio whose value is the URL parameter `name` (an unknown value: the first option)."""
    key = f"{PAGE}-{name}"
    if key not in st.session_state:
        raw = _entry(name)
        if raw is not None and raw not in options:
            st.warning(t("rk_unknown_value", lang, name=label, value=literal(raw[:40]), default=format_func(options[0])))
        st.session_state[key] = raw if raw in options else options[0]
    value = st.radio(label, options, key=key, format_func=format_func, horizontal=True)
    if st.query_params.get(name) != value:
        st.query_params[name] = value
    return value


def seed_units(scope: Scope) -> None:
    """On the page's first run: the units of the link, each checked; a notice names those left out."""
    ss, lang = st.session_state, scope.lang
    if UNITS in ss:
        return
    picked = compare.parse_units(_entry("units"))
    unknown = list(picked.malformed)
    refused: list[str] = []
    kept: list[str] = []
    for code in picked.codes:
        if data.find_unit(scope.url, scope.tree, code) is None:
            unknown.append(code)
        elif not scope.access.allows(code):
            refused.append(code)
        else:
            kept.append(code)
    kept, left = compare.cap(kept)
    if unknown:
        st.warning(t("cp_unknown", lang, codes=_codes_text(unknown)))
    if refused:
        st.warning(t("cp_refused", lang, codes=_codes_text(refused)))
    if left:
        st.warning(t("cp_too_many", lang, n=compare.MAX_UNITS, codes=_codes_text(left)))
    ss[UNITS] = kept


def _codes_text(found: list[str]) -> str:
    return "、".join(literal(c[:40]) for c in found[:8]) + ("…" if len(found) > 8 else "")


def picked_units(scope: Scope) -> list[Unit]:
    """The units picked that exist and the viewer may open (at most six), and the URL kept to them."""
    found = []
    for code in st.session_state.get(UNITS, [])[: compare.MAX_UNITS]:
        unit = data.find_unit(scope.url, scope.tree, code) if scope.access.allows(code) else None
        if unit is not None:
            found.append(unit)
    st.session_state[UNITS] = [u.code for u in found]
    wanted = ",".join(u.code for u in found)
    if (st.query_params.get("units") or "") != wanted:
        if wanted:
            st.query_params["units"] = wanted
        elif "units" in st.query_params:
            del st.query_params["units"]
    return found


def _add(key: str) -> None:
    code = st.session_state.get(f"{key}_pick")
    now = st.session_state.get(UNITS, [])
    if code and code not in now and len(now) < compare.MAX_UNITS:
        st.session_state[UNITS] = [*now, code]
    st.session_state[f"{key}_text"] = ""
    st.session_state[f"{key}_pick"] = None


def _remove(code: str) -> None:
    st.session_state[UNITS] = [c for c in st.session_state.get(UNITS, []) if c != code]


def _add_children(found: list[str]) -> None:
    now = st.session_state.get(UNITS, [])
    st.session_state[UNITS] = (now + [c for c in found if c not in now])[: compare.MAX_UNITS]


def render_picker(scope: Scope, units: list[Unit]) -> None:
    """The search box with 加入对比, the units picked with a remove button each, and the hint while fewer than two."""
    lang, key = scope.lang, "cmp_search"
    render_heading(t("cp_pick_title", lang))
    box, pick, add = st.columns([1.2, 1.6, 0.7], vertical_alignment="bottom")
    text = box.text_input(t("cp_search", lang), key=f"{key}_text", placeholder=t("cp_search_placeholder", lang))
    full = len(units) >= compare.MAX_UNITS
    hits: dict[str, str] = {}
    if text and text.strip():
        access = scope.access
        under = unit_codes.prefix(access.root_code, access.root_level) if access.root_code and access.root_level else ""
        found = search.cached_unit_index(scope.url).search(text, allowed=access.allows, limit=search.LIMIT, under=under)
        hits = {h.code: search._label(h, lang) for h in found if h.code not in {u.code for u in units}}
        if not hits:
            pick.caption(t("cp_search_none", lang))
    if hits:
        pick.selectbox(t("cp_search_pick", lang), list(hits), index=None, key=f"{key}_pick", format_func=hits.__getitem__,
                       placeholder=t("cp_search_pick_placeholder", lang, n=len(hits)))
    add.button(t("cp_add", lang), key=f"{key}_add", on_click=_add, args=(key,), disabled=full or not hits,
               type="primary", width="stretch")
    if full:
        st.caption(t("cp_full", lang, n=compare.MAX_UNITS))
    if units:
        cols = st.columns(min(len(units), compare.MAX_UNITS))
        for unit, col in zip(units, cols):
            col.button(t("cp_remove", lang, name=unit.name), key=f"cmp-remove-{unit.code}", on_click=_remove,
                       args=(unit.code,), icon=":material/close:", width="stretch",
                       help=f"{t(f'level_{unit.level}', lang)} · {unit.code}")
    if len(units) < compare.MIN_UNITS:
        st.info(t("cp_hint_one" if units else "cp_hint_none", lang))
        children = [c for c, _ in data.children_options(scope.url, scope.tree, scope.unit)][: compare.MAX_UNITS]
        if children and not units:
            st.button(t("cp_add_children", lang, n=len(children)), key="cmp-add-children", on_click=_add_children,
                      args=(children,))


# ---------------------------------------------------------------- the page's view

@dataclass(frozen=True)
class Column:
    label: str
    unit: Unit
    window: Window
    values: dict  # the overview's window values (empty: the data does not cover the window)


class CompareView:
    """The scope, the mode and the columns compared, each read once per run."""

    def __init__(self, scope: Scope, mode: str, against: str, units: list[Unit]) -> None:
        self.scope, self.mode, self.against, self.units = scope, mode, against, units

    @property
    def lang(self) -> str:
        return self.scope.lang

    @property
    def ready(self) -> bool:
        return self.mode == "periods" or len(self.units) >= compare.MIN_UNITS

    def _period_label(self, label: str, w: Window) -> str:
        last = w.end - pd.Timedelta(days=1)
        return t("cp_period_label", self.lang, label=label, start=fmt_date(w.start, self.lang), end=fmt_date(last, self.lang))

    @cached_property
    def columns(self) -> list[Column]:
        s = self.scope
        if self.mode == "periods":
            before = s.previous if self.against == "previous" else s.last_year
            label = t("cp_previous" if self.against == "previous" else "cp_last_year", self.lang)
            return [Column(self._period_label(t("cp_now", self.lang), s.current), s.unit, s.current,
                           data.cached_window_values(s.url, s.unit, s.current)[0]),
                    Column(self._period_label(label, before), s.unit, before, data.comparison_values(s.url, s.unit, before))]
        labels = views.unique_labels([u.name for u in self.units], [u.code for u in self.units])
        return [Column(label, u, s.current, data.cached_window_values(s.url, u, s.current)[0])
                for label, u in zip(labels, self.units)]

    def key(self, part: str) -> tuple:
        s = self.scope
        return (PAGE, part, s.url, self.mode, self.against, tuple(u.code for u in self.units), s.unit.code, s.current, s.lang,
                chart_width())

    def compared(self) -> views.Compared:
        lang = self.lang
        title = (t("cp_table_periods", lang, name=self.scope.unit.name) if self.mode == "periods" else t("cp_table", lang))
        short = None
        if self.mode == "periods":
            short = [t("cp_now", lang), t("cp_previous" if self.against == "previous" else "cp_last_year", lang)]
        return views.comparison([(c.label, compare.figures(c.values)) for c in self.columns], lang, title,
                                with_change=self.mode == "periods", note=t("cp_table_note", lang), short=short)

    def trend_chart(self) -> Chart:
        s = self.scope
        series = tuple((c.label, data.cached_daily(s.url, c.unit, c.window)) for c in self.columns)
        return Chart("trends", t("cp_trends_title", self.lang), views.build_trend_multiples, (series, self.lang, chart_width()))


def chart_width() -> int:
    return SMALL_CHART_WIDTH.get(device.kind(), CHART_WIDTH)


def render_controls(scope: Scope) -> CompareView:
    lang = scope.lang
    render_heading(t("compare", lang))
    left, right = st.columns([1, 1])
    with left:
        mode = url_choice("mode", MODES, t("cp_mode", lang), lang, lambda m: t(f"cp_mode_{m}", lang))
    against = AGAINST[0]
    if mode == "periods":
        with right:
            against = url_choice("against", AGAINST, t("cp_against", lang), lang, lambda a: t(f"cp_against_{a}", lang))
    seed_units(scope)
    units = picked_units(scope)
    if mode == "units":
        render_picker(scope, units)
    return CompareView(scope, mode, against, units)


# ---------------------------------------------------------------- the parts

def styled(found: views.Compared, lang: str) -> object:
    """The table with each row's numbers in its own format and the best and worst cells coloured."""
    frame = found.table.frame
    styler = frame.style
    number_cols = list(found.columns)
    for i, kind in enumerate(found.kinds):
        fmt = "{:,.0f}" if kind == "count" else "{:,.1f}"
        styler = styler.format(fmt, subset=pd.IndexSlice[[i], number_cols], na_rep=MISSING)
    change = t("cp_change", lang)
    if change in frame:
        styler = styler.format(lambda v: fmt_change(None if v is None or pd.isna(v) else float(v), lang),
                               subset=[change], na_rep=MISSING)
    css = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for row, column, mark in found.marks:
        css.loc[row, column] = BEST_CSS if mark == "best" else WORST_CSS
    return styler.apply(lambda _: css, axis=None)


def render_table(v: CompareView) -> None:
    lang = v.lang
    found = v.compared()
    render_heading(found.table.title)
    config = {c: cfg for c, cfg in column_config(found.table).items() if c not in found.columns}
    config[t("cp_figure", lang)] = st.column_config.TextColumn(pinned=True)
    st.dataframe(styled(found, lang), hide_index=True, width="stretch", column_config=config, placeholder=MISSING,
                 height=38 + 35 * len(found.table.frame), key=f"cmp-table-{v.mode}-{lang}")
    st.caption(t("cp_table_note", lang))
    if v.mode == "periods" and not v.columns[1].values:
        st.caption(t("cp_not_covered", lang, period=v.columns[1].label))


def render_trends(v: CompareView) -> None:
    render_heading(t("cp_trends", v.lang))
    show_chart(v.trend_chart(), v.key("trends"))


def render_map(v: CompareView) -> None:
    """Each unit's own outline in its colour; the units without one are named in words."""
    s, lang = v.scope, v.lang
    render_heading(t("cp_map", lang))
    units = [s.unit] if v.mode == "periods" else v.units
    labels = [c.label for c in v.columns] if v.mode == "units" else [s.unit.name]
    shapes, bounds, missing, drawn = [], [], [], []
    for label, unit in zip(labels, units):
        found = cached_unit_shape(str(s.settings.geo_dir), unit.code, unit.level,
                                  unit.parent_code if unit.level == "grid" else None)
        if found is None:
            missing.append(label)
            continue
        geom, box = found
        shapes.append((unit.code, label, unit.level, geom, unit.code))
        bounds.append(box)
        drawn.append(label)
    if not shapes:
        st.info(t("cp_map_none", lang))
        return
    height = device.map_height(MAP_HEIGHT)
    deck = mapview.build_deck(views.shape_features(shapes, lang), views.union_bounds(bounds), lang,
                              basemap_style=basemap_style(s.settings), width_px=device.map_width(mapview.MAP_WIDTH),
                              height_px=height)
    st.pydeck_chart(deck, height=height, width="stretch", key=f"cmp-map-{'-'.join(u.code for u in units)}")
    st.html(views.legend_html([label for label in labels if label in drawn]))
    if missing:
        st.caption(t("cp_map_missing", lang, names="、".join(missing) if lang == "zh" else ", ".join(missing)))


# ---------------------------------------------------------------- 区域均衡

@dataclass(frozen=True)
class Balance:
    measure: str
    values: pd.Series
    before: pd.Series | None
    now: compare.Spread
    then: compare.Spread | None
    names: dict[str, str]


def balance(scope: Scope, measure: str) -> Balance | None:
    """The children's figures of `measure` this period and the one before, and the spread of each."""
    if scope.child_level is None:
        return None
    names = dict(data.children_options(scope.url, scope.tree, scope.unit))
    codes = list(names)
    values = compare.balance_values(_children_figures(scope, scope.current, codes, measure), measure).reindex(codes)
    before = None
    if covered(scope.previous, data.cached_data_start(scope.url)):
        old = _children_figures(scope, scope.previous, codes, measure)
        before = compare.balance_values(old, measure).reindex(codes)
    now = compare.spread(list(values))
    then = compare.spread(list(before)) if before is not None else None
    return Balance(measure, values, before, now, then, names)


def _children_figures(scope: Scope, w: Window, codes: list[str], measure: str) -> pd.DataFrame:
    """The overview's map figures of the children; for 诉求量 with the cases each received (the cases page's read)."""
    frame = data.map_values(scope.url, scope.tree, scope.unit, scope.child_level, w, codes)
    if measure == "received":
        cohort = cases.cached_case_cohort(scope.url, scope.unit, w, scope.child_level, None, None)
        received = cohort.groupby("child")["received"].sum() if len(cohort) else pd.Series(dtype="float64")
        frame = frame.assign(received=received.reindex(frame.index).fillna(0).astype(float))
    return frame


def balance_measure(lang: str) -> str:
    options = tuple(compare.BALANCE_MEASURES)
    return url_choice("balance", options, t("cp_balance_measure", lang), lang, lambda m: t(f"cp_bm_{m}", lang))


def balance_table(scope: Scope, measure: str, found: Balance | None = None) -> Table | None:
    found = found or balance(scope, measure)
    if found is None:
        return None
    return views.balance_table(found.values, found.before, found.names, found.now, found.then,
                               t(f"cp_bm_{measure}", scope.lang), scope.lang)


def _num(value: float | None) -> str:
    return MISSING if value is None else f"{value:,.1f}"


def render_balance(scope: Scope) -> str:
    """The balance line: the spread of the chosen measure across the children, and its change; then its table."""
    lang, unit = scope.lang, scope.unit
    render_heading(t("cp_balance", lang))
    measure = balance_measure(lang)
    found = balance(scope, measure)
    if found is None:
        st.info(t("cp_balance_none", lang, name=unit.name))
        return measure
    now, then = found.now, found.then
    if now.cv is None:
        st.info(t("cp_balance_few", lang, name=unit.name))
    else:
        line = t("cp_balance_line", lang, name=unit.name, n=now.counted + now.left_out,
                 level=t(f"level_{scope.child_level}", lang), measure=t(f"cp_bm_{measure}", lang),
                 cv=f"{now.cv:.2f}", ratio=f"{now.ratio:.1f}", hi=_num(now.highest), lo=_num(now.lowest))
        delta = compare.spread_change(now, then) if then is not None else None
        if delta is None or then is None or then.cv is None:
            line += " " + t("cp_balance_no_before", lang)
        elif round(delta, 2) == 0:
            line += " " + t("cp_balance_unchanged", lang, cv=f"{then.cv:.2f}")
        else:
            word = "cp_balance_more_even" if delta < 0 else "cp_balance_less_even"
            line += " " + t("cp_balance_change", lang, cv=f"{then.cv:.2f}", word=t(word, lang), delta=f"{abs(delta):.2f}")
        st.html(f'<div class="ck-balance" role="status" style="font-size:1.05rem;line-height:1.6;padding:8px 12px;'
                f'border-left:4px solid #4fc3f7;background:rgba(79,195,247,0.08)">{html.escape(line)}</div>')
    if now.left_out:
        st.caption(t("cp_balance_left_out", lang, n=now.left_out))
    st.caption(t("cp_balance_note", lang))
    table = balance_table(scope, measure, found)
    if table is not None:
        with st.expander(table.title):
            show_table(table, height=min(420, 38 + 35 * len(table.frame)))
    return measure


# ---------------------------------------------------------------- exports

def page_export(v: CompareView, measure: str) -> PageExport:
    lang, s = v.lang, v.scope
    parts = (
        Part("table", "comparison", t("cp_table", lang), lambda: v.compared().table if v.ready else None),
        Part("table", "balance", t("cp_balance_table", lang, measure=t(f"cp_bm_{measure}", lang)),
             lambda: balance_table(s, measure)),
        Part("chart", "trends", t("cp_trends_title", lang), lambda: v.trend_chart() if v.ready else None),
    )
    shown = (t("cp_mode", lang), t(f"cp_mode_{v.mode}", lang))
    if v.mode == "periods":
        filters = (shown, (t("cp_against", lang), t(f"cp_against_{v.against}", lang)))
    else:
        filters = (shown, (t("cp_units_filter", lang), "、".join(f"{u.name}（{u.code}）" for u in v.units) if lang == "zh"
                           else ", ".join(f"{u.name} ({u.code})" for u in v.units)))
    filters += ((t("cp_balance_measure", lang), t(f"cp_bm_{measure}", lang)),)
    return PageExport(PAGE, s, parts, filters)


def cli_export(scope: Scope) -> PageExport:
    """The page with no units picked: the balance of its default measure."""
    return page_export(CompareView(scope, "units", AGAINST[0], []), next(iter(compare.BALANCE_MEASURES)))

