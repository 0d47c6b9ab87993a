"""The cockpit's own HTTP routes beside Streamlit's (st.App, app.py): the sign-in cookie, set and cleared.

A Streamlit script cannot set a cookie, let alone an HttpOnly one, so the page that checked the
password hands the browser a one-time claim (cockpit.store.sessions) and the browser posts it
here; the answer sets the signed session cookie — HttpOnly (no script on the page can read it),
SameSite=Lax, Secure when the request came over HTTPS (directly or through the proxy's
X-Forwarded-Proto). Neither the claim nor the cookie ever appears in a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cockpit.core.settings import Settings, load_settings
from cockpit.domain.sign_in import COOKIE_NAME, read_cookie, sign_cookie
from cockpit.store import audit, sessions

log = logging.getLogger("cockpit.auth")
CLAIM_PATH = "_cockpit/session"
SIGN_OUT_PATH = "_cockpit/sign-out"
MAX_BODY = 200  # bytes: a claim is 43 characters
Endpoint = Callable[[Request], Awaitable[Response]]


def secret_of(settings: Settings) -> str:
    return sessions.deployment_secret(settings.cookie_secret, settings.secret_file)


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _cookie_path(base: str) -> str:
    return f"/{base.strip('/')}/" if base.strip("/") else "/"


async def claim_session(request: Request) -> Response:
    """POST the claim as the body: 204 with the cookie set, or 403 for a used, late or unknown claim."""
    body = (await request.body())[:MAX_BODY].decode("ascii", "replace").strip()
    settings = load_settings()
    try:
        sid = await run_in_threadpool(sessions.trade_claim, settings.audit_url, body, datetime.now()) if body else None
        secret = await run_in_threadpool(secret_of, settings)
    except (sessions.StoreError, OSError):
        log.exception("sign-in cookie not set: the cockpit's own store or secret file failed")
        return Response(status_code=503)
    if sid is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(COOKIE_NAME, sign_cookie(sid, secret), max_age=settings.session.max_age, httponly=True,
                        samesite="lax", secure=_secure(request), path=request.scope.get("cockpit_base", "/"))
    return response


async def sign_out(request: Request) -> Response:
    """POST: end the session the cookie names (everywhere) and clear the cookie."""
    settings = load_settings()
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    try:
        secret = await run_in_threadpool(secret_of, settings)
        sid = read_cookie(request.cookies.get(COOKIE_NAME), secret, settings.session.max_age)
        if sid is not None:
            found = await run_in_threadpool(sessions.find_session, settings.audit_url, sid)
            if found is not None and await run_in_threadpool(sessions.end_session, settings.audit_url, sid,
                                                             "sign_out", datetime.now()):
                await run_in_threadpool(audit.record, settings.audit_url, found.who, "sign_out", role=found.role)
    except (sessions.StoreError, OSError):
        log.exception("sign-out: the cockpit's own store failed; the cookie is cleared all the same")
    response.delete_cookie(COOKIE_NAME, path=request.scope.get("cockpit_base", "/"), httponly=True, samesite="lax",
                           secure=_secure(request))
    return response


def routes(base_url_path: str = "") -> list[Route]:
    """The routes, under Streamlit's server.baseUrlPath when one is set (Streamlit mounts its own there too)."""
    prefix = _cookie_path(base_url_path)

    def under_base(endpoint: Endpoint) -> Endpoint:
        async def call(request: Request) -> Response:
            request.scope["cockpit_base"] = prefix
            return await endpoint(request)

        return call

    return [Route(f"{prefix}{CLAIM_PATH}", under_base(claim_session), methods=["POST"]),
            Route(f"{prefix}{SIGN_OUT_PATH}", under_base(sign_out), methods=["POST"])]
