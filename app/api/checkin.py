"""The daily check-in through the API: my elders' status this week, "safe" (the elder's own check-in, or
someone who saw them well), pause and resume — models/checkin rules, notices as in the chat.

Who may see and change an elder's check-in: the elder, bound family and the coordinators of the elder's
village (binding.managed_by); "safe" also from the volunteer asked to visit (alarm.may_answer_for).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from flask import Blueprint
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from app.api import context
from app.api.context import person, unit
from app.api.problems import Problem
from app.api.schemas import Body, Person
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from bots.flows.checkin import send as checkin_send
from bots.flows.checkin.commands import stop_chain_for
from models.base import id_of
from models.checkin import alarm
from models.checkin import rules as ck
from models.people import binding
from models.people.users import User

bp = Blueprint("api_checkin", __name__, url_prefix="/api/v1")
wire(bp)
WEEK = 7


class DayOut(BaseModel):
    day: date
    status: Literal["pending", "on_time", "late", "confirmed_safe", "incident", "paused", "unsubscribed", "missed"]


class CheckinOut(BaseModel):
    elder: Person
    enrolment: Literal["active", "paused", "closed", "none"]
    greeting_time: str | None = Field(description="local HH:MM of the morning greeting")
    deadline: str | None = Field(description="local HH:MM by which silence starts the chain")
    paused_until: date | None = Field(description="the first day with greetings again")
    today: DayOut | None
    week: list[DayOut] = Field(description="the last seven local days with a record, oldest first")


class CheckinList(BaseModel):
    items: list[CheckinOut]


class PauseIn(Body):
    days: int = Field(ge=1, le=ck.MAX_PAUSE_DAYS)


def _today() -> date:
    return ck.local_day(context.now(), context.runtime().tz)


def _out(session: Session, elder: User) -> CheckinOut:
    enrolment = ck.enrolment_of(session, elder)
    today = _today()
    query = select(ck.CheckinDay).where(ck.CheckinDay.elder_id == elder.id,
                                        ck.CheckinDay.day > today - timedelta(days=WEEK), ck.CheckinDay.day <= today)
    week = [DayOut(day=d.day, status=d.status) for d in session.exec(query.order_by(col(ck.CheckinDay.day)))]
    return CheckinOut(elder=Person(id=id_of(elder), name=elder.name),
                      enrolment=enrolment.status if enrolment else "none",
                      greeting_time=ck.clock_text(enrolment.prompt_minute) if enrolment else None,
                      deadline=ck.clock_text(enrolment.deadline_minute) if enrolment else None,
                      paused_until=enrolment.paused_until if enrolment else None,
                      today=next((d for d in week if d.day == today), None), week=week)


def _managed(session: Session, user: User, elder_id: int) -> User:
    """An elder whose check-in I manage; anyone else answers 404, as if they did not exist."""
    found = next((e for e in binding.managed_by(session, user) if e.id == elder_id), None)
    if found is None:
        raise Problem(404)
    return found


def _enrolled(session: Session, elder: User) -> ck.CheckinEnrolment:
    enrolment = ck.enrolment_of(session, elder)
    if enrolment is None or enrolment.status == ck.CLOSED:
        raise Problem(409, "checkin_not_enrolled")
    return enrolment


def _send(session: Session, notices) -> None:
    checkin_send.send(session, notices, now=context.now(), tz=context.runtime().tz)


@bp.get("/checkin")
@spec.validate(resp=answers(200, CheckinList, 403), tags=["checkin"], security=BEARER)
def my_elders():
    """The check-in of myself (when I am an elder) and of the elders I am bound to, this week."""
    with Session(context.runtime().engine) as session:
        return CheckinList(items=[_out(session, e) for e in binding.acts_for(session, person(session))])


@bp.get("/checkin/<int(max=2147483647):elder_id>")
@spec.validate(resp=answers(200, CheckinOut, 403, 404), tags=["checkin"], security=BEARER)
def one_elder(elder_id: int):
    """One elder's check-in this week (family, or a coordinator of the elder's village)."""
    with Session(context.runtime().engine) as session:
        return _out(session, _managed(session, person(session), elder_id))


@bp.post("/checkin/<int(max=2147483647):elder_id>/safe")
@spec.validate(resp=answers(200, CheckinOut, 403, 404, 409), tags=["checkin"], security=BEARER)
def confirm_safe(elder_id: int):
    """平安: the elder's own check-in, or someone who saw them well; a running alarm closes for everyone."""
    now, tz = context.now(), context.runtime().tz
    with unit() as session:
        user = person(session)
        elder = session.get(User, elder_id)
        if elder is None:
            raise Problem(404)
        if elder.id == user.id:
            settled = alarm.elder_checked_in(session, user, now=now, tz=tz)
            if settled.result == "not_enrolled":
                raise Problem(409, "checkin_not_enrolled")
        else:
            settled = alarm.confirm_safe(session, elder, user, now=now, tz=tz)
            if settled.result == "not_allowed":
                raise Problem(404)  # not my elder: as if they did not exist
            if settled.result == "not_enrolled":
                mine = any(e.id == elder.id for e in binding.managed_by(session, user))
                raise Problem(409 if mine else 404,
                              "checkin_not_enrolled")
            if settled.result == "already":
                raise Problem(409, "checkin_already_settled", detail=settled.day.status if settled.day else None)
        _send(session, settled.notices)
        return _out(session, elder)


@bp.post("/checkin/<int(max=2147483647):elder_id>/pause")
@spec.validate(json=PauseIn, resp=answers(200, CheckinOut, 403, 404, 409, 422), tags=["checkin"], security=BEARER)
def pause(elder_id: int):
    """No greetings for some days from today; whoever was asked about today's silence is told not to go."""
    body: PauseIn = context.request_json()
    now, tz = context.now(), context.runtime().tz
    with unit() as session:
        user = person(session)
        elder = _managed(session, user, elder_id)
        ck.pause(session, _enrolled(session, elder), body.days, now=now, tz=tz)
        stop_chain_for(session, user, elder, now=now, tz=tz)
        return _out(session, elder)


@bp.post("/checkin/<int(max=2147483647):elder_id>/resume")
@spec.validate(resp=answers(200, CheckinOut, 403, 404, 409), tags=["checkin"], security=BEARER)
def resume(elder_id: int):
    """Greetings again from the next round; resuming an active check-in changes nothing."""
    with unit() as session:
        elder = _managed(session, person(session), elder_id)
        enrolment = _enrolled(session, elder)
        if enrolment.status == ck.PAUSED:
            ck.resume(session, enrolment, now=context.now(), tz=context.runtime().tz)
        return _out(session, elder)
