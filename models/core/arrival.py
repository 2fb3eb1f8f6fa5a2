"""A new push recorded in the fewest statements: its inbound row and the window it opens.

This is the common case of `inbound.record_inbound` + `windows.record_interaction` +
`outbox_hold.release`, for a push seen for the first time from a user with no held rows. On
PostgreSQL it is one statement (data-modifying CTEs), which is atomic on its own, so the caller
may run it outside an explicit transaction and save the BEGIN and COMMIT round trips. On SQLite it
is two statements and must run in a transaction.

It records nothing and returns None when the push is a retry (its row exists) or when the user
has held rows, which must be released in the same transaction as the window opens: the caller
then takes the full path. The held check and the insert are one statement, so a row held after
the check waits for the user's next message, as it would after the full path's commit.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models.base import as_utc, table_of
from models.core import windows
from models.core.inbound import PROCESSING, InboundMessage
from models.core.outbox import HELD, OutboxMessage

COLUMNS = ("dedup_key", "openid", "msg_type", "event", "payload", "status", "received_at")


def record_arrival(conn: sa.Connection, *, key: str, openid: str, msg_type: str, event: str,
                   payload: dict[str, Any], now: datetime, window: str | None) -> int | None:
    """Record a new push and open `window` (windows.MESSAGE, windows.EVENT or None); its row id.

    For a user message (windows.MESSAGE) nothing is recorded while the user has held rows.
    None: nothing was recorded (a retry, or held rows): use the full path.
    """
    dialect = conn.dialect.name
    params = {"dedup_key": key, "openid": openid, "msg_type": msg_type, "event": event, "payload": payload,
              "status": PROCESSING, "received_at": as_utc(now), "at": as_utc(now)}
    if dialect == "postgresql":
        return conn.execute(_postgresql_statement(window), params).scalar()
    row_id = conn.execute(_insert_statement(dialect, window == windows.MESSAGE), params).scalar()
    if row_id is not None and window is not None:
        conn.execute(windows.upsert_statement(dialect, window), params)
    return row_id


@functools.cache
def _insert_statement(dialect: str, unless_held: bool):
    table = table_of(InboundMessage)
    values = sa.select(*(sa.bindparam(name, type_=table.c[name].type) for name in COLUMNS))
    # SQLite: INSERT … SELECT … ON CONFLICT needs a WHERE clause to parse, hence WHERE true.
    values = values.where(~_held() if unless_held else sa.true())
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table).from_select(COLUMNS, values,
                                                                                          include_defaults=False)
    return insert.on_conflict_do_nothing(index_elements=["dedup_key"]).returning(table.c.id)


def _held() -> sa.Exists:
    outbox = table_of(OutboxMessage)
    return sa.exists().where(outbox.c.openid == sa.bindparam("openid"), outbox.c.status == HELD)


@functools.cache
def _postgresql_statement(window: str | None):
    """WITH arrived AS (INSERT … RETURNING id), opened AS (upsert of the window FROM arrived) SELECT id."""
    arrived = _insert_statement("postgresql", window == windows.MESSAGE).cte("arrived")
    query = sa.select(arrived.c.id)
    if window is not None:
        table = table_of(windows.ServiceWindow)
        at, used = windows.columns(window)
        other_used = windows.columns(windows.EVENT if window == windows.MESSAGE else windows.MESSAGE)[1]
        # A new row's other counter too: SQLModel's default of 0 is not rendered inside a CTE.
        source = sa.select(sa.bindparam("openid", type_=table.c.openid.type),
                           sa.bindparam("at", type_=table.c[at].type), sa.literal(0), sa.literal(0))
        source = source.select_from(arrived)
        upsert = postgresql.insert(table).from_select(["openid", at, used, other_used], source, include_defaults=False)
        opened = upsert.on_conflict_do_update(index_elements=["openid"],
                                              set_={at: upsert.excluded[at], used: 0}).cte("opened")
        query = query.add_cte(opened)
    return query
