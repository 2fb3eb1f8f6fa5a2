"""What the API blueprints share: problem documents for their errors, and the rate limits.

Limits are per app (test apps do not share counters): per token and per IP on the token door, per IP on
login. Storage is Redis when redis_url is set, memory otherwise. A limit exceeded answers 429 with
Retry-After as a problem document; a storage that fails lets the call through (logged), rather than
failing every call.

The counting is the `limits` library's, checked by one hook before any door's authenticator: the token
door's two budgets are fixed windows, login's a moving window. Flask-Limiter (which this replaced) resolved,
filtered and re-evaluated its limits on every request of the app, the webhook's included, and kept a list
of timestamps per key for its moving windows: together about as much CPU as the whole `GET /me` view
(bench/README.md, "Mini-program API").
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Any

from flask import Blueprint, Flask, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter

from app.api import context
from app.api.auth import bearer
from app.api.problems import Problem, render

SWEEP_SECONDS = 10.0
LOGIN_ENDPOINT = "api_public.login"
PUBLIC_BLUEPRINT = "api_public"
NAMESPACE = "linli-api"
log = logging.getLogger(__name__)
Budget = tuple[list[RateLimitItem], str, str]  # limits, scope, key


def remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


def token_key() -> str:
    token = bearer(request)
    if token is None:
        return "ip:" + remote_address()
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def ip_key() -> str:
    return "ip:" + remote_address()


class SweptMemoryStorage(MemoryStorage):
    """The `limits` memory storage with its expired entries swept on a call every SWEEP_SECONDS.

    The library's storage re-arms a 10 ms timer thread on every count once the previous one has ended: under
    load one thread started, and waited for, about a hundred times a second per worker, ~15 % of `GET /me`'s
    time in process (bench/README.md). Nothing depends on that timer for correctness: a fixed window's counter
    read after its expiry is dropped by `get`, and a moving window compares its entries' expiry with the
    clock; the sweep only bounds the memory kept for keys that are never read again.
    (The hook overridden is the library's name-mangled private method, pinned with `limits` in
    requirements.txt; tests/test_api_limits.py fails if a new version calls it differently.)
    """

    def __init__(self) -> None:
        super().__init__()
        self.next_sweep = time.time() + SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:
        if time.time() >= self.next_sweep:
            self.next_sweep = time.time() + SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def limit_storage(redis_url: str) -> Storage:
    if not redis_url:
        return SweptMemoryStorage()
    storage = storage_from_string(redis_url)
    if not isinstance(storage, Storage):  # an async scheme ("async+redis://") cannot serve sync views
        raise ValueError("redis_url: a synchronous Redis URL is needed for the API's rate limits")
    return storage


class ApiLimits:
    """The API's budgets in one app: per token and per IP across the token door's blueprints, per IP on login.

    Checked before the door's authenticator, so that unknown tokens spend the IP's budget before they cost a
    database query. The token door counts fixed windows: up to twice a limit can pass around a window's
    edge, which does not matter against floods and runaway clients, and each check is one counter
    increment (a moving window kept, and on every call shifted, a list of the window's timestamps per key).
    Login, once per session, keeps a moving window.
    """

    def __init__(self, app: Flask):
        settings = app.extensions["linli"].settings
        storage = limit_storage(settings["redis_url"])
        self.fixed, self.moving = FixedWindowRateLimiter(storage), MovingWindowRateLimiter(storage)
        self.per_token = parse_many(settings["miniapp.rate_limit"])
        self.per_ip = parse_many(settings["miniapp.rate_limit_ip"])
        self.login = parse_many(settings["miniapp.login_rate_limit"])
        self.token_door: set[str] = set()
        app.before_request(self.check)

    def check(self) -> None:
        if request.blueprint in self.token_door:
            self._spend(self.fixed, (self.per_token, "api-token", token_key()), (self.per_ip, "api-ip", ip_key()))
        elif request.endpoint == LOGIN_ENDPOINT:
            self._spend(self.moving, (self.login, "api-login", ip_key()))

    @staticmethod
    def _spend(strategy: RateLimiter, *budgets: Budget) -> None:
        for items, scope, key in budgets:
            for item in items:
                try:
                    if strategy.hit(item, NAMESPACE, scope, key):
                        continue
                    reset = strategy.get_window_stats(item, NAMESPACE, scope, key).reset_time
                except Exception:  # the storage is unreachable (Redis down)
                    log.exception("rate limit storage failed: the call goes through unlimited")
                    return
                raise Problem(429, headers={"Retry-After": str(max(1, math.ceil(reset - time.time())))})


def limits_of(app: Flask) -> ApiLimits:
    found = app.extensions.get("linli_api_limits")
    if found is None:
        found = app.extensions["linli_api_limits"] = ApiLimits(app)
    return found


def wire(bp: Blueprint) -> None:
    """Problem documents for the blueprint's errors, and its rate limits on whichever app registers it."""
    bp.register_error_handler(Problem, render)
    bp.register_error_handler(context._Repeat, _repeated)
    bp.teardown_request(context.release_statement)

    def on_register(state: Any) -> None:
        limits = limits_of(state.app)
        if bp.name != PUBLIC_BLUEPRINT:
            # Shared: one budget per token (and per IP) across every blueprint of the token door.
            limits.token_door.add(bp.name)

    bp.record_once(on_register)


def _repeated(exc: context._Repeat):
    first = context.replay()
    return first if first is not None else render(Problem(409))


def limited_login(view):
    """Marks the login view (its per-IP limit is checked by `ApiLimits` before it runs)."""
    return view
