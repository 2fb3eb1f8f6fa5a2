"""The outbox: notifications written in the same transaction as the change that caused them.

A delivery worker (app/delivery.py) claims due rows, picks a channel, sends, and
records the outcome here. Rules about what an outcome means live in this module
so they are tested without WeChat or a clock.

Row states: pending -> sending -> sent | pending (retry) | failed | undeliverable | uncertain | held.
'held' waits for the user's next message (models/core/outbox_hold.py): a routine push with no channel left
under the quota budget, or the full text of a template that could not hold it; 'merged' rows went
out inside one digest message.
'uncertain' is a customer-service send whose worker died after the request left
and before the answer was recorded: WeChat offers no idempotency key for that
API, so it is not sent again (a duplicate is the one thing we promise not to do);
the coordinator sees it. Template sends carry the row key as client_msg_id, so a
crashed template send is simply retried.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, json_field, rowcount, table_of, utc_field

PENDING, SENDING, SENT = "pending", "sending", "sent"
FAILED, UNDELIVERABLE, UNCERTAIN, CANCELLED = "failed", "undeliverable", "uncertain", "cancelled"
HELD, MERGED = "held", "merged"
CUSTOM, TEMPLATE, SMS = "custom", "template", "sms"
# A one-time subscription message of the mini-program (models/api/subscriptions.py).
SUBSCRIBE = "subscribe"
URGENT, NORMAL, LOW = 0, 5, 9

# errcodes that mean "try again later" (system busy, quota, our own HTTP trouble = None). Only these: every
# WeChat errcode but -1 is above 40000, so a bound like `>= 500` would retry a refusal (40003, 47003) too.
TRANSIENT = {None, -1, 45009, 45011, 40001, 40014, 42001}
WINDOW_CLOSED = {45015, 45047}
NOT_FOLLOWING = 43004


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    openid: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=48)
    text: str
    template_data: dict[str, Any] | None = json_field()
    priority: int = Field(default=NORMAL)
    status: str = Field(default=PENDING, max_length=16)
    channel: str | None = Field(default=None, max_length=16)
    attempts: int = Field(default=0)
    not_before: datetime = utc_field()
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_until: datetime | None = utc_field(nullable=True)
    send_started_at: datetime | None = utc_field(nullable=True)
    last_errcode: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    wechat_msgid: str | None = Field(default=None, max_length=64)
    created_at: datetime = utc_field()
    sent_at: datetime | None = utc_field(nullable=True)


def enqueue(
    session: Session, *, key: str, openid: str, kind: str, text: str, now: datetime,
    template_data: dict[str, Any] | None = None, priority: int = NORMAL, not_before: datetime | None = None,
    channel: str | None = None, status: str = PENDING,
) -> bool:
    """Add a notification in the caller's transaction; False if this key already exists.

    `channel` pins the row to one channel (an SMS row); `status` HELD parks it until the user writes.
    """
    return enqueue_many(session, [row(key=key, openid=openid, kind=kind, text=text, now=now,
                                      template_data=template_data, priority=priority, not_before=not_before,
                                      channel=channel, status=status)]) == 1


def row(*, key: str, openid: str, kind: str, text: str, now: datetime, template_data: dict[str, Any] | None = None,
        priority: int = NORMAL, not_before: datetime | None = None, channel: str | None = None,
        status: str = PENDING) -> dict[str, Any]:
    """The values of one outbox row, for `enqueue_many`."""
    now = as_utc(now)
    return {"key": key, "openid": openid, "kind": kind, "text": text, "template_data": template_data,
            "priority": priority, "status": status, "attempts": 0, "channel": channel,
            "not_before": as_utc(not_before) if not_before else now, "created_at": now}


def _insert_ignore(module: Any) -> Any:
    table = table_of(OutboxMessage)
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    return module.insert(table).on_conflict_do_nothing().returning(table.c.id)


# Built once: a statement built per call costs more to cache-key than to run.
_ENQUEUE = {"postgresql": _insert_ignore(postgresql), "sqlite": _insert_ignore(sqlite)}


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> int:
    """Add notifications (`row` values) in the caller's transaction, in one INSERT; how many keys were new.

    Ids follow the order of `rows`, and a key repeated within them is added once, as one `enqueue` each would.
    """
    if not rows:
        return 0
    stmt = _ENQUEUE[session.get_bind().dialect.name]
    return len(session.execute(stmt, rows).all())


def claim_due(session: Session, *, worker: str, now: datetime, limit: int, lease: float) -> list[OutboxMessage]:
    """Reserve up to `limit` due rows for this worker (SKIP LOCKED on PostgreSQL)."""
    now = as_utc(now)
    table = table_of(OutboxMessage)
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now)
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.exec(due))
    if not ids:
        return []
    session.execute(
        sa.update(table).where(table.c.id.in_(ids)).where(table.c.status == PENDING)
        .values(status=SENDING, claimed_by=worker, claimed_until=now + timedelta(seconds=lease))
    )
    query = select(OutboxMessage).where(col(OutboxMessage.id).in_(ids), OutboxMessage.claimed_by == worker,
                                        OutboxMessage.status == SENDING)
    return list(session.exec(query.order_by(col(OutboxMessage.priority), col(OutboxMessage.id))).all())


def start_attempt(row: OutboxMessage, channel: str, *, now: datetime) -> None:
    """Note that a send is about to leave; committed before the HTTP call."""
    row.channel = channel
    row.attempts += 1
    row.send_started_at = as_utc(now)


def mark_sent(row: OutboxMessage, *, now: datetime, msgid: str | None = None) -> None:
    """Record a delivery WeChat accepted."""
    row.status, row.sent_at, row.wechat_msgid = SENT, as_utc(now), msgid
    row.claimed_by = row.claimed_until = row.send_started_at = None
    row.last_errcode = row.last_error = None


@dataclass(frozen=True)
class Decision:
    """What to do after a failed send."""

    action: str  # retry | rechoose | fallback | undeliverable | unsubscribed | uncertain | failed
    reason: str


def decide(errcode: int | None, *, channel: str, has_template: bool, attempts: int, max_attempts: int,
           ambiguous: bool = False) -> Decision:
    """Map a send failure to the next step (WECHAT.md §4 errcodes)."""
    if ambiguous and channel == CUSTOM:
        # The request left and no answer came: WeChat may have delivered it, and this API has no
        # idempotency key, so repeating it could send twice (template sends retry with client_msg_id).
        return Decision("uncertain", "no answer to a customer-service send; not repeated")
    if errcode in WINDOW_CLOSED and channel == CUSTOM:
        if has_template:
            return Decision("fallback", f"window closed ({errcode}); template form")
        return Decision("undeliverable", f"window closed ({errcode}) and no template for this kind")
    if errcode == NOT_FOLLOWING:
        return Decision("unsubscribed", "user does not follow the account (43004)")
    if errcode in TRANSIENT:
        if attempts >= max_attempts:
            return Decision("failed", f"gave up after {attempts} attempts ({errcode})")
        return Decision("retry", f"transient ({errcode})")
    return Decision("failed", f"rejected by WeChat ({errcode})")


def backoff(attempts: int, *, base: float, cap: float) -> timedelta:
    """Exponential delay before the next attempt."""
    return timedelta(seconds=min(cap, base * (2 ** max(0, attempts - 1))))


def apply_decision(row: OutboxMessage, decision: Decision, *, errcode: int | None, now: datetime,
                   delay: timedelta = timedelta(0)) -> None:
    """Move a row according to a decision."""
    row.last_errcode, row.last_error = errcode, decision.reason[:500]
    row.claimed_by = row.claimed_until = row.send_started_at = None
    if decision.action == "retry":
        row.status, row.not_before = PENDING, as_utc(now) + delay
    elif decision.action == "rechoose":  # the channel tried is gone: pick again at once
        row.status, row.not_before, row.channel = PENDING, as_utc(now), None
    elif decision.action == "fallback":
        row.status, row.not_before, row.channel = PENDING, as_utc(now), TEMPLATE
    elif decision.action in ("undeliverable", "unsubscribed"):
        row.status = UNDELIVERABLE
    elif decision.action == "uncertain":
        row.status = UNCERTAIN
    else:
        row.status = FAILED


def recover_stale(session: Session, *, now: datetime) -> dict[str, int]:
    """Release rows whose worker died: unsent ones go back, ambiguous custom sends become uncertain."""
    now = as_utc(now)
    query = select(OutboxMessage).where(col(OutboxMessage.status) == SENDING, col(OutboxMessage.claimed_until) < now)
    counts = {"requeued": 0, "uncertain": 0}
    for row in session.exec(query):
        started_custom = row.send_started_at is not None and row.channel == CUSTOM
        if started_custom:
            row.status, row.last_error = UNCERTAIN, "worker stopped during a customer-service send"
            counts["uncertain"] += 1
        else:
            row.status, row.not_before = PENDING, now
            counts["requeued"] += 1
        row.claimed_by = row.claimed_until = row.send_started_at = None
        session.add(row)
    return counts


def cancel_if_pending(session: Session, key: str) -> bool:
    """Withdraw a notification nobody has started sending; True if it will never go out."""
    table = table_of(OutboxMessage)
    result = session.execute(sa.update(table).where(table.c.key == key).where(table.c.status == PENDING)
                             .values(status=CANCELLED, last_error="no longer relevant"))
    return rowcount(result) == 1


def summary(session: Session) -> dict[str, int]:
    """Count rows per status, for health and the coordinator."""
    rows = session.execute(sa.select(col(OutboxMessage.status), sa.func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}
