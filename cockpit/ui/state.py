"""What the viewer is looking at: language, period, metric and unit, seeded from and kept in the URL."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from cockpit.core import dayrange
from cockpit.core.dayrange import DayRange
from cockpit.core.i18n import LANGS, t
from cockpit.core.model import PERIOD_DAYS, Unit, Window, compute_windows
from cockpit.core.settings import PROJECT_DIR
from cockpit.domain import hierarchy, metrics
from cockpit.store.engine import STORE_ERRORS
from cockpit.ui import data
from cockpit.ui.data import find_unit

CUSTOM = "custom"  # the 统计周期 option that shows two date inputs (#23)
PERIOD_OPTIONS = (*PERIOD_DAYS, CUSTOM)
DEFAULT_PERIOD = 30

# ---------------------------------------------------------------- state: language, period, metric, unit

@dataclass(frozen=True)
class ViewState:
    lang: str
    period_days: int
    metric: str
    unit_code: str | None
    extrude: bool
    show_alerts: bool
    show_venues: bool
    day_range: DayRange | None = None  # a custom range of whole days; period_days is then its number of days

    @property
    def custom(self) -> bool:
        return self.day_range is not None

    @property
    def period_key(self) -> str:
        """What tells two periods apart in a cache key: `30`, or `2026-10-01_2026-10-07`."""
        return self.day_range.key if self.day_range is not None else str(self.period_days)

    def period_label(self, lang: str | None = None) -> str:
        """近30天, or 2026年10月1日 – 10月7日 · 7天."""
        lang = lang or self.lang
        if self.day_range is not None:
            return dayrange.period_text(self.day_range.first, self.day_range.last, lang)
        return t(f"period_{self.period_days}", lang)

    def windows(self, end: datetime) -> tuple[Window, Window, Window]:
        """Current, previous and last year's windows: the custom range's, or the period's ending at `end`."""
        if self.day_range is not None:
            return self.day_range.windows()
        return compute_windows(end, self.period_days)

    def period_params(self) -> dict[str, str]:
        """The URL's share of the period: `period=30`, or `start=…&end=…` while custom."""
        return self.day_range.params() if self.day_range is not None else {"period": str(self.period_days)}


def _param(name: str) -> str | None:
    pending = st.session_state.get("_pending_params") or {}
    value = pending.get(name, st.query_params.get(name))
    return value if isinstance(value, str) else None


def ensure_entry() -> None:
    """Send a page that runs without app.py back through it, keeping the link's parameters.

    On a fresh server Streamlit's legacy discovery of the `pages/` folder can run a page file
    alone (until app.py's st.navigation has run once); it would then have no sidebar, no
    first-run build and no deep link. app.py seeds the session, so its absence tells.
    """
    if st.session_state.get("_seeded"):
        return
    st.session_state["_pending_params"] = {k: st.query_params.get(k) for k in st.query_params}
    st.session_state["_pending_page"] = _running_page()
    st.switch_page("app.py")


def _running_page() -> str | None:
    """The pages/ file running now (only asked on a fresh server's legacy run: rare, so a stack walk)."""
    pages = PROJECT_DIR / "pages"
    for frame in inspect.stack():
        path = Path(frame.filename).resolve()
        if path.parent == pages:
            return f"pages/{path.name}"
    return None


def resume_page() -> None:
    """After app.py has set up navigation: go on to the page a fresh server's first link asked for."""
    page = st.session_state.pop("_pending_page", None)
    if page and (PROJECT_DIR / page).is_file():
        # The link's query goes with it (switch_page would drop it): the big screen reads rotate=, refresh=, … and
        # a wall's kiosk token from the URL on every run.
        query = {**(st.session_state.get("_entry_params") or {}), **st.query_params.to_dict()}
        try:
            st.switch_page(page, query_params=query)
        except StreamlitAPIException:  # not in this navigation: not signed in yet (keep it), or not theirs (drop it)
            if "_access" not in st.session_state:
                st.session_state["_pending_page"] = page


def init_state() -> None:
    """Seed session state from the URL once per session, so deep links open where they point."""
    ss = st.session_state
    if ss.get("_seeded"):
        return
    lang = _param("lang")
    ss["lang"] = lang if lang in LANGS else "zh"
    period = _param("period")
    ss["period"] = int(period) if period and period.isdigit() and int(period) in PERIOD_DAYS else DEFAULT_PERIOD
    start, end = _param("start"), _param("end")
    if start is not None or end is not None:  # checked against the data by the first render_sidebar
        ss["_range_asked"] = (start, end)
    metric = _param("metric")
    ss["metric"] = metric if metric in metrics.MAP_METRICS else "open_cases"
    raw_unit = _param("unit")
    ss["unit"] = hierarchy.parse_unit_param(raw_unit)
    ss["bad_unit"] = raw_unit if raw_unit and ss["unit"] is None else None
    ss.setdefault("extrude", False)
    ss.setdefault("show_alerts", True)
    ss.setdefault("show_venues", False)
    # A page's own filters (category, source, ...) are seeded from the link when the page first runs.
    ss["_entry_params"] = {k: v for k, v in (ss.get("_pending_params") or {}).items() if isinstance(v, str)}
    ss["_seeded"] = True
    ss.pop("_pending_params", None)


def current_lang() -> str:
    lang = st.session_state.get("lang") or _param("lang")
    return lang if lang in LANGS else "zh"


def set_unit(code: str | None) -> None:
    st.session_state["unit"] = code


def render_sidebar() -> ViewState:
    """Shared controls; their values survive drilling because they live in session state."""
    ss = st.session_state
    # Re-own the values before the widgets exist: the first script run after `streamlit run` starts
    # gives widgets made before st.navigation other ids than later runs, so without this the first
    # click after a server start reset period, metric and layers to their defaults (seen in Chromium).
    for key in ("lang", "period", "metric", "extrude", "show_alerts", "show_venues", "range_start", "range_end"):
        if key in ss:
            ss[key] = ss[key]
    # The data's first and last day, only when a range is asked or shown (a page such as 数据说明 reads no more).
    bounds = _data_days() if "_range_asked" in ss or ss.get("period") == CUSTOM else (None, None)
    notice = _take_asked_range(bounds, ss["lang"])
    if ss.get("period") not in PERIOD_OPTIONS:
        ss["period"] = DEFAULT_PERIOD
    with st.sidebar:
        st.radio(t("language", ss["lang"]), LANGS, key="lang", horizontal=True,
                 format_func=lambda x: "中文" if x == "zh" else "English")
        lang = ss["lang"]
        st.selectbox(t("period", lang), PERIOD_OPTIONS, key="period", format_func=lambda d: _period_option(d, lang))
        if ss["period"] == CUSTOM:
            _range_inputs(bounds, lang)
        st.selectbox(t("metric", lang), metrics.MAP_METRICS, key="metric", format_func=lambda m: t(f"m_{m}", lang))
        st.toggle(t("extrude", lang), key="extrude")
        st.toggle(t("show_alerts", lang), key="show_alerts")
        st.toggle(t("show_venues", lang), key="show_venues")
    if notice:
        st.warning(notice)
    days, chosen = _chosen_period(bounds, lang)
    return ViewState(lang, days, ss["metric"], ss.get("unit"), ss["extrude"], ss["show_alerts"], ss["show_venues"], chosen)


def _period_option(option: int | str, lang: str) -> str:
    return t("period_custom", lang) if option == CUSTOM else t(f"period_{option}", lang)


def _data_days() -> tuple[date | None, date | None]:
    """The data's first and last day (None when unknown: no facts, or the store does not answer now)."""
    try:
        url = data.settings().db_url
        first, last = data.cached_data_start(url), data.cached_data_end(url)
    except STORE_ERRORS:  # the page's frame reports the outage; the date inputs wait for it
        return None, None
    return dayrange.as_day(first), dayrange.as_day(last)


def _take_asked_range(bounds: tuple[date | None, date | None], lang: str) -> str | None:
    """A link's start/end (once, on entry): made the period when it lies in the data, else the notice's text."""
    ss = st.session_state
    asked = ss.pop("_range_asked", None)
    if asked is None:
        return None
    found, reason = dayrange.check_range(*asked, *bounds)
    if found is not None:
        ss["period"] = CUSTOM
        ss["range_start"], ss["range_end"] = found.first, found.last
        return None
    default = ss["period"] if ss.get("period") in PERIOD_DAYS else DEFAULT_PERIOD
    return dayrange.notice(*asked, reason or "malformed", *bounds, t(f"period_{default}", lang), lang)


def _range_inputs(bounds: tuple[date | None, date | None], lang: str) -> None:
    """开始日期 and 结束日期, bounded by the data's first and last day, shown as YYYY-MM-DD."""
    ss = st.session_state
    lo, hi = bounds
    if lo is None or hi is None:
        return
    if ss.get("_std_period") in PERIOD_DAYS and not isinstance(ss.get("range_start"), date):
        start = dayrange.last_days(hi, ss["_std_period"]).first
        ss["range_start"], ss["range_end"] = max(start, lo), hi
    for key, fallback in (("range_start", max(lo, hi.replace(day=1))), ("range_end", hi)):
        value = ss.get(key)
        ss[key] = min(max(value, lo), hi) if isinstance(value, date) else fallback  # a widget refuses a value outside
    helptext = t("range_help", lang, first=lo.isoformat(), last=hi.isoformat())
    st.date_input(t("range_start", lang), key="range_start", min_value=lo, max_value=hi, format="YYYY-MM-DD",
                  help=helptext)
    st.date_input(t("range_end", lang), key="range_end", min_value=lo, max_value=hi, format="YYYY-MM-DD",
                  help=helptext)


def _chosen_period(bounds: tuple[date | None, date | None], lang: str | None) -> tuple[int, DayRange | None]:
    """The period's number of days and the custom range (None for a standard period).

    A custom choice that cannot be shown (end before start, no data) gives the default period, with a
    notice when `lang` is given.
    """
    ss = st.session_state
    period = ss.get("period", DEFAULT_PERIOD)
    if period != CUSTOM:
        ss["_std_period"] = int(period)
        return int(period), None
    first, last = ss.get("range_start"), ss.get("range_end")
    if isinstance(first, date) and isinstance(last, date):
        reason = dayrange.check_days(first, last, *bounds) if bounds != (None, None) else (
            "reversed" if last < first else None)
        if reason is None:
            return (last - first).days + 1, DayRange(first, last)
    else:
        reason = "no_data" if bounds == (None, None) else "half"
        first = last = None
    default = ss.get("_std_period", DEFAULT_PERIOD)
    if lang is not None:
        st.warning(dayrange.notice(first.isoformat() if first else None, last.isoformat() if last else None, reason,
                                   *bounds, t(f"period_{default}", lang), lang))
    return default, None


def sync_url(vs: ViewState, unit: Unit) -> None:
    """The URL follows the user, so any view can be sent as a link (`start`/`end` replace `period` while custom)."""
    wanted = {"unit": unit.code, **vs.period_params(), "metric": vs.metric, "lang": vs.lang}
    dropped = [k for k in ("period", "start", "end") if k not in wanted and k in st.query_params]
    if {k: st.query_params.get(k) for k in wanted} != wanted or dropped:
        for k in dropped:
            del st.query_params[k]
        st.query_params.update(wanted)


def resolve_unit(url: str, tree: hierarchy.Tree, code: str | None, lang: str) -> Unit:
    """The unit for a code, or the root with a notice when the code is unknown."""
    if code is None:
        bad = st.session_state.pop("bad_unit", None)
        if bad:
            st.warning(t("unknown_unit", lang, code=literal(str(bad)[:40])))
        return tree.root
    found = find_unit(url, tree, code)
    if found is not None:
        return found
    st.warning(t("unknown_unit", lang, code=literal(code)))
    st.session_state["unit"] = None
    return tree.root


def literal(text: str) -> str:
    """Text from a URL shown verbatim in markdown: a code span, so a crafted link renders no link or image."""
    return "`" + text.replace("`", "'") + "`"



def current_view() -> ViewState:
    ss = st.session_state
    days, chosen = _chosen_period((None, None), None)
    return ViewState(ss.get("lang", "zh"), days, ss.get("metric", "open_cases"), ss.get("unit"),
                     bool(ss.get("extrude")), bool(ss.get("show_alerts", True)), bool(ss.get("show_venues")), chosen)


