"""A confirmed visit in the time bank: the volunteer earns, the served elder's side pays.

Who pays, in order: the elder's own minutes (when `elders_pay` and the elder has reached
`redeem_min_age`), then bound family named in `family_pays` (a volunteer's minutes serving their parent
or spouse), then, for an elder living alone, the village's donated minutes, and otherwise the village
pool. A payer pays the whole visit or not at all. The volunteer's credit stops at the storage cap; the
rest goes to the donated minutes or to an honour record (`cap_excess`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from models.core.notify import Notice
from models.people.membership import is_offline, profile_of
from models.people.users import FamilyLink, User
from models.timebank import ledger
from models.timebank.policy import HONOUR, Policy

ATTEMPTS = 3  # a stale view of the volunteer's balance is re-read this often before giving up


@dataclass
class Settlement:
    """What one confirmed visit posted."""

    movement: ledger.Movement | None  # None: this visit was settled before
    credited: int = 0
    excess: int = 0
    payer: User | None = None  # a person who paid with minutes; None: the pool or donated minutes
    payer_reason: str = ""
    notices: list[Notice] = field(default_factory=list)


def visit_key(request_id: int) -> str:
    # The same key the earlier ledger used, so visits credited before the migration are not paid twice.
    return f"help:{request_id}"


def settle_visit(session: Session, *, request_id: int, village_id: int | None, category: str, elder_id: int,
                 volunteer_id: int, minutes: int, policy: Policy, now: datetime) -> Settlement:
    """Post a confirmed visit once: the volunteer earns `minutes`, the first payer able to pays them."""
    elder = session.get(User, elder_id)
    volunteer = session.get(User, volunteer_id)
    assert elder is not None and volunteer is not None
    earner = ledger.person_account(session, volunteer_id, now=now, village_id=volunteer.village_id)
    for _ in range(ATTEMPTS):
        held = ledger.current_balance(session, earner, lock=True)
        room = minutes if policy.cap is None else max(0, min(minutes, policy.cap - held))
        for payer, source, reason in _payers(session, elder, volunteer_id, village_id, minutes, policy, now):
            legs = [ledger.Leg(source, -minutes, reason), ledger.Leg(earner, room, "earned", cap=policy.cap)]
            if room < minutes:
                legs.append(ledger.Leg(_excess_account(session, volunteer_id, village_id, policy, now),
                                       minutes - room, HONOUR if policy.cap_excess == HONOUR else "cap_excess"))
            try:
                movement = ledger.post(session, key=visit_key(request_id), kind=ledger.VISIT, legs=legs, now=now,
                                       minutes=minutes, request_id=request_id, category=category,
                                       provider_id=volunteer_id, served_id=elder_id, village_id=village_id)
            except ledger.Refused as refused:
                if refused.account.id == earner.id:
                    break  # the volunteer's balance moved since we read it: read again
                continue  # this payer cannot pay (any more): the next one
            if movement is None:
                return Settlement(None)
            settled = Settlement(movement, room, minutes - room, payer, reason)
            settled.notices = _notices(session, settled, request_id, volunteer, policy)
            return settled
    raise RuntimeError(f"visit {request_id} could not be settled")


def _payers(session: Session, elder: User, volunteer_id: int, village_id: int | None, minutes: int,
            policy: Policy, now: datetime):
    """(person or None, account, reason) in the order they are asked to pay; the pool never refuses."""
    profile = profile_of(session, elder)
    redeems = profile is not None and profile.age is not None and profile.age >= policy.redeem_min_age
    if redeems and policy.elders_pay:
        yield from _if_enough(session, elder, minutes, now)
    if redeems and policy.family_pays:
        links = session.exec(select(FamilyLink).where(
            FamilyLink.elder_id == elder.id, col(FamilyLink.relationship).in_(policy.family_pays),
            FamilyLink.family_id != volunteer_id).order_by(col(FamilyLink.id)))
        for link in links:
            relative = session.get(User, link.family_id)
            assert relative is not None
            yield from _if_enough(session, relative, minutes, now)
    if profile is not None and profile.lives_alone:
        donated = ledger.donated_account(session, village_id, now=now)
        if ledger.current_balance(session, donated) >= minutes:
            yield None, donated, "donation_paid"
    yield None, ledger.pool_account(session, village_id, now=now), "pool_paid"


def _if_enough(session: Session, person: User, minutes: int, now: datetime):
    # Skipping an account that plainly cannot pay spares a refused UPDATE; the UPDATE stays the guard.
    if ledger.balance(session, ledger.ident(person)) >= minutes:
        yield person, ledger.person_account(session, ledger.ident(person), now=now,
                                            village_id=person.village_id), "paid"


def _excess_account(session: Session, volunteer_id: int, village_id: int | None, policy: Policy,
                    now: datetime) -> ledger.Account:
    if policy.cap_excess == HONOUR:
        return ledger.honour_account(session, volunteer_id, now=now)
    return ledger.donated_account(session, village_id, now=now)


def _notices(session: Session, settled: Settlement, request_id: int, volunteer: User,
             policy: Policy) -> list[Notice]:
    params = {"number": request_id, "minutes": settled.credited,
              "balance": ledger.balance(session, ledger.ident(volunteer))}
    notices = [Notice(volunteer.openid, "help_credited", f"credited:{request_id}", "help_credited", params)]
    if settled.excess:
        notices.append(Notice(volunteer.openid, "timebank_capped", f"capped:{request_id}",
                              f"timebank_capped_{policy.cap_excess}",
                              {"minutes": settled.excess, "cap_hours": (policy.cap_minutes or 0) // 60}))
    payer = settled.payer
    if payer is not None and not is_offline(payer):
        notices.append(Notice(payer.openid, "timebank_paid", f"paid:{request_id}", "timebank_paid",
                              {"number": request_id, "minutes": settled.movement.minutes if settled.movement else 0,
                               "balance": ledger.balance(session, ledger.ident(payer))}))
    return notices
