"""Named leases: one holder at a time, expiring on their own if the holder dies.

Used for the scheduler (one firing process) and the access-token refresh; per-user
message serialisation is a transaction-scoped lock (`take_turn`) that also honours
them. Works on SQLite and PostgreSQL with plain conditional statements, so it holds
across processes and machines sharing the database.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from models.base import as_utc, insert_ignore, rowcount, table_of, utc_field


class Lease(SQLModel, table=True):
    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=160)
    holder: str = Field(max_length=128)
    expires_at: datetime = utc_field()


def acquire_lease(session: Session, name: str, holder: str, *, now: datetime, ttl: float) -> bool:
    """Take or renew a lease; True when this holder has it until now + ttl."""
    now = as_utc(now)
    until = now + timedelta(seconds=ttl)
    if insert_ignore(session, Lease, {"name": name, "holder": holder, "expires_at": until}):
        return True
    table = table_of(Lease)
    result = session.execute(
        sa.update(table)
        .where(table.c.name == name)
        .where(sa.or_(table.c.holder == holder, table.c.expires_at < now))
        .values(holder=holder, expires_at=until)
    )
    return rowcount(result) == 1


def release_lease(session: Session, name: str, holder: str) -> bool:
    """Give a lease back if this holder still has it."""
    table = table_of(Lease)
    result = session.execute(sa.delete(table).where(table.c.name == name).where(table.c.holder == holder))
    return rowcount(result) == 1


def take_turn(session: Session, name: str, *, now: datetime) -> bool:
    """Take `name` for the rest of the session's transaction, unless a live lease of that name exists.

    PostgreSQL: a transaction-scoped advisory lock (released by commit or rollback, and by the
    server when the connection dies). SQLite needs none: the transaction's BEGIN IMMEDIATE write
    lock already serialises every writer. A lease held through the named-lock API excludes the
    turn on both, so every holder of `name` agrees. False means: roll back, wait, try again.
    """
    conn = session.connection()
    return bool(conn.execute(_turn_statement(conn.dialect.name), {"name": name, "now": as_utc(now)}).scalar())


@functools.cache
def _turn_statement(dialect: str):
    table = table_of(Lease)
    free = ~sa.exists().where(table.c.name == sa.bindparam("name"),
                              table.c.expires_at > sa.bindparam("now", type_=table.c.expires_at.type))
    if dialect != "postgresql":
        return sa.select(free)
    key = sa.func.hashtextextended(sa.bindparam("name"), 0)
    return sa.select(sa.and_(sa.func.pg_try_advisory_xact_lock(key, type_=sa.Boolean), free))
