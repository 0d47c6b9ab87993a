"""What the viewer is looking at: language, period, metric and unit, seeded from and kept in the URL."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from cockpit.core.i18n import LANGS, t
from cockpit.core.model import PERIOD_DAYS, Unit
from cockpit.core.settings import PROJECT_DIR
from cockpit.domain import hierarchy, metrics
from cockpit.ui.data import find_unit

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
    ss["period"] = int(period) if period and period.isdigit() and int(period) in PERIOD_DAYS else 30
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
    for key in ("lang", "period", "metric", "extrude", "show_alerts", "show_venues"):
        if key in ss:
            ss[key] = ss[key]
    with st.sidebar:
        st.radio(t("language", ss["lang"]), LANGS, key="lang", horizontal=True,
                 format_func=lambda x: "中文" if x == "zh" else "English")
        lang = ss["lang"]
        st.selectbox(t("period", lang), PERIOD_DAYS, key="period", format_func=lambda d: t(f"period_{d}", lang))
        st.selectbox(t("metric", lang), metrics.MAP_METRICS, key="metric", format_func=lambda m: t(f"m_{m}", lang))
        st.toggle(t("extrude", lang), key="extrude")
        st.toggle(t("show_alerts", lang), key="show_alerts")
        st.toggle(t("show_venues", lang), key="show_venues")
    return ViewState(lang, int(ss["period"]), ss["metric"], ss.get("unit"), ss["extrude"], ss["show_alerts"], ss["show_venues"])


def sync_url(vs: ViewState, unit: Unit) -> None:
    """The URL follows the user, so any view can be sent as a link."""
    wanted = {"unit": unit.code, "period": str(vs.period_days), "metric": vs.metric, "lang": vs.lang}
    if {k: st.query_params.get(k) for k in wanted} != wanted:
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
    return ViewState(ss.get("lang", "zh"), int(ss.get("period", 30)), ss.get("metric", "open_cases"), ss.get("unit"),
                     bool(ss.get("extrude")), bool(ss.get("show_alerts", True)), bool(ss.get("show_venues")))


