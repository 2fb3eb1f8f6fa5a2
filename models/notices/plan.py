"""Planning a broadcast: who receives it and on which channel, in resumable chunks.

Per recipient, at plan time: not following -> skipped; inside a customer-service window
(models/core/windows.py) -> customer-service via the outbox; else a template when one is
configured for kind 'notice' -> template via the outbox (app/delivery.py makes the final
custom/template choice when it sends); else mass send when the broadcast may use it and the
recipient has mass messages left this month -> a mass batch; else skipped with the reason.

Each chunk (recipients ordered by users.id) is one transaction that writes the delivery
rows, the outbox rows, the quota reservations and the cursor together, under a lock on the
broadcast row, so a planner killed anywhere resumes at the cursor: nobody twice, nobody
skipped. The unique keys (broadcast, openid) and outbox.key are the second line of defence.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from models.base import as_utc, id_column, id_of, rowcount, table_of
from models.base import bulk_insert_ignore as base_bulk_insert_ignore
from models.checkin.rules import CLOSED as CHECKIN_CLOSED
from models.checkin.rules import CheckinEnrolment
from models.core import outbox
from models.core.windows import ServiceWindow, open_quota
from models.notices.broadcasts import (
    CANCELLED,
    PLANNING,
    REJECTED,
    SCHEDULED,
    SENDING,
    SYSTEM,
    AudienceTag,
    Broadcast,
    MassBatch,
    MassQuota,
    NoticeDelivery,
    NoticeOptOut,
)
from models.people.users import FamilyLink, User

BEIJING = ZoneInfo("Asia/Shanghai")
MASS_MAX = 10_000
NOTICE_KIND = "notice"


@dataclass(frozen=True)
class PlanRules:
    """Everything planning needs from config, passed in (models read no config)."""

    tz: tzinfo = BEIJING
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    has_template: bool = False
    mass_per_month: int = 4
    # Customer-service messages a routine push must leave for critical ones (delivery.critical_reserve).
    reserve: int = 0
    chunk: int = 5000
    batch_size: int = MASS_MAX
    render: Callable[[Broadcast], str] = field(default=lambda b: b.body)
    template_data: Callable[[Broadcast], dict[str, Any]] = field(default=lambda b: {"title": b.title or b.body})


def in_quiet_hours(now: datetime, rules: PlanRules) -> bool:
    """True when local time is inside the quiet window (which may wrap past midnight; start = end: none)."""
    local = now.astimezone(rules.tz).time()
    start, end = rules.quiet_start, rules.quiet_end
    # `<=`: an empty window wraps past nothing. Taken as wrapping, it was quiet all day, and each deferral
    # to its end found it quiet again: a non-urgent notice never went out.
    return start <= local < end if start <= end else (local >= start or local < end)


def quiet_until(now: datetime, rules: PlanRules) -> datetime | None:
    """When the quiet window ends (UTC), or None if it is not quiet now."""
    if not in_quiet_hours(now, rules):
        return None
    local = now.astimezone(rules.tz)
    end = datetime.combine(local.date(), rules.quiet_end, tzinfo=rules.tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), rules.quiet_end, tzinfo=rules.tz)
    return as_utc(end)


def mass_month(now: datetime) -> str:
    """The Beijing calendar month WeChat counts mass messages in."""
    return now.astimezone(BEIJING).strftime("%Y-%m")


def due(session: Session, *, now: datetime) -> list[int]:
    """Ids of broadcasts whose planning is due or was interrupted."""
    query = select(id_column(Broadcast)).where(col(Broadcast.status).in_([SCHEDULED, PLANNING]),
                                       Broadcast.send_at <= as_utc(now))
    return list(session.exec(query.order_by(col(Broadcast.send_at), col(Broadcast.id))))


def recipients_query(b: Broadcast, after: int = 0) -> sa.Select:
    """Users a broadcast addresses, ordered by id, after a cursor."""
    query = sa.select(col(User.id), col(User.openid), col(User.subscribed)).where(col(User.id) > after)
    if b.village_id is not None:
        query = query.where(col(User.village_id) == b.village_id)
    else:
        query = query.where(col(User.village_id).is_not(None))
    kind, _, value = b.audience.partition(":")
    if kind == "role":
        query = query.where(col(User.roles).contains(f",{value},"))
    elif kind == "checkin":
        query = query.where(col(User.id).in_(checkin_people(value)))
    elif kind == "tag":
        tagged = sa.select(col(AudienceTag.openid)).where(col(AudienceTag.tag) == value)
        query = query.where(col(User.openid).in_(tagged))
    if b.topic:
        opted = sa.select(col(NoticeOptOut.openid)).where(col(NoticeOptOut.topic) == b.topic)
        query = query.where(col(User.openid).not_in(opted))
    return query.order_by(col(User.id))


def checkin_people(who: str) -> sa.Select:
    """Ids of the elders enrolled in the daily check-in (paused ones too), or of their bound family."""
    enrolled = sa.select(col(CheckinEnrolment.elder_id)).where(col(CheckinEnrolment.status) != CHECKIN_CLOSED)
    if who == "family":
        return sa.select(col(FamilyLink.family_id)).where(col(FamilyLink.elder_id).in_(enrolled))
    return enrolled


def classify(people: Sequence[Any], windows: dict[str, ServiceWindow], used: dict[str, int], b: Broadcast,
             rules: PlanRules, now: datetime) -> list[tuple[Any, str, str, str]]:
    """(person, channel, status, reason) for each recipient of a chunk."""
    out = []
    for person in people:
        if not person.subscribed:
            out.append((person, "none", "skipped", "unsubscribed"))
        elif open_quota(windows.get(person.openid), now=now, keep=rules.reserve):
            out.append((person, outbox.CUSTOM, "pending", ""))
        elif rules.has_template:
            out.append((person, outbox.TEMPLATE, "pending", ""))
        elif not b.use_mass:
            out.append((person, "none", "skipped", "no_channel"))
        elif used.get(person.openid, 0) >= rules.mass_per_month:
            out.append((person, "mass", "skipped", "mass_quota"))
        else:
            out.append((person, "mass", "pending", ""))
    return out


def chunk_of(session: Session, b: Broadcast, after: int, limit: int, now: datetime) -> tuple[list, dict, dict]:
    """The next recipients after a cursor, with their windows and this month's mass count: one statement.

    Outer joins on the two primary keys instead of two IN lists of thousands of openids, whose
    binding and planning cost more than the rows.
    """
    w, q = table_of(ServiceWindow).c, table_of(MassQuota).c
    # The chunk first, then the joins: joined before the LIMIT, the whole remaining audience was joined
    # and sorted for every chunk (quadratic) whenever the planner misjudged the row counts.
    chunk = recipients_query(b, after).limit(limit).subquery()
    query = (sa.select(chunk.c.id, chunk.c.openid, chunk.c.subscribed, w.openid.label("w_openid"), w.message_at,
                       w.message_used, w.event_at, w.event_used, q.used.label("mass_used"))
             .select_from(chunk)
             .outerjoin(table_of(ServiceWindow), w.openid == chunk.c.openid)
             .outerjoin(table_of(MassQuota), sa.and_(q.openid == chunk.c.openid, q.month == mass_month(now)))
             .order_by(chunk.c.id))
    people = list(session.execute(query).all())
    wins = {p.openid: ServiceWindow(openid=p.openid, message_at=p.message_at, message_used=p.message_used,
                                    event_at=p.event_at, event_used=p.event_used) for p in people if p.w_openid}
    return people, wins, {p.openid: p.mass_used for p in people if p.mass_used is not None}


def plan_step(session: Session, broadcast_id: int, rules: PlanRules, *, now: datetime) -> int:
    """Plan the next chunk of one broadcast; 0 when it is fully planned (or not plannable)."""
    b = session.exec(select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()).one()
    if b.status not in (SCHEDULED, PLANNING):
        return 0
    b.status = PLANNING
    people, wins, used = chunk_of(session, b, b.plan_cursor, rules.chunk, now)
    if not people:
        _finish_planning(session, b, rules, now)
        return 0
    _write_chunk(session, b, classify(people, wins, used, b, rules, now), rules, now)
    b.plan_cursor, b.recipients = people[-1].id, b.recipients + len(people)
    session.add(b)
    return len(people)


def _write_chunk(session: Session, b: Broadcast, plan: list, rules: PlanRules, now: datetime) -> None:
    now = as_utc(now)
    text, data = rules.render(b), rules.template_data(b)
    priority = outbox.URGENT if b.urgent else outbox.LOW
    deliveries, messages = [], []
    for person, channel, status, reason in plan:
        key = f"notice:{b.id}:{person.openid}" if channel in (outbox.CUSTOM, outbox.TEMPLATE) else None
        deliveries.append({"broadcast_id": b.id, "openid": person.openid, "channel": channel, "status": status,
                           "reason": reason, "outbox_key": key, "batch_no": None, "updated_at": now})
        if key:
            messages.append({"key": key, "openid": person.openid, "kind": NOTICE_KIND, "text": text,
                             "template_data": data, "priority": priority, "status": outbox.PENDING,
                             "attempts": 0, "not_before": now, "created_at": now})
    bulk_insert_ignore(session, NoticeDelivery, deliveries)
    bulk_insert_ignore(session, outbox.OutboxMessage, messages)


def _insert(session: Session, model) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model.__table__)


def bulk_insert_ignore(session: Session, model, rows: list[dict]) -> None:
    """Insert many rows, ignoring those that hit a unique key (COPY on PostgreSQL: models/base.py)."""
    base_bulk_insert_ignore(session, model, rows)


def _reserve_quota(session: Session, b: Broadcast, now: datetime) -> None:
    """Count one mass message this month for each mass recipient of the broadcast (one statement)."""
    table = table_of(NoticeDelivery)
    chosen = sa.select(table.c.openid, sa.literal(mass_month(now)), sa.literal(1)).where(
        table.c.broadcast_id == b.id, table.c.channel == "mass", table.c.status == "pending")
    stmt = _insert(session, MassQuota).from_select(["openid", "month", "used"], chosen)
    update = {"used": table_of(MassQuota).c.used + 1}
    session.execute(stmt.on_conflict_do_update(index_elements=["openid", "month"], set_=update))


def _finish_planning(session: Session, b: Broadcast, rules: PlanRules, now: datetime) -> None:
    ids = list(session.exec(select(id_column(NoticeDelivery)).where(
        NoticeDelivery.broadcast_id == b.id, NoticeDelivery.channel == "mass", NoticeDelivery.status == "pending",
        col(NoticeDelivery.batch_no).is_(None)).order_by(col(NoticeDelivery.id))))
    _reserve_quota(session, b, now)
    tag_id = _whole_tag(session, b, len(ids))
    for number, (first, last) in enumerate(split_batches(ids, None if tag_id else rules.batch_size), start=1):
        _make_batch(session, b, number, first, last, tag_id, now)
    b.status, b.planned_at = SENDING, as_utc(now)
    session.add(b)


def split_batches(ids: list[int], size: int | None) -> Iterable[tuple[int, int]]:
    """(first id, last id) of balanced batches of at most `size` (no lone batch of 1 when avoidable)."""
    if not ids:
        return []
    count = 1 if size is None else math.ceil(len(ids) / size)
    base, extra = divmod(len(ids), count)
    bounds, start = [], 0
    for number in range(count):
        end = start + base + (1 if number < extra else 0)
        bounds.append((ids[start], ids[end - 1]))
        start = end
    return bounds


def _whole_tag(session: Session, b: Broadcast, mass_count: int) -> int | None:
    """A WeChat tag id when every recipient goes by mass to a fully synced tag (one sendall call)."""
    kind, _, tag = b.audience.partition(":")
    if kind != "tag" or mass_count == 0 or mass_count != b.recipients:
        return None
    ids = set(session.exec(select(AudienceTag.wechat_tag_id).where(AudienceTag.tag == tag)))
    return ids.pop() if len(ids) == 1 and None not in ids else None


def _make_batch(session: Session, b: Broadcast, number: int, first: int, last: int, tag_id: int | None,
                now: datetime) -> None:
    table = table_of(NoticeDelivery)
    rows = session.execute(sa.update(table).where(
        table.c.broadcast_id == b.id, table.c.channel == "mass", table.c.status == "pending",
        table.c.batch_no.is_(None), table.c.id.between(first, last)).values(batch_no=number))
    stamp = int(b.created_at.timestamp())
    # Deterministic per broadcast and batch, so a re-sent batch is recognised by WeChat (45065).
    session.add(MassBatch(broadcast_id=id_of(b), batch_no=number, clientmsgid=f"linli-{b.id}-{stamp}-{number}",
                          tag_id=tag_id, size=rowcount(rows)))


def estimate(session: Session, b: Broadcast, rules: PlanRules, *, now: datetime) -> dict[str, int]:
    """Count recipients per planned outcome without writing anything (the quota warning)."""
    counts: dict[str, int] = {}
    cursor = 0
    while True:
        people, wins, used = chunk_of(session, b, cursor, rules.chunk, now)
        if not people:
            break
        for _, channel, _status, reason in classify(people, wins, used, b, rules, now):
            label = reason or channel
            counts[label] = counts.get(label, 0) + 1
        cursor = people[-1].id
    counts["total"] = sum(counts.values())
    return counts


def cancel_broadcast(session: Session, b: Broadcast, *, now: datetime) -> dict[str, int]:
    """Stop a broadcast: unsent outbox rows and mass batches are cancelled; sent ones stay sent."""
    now = as_utc(now)
    table, box = table_of(NoticeDelivery), table_of(outbox.OutboxMessage)
    keys = sa.select(table.c.outbox_key).where(table.c.broadcast_id == b.id, table.c.outbox_key.is_not(None))
    boxed = rowcount(session.execute(sa.update(box).where(box.c.key.in_(keys), box.c.status == outbox.PENDING)
                                     .values(status=outbox.CANCELLED)))
    batches = table_of(MassBatch)
    session.execute(sa.update(batches).where(batches.c.broadcast_id == b.id, batches.c.status == "pending")
                    .values(status=CANCELLED))
    open_batches = sa.select(batches.c.batch_no).where(batches.c.broadcast_id == b.id, batches.c.status == CANCELLED)
    massed = rowcount(session.execute(sa.update(table).where(
        table.c.broadcast_id == b.id, table.c.status == "pending",
        sa.or_(sa.and_(table.c.channel == "mass", table.c.batch_no.is_(None)),
               table.c.batch_no.in_(open_batches), table.c.outbox_key.in_(
            sa.select(box.c.key).where(box.c.status == outbox.CANCELLED)))).values(
        status=CANCELLED, reason="cancelled", updated_at=now)))
    b.status, b.finished_at = CANCELLED, now
    session.add(b)
    return {"outbox": boxed, "deliveries": massed}


def defer_if_quiet(broadcast: Broadcast, plan: PlanRules, *, now: datetime) -> bool:
    """A scheduled, non-urgent broadcast that falls in quiet hours waits for the morning; True if deferred."""
    until = quiet_until(now, plan) if broadcast.status == SCHEDULED and not broadcast.urgent else None
    if until:
        broadcast.send_at = until
    return bool(until)


def needs_content_check(broadcast: Broadcast) -> bool:
    """People's notices are checked once before planning; the system's own digest is not."""
    return broadcast.status == SCHEDULED and not broadcast.sec_check and broadcast.author_openid != SYSTEM


def record_verdict(broadcast: Broadcast, verdict: str) -> bool:
    """Store WeChat's content verdict; anything but 'pass' rejects the broadcast. True when it may go out.

    'review' is refused too: nobody reviews it for us, and publicity must not embarrass the village.
    """
    broadcast.sec_check = verdict
    if verdict != "pass":
        broadcast.status, broadcast.reason = REJECTED, f"msg_sec_check: {verdict}"
    return verdict == "pass"


def template_day_use(session: Session, *, since: datetime) -> int:
    """Template messages sent since `since` (the start of WeChat's day): they count against the daily quota."""
    box = table_of(outbox.OutboxMessage)
    query = sa.select(sa.func.count()).select_from(box).where(
        box.c.channel == outbox.TEMPLATE, box.c.sent_at.is_not(None), box.c.sent_at >= as_utc(since))
    return int(session.execute(query).scalar_one())


def template_overflow(planned: int, used_today: int, per_day: int) -> int:
    """How many planned template messages would go past the daily quota (0 when it fits or is unknown)."""
    return max(0, used_today + planned - per_day) if per_day > 0 else 0
