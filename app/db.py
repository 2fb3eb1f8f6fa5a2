"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL through psycopg 3."""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

if TYPE_CHECKING:  # annotations only: the engine needs no configuration module to run
    from app.config import Settings

T = TypeVar("T")
SQLITE_BUSY_MS = 10000
# PostgreSQL errors of a database that is slow or contended, not broken: lock_not_available (lock_timeout),
# query_canceled (statement_timeout), deadlock_detected, serialization_failure. Worth trying again.
PG_STALL_STATES = {"55P03", "57014", "40P01", "40001"}
SQLITE_STALL_WORDS = ("database is locked", "database table is locked", "write gate timeout")
# The table a push is first written to: the health probe takes the lock that write needs.
PROBE_TABLE = "inbound_messages"
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


@dataclass(frozen=True)
class Timeouts:
    """How long one statement may wait or run, in seconds (0: no limit), so a stalled database fails fast."""

    statement: float = 0.0
    lock: float = 0.0
    sqlite_busy: float = SQLITE_BUSY_MS / 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> Timeouts:
        """The `database.*` keys of the configuration."""
        return cls(float(settings["database.statement_timeout"]), float(settings["database.lock_timeout"]),
                   float(settings["database.sqlite_busy_timeout"]))


def make_engine(url: str, timeouts: Timeouts | None = None, *, autocommit: bool = False) -> sa.Engine:
    """Build an engine with the settings each backend needs under concurrent workers.

    SQL parameters are never rendered into logs or exception messages: they hold openids and what
    people wrote. Without `timeouts` (migrations, tools) statements may wait as long as they need.
    `autocommit` (PostgreSQL only) gives a pool whose connections never open a transaction.
    """
    url = normalise_url(url)
    timeouts = timeouts or Timeouts()
    if url.startswith("sqlite"):
        return _reset_only_open_transactions(_sqlite_engine(url, timeouts.sqlite_busy))
    options = " ".join(f"-c {name}={int(seconds * 1000)}" for name, seconds in
                       (("statement_timeout", timeouts.statement), ("lock_timeout", timeouts.lock)) if seconds > 0)
    extra: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    return _reset_only_open_transactions(sa.create_engine(
        url, pool_recycle=PG_POOL_RECYCLE_SECONDS, pool_size=10, max_overflow=20, hide_parameters=True,
        pool_reset_on_return=None, connect_args={"options": options} if options else {}, **extra))


def _reset_only_open_transactions(engine: sa.Engine) -> sa.Engine:
    """Roll back a connection given back to the pool only when it is inside a transaction.

    The pool's default (switched off with `pool_reset_on_return=None`) rolls back every connection
    it gets back, also right after a COMMIT: two needless dialect calls per webhook message. A
    Connection closed with its transaction open has already rolled it back (`transaction_was_reset`);
    this catches any other way a transaction stays open.
    """

    @sa.event.listens_for(engine, "reset")
    def _reset(dbapi_conn, _record, state) -> None:
        if not state.transaction_was_reset and _in_transaction(dbapi_conn):
            dbapi_conn.rollback()

    return engine


def _in_transaction(dbapi_conn) -> bool:
    if isinstance(dbapi_conn, sqlite3.Connection):
        return dbapi_conn.in_transaction
    from psycopg.pq import TransactionStatus

    return dbapi_conn.info.transaction_status != TransactionStatus.IDLE


def is_stall(exc: BaseException) -> bool:
    """True for a database that timed out or was locked (try again later), not one that is broken."""
    if not isinstance(exc, sa.exc.DBAPIError) or exc.connection_invalidated:
        return False
    state = getattr(exc.orig, "sqlstate", None)
    if state:
        return state in PG_STALL_STATES
    return isinstance(exc.orig, sqlite3.OperationalError) and any(
        word in str(exc.orig) for word in SQLITE_STALL_WORDS)


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


def statement_reader(engine: sa.Engine, timeouts: Timeouts | None = None) -> sa.Engine:
    """An engine for reads of a single statement, which need no transaction of their own.

    On PostgreSQL a pool of its own whose connections stay in autocommit: no BEGIN and ROLLBACK round
    trips around the statement (the token check and `GET /me` are one statement each, on every call), and
    no isolation level switched at every check-out and back at every return, as the same pool with an
    AUTOCOMMIT execution option does. SQLite reads in process, so there it is `reader` (same pool, a
    deferred transaction, no write lock).
    """
    if engine.dialect.name == "postgresql":
        return make_engine(engine.url.render_as_string(hide_password=False), timeouts, autocommit=True)
    return reader(engine)


def _sqlite_engine(url: str, busy: float) -> sa.Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    busy_ms = int(busy * 1000)
    engine = sa.create_engine(url, hide_parameters=True, pool_reset_on_return=None,
                              connect_args={"check_same_thread": False, "timeout": busy})
    gate = _WriteGate(engine, busy)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event open the transaction itself (see below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads
        # and then writes fails at once with SQLITE_BUSY when another worker wrote first.
        # Readers (see `reader`) begin deferred and never wait for, or block, a writer (WAL).
        if conn.get_execution_options().get(READ_ONLY):
            # On the driver's connection: through exec_driver_sql this BEGIN cost as much CPU as the query after it.
            raw = conn.connection.driver_connection
            if raw is None:
                raise sa.exc.OperationalError("BEGIN", None, sqlite3.OperationalError("invalidated"))
            raw.execute("BEGIN")
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
        self.busy_ms = int(timeout * 1000)
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback
        # After the COMMIT/ROLLBACK itself, so the next writer does not find SQLite's lock still taken.
        dialect.do_commit = (  # type: ignore[method-assign]  # this engine's dialect only; no event comes later
            lambda dbapi_connection: self._after(commit, dbapi_connection))
        dialect.do_rollback = (  # type: ignore[method-assign]  # the same for ROLLBACK
            lambda dbapi_connection: self._after(rollback, dbapi_connection))
        for name in ("checkin", "invalidate", "soft_invalidate"):  # a connection lost mid-transaction
            sa.event.listen(engine, name, lambda _dbapi, record, *_: self.leave(record.info))

    def begin(self, conn: sa.Connection) -> None:
        """Open a write transaction: first in this process, then in the file."""
        deadline = time.monotonic() + self.timeout
        if not self.lock.acquire(timeout=self.timeout):
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("write gate timeout"))
        conn.info[self.KEY] = True
        try:
            raw = conn.connection.driver_connection
            if raw is None:  # invalidated under us: fail as a BEGIN that could not start
                raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("invalidated"))
            self._begin_immediate(raw, deadline)
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
            raw.execute(f"PRAGMA busy_timeout={self.busy_ms}")

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


@contextmanager
def atomic(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for work the database runs atomically, committed on success.

    PostgreSQL: autocommit, for work that is ONE statement (atomic by itself): no BEGIN and COMMIT
    round trips. SQLite: a write transaction (BEGIN IMMEDIATE), for one statement or several.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")
        return
    with engine.begin() as conn:
        yield conn


def session_scope(engine: sa.Engine):
    """A new session committed on success and rolled back on error."""
    return committing(Session(engine, expire_on_commit=False))


def probe_writable(engine: sa.Engine, timeout: float) -> bool:
    """Tell whether a push could be recorded now: take the lock that write needs, then roll back.

    A bare SELECT 1 answers at once while another session holds a lock on the table every push
    writes to; this waits for that lock (at most `timeout`) without writing anything.
    """
    try:
        with engine.connect() as conn:
            transaction = conn.begin()  # SQLite: BEGIN IMMEDIATE, the write lock itself
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(timeout * 1000))}")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
                conn.exec_driver_sql(f"LOCK TABLE {PROBE_TABLE} IN ROW EXCLUSIVE MODE")
            transaction.rollback()
        return True
    except sa.exc.SQLAlchemyError:
        return False
