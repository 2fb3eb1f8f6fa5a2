"""Per-user serialisation holds across threads and processes, on the database and on Redis."""
from __future__ import annotations

import os
import threading
import time
from itertools import pairwise

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
    assert all(prev[1] <= nxt[0] for prev, nxt in pairwise(spans))


def test_different_names_do_not_block_each_other(locks):
    with locks.hold("test-a", ttl=10, wait=1), locks.hold("test-b", ttl=10, wait=0.2):
        pass


@pytest.mark.slow
def test_a_taken_lock_times_out_and_a_dead_holder_expires(locks):
    assert locks.try_acquire("test-dead", "ghost", ttl=0.5)
    with pytest.raises(LockTimeout), locks.hold("test-dead", ttl=5, wait=0.1):
        pass
    time.sleep(0.6)
    with locks.hold("test-dead", ttl=5, wait=2):
        pass


def test_turns_of_one_user_never_overlap(locks):
    """The bot's transaction-scoped user lock (advisory lock / SQLite write lock / Redis key)."""
    spans, errors = [], []

    def work():
        try:
            with locks.user_turn("test-turn-user", wait=20, ttl=10) as session:
                session.connection()  # the transaction is open and holds the lock from here
                start = time.monotonic()
                time.sleep(0.02)
                spans.append((start, time.monotonic()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and len(spans) == 6
    spans.sort()
    assert all(prev[1] <= nxt[0] for prev, nxt in pairwise(spans))


@pytest.mark.slow
def test_a_turn_waits_for_a_holder_of_the_named_user_lock(locks):
    with locks.hold("user:test-held", ttl=10, wait=1):
        started = time.monotonic()
        with pytest.raises(LockTimeout), locks.user_turn("test-held", wait=0.2, ttl=10):
            pass
        assert time.monotonic() - started >= 0.2
    with locks.user_turn("test-held", wait=0.5, ttl=10):
        pass


def test_a_turn_commits_its_work_and_rolls_back_on_error(locks, rt):
    import sqlalchemy as sa

    with locks.user_turn("test-commit", wait=1, ttl=10) as session:
        session.execute(sa.text("INSERT INTO leases (name, holder, expires_at) VALUES ('k1', 'h', :t)"),
                        {"t": "2030-01-01 00:00:00"})
    with pytest.raises(RuntimeError), locks.user_turn("test-commit", wait=1, ttl=10) as session:
        session.execute(sa.text("INSERT INTO leases (name, holder, expires_at) VALUES ('k2', 'h', :t)"),
                        {"t": "2030-01-01 00:00:00"})
        raise RuntimeError("bot failed")
    with rt.engine.connect() as conn:
        names = set(conn.execute(sa.text("SELECT name FROM leases WHERE name IN ('k1', 'k2')")).scalars())
    assert names == {"k1"}
    with locks.user_turn("test-commit", wait=0.2, ttl=10):  # the failed turn released the lock
        pass
