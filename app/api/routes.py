"""The token door: everything a logged-in mini-program user does, over the same models/ rules as the chat.

Each view checks who may act (the rule's own function from models/), calls the domain function the chat
calls, renders the notices it returns into the outbox (bots/notify.py), and answers a schema.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from sqlmodel import Session, col, select

from app.api import context, schemas
from app.api.auth import authenticate, bearer, refuse
from app.api.context import created, local, page, person, unit
from app.api.problems import Problem
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from app.web import registry
from bots import notify
from bots.texts import t
from models.api import identity as ids
from models.base import id_of, row_of
from models.help import dispatch, visits
from models.help import requests as hr
from models.help.alarms import acting_for
from models.help.complaints import record_complaint
from models.help.coordination import notify_coordinators
from models.people import binding
from models.people.users import User
from models.timebank import ledger as timebank

bp = Blueprint("api", __name__, url_prefix="/api/v1")
wire(bp)
registry.authenticate(registry.TOKEN, authenticate, refuse=refuse)
CLAIM_PROBLEMS = {"not_volunteer": 403, "not_offered": 404, "missing": 404, "not_qualified": 403,
                  "own_request": 409, "taken": 409, "held": 409, "mine": 409}


def _send(session: Session, notices) -> None:
    notify.send(session, notices, now=context.now(), tz=context.runtime().tz)


def _config() -> dict:
    return dict(context.runtime().config)


# --- identity --------------------------------------------------------------------------------------------

@bp.post("/auth/logout")
@spec.validate(resp=answers(204, None), tags=["auth"], security=BEARER)
def logout():
    """Revoke this token."""
    from flask import request

    with unit() as session:
        ids.revoke(session, bearer(request) or "", now=context.now())
    return "", 204


@bp.post("/auth/link/phone")
@spec.validate(json=schemas.PhoneLinkIn, resp=answers(200, schemas.Me, 400, 409, 422, 502), tags=["auth"],
               security=BEARER)
def link_phone():
    """Link to my registered profile by the phone number WeChat verified (getPhoneNumber's code)."""
    from app.api.miniapp import miniapp

    body: schemas.PhoneLinkIn = context.request_json()
    phone = miniapp().phone_number(body.code)
    with unit() as session:
        identity = ids.identity_of(session, context.caller().identity_id)
        result = ids.link_by_verified_phone(session, identity, phone, now=context.now())
        if result in ("no_match", "ambiguous", "already"):
            raise Problem(409, {"no_match": "phone_no_match", "ambiguous": "phone_ambiguous",
                                "already": "already_linked"}[result])
        return _me(session, identity.user_id)


@bp.post("/auth/link/code")
@spec.validate(json=schemas.CodeLinkIn, resp=answers(200, schemas.Me, 409, 422), tags=["auth"], security=BEARER)
def link_code():
    """Link with the 6-digit code the Official Account chat gave me (send 小程序验证码 there)."""
    body: schemas.CodeLinkIn = context.request_json()
    with unit() as session:
        identity = ids.identity_of(session, context.caller().identity_id)
        result = ids.link_by_code(session, identity, body.code, now=context.now())
        if result != "linked":
            # The failure count must survive the refusal, so it is committed before answering.
            session.commit()
            raise Problem(409, {"already": "already_linked", "locked": "link_locked",
                                "wrong": "link_code_wrong"}[result])
        return _me(session, identity.user_id)


@bp.get("/me")
@spec.validate(resp=answers(200, schemas.Me), tags=["me"], security=BEARER)
def me():
    """Who I am: name, roles, village and the elders I act for."""
    who = context.caller()
    if who.card is not None:
        return _me_of(who.card)
    if who.user_id is None:
        return schemas.Me(linked=False)
    with context.statement() as conn:  # linked by unionid during this very call
        return _me(conn, who.user_id)


def _me(db: Session | sa.Connection, user_id: int | None) -> schemas.Me:
    card = binding.card_of(db, user_id) if user_id is not None else None
    return _me_of(card) if card is not None else schemas.Me(linked=False)


def _me_of(card: binding.Card) -> schemas.Me:
    return schemas.Me(linked=True, id=card.id, name=card.name, roles=list(card.roles), village=card.village,
                      elders=[schemas.Person(id=i, name=n) for i, n in card.elders])


# --- help requests -------------------------------------------------------------------------------------------

def _request_out(session: Session, request: hr.HelpRequest) -> schemas.HelpRequestOut:
    elder = row_of(session, User, request.elder_id)
    helper = session.get(User, request.volunteer_id) if request.volunteer_id else None
    return schemas.HelpRequestOut(
        id=request.id, status=request.status, category=request.category, details=request.details,
        place=request.place, urgency=request.urgency, window_start=local(request.window_start),
        window_end=local(request.window_end), elder=schemas.Person(id=elder.id, name=elder.name),
        volunteer=helper.name if helper else None, minutes_spent=request.minutes_spent, rating=request.rating,
        created_at=local(request.created_at))


def _my_request(session: Session, user: User, request_id: int) -> hr.HelpRequest:
    request = hr.get_request(session, request_id)
    if request is None or (request.elder_id not in acting_for(session, user)
                           and request.requested_by_id != user.id):
        raise Problem(404)  # another family's request: as if it did not exist
    return request


@bp.post("/help-requests")
@spec.validate(json=schemas.HelpRequestIn, resp=answers(201, schemas.HelpRequestOut, 403, 404, 409, 422),
               tags=["help"], security=BEARER)
def create_help_request():
    """Ask for help for myself or an elder I am bound to; dispatched to volunteers at once."""
    if (first := context.replay()) is not None:
        return first
    body: schemas.HelpRequestIn = context.request_json()
    when = context.now()
    if body.when.end <= when or body.when.end <= body.when.start:
        raise Problem(422, detail="when.end must be after when.start and in the future")
    with unit() as session:
        user = person(session)
        elder = user if body.elder_id in (None, user.id) else session.get(User, body.elder_id)
        if elder is None or (elder.id != user.id and not binding.may_act_for(session, user, elder)):
            raise Problem(404)  # not an elder I act for: the same answer whether the person exists or not
        new = hr.NewRequest(elder=elder, requested_by=user, category=body.category, details=body.details,
                            window_start=max(body.when.start, when), window_end=body.when.end, place=body.place)
        key = context.idempotency_key()
        source = f"api:{context.caller().identity_id}:{key or when.isoformat()}"
        request, fresh = hr.create_request(session, new, source_key=source[:120], now=when, flush=False)
        if fresh and request.status == hr.OPEN:
            rules = dispatch.dispatch_rules(_config(), context.runtime().tz)
            _send(session, dispatch.dispatch_round(session, request, rules, now=when))
        session.flush()  # a held request is inserted here (an open one was, by its first round)
        return created(session, _request_out(session, request))


@bp.get("/help-requests")
@spec.validate(query=schemas.Cursor, resp=answers(200, schemas.HelpRequestPage, 403, 422), tags=["help"],
               security=BEARER)
def list_help_requests():
    """My household's requests, newest first."""
    query_in: schemas.Cursor = context.request_query()
    with Session(context.runtime().engine) as session:
        user = person(session)
        household = acting_for(session, user)
        query = select(hr.HelpRequest).where(sa.or_(col(hr.HelpRequest.elder_id).in_(household),
                                                    col(hr.HelpRequest.requested_by_id) == user.id))
        after = context.decode_cursor(query_in.cursor)
        if after is not None:
            query = query.where(col(hr.HelpRequest.id) < after)
        rows = list(session.exec(query.order_by(col(hr.HelpRequest.id).desc()).limit(query_in.limit + 1)))
        items, cursor = page(rows, query_in.limit)
        return schemas.HelpRequestPage(items=[_request_out(session, r) for r in items], next_cursor=cursor)


@bp.get("/help-requests/<int(max=2147483647):request_id>")
@spec.validate(resp=answers(200, schemas.HelpRequestOut, 403, 404), tags=["help"], security=BEARER)
def get_help_request(request_id: int):
    with Session(context.runtime().engine) as session:
        return _request_out(session, _my_request(session, person(session), request_id))


@bp.post("/help-requests/<int(max=2147483647):request_id>/cancel")
@spec.validate(resp=answers(200, schemas.HelpRequestOut, 403, 404, 409), tags=["help"], security=BEARER)
def cancel_help_request(request_id: int):
    """Cancel a request still in progress; whoever was helping or offered it is told."""
    with unit() as session:
        request = _my_request(session, person(session), request_id)
        outcome = visits.cancel_request(session, id_of(request), now=context.now())
        if outcome.result != "cancelled" or outcome.request is None:
            raise Problem(409, detail=f"status is {request.status}")
        _send(session, outcome.notices)
        return _request_out(session, outcome.request)


@bp.post("/help-requests/<int(max=2147483647):request_id>/rating")
@spec.validate(json=schemas.RatingIn, resp=answers(200, schemas.HelpRequestOut, 403, 404, 409, 422), tags=["help"],
               security=BEARER)
def rate_help_request(request_id: int):
    """Confirm a finished visit with 1–5; the volunteer's minutes are credited (1–2 also tell the coordinator)."""
    body: schemas.RatingIn = context.request_json()
    with unit() as session:
        user = person(session)
        request = _my_request(session, user, request_id)
        outcome = visits.rate(session, id_of(request), user, body.score, now=context.now(),
                              credit=visits.credit_rules_from_config(_config()))
        if outcome.result != "rated" or outcome.request is None:
            raise Problem(409, detail="only a finished visit waiting for confirmation can be rated")
        _send(session, outcome.notices)
        return _request_out(session, outcome.request)


@bp.post("/help-requests/<int(max=2147483647):request_id>/complaints")
@spec.validate(json=schemas.ComplaintIn, resp=answers(201, schemas.ComplaintOut, 403, 404, 422), tags=["help"],
               security=BEARER)
def complain(request_id: int):
    """Complain about a request; the visit stops confirming itself and the coordinators are told."""
    if (first := context.replay()) is not None:
        return first
    body: schemas.ComplaintIn = context.request_json()
    when = context.now()
    with unit() as session:
        user = person(session)
        request = _my_request(session, user, request_id)
        complaint = record_complaint(session, user, body.about, now=when, request_id=request.id)
        visits.dispute(session, id_of(request), now=when)
        who = user.name or t("someone", tail=user.openid[-4:])
        notify_coordinators(session, user, kind="complaint", text=t("complaint_alert", who=who, about=body.about),
                            key=f"complaint:api:{complaint.id}", now=when)
        return created(session, schemas.ComplaintOut(id=complaint.id, request_id=request.id))


# --- volunteer tasks ------------------------------------------------------------------------------------------

def _task_out(session: Session, request: hr.HelpRequest, mine: User | None) -> schemas.TaskOut:
    """`mine`: the volunteer who holds the task (they see the address, unless the partner_sharing rule
    withholds it); None: an offer, redacted."""
    shown = visits.claimed_params(session, request, mine) if mine else dispatch.offer_params(session, request)
    return schemas.TaskOut(id=request.id, status=request.status, category=request.category,
                           window_start=local(request.window_start), window_end=local(request.window_end),
                           place=str(shown.get("address") or shown.get("place") or ""),
                           details=str(shown.get("details") or ""))


@bp.get("/tasks/offers")
@spec.validate(resp=answers(200, schemas.TaskList, 403), tags=["tasks"], security=BEARER)
def offers():
    """Requests offered to me and still open (details redacted until my claim wins)."""
    with Session(context.runtime().engine) as session:
        user = person(session)
        offer = dispatch.TaskOffer
        query = (select(hr.HelpRequest).join(offer, col(offer.request_id) == hr.HelpRequest.id)
                 .where(dispatch.TaskOffer.volunteer_id == user.id, dispatch.TaskOffer.status == dispatch.OFFERED,
                        hr.HelpRequest.status == hr.OPEN).order_by(col(hr.HelpRequest.id)))
        return schemas.TaskList(items=[_task_out(session, r, None) for r in session.exec(query)])


@bp.get("/tasks")
@spec.validate(resp=answers(200, schemas.TaskList, 403), tags=["tasks"], security=BEARER)
def my_tasks():
    """The tasks I claimed and have not finished, with what I need to go and help."""
    with Session(context.runtime().engine) as session:
        user = person(session)
        return schemas.TaskList(items=[_task_out(session, r, user) for r in hr.tasks_of(session, id_of(user))])


@bp.post("/tasks/<int(max=2147483647):request_id>/claim")
@spec.validate(resp=answers(200, schemas.TaskOut, 403, 404, 409), tags=["tasks"], security=BEARER)
def claim(request_id: int):
    """Claim an offered request; the first claim wins."""
    with unit() as session:
        user = person(session)
        rules = dispatch.dispatch_rules(_config(), context.runtime().tz)
        outcome = visits.claim(session, request_id, user, now=context.now(), rules=rules)
        if outcome.result != "won" or outcome.request is None:
            raise Problem(CLAIM_PROBLEMS.get(outcome.result, 409), detail=outcome.result)
        _send(session, outcome.notices)
        return _task_out(session, outcome.request, user)


@bp.post("/tasks/<int(max=2147483647):request_id>/decline")
@spec.validate(resp=answers(200, schemas.Outcome, 403, 404), tags=["tasks"], security=BEARER)
def decline(request_id: int):
    with unit() as session:
        if not dispatch.decline(session, request_id, person(session), now=context.now()):
            raise Problem(404)
        return schemas.Outcome(result="declined")


@bp.post("/tasks/<int(max=2147483647):request_id>/start")
@spec.validate(resp=answers(200, schemas.Outcome, 403, 404), tags=["tasks"], security=BEARER)
def start(request_id: int):
    """On my way; the household is told."""
    with unit() as session:
        outcome = visits.start(session, request_id, person(session), now=context.now())
        if outcome.result != "started":
            raise Problem(404)
        _send(session, outcome.notices)
        return schemas.Outcome(result="started")


@bp.post("/tasks/<int(max=2147483647):request_id>/done")
@spec.validate(json=schemas.DoneIn, resp=answers(200, schemas.Outcome, 403, 404, 409, 422), tags=["tasks"],
               security=BEARER)
def done(request_id: int):
    """Done, with the minutes spent; the household is asked to rate. Long before the booked window it answers
    409 `done_early` (with the window's start) until sent again with `"early": true`, as the chat asks first."""
    body: schemas.DoneIn = context.request_json()
    hours = float(_config().get("timebank", {}).get("confirm_after_hours", 48))
    with unit() as session:
        outcome = visits.complete(session, request_id, person(session), now=context.now(), minutes=body.minutes,
                                  confirm_after=timedelta(hours=hours), early_ok=body.early)
        if outcome.result == "early" and outcome.request is not None:
            start = local(outcome.request.window_start)
            raise Problem(409, "done_early", window_start=start.isoformat() if start else None)
        if outcome.result != "done":
            raise Problem(404)
        _send(session, outcome.notices)
        return schemas.Outcome(result="done")


@bp.post("/tasks/<int(max=2147483647):request_id>/release")
@spec.validate(resp=answers(200, schemas.Outcome, 403, 404), tags=["tasks"], security=BEARER)
def release(request_id: int):
    """Give a claimed task back; it is dispatched again."""
    with unit() as session:
        rules = dispatch.dispatch_rules(_config(), context.runtime().tz)
        outcome = visits.release(session, request_id, person(session), now=context.now(), rules=rules)
        if outcome.result != "released":
            raise Problem(404)
        _send(session, outcome.notices)
        return schemas.Outcome(result="released")


# --- time bank, notices ------------------------------------------------------------------------------------

@bp.get("/timebank/balance")
@spec.validate(resp=answers(200, schemas.Balance, 403), tags=["timebank"], security=BEARER)
def balance():
    with Session(context.runtime().engine) as session:
        return schemas.Balance(minutes=timebank.balance(session, id_of(person(session))))


@bp.get("/timebank/statement")
@spec.validate(query=schemas.Cursor, resp=answers(200, schemas.Statement, 403, 422), tags=["timebank"],
               security=BEARER)
def statement():
    """My entries, newest first, each with the request it came from."""
    query_in: schemas.Cursor = context.request_query()
    with Session(context.runtime().engine) as session:
        code = timebank.person_code(id_of(person(session)))
        rows = timebank.lines_of(session, code, query_in.limit + 1, before=context.decode_cursor(query_in.cursor))
        items, cursor = page([line for line, _ in rows], query_in.limit)
        movements = {id_of(line): movement for line, movement in rows}
        return schemas.Statement(items=[schemas.LedgerLine(id=id_of(line), minutes=line.minutes, reason=line.reason,
                                                           request_id=movements[id_of(line)].request_id,
                                                           category=movements[id_of(line)].category or None,
                                                           created_at=local(line.created_at))
                                        for line in items], next_cursor=cursor)


@bp.get("/notices")
@spec.validate(query=schemas.Cursor, resp=answers(200, schemas.NoticePage, 403, 422), tags=["notices"],
               security=BEARER)
def notices():
    """Notices for my village and roles, newest first (the cursor is an offset here: the chat's own paging)."""
    from models.notices import track

    query_in: schemas.Cursor = context.request_query()
    offset = context.decode_cursor(query_in.cursor) or 0
    with Session(context.runtime().engine) as session:
        rows = track.latest_for(session, person(session), offset=offset, limit=query_in.limit + 1)
        more = len(rows) > query_in.limit
        items = [schemas.NoticeOut(id=b.id, title=b.title or "", text=b.body or "", sent_at=local(b.send_at))
                 for b in rows[:query_in.limit]]
        return schemas.NoticePage(items=items, next_cursor=str(offset + query_in.limit) if more else None)


# --- family -------------------------------------------------------------------------------------------------

@bp.get("/family")
@spec.validate(resp=answers(200, schemas.Family, 403), tags=["family"], security=BEARER)
def family():
    """My bindings: my elders and my family members."""
    with Session(context.runtime().engine) as session:
        items = [schemas.FamilyLinkOut(id=row.id, person=schemas.Person(id=other.id, name=other.name), side=side,
                                       relationship=relationship)
                 for row, other, side in binding.links_of(session, person(session))
                 for relationship in [row.relationship]]
        return schemas.Family(items=items)


@bp.post("/family/binding-codes")
@spec.validate(json=schemas.BindingCodeIn, resp=answers(201, schemas.BindingCodeOut, 403, 404, 422),
               tags=["family"], security=BEARER)
def binding_code():
    """A code a family member uses to bind to me (or to an elder I act for)."""
    if (first := context.replay()) is not None:
        return first
    body: schemas.BindingCodeIn = context.request_json()
    with unit() as session:
        user = person(session)
        candidates = binding.acts_for(session, user)
        elder = next((e for e in candidates if body.elder_id in (None, e.id)), None) if candidates else None
        if elder is None or (body.elder_id is None and len(candidates) > 1):
            raise Problem(404 if body.elder_id else 403)
        code = binding.issue_code(session, elder, user, now=context.now())
        return created(session, schemas.BindingCodeOut(code=code.code, expires_at=local(code.expires_at)))


@bp.post("/family/bindings")
@spec.validate(json=schemas.BindIn, resp=answers(202, schemas.BindOut, 403, 409, 422), tags=["family"],
               security=BEARER)
def bind():
    """Use an elder's binding code; the elder's side confirms in the chat before anything is bound."""
    body: schemas.BindIn = context.request_json()
    with unit() as session:
        user = person(session)
        attempt = binding.redeem(session, user, body.code, body.relationship, now=context.now(),
                                 limits=binding.limits_from_config(_config()))
        if attempt.status != binding.ASKED:
            session.commit()  # a wrong code still counts against the guessing limit
            raise Problem(409, detail=attempt.status)
        _send(session, attempt.notices)
        return schemas.BindOut(status=attempt.status), 202


@bp.delete("/family/bindings/<int(max=2147483647):link_id>")
@spec.validate(resp=answers(204, None, 403, 404), tags=["family"], security=BEARER)
def unbind(link_id: int):
    """Remove a binding I am a side of; the other side is told."""
    with unit() as session:
        user = person(session)
        notice = t("people_unbound_notice", who=user.name or t("people_unnamed"))
        if binding.unbind(session, user, link_id, now=context.now(), notice=notice) is None:
            raise Problem(404)
    return "", 204

