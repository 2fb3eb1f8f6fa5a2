"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL through psycopg 3."""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

T = TypeVar("T")
SQLITE_BUSY_MS = 10000
# Connections older than this are replaced at check-out (instead of a SELECT 1 ping at every check-out:
# a connection the server dropped fails its first statement, which invalidates the pool and raises).
PG_POOL_RECYCLE_SECONDS = 1800
READ_ONLY = "linli_read_only"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> sa.Engine:
    """Build an engine with the settings each backend needs under concurrent workers."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return sa.create_engine(url, pool_recycle=PG_POOL_RECYCLE_SECONDS, pool_size=10, max_overflow=20)


def retry_if_disconnected(fn: Callable[..., T], *args: Any) -> T:
    """Run a unit of work once more if it failed because a pooled connection had been dropped.

    Without a ping at check-out, the first statement on a connection the server closed (restart,
    idle timeout) fails; SQLAlchemy then invalidates the pool, so the second try gets a fresh
    connection. Only for work that is safe to repeat (a rolled-back transaction).
    """
    try:
        return fn(*args)
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return fn(*args)


def reader(engine: sa.Engine) -> sa.Engine:
    """The same engine (same pool) for read-only work: on SQLite its transactions take no write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def _sqlite_engine(url: str) -> sa.Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000})
    gate = _WriteGate(engine, SQLITE_BUSY_MS / 1000)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event open the transaction itself (see below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads
        # and then writes fails at once with SQLITE_BUSY when another worker wrote first.
        # Readers (see `reader`) begin deferred and never wait for, or block, a writer (WAL).
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            gate.begin(conn)

    return engine


class _WriteGate:
    """BEGIN IMMEDIATE without SQLite's sleepy busy handler.

    A writer that finds the file locked sleeps in SQLite's busy handler in growing steps (1, 2, 5,
    10 ... 100 ms) even when the lock is freed a millisecond later; under load that made most of the
    webhook's tail latency. Here the threads of one process queue on a lock and are woken as soon as
    the previous write transaction has committed or rolled back, and the one thread per process at
    the head of the queue retries BEGIN IMMEDIATE every POLL seconds against the other processes.
    """

    KEY, POLL = "linli_write_gate", 0.0005

    def __init__(self, engine: sa.Engine, timeout: float):
        self.lock, self.timeout = threading.Lock(), timeout
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback
        # After the COMMIT/ROLLBACK itself, so the next writer does not find SQLite's lock still taken.
        dialect.do_commit = lambda proxied: self._after(commit, proxied)
        dialect.do_rollback = lambda proxied: self._after(rollback, proxied)
        for name in ("checkin", "invalidate", "soft_invalidate"):  # a connection lost mid-transaction
            sa.event.listen(engine, name, lambda _dbapi, record, *_: self.leave(record.info))

    def begin(self, conn: sa.Connection) -> None:
        """Open a write transaction: first in this process, then in the file."""
        deadline = time.monotonic() + self.timeout
        if not self.lock.acquire(timeout=self.timeout):
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("write gate timeout"))
        conn.info[self.KEY] = True
        try:
            self._begin_immediate(conn.connection.driver_connection, deadline)
        except BaseException:
            self.leave(conn.info)
            raise

    def _begin_immediate(self, raw: sqlite3.Connection, deadline: float) -> None:
        raw.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
                time.sleep(self.POLL)
        finally:
            raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")

    def leave(self, info: dict) -> None:
        """Let the next writer of this process in, if this connection was the writer."""
        if info.pop(self.KEY, False):
            self.lock.release()

    def _after(self, finish, proxied) -> None:
        try:
            finish(proxied)
        finally:
            try:
                info = proxied.info
            except NotImplementedError:  # the engine's first-connect probe: never a writer
                return
            self.leave(info)


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """Commit a session on success, roll it back on error, close it either way."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def session_scope(engine: sa.Engine):
    """A new session committed on success and rolled back on error."""
    return committing(Session(engine, expire_on_commit=False))


def ping(engine: sa.Engine) -> bool:
    """Tell whether the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
