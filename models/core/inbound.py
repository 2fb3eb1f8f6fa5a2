"""The inbound-message log: every WeChat push recorded once, with the reply it got.

The unique dedup key is what makes a retried push (same MsgId, or for events
the same sender, CreateTime and Event) cause no second side effect, across all
web workers. The status moves processing -> done (reply stored for retries) or
processing -> handed_off (the webhook gave up waiting; the reply goes out through
the outbox instead); both moves are conditional updates so exactly one wins.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, json_field, rowcount, table_of, utc_field

PROCESSING, DONE, HANDED_OFF, FAILED = "processing", "done", "handed_off", "failed"


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_messages"

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=200, unique=True)
    openid: str = Field(max_length=64, index=True)
    msg_type: str = Field(max_length=32)
    event: str = Field(default="", max_length=64)
    payload: dict[str, Any] | None = json_field()
    status: str = Field(default=PROCESSING, max_length=16, index=True)
    reply: str | None = Field(default=None)
    received_at: datetime = utc_field(index=True)
    finished_at: datetime | None = utc_field(nullable=True)


def dedup_key(openid: str, msg_id: int | str | None, create_time: int | str, event: str | None,
              event_key: str = "") -> str:
    """Build the key a retry of the same push shares (sender-scoped, see WECHAT.md).

    Events carry no MsgId: WeChat's key is sender + CreateTime; the event and its key are added
    because two different menu taps can fall in the same second, and a retry repeats both.
    """
    if msg_id not in (None, 0, "0", ""):
        return f"m:{openid}:{msg_id}"
    return f"e:{openid}:{create_time}:{(event or '').lower()}:{event_key}"[:200]


def record_inbound(
    session: Session, *, key: str, openid: str, msg_type: str, event: str, payload: dict[str, Any], now: datetime
) -> tuple[int, bool]:
    """Record a push once; return its row id and whether this call created it."""
    values = {"dedup_key": key, "openid": openid, "msg_type": msg_type, "event": event, "payload": payload,
              "status": PROCESSING, "received_at": as_utc(now)}
    conn = session.connection()
    # RETURNING gives the new id in the same statement; only a retry (insert ignored) reads the row.
    new_id = conn.execute(_statements(conn.dialect.name)["insert"], values).scalar()
    if new_id is not None:
        return new_id, True
    return conn.execute(_statements(conn.dialect.name)["find"], {"key": key}).scalar_one(), False


def finish_inbound(session: Session, inbound_id: int, reply: str, *, now: datetime, status: str = DONE) -> bool:
    """Store the reply if the webhook is still waiting; False if it was handed off."""
    return _move(session, "finish", {"row_id": inbound_id, "new_status": status, "new_reply": reply,
                                     "new_finished_at": as_utc(now)})


def hand_off(session: Session, inbound_id: int) -> bool:
    """Mark a message as answered with 'success'; False if its reply is already stored."""
    return _move(session, "hand_off", {"row_id": inbound_id, "new_status": HANDED_OFF})


def inbound_status(session: Session, inbound_id: int) -> tuple[str, str | None]:
    """The status of a message and its stored reply (read by retries while they wait)."""
    conn = session.connection()
    status, reply = conn.execute(_statements(conn.dialect.name)["status"], {"row_id": inbound_id}).one()
    return status, reply


def _move(session: Session, which: str, params: dict[str, Any]) -> bool:
    # Conditional on status = processing: of the bot's finish and the webhook's hand-off, exactly one wins.
    conn = session.connection()
    return conn.execute(_statements(conn.dialect.name)[which], params).rowcount == 1


@functools.cache
def _statements(dialect: str) -> dict[str, Any]:
    """The hot-path statements, built once per dialect (building them costs more than running them)."""
    table = table_of(InboundMessage)
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    move = sa.update(table).where(table.c.id == sa.bindparam("row_id")).where(table.c.status == PROCESSING)
    return {
        "insert": insert.on_conflict_do_nothing(index_elements=["dedup_key"]).returning(table.c.id),
        "find": sa.select(table.c.id).where(table.c.dedup_key == sa.bindparam("key")),
        "status": sa.select(table.c.status, table.c.reply).where(table.c.id == sa.bindparam("row_id")),
        "finish": move.values(status=sa.bindparam("new_status"), reply=sa.bindparam("new_reply"),
                              finished_at=sa.bindparam("new_finished_at")),
        "hand_off": move.values(status=sa.bindparam("new_status")),
    }


def stale_inbound(session: Session, *, now: datetime, older_than: float) -> list[InboundMessage]:
    """Messages still processing long after arrival: their worker died mid-way."""
    cutoff = as_utc(now) - timedelta(seconds=older_than)
    query = select(InboundMessage).where(InboundMessage.status == PROCESSING, InboundMessage.received_at < cutoff)
    return list(session.exec(query.order_by(col(InboundMessage.id))))


def prune_inbound(session: Session, *, now: datetime, keep_days: int) -> int:
    """Delete finished records older than the retention period."""
    table = table_of(InboundMessage)
    cutoff = as_utc(now) - timedelta(days=keep_days)
    result = session.execute(
        sa.delete(table).where(table.c.received_at < cutoff).where(table.c.status != PROCESSING)
    )
    return rowcount(result)
