"""Events through the API: what is on in my village, signing up (myself or an elder, with a party size),
cancelling, my sign-ups — the chat's models/events rules and its "moved up from the waitlist" notices.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import Session

from app.api import context
from app.api.common import ID_MAX, Page, acting_ids, config, offset_page, village_of, whom
from app.api.context import created, local, person, unit
from app.api.problems import Problem
from app.api.schemas import Body, Person
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from bots.flows.events import notices as event_notices
from models.base import as_utc, id_of, row_of
from models.events import events as ev
from models.people.users import User

bp = Blueprint("api_events", __name__, url_prefix="/api/v1")
wire(bp)
SIGNUP_PROBLEMS = {"already": (409, "already_signed_up"), "closed": (409, "signup_closed"), "not_found": (404, None)}


class EventOut(BaseModel):
    id: int
    kind: Literal["lecture", "training", "clinic", "activity"]
    title: str
    place: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    signup_deadline: AwareDatetime
    capacity: int
    seats_free: int = Field(description="places not held by confirmed parties")
    waiting: int = Field(description="parties on the waitlist")
    signup_open: bool
    qualification: str = Field(description="training only: what attending grants")


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class SignupIn(Body):
    party_size: int = Field(default=1, ge=1, le=10, description="1 to events.max_party_size (2), companions included")
    elder_id: int | None = Field(default=None, ge=1, le=ID_MAX, description="omitted: myself, or my only elder")


class SignupOut(BaseModel):
    id: int
    event: EventOut
    attendee: Person
    party_size: int
    status: Literal["confirmed", "waitlisted", "cancelled"]
    position: int | None = Field(description="place on the waitlist, when waiting")


class SignupList(BaseModel):
    items: list[SignupOut]


def _event_out(session: Session, event: ev.Event, now: datetime) -> EventOut:
    free = max(0, event.capacity - ev.seats_taken(session, id_of(event)))
    return EventOut(id=id_of(event), kind=event.kind, title=event.title, place=event.place,
                    starts_at=local(event.starts_at), ends_at=local(event.ends_at),
                    signup_deadline=local(event.signup_deadline), capacity=event.capacity, seats_free=free,
                    waiting=ev.waiting_count(session, id_of(event)),
                    signup_open=event.status == ev.OPEN and as_utc(now) <= event.signup_deadline,
                    qualification=event.qualification)


def _signup_out(session: Session, signup: ev.EventSignup, now: datetime) -> SignupOut:
    attendee = row_of(session, User, signup.user_id)
    event = row_of(session, ev.Event, signup.event_id)
    return SignupOut(id=id_of(signup), event=_event_out(session, event, now),
                     attendee=Person(id=id_of(attendee), name=attendee.name), party_size=signup.party_size,
                     status=signup.status, position=ev.position(session, signup))


def _visible(session: Session, user: User, event_id: int) -> ev.Event:
    """An open event of my village (or county-wide); any other answers 404."""
    event = session.get(ev.Event, event_id)
    if event is None or event.status != ev.OPEN or event.village_id not in (None, village_of(session, user)):
        raise Problem(404)
    return event


@bp.get("/events")
@spec.validate(query=Page, resp=answers(200, EventPage, 403, 422), tags=["events"], security=BEARER)
def list_events():
    """Upcoming events of my village and the county, soonest first."""
    query: Page = context.request_query()
    now = context.now()
    with Session(context.runtime().engine) as session:
        user = person(session)
        wanted = int(query.cursor or 0) + query.limit + 1
        rows = ev.upcoming(session, village_of(session, user), now=now, limit=wanted)
        items, cursor = offset_page(rows, query)
        return EventPage(items=[_event_out(session, e, now) for e in items], next_cursor=cursor)


@bp.get("/events/<int(max=2147483647):event_id>")
@spec.validate(resp=answers(200, EventOut, 403, 404), tags=["events"], security=BEARER)
def get_event(event_id: int):
    with Session(context.runtime().engine) as session:
        return _event_out(session, _visible(session, person(session), event_id), context.now())


@bp.post("/events/<int(max=2147483647):event_id>/signups")
@spec.validate(json=SignupIn, resp=answers(201, SignupOut, 403, 404, 409, 422), tags=["events"], security=BEARER)
def sign_up(event_id: int):
    """Take a place (or a place on the waitlist) for myself or an elder I act for; parties up to the limit."""
    if (first := context.replay()) is not None:
        return first
    body: SignupIn = context.request_json()
    now = context.now()
    limit = int(config().get("events", {}).get("max_party_size", 2))
    if body.party_size > limit:
        raise Problem(422, "party_too_big", detail=f"a party is 1 to {limit} people")
    with unit() as session:
        user = person(session)
        attendee = whom(session, user, body.elder_id)
        _visible(session, user, event_id)
        result = ev.sign_up(session, event_id, attendee, booked_by=user, party_size=body.party_size, now=now,
                            max_party=limit)
        if result.outcome in SIGNUP_PROBLEMS:
            status, code = SIGNUP_PROBLEMS[result.outcome]
            raise Problem(status, code)
        event_notices.promoted(session, result.promoted, now=now, tz=context.runtime().tz)
        assert result.signup is not None  # confirmed or waitlisted come with the row
        return created(session, _signup_out(session, result.signup, now))


@bp.get("/events/signups")
@spec.validate(resp=answers(200, SignupList, 403), tags=["events"], security=BEARER)
def my_signups():
    """Places held or awaited by me and the elders I act for, at events not yet started."""
    now = context.now()
    with Session(context.runtime().engine) as session:
        user = person(session)
        rows = ev.active_signups(session, acting_ids(session, user), now=now)
        return SignupList(items=[_signup_out(session, s, now) for s, _ in rows])


@bp.post("/events/signups/<int(max=2147483647):signup_id>/cancel")
@spec.validate(resp=answers(200, SignupOut, 403, 404, 409), tags=["events"], security=BEARER)
def cancel_signup(signup_id: int):
    """Give up a place before the sign-up deadline; whoever moves up from the waitlist is told."""
    now = context.now()
    with unit() as session:
        user = person(session)
        signup = session.get(ev.EventSignup, signup_id)
        if signup is None or (signup.user_id not in acting_ids(session, user) and signup.booked_by_id != user.id):
            raise Problem(404)  # another family's sign-up: as if it did not exist
        result = ev.cancel_signup(session, signup_id, by=user, now=now)
        if result.outcome == "closed":
            raise Problem(409, "signup_closed")
        if result.outcome != "cancelled":
            raise Problem(409, "signup_not_active")
        event_notices.promoted(session, result.promoted, now=now, tz=context.runtime().tz)
        return _signup_out(session, signup, now)
