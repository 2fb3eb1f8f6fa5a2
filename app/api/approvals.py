"""Coordinators' approvals through the API: what a coordinator decides today in the chat and the console.

- held requests from people nobody knows yet: verify (核实求助, then dispatched) or turn down (驳回求助);
- volunteer sign-ups: approve (通过) or reject with a reason (拒绝 n 原因);
- elders registered by someone else: verify (核实 n);
- family bindings the elder's coordinators were asked about (or a coordinator by name): 同意绑定 / 拒绝绑定;
- expenses waiting for a second coordinator: approve (批准) or reject with a reason (驳回).

Each list and each decision is the models/ function the console and the chat call, and its notices go into the
outbox as theirs do. A village coordinator reaches their own village, a county admin every village; anyone
else answers 403, something of another village 404 (as if it did not exist). Every decision is a conditional
update in models/, so something already decided — here, in the chat or in the console — answers 409.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import Session, col, select

from app.api import context
from app.api.common import ID_MAX, config, send
from app.api.context import local, page, unit
from app.api.coordinators import CoordinatorRequestOut, Scope, coordinator, request_out, villages_wanted
from app.api.problems import Problem
from app.api.schemas import Body, Person
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from bots.flows.funds.views import ledger_link
from bots.flows.people.admin import review_outcome
from bots.texts import t
from models.base import id_of, row_of
from models.funds import ledger
from models.funds.chain import APPROVE, REJECT, FundEntry
from models.funds.ledger import FundError
from models.help import dispatch
from models.help import held_requests as held
from models.help import requests as hr
from models.people import binding, membership, volunteering
from models.people.membership import in_scope, reaches_village
from models.people.users import User, Village
from models.people.volunteers import Volunteer

bp = Blueprint("api_approvals", __name__, url_prefix="/api/v1")
wire(bp)
T = TypeVar("T")
TAGS = ["approvals"]
REASON = r"\S"  # a reason must say something: spaces alone are no reason
# ledger.step's refusals (FundError codes) as problems; whatever else it raises is a state it refuses.
FUND_PROBLEMS = {"funds_err_no_record": (404, None), "funds_err_not_expense": (404, None),
                 "funds_err_not_coordinator": (403, "not_coordinator"), "funds_err_same_person": (409, "expense_own"),
                 "funds_err_state": (409, "expense_decided"), "funds_err_no_reason": (422, None),
                 "funds_err_too_long": (422, None)}


# --- bodies and answers --------------------------------------------------------------------------------------

class VolunteerRejectIn(Body):
    reason: str = Field(min_length=1, max_length=200, pattern=REASON,
                        description="why, as the chat's reject command takes it: the volunteer is told it")


class ExpenseRejectIn(Body):
    why: str = Field(min_length=1, max_length=ledger.MAX_TEXT, pattern=REASON,
                     description="why, as the console's reject takes it: kept in the ledger's chain")


class HeldRequestOut(CoordinatorRequestOut):
    requested_by: Person = Field(description="who asked (not yet registered: why the request is held)")


class HeldRequestPage(BaseModel):
    items: list[HeldRequestOut]
    next_cursor: str | None


class ApplicationOut(BaseModel):
    id: int = Field(description="the sign-up's number (what /approve and /reject take)")
    person: Person
    phone: str
    village_id: int | None
    skills: list[str]
    availability: list[str]
    status: str = Field(description="pending, approved or rejected")
    reject_reason: str
    updated_at: AwareDatetime = Field(description="when last submitted, or decided")


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None


class ElderRegistrationOut(BaseModel):
    elder: Person = Field(description="the elder's person id is what /verify takes (as the chat's verify command does)")
    village_id: int | None
    age: int | None
    registered_by: Person
    relationship: str = Field(description="the registrant's relation to the elder")
    registered_at: AwareDatetime
    verified_at: AwareDatetime | None


class ElderRegistrationPage(BaseModel):
    items: list[ElderRegistrationOut]
    next_cursor: str | None


class BindingOut(BaseModel):
    id: int = Field(description="the number the chat's accept-binding command takes")
    elder: Person
    family: Person = Field(description="who asks to be bound")
    relationship: str
    status: str = Field(description="pending, accepted or refused")
    requested_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="unanswered, the request lapses then")


class BindingPage(BaseModel):
    items: list[BindingOut]
    next_cursor: str | None


class ExpenseOut(BaseModel):
    id: int
    village_id: int
    amount_fen: int
    purpose: str
    category: str
    note: str
    receipt: bool = Field(description="a receipt is kept with it")
    recorded_by: Person | None
    recorded_at: AwareDatetime
    state: str = Field(description="pending; after a decision approved or rejected")
    mine: bool = Field(description="I recorded it, so I can neither approve nor reject it")


class ExpensePage(BaseModel):
    items: list[ExpenseOut]
    next_cursor: str | None


class VillageQuery(BaseModel):
    village_id: int | None = Field(default=None, ge=1, le=ID_MAX, description="one village (a county admin: any)")


class ApprovalCounts(BaseModel):
    held_requests: int
    volunteer_applications: int
    elder_registrations: int
    family_bindings: int
    expenses: int


# --- what every list does -------------------------------------------------------------------------------------

def _listed(session: Session, admin: User, query: Scope, rows: list[T], *, key: Callable[[T], Any],
            village: Callable[[T], int | None]) -> tuple[list[T], str | None]:
    """One page of a domain list (already limited to what this coordinator reaches), optionally one village's."""
    villages_wanted(session, admin, query.village_id)  # 404 for no such village, 403 for another one's
    after = context.decode_cursor(query.cursor)
    chosen = [r for r in rows if (query.village_id is None or village(r) == query.village_id)
              and (after is None or key(r) > after)]
    return page(chosen[:query.limit + 1], query.limit, key=key)


def _person(user: User) -> Person:
    return Person(id=id_of(user), name=user.name)


def _stamp(moment: datetime) -> datetime:
    shown = local(moment)
    assert shown is not None
    return shown


# --- held requests (核实求助 / 驳回求助) -------------------------------------------------------------------------

def _held_out(session: Session, request: hr.HelpRequest) -> HeldRequestOut:
    asker = row_of(session, User, request.requested_by_id)
    return HeldRequestOut(**request_out(session, request).model_dump(), requested_by=_person(asker))


@bp.get("/coordinator/held-requests")
@spec.validate(query=Scope, resp=answers(200, HeldRequestPage, 403, 404, 422), tags=TAGS, security=BEARER)
def held_requests():
    """Requests from people not registered yet, held until a coordinator verifies them, oldest first."""
    query: Scope = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        rows, cursor = _listed(session, admin, query, held.waiting_for(session, admin), key=id_of,
                               village=lambda r: r.village_id)
        return HeldRequestPage(items=[_held_out(session, r) for r in rows], next_cursor=cursor)


def _held_problem(result: str, request_id: int, session: Session) -> Problem:
    if result == held.NOT_FOUND:
        return Problem(404)
    request = hr.get_request(session, request_id)
    return Problem(409, "request_not_held", detail=f"status is {request.status}" if request else None)


@bp.post("/coordinator/held-requests/<int(max=2147483647):request_id>/verify")
@spec.validate(resp=answers(200, HeldRequestOut, 403, 404, 409), tags=TAGS, security=BEARER)
def verify_request(request_id: int):
    """核实求助: I vouch for the asker; the request is dispatched at once and the asker told."""
    with unit() as session:
        admin = coordinator(session)
        rules = dispatch.dispatch_rules(config(), context.runtime().tz)
        result, notices = dispatch.verify(session, request_id, admin, rules, now=context.now())
        if result != held.VERIFIED:
            raise _held_problem(result, request_id, session)
        send(session, notices)
        return _held_out(session, row_of(session, hr.HelpRequest, request_id))


@bp.post("/coordinator/held-requests/<int(max=2147483647):request_id>/reject")
@spec.validate(resp=answers(200, HeldRequestOut, 403, 404, 409), tags=TAGS, security=BEARER)
def reject_request(request_id: int):
    """驳回求助: the held request is closed and the asker told how to get help."""
    with unit() as session:
        admin = coordinator(session)
        result, notices = held.reject(session, request_id, admin, now=context.now())
        if result != held.REJECTED:
            raise _held_problem(result, request_id, session)
        send(session, notices)
        return _held_out(session, row_of(session, hr.HelpRequest, request_id))


# --- volunteer sign-ups (通过 / 拒绝) ---------------------------------------------------------------------------

def _application_out(volunteer: Volunteer, user: User) -> ApplicationOut:
    return ApplicationOut(id=id_of(volunteer), person=_person(user), phone=user.phone, village_id=user.village_id,
                          skills=list(volunteer.skills or []), availability=list(volunteer.availability or []),
                          status=volunteer.status, reject_reason=volunteer.reject_reason,
                          updated_at=_stamp(volunteer.updated_at))


@bp.get("/coordinator/volunteer-applications")
@spec.validate(query=Scope, resp=answers(200, ApplicationPage, 403, 404, 422), tags=TAGS, security=BEARER)
def applications():
    """Volunteer sign-ups waiting for a coordinator (审核), oldest first."""
    query: Scope = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        rows, cursor = _listed(session, admin, query, volunteering.pending(session, admin),
                               key=lambda row: row[0].id, village=lambda row: row[1].village_id)
        return ApplicationPage(items=[_application_out(v, u) for v, u in rows], next_cursor=cursor)


def _review(volunteer_id: int, *, approve: bool, reason: str = "") -> ApplicationOut:
    with unit() as session:
        admin = coordinator(session)
        status, volunteer, user = volunteering.review(session, admin, volunteer_id, approve=approve, reason=reason,
                                                      now=context.now(), outcome=review_outcome)
        if status == volunteering.NOT_FOUND or volunteer is None or user is None:
            raise Problem(404)
        if status == volunteering.HANDLED:
            raise Problem(409, "application_decided", detail=f"status is {volunteer.status}")
        return _application_out(volunteer, user)


@bp.post("/coordinator/volunteer-applications/<int(max=2147483647):volunteer_id>/approve")
@spec.validate(resp=answers(200, ApplicationOut, 403, 404, 409), tags=TAGS, security=BEARER)
def approve_application(volunteer_id: int):
    """通过 n: the person becomes a volunteer (offered tasks from now on) and is told."""
    return _review(volunteer_id, approve=True)


@bp.post("/coordinator/volunteer-applications/<int(max=2147483647):volunteer_id>/reject")
@spec.validate(json=VolunteerRejectIn, resp=answers(200, ApplicationOut, 403, 404, 409, 422), tags=TAGS,
               security=BEARER)
def reject_application(volunteer_id: int):
    """拒绝 n 原因: the person is told, with the reason."""
    body: VolunteerRejectIn = context.request_json()
    return _review(volunteer_id, approve=False, reason=body.reason.strip())


# --- elders registered by someone else (核实 n) ------------------------------------------------------------------

def _registration_out(session: Session, elder: User, profile: membership.ElderProfile) -> ElderRegistrationOut:
    registrant = row_of(session, User, profile.registered_by_user_id)
    return ElderRegistrationOut(elder=_person(elder), village_id=elder.village_id, age=profile.age,
                                registered_by=_person(registrant), relationship=profile.consent_relationship,
                                registered_at=_stamp(profile.created_at), verified_at=local(profile.verified_at))


@bp.get("/coordinator/elder-registrations")
@spec.validate(query=Scope, resp=answers(200, ElderRegistrationPage, 403, 404, 422), tags=TAGS, security=BEARER)
def elder_registrations():
    """Elders registered by family (or someone else) and not yet checked by a coordinator, oldest first.
    Their address, phone, contacts and health notes are not here: those are the console's logged elder page."""
    query: Scope = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        rows, cursor = _listed(session, admin, query, membership.pending_elders(session, admin),
                               key=lambda row: row[0].id, village=lambda row: row[0].village_id)
        return ElderRegistrationPage(items=[_registration_out(session, u, p) for u, p in rows], next_cursor=cursor)


@bp.post("/coordinator/elder-registrations/<int(max=2147483647):elder_id>/verify")
@spec.validate(resp=answers(200, ElderRegistrationOut, 403, 404, 409), tags=TAGS, security=BEARER)
def verify_elder(elder_id: int):
    """核实 n: the registration was checked; whoever registered the elder is told."""
    with unit() as session:
        admin = coordinator(session)
        elder = session.get(User, elder_id)
        if elder is None or not in_scope(admin, elder):
            raise Problem(404)
        text = t("people_elder_verified_notice", name=elder.name)
        done = membership.verify_elder(session, admin, elder_id, now=context.now(), text=text)
        profile = membership.profile_of(session, elder)
        if profile is None:
            raise Problem(404)
        if done is None:
            if profile.verified_at is None:  # registered by the elder themself: nothing to verify
                raise Problem(404)
            raise Problem(409, "elder_already_verified")
        return _registration_out(session, elder, profile)


# --- family bindings (同意绑定 / 拒绝绑定) -----------------------------------------------------------------------

def _binding_out(session: Session, row: binding.PendingBinding) -> BindingOut:
    elder, family = row_of(session, User, row.elder_id), row_of(session, User, row.family_id)
    return BindingOut(id=id_of(row), elder=_person(elder), family=_person(family), relationship=row.relationship,
                      status=row.status, requested_at=_stamp(row.created_at), expires_at=_stamp(row.expires_at))


def _binding_village(session: Session, row: binding.PendingBinding) -> int | None:
    return row_of(session, User, row.elder_id).village_id


@bp.get("/coordinator/family-bindings")
@spec.validate(query=Scope, resp=answers(200, BindingPage, 403, 404, 422), tags=TAGS, security=BEARER)
def family_bindings():
    """Bindings waiting for my yes, oldest first: for elders of my village nobody on whose side could answer
    (no WeChat, the code's maker gone), and any I was asked about by name."""
    query: Scope = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        waiting = binding.awaiting_coordinator(session, admin, now=context.now())
        rows, cursor = _listed(session, admin, query, waiting, key=id_of,
                               village=lambda row: _binding_village(session, row))
        return BindingPage(items=[_binding_out(session, r) for r in rows], next_cursor=cursor)


def _decide_binding(binding_id: int, *, accept: bool) -> BindingOut:
    with unit() as session:
        admin = coordinator(session)
        attempt = binding.decide(session, binding_id, admin, accept, now=context.now())
        if attempt.status == binding.NOT_FOUND:
            raise Problem(404)
        if attempt.status == binding.DECIDED:
            raise Problem(409, "binding_decided")
        if attempt.status == binding.LAPSED:
            raise Problem(409, "binding_lapsed")
        send(session, attempt.notices)
        return _binding_out(session, row_of(session, binding.PendingBinding, binding_id))


@bp.post("/coordinator/family-bindings/<int(max=2147483647):binding_id>/accept")
@spec.validate(resp=answers(200, BindingOut, 403, 404, 409), tags=TAGS, security=BEARER)
def accept_binding(binding_id: int):
    """同意绑定 n: the family member is bound to the elder; they and the elder's side are told."""
    return _decide_binding(binding_id, accept=True)


@bp.post("/coordinator/family-bindings/<int(max=2147483647):binding_id>/refuse")
@spec.validate(resp=answers(200, BindingOut, 403, 404, 409), tags=TAGS, security=BEARER)
def refuse_binding(binding_id: int):
    """拒绝绑定 n: nobody is bound; the family member is told."""
    return _decide_binding(binding_id, accept=False)


# --- expenses waiting for a second coordinator (批准 / 驳回) -------------------------------------------------------

def _expense_out(session: Session, admin: User, entry: FundEntry, state: str) -> ExpenseOut:
    details = entry.details or {}
    recorder = session.exec(select(User).where(User.openid == entry.actor)).first() if entry.actor else None
    return ExpenseOut(id=id_of(entry), village_id=entry.village_id, amount_fen=entry.amount_fen,
                      purpose=details.get("purpose", ""), category=details.get("category", "other"),
                      note=details.get("note", ""), receipt=bool(details.get("receipt_id")),
                      recorded_by=_person(recorder) if recorder else None, recorded_at=_stamp(entry.created_at),
                      state=state, mine=entry.actor == admin.openid)


def _pending_expenses(session: Session, admin: User) -> list[FundEntry]:
    """Pending expenses of every village this coordinator reaches, oldest first."""
    villages = session.exec(select(Village).order_by(col(Village.id)))
    found = [entry for village in villages if reaches_village(admin, village.id)
             for entry, state in ledger.open_expenses(session, id_of(village)) if state == ledger.PENDING]
    return sorted(found, key=id_of)


@bp.get("/coordinator/expenses")
@spec.validate(query=Scope, resp=answers(200, ExpensePage, 403, 404, 422), tags=TAGS, security=BEARER)
def expenses():
    """Expenses recorded by a coordinator and waiting for another one's approval, oldest first."""
    query: Scope = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        rows, cursor = _listed(session, admin, query, _pending_expenses(session, admin), key=id_of,
                               village=lambda e: e.village_id)
        return ExpensePage(items=[_expense_out(session, admin, e, ledger.PENDING) for e in rows], next_cursor=cursor)


def _step(expense_id: int, kind: str, why: str = "") -> ExpenseOut:
    with unit() as session:
        admin = coordinator(session)
        entry = session.get(FundEntry, expense_id)
        village = session.get(Village, entry.village_id) if entry is not None else None
        if entry is None or village is None or not reaches_village(admin, village.id):
            raise Problem(404)
        try:
            outcome = ledger.step(session, expense_id, kind, by=admin.openid, now=context.now(), why=why,
                                  link=ledger_link(config(), village.code))
        except FundError as exc:
            status, code = FUND_PROBLEMS.get(exc.code, (409, "expense_decided"))
            state = exc.params.get("state")
            raise Problem(status, code, detail=f"state is {state}" if state else None) from None
        send(session, outcome.notices)
        return _expense_out(session, admin, entry, ledger.state_of(session, entry))


@bp.post("/coordinator/expenses/<int(max=2147483647):expense_id>/approve")
@spec.validate(resp=answers(200, ExpenseOut, 403, 404, 409), tags=TAGS, security=BEARER)
def approve_expense(expense_id: int):
    """批准: a second coordinator approves (never whoever recorded it); donors whose gifts it spends are told."""
    return _step(expense_id, APPROVE)


@bp.post("/coordinator/expenses/<int(max=2147483647):expense_id>/reject")
@spec.validate(json=ExpenseRejectIn, resp=answers(200, ExpenseOut, 403, 404, 409, 422), tags=TAGS,
               security=BEARER)
def reject_expense(expense_id: int):
    """驳回, with the reason kept in the ledger (never by whoever recorded it)."""
    body: ExpenseRejectIn = context.request_json()
    return _step(expense_id, REJECT, body.why)


# --- everything at once ------------------------------------------------------------------------------------------

@bp.get("/coordinator/approvals")
@spec.validate(query=VillageQuery, resp=answers(200, ApprovalCounts, 403, 404, 422), tags=TAGS, security=BEARER)
def counts():
    """How many of each wait for me (the lists above, counted), for a badge."""
    query: VillageQuery = context.request_query()
    with Session(context.runtime().engine) as session:
        admin = coordinator(session)
        villages_wanted(session, admin, query.village_id)
        wanted = query.village_id

        def count(rows: list[T], village: Callable[[T], int | None]) -> int:
            return sum(1 for r in rows if wanted is None or village(r) == wanted)

        return ApprovalCounts(
            held_requests=count(held.waiting_for(session, admin), lambda r: r.village_id),
            volunteer_applications=count(volunteering.pending(session, admin), lambda row: row[1].village_id),
            elder_registrations=count(membership.pending_elders(session, admin), lambda row: row[0].village_id),
            family_bindings=count(binding.awaiting_coordinator(session, admin, now=context.now()),
                                  lambda row: _binding_village(session, row)),
            expenses=count(_pending_expenses(session, admin), lambda e: e.village_id))
