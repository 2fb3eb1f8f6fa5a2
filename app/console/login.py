"""The console's login pages (public door): the WeChat QR code, the one-time link, and static files.

QR login: the page asks WeChat for a temporary parametric QR code whose scene is `login_<nonce>`
(5 minutes) and keeps the attempt's secret in an HttpOnly cookie; a coordinator scans it, the webhook
(bots/flows/console/login.py) marks the attempt authenticated, and the page's polling trades the
secret for a session. A one-time link (`flask --app app console login-link OPENID`) opens a page whose
button does the same trade: a POST, so a chat app's link preview cannot use the link up.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Response, make_response, redirect, request

from app.console import auth
from app.console.common import HERE, LOGIN_COOKIE, PREFIX, blueprint, page, rt
from app.db import session_scope
from app.wechat_api import WeChatAPIError
from models.console import logins

log = logging.getLogger(__name__)
bp = blueprint("console_login", __name__)
bp.static_folder = str(HERE / "static")
bp.static_url_path = "/static"
HOME = f"{PREFIX}/"
STOP_POLLING = 286  # htmx stops an `every` trigger on this status
REFUSED = {logins.USED: 410, logins.EXPIRED: 410, logins.UNKNOWN: 404, logins.NOT_COORDINATOR: 403}


def _next() -> str:
    """Where to go after logging in: a console path only (never another site)."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(PREFIX + "/") or target.startswith("//"):
        return HOME
    return target


@bp.get("/login")
def login_page():
    """The QR code to scan with a coordinator's WeChat."""
    runtime = rt()
    with session_scope(runtime.engine) as session:
        scene, secret = logins.start_qr(session, now=runtime.clock())
    seconds = int(logins.QR_TTL.total_seconds())
    try:
        answer = runtime.wechat.create_temporary_qr(scene, seconds)
        qr_url, failed = answer.get("url", ""), False
    except WeChatAPIError as exc:
        log.warning("login QR code not created: %s %s", exc.errcode, exc.errmsg)
        qr_url, failed = "", True
    show_scene = runtime.settings["env"] in ("development", "testing")
    response = make_response(page("login.html", qr_url=qr_url, failed=failed, next=_next(),
                                  minutes=seconds // 60, scene=scene if show_scene else ""))
    response.set_cookie(LOGIN_COOKIE, secret, max_age=seconds, httponly=True, secure=auth.secure(),
                        samesite="Strict", path=f"{PREFIX}/login")
    return response


@bp.get("/login/poll")
def login_poll():
    """htmx polling: once the code was scanned by a coordinator, open the session and go in."""
    secret = request.cookies.get(LOGIN_COOKIE, "")
    if not secret:
        return make_response(page("login_status.html", status=logins.EXPIRED), STOP_POLLING)
    runtime = rt()
    with session_scope(runtime.engine) as session:
        result, user = logins.redeem(session, secret, kind=logins.QR, now=runtime.clock())
        opened = logins.open_session(session, user, now=runtime.clock()) if user is not None else None
    if opened is None:
        # Still waiting (UNKNOWN) keeps polling; anything else stops it with a way to start again.
        status = 200 if result == logins.UNKNOWN else STOP_POLLING
        return make_response(page("login_status.html", status=result), status)
    response = make_response("")
    response.headers["HX-Redirect"] = _next()
    auth.set_session_cookie(response, opened.token)
    response.delete_cookie(LOGIN_COOKIE, path=f"{PREFIX}/login")
    return response


@bp.get("/login/link/<token>")
def link_page(token: str):
    """A one-time link: a button, so that only a person (not a link preview) uses it."""
    return page("link.html", token=token, next=_next())


@bp.post("/login/link/<token>")
def link_use(token: str) -> Response:
    runtime = rt()
    with session_scope(runtime.engine) as session:
        result, user = logins.redeem(session, token, kind=logins.LINK, now=runtime.clock())
        opened = logins.open_session(session, user, now=runtime.clock()) if user is not None else None
    if opened is None:
        return make_response(page("link.html", token="", failed=result, next=HOME), REFUSED.get(result, 400))
    response = make_response(redirect(_next(), code=303))
    auth.set_session_cookie(response, opened.token)
    return response
