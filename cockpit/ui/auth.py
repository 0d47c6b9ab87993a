"""Sign-in and the viewer's Access: OIDC through st.login, the local users file, a kiosk token, or the open demo.

`current_access()` runs in app.py before the navigation is built, so a page a role may not use
is never in `st.navigation` at all. The page frame then keeps every unit inside the Access's
subtree (cockpit.ui.frame). Sign-ins, failed sign-ins and sign-outs go to the audit log;
failed attempts for one name are slowed down process-wide (every session shares the count).
"""

from __future__ import annotations

import threading
import time

import streamlit as st

from cockpit.core.i18n import t
from cockpit.core.settings import Settings
from cockpit.core.texts.access import ENDED_TEXTS
from cockpit.domain import access as rules
from cockpit.domain.access import Access
from cockpit.store import audit
from cockpit.store.users import UsersFileError, find_kiosk, read_users, token_digest, verify_password
from cockpit.ui import sign_in_cookie
from cockpit.ui.scope import OPEN_ACCESS

_ACCESS = "_access"
_KIOSK_ACCESS = "_kiosk_access"  # set from the URL's token on every run, gone with it (never a lasting sign-in)
_NOTED = "_audit_noted"  # the (event, code, detail) this session has recorded: one record each, not one per rerun
INVALID_KIOSK = "kiosk:?"  # the name of the Access of a wrong or revoked kiosk token
FAIL_WINDOW = 900  # s: failures older than this are forgotten
MAX_DELAY = 8.0  # s

_fails: dict[str, list[float]] = {}
_fails_lock = threading.Lock()


def sign_in_delay(failures: int) -> float:
    """Seconds to wait before answering after `failures` recent failures for a name: 0, 1, 2, 4, 8, 8, …"""
    return 0.0 if failures <= 0 else min(MAX_DELAY, 2.0 ** (failures - 1))


def _recent_failures(name: str) -> int:
    now = time.time()
    with _fails_lock:
        kept = [x for x in _fails.get(name, []) if now - x < FAIL_WINDOW]
        _fails[name] = kept
        return len(kept)


def _note_failure(name: str) -> None:
    with _fails_lock:
        _fails.setdefault(name, []).append(time.time())


def _clear_failures(name: str) -> None:
    with _fails_lock:
        _fails.pop(name, None)


# ---------------------------------------------------------------- who is looking

def access() -> Access:
    """The Access of this session (the open demo when no sign-in is configured).

    A kiosk token in the URL wins over anything else: without this, every page's frame read the
    open demo for a wall's session and let its `unit=` go anywhere (issue 29).
    """
    ss = st.session_state
    return ss.get(_KIOSK_ACCESS) or ss.get(_ACCESS) or OPEN_ACCESS


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file, or a broken one: then OIDC is not configured
        return False


def current_access(settings: Settings) -> Access | None:
    """This session's Access, or None while sign-in is needed (the navigation then offers only the sign-in)."""
    token = st.query_params.get("kiosk") or _entry_token()
    if token:
        found = _kiosk_access(settings, str(token))
        st.session_state[_KIOSK_ACCESS] = found
        return found
    st.session_state.pop(_KIOSK_ACCESS, None)  # the token left the URL: so did the kiosk
    found = sign_in_cookie.resume(settings, st.session_state.get(_ACCESS))  # this tab's, or the browser's cookie
    if found is not None:
        st.session_state[_ACCESS] = found
        return found
    st.session_state.pop(_ACCESS, None)  # signed out elsewhere, timed out, removed or given another role
    if oidc_configured():
        return _oidc_access(settings)
    try:
        users = read_users(settings.users_file)
    except UsersFileError:
        return Access("", "invalid")  # a users file that cannot be read opens nothing, not everything
    # Open only where no users file was ever made: once one exists, removing its last user (or kiosk)
    # must close the cockpit, not open it to everyone.
    if not users.users and not users.kiosks and not settings.users_file.exists():
        return OPEN_ACCESS
    return None


def _entry_token() -> str | None:
    """A fresh server's first link: Streamlit ran the page file alone and ensure_entry's switch to app.py took the
    query off the URL (the wall then showed the sign-in form, and kept it over reloads). The token goes back into
    the URL, once, so it is read from there again on every later run."""
    entry = st.session_state.get("_entry_params") or {}
    token = entry.pop("kiosk", None)
    if token:
        st.query_params["kiosk"] = token
    return token


def _kiosk_access(settings: Settings, token: str) -> Access:
    """The kiosk a token names; a wrong or revoked one opens nothing and is recorded by a digest prefix, never itself."""
    try:
        kiosk = find_kiosk(read_users(settings.users_file), token)
    except UsersFileError:
        kiosk = None
    if kiosk is None:
        found = Access(INVALID_KIOSK, "invalid")
        note_once(found, "kiosk_invalid", detail=f"sha256:{token_digest(token)[:6]}")
        return found
    found = Access(f"kiosk:{kiosk.id}", rules.KIOSK, kiosk.unit, None, below=kiosk.children)
    if st.session_state.get("_kiosk_logged") != kiosk.id:
        st.session_state["_kiosk_logged"] = kiosk.id
        audit.record(settings.audit_url, found.name, "kiosk", role=rules.KIOSK, unit_code=kiosk.unit)
    return found


def note_once(found: Access, event: str, code: str | None = None, detail: str | None = None) -> None:
    """Record `event` in the audit log once per session and (code, detail): a wall refreshing all day asks again and again."""
    key = (event, code, detail)
    noted = st.session_state.setdefault(_NOTED, set())
    if key in noted:
        return
    noted.add(key)
    audit.record(_settings().audit_url, found.name or "-", event, role=found.role, unit_code=code, detail=detail)


def _oidc_access(settings: Settings) -> Access | None:
    """Signed in through the identity provider: role and unit from its claims, else from the users file by e-mail."""
    if not getattr(st.user, "is_logged_in", False):
        return None
    name = str(st.user.get("email") or st.user.get("name") or "")
    role, unit = st.user.get("cockpit_role"), st.user.get("cockpit_unit")
    if not role:
        try:
            user = read_users(settings.users_file).users.get(name)
        except UsersFileError:
            user = None
        role, unit = (user.role, user.unit) if user else ("", None)
    found = Access(name, str(role or ""), str(unit) if unit else None)
    st.session_state[_ACCESS] = found
    audit.record(settings.audit_url, name, "sign_in", role=found.role, unit_code=found.root_code, detail="oidc")
    return found


# ---------------------------------------------------------------- the sign-in page

def sign_in_page(then: str | None = None) -> None:
    """The page the navigation offers while nobody is signed in: the users-file form, or the provider's button.

    `then`: the page file the link asked for; app.py's resume_page goes on to it once signed in.
    """
    settings = _settings()
    lang = st.session_state.get("lang", "zh")
    sign_in_cookie.sync_cookie()  # a sign-out or an ended session clears the browser's cookie here
    # The primary buttons' white on the theme's light blue reads at 2.1:1 (WCAG AA asks 4.5): the app's dark
    # ink instead, 8.6:1 (#25; the sign-in page is the only one with primary buttons).
    st.html('<style>[data-testid^="stBaseButton-primary"], [data-testid^="stBaseButton-primary"] p '
            '{color: #071526 !important;}</style>')
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.markdown(f"# {t('app_title', lang)}")  # the sign-in page's one h1 (#25)
        why = st.session_state.get(sign_in_cookie.ENDED_WHY)
        if why is not None:
            st.info(t(f"au_ended_{why}" if f"au_ended_{why}" in ENDED_TEXTS else "au_ended_ended", lang))
        if oidc_configured():
            st.button(t("au_sign_in_oidc", lang), on_click=st.login, type="primary", width="stretch")
            return
        with st.form("sign-in", border=True):
            st.markdown(f"**{t('au_sign_in', lang)}**")
            name = st.text_input(t("au_name", lang), key="signin-name")
            password = st.text_input(t("au_password", lang), type="password", key="signin-password")
            submitted = st.form_submit_button(t("au_submit", lang), type="primary", width="stretch")
        if submitted:
            if _check_password(settings, name.strip(), password):
                if then:  # a page asked for before the sign-in (kept by resume_page) goes first
                    st.session_state.setdefault("_pending_page", then)
                st.rerun()
            st.error(t("au_failed", lang))


def _settings() -> Settings:
    from cockpit.ui.data import settings

    return settings()


def _check_password(settings: Settings, name: str, password: str) -> bool:
    time.sleep(sign_in_delay(_recent_failures(name)))
    try:
        user = read_users(settings.users_file).users.get(name)
    except UsersFileError:
        user = None
    if not name or not verify_password(user, password):
        _note_failure(name)
        audit.record(settings.audit_url, name or "-", "sign_in_failed")
        return False
    _clear_failures(name)
    found = Access(name, user.role, user.unit)  # type: ignore[union-attr]
    st.session_state[_ACCESS] = found
    sign_in_cookie.start(settings, found)
    audit.record(settings.audit_url, name, "sign_in", role=user.role, unit_code=user.unit)  # type: ignore[union-attr]
    return True


def no_access_page() -> None:
    """The one notice of a session that may see nothing: an account without a valid role, or a wrong kiosk token."""
    lang = st.session_state.get("lang", "zh")
    if access().name == INVALID_KIOSK:
        st.info(t("au_kiosk_invalid", lang))
        return
    st.info(t("au_no_access", lang))
    if st.session_state.get(_ACCESS) is not None:
        st.button(t("au_sign_out", lang), on_click=sign_out)


def sign_out() -> None:
    found = st.session_state.pop(_ACCESS, None)
    settings = _settings()
    sign_in_cookie.end(settings)
    if found is not None:
        audit.record(settings.audit_url, found.name, "sign_out", role=found.role)
    for key in [k for k in st.session_state if str(k).startswith("signin-")]:
        del st.session_state[key]
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def render_user_box(lang: str) -> None:
    """Who is signed in, with a sign-out button; in the open demo, that it is open."""
    found = access()
    with st.sidebar:
        sign_in_cookie.sync_cookie()
        if found.is_open:
            st.caption(t("au_open_demo", lang))
        elif found.role == rules.KIOSK:
            return
        else:
            role = t(f"au_role_{found.role}", lang) if found.role in rules.ROLES else found.role
            st.caption(t("au_signed_in", lang, name=found.name, role=role))
            st.button(t("au_sign_out", lang), on_click=sign_out, key="sign-out", type="tertiary")
            sign_in_cookie.watch(_settings())
