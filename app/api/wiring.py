"""What both API blueprints share: problem documents for their errors and Flask-Limiter's rate limits.

Limits are per app (one Limiter each, so test apps do not share counters): per token and per IP on the
token door, per IP on login. Storage is Redis when redis_url is set, memory otherwise. A limit exceeded
answers 429 with Retry-After (app/__init__.py renders it as a problem document under /api/).
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.api import context
from app.api.auth import bearer
from app.api.problems import Problem, render

LOGIN_ENDPOINT = "api_public.login"
LIMITED = "linli_limited_blueprints"


def token_key() -> str:
    token = bearer(request)
    if token is None:
        return "ip:" + get_remote_address()
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def ip_key() -> str:
    return "ip:" + get_remote_address()


def limiter_of(app: Flask) -> Limiter:
    found = app.extensions.get("linli_limiter")
    if found is None:
        runtime = app.extensions["linli"]
        redis_url = runtime.settings["redis_url"]
        found = Limiter(ip_key, app=app, storage_uri=redis_url or "memory://", headers_enabled=True,
                        key_prefix="linli-api", swallow_errors=True, strategy="moving-window")
        app.extensions["linli_limiter"] = found
        _only_where_limited(app, found)
    return found


def _only_where_limited(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter hooks into every request of the app; only the API's blueprints have limits.

    Its hooks cost ~0.1 ms a request, a twentieth of a webhook message: they now return at once
    outside the blueprints `wire` registered, and keep their place among the app's hooks.
    """
    limited = app.extensions.setdefault(LIMITED, set())

    def ours(hook: Callable) -> bool:
        return getattr(hook, "__self__", None) is limiter or (
            isinstance(hook, functools.partial) and hook.args[:1] == (limiter,))

    for table in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        hooks: list = table.get(None, [])
        hooks[:] = [_when_limited(hook, limited) if ours(hook) else hook for hook in hooks]


def _when_limited(hook: Callable, limited: set[str]) -> Callable:
    @functools.wraps(hook)
    def run(*args: Any) -> Any:
        if request.blueprint in limited:
            return hook(*args)
        return args[0] if args else None  # an after_request hook hands the response on

    return run


def _setting(name: str) -> Callable[[], str]:
    return lambda: context.runtime().settings[f"miniapp.{name}"]


def wire(bp: Blueprint) -> None:
    """Problem documents for the blueprint's errors, and its rate limits on whichever app registers it."""
    bp.register_error_handler(Problem, render)
    bp.register_error_handler(context._Repeat, _repeated)

    def on_register(state: Any) -> None:
        limiter = limiter_of(state.app)
        state.app.extensions[LIMITED].add(f"{state.name_prefix}.{state.name}".lstrip("."))  # request.blueprint
        if bp.name == "api_public":
            limiter.limit(_setting("login_rate_limit"), key_func=ip_key,
                          exempt_when=lambda: request.endpoint != LOGIN_ENDPOINT)(bp)
        else:
            # Shared: one budget per token (and per IP) across every blueprint of the token door.
            limiter.shared_limit(_setting("rate_limit"), key_func=token_key, scope="api-token")(bp)
            limiter.shared_limit(_setting("rate_limit_ip"), key_func=ip_key, scope="api-ip")(bp)

    bp.record_once(on_register)


def _repeated(exc: context._Repeat):
    first = context.replay()
    return first if first is not None else render(Problem(409))


def limited_login(view):
    """Marks the login view (its per-IP limit is set on the blueprint in wire())."""
    return view
