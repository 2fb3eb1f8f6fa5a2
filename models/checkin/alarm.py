"""A silent morning: asking family and a volunteer, telling the coordinator, and closing the alarm.

The chain for one elder's day (stages in models/checkin/rules.py): family and the nearest qualified
volunteer are asked to call or visit — the volunteer through a `daily_care` help task, so the visit
earns hours like any other — then the coordinators. Whoever confirms the elder is well closes the
alarm for everyone; an incident opens an emergency request. Notifications are returned as Notices.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.base import as_utc, id_of, row_of
from models.checkin import rules as ck
from models.core.notify import Notice
from models.core.outbox import NORMAL, URGENT
from models.help import dispatch, visits
from models.help import requests as hr
from models.help.alarms import elders_of, families_of, family_of
from models.help.coordination import coordinators_for
from models.people.membership import in_scope, is_offline
from models.people.users import User
from models.privacy import access


@dataclass
class Settled:
    """What a check-in, confirmation or incident did: a result code, the day, who must be told."""

    result: str
    day: ck.CheckinDay | None = None
    notices: list[Notice] = field(default_factory=list)
    request: hr.HelpRequest | None = None


def reachable_family(session: Session, elder: User) -> list[User]:
    """Bound family who can receive messages."""
    return [p for p in family_of(session, elder) if p.subscribed and not is_offline(p)]


def elder_params(elder: User, enrolment: ck.CheckinEnrolment | None, day: ck.CheckinDay) -> dict:
    """Values the alarm texts use."""
    return {"name": elder.name, "number": elder.id, "deadline": clock_of(day.deadline_at, enrolment)}


def clock_of(moment: datetime, enrolment: ck.CheckinEnrolment | None) -> str:
    """The deadline as people read it (the enrolment's local clock time)."""
    return ck.clock_text(enrolment.deadline_minute) if enrolment else moment.strftime("%H:%M")


@dataclass
class People:
    """Who a batch of silent days concerns, read in three statements: elders, enrolments, reachable family."""

    elders: dict[int, User]
    enrolments: dict[int, ck.CheckinEnrolment]
    family: dict[int, list[User]]

    @classmethod
    def of(cls, session: Session, days: list[ck.CheckinDay]) -> People:
        ids = sorted({day.elder_id for day in days})
        elders = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))} if ids else {}
        enrolments = {e.elder_id: e for e in session.exec(
            select(ck.CheckinEnrolment).where(col(ck.CheckinEnrolment.elder_id).in_(ids)))} if ids else {}
        family = {elder_id: [p for p in members if p.subscribed and not is_offline(p)]
                  for elder_id, members in families_of(session, ids).items()}
        return cls({k: v for k, v in elders.items() if k is not None}, enrolments, family)


def ask_family_and_volunteers(session: Session, days: list[ck.CheckinDay], rules: ck.CheckinRules,
                              drules: dispatch.DispatchRules, *, now: datetime, task_details: str,
                              pool: dispatch.CandidatePool | None = None) -> list[Notice]:
    """Stage 2 for a batch of days: the visit tasks created in one flush and offered in another."""
    people = People.of(session, days)
    made = hr.create_requests(session, [(hr.NewRequest(
        elder=people.elders[day.elder_id], requested_by=people.elders[day.elder_id], category="daily_care",
        details=task_details, window_start=now, window_end=as_utc(now) + timedelta(hours=rules.task_hours),
        urgency=hr.URGENT), f"checkin:{day.elder_id}:{day.day.isoformat()}") for day in days], now=now)
    new = []
    for day, (request, created) in zip(days, made, strict=True):
        day.request_id = request.id
        if created:
            request.escalated_at = now  # the check-in chain tells the coordinators itself (stage 3)
            new.append(request)
    offers = iter(dispatch.dispatch_rounds(session, new, replace(drules, k=rules.volunteers), now=now, pool=pool))
    notices: list[Notice] = []
    for day, (_, created) in zip(days, made, strict=True):
        elder = people.elders[day.elder_id]
        params = elder_params(elder, people.enrolments.get(day.elder_id), day)
        notices += [Notice(p.openid, "checkin_alert", f"checkin:family:{day.id}:{p.id}", "checkin_family_alert",
                           params, URGENT) for p in people.family[day.elder_id]]
        if created:
            notices += next(offers)
    return notices


def tell_coordinators_of(session: Session, days: list[ck.CheckinDay], *, now: datetime) -> list[Notice]:
    """Stage 3 for a batch of days (coordinators looked up once per village)."""
    people = People.of(session, days)
    by_village: dict[int | None, list[User]] = {}
    notices: list[Notice] = []
    for day in days:
        elder = people.elders[day.elder_id]
        params = elder_params(elder, people.enrolments.get(day.elder_id), day)
        profile = elder.profile or {}
        params.update(phone=elder.phone, address=profile.get("address") or "",
                      task=day.request_id or "", family=len(people.family[day.elder_id]))
        if elder.village_id not in by_village:  # coordinators_for depends on the village alone
            by_village[elder.village_id] = coordinators_for(session, elder)
        admins = by_village[elder.village_id]
        for admin in admins:  # the phone and address go out: a processing record each
            access.log_access(session, subject_id=id_of(elder), viewer_id=admin.id, viewer_role="admin",
                              what=access.CONTACT, reason=access.CHECKIN_ALARM, now=now, ref=str(day.day))
        notices += [Notice(a.openid, "checkin_escalated", f"checkin:coordinator:{day.id}:{a.id}",
                           "checkin_coordinator_alert", params, URGENT) for a in admins]
    return notices


def told_so_far(session: Session, day: ck.CheckinDay) -> list[User]:
    """Everyone the chain has asked: family from stage 2, the volunteer holding the task, coordinators at 3."""
    if day.stage < ck.FAMILY_ASKED:
        return []
    elder = row_of(session, User, day.elder_id)
    people = {p.id: p for p in reachable_family(session, elder)}
    request = session.get(hr.HelpRequest, day.request_id) if day.request_id else None
    if request is not None and request.volunteer_id:
        helper = session.get(User, request.volunteer_id)
        assert helper is not None
        people[helper.id] = helper
    if day.stage >= ck.COORDINATOR_TOLD:
        people.update({a.id: a for a in coordinators_for(session, elder)})
    return list(people.values())


def settle(session: Session, day: ck.CheckinDay, by: User, *, now: datetime, text_key: str,
           params: dict) -> list[Notice]:
    """The alarm is over: withdraw an unclaimed visit task and tell everyone who was asked."""
    notices: list[Notice] = []
    request = session.get(hr.HelpRequest, day.request_id) if day.request_id else None
    if request is not None and request.status == hr.OPEN:
        notices += visits.cancel_request(session, id_of(request), now=now).notices
    for person in told_so_far(session, day):
        if person.id != by.id:
            notices.append(Notice(person.openid, "checkin_all_clear", f"checkin:clear:{day.id}:{person.id}",
                                  text_key, params, NORMAL))
    day.next_step_at = None
    session.add(day)
    return notices


def elder_checked_in(session: Session, elder: User, *, now: datetime, tz) -> Settled:
    """Any message from the elder: today is recorded, and a running alarm is called off."""
    result, day = ck.record_checkin(session, elder, now=now, tz=tz)
    # Recording the check-in leaves the day's stage as the alarm had taken it.
    if day is None or result != "new" or day.stage < ck.FAMILY_ASKED:
        return Settled(result, day)
    params = {"name": elder.name, "time": as_utc(now).astimezone(tz).strftime("%H:%M")}
    return Settled(result, day, settle(session, day, elder, now=now, text_key="checkin_clear_by_elder", params=params))


def may_answer_for(session: Session, user: User, elder: User, day: ck.CheckinDay | None) -> bool:
    """Family, coordinators in scope, and a volunteer offered or holding the day's visit task."""
    if any(p.id == user.id for p in family_of(session, elder)) or in_scope(user, elder):
        return True
    if day is None or day.request_id is None:
        return False
    request = row_of(session, hr.HelpRequest, day.request_id)
    return user.id == request.volunteer_id or user.id in dispatch.already_asked(session, id_of(request))


def open_alarms(session: Session, user: User, *, now: datetime, tz) -> list[tuple[ck.CheckinDay, User]]:
    """Today's unanswered, already reminded days this user may close: their family, their tasks, their village."""
    today = ck.local_day(now, tz)
    base = select(ck.CheckinDay).where(ck.CheckinDay.day == today, ck.CheckinDay.status == ck.PENDING,
                                       ck.CheckinDay.stage >= ck.REMINDED)
    mine = [e.id for e in elders_of(session, user)]
    days = list(session.exec(base.where(col(ck.CheckinDay.elder_id).in_(mine)))) if mine else []
    offered = select(dispatch.TaskOffer.request_id).where(dispatch.TaskOffer.volunteer_id == user.id)
    days += session.exec(base.where(col(ck.CheckinDay.request_id).in_(offered))).all()
    if user.has_role("county_admin"):
        days += session.exec(base).all()
    elif user.has_role("admin") and user.village_id is not None:
        days += session.exec(base.where(ck.CheckinDay.village_id == user.village_id)).all()
    unique = {d.id: d for d in days}
    return [(d, row_of(session, User, d.elder_id)) for d in sorted(unique.values(), key=lambda d: d.elder_id)]


def confirm_safe(session: Session, elder: User, by: User, *, now: datetime, tz) -> Settled:
    """Someone saw the elder is well: the day is confirmed safe and the alarm closed for everyone."""
    enrolment = ck.enrolment_of(session, elder)
    if enrolment is None:
        return Settled("not_enrolled")
    day = ck.open_day(session, elder, enrolment, now=now, tz=tz)
    if not may_answer_for(session, by, elder, day):
        return Settled("not_allowed", day)
    if day.status != ck.PENDING:
        return Settled("already", day)
    day.status, day.resolved_by_id, day.checked_in_at = ck.CONFIRMED, by.id, as_utc(now)
    params = {"name": elder.name, "by": by.name}
    return Settled("confirmed", day, settle(session, day, by, now=now, text_key="checkin_clear_by_other",
                                            params=params))


def report_incident(session: Session, elder: User, by: User, details: str, *, now: datetime, tz, key: str,
                    drules: dispatch.DispatchRules, window: timedelta) -> Settled:
    """Something happened: the day is an incident, everyone is alerted, an emergency request is dispatched.

    `key` is the same as the emergency path's for this message, so if that path also runs, its alerts
    and its request are recognised as already made.
    """
    enrolment = ck.enrolment_of(session, elder)
    day = ck.open_day(session, elder, enrolment, now=now, tz=tz) if enrolment else None
    if not may_answer_for(session, by, elder, day):
        return Settled("not_allowed", day)
    request, created = hr.create_request(session, hr.NewRequest(
        elder=elder, requested_by=by, category="emergency", details=details[:200], window_start=now,
        window_end=as_utc(now) + window, urgency=hr.EMERGENCY), source_key=f"emergency:{key}", now=now)
    notices = dispatch.dispatch_round(session, request, drules, now=now) if created else []
    params = {"name": elder.name, "by": by.name, "text": details[:60], "number": request.id,
              "phone": elder.phone}
    targets = {p.id: p for p in reachable_family(session, elder) + coordinators_for(session, elder)}
    notices += [Notice(p.openid, "emergency_alert", f"alarm:{key}:{p.openid}", "checkin_incident_alert", params,
                       URGENT) for p in targets.values() if p.id != by.id]
    if day is not None:
        old = session.get(hr.HelpRequest, day.request_id) if day.request_id else None
        if old is not None and old.status == hr.OPEN:
            notices += visits.cancel_request(session, id_of(old), now=now).notices
        day.status, day.resolved_by_id, day.incident_request_id = ck.INCIDENT, by.id, request.id
        day.next_step_at = None
        session.add(day)
    return Settled("incident", day, notices, request)


def elder_emergency(session: Session, elder: User, *, now: datetime, tz) -> list[Notice]:
    """The elder's own message is an emergency: the day is an incident (the emergency path alerts everyone)."""
    enrolment = ck.enrolment_of(session, elder)
    if enrolment is None or enrolment.status != ck.ACTIVE:
        return []
    day = ck.open_day(session, elder, enrolment, now=now, tz=tz)
    notices: list[Notice] = []
    old = session.get(hr.HelpRequest, day.request_id) if day.request_id else None
    if old is not None and old.status == hr.OPEN:
        notices += visits.cancel_request(session, id_of(old), now=now).notices
    day.status, day.resolved_by_id, day.next_step_at = ck.INCIDENT, elder.id, None
    day.checked_in_at = day.checked_in_at or as_utc(now)
    session.add(day)
    return notices
