"""The page frame: what every page begins with, and the guard that keeps errors off the screen.

    with ui.page_frame() as scope:          # entry check, sidebar, unit, URL, header, breadcrumb
        with ui.section(scope.lang):        # one part of the page: a failure stays inside it
            ui.render_map(scope)

No failure reaches Streamlit's exception box. A store that is down, locked, empty or missing
tables gives one notice at the top in the viewer's language — what is wrong, the time of the
figures still shown (the last good answers), and that the page retries — and the page reruns
by itself once the store answers again. A part that fails for another reason shows a short
notice in its place and logs the traceback on the server.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

import streamlit as st

from cockpit import queries
from cockpit.core.errors import safe_url
from cockpit.core.i18n import t
from cockpit.core.model import Unit
from cockpit.domain import access as rules
from cockpit.domain import hierarchy
from cockpit.domain.access import Access
from cockpit.store.boundaries import BoundaryError, file_label
from cockpit.store.engine import STORE_ERRORS, make_engine, ping, pool_exhausted
from cockpit.ui import auth, caching, data, search
from cockpit.ui.render import inject_style, render_breadcrumb, render_header
from cockpit.ui.scope import Scope
from cockpit.ui.state import ViewState, ensure_entry, literal, render_sidebar, resolve_unit, sync_url

log = logging.getLogger("cockpit.ui")
RETRY_SECONDS = 15  # how often a page in an outage asks the store again


class EmptyStore(Exception):
    """The store answers but holds no unit tree (no tables filled, or no root unit)."""


class NoAccess(Exception):
    """The viewer's role or unit opens nothing in this database."""


@contextmanager
def page_frame(with_unit: bool = True, move: Callable[[Scope], Scope] | None = None) -> Iterator[Scope | ViewState]:
    """Begin a page: hands back its Scope (or only the ViewState for a page without a unit).

    `move` lets a page put the scope elsewhere before the header, the breadcrumb and the URL are
    drawn (the phone home goes to the viewer's own unit), so all three name the unit shown.

    Everything the page then does runs inside the guard: a store outage becomes the notice at
    the top, any other failure a notice in the page, never a traceback.
    """
    ensure_entry()
    search_slot = st.sidebar.container()  # first in the sidebar, filled once the viewer's subtree is known
    view = render_sidebar()
    auth.render_user_box(view.lang)
    inject_style()
    top = st.empty()  # the outage notice, filled when the page has run
    caching.clear_outage()
    try:
        scope: Scope | ViewState = view
        if with_unit:
            scope = build_scope(view)
            if move is not None:
                scope = move(scope)
            sync_url(view, scope.unit)
            with search_slot:
                search.render_unit_search(scope)
    except NoAccess:
        st.info(t("au_no_access", view.lang))
        st.stop()
    except (*STORE_ERRORS, EmptyStore) as exc:
        caching.note_outage(exc)
        _show_outage(top, view.lang)
        st.stop()  # nothing to draw without the unit tree; the notice retries
    if isinstance(scope, Scope):
        with section(view.lang):
            render_header(scope)
            render_breadcrumb(scope)
    try:
        yield scope
    except STORE_ERRORS as exc:
        caching.note_outage(exc)
    except Exception:
        log.exception("page failed")
        st.info(t("page_problem", view.lang))
    _show_outage(top, view.lang)


def page_failed(lang: str) -> None:
    """What app.py shows when a page fails outside its frame: the traceback goes to the log only."""
    log.exception("page failed before its frame")
    st.info(t("page_problem", lang))


@contextmanager
def section(lang: str) -> Iterator[None]:
    """One part of a page: if it fails, a short notice takes its place and the rest is still drawn."""
    try:
        yield
    except STORE_ERRORS as exc:
        caching.note_outage(exc)
        st.caption(t("section_unavailable", lang))
    except BoundaryError as exc:
        log.warning("boundary file: %s", exc)  # the server's path is for the operator's log, not the viewers
        key = "geo_missing" if isinstance(exc.__cause__, FileNotFoundError) else "geo_broken"
        st.warning(t(key, lang, file=file_label(exc.path)))
    except Exception:
        log.exception("page section failed")
        st.caption(t("page_problem", lang))


def build_scope(view: ViewState) -> Scope:
    """The Scope of a page: settings, the unit (kept inside the viewer's subtree), its windows."""
    settings = data.settings()
    url = settings.db_url
    units = data.cached_units(url)
    if units.empty or units["parent_code"].isna().sum() == 0:
        raise EmptyStore(url)
    tree = data.cached_tree(url)
    found = auth.access()
    root = root_unit(url, tree, found)
    if root is None:
        raise NoAccess(found.name)
    found = replace(found, root_level=root.level) if found.root_code else found
    unit = resolve_unit(url, tree, view.unit_code or (root.code if found.root_code else None), view.lang)
    if not found.allows(unit.code):  # a deep link, a stale session or a crafted rerun out of the subtree
        if found.role == rules.KIOSK:  # nobody reads a wall's notice at once: the audit log keeps the kiosk's asks
            st.warning(t("au_outside_kiosk", view.lang, code=literal(unit.code)))
            auth.note_once(found, "kiosk_refused", unit.code)
        else:
            st.warning(t("au_outside", view.lang, code=literal(unit.code)))
        st.session_state["unit"] = None
        unit = root
    end = data.cached_data_end(url) or datetime.now()
    current, previous, last_year = view.windows(end)  # a custom range is fixed; a standard period ends at `end`
    return Scope(settings, view, tree, unit, hierarchy.child_level(tree, unit), end, current, previous, last_year, found)


def root_unit(url: str, tree: hierarchy.Tree, found: Access) -> Unit | None:
    """The top of what `found` may see: the city, their unit, or None (their unit is not in the database)."""
    if not found.valid:
        return None
    return tree.root if found.root_code is None else data.find_unit(url, tree, found.root_code)


def _show_outage(slot: st.delta_generator.DeltaGenerator, lang: str) -> None:
    found = caching.outage()
    if found is None:
        return
    slot.html(outage_html(found, data.settings().db_url, lang))
    st.session_state["_outage_shown_at"] = time.time()
    _retry_when_back()


def outage_html(found: caching.Outage, url: str, lang: str) -> str:
    """The notice: what is wrong (with the masked address), how old the figures shown are, that the page retries."""
    text = str(found.error).lower()
    shown_url = safe_url(url)
    if pool_exhausted(found.error):
        title = t("outage_busy", lang)
    elif isinstance(found.error, EmptyStore) or "no such table" in text or "doesn't exist" in text or "does not exist" in text:
        title = t("db_empty", lang, url=shown_url)
    elif "locked" in text or "busy" in text:
        title = t("outage_locked", lang, url=shown_url)
    else:
        title = t("db_unreachable", lang, url=shown_url)
    if found.stale_since is not None:
        shown = t("outage_stale", lang, time=time.strftime("%H:%M", time.localtime(found.stale_since)))
    else:
        shown = t("outage_none", lang)
    body = shown + t("outage_retry", lang, seconds=RETRY_SECONDS)
    return f'<div class="ck-notice" role="status"><b>{html.escape(title)}</b><br/>{html.escape(body)}</div>'


@st.fragment(run_every=RETRY_SECONDS)
def _retry_when_back() -> None:
    """While the notice shows, the browser reruns this every RETRY_SECONDS (no reload, no other part)."""
    retry_check()


def retry_check() -> None:
    """Rerun the whole page once the store answers again.

    Only the timed reruns ask: the run that drew the notice has just seen the store fail, and
    asking there could loop when the store answers a ping but not the page's queries.
    """
    waited = time.time() - st.session_state.get("_outage_shown_at", 0.0)
    if waited >= RETRY_SECONDS * 0.8 and store_answers(data.settings().db_url):
        st.rerun(scope="app")


def store_answers(url: str) -> bool:
    """Whether the store answers a read now, on a fresh engine (the cached one may be the broken one)."""
    try:
        engine = make_engine(url)
    except STORE_ERRORS:
        return False
    try:
        return ping(engine) and queries.fetch_has_units(engine)
    except STORE_ERRORS:
        return False
    finally:
        engine.dispose()
