"""Cross-process locks: one message of a user at a time, one token refresh at a time.

Named locks (`hold`): with Redis configured they are Redis keys (SET NX PX);
otherwise leases in the shared database (models/core/leases.py). Either way a dead
holder's lock expires by itself after its time to live.

A user's turn (`user_turn`) is a database transaction that holds the user's lock
until it commits: without Redis, a PostgreSQL advisory transaction lock, or on
SQLite the write lock BEGIN IMMEDIATE takes anyway, so taking it costs one
statement inside the bot's own transaction instead of two extra transactions. It
also waits while anyone holds the named lock `user:<openid>` through `hold`.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlmodel import Session

from app.db import committing, retry_if_disconnected, session_scope
from models.core.leases import acquire_lease, release_lease, take_turn

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

    @contextmanager
    def user_turn(self, openid: str, *, wait: float, ttl: float) -> Iterator[Session]:
        """A session whose transaction holds the user's lock; committed on success, rolled back on error."""
        name = f"user:{openid}"
        if self.redis is not None:
            # One lock service for every holder of the name (other machines, tools, tests): Redis.
            with self.hold(name, ttl=ttl, wait=wait), session_scope(self.engine) as session:
                yield session
            return
        with committing(self._take_turn(name, wait)) as session:
            yield session

    def _try_turn(self, session: Session, name: str) -> bool:
        try:
            return take_turn(session, f"lock:{name}", now=self.clock())
        except sa.exc.DBAPIError:
            session.rollback()  # a dropped connection: let retry_if_disconnected start a new transaction
            raise

    def _take_turn(self, name: str, wait: float) -> Session:
        deadline = time.monotonic() + wait
        while True:
            session = Session(self.engine, expire_on_commit=False)
            try:
                if retry_if_disconnected(self._try_turn, session, name):
                    return session
            except BaseException:
                session.close()
                raise
            session.close()  # rolls back: frees the write lock (SQLite) while we wait
            if time.monotonic() >= deadline:
                raise LockTimeout(name)
            time.sleep(POLL_SECONDS)
