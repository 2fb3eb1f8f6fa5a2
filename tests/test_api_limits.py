"""The API's memory rate-limit storage and its per-request statement connection: cheap, and nothing left behind."""
from __future__ import annotations

import threading

from limits import parse
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from app.api import wiring
from app.api.wiring import SweptMemoryStorage
from tests.api_support import make_api  # noqa: F401  (fixture)
from tests.conftest import PG_URL


def _count_thread_starts(monkeypatch) -> list[str]:
    started: list[str] = []
    original = threading.Thread.start

    def start(self):
        started.append(self.name)
        return original(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    return started


def test_counting_starts_no_thread(monkeypatch):
    storage = SweptMemoryStorage()
    started = _count_thread_starts(monkeypatch)
    limiter, item = FixedWindowRateLimiter(storage), parse("1000/minute")
    for _ in range(5):
        storage.timer.join()  # the one-shot timer of the constructor has ended, as between calls under load
        assert all(limiter.hit(item, "t", f"key{n % 7}") for n in range(50))
    assert started == []  # the library's storage re-armed a timer thread on each of these rounds


def test_a_fixed_window_refuses_then_opens_again(monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: clock[0])
    monkeypatch.setattr("limits.strategies.time.time", lambda: clock[0], raising=False)
    monkeypatch.setattr(wiring.time, "time", lambda: clock[0])
    limiter, item = FixedWindowRateLimiter(SweptMemoryStorage()), parse("2/minute")
    assert [limiter.hit(item, "t", "k") for _ in range(3)] == [True, True, False]
    clock[0] += 61
    assert limiter.hit(item, "t", "k")  # a new window, without any timer having run


def test_a_moving_window_still_limits_without_the_timer(monkeypatch):
    clock = [2_000_000.0]
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: clock[0])
    monkeypatch.setattr(wiring.time, "time", lambda: clock[0])
    limiter, item = MovingWindowRateLimiter(SweptMemoryStorage()), parse("2/minute")
    assert [limiter.hit(item, "t", "ip") for _ in range(3)] == [True, True, False]
    clock[0] += 30
    assert not limiter.hit(item, "t", "ip")
    clock[0] += 31
    assert limiter.hit(item, "t", "ip")


def test_keys_never_read_again_are_swept(monkeypatch):
    clock = [3_000_000.0]
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: clock[0])
    monkeypatch.setattr(wiring.time, "time", lambda: clock[0])
    storage = SweptMemoryStorage()
    limiter, item = FixedWindowRateLimiter(storage), parse("5/second")
    for n in range(100):
        limiter.hit(item, "t", f"token{n}")
    assert len(storage.storage) == 100
    clock[0] += wiring.SWEEP_SECONDS + 1
    limiter.hit(item, "t", "another")
    assert list(storage.storage) == [item.key_for("t", "another")]  # memory is bounded by live windows


def test_statement_connections_go_back_to_the_pool(make_api):  # noqa: F811
    api = make_api()
    headers = api.login("demo-elder-1")
    for _ in range(30):
        assert api.get("/me", headers).get_json()["linked"] is True
    assert api.get("/me", {"Authorization": "Bearer nope"}).status_code == 401
    pool = api.rt.statement_engine.pool
    assert pool.checkedout() == 0
    if PG_URL:
        # A pool of its own in autocommit: the token check and the view shared one connection per call.
        assert pool is not api.rt.engine.pool and pool.checkedin() <= 2
