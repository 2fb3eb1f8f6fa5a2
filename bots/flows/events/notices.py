"""What people are told about events outside a conversation: moved up from the waitlist, reminders.

Used by the chat flows (a cancellation promotes someone) and by the `events.remind` job. A reminder
also leaves "1 会去 / 2 去不了" as the recipient's pending choices, so a bare 1 or 2 answers it.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bots import notify
from bots.flows.events.common import reachable, when
from bots.state import SqlStore
from models.base import id_of, row_of
from models.core.notify import Notice
from models.core.outbox import NORMAL, URGENT
from models.events import events as ev
from models.people.users import User

REPLY_CHOICES = ["event_attend_yes", "event_attend_no"]
REPLY_KEY = "events_reply"


def recipients(session: Session, signup: ev.EventSignup) -> list[User]:
    """The attendee (when on WeChat) and whoever booked for them."""
    people = [session.get(User, signup.user_id), session.get(User, signup.booked_by_id)]
    unique = {p.id: p for p in people if p is not None and reachable(p)}
    return list(unique.values())


def _params(session: Session, signup: ev.EventSignup, event: ev.Event, tz: ZoneInfo) -> dict:
    attendee = row_of(session, User, signup.user_id)
    return {"title": event.title, "when": when(event.starts_at, tz), "place": event.place or "-",
            "name": attendee.name or "", "party": signup.party_size}


def promoted(session: Session, signups: list[ev.EventSignup], *, now: datetime, tz: ZoneInfo) -> int:
    """Tell each promoted party they now have a place."""
    notices = []
    for signup in signups:
        event = row_of(session, ev.Event, signup.event_id)
        params = _params(session, signup, event, tz)
        for person in recipients(session, signup):
            notices.append(Notice(openid=person.openid, kind="event_promoted", priority=URGENT,
                                  key=f"event-promoted:{signup.id}:{signup.seq}:{person.openid}",
                                  text_key="events_promoted_notice", params=params))
    return notify.send(session, notices, now=now, tz=tz)


def send_reminders(session: Session, *, now: datetime, tz: ZoneInfo) -> dict[str, int]:
    """Queue every due reminder once and leave the one-tap answer pending; counts per kind."""
    counts = {ev.DAY_REMINDER: 0, ev.HOUR_REMINDER: 0}
    for signup, event, kind in ev.due_reminders(session, now=now):
        params = _params(session, signup, event, tz)
        for person in recipients(session, signup):
            notice = Notice(openid=person.openid, kind="event_reminder", priority=NORMAL,
                            key=f"event-remind:{signup.id}:{signup.seq}:{kind}:{person.openid}",
                            text_key=f"events_remind_{kind}", params=params)
            if notify.send(session, [notice], now=now, tz=tz):
                counts[kind] += 1
                offer_reply(session, person.openid, id_of(signup), now)
    return counts


def offer_reply(session: Session, openid: str, signup_id: int, now: datetime) -> None:
    """Make 1/2 answer this reminder, unless the person is in the middle of something else."""
    store = SqlStore(session)
    conv = store.load(openid)
    if conv.active:
        return
    conv.choices, conv.data = list(REPLY_CHOICES), {REPLY_KEY: signup_id}
    store.save(openid, conv, now)
