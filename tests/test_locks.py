"""Per-user serialisation holds across threads and processes, on the database and on Redis."""
from __future__ import annotations

import os
import threading
import time

import pytest

from app.locks import Locks, LockTimeout


@pytest.fixture(params=["database", "redis"])
def locks(request, rt):
    if request.param == "database":
        return rt.locks
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set")
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter("linli:lock:test-*"):
        client.delete(key)
    return Locks(rt.engine, rt.clock, client)


def test_holders_of_one_name_never_overlap(locks):
    spans, errors = [], []

    def work(i):
        try:
            with locks.hold("test-user", ttl=10, wait=20):
                start = time.monotonic()
                time.sleep(0.02)
                spans.append((start, time.monotonic()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and len(spans) == 8
    spans.sort()
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(spans, spans[1:]))


def test_different_names_do_not_block_each_other(locks):
    with locks.hold("test-a", ttl=10, wait=1):
        with locks.hold("test-b", ttl=10, wait=0.2):
            pass


def test_a_taken_lock_times_out_and_a_dead_holder_expires(locks):
    assert locks.try_acquire("test-dead", "ghost", ttl=0.5)
    with pytest.raises(LockTimeout):
        with locks.hold("test-dead", ttl=5, wait=0.1):
            pass
    time.sleep(0.6)
    with locks.hold("test-dead", ttl=5, wait=2):
        pass
