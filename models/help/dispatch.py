"""Who is asked to help: ranking volunteers, offering a task in rounds, escalating when nobody answers.

Ranking is a pure function over plain candidates (benchmarked on 10,000). A round offers the task
to the top K not yet asked: rounds 1..local_rounds stay in the village, the next one goes to the
other villages of the county. No claim within T1 starts the next round; T2 after the request was
made the coordinators are alerted (once) and may assign by hand; past its window an unclaimed
request expires.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_column, id_of, row_of, table_of, utc_field, utc_from_db
from models.core.notify import Notice
from models.core.outbox import NORMAL, URGENT, cancel_if_pending
from models.help import held_requests as held
from models.help import requests as hr
from models.help.coordination import coordinators_for
from models.people.redact import redact
from models.people.users import User, Village
from models.people.volunteers import APPROVED, TrainingRecord, Volunteer, still_valid

OFFERED, DECLINED, TAKEN, WON, WITHDRAWN = "offered", "declined", "taken", "won", "withdrawn"
# An offer the volunteer may still act on: one they declined stays theirs to reconsider while the request
# is open; taken, won and withdrawn ones do not.
LIVE = (OFFERED, DECLINED)
NO_SKILL_NEEDED = {"other", "emergency"}


class TaskOffer(SQLModel, table=True):
    __tablename__ = "task_offers"
    __table_args__ = (sa.UniqueConstraint("request_id", "volunteer_id", name="uq_offer"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="help_requests.id", index=True)
    volunteer_id: int = Field(foreign_key="users.id", index=True)
    round: int
    status: str = Field(default=OFFERED, max_length=16)
    offered_at: datetime = utc_field()


@dataclass(frozen=True)
class DispatchRules:
    """Dispatch settings (config `dispatch`)."""

    k: int = 3
    t1: timedelta = timedelta(minutes=10)
    t1_emergency: timedelta = timedelta(minutes=2)
    t2: timedelta = timedelta(minutes=30)
    local_rounds: int = 2
    required: dict[str, str] = field(default_factory=lambda: {"medical": "medical", "daily_care": "daily_care"})
    tz: ZoneInfo = ZoneInfo("Asia/Shanghai")

    def round_wait(self, request: hr.HelpRequest) -> timedelta:
        """T1, the wait for a claim before the next round: shorter for an emergency, after every round."""
        return self.t1_emergency if request.urgency == hr.EMERGENCY else self.t1


def dispatch_rules(config: dict, tz: ZoneInfo) -> DispatchRules:
    """Build the rules from the `dispatch` section of the configuration."""
    section = config.get("dispatch", {}) or {}

    def minutes(key: str, default: float) -> timedelta:
        return timedelta(minutes=float(section.get(key, default)))

    return DispatchRules(k=int(section.get("k", 3)), t1=minutes("t1_minutes", 10),
                         t1_emergency=minutes("t1_emergency_minutes", 2),
                         t2=minutes("t2_minutes", 30), local_rounds=int(section.get("local_rounds", 2)),
                         required=dict(section.get("required_qualifications", DispatchRules().required)), tz=tz)


@dataclass(frozen=True)
class Candidate:
    """A volunteer as ranking sees them."""

    user_id: int
    village_id: int | None
    skills: frozenset[str]
    qualifications: frozenset[str]
    availability: frozenset[str]
    partner: bool
    open_tasks: int
    last_offered_at: datetime | None
    rating: float | None
    openid: str = ""  # where an offer is pushed


def slot_of(moment: datetime, tz: ZoneInfo) -> str:
    """The availability slot (weekday/weekend × morning/afternoon/evening) a moment falls in."""
    local = moment.astimezone(tz)
    day = "weekend" if local.weekday() >= 5 else "weekday"
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 18 else "evening"
    return f"{day}_{part}"


def eligibility(request: hr.HelpRequest, rules: DispatchRules, *,
                in_window: bool = True) -> Callable[[Candidate], bool]:
    """The one test of who may help with a request, prepared once per request (ranking runs it on thousands).

    A candidate offers the category's skill (none needed for `other` and emergencies), holds the qualification
    the category requires or belongs to a partner organisation, and, with `in_window` and unless it is an
    emergency, is free in the slot of the request's window.
    """
    needed = rules.required.get(request.category)
    skill = None if request.category in NO_SKILL_NEEDED else request.category
    slot = None if not in_window or request.urgency == hr.EMERGENCY else slot_of(request.window_start, rules.tz)

    def test(c: Candidate) -> bool:
        return ((skill is None or skill in c.skills) and (not needed or c.partner or needed in c.qualifications)
                and (slot is None or slot in c.availability))
    return test


def qualified(c: Candidate, request: hr.HelpRequest, rules: DispatchRules) -> bool:
    """Offers the skill and holds the qualification (or is a partner organisation), whenever they are free."""
    return eligibility(request, rules, in_window=False)(c)


def rank(candidates: list[Candidate], request: hr.HelpRequest, rules: DispatchRules) -> list[Candidate]:
    """Eligible candidates, best first: same village, fewest open tasks, longest since asked, rating."""
    never = datetime.min.replace(tzinfo=as_utc(request.created_at).tzinfo)
    fit = list(filter(eligibility(request, rules), candidates))
    home = request.village_id
    fit.sort(key=lambda c: (c.village_id != home, c.open_tasks, c.last_offered_at or never, -(c.rating or 0.0),
                            c.user_id))
    return fit


def _candidates_query() -> sa.Select:
    """Approved, on-duty, subscribed volunteers of some villages (`villages`) with their tasks in progress, one
    row per qualification valid at `now` (or one with none): a request's whole pool in one statement."""
    v, u = table_of(Volunteer).c, table_of(User).c
    h, t = table_of(hr.HelpRequest).c, table_of(TrainingRecord).c
    open_tasks = (sa.select(sa.func.count()).where(h.volunteer_id == u.id, h.status.in_(hr.IN_PROGRESS))
                  .scalar_subquery())
    valid = sa.and_(t.user_id == u.id, still_valid(sa.bindparam("now")))
    return (sa.select(u.id, u.village_id, u.openid, v.skills, v.availability, v.partner_org, v.last_offered_at,
                      v.rating_sum, v.rating_count, open_tasks.label("open_tasks"), t.qualification)
            .select_from(table_of(Volunteer).join(table_of(User), u.id == v.user_id)
                         .outerjoin(table_of(TrainingRecord), valid))
            .where(v.status == APPROVED, v.on_duty == sa.true(), u.subscribed == sa.true(),
                   u.village_id.in_(sa.bindparam("villages", expanding=True))))


# Built once: building and cache-keying a statement per request cost more CPU than running it.
_CANDIDATES = _candidates_query()


def load_candidates(session: Session, village_ids: list[int], *, now: datetime) -> list[Candidate]:
    """Approved, on-duty volunteers of these villages (plain columns: this runs for every request)."""
    if not village_ids:
        return []
    rows: dict[int, Any] = {}
    held: dict[int, set[str]] = {}
    for row in session.connection().execute(_CANDIDATES, {"villages": village_ids, "now": as_utc(now)}):
        rows.setdefault(row.id, row)
        quals = held.setdefault(row.id, set())
        if row.qualification is not None:
            quals.add(row.qualification)
    return [Candidate(row.id, row.village_id, frozenset(row.skills or ()), frozenset(held[row.id]),
                      frozenset(row.availability or ()), bool(row.partner_org), row.open_tasks,
                      utc_from_db(row.last_offered_at) if row.last_offered_at is not None else None,
                      row.rating_sum / row.rating_count if row.rating_count else None, row.openid)
            for row in rows.values()]


def round_villages(session: Session, request: hr.HelpRequest, round_no: int, rules: DispatchRules) -> list[int]:
    """Villages asked in a round: the request's own, then the rest of its county."""
    if round_no <= rules.local_rounds:
        return [request.village_id] if request.village_id else []
    home = session.get(Village, request.village_id) if request.village_id else None
    query = select(id_column(Village)).where(Village.id != request.village_id)
    if home is not None and home.county:
        query = query.where(Village.county == home.county)
    return list(session.exec(query))


def already_asked(session: Session, request_id: int) -> set[int]:
    """Volunteers who were offered this task before."""
    return set(session.exec(select(TaskOffer.volunteer_id).where(TaskOffer.request_id == request_id)))


class CandidatePool:
    """Candidates loaded once per set of villages for a batch of dispatches (one scheduler scan),
    kept current as offers are made so fair rotation still spreads the batch."""

    def __init__(self):
        self._cache: dict[tuple[int, ...], list[Candidate]] = {}

    def get(self, session: Session, villages: list[int], *, now: datetime) -> list[Candidate]:
        """The candidates of these villages, loaded on first use."""
        key = tuple(sorted(villages))
        if key not in self._cache:
            self._cache[key] = load_candidates(session, villages, now=now)
        return self._cache[key]

    def offered(self, user_ids: set[int], now: datetime) -> None:
        """Record offers just made (they move those volunteers to the back of the rotation)."""
        for key, candidates in self._cache.items():
            self._cache[key] = [replace(c, last_offered_at=now) if c.user_id in user_ids else c for c in candidates]


def dispatch_round(session: Session, request: hr.HelpRequest, rules: DispatchRules, *, now: datetime,
                   pool: CandidatePool | None = None) -> list[Notice]:
    """Offer the task to the next K volunteers; returns the pushes to send. A held request goes to nobody:
    the coordinators are asked to verify it instead (once)."""
    return dispatch_rounds(session, [request], rules, now=now, pool=pool)[0]


def dispatch_rounds(session: Session, requests: list[hr.HelpRequest], rules: DispatchRules, *, now: datetime,
                    pool: CandidatePool | None = None) -> list[list[Notice]]:
    """`dispatch_round` for each request, in order; the pushes per request.

    Choosing stays one request at a time (each offer moves its volunteers to the back of the
    rotation before the next request is ranked), but the offers, the volunteers' rotation and their
    openids are written and read once for the whole batch: a silent morning is a few statements,
    not a dozen per elder.
    """
    if pool is None and len(requests) > 1:
        pool = CandidatePool()  # the rotation must see the offers made earlier in this batch
    result: list[list[Notice]] = [[] for _ in requests]
    offers: list[tuple[int, hr.HelpRequest, list[Candidate]]] = []
    for index, request in enumerate(requests):
        if request.status != hr.HELD:
            chosen = _choose(session, request, rules, now=now, pool=pool)
            if chosen:
                offers.append((index, request, chosen))
    # A request created with `flush=False` is inserted here, its first round already settled.
    session.flush()
    for index, request in enumerate(requests):
        if request.status == hr.HELD:
            result[index] = held.coordinator_notices(session, request, offer_params(session, request))
    if offers:
        for (index, _, _), notices in zip(offers, _offer(session, [(r, c) for _, r, c in offers], now), strict=True):
            result[index] = notices
    return result


def _choose(session: Session, request: hr.HelpRequest, rules: DispatchRules, *, now: datetime,
            pool: CandidatePool | None) -> list[Candidate]:
    asked = already_asked(session, id_of(request)) if request.dispatch_round else set()
    chosen: list[Candidate] = []
    while not chosen and request.dispatch_round < rules.local_rounds + 1:
        request.dispatch_round += 1
        villages = round_villages(session, request, request.dispatch_round, rules)
        found = pool.get(session, villages, now=now) if pool else load_candidates(session, villages, now=now)
        ranked = [c for c in rank(found, request, rules) if c.user_id not in asked and c.user_id != request.elder_id]
        chosen = ranked[: rules.k]
    # Settle the request's own fields before offering, so they go out in one UPDATE.
    request.next_step_at = as_utc(now) + rules.round_wait(request)
    request.updated_at = now
    session.add(request)
    if chosen and pool:
        pool.offered({c.user_id for c in chosen}, now)
    return chosen


def _stamp_query() -> sa.Update:
    volunteers = table_of(Volunteer)
    # A volunteer's row locked by another transaction is being offered a task right now too, which stamps
    # the same moment: skipping it (PostgreSQL's SKIP LOCKED; SQLite has one writer) beats waiting for that
    # transaction, which under a burst of requests queued every new request behind the last (503 busy).
    free = (sa.select(volunteers.c.user_id).where(volunteers.c.user_id.in_(sa.bindparam("ids", expanding=True)))
            .with_for_update(skip_locked=True).scalar_subquery())
    return (sa.update(volunteers).where(volunteers.c.user_id.in_(free))
            .values(last_offered_at=sa.bindparam("at", type_=volunteers.c.last_offered_at.type)))


_STAMP = _stamp_query()
_ADD_OFFER = sa.insert(table_of(TaskOffer))
_VILLAGE_NAME = sa.select(table_of(Village).c.name).where(table_of(Village).c.id == sa.bindparam("id"))


def _offer(session: Session, batch: list[tuple[hr.HelpRequest, list[Candidate]]],
           now: datetime) -> list[list[Notice]]:
    conn = session.connection()
    conn.execute(_ADD_OFFER, [{"request_id": id_of(request), "volunteer_id": c.user_id,
                               "round": request.dispatch_round, "status": OFFERED, "offered_at": as_utc(now)}
                              for request, chosen in batch for c in chosen])
    ids = sorted({c.user_id for _, chosen in batch for c in chosen})
    for start in range(0, len(ids), hr.LOOKUP_CHUNK):
        conn.execute(_STAMP, {"ids": ids[start:start + hr.LOOKUP_CHUNK], "at": as_utc(now)})
    params = [offer_params(session, request) for request, _ in batch]
    return [[Notice(c.openid, "task_offer", offer_key(id_of(request), c.user_id), "help_offer", p,
                    URGENT if request.urgency == hr.EMERGENCY else NORMAL) for c in chosen]
            for (request, chosen), p in zip(batch, params, strict=True)]


def unclaimed_for(session: Session, admin: User) -> list[hr.HelpRequest]:
    """Open and held requests a coordinator may assign or verify (`held_requests.may_handle`)."""
    query = select(hr.HelpRequest).where(col(hr.HelpRequest.status).in_((hr.OPEN, hr.HELD)))
    return [r for r in session.exec(query.order_by(col(hr.HelpRequest.id))) if held.may_handle(session, admin, r)]


def verify(session: Session, request_id: int, admin: User, rules: DispatchRules, *,
           now: datetime) -> tuple[str, list[Notice]]:
    """A coordinator verifies a held request: the asker is told and the first round goes out."""
    result, request = held.verify(session, request_id, admin, now=now)
    if result != held.VERIFIED or request is None:
        return result, []
    return result, _release_notices(session, request, rules, now)


def release_held(session: Session, asker: User, rules: DispatchRules, *, now: datetime) -> list[Notice]:
    """The asker registered: their held requests are dispatched as if verified."""
    notices: list[Notice] = []
    for request in held.held_of(session, asker):
        if held.release(session, request, now=now):
            notices += _release_notices(session, row_of(session, hr.HelpRequest, id_of(request)), rules, now)
    return notices


def _release_notices(session: Session, request: hr.HelpRequest, rules: DispatchRules, now: datetime) -> list[Notice]:
    asker = session.get(User, request.requested_by_id)
    assert asker is not None
    told = Notice(asker.openid, "help_verified", f"verified:{request.id}", "help_verified", {"number": request.id})
    return [told, *dispatch_round(session, request, rules, now=now)]


def roster_for(session: Session, admin: User) -> list[tuple[Volunteer, User]]:
    """A coordinator's volunteers, most no-shows first."""
    query = select(Volunteer, User).join(User, col(User.id) == Volunteer.user_id)
    if not admin.has_role("county_admin"):
        query = query.where(User.village_id == admin.village_id)
    return list(session.exec(query.order_by(col(Volunteer.no_shows).desc(), col(Volunteer.id))).all())


def offer_key(request_id: int, volunteer_id: int) -> str:
    """The outbox key of an offer push (so a stale, unsent offer can be withdrawn)."""
    return f"offer:{request_id}:{volunteer_id}"


def unsend_or_tell(session: Session, offer: TaskOffer, kind: str, text_key: str) -> list[Notice]:
    """An offer that never left is quietly withdrawn; one that was seen gets a follow-up."""
    if cancel_if_pending(session, offer_key(offer.request_id, offer.volunteer_id)):
        return []
    user = session.get(User, offer.volunteer_id)
    assert user is not None
    return [Notice(user.openid, kind, f"{kind}:{offer.request_id}:{user.id}", text_key, {"number": offer.request_id})]


def offer_params(session: Session, request: hr.HelpRequest) -> dict:
    """What a volunteer may see before claiming: never the address, phone or health notes, and the free
    text with phone, ID and house numbers masked (elders write them into the request)."""
    village = session.connection().scalar(_VILLAGE_NAME, {"id": request.village_id}) if request.village_id else None
    return {"number": request.id, "category": request.category, "village": village or "",
            "window": (request.window_start, request.window_end), "place": rough_place(request.place),
            "details": redact(request.details)[:40], "urgency": request.urgency}


def rough_place(place: str) -> str:
    """A place as a stranger may see it: home ("") stays vague until someone claims (shown by the catalogue);
    a written place or a location's label keeps its village and street but not the house number."""
    return redact(place or "")


def advance_unclaimed(session: Session, rules: DispatchRules, *, now: datetime) -> list[Notice]:
    """The scheduler step: next rounds, coordinator alerts and expiry for requests whose time came."""
    now = as_utc(now)
    query = select(hr.HelpRequest).where(col(hr.HelpRequest.status).in_((hr.OPEN, hr.HELD)),
                                         col(hr.HelpRequest.next_step_at) <= now)
    notices: list[Notice] = []
    for request in session.exec(query.order_by(col(hr.HelpRequest.id))).all():
        notices.extend(step(session, request, rules, now=now))
    return notices


def step(session: Session, request: hr.HelpRequest, rules: DispatchRules, *, now: datetime) -> list[Notice]:
    """One escalation step for one unclaimed request."""
    if now >= request.window_end:
        return expire(session, request, now=now)
    if request.status == hr.HELD:  # waits for a coordinator; only its window can end it
        request.next_step_at = request.window_end
        return []
    notices = dispatch_round(session, request, rules, now=now)
    alert_at = as_utc(request.created_at) + rules.t2
    if request.escalated_at is None and now >= alert_at:
        notices.extend(alert_coordinators(session, request, now=now))
    deadlines = [d for d in (request.next_step_at, request.window_end) if d is not None]
    if request.escalated_at is None:
        deadlines.append(alert_at)  # so the coordinator hears on time, whatever T1 is
    request.next_step_at = min(deadlines)
    return notices


def alert_coordinators(session: Session, request: hr.HelpRequest, *, now: datetime, again: str = "") -> list[Notice]:
    """Nobody claimed in T2 (or, with `again`, nobody is left to ask after a volunteer gave the task back): the
    village's coordinators are asked to assign someone by hand. `again` makes the push a new one, not a repeat."""
    request.escalated_at = now
    session.add(request)
    elder = row_of(session, User, request.elder_id)
    # Coordinators are entitled to the elder's details: they read the request as it was written.
    params = {**offer_params(session, request), "elder": elder.name, "details": request.details}
    suffix = f":{again}" if again else ""
    return [Notice(admin.openid, "help_escalated", f"escalate:{request.id}:{admin.id}{suffix}", "help_escalated",
                   params, URGENT) for admin in coordinators_for(session, elder)]


def expire(session: Session, request: hr.HelpRequest, *, now: datetime) -> list[Notice]:
    """Past its window and unclaimed (or never verified): close it and tell the elder kindly."""
    if not hr.move(session, id_of(request), allowed=(hr.OPEN, hr.HELD), now=now, status=hr.EXPIRED, closed_at=now,
                   next_step_at=None):
        return []
    elder = session.get(User, request.elder_id)
    assert elder is not None
    notices = [Notice(elder.openid, "help_expired", f"expired:{request.id}", "help_expired",
                      {"number": request.id, "category": request.category})]
    notices.extend(withdraw_offers(session, id_of(request)))
    return notices


def withdraw_offers(session: Session, request_id: int) -> list[Notice]:
    """Tell volunteers still holding an offer that it is gone."""
    offers = session.exec(select(TaskOffer).where(TaskOffer.request_id == request_id,
                                                  TaskOffer.status == OFFERED)).all()
    notices = []
    for offer in offers:
        offer.status = WITHDRAWN
        session.add(offer)
        notices += unsend_or_tell(session, offer, "task_withdrawn", "help_withdrawn")
    return notices


def was_offered(session: Session, request_id: int, volunteer_id: int) -> bool:
    """True when this volunteer was ever offered this request (so its number and state are no news to them)."""
    query = select(TaskOffer.id).where(TaskOffer.request_id == request_id, TaskOffer.volunteer_id == volunteer_id)
    return session.exec(query).first() is not None


def take(session: Session, request_id: int, volunteer: User, *, now: datetime, assigned: bool = False) -> bool:
    """The claim itself, open → claimed for this volunteer, as one conditional UPDATE that also requires a
    live offer to them unless a coordinator assigned them: a number alone, guessed or seen elsewhere, wins
    nothing, and an offer withdrawn in the meantime cannot win either."""
    offers = table_of(TaskOffer).c
    live_offer = None if assigned else sa.exists().where(
        offers.request_id == request_id, offers.volunteer_id == volunteer.id, offers.status.in_(LIVE))
    return hr.move(session, request_id, allowed=(hr.OPEN,), now=now, only_if=live_offer, status=hr.CLAIMED,
                   volunteer_id=volunteer.id, claimed_at=now, next_step_at=None)


def decline(session: Session, request_id: int, volunteer: User, *, now: datetime) -> bool:
    """A volunteer says no to an offer."""
    offer = session.exec(select(TaskOffer).where(TaskOffer.request_id == request_id,
                                                 TaskOffer.volunteer_id == volunteer.id)).first()
    if offer is None or offer.status != OFFERED:
        return False
    offer.status = DECLINED
    session.add(offer)
    return True


def live_offers(session: Session, volunteer: User) -> list[hr.HelpRequest]:
    """Requests still offered to a volunteer and still open, newest first (what 我的任务 lists to claim)."""
    query = (select(hr.HelpRequest).join(TaskOffer, col(hr.HelpRequest.id) == TaskOffer.request_id)
             .where(TaskOffer.volunteer_id == volunteer.id, TaskOffer.status == OFFERED,
                    hr.HelpRequest.status == hr.OPEN)
             .order_by(col(TaskOffer.offered_at).desc(), col(TaskOffer.id).desc()))
    return list(session.exec(query))


def latest_offer(session: Session, volunteer: User) -> int | None:
    """The newest task still offered to a volunteer and still open."""
    query = (select(TaskOffer.request_id).join(hr.HelpRequest, col(hr.HelpRequest.id) == TaskOffer.request_id)
             .where(TaskOffer.volunteer_id == volunteer.id, TaskOffer.status == OFFERED,
                    hr.HelpRequest.status == hr.OPEN)
             .order_by(col(TaskOffer.offered_at).desc(), col(TaskOffer.id).desc()))
    return session.exec(query).first()
