"""Every web surface, and the door each is served through.

A surface is a module exposing a Flask blueprint `bp`. Its entry here says who may come in:

- ``wechat``: WeChat's servers; the view checks the signature and the encryption itself (the webhook).
- ``public``: anyone, no login (the health check; later the privacy notice and the public ledger).
- ``dev``: registered only when ``LINLI_ENV=development`` was set explicitly, and then answered only to
  a loopback connection no proxy forwarded (the sandbox).
- ``session``: a coordinator logged in to the console; ``token``: a mini-program user with a bearer
  token. Both are closed by default: a request reaches the view only when the authenticator plugged in
  for that door (``authenticate``) recognises it, and the identity is left in ``flask.g.identity``.

The boundary is checked before any view of the surface runs, so a surface cannot forget it; an
unknown door stops start-up.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.wrappers import Response as ResponseBase

from app.web.local_only import from_loopback

WECHAT, PUBLIC, DEV, SESSION, TOKEN = "wechat", "public", "dev", "session", "token"
DOORS = (WECHAT, PUBLIC, DEV, SESSION, TOKEN)
# (module with `bp`, door), in registration order. JOB_MODULES and CLI_MODULES list jobs and commands.
WEB_MODULES: list[tuple[str, str]] = [
    ("app.web.webhook", WECHAT),
    ("app.web.health", PUBLIC),
    ("app.web.funds", PUBLIC),
    ("app.web.privacy", PUBLIC),
    ("app.dev.sandbox", DEV),
    ("app.console.login", PUBLIC),
    ("app.console.today", SESSION),
    ("app.console.actions", SESSION),
    ("app.console.lists", SESSION),
    ("app.console.charts", SESSION),
    ("app.console.funds", SESSION),
    ("app.console.broadcast", SESSION),
    ("app.console.events_web", SESSION),
    ("app.console.progress", SESSION),
    ("app.console.export_jobs", SESSION),
    # The mini-program API: login and its documentation are public, everything else needs a bearer token.
    ("app.api.public", PUBLIC),
    ("app.api.routes", TOKEN),
    ("app.api.privacy", TOKEN),
    ("app.api.events", TOKEN),
    ("app.api.canteen", TOKEN),
    ("app.api.checkin", TOKEN),
    ("app.api.coordinators", TOKEN),
    ("app.api.approvals", TOKEN),
    ("app.api.subscriptions", TOKEN),
]
# door -> function(request) returning an identity or None; surfaces with a login plug theirs in.
Authenticator = Callable[[Any], Any]
AUTHENTICATORS: dict[str, Authenticator] = {}
# door -> function(request) answering a request the authenticator did not recognise (default: 401 JSON);
# the console sends a browser to its login page instead.
Refusal = Callable[[Any], ResponseBase]
REFUSALS: dict[str, Refusal] = {}


def authenticate(door: str, authenticator: Authenticator, refuse: Refusal | None = None) -> None:
    """Plug in how requests through a closed door (session, token) are recognised, and optionally how
    the unrecognised are answered."""
    if door not in (SESSION, TOKEN):
        raise ValueError(f"only session and token doors take an authenticator, not {door!r}")
    AUTHENTICATORS[door] = authenticator
    if refuse is not None:
        REFUSALS[door] = refuse


def register(app: Flask, settings, modules: list[tuple[str, str]] | None = None) -> None:
    """Register every surface with its door's guard."""
    for name, door in WEB_MODULES if modules is None else modules:
        if door not in DOORS:
            raise ValueError(f"{name}: unknown door {door!r}; one of {', '.join(DOORS)}")
        if door == DEV and not settings.serves_dev_tools:
            continue
        bp = importlib.import_module(name).bp
        app.register_blueprint(bp)
        guard = _GUARDS.get(door)
        if guard is not None:
            # Per app, keyed by the blueprint: runs before every view of the surface.
            app.before_request_funcs.setdefault(bp.name, []).insert(0, guard)


def _dev_only() -> Response | None:
    # Registered only in development; still, nobody but this machine itself.
    return None if from_loopback(request) else Response("", status=404)


def _closed(door: str) -> Callable[[], ResponseBase | None]:
    def guard() -> ResponseBase | None:
        authenticator = AUTHENTICATORS.get(door)
        identity = authenticator(request) if authenticator is not None else None
        if identity is None:
            refuse = REFUSALS.get(door)
            if refuse is not None:
                return refuse(request)
            return Response('{"error": "unauthorized"}', status=401, mimetype="application/json")
        g.identity = identity
        return None

    return guard


_GUARDS: dict[str, Callable[[], ResponseBase | None]] = {
    DEV: _dev_only, SESSION: _closed(SESSION), TOKEN: _closed(TOKEN)}
