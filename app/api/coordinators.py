"""Coordinators through the API: the requests in progress they may handle, the volunteers they may assign,
and assignment — the console's and the chat's rule (models/help/held_requests.may_handle, visits.claim with
assigned_by): a village coordinator reaches their own village only, a county admin every village. Approvals
(held requests, sign-ups, registrations, bindings, expenses) are app/api/approvals.py, with the helpers below.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import Session, col, select

from app.api import context
from app.api.common import ID_MAX, config, send
from app.api.context import local, page, person, unit
from app.api.problems import Problem
from app.api.schemas import Body, Person
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from bots.flows.help.tasks import as_assignment
from models.base import id_of
from models.help import dispatch, visits
from models.help import held_requests as held
from models.help import requests as hr
from models.people.membership import in_scope, is_coordinator, reaches_village
from models.people.users import User, Village, users_with_role
from models.people.volunteers import APPROVED, Volunteer

bp = Blueprint("api_coordinators", __name__, url_prefix="/api/v1")
wire(bp)
# visits.claim outcomes other than "won" for an assignment.
ASSIGN_PROBLEMS = {"not_volunteer": (409, "not_volunteer"), "missing": (404, None),
                   "out_of_scope": (403, "other_village"), "not_qualified": (409, "not_qualified"),
                   "own_request": (409, "own_request"), "held": (409, "request_held"),
                   "taken": (409, "request_taken"), "mine": (409, "request_taken")}


class Scope(BaseModel):
    village_id: int | None = Field(default=None, ge=1, le=ID_MAX, description="one village (a county admin: any)")
    cursor: str | None = Field(default=None, pattern=r"^[0-9]{1,9}$", description="opaque: from next_cursor")
    limit: int = Field(default=20, ge=1, le=50)


class CoordinatorRequestOut(BaseModel):
    id: int
    status: str
    category: str
    details: str
    place: str
    urgency: str
    village_id: int | None
    window_start: AwareDatetime
    window_end: AwareDatetime
    elder: Person
    volunteer: Person | None
    dispatch_round: int
    escalated: bool = Field(description="no volunteer took it in time: the coordinators were alerted")
    created_at: AwareDatetime


class CoordinatorRequestPage(BaseModel):
    items: list[CoordinatorRequestOut]
    next_cursor: str | None


class VolunteerOut(BaseModel):
    id: int = Field(description="the volunteer's person id (what /assign takes)")
    name: str
    village_id: int | None
    skills: list[str]
    on_duty: bool
    open_tasks: int


class VolunteerPage(BaseModel):
    items: list[VolunteerOut]
    next_cursor: str | None


class AssignIn(Body):
    volunteer_id: int = Field(ge=1, le=ID_MAX, description="a person id from /coordinator/volunteers")


def coordinator(session: Session) -> User:
    """The caller, who must be a village coordinator or a county admin (403 not_coordinator otherwise)."""
    user = person(session)
    if not is_coordinator(user):
        raise Problem(403, "not_coordinator")
    return user


def villages_wanted(session: Session, admin: User, wanted: int | None) -> list[int] | None:
    """The villages a list covers: None for every village (a county admin without a filter)."""
    if wanted is not None:
        if session.get(Village, wanted) is None:
            raise Problem(404)
        if not reaches_village(admin, wanted):
            raise Problem(403, "other_village")
        return [wanted]
    if admin.has_role("county_admin"):
        return None
    return [admin.village_id] if admin.village_id is not None else []


def request_out(session: Session, request: hr.HelpRequest) -> CoordinatorRequestOut:
    elder = session.get(User, request.elder_id)
    assert elder is not None
    helper = session.get(User, request.volunteer_id) if request.volunteer_id else None
    return CoordinatorRequestOut(
        id=id_of(request), status=request.status, category=request.category, details=request.details,
        place=request.place, urgency=request.urgency, village_id=request.village_id,
        window_start=local(request.window_start), window_end=local(request.window_end),
        elder=Person(id=id_of(elder), name=elder.name),
        volunteer=Person(id=id_of(helper), name=helper.name) if helper else None,
        dispatch_round=request.dispatch_round, escalated=request.escalated_at is not None,
        created_at=local(request.created_at))


def _handled(session: Session, admin: User, request_id: int) -> hr.HelpRequest:
    """A request this coordinator may handle; another village's answers 404, as if it did not exist."""
    request = hr.get_request(session, request_id)
    if request is None or not held.may_handle(session, admin, request):
        raise Problem(404)
    return request


@bp.get("/coordinator/requests")
@spec.validate(query=Scope, resp=answers(200, CoordinatorRequestPage, 403, 404, 422), tags=["coordinators"],
               security=BEARER)
def open_requests():
    """Requests in progress (held, open, claimed, on the way) in my village — every village for a county
    admin — oldest first."""
    query_in: Scope = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        villages = villages_wanted(session, admin, query_in.village_id)
        query = select(hr.HelpRequest).where(col(hr.HelpRequest.status).in_(hr.ACTIVE))
        if villages is not None:
            reach: sa.ColumnElement[bool] = col(hr.HelpRequest.village_id).in_(villages)
            if query_in.village_id is None and not users_with_role(session, "county_admin"):
                # A request with no village goes to the village coordinators while there is no county admin.
                reach = sa.or_(reach, col(hr.HelpRequest.village_id).is_(None))
            query = query.where(reach)
        after = context.decode_cursor(query_in.cursor)
        if after is not None:
            query = query.where(col(hr.HelpRequest.id) > after)
        rows = list(session.exec(query.order_by(col(hr.HelpRequest.id)).limit(query_in.limit + 1)))
        items, cursor = page(rows, query_in.limit)
        return CoordinatorRequestPage(items=[request_out(session, r) for r in items
                                             if held.may_handle(session, admin, r)], next_cursor=cursor)


@bp.get("/coordinator/requests/<int(max=2147483647):request_id>")
@spec.validate(resp=answers(200, CoordinatorRequestOut, 403, 404), tags=["coordinators"], security=BEARER)
def one_request(request_id: int):
    with Session(context.runtime().engine) as session:
        return request_out(session, _handled(session, coordinator(session), request_id))


@bp.get("/coordinator/volunteers")
@spec.validate(query=Scope, resp=answers(200, VolunteerPage, 403, 404, 422), tags=["coordinators"],
               security=BEARER)
def volunteers():
    """Approved volunteers I may assign: my village's (a county admin: all, or one village's)."""
    query_in: Scope = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        villages = villages_wanted(session, admin, query_in.village_id)
        query = (select(Volunteer, User).join(User, col(User.id) == Volunteer.user_id)
                 .where(Volunteer.status == APPROVED))
        if villages is not None:
            query = query.where(col(User.village_id).in_(villages))
        after = context.decode_cursor(query_in.cursor)
        if after is not None:
            query = query.where(col(User.id) > after)
        rows = list(session.exec(query.order_by(col(User.id)).limit(query_in.limit + 1)))
        items, cursor = page(rows, query_in.limit, key=lambda row: row[1].id)
        counts = hr.open_task_counts(session, [id_of(u) for _, u in items])
        return VolunteerPage(items=[VolunteerOut(id=id_of(u), name=u.name, village_id=u.village_id,
                                                 skills=list(v.skills or []), on_duty=v.on_duty,
                                                 open_tasks=counts.get(id_of(u), 0))
                                    for v, u in items if in_scope(admin, u)], next_cursor=cursor)


@bp.post("/coordinator/requests/<int(max=2147483647):request_id>/assign")
@spec.validate(json=AssignIn, resp=answers(200, CoordinatorRequestOut, 403, 404, 409, 422), tags=["coordinators"],
               security=BEARER)
def assign(request_id: int):
    """派单: give an open request to a volunteer of my village by hand; they are told it is an assignment,
    the household gets their name, volunteers offered it are told it is taken."""
    body: AssignIn = context.request_json()
    now = context.now()
    with unit() as session:
        admin = coordinator(session)
        _handled(session, admin, request_id)
        volunteer = session.get(User, body.volunteer_id)
        if volunteer is None:
            raise Problem(409, "not_volunteer")
        rules = dispatch.dispatch_rules(config(), context.runtime().tz)
        outcome = visits.claim(session, request_id, volunteer, now=now, rules=rules, assigned_by=admin)
        if outcome.result != "won":
            status, code = ASSIGN_PROBLEMS.get(outcome.result, (409, "conflict"))
            raise Problem(status, code, detail=outcome.result)
        send(session, [as_assignment(n) for n in outcome.notices])
        assert outcome.request is not None  # a won claim comes with its request
        return request_out(session, outcome.request)
