"""From claim to credit: who helps, on the way, done, rated or confirmed, time bank credited.

Privacy rule: the elder's address, phone and health notes, and the request's free text as written,
reach a volunteer only in the notice sent after that volunteer's claim won (`claimed_params`); an offer
carries the text redacted (`models.redact`). Health notes go only with the elder's health consent, and
each reveal is written to the access log (`models.privacy.access`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.base import as_utc, id_of, row_of
from models.core.notify import Notice
from models.core.outbox import NORMAL, URGENT, cancel_if_pending
from models.help import dispatch
from models.help import held_requests as held
from models.help import requests as hr
from models.help.alarms import family_of
from models.help.complaints import Complaint, latest_visit, record_complaint
from models.help.coordination import coordinators_for, notify_coordinators
from models.people.membership import contact_card, in_scope, is_bound, is_elder
from models.people.redact import redact
from models.people.users import User, Village
from models.people.volunteers import APPROVED, Volunteer, qualifications, volunteer_of
from models.privacy import access, sharing
from models.timebank import ledger as timebank
from models.timebank import visits as timebank_visits
from models.timebank.policy import Policy, timebank_policy

LATE_RELEASE = timedelta(hours=1)
# 完成 earlier than this before the booked window starts is asked about first: a volunteer who is an hour
# early at the door is normal, one who reports the day before has most likely picked the wrong task.
EARLY_DONE = timedelta(hours=1)


@dataclass(frozen=True)
class CreditRules:
    """Minutes credited per category: the visit's own duration up to `max`, or `min` for a visit nobody
    timed (`credited_minutes`); and the time bank's policy (cap, who pays) applied when a visit is confirmed."""

    bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    default: tuple[int, int] = (30, 240)
    policy: Policy = field(default_factory=Policy)

    def limits(self, category: str) -> tuple[int, int]:
        low, high = self.bounds.get(category, self.default)
        return low, high


def credit_rules_from_config(config: dict) -> CreditRules:
    """Build credit bounds from the `timebank` section of the configuration."""
    section = config.get("timebank", {}) or {}
    pair = lambda d: (int(d.get("min", 30)), int(d.get("max", 240)))  # noqa: E731  (a one-line shorthand local to this function)
    by_category = {k: pair(v) for k, v in (section.get("credit_by_category") or {}).items()}
    return CreditRules(bounds=by_category, default=pair(section.get("credit_default") or {}),
                       policy=timebank_policy(config))


@dataclass
class Outcome:
    """What happened (a short result code), and who must be told."""

    result: str
    notices: list[Notice] = field(default_factory=list)
    request: hr.HelpRequest | None = None


def household(session: Session, request: hr.HelpRequest) -> list[User]:
    """The elder, whoever asked for them, and their bound family: the people told at each step."""
    elder = session.get(User, request.elder_id)
    assert elder is not None
    people = {elder.id: elder}
    asker = session.get(User, request.requested_by_id)
    assert asker is not None
    people.setdefault(asker.id, asker)
    for member in family_of(session, elder):
        people.setdefault(member.id, member)
    return list(people.values())


def tell_household(session: Session, request: hr.HelpRequest, kind: str, params: dict,
                   priority: int = NORMAL) -> list[Notice]:
    """One notice of `kind` (also its catalogue key) to each member of the household."""
    return [Notice(p.openid, kind, f"{kind}:{request.id}:{p.id}", kind, params, priority)
            for p in household(session, request)]


def claimed_params(session: Session, request: hr.HelpRequest, volunteer: User | None = None) -> dict:
    """Everything the winning volunteer needs to go and help; a partner organisation's volunteer without the
    elder's partner_sharing consent gets the place and the task, not the contact card (`withheld`)."""
    elder = session.get(User, request.elder_id)
    assert elder is not None
    if volunteer is not None and not sharing.may_share_with(session, elder, volunteer):
        village = session.get(Village, elder.village_id) if elder.village_id else None
        place = request.place or (village.name if village else "")  # no place given: the elder's home
        # The free text goes masked, as in an offer: elders write their phone and house number into it.
        return {**dispatch.offer_params(session, request), "elder": "", "details": redact(request.details),
                "address": place, "phone": "", "notes": "", "withheld": True}
    card = contact_card(session, elder, elder, granted=True)
    address = card.address or (elder.profile or {}).get("address") or request.place
    return {**dispatch.offer_params(session, request), "elder": elder.name, "details": request.details,
            "address": address, "phone": card.phone, "notes": card.health_notes, "withheld": False}


def claim(session: Session, request_id: int, volunteer: User, *, now: datetime, rules: dispatch.DispatchRules,
          assigned_by: User | None = None) -> Outcome:
    """First claim wins (one conditional update); the winner gets the details, the household the name.

    Only a volunteer offered the request (or assigned by a coordinator) may claim it; anyone else gets
    `not_offered`, which says nothing about the request — not even whether that number exists.
    """
    record = volunteer_of(session, volunteer)
    if record is None or record.status != APPROVED:
        return Outcome("not_volunteer")
    request = hr.get_request(session, request_id)
    if assigned_by is None and (request is None or not dispatch.was_offered(session, request_id, id_of(volunteer))):
        return Outcome("not_offered")
    if request is None:
        return Outcome("missing")
    refusal = _refusal(session, request, volunteer, rules, check_skill=assigned_by is None)
    if refusal is None and assigned_by is not None and not _may_assign(session, assigned_by, request, volunteer):
        refusal = "out_of_scope"
    if refusal:
        return Outcome(refusal, request=request)
    if not dispatch.take(session, request_id, volunteer, now=now, assigned=assigned_by is not None):
        request = hr.get_request(session, request_id)
        assert request is not None
        if request.volunteer_id == volunteer.id:
            return Outcome("mine", request=request)
        return Outcome("taken" if request.status != hr.OPEN else "not_offered", request=request)
    request = row_of(session, hr.HelpRequest, request_id)
    return Outcome("won", _claim_notices(session, request, volunteer, now), request)


def _may_assign(session: Session, admin: User, request: hr.HelpRequest, volunteer: User) -> bool:
    """A coordinator assigns within their village (a county admin anywhere): the request and the volunteer."""
    return held.may_handle(session, admin, request) and in_scope(admin, volunteer)


def _refusal(session: Session, request: hr.HelpRequest, volunteer: User, rules: dispatch.DispatchRules,
             check_skill: bool) -> str | None:
    record = volunteer_of(session, volunteer)
    if record is None or record.status != APPROVED:
        return "not_volunteer"  # the person assigned by a coordinator must be an approved volunteer too
    if volunteer.id == request.elder_id:
        return "own_request"
    if request.status == hr.HELD:
        return "held"  # not dispatched until a coordinator verifies it, so not assignable either
    if request.status != hr.OPEN:
        return "mine" if request.volunteer_id == volunteer.id else "taken"
    volunteer_id = id_of(volunteer)
    held = frozenset(qualifications(session, [volunteer_id], now=request.created_at)[volunteer_id])
    candidate = dispatch.Candidate(volunteer_id, volunteer.village_id, frozenset(record.skills or ()), held,
                                   frozenset(), bool(record.partner_org), 0, None, None)
    if not dispatch.qualified(candidate, request, rules) and (check_skill or rules.required.get(request.category)):
        return "not_qualified"
    return None


def _claim_notices(session: Session, request: hr.HelpRequest, volunteer: User, now: datetime) -> list[Notice]:
    request_id, volunteer_id = id_of(request), id_of(volunteer)
    _settle_offers(session, request_id, volunteer_id, now)
    details = claimed_params(session, request, volunteer)
    withheld = details["withheld"]
    notices = [Notice(volunteer.openid, "help_claimed_volunteer", f"claimed:{request.id}:{volunteer.id}",
                      "help_claimed_partner" if withheld else "help_claimed_volunteer", details, URGENT)]
    if withheld:
        notices += _tell_coordinators_withheld(session, request, volunteer)
    revealed = [] if withheld else [access.CONTACT] + ([access.HEALTH_NOTES] if details["notes"] else [])
    for what in revealed:
        access.log_access(session, subject_id=request.elder_id, viewer_id=volunteer.id, viewer_role="volunteer",
                          what=what, reason=access.CLAIM, ref=str(request.id), now=now)
    params = {"number": request.id, "volunteer": volunteer.name, "phone": volunteer.phone,
              "category": request.category}
    for person in household(session, request):
        shown, text_key = (params, "help_claimed") if may_have_volunteer_phone(session, request, person) else (
            {**params, "phone": ""}, "help_claimed_no_phone")
        notices.append(Notice(person.openid, "help_claimed", f"help_claimed:{request.id}:{person.id}", text_key,
                              shown))
    notices += _tell_others_taken(session, request_id, volunteer_id)
    return notices


def _tell_coordinators_withheld(session: Session, request: hr.HelpRequest, volunteer: User) -> list[Notice]:
    elder = session.get(User, request.elder_id)
    assert elder is not None
    params = {"number": request.id, "volunteer": volunteer.name, "org": sharing.partner_of(session, volunteer),
              "elder": elder.name, "phone": volunteer.phone}
    return [Notice(admin.openid, "privacy_partner_withheld", f"partner_withheld:{request.id}:{admin.id}",
                   "privacy_partner_withheld_admin", params) for admin in coordinators_for(session, elder)]


def may_have_volunteer_phone(session: Session, request: hr.HelpRequest, person: User) -> bool:
    """A volunteer's phone goes to the registered elder the request is for, family bound to them, and
    coordinators in scope — not to whoever asked without registering (a stranger could harvest phones)."""
    elder = session.get(User, request.elder_id)
    assert elder is not None
    if person.id == elder.id:
        return is_elder(session, person)
    return is_bound(session, elder, person) or in_scope(person, elder)


def _settle_offers(session: Session, request_id: int, winner_id: int, now: datetime) -> None:
    cancel_if_pending(session, dispatch.offer_key(request_id, winner_id))  # the details follow instead
    offers = {o.volunteer_id: o for o in session.exec(select(dispatch.TaskOffer).where(
        dispatch.TaskOffer.request_id == request_id))}
    winner = offers.get(winner_id) or dispatch.TaskOffer(request_id=request_id, volunteer_id=winner_id, round=0,
                                                         offered_at=now)
    winner.status = dispatch.WON
    session.add(winner)


def _tell_others_taken(session: Session, request_id: int, winner_id: int) -> list[Notice]:
    offers = session.exec(select(dispatch.TaskOffer).where(dispatch.TaskOffer.request_id == request_id,
                                                           dispatch.TaskOffer.status == dispatch.OFFERED)).all()
    notices = []
    for offer in offers:
        offer.status = dispatch.TAKEN
        session.add(offer)
        notices += dispatch.unsend_or_tell(session, offer, "help_taken", "help_taken")
    return notices


def release(session: Session, request_id: int, volunteer: User, *, now: datetime,
            rules: dispatch.DispatchRules) -> Outcome:
    """A volunteer gives a claimed task back; it is dispatched again and the household is told."""
    request = hr.get_request(session, request_id)
    if request is None or not hr.move(session, request_id, allowed=hr.IN_PROGRESS, now=now,
                                      held_by=volunteer.id, status=hr.OPEN, volunteer_id=None, claimed_at=None,
                                      started_at=None):
        return Outcome("not_yours")
    request = hr.get_request(session, request_id)
    assert request is not None
    if as_utc(now) > request.window_start - LATE_RELEASE:
        _count_no_show(session, volunteer)
    offer = session.exec(select(dispatch.TaskOffer).where(dispatch.TaskOffer.request_id == request_id,
                                                          dispatch.TaskOffer.volunteer_id == volunteer.id)).first()
    if offer is not None:
        offer.status = dispatch.WITHDRAWN
        session.add(offer)
    notices = tell_household(session, request, "help_released", {"number": request.id})
    offers = dispatch.dispatch_round(session, request, rules, now=now)
    notices += offers
    if not any(n.kind == "task_offer" for n in offers):
        # Everyone who could be asked has been, and a coordinator who heard at T2 would not hear again: a task
        # given back with nobody left to offer it to goes to the coordinators now, whatever T2 said.
        notices += dispatch.alert_coordinators(session, request, now=now, again=f"released:{now:%Y%m%d%H%M%S}")
    return Outcome("released", notices, request)


def _count_no_show(session: Session, volunteer: User) -> None:
    record = volunteer_of(session, volunteer)
    assert record is not None
    record.no_shows += 1
    session.add(record)


def start(session: Session, request_id: int, volunteer: User, *, now: datetime) -> Outcome:
    """The volunteer is on the way."""
    if not hr.move(session, request_id, allowed=(hr.CLAIMED,), now=now, held_by=volunteer.id,
                   status=hr.EN_ROUTE, started_at=now):
        return Outcome("not_yours")
    request = hr.get_request(session, request_id)
    assert request is not None
    params = {"number": request.id, "volunteer": volunteer.name}
    return Outcome("started", tell_household(session, request, "help_on_the_way", params), request)


def done_early(request: hr.HelpRequest, now: datetime) -> bool:
    """Whether 完成 now comes long before the booked window (more than EARLY_DONE before it starts)."""
    return as_utc(now) < request.window_start - EARLY_DONE


def complete(session: Session, request_id: int, volunteer: User, *, now: datetime, minutes: int | None,
             confirm_after: timedelta = hr.CONFIRM_WINDOW, early_ok: bool = False) -> Outcome:
    """The volunteer says it is done; the household is asked to confirm and rate.

    Long before the booked window (`done_early`) nothing changes and the result is `early`: the caller asks
    the volunteer and calls again with `early_ok` once they confirm.
    """
    request = hr.get_request(session, request_id)
    if request is None or request.volunteer_id != volunteer.id or request.status not in hr.IN_PROGRESS:
        return Outcome("not_yours")  # before the window is looked at: someone else's task reveals nothing
    if not early_ok and done_early(request, now):
        return Outcome("early", request=request)
    if not hr.move(session, request_id, allowed=hr.IN_PROGRESS, now=now, held_by=volunteer.id,
                   status=hr.DONE, done_at=now, minutes_spent=minutes, confirm_by=as_utc(now) + confirm_after):
        return Outcome("not_yours")
    request = hr.get_request(session, request_id)
    assert request is not None
    params = {"number": request.id, "volunteer": volunteer.name, "category": request.category}
    return Outcome("done", tell_household(session, request, "help_done", params), request)


def timed(request: hr.HelpRequest) -> bool:
    """Whether the visit's length is known: the volunteer stated it, or said 出发 before 完成."""
    return bool(request.minutes_spent) or (request.started_at is not None and request.done_at is not None)


def credited_minutes(request: hr.HelpRequest, rules: CreditRules) -> int:
    """What the visit earns: the minutes the volunteer stated, else 出发 to 完成; a visit nobody timed earns
    the category's minimum. Never more than the category's maximum, never less than a minute.

    Not the booked window, and not from the claim: a task claimed the evening before is not a day's work.
    """
    low, high = rules.limits(request.category)
    if request.minutes_spent:
        spent = request.minutes_spent
    elif request.started_at is not None and request.done_at is not None:
        spent = int((request.done_at - request.started_at).total_seconds() // 60)
    else:
        spent = low
    return max(1, min(spent, high))


def rate(session: Session, request_id: int, rater: User, score: int, *, now: datetime,
         credit: CreditRules) -> Outcome:
    """The household confirms with a 1–5 rating; 1–2 also opens a complaint for the coordinator.

    The rest of the household (the elder's bound family above all) hears the score and the minutes the
    volunteer was credited; whoever rated is answered in their own chat instead.
    """
    if not 1 <= score <= 5:
        raise ValueError("a rating is 1 to 5")
    if not hr.move(session, request_id, allowed=(hr.DONE,), now=now, status=hr.CONFIRMED, rating=score,
                   closed_at=now):
        return Outcome("not_waiting")
    request = hr.get_request(session, request_id)
    assert request is not None and request.volunteer_id is not None  # moved from DONE: a volunteer did it
    _add_rating(session, request.volunteer_id, score)
    notices = _credit(session, request, credit, now)
    volunteer = row_of(session, User, request.volunteer_id)
    params = {"number": request.id, "score": score, "volunteer": volunteer.name, "category": request.category,
              "minutes": credited_minutes(request, credit)}
    notices += [n for n in tell_household(session, request, "help_rated", params) if n.openid != rater.openid]
    if score <= 2:
        notices += _low_rating(session, request, rater, score, now)
    return Outcome("rated", notices, request)


def _add_rating(session: Session, volunteer_id: int, score: int) -> None:
    record = session.exec(select(Volunteer).where(Volunteer.user_id == volunteer_id)).one()
    record.rating_sum += score
    record.rating_count += 1
    session.add(record)


def _credit(session: Session, request: hr.HelpRequest, rules: CreditRules, now: datetime) -> list[Notice]:
    """The confirmed visit in the time bank: the volunteer earns, the elder's side pays (once)."""
    assert request.volunteer_id is not None
    settled = timebank_visits.settle_visit(
        session, request_id=id_of(request), village_id=request.village_id, category=request.category,
        elder_id=request.elder_id, volunteer_id=request.volunteer_id, minutes=credited_minutes(request, rules),
        policy=rules.policy, now=now)
    return settled.notices


def _low_rating(session: Session, request: hr.HelpRequest, rater: User, score: int, now: datetime) -> list[Notice]:
    record_complaint(session, rater, request.details, now=now, request_id=request.id)
    elder = session.get(User, request.elder_id)
    assert elder is not None
    params = {"number": request.id, "score": score, "elder": elder.name}
    return [Notice(a.openid, "help_low_rating", f"low_rating:{request.id}:{a.id}", "help_low_rating", params)
            for a in coordinators_for(session, elder)]


def auto_confirm(session: Session, *, now: datetime, credit: CreditRules) -> list[Notice]:
    """Done requests nobody confirmed within 48 hours are confirmed (disputed ones are not)."""
    query = select(hr.HelpRequest).where(col(hr.HelpRequest.status) == hr.DONE,
                                         col(hr.HelpRequest.confirm_by) <= as_utc(now))
    notices: list[Notice] = []
    for request in session.exec(query).all():
        request_id = id_of(request)
        if hr.move(session, request_id, allowed=(hr.DONE,), now=now, status=hr.CONFIRMED, closed_at=now):
            notices += _credit(session, row_of(session, hr.HelpRequest, request_id), credit, now)
    return notices


def dispute(session: Session, request_id: int, *, now: datetime) -> bool:
    """A complaint about a done request stops its automatic confirmation."""
    return hr.move(session, request_id, allowed=(hr.DONE,), now=now, status=hr.DISPUTED)


def cancel_request(session: Session, request_id: int, *, now: datetime) -> Outcome:
    """Cancel a request in progress; anyone helping or offered is told."""
    request = hr.get_request(session, request_id)
    if request is None or not hr.move(session, request_id, allowed=hr.ACTIVE, now=now, status=hr.CANCELLED,
                                      closed_at=now, next_step_at=None):
        return Outcome("not_active")
    request = hr.get_request(session, request_id)
    assert request is not None
    notices = dispatch.withdraw_offers(session, request_id)
    if request.volunteer_id:
        helper = session.get(User, request.volunteer_id)
        assert helper is not None
        notices.append(Notice(helper.openid, "help_cancelled_volunteer", f"cancelled:{request.id}:{helper.id}",
                              "help_cancelled_volunteer", {"number": request.id}, URGENT))
    return Outcome("cancelled", notices, request)


def served_between(session: Session, village_id: int, start: datetime, end: datetime) -> tuple[int, int]:
    """Visits finished in [start, end) in a village, and the minutes the time bank credited for them."""
    finished = select(hr.HelpRequest.id).where(
        hr.HelpRequest.village_id == village_id, col(hr.HelpRequest.status).in_((hr.DONE, hr.CONFIRMED)),
        col(hr.HelpRequest.done_at) >= as_utc(start), col(hr.HelpRequest.done_at) < as_utc(end))
    ids = list(session.exec(finished))
    if not ids:
        return 0, 0
    credited = select(timebank.Movement.minutes).where(col(timebank.Movement.request_id).in_(ids),
                                                       timebank.Movement.kind == timebank.VISIT)
    return len(ids), sum(session.exec(credited))


def open_complaint(session: Session, user: User, about: str, *, alert_text: str, key: str, now: datetime) -> Complaint:
    """Record a complaint about the household's latest visit (which then stops confirming itself) and
    tell the village's coordinators."""
    request = latest_visit(session, user)
    complaint = record_complaint(session, user, about, now=now, request_id=request.id if request else None)
    if request is not None:
        dispute(session, id_of(request), now=now)
    notify_coordinators(session, user, kind="complaint", text=alert_text, key=f"complaint:{key}", now=now,
                        priority=NORMAL)
    return complaint
