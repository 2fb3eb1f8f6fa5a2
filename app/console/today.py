"""Today: everything that needs a coordinator, each item one tap from its action; logout; detail pages."""
from __future__ import annotations

from datetime import datetime

from flask import abort, make_response, redirect
from sqlmodel import Session, col, select

from app.console import auth
from app.console.common import PREFIX, admin_in, blueprint, page, rt, since, who
from app.console.scope import active_requests, villages_of
from app.db import session_scope
from bots.texts import t
from models.base import id_of
from models.canteen import canteen as cn
from models.checkin import alarm
from models.checkin import rules as ck
from models.console import handled, logins
from models.events import events as ev
from models.help import dispatch
from models.help import held_requests as held
from models.help import requests as hr
from models.people import membership, volunteering
from models.people.membership import in_scope
from models.people.users import User
from models.people.volunteers import volunteer_of
from models.privacy import access

bp = blueprint("console", __name__)
SHOWN_VIEWS = 10
bp.record(auth.plug_in)


def request_state(request: hr.HelpRequest, now: datetime) -> str:
    """Where a request stands against the dispatcher's clocks (T1: next round; T2: coordinators alerted)."""
    if request.status == hr.HELD:
        return t("console_web_state_held")
    if request.status != hr.OPEN:
        return t(f"console_web_status_{request.status}")
    if request.escalated_at is not None:
        return t("console_web_state_t2", at=since(request.escalated_at, now))
    if request.next_step_at is not None:
        minutes = max(0, int((request.next_step_at - now).total_seconds() // 60))
        return t("console_web_state_t1", round=request.dispatch_round, minutes=minutes)
    return t("console_web_state_open")


def _request_rows(session: Session, requests: list[hr.HelpRequest], now: datetime) -> list[dict]:
    rows = []
    for r in requests:
        elder = session.get(User, r.elder_id)
        helper = session.get(User, r.volunteer_id) if r.volunteer_id else None
        rows.append({"r": r, "elder": who(elder), "volunteer": who(helper), "age": since(r.created_at, now),
                     "state": request_state(r, now), "late": r.escalated_at is not None})
    return rows


def _checkins(session: Session, admin: User, now: datetime) -> tuple[list, list]:
    tz = rt().tz
    alarms = alarm.open_alarms(session, admin, now=now, tz=tz)
    alarms = [(d, e) for d, e in alarms if in_scope(admin, e)]
    missed_query = select(ck.CheckinDay, User).join(User, col(User.id) == ck.CheckinDay.elder_id).where(
        ck.CheckinDay.day == ck.local_day(now, tz), ck.CheckinDay.status == ck.MISSED)
    missed = [(d, e) for d, e in session.exec(missed_query) if in_scope(admin, e)]
    return alarms, missed


def _canteen(session: Session, admin: User, now: datetime) -> list[dict]:
    rules = cn.canteen_rules(dict(rt().config))
    today = ck.local_day(now, rt().tz)
    meals = []
    for village in villages_of(session, admin):
        for meal in rules.meals:
            orders = cn.kitchen_list(session, id_of(village), today, meal)
            menu = cn.menu_of(session, id_of(village), today, meal)
            meals.append({"village": village.name, "village_id": village.id, "meal": meal, "menu": menu,
                          "orders": orders,
                          "portions": sum(o.portions for o, _ in orders)})
    return meals


def _events(session: Session, admin: User, now: datetime) -> list[dict]:
    seen: dict[int, ev.Event] = {}
    for village in villages_of(session, admin):
        for event in ev.upcoming(session, id_of(village), now=now):
            seen[id_of(event)] = event
    return [{"e": e, "taken": ev.seats_taken(session, id_of(e)), "waiting": ev.waiting_count(session, id_of(e)),
             "attendees": ev.attendees(session, id_of(e)), "roll_open": ev.roll_open(e, now=now)}
            for e in sorted(seen.values(), key=lambda e: e.starts_at)]


@bp.get("/")
def today():
    """The day's work for this coordinator."""
    runtime = rt()
    now = runtime.clock()
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        active = active_requests(session, admin)
        unclaimed = dispatch.unclaimed_for(session, admin)
        alarms, missed = _checkins(session, admin, now)
        values = {
            "admin": admin, "now": now,
            "requests": _request_rows(session, [r for r in active if r.status not in (hr.OPEN, hr.HELD)], now),
            "unclaimed": _request_rows(session, unclaimed, now),
            "alarms": alarms, "missed": missed,
            "lost": handled.lost_for(session, admin, limit=30),
            "volunteers": volunteering.pending(session, admin),
            "elders": membership.pending_elders(session, admin),
            "meals": _canteen(session, admin, now),
            "events": _events(session, admin, now),
        }
        return page("today.html", **values)


@bp.post("/logout")
def logout():
    runtime = rt()
    from flask import g

    with session_scope(runtime.engine) as session:
        logins.end_session(session, g.identity.token, now=runtime.clock())
    response = make_response(redirect(f"{PREFIX}/login", code=303))
    auth.clear_session_cookie(response)
    return response


@bp.get("/requests/<int:request_id>")
def request_detail(request_id: int):
    """One request, with the dispatcher's ranking of who could take it."""
    runtime = rt()
    now = runtime.clock()
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        request = hr.get_request(session, request_id)
        if request is None or not held.may_handle(session, admin, request):
            abort(404)
        ranking = []
        if request.status == hr.OPEN:
            rules = dispatch.dispatch_rules(dict(runtime.config), runtime.tz)
            villages = [id_of(v) for v in villages_of(session, admin)]
            ranked = dispatch.rank(dispatch.load_candidates(session, villages, now=now), request, rules)
            asked = dispatch.already_asked(session, id_of(request))
            for place, candidate in enumerate(ranked, 1):
                person = session.get(User, candidate.user_id)
                record = volunteer_of(session, person) if person else None
                ranking.append({"place": place, "c": candidate, "name": who(person), "record": record,
                                "asked": candidate.user_id in asked})
        row = _request_rows(session, [request], now)[0]
        return page("request.html", row=row, ranking=ranking)


@bp.get("/elders/<int:elder_id>")
def elder_detail(elder_id: int):
    """An elder's contact and health details: every view is written to the access log."""
    runtime = rt()
    now = runtime.clock()
    with session_scope(runtime.engine) as session:
        admin = admin_in(session)
        elder = session.get(User, elder_id)
        if elder is None or not in_scope(admin, elder):
            abort(404)
        card = membership.contact_card(session, elder, admin)
        _log_view(session, admin, elder, shown_health=bool(card.health_notes), now=now)
        profile = membership.profile_of(session, elder)
        enrolment = ck.enrolment_of(session, elder)
        family = alarm.family_of(session, elder)
        views = access.accesses_of(session, id_of(elder), limit=SHOWN_VIEWS)
        viewers = {v.id: who(session.get(User, v.viewer_id)) if v.viewer_id else v.viewer_name for v in views}
        return make_response(page("elder.html", elder=elder, card=card, profile=profile, enrolment=enrolment,
                                  family=family, views=views, viewers=viewers))


def _log_view(session: Session, admin: User, elder: User, *, shown_health: bool, now: datetime) -> None:
    """The privacy access log (the one 谁看过我的信息 reads): the contact card, and the health notes when
    the page showed any."""
    shown = [access.CONTACT] + ([access.HEALTH_NOTES] if shown_health else [])
    for what in shown:
        access.log_access(session, subject_id=id_of(elder), viewer_id=id_of(admin), viewer_role="admin", what=what,
                          reason=access.CONSOLE, ref="elder", now=now)
