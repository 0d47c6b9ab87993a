"""A users-file sign-in that stays: across a reload, a new tab, a deep link and another process.

The Streamlit session forgets everything on a reload; the browser's cookie does not. After the
password (cockpit.ui.auth), `start` opens a session in the cockpit's own store and has the
browser trade a one-time claim for the HttpOnly cookie (cockpit.ui.routes). On every run,
`resume` finds the session from this Streamlit session or from the cookie that came with the
WebSocket, and asks whether it still holds (cockpit.domain.sign_in): what it read is trusted
for `SessionPolicy.recheck_seconds`, so a sign-out, `users remove` or a new role reaches every
tab and every process within that time (default 30 s).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from cockpit.core.settings import Settings
from cockpit.domain.access import Access
from cockpit.domain.sign_in import COOKIE_NAME, read_cookie, session_verdict
from cockpit.store import audit, sessions
from cockpit.store.users import UsersFileError, read_users
from cockpit.web import routes

log = logging.getLogger("cockpit.auth")
_SID = "_signin_sid"
_CLAIM = "_signin_claim"  # handed to the browser on the next page drawn, then forgotten
_CLEAR = "_signin_clear_cookie"
ENDED_WHY = "_signin_ended_why"  # why the last sign-in ended (the sign-in page says so)
TOUCH_EVERY = 60.0  # s: how often a session's last_seen is written while it is used


@dataclass
class _Checked:
    at: float
    found: sessions.SignInSession | None
    verdict: str | None
    touched: float


_checked: dict[str, _Checked] = {}  # sid -> what this process last read of it
_checked_lock = threading.Lock()


def start(settings: Settings, found: Access) -> None:
    """The password was right: a session every tab and process can find, and the browser's claim to its cookie."""
    try:
        sid, claim = sessions.open_session(settings.audit_url, found.name, found.role, found.root_code, datetime.now())
    except sessions.StoreError:  # the sign-in still holds for this tab; it just will not survive a reload
        log.exception("sign-in kept for this tab only: the cockpit's own store cannot be written")
        return
    st.session_state[_SID] = sid
    st.session_state[_CLAIM] = claim
    st.session_state.pop(ENDED_WHY, None)


def resume(settings: Settings, kept: Access | None) -> Access | None:
    """The signed-in Access of this run: `kept` (this Streamlit session's) or the cookie's, while the session holds."""
    ss = st.session_state
    sid = ss.get(_SID)
    if sid is None:
        if kept is not None:  # signed in without a kept session (OIDC, or the own store was down)
            return kept
        sid = _cookie_sid(settings)
        if sid is None:
            return None
    try:
        check = _check(settings, sid)
    except sessions.StoreError:  # the own store is away: this tab keeps what it had, a new one signs in again
        log.exception("sign-in session not checked: the cockpit's own store cannot be read")
        return kept
    if check.verdict is not None or check.found is None:
        _ended(settings, sid, check)
        return None
    ss[_SID] = sid
    s = check.found
    return kept if kept is not None and kept.name == s.who else Access(s.who, s.role, s.unit_code)


def end(settings: Settings, why: str = "sign_out") -> None:
    """Sign-out: the session ends everywhere (every tab, every process) and this browser's cookie is cleared."""
    sid = st.session_state.pop(_SID, None)
    st.session_state[_CLEAR] = True
    if sid is None:
        return
    with _checked_lock:
        _checked.pop(sid, None)
    try:
        sessions.end_session(settings.audit_url, sid, why, datetime.now())
    except sessions.StoreError:
        log.exception("sign-out not recorded in the cockpit's own store")


def sync_cookie() -> None:
    """Hand the browser the claim (set the cookie) or have it clear the cookie: an invisible frame that posts once."""
    ss = st.session_state
    claim, clear = ss.pop(_CLAIM, None), ss.pop(_CLEAR, False)
    if claim is None and not clear:
        return
    path = routes.CLAIM_PATH if claim is not None else routes.SIGN_OUT_PATH
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = f"/{base}/{path}" if base else f"/{path}"
    # The parent's own fetch: the request is the page's (its origin, its cookies), not the frame's.
    script = (f"<script>window.parent.fetch({json.dumps(url)}, {{method: 'POST', credentials: 'same-origin', "
              f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(claim or '')}}});</script>")
    with st.container(key="signin-cookie", height=1, border=False):
        st.iframe(script, height=1)


def watch(settings: Settings) -> None:
    """While a kept sign-in is shown, ask every minute (or the recheck time, if shorter) whether it still holds,
    so a tab left open on a desk or a wall leaves the figures within a minute of a sign-out elsewhere."""
    if st.session_state.get(_SID) is None:
        return
    every = max(5.0, min(60.0, settings.session.recheck_seconds))
    st.fragment(_still_holds, run_every=every)(settings)


def _still_holds(settings: Settings) -> None:
    sid = st.session_state.get(_SID)
    if sid is None:
        return
    try:
        check = _check(settings, sid)
    except sessions.StoreError:
        return
    if check.verdict is not None or check.found is None:
        st.rerun(scope="app")  # the full run finds it ended and shows the sign-in with the reason


def _cookie_sid(settings: Settings) -> str | None:
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no browser behind this run (AppTest, the bench): no cookie
        return None
    if not value:
        return None
    try:
        secret = routes.secret_of(settings)
    except OSError:
        log.exception("sign-in cookie ignored: no secret to check it with")
        return None
    return read_cookie(value, secret, settings.session.max_age)


def _check(settings: Settings, sid: str) -> _Checked:
    """What this process knows of the session, read again once it is older than the policy's recheck time."""
    now_t = time.time()
    with _checked_lock:
        check = _checked.get(sid)
    if check is None or now_t - check.at >= settings.session.recheck_seconds:
        found = sessions.find_session(settings.audit_url, sid)
        check = _Checked(now_t, found, _verdict(settings, found), check.touched if check else 0.0)
    if check.verdict is None and check.found is not None and now_t - check.touched >= TOUCH_EVERY:
        sessions.touch_session(settings.audit_url, sid, datetime.now())
        check.touched = now_t
    with _checked_lock:
        _checked[sid] = check
    return check


def _verdict(settings: Settings, found: sessions.SignInSession | None) -> str | None:
    if found is None:
        return "unknown"
    try:
        user = read_users(settings.users_file).users.get(found.who)
    except UsersFileError:
        user = None
    return session_verdict(issued_at=found.issued_at, last_seen=found.last_seen, ended_at=found.ended_at,
                           role=found.role, unit_code=found.unit_code,
                           user_now=(user.role, user.unit) if user else None, now=datetime.now(),
                           policy=settings.session, ended_why=found.ended_why)


def _ended(settings: Settings, sid: str, check: _Checked) -> None:
    """A session that no longer holds: forgotten here, the cookie cleared, the reason kept for the sign-in page."""
    ss = st.session_state
    ss.pop(_SID, None)
    ss[_CLEAR] = True
    ss[ENDED_WHY] = check.verdict or "unknown"
    if check.found is not None and check.found.ended_at is None:  # first to notice: end it everywhere, once
        if sessions.end_session(settings.audit_url, sid, check.verdict or "unknown", datetime.now()):
            audit.record(settings.audit_url, check.found.who, "session_ended", role=check.found.role,
                         detail=check.verdict)
