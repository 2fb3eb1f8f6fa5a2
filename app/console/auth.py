"""The session door's authenticator: a console cookie naming a live session, CSRF on every change.

Cookies are HttpOnly, SameSite=Lax and Secure everywhere but development (a plain-HTTP laptop). A
state-changing request (any method but GET/HEAD/OPTIONS) must carry the session's CSRF token in the
form (`csrf_token`) or, for htmx, in the `X-CSRF-Token` header — checked here, so no view can forget.
"""
from __future__ import annotations

import hmac
from datetime import timedelta
from urllib.parse import quote

from flask import Response, abort, current_app, redirect
from werkzeug.wrappers import Response as ResponseBase

from app.console.common import COOKIE, PREFIX, Identity, rt
from app.db import session_scope
from models.base import id_of
from models.console import logins

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def idle() -> timedelta:
    return timedelta(minutes=float(rt().settings.get("console.idle_minutes", 30)))


def secure() -> bool:
    return rt().settings["env"] != "development"


def recognise(request) -> Identity | None:
    """The coordinator behind this request, or None; 403 for a change without the session's CSRF token."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    runtime = rt()
    with session_scope(runtime.engine) as session:
        found = logins.resume_session(session, token, now=runtime.clock(), idle=idle())
        if found is None:
            return None
        row, user = found
        identity = Identity(id_of(user), user.openid, row.csrf_token, token)
    if request.method not in SAFE_METHODS:
        limit = getattr(current_app.view_functions.get(request.endpoint or ""), "max_body_bytes", None)
        if limit:
            request.max_content_length = limit
        given = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
        if not hmac.compare_digest(given.encode(), identity.csrf_token.encode()):
            abort(403)
    return identity


def refuse(request) -> ResponseBase:
    """Not logged in: a page goes to the login page; htmx is told to go there; anything else gets 401."""
    login = f"{PREFIX}/login"
    if request.headers.get("HX-Request"):
        return Response("", status=401, headers={"HX-Redirect": login})
    if request.method in SAFE_METHODS:
        target = request.full_path.rstrip("?")
        return redirect(f"{login}?next={quote(target, safe='/')}")
    return Response("", status=401)


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, secure=secure(), samesite="Lax", path=PREFIX)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, secure=secure(), samesite="Lax")


def plug_in(state) -> None:
    """Registered with the console's blueprints: plug the authenticator into the session door."""
    from app.web import registry

    registry.authenticate(registry.SESSION, recognise, refuse)
