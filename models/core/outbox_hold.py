"""Pushes that wait for the user's next message, and their release when it comes.

Two kinds of row wait (status held): a routine push that found no channel within the quota budget
(models/core/delivery_policy.py), and the full text of a push whose template could not hold it (kind
full_text, a copy made when the template went out). A user message opens a fresh 48-hour window;
recording it releases that user's held rows in the same transaction: critical ones one by one,
routine ones merged into as few digest messages as fit, so a backlog costs one or two of the five
customer-service messages instead of all of them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.base import as_utc
from models.core import outbox
from models.core.delivery_policy import critical
from models.core.outbox import HELD, MERGED, PENDING, UNDELIVERABLE, OutboxMessage
from models.core.push_kinds import DIGEST, FULL_TEXT

# A customer-service text may hold 2048 bytes; Chinese takes 3 bytes a character in UTF-8.
DIGEST_MAX_CHARS = 600
SEPARATOR = "\n\n"


def hold(row: OutboxMessage, *, reason: str) -> None:
    """Park a claimed row until the user writes."""
    row.status, row.last_error = HELD, reason[:500]
    row.claimed_by = row.claimed_until = row.send_started_at = None


def hold_full_text(session: Session, row: OutboxMessage, *, now: datetime) -> bool:
    """Keep the whole text of a row whose template carried only a summary; False if already kept."""
    return outbox.enqueue(session, key=f"full:{row.key}"[:200], openid=row.openid, kind=FULL_TEXT, text=row.text,
                          now=now, priority=row.priority, template_data={"held_kind": row.kind, "of": row.key},
                          status=HELD)


def held_for(session: Session, openid: str) -> list[OutboxMessage]:
    """A user's waiting rows, most urgent first."""
    query = select(OutboxMessage).where(OutboxMessage.openid == openid, OutboxMessage.status == HELD)
    return list(session.exec(query.order_by(col(OutboxMessage.priority), col(OutboxMessage.id))))


def release(session: Session, openid: str, *, now: datetime) -> int:
    """The user wrote: their held rows are due now, routine ones merged; return how many rows go out."""
    rows = held_for(session, openid)
    if not rows:
        return 0
    now = as_utc(now)
    going = 0
    for row in rows:
        if critical(row):
            _due(session, row, now)
            going += 1
    for chunk in _chunks([row for row in rows if not critical(row)]):
        if len(chunk) == 1:
            _due(session, chunk[0], now)
        else:
            _merge(session, chunk, now)
        going += 1
    return going


def _due(session: Session, row: OutboxMessage, now: datetime) -> None:
    row.status, row.not_before, row.last_error = PENDING, now, None
    if row.channel == outbox.TEMPLATE:
        row.channel = None  # the window is open again: choose afresh
    session.add(row)


def _chunks(rows: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    chunks: list[list[OutboxMessage]] = []
    size = 0
    for row in rows:
        if chunks and size + len(SEPARATOR) + len(row.text) <= DIGEST_MAX_CHARS:
            chunks[-1].append(row)
            size += len(SEPARATOR) + len(row.text)
        else:
            chunks.append([row])
            size = len(row.text)
    return chunks


def _merge(session: Session, rows: list[OutboxMessage], now: datetime) -> None:
    key = f"digest:{rows[0].key}"[:200]
    outbox.enqueue(session, key=key, openid=rows[0].openid, kind=DIGEST, now=now,
                   text=SEPARATOR.join(row.text for row in rows), priority=min(row.priority for row in rows))
    for row in rows:
        row.status, row.last_error = MERGED, f"merged into {key}"[:500]
        session.add(row)


def expire(session: Session, *, now: datetime, max_age: timedelta) -> int:
    """Held rows the user never came back for become undeliverable (the coordinator sees them)."""
    cutoff = as_utc(now) - max_age
    query = select(OutboxMessage).where(OutboxMessage.status == HELD, OutboxMessage.created_at < cutoff)
    count = 0
    for row in session.exec(query):
        row.status, row.last_error = UNDELIVERABLE, "held for the user's next message, which never came"
        session.add(row)
        count += 1
    return count
