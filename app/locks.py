"""Cross-process locks: one message of a user at a time, one token refresh at a time.

With Redis configured they are Redis keys (SET NX PX); otherwise they are leases
in the shared database (models/leases.py). Either way a dead holder's lock
expires by itself after its time to live.
"""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator

from models.leases import acquire_lease, release_lease

from app.db import session_scope

POLL_SECONDS = 0.02


class LockTimeout(Exception):
    """The lock stayed taken for longer than we were willing to wait."""


class Locks:
    """Named locks shared by every process that uses the same database or Redis."""

    def __init__(self, engine, clock: Callable, redis=None):
        self.engine, self.clock, self.redis = engine, clock, redis

    def try_acquire(self, name: str, holder: str, ttl: float) -> bool:
        """Take the lock once, without waiting."""
        if self.redis is not None:
            return bool(self.redis.set(f"linli:lock:{name}", holder, nx=True, px=int(ttl * 1000)))
        with session_scope(self.engine) as session:
            return acquire_lease(session, f"lock:{name}", holder, now=self.clock(), ttl=ttl)

    def release(self, name: str, holder: str) -> None:
        """Give the lock back if we still hold it."""
        if self.redis is not None:
            key = f"linli:lock:{name}"
            # Compare-and-delete so an expired lock re-taken by someone else is left alone.
            self.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end",
                            1, key, holder)
            return
        with session_scope(self.engine) as session:
            release_lease(session, f"lock:{name}", holder)

    @contextmanager
    def hold(self, name: str, *, ttl: float, wait: float) -> Iterator[str]:
        """Hold a lock for the duration of a block, waiting up to `wait` seconds for it."""
        holder = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        while not self.try_acquire(name, holder, ttl):
            if time.monotonic() >= deadline:
                raise LockTimeout(name)
            time.sleep(POLL_SECONDS)
        try:
            yield holder
        finally:
            self.release(name, holder)
