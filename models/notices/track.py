"""Following a broadcast after planning: mass batches, outbox outcomes, WeChat job events, reports.

Delivery rows of customer-service/template recipients take their outcome from their outbox
row (`sync_outbox`, run by the sender job and before every report): the outbox is the one
place that knows whether app/delivery.py sent it, and copying keeps app/delivery.py untouched.
A TEMPLATESENDJOBFINISH that reports a failure later overrides 'sent'.

Mass batches: `start_batch` is committed before the HTTP call; a batch found 'started'
after a crash is sent again with the same clientmsgid, and WeChat's 45065 ("clientmsgid
exists", with the first msg_id) counts as sent, so a batch is never delivered twice.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.base import as_utc, id_column, id_of, rowcount, table_of
from models.core import outbox
from models.notices.broadcasts import CANCELLED, DONE, SENDING, AudienceTag, Broadcast, MassBatch, NoticeDelivery
from models.people.users import User

PENDING, STARTED, SENT, FAILED = "pending", "started", "sent", "failed"
OUTBOX_OUTCOME = {outbox.SENT: SENT, outbox.FAILED: FAILED, outbox.UNDELIVERABLE: FAILED,
                  outbox.UNCERTAIN: "uncertain", outbox.CANCELLED: CANCELLED}
JOB_OK = {"send success", "sendsuccess", "success"}


def open_batches(session: Session, *, limit: int = 20) -> list[int]:
    """Mass batches still to send (pending) or interrupted mid-call (started)."""
    query = (select(id_column(MassBatch)).join(Broadcast, col(Broadcast.id) == MassBatch.broadcast_id)
             .where(col(MassBatch.status).in_([PENDING, STARTED]), Broadcast.status == SENDING)
             .order_by(col(MassBatch.id)).limit(limit))
    return list(session.exec(query))


def start_batch(session: Session, batch_id: int, *, now: datetime) -> MassBatch | None:
    """Mark a batch as leaving now (committed before the call); None if it is no longer open."""
    batch = session.exec(select(MassBatch).where(MassBatch.id == batch_id).with_for_update()).one()
    if batch.status not in (PENDING, STARTED):
        return None
    batch.status, batch.attempts, batch.started_at = STARTED, batch.attempts + 1, as_utc(now)
    session.add(batch)
    return batch


def batch_openids(session: Session, batch: MassBatch) -> list[str]:
    """The recipients of a batch, in a stable order."""
    query = select(NoticeDelivery.openid).where(NoticeDelivery.broadcast_id == batch.broadcast_id,
                                                NoticeDelivery.batch_no == batch.batch_no)
    return list(session.exec(query.order_by(col(NoticeDelivery.id))))


def _set_rows(session: Session, batch: MassBatch, status: str, reason: str, now: datetime,
              only_pending: bool = True) -> int:
    table = table_of(NoticeDelivery)
    query = sa.update(table).where(table.c.broadcast_id == batch.broadcast_id, table.c.batch_no == batch.batch_no)
    if only_pending:
        query = query.where(table.c.status == PENDING)
    return rowcount(session.execute(query.values(status=status, reason=reason[:200], updated_at=as_utc(now))))


def batch_sent(session: Session, batch_id: int, msg_id: str | None, *, now: datetime) -> None:
    """WeChat accepted the batch (or had already: 45065)."""
    batch = session.get(MassBatch, batch_id)
    assert batch is not None
    batch.status, batch.msg_id, batch.finished_at = SENT, msg_id, as_utc(now)
    batch.errcode = None
    session.add(batch)
    _set_rows(session, batch, SENT, "", now)


def batch_failed(session: Session, batch_id: int, errcode: int | None, reason: str, *, retry: bool,
                 now: datetime) -> None:
    """A refused or unanswered call: back to pending for another try, or failed for good."""
    batch = session.get(MassBatch, batch_id)
    assert batch is not None
    batch.errcode, batch.reason = errcode, reason[:200]
    if retry:
        batch.status = PENDING
    else:
        batch.status, batch.finished_at = FAILED, as_utc(now)
        _set_rows(session, batch, FAILED, reason, now)
    session.add(batch)


def on_mass_job_finish(session: Session, msg_id: str, status: str, *, sent: int | None, errors: int | None,
                       now: datetime) -> bool:
    """Record WeChat's MASSSENDJOBFINISH for one of our batches; False if it is not ours."""
    batch = session.exec(select(MassBatch).where(MassBatch.msg_id == str(msg_id))).first()
    if batch is None:
        return False
    batch.job_status, batch.sent_count, batch.error_count = status[:64], sent, errors
    session.add(batch)
    if status.strip().lower() not in JOB_OK:
        _set_rows(session, batch, FAILED, f"mass job: {status}", now, only_pending=False)
    return True


def on_template_finish(session: Session, openid: str, msg_id: str, status: str, *, now: datetime) -> bool:
    """Record TEMPLATESENDJOBFINISH for a notice sent as a template; False if it is not ours."""
    row = session.exec(select(outbox.OutboxMessage).where(
        outbox.OutboxMessage.wechat_msgid == str(msg_id), outbox.OutboxMessage.openid == openid)).first()
    if row is None or not row.key.startswith("notice:"):
        return False
    delivery = session.exec(select(NoticeDelivery).where(NoticeDelivery.outbox_key == row.key)).first()
    if delivery is None:
        return False
    ok = status.strip().lower() in JOB_OK
    delivery.status, delivery.channel = (SENT if ok else FAILED), outbox.TEMPLATE
    delivery.reason, delivery.updated_at = ("" if ok else f"template job: {status}"[:200]), as_utc(now)
    session.add(delivery)
    return True


def sync_outbox(session: Session, *, now: datetime, broadcast_id: int | None = None) -> int:
    """Copy finished outbox outcomes into pending delivery rows; return how many changed."""
    table, box = table_of(NoticeDelivery), table_of(outbox.OutboxMessage)
    live = sa.select(col(Broadcast.id)).where(col(Broadcast.status).in_([SENDING, DONE, CANCELLED]))
    scope = [table.c.broadcast_id == broadcast_id] if broadcast_id else [table.c.broadcast_id.in_(live)]
    changed = 0
    for box_status, status in OUTBOX_OUTCOME.items():
        match = sa.select(box.c.id).where(box.c.key == table.c.outbox_key, box.c.status == box_status)
        reason = sa.select(sa.func.coalesce(box.c.last_error, "")).where(box.c.key == table.c.outbox_key)
        channel = sa.select(sa.func.coalesce(box.c.channel, table.c.channel)).where(box.c.key == table.c.outbox_key)
        query = sa.update(table).where(*scope, table.c.status == PENDING, table.c.outbox_key.is_not(None),
                                       sa.exists(match))
        values = {"status": status, "channel": channel.scalar_subquery(), "updated_at": as_utc(now)}
        if status != SENT:
            values["reason"] = sa.func.substr(reason.scalar_subquery(), 1, 200)
        changed += rowcount(session.execute(query.values(**values)))
    return changed


def finish_done(session: Session, *, now: datetime) -> list[int]:
    """Mark sending broadcasts with nothing left pending as done; return their ids."""
    table = table_of(NoticeDelivery)
    pending = sa.select(table.c.id).where(table.c.broadcast_id == Broadcast.id, table.c.status == PENDING)
    rows = list(session.exec(select(Broadcast).where(Broadcast.status == SENDING, ~sa.exists(pending))))
    for b in rows:
        b.status, b.finished_at = DONE, as_utc(now)
        session.add(b)
    return [id_of(b) for b in rows]


def stats(session: Session, broadcast_id: int) -> dict:
    """Counts per channel and status, and failure reasons with counts."""
    table = table_of(NoticeDelivery)
    rows = session.execute(sa.select(table.c.channel, table.c.status, table.c.reason, sa.func.count())
                           .where(table.c.broadcast_id == broadcast_id)
                           .group_by(table.c.channel, table.c.status, table.c.reason))
    channels: dict[str, dict[str, int]] = {}
    reasons: dict[str, int] = {}
    for channel, status, reason, count in rows:
        bucket = channels.setdefault(channel, {})
        bucket[status] = bucket.get(status, 0) + count
        if reason and status != SENT:
            reasons[reason] = reasons.get(reason, 0) + count
    return {"channels": channels, "reasons": reasons}


def latest_for(session: Session, user: User, *, offset: int, limit: int) -> list[Broadcast]:
    """Notices that reached (or were meant for) the user's village and roles, newest first."""
    if user.village_id is None:
        return []
    roles = [f"role:{r}" for r in user.role_set]
    tags = [f"tag:{t}" for t in session.exec(select(AudienceTag.tag).where(AudienceTag.openid == user.openid))]
    query = select(Broadcast).where(
        col(Broadcast.status).in_([SENDING, DONE]), Broadcast.topic == "",
        sa.or_(col(Broadcast.village_id) == user.village_id, col(Broadcast.village_id).is_(None)),
        col(Broadcast.audience).in_(["all", *roles, *tags]))
    query = query.order_by(col(Broadcast.send_at).desc(), col(Broadcast.id).desc()).offset(offset).limit(limit)
    return list(session.exec(query))


def recent_for_admin(session: Session, user: User, *, limit: int = 5) -> list[Broadcast]:
    """The admin's village's latest broadcasts (all of them for a county admin)."""
    query = select(Broadcast).where(Broadcast.topic == "")
    if not user.has_role("county_admin"):
        query = query.where(Broadcast.village_id == user.village_id)
    return list(session.exec(query.order_by(col(Broadcast.id).desc()).limit(limit)))
