"""Publishing events and training from the console, and each event's sign-ups and attendance.

The same rules as the chat's 发布活动 / 发布培训 (bots/flows/events/admin.py): `ev.create_event`
validates and stores, `deadline_of` sets the default sign-up deadline (20:00 the evening before),
and the attendance form posts to the existing /console/events/<id>/attend (app/console/actions.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, make_response, redirect, request
from sqlmodel import Session, col, select

from app.console.common import admin_in, blueprint, local, page, rt, who
from app.console.scope import villages_of
from app.db import session_scope
from bots.flows.events.admin import deadline_of
from bots.texts import t
from models.events import events as ev
from models.people.users import User
from models.people.volunteers import SKILLS

bp = blueprint("console_events", __name__)
COUNTY = "county"
MAX_HOURS = 12


class Refused(Exception):
    """The form cannot become an event; the message says why."""


def _moment(name: str, *, required: bool = True) -> datetime | None:
    text = request.form.get(name, "").strip()
    if not text and not required:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(t("console2_event_bad_time")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=rt().tz)


def _number(name: str, low: int, high: int, default: int | None = None) -> int:
    text = request.form.get(name, "").strip()
    if not text and default is not None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise Refused(t(f"console2_event_bad_{name}", low=low, high=high))
    return int(text)


def _village(session: Session, admin: User) -> int | None:
    choice = request.form.get("village", "")
    reach = {v.id for v in villages_of(session, admin)}
    if choice == COUNTY and admin.has_role("county_admin"):
        return None
    if not choice.isdigit() or int(choice) not in reach:
        raise Refused(t("console2_event_bad_village"))
    return int(choice)


def _new_event(session: Session, admin: User, now: datetime) -> ev.NewEvent:
    kind = request.form.get("kind", "")
    if kind not in ev.KINDS:
        raise Refused(t("console2_event_bad_kind"))
    title, place = request.form.get("title", "").strip(), request.form.get("place", "").strip()
    if len(title) < 2 or not place:
        raise Refused(t("console2_event_need_title_place"))
    start = _moment("starts")
    assert start is not None  # required
    if start <= now:
        raise Refused(t("console2_event_bad_time"))
    given = _moment("deadline", required=False)
    values = {"when": start.isoformat(), "deadline": given.isoformat() if given else "default"}
    qualification, valid_days = "", None
    if kind == "training":
        qualification = request.form.get("qualification", "")
        if qualification not in SKILLS:
            raise Refused(t("console2_event_bad_qualification"))
        valid_days = _number("valid_days", 1, 3650, default=365)
    return ev.NewEvent(village_id=_village(session, admin), kind=kind, title=title[:40], place=place[:60],
                       starts_at=start, capacity=_number("capacity", 1, 999),
                       signup_deadline=deadline_of(values, rt().tz),
                       duration=timedelta(hours=_number("hours", 1, MAX_HOURS, default=2)),
                       qualification=qualification, valid_days=valid_days)


def _form(session: Session, admin: User, error: str = "", status: int = 200):
    return make_response(page("event_new.html", villages=villages_of(session, admin), own=admin.village_id,
                              county=admin.has_role("county_admin"), kinds=ev.KINDS, qualifications=SKILLS,
                              error=error, form=request.form), status)


@bp.get("/events/new")
def new():
    with session_scope(rt().engine) as session:
        return _form(session, admin_in(session))


@bp.post("/events/new")
def publish():
    """发布活动 / 发布培训 from the web: on success, the event's page."""
    now = rt().clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        try:
            new_event = _new_event(session, admin, now)
            if new_event.signup_deadline <= now:
                raise Refused(t("events_publish_deadline_past"))
            event = ev.create_event(session, new_event, creator=admin, now=now)
        except Refused as exc:
            return _form(session, admin, str(exc), 400)
        except ValueError:  # create_event's own checks (deadline after the start, for one)
            return _form(session, admin, t("console2_event_refused"), 400)
        number = event.id
    return redirect(f"/console/events/{number}?published=1", code=303)


@bp.get("/events/<int:event_id>")
def show(event_id: int):
    """The event, its sign-ups in queue order (waiting list too) and the attendance form."""
    now = rt().clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        event = session.get(ev.Event, event_id)
        reach = {v.id for v in villages_of(session, admin)}
        if event is None or (event.village_id is not None and event.village_id not in reach):
            abort(404)
        query = (select(ev.EventSignup, User).join(User, col(User.id) == ev.EventSignup.user_id)
                 .where(ev.EventSignup.event_id == event_id, col(ev.EventSignup.status).in_(ev.ACTIVE))
                 .order_by(col(ev.EventSignup.seq)))
        signups = [{"s": s, "name": who(u), "booked_by": who(session.get(User, s.booked_by_id))
                    if s.booked_by_id != s.user_id else ""} for s, u in session.exec(query)]
        return page("event.html", e=event, signups=signups, taken=ev.seats_taken(session, event_id),
                    waiting=ev.waiting_count(session, event_id), roll_open=ev.roll_open(event, now=now),
                    published=request.args.get("published") == "1", when=local(event.starts_at),
                    deadline=local(event.signup_deadline))
