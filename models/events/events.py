"""Events and training: capacity, a first-come waitlist, reminders, attendance and training records.

Every change to an event's places happens with the event row locked (FOR UPDATE on PostgreSQL;
SQLite serialises writers with BEGIN IMMEDIATE), so concurrent sign-ups can never overfill it.
The queue is one ordered list per event (`seq`): a sign-up joins its end and `_promote` then
confirms, in order, every waiting party that fits. A party too big for the places left does not
block the queue: a smaller party behind it (or a newcomer) takes them, and the big party keeps its
turn for the next places freed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, row_of, utc_field
from models.core.audit import audit
from models.people.users import User
from models.people.volunteers import grant_training

KINDS = ("lecture", "training", "clinic", "activity")
OPEN, CANCELLED = "open", "cancelled"
CONFIRMED, WAITLISTED, WITHDRAWN = "confirmed", "waitlisted", "cancelled"
ACTIVE = (CONFIRMED, WAITLISTED)
DAY_REMINDER, HOUR_REMINDER = "day", "hour"
# An attendee may report arrival from an hour before the start until an hour after the end.
ARRIVAL_MARGIN = timedelta(hours=1)


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    # None: open to every village (a county-wide training, for example).
    village_id: int | None = Field(default=None, foreign_key="villages.id", index=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=80)
    place: str = Field(default="", max_length=120)
    starts_at: datetime = utc_field(index=True)
    ends_at: datetime = utc_field()
    capacity: int
    signup_deadline: datetime = utc_field()
    status: str = Field(default=OPEN, max_length=16)
    # Training only: the qualification attending grants and for how many days.
    qualification: str = Field(default="", max_length=48)
    valid_days: int | None = Field(default=None)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class EventSignup(SQLModel, table=True):
    """One party's place (or place in the queue) at an event; one row per attendee and event."""

    __tablename__ = "event_signups"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id", name="uq_event_signup"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    booked_by_id: int = Field(foreign_key="users.id")
    party_size: int = Field(default=1)
    status: str = Field(default=WAITLISTED, max_length=16)
    seq: int = Field(default=0)  # place in the event's queue, in arrival order
    reply: str = Field(default="", max_length=8)  # answer to a reminder: yes | no
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    confirmed_at: datetime | None = utc_field(nullable=True)
    cancelled_at: datetime | None = utc_field(nullable=True)
    attended_at: datetime | None = utc_field(nullable=True)


@dataclass(frozen=True)
class NewEvent:
    """What a coordinator gives to create an event."""

    village_id: int | None
    kind: str
    title: str
    place: str
    starts_at: datetime
    capacity: int
    signup_deadline: datetime
    duration: timedelta = timedelta(hours=2)
    qualification: str = ""
    valid_days: int | None = None


@dataclass
class SignupResult:
    """What a sign-up or cancellation did: the outcome, the row, and who moved up the queue."""

    outcome: str  # confirmed | waitlisted | already | closed | not_found | cancelled
    signup: EventSignup | None = None
    position: int | None = None
    promoted: list[EventSignup] = field(default_factory=list)


def create_event(session: Session, new: NewEvent, *, creator: User | None, now: datetime) -> Event:
    """Validate and store a new event."""
    start, deadline = as_utc(new.starts_at), as_utc(new.signup_deadline)
    if new.kind not in KINDS:
        raise ValueError(f"unknown event kind {new.kind!r}")
    if new.capacity < 1 or start <= as_utc(now) or not as_utc(now) < deadline <= start or not new.title.strip():
        raise ValueError("capacity ≥ 1, a future start and a future deadline before it are required")
    if new.kind == "training" and not new.qualification:
        raise ValueError("a training event names the qualification it grants")
    event = Event(village_id=new.village_id, kind=new.kind, title=new.title.strip()[:80], place=new.place[:120],
                  starts_at=start, ends_at=start + new.duration, capacity=new.capacity, signup_deadline=deadline,
                  qualification=new.qualification, valid_days=new.valid_days,
                  created_by_id=creator.id if creator else None, created_at=now, updated_at=now)
    session.add(event)
    session.flush()
    audit(session, now=now, actor=creator.openid if creator else "cli", action="event.create",
          target=f"event:{event.id}", title=event.title)
    return event


def upcoming(session: Session, village_id: int | None, *, now: datetime, limit: int = 9) -> list[Event]:
    """Open events not yet started, for one village (plus county-wide ones), soonest first."""
    query = select(Event).where(Event.status == OPEN, Event.starts_at > as_utc(now))
    if village_id is not None:
        query = query.where(sa.or_(col(Event.village_id) == village_id, col(Event.village_id).is_(None)))
    return list(session.exec(query.order_by(col(Event.starts_at), col(Event.id)).limit(limit)))


def seats_taken(session: Session, event_id: int) -> int:
    """Places held by confirmed parties."""
    total = session.exec(select(sa.func.coalesce(sa.func.sum(EventSignup.party_size), 0)).where(
        EventSignup.event_id == event_id, EventSignup.status == CONFIRMED)).one()
    return int(total)


def waiting_count(session: Session, event_id: int) -> int:
    """Parties in the queue."""
    return int(session.exec(select(sa.func.count()).select_from(EventSignup).where(
        EventSignup.event_id == event_id, EventSignup.status == WAITLISTED)).one())


def position(session: Session, signup: EventSignup) -> int | None:
    """1-based place in the waitlist, or None when not waiting."""
    if signup.status != WAITLISTED:
        return None
    ahead = session.exec(select(sa.func.count()).select_from(EventSignup).where(
        EventSignup.event_id == signup.event_id, EventSignup.status == WAITLISTED,
        EventSignup.seq < signup.seq)).one()
    return int(ahead) + 1


def lock_event(session: Session, event_id: int) -> Event | None:
    """Load an event with its row locked until the transaction ends."""
    query = select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def sign_up(session: Session, event_id: int, attendee: User, *, booked_by: User, party_size: int = 1,
            now: datetime, max_party: int = 2) -> SignupResult:
    """Join the event's queue and take a place if one is free for this party (1..max_party); race-safe."""
    if not 1 <= party_size <= max_party:
        raise ValueError(f"a party is 1 to {max_party} people")
    event = lock_event(session, event_id)
    if event is None:
        return SignupResult("not_found")
    attendee_id, booker_id = id_of(attendee), id_of(booked_by)
    found = _signup_of(session, event_id, attendee_id)
    if found is not None and found.status in ACTIVE:
        return SignupResult("already", found, position(session, found))
    if event.status != OPEN or as_utc(now) > event.signup_deadline or party_size > event.capacity:
        return SignupResult("closed")
    signup = found or EventSignup(event_id=event_id, user_id=attendee_id, booked_by_id=booker_id, created_at=now)
    signup.booked_by_id, signup.party_size, signup.status = booker_id, party_size, WAITLISTED
    signup.seq, signup.reply, signup.cancelled_at, signup.updated_at = _next_seq(session, event_id), "", None, now
    session.add(signup)
    session.flush()
    promoted = _promote(session, event, now)
    others = [s for s in promoted if s.id != signup.id]
    audit(session, now=now, actor=booked_by.openid, action="event.signup", target=f"event:{event_id}",
          attendee=attendee.openid, party_size=party_size, status=signup.status)
    return SignupResult(signup.status, signup, position(session, signup), others)


def cancel_signup(session: Session, signup_id: int, *, by: User, now: datetime,
                  after_deadline: bool = False) -> SignupResult:
    """Give up a place or a place in the queue; the queue moves up. Until the deadline unless allowed."""
    signup = session.get(EventSignup, signup_id)
    event = lock_event(session, signup.event_id) if signup else None
    if event is None:
        return SignupResult("not_found")
    assert signup is not None  # no signup, no event
    session.refresh(signup)
    if signup.status not in ACTIVE:
        return SignupResult("not_found", signup)
    if (as_utc(now) > event.signup_deadline and not after_deadline) or as_utc(now) >= event.starts_at:
        return SignupResult("closed", signup)
    signup.status, signup.cancelled_at, signup.updated_at = WITHDRAWN, now, now
    session.add(signup)
    session.flush()
    promoted = _promote(session, event, now)
    audit(session, now=now, actor=by.openid, action="event.cancel", target=f"event:{event.id}", signup=signup.id)
    return SignupResult("cancelled", signup, None, promoted)


def _promote(session: Session, event: Event, now: datetime) -> list[EventSignup]:
    """Confirm waiting parties in queue order while they fit; the caller holds the event lock."""
    event_id = id_of(event)
    free = event.capacity - seats_taken(session, event_id)
    promoted = []
    for waiting in _queue(session, event_id):
        if free <= 0:
            break
        if waiting.party_size <= free:
            waiting.status, waiting.confirmed_at, waiting.updated_at = CONFIRMED, now, now
            free -= waiting.party_size
            session.add(waiting)
            promoted.append(waiting)
    session.flush()
    return promoted


def _queue(session: Session, event_id: int) -> list[EventSignup]:
    return list(session.exec(select(EventSignup).where(
        EventSignup.event_id == event_id, EventSignup.status == WAITLISTED).order_by(col(EventSignup.seq))))


def _next_seq(session: Session, event_id: int) -> int:
    top = session.exec(select(sa.func.max(EventSignup.seq)).where(EventSignup.event_id == event_id)).one()
    return int(top or 0) + 1


def _signup_of(session: Session, event_id: int, user_id: int) -> EventSignup | None:
    return session.exec(select(EventSignup).where(EventSignup.event_id == event_id,
                                                  EventSignup.user_id == user_id)).first()


def active_signups(session: Session, user_ids: list[int], *, now: datetime) -> list[tuple[EventSignup, Event]]:
    """Places held or awaited by these people at events not yet started, soonest first."""
    query = (select(EventSignup, Event).join(Event, col(Event.id) == EventSignup.event_id)
             .where(col(EventSignup.user_id).in_(user_ids), col(EventSignup.status).in_(ACTIVE),
                    Event.starts_at > as_utc(now)).order_by(col(Event.starts_at), col(EventSignup.id)))
    return [(s, e) for s, e in session.exec(query)]


def record_reply(session: Session, signup: EventSignup, *, coming: bool, now: datetime) -> SignupResult:
    """Answer to a reminder: 'yes' is noted; 'no' gives the place up (even after the deadline)."""
    if not coming:
        result = cancel_signup(session, id_of(signup), by=_user(session, signup.user_id), now=now, after_deadline=True)
        if result.outcome == "cancelled":
            signup.reply = "no"
        return result
    signup.reply, signup.updated_at = "yes", now
    session.add(signup)
    return SignupResult("confirmed", signup)


def due_reminders(session: Session, *, now: datetime) -> list[tuple[EventSignup, Event, str]]:
    """Confirmed places whose day-before or hour-before reminder is due now (the outbox key dedups)."""
    now = as_utc(now)
    query = (select(EventSignup, Event).join(Event, col(Event.id) == EventSignup.event_id)
             .where(Event.status == OPEN, EventSignup.status == CONFIRMED, Event.starts_at > now,
                    Event.starts_at <= now + timedelta(hours=24)).order_by(col(Event.starts_at), col(EventSignup.seq)))
    due = []
    for signup, event in session.exec(query):
        if event.starts_at - now <= timedelta(hours=1):
            due.append((signup, event, HOUR_REMINDER))
        elif event.starts_at - now > timedelta(hours=3) and _booked_early(signup, event):
            due.append((signup, event, DAY_REMINDER))
    return due


def _booked_early(signup: EventSignup, event: Event) -> bool:
    # Someone who got the place within the last day does not need a "tomorrow" reminder.
    return (signup.confirmed_at or signup.created_at) <= event.starts_at - timedelta(hours=24)


def attendees(session: Session, event_id: int) -> list[tuple[EventSignup, User]]:
    """Confirmed parties of an event with their people, in queue order (the check-in list)."""
    query = (select(EventSignup, User).join(User, col(User.id) == EventSignup.user_id)
             .where(EventSignup.event_id == event_id, EventSignup.status == CONFIRMED).order_by(col(EventSignup.seq)))
    return [(s, u) for s, u in session.exec(query)]


def mark_attended(session: Session, signup: EventSignup, event: Event, *, by: str, now: datetime) -> bool:
    """Record attendance once; a training event grants its qualification. True when newly marked."""
    if signup.status != CONFIRMED or signup.attended_at is not None or not roll_open(event, now=now):
        return False
    signup.attended_at, signup.updated_at = now, now
    session.add(signup)
    if event.kind == "training" and event.qualification:
        expires = as_utc(now) + timedelta(days=event.valid_days) if event.valid_days else None
        grant_training(session, _user(session, signup.user_id), event.qualification, now=now,
                       expires_at=expires, source=f"event:{event.id}")
    audit(session, now=now, actor=by, action="event.attend", target=f"event:{event.id}", signup=signup.id)
    return True


def roll_open(event: Event, *, now: datetime) -> bool:
    """Attendance may be taken from an hour before the start (never before: training is not yet done)."""
    return as_utc(now) >= event.starts_at - ARRIVAL_MARGIN


def arriving(session: Session, user: User, *, now: datetime) -> tuple[EventSignup, Event] | None:
    """The confirmed place of a user at an event happening about now (for '到了')."""
    now = as_utc(now)
    query = (select(EventSignup, Event).join(Event, col(Event.id) == EventSignup.event_id)
             .where(EventSignup.user_id == user.id, EventSignup.status == CONFIRMED,
                    Event.starts_at <= now + ARRIVAL_MARGIN, Event.ends_at >= now - ARRIVAL_MARGIN)
             .order_by(col(Event.starts_at)))
    return session.exec(query).first()


def _user(session: Session, user_id: int) -> User:
    return row_of(session, User, user_id)

