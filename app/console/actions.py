"""The console's actions: each is one models/ function the chat commands also call, with the same notices.

Every action is a POST (the session door checks its CSRF token); the function it calls checks the
coordinator's role and village, and the answer is the catalogue text the chat would give, as an htmx
fragment (or a page when JavaScript is off).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, make_response, request
from sqlmodel import Session

from app.console.common import admin_in, blueprint, page, rt
from app.console.scope import villages_of
from app.db import session_scope
from bots import notify
from bots.flows.checkin import send as checkin_send
from bots.flows.checkin.commands import day_text, stop_chain_for
from bots.flows.help.tasks import CLAIM_ANSWERS, VERIFY_ANSWERS, as_assignment
from bots.flows.people.admin import review_outcome
from bots.texts import t
from models.canteen import canteen as cn
from models.checkin import alarm
from models.checkin import rules as ck
from models.console import handled
from models.events import events as ev
from models.help import dispatch, visits
from models.help import held_requests as held
from models.people import membership, volunteering
from models.people.membership import in_scope
from models.people.users import User

bp = blueprint("console_actions", __name__)
DISH_SPLIT = re.compile(r"[\s,，、;；/]+")


def _answer(text: str, ok: bool = True, status: int = 200):
    """The outcome, as a fragment replacing the item acted on (htmx) or as a page."""
    template = "_result.html" if request.headers.get("HX-Request") else "result.html"
    return make_response(page(template, text=text, ok=ok), status)


def _int(name: str, low: int = 1, high: int = 10**9) -> int:
    try:
        value = int(request.form.get(name, ""))
    except ValueError:
        abort(400)
    if not low <= value <= high:
        abort(400)
    return value


def _elder(session: Session, admin: User, elder_id: int) -> User:
    elder = session.get(User, elder_id)
    if elder is None or not in_scope(admin, elder):
        abort(404)
    return elder


def _clock() -> tuple[datetime, ZoneInfo]:
    runtime = rt()
    return runtime.clock(), runtime.tz


@bp.post("/requests/<int:request_id>/assign")
def assign(request_id: int):
    """派单: the coordinator assigns by hand; the volunteer is told it is an assignment."""
    volunteer_id = _int("volunteer")
    now, tz = _clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        volunteer = session.get(User, volunteer_id)
        if volunteer is None:
            return _answer(t("help_assign_unknown"), ok=False, status=404)
        rules = dispatch.dispatch_rules(dict(rt().config), tz)
        outcome = visits.claim(session, request_id, volunteer, now=now, rules=rules, assigned_by=admin)
        notify.send(session, [as_assignment(n) for n in outcome.notices], now=now, tz=tz)
        if outcome.result != "won":
            return _answer(t(CLAIM_ANSWERS[outcome.result], number=request_id), ok=False, status=409)
        return _answer(t("help_assign_ok", number=request_id, volunteer=volunteer.name or volunteer.openid))


@bp.post("/requests/<int:request_id>/verify")
def verify_request(request_id: int):
    """核实求助: a held request is vouched for and dispatched."""
    now, tz = _clock()
    with session_scope(rt().engine) as session:
        rules = dispatch.dispatch_rules(dict(rt().config), tz)
        result, notices = dispatch.verify(session, request_id, admin_in(session), rules, now=now)
        notify.send(session, notices, now=now, tz=tz)
        return _answer(t(VERIFY_ANSWERS[result], number=request_id), ok=result == held.VERIFIED)


@bp.post("/requests/<int:request_id>/reject")
def reject_request(request_id: int):
    """驳回求助: a held request is turned down."""
    now, tz = _clock()
    with session_scope(rt().engine) as session:
        result, notices = held.reject(session, request_id, admin_in(session), now=now)
        notify.send(session, notices, now=now, tz=tz)
        return _answer(t(VERIFY_ANSWERS[result], number=request_id), ok=result == held.REJECTED)


@bp.post("/volunteers/<int:volunteer_id>/<any(approve, reject):decision>")
def review(volunteer_id: int, decision: str):
    """通过 / 拒绝 a volunteer sign-up (a rejection needs a reason, as in the chat)."""
    approve = decision == "approve"
    reason = (request.form.get("reason") or "").strip()
    if not approve and not reason:
        return _answer(t("people_reject_needs_reason", number=volunteer_id), ok=False, status=400)
    now, _ = _clock()
    with session_scope(rt().engine) as session:
        status, _, user = volunteering.review(session, admin_in(session), volunteer_id, approve=approve,
                                              reason=reason, now=now, outcome=review_outcome)
        if status == volunteering.NOT_FOUND or user is None:  # found comes with the volunteer's user
            return _answer(t("people_review_not_found", number=volunteer_id), ok=False, status=404)
        if status == volunteering.HANDLED:
            return _answer(t("people_review_handled", number=volunteer_id, name=user.name), ok=False)
        key = "people_review_approved" if approve else "people_review_rejected"
        return _answer(t(key, name=user.name, number=volunteer_id))


@bp.post("/elders/<int:elder_id>/verify")
def verify_elder(elder_id: int):
    """核实 n: an elder registered by someone else is checked."""
    now, _ = _clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        elder = _elder(session, admin, elder_id)
        text = t("people_elder_verified_notice", name=elder.name)
        done = membership.verify_elder(session, admin, elder_id, now=now, text=text)
        if done is None:
            return _answer(t("people_verify_not_found", number=elder_id), ok=False, status=409)
        return _answer(t("people_verified", name=done.name))


@bp.post("/elders/<int:elder_id>/safe")
def confirm_safe(elder_id: int):
    """平安: someone saw the elder is well; the alarm closes for everyone."""
    now, tz = _clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        elder = _elder(session, admin, elder_id)
        settled = alarm.confirm_safe(session, elder, admin, now=now, tz=tz)
        if settled.result == "not_enrolled":
            return _answer(t("checkin_not_enrolled", name=elder.name), ok=False, status=409)
        if settled.result == "not_allowed":
            return _answer(t("checkin_not_yours", name=elder.name), ok=False, status=403)
        if settled.result == "already" and settled.day is not None:
            return _answer(t("checkin_confirm_already", name=elder.name,
                             status=t(f"checkin_status_{settled.day.status}")), ok=False)
        checkin_send.send(session, settled.notices, now=now, tz=tz)
        return _answer(t("checkin_confirmed", name=elder.name))


@bp.post("/elders/<int:elder_id>/pause")
def pause_checkin(elder_id: int):
    """暂停签到 n天: as the chat command, the day's visit chain stops too."""
    days = _int("days", 1, ck.MAX_PAUSE_DAYS)
    now, tz = _clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        elder = _elder(session, admin, elder_id)
        enrolment = ck.enrolment_of(session, elder)
        if enrolment is None or enrolment.status == ck.CLOSED:
            return _answer(t("checkin_not_enrolled", name=elder.name), ok=False, status=409)
        until = ck.pause(session, enrolment, days, now=now, tz=tz)
        stop_chain_for(session, admin, elder, now=now, tz=tz)
        return _answer(t("checkin_paused", name=elder.name, days=days, until=day_text(until)))


@bp.post("/outbox/<int:row_id>/handled")
def outbox_handled(row_id: int):
    """A lost push was dealt with (phoned, visited): it leaves today's list, the audit log keeps who."""
    now, _ = _clock()
    with session_scope(rt().engine) as session:
        if not handled.mark_handled(session, admin_in(session), row_id, now=now):
            return _answer(t("console_web_handled_refused", id=row_id), ok=False, status=409)
        return _answer(t("console_web_handled_ok", id=row_id))


@bp.post("/events/<int:event_id>/attend")
def attend(event_id: int):
    """签到: record who came (a training grants its qualification)."""
    ids = {int(v) for v in request.form.getlist("signup") if v.isdigit()}
    now, _ = _clock()
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        event = session.get(ev.Event, event_id)
        reach = {v.id for v in villages_of(session, admin)}
        if event is None or (event.village_id is not None and event.village_id not in reach):
            abort(404)
        if not ev.roll_open(event, now=now):
            return _answer(t("console_web_roll_not_open"), ok=False, status=409)
        count = sum(ev.mark_attended(session, signup, event, by=admin.openid, now=now)
                    for signup, _ in ev.attendees(session, event_id) if signup.id in ids)
        return _answer(t("console_event_attended", count=count))


@bp.post("/canteen/menu")
def post_menu():
    """菜单: publish (or replace) one meal's menu for a village in reach."""
    now, tz = _clock()
    dishes = [d for d in DISH_SPLIT.split(request.form.get("dishes", "").strip()) if d]
    meal = request.form.get("meal", "")
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        return _answer(t("console_web_bad_day"), ok=False, status=400)
    rules = cn.canteen_rules(dict(rt().config))
    if not dishes or meal not in rules.meals or not ck.local_day(now, tz) <= day <= ck.local_day(now, tz) + \
            timedelta(days=31):
        return _answer(t("console_web_bad_menu"), ok=False, status=400)
    village_id = _int("village")
    with session_scope(rt().engine) as session:
        admin = admin_in(session)
        if village_id not in {v.id for v in villages_of(session, admin)}:
            abort(404)
        cn.post_menu(session, village_id, day, meal, dishes, by=admin, now=now)
        return _answer(t("console_menu_posted", day=day.isoformat(), meal=t(f"console_web_meal_{meal}"),
                         dishes="、".join(dishes)))
