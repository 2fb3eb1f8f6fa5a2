"""Minutes a person gives away: a gift to bound family, a donation to the village, and expiry."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.base import as_utc
from models.core.notify import Notice
from models.people.membership import is_offline
from models.people.users import FamilyLink, User
from models.timebank import ledger
from models.timebank.policy import Policy

# Results.
DONE = "done"
ALREADY = "already"  # this idempotency key was posted before
INSUFFICIENT = "insufficient"
OVER_CAP = "over_cap"
NOT_ALLOWED = "not_allowed"
INVALID = "invalid"


@dataclass
class Result:
    status: str
    balance: int = 0  # the giver's balance afterwards (or now, when refused)
    notices: list[Notice] | None = None


def recipients(session: Session, giver: User, policy: Policy) -> list[User]:
    """Who may receive the giver's minutes: elders they are bound to with a listed relationship (and,
    when `gift_to_family`, family bound to the giver with one)."""
    if not policy.gift_relations:
        return []
    ids = list(session.exec(select(FamilyLink.elder_id).where(
        FamilyLink.family_id == giver.id, col(FamilyLink.relationship).in_(policy.gift_relations))
        .order_by(col(FamilyLink.id))))
    if policy.gift_to_family:
        ids += list(session.exec(select(FamilyLink.family_id).where(
            FamilyLink.elder_id == giver.id, col(FamilyLink.relationship).in_(policy.gift_relations))
            .order_by(col(FamilyLink.id))))
    people = [session.get(User, i) for i in dict.fromkeys(ids) if i != giver.id]
    return [p for p in people if p is not None]


def gift(session: Session, giver: User, recipient: User, minutes: int, *, key: str, policy: Policy,
         now: datetime) -> Result:
    """Give minutes to bound family; never more than the giver holds, never past the recipient's cap."""
    if minutes <= 0:
        return Result(INVALID, ledger.balance(session, ledger.ident(giver)))
    if recipient.id not in {p.id for p in recipients(session, giver, policy)}:
        return Result(NOT_ALLOWED, ledger.balance(session, ledger.ident(giver)))
    source = ledger.person_account(session, ledger.ident(giver), now=now, village_id=giver.village_id)
    target = ledger.person_account(session, ledger.ident(recipient), now=now, village_id=recipient.village_id)
    legs = [ledger.Leg(source, -minutes, "gift_out"), ledger.Leg(target, minutes, "gift_in", cap=policy.cap)]
    result = _post(session, giver, key=key, kind=ledger.GIFT, legs=legs, now=now, by_user_id=giver.id,
                   served_id=recipient.id, village_id=giver.village_id)
    if result.status == DONE and not is_offline(recipient):
        result.notices = [Notice(recipient.openid, "timebank_gift", f"gift:{key}", "timebank_gift_received",
                                 {"who": giver.name, "minutes": minutes,
                                  "balance": ledger.balance(session, ledger.ident(recipient))})]
    return result


def donate(session: Session, donor: User, minutes: int, *, key: str, now: datetime) -> Result:
    """Give minutes to the village's donated minutes, which pay first for elders living alone."""
    if minutes <= 0:
        return Result(INVALID, ledger.balance(session, ledger.ident(donor)))
    source = ledger.person_account(session, ledger.ident(donor), now=now, village_id=donor.village_id)
    target = ledger.donated_account(session, donor.village_id, now=now)
    legs = [ledger.Leg(source, -minutes, "donated"), ledger.Leg(target, minutes, "donation_in")]
    return _post(session, donor, key=key, kind=ledger.DONATION, legs=legs, now=now, by_user_id=donor.id,
                 village_id=donor.village_id)


def _post(session: Session, person: User, **posting) -> Result:
    try:
        movement = ledger.post(session, **posting)
    except ledger.Refused as refused:
        return Result(refused.reason, ledger.balance(session, ledger.ident(person)))
    return Result(DONE if movement is not None else ALREADY, ledger.balance(session, ledger.ident(person)))


def opening(session: Session, person: User, minutes: int, *, key: str, now: datetime,
            cap: int | None = None) -> bool:
    """Carry minutes over from a paper passbook (a coordinator's entry), issued by the village pool;
    False when this key was posted before or the minutes would pass the cap."""
    source = ledger.pool_account(session, person.village_id, now=now)
    target = ledger.person_account(session, ledger.ident(person), now=now, village_id=person.village_id)
    legs = [ledger.Leg(source, -minutes, "opening"), ledger.Leg(target, minutes, "opening", cap=cap)]
    try:
        return ledger.post(session, key=key, kind=ledger.OPENING, legs=legs, now=now, village_id=person.village_id,
                           served_id=person.id) is not None
    except ledger.Refused:
        return False


def expire(session: Session, *, policy: Policy, now: datetime) -> int:
    """Minutes a person did not spend within `expiry_days` of receiving them go back to the village pool
    (oldest first: what is spent is taken from the oldest minutes). Returns the minutes expired."""
    if policy.expiry_days <= 0:
        return 0
    since = as_utc(now) - timedelta(days=policy.expiry_days)
    recent = (select(ledger.Line.account_id, sa.func.sum(ledger.Line.minutes))
              .where(ledger.Line.minutes > 0, col(ledger.Line.created_at) >= since)
              .group_by(col(ledger.Line.account_id)))
    fresh = {account_id: int(total) for account_id, total in session.exec(recent)}
    holders = session.exec(select(ledger.Account).where(ledger.Account.kind == ledger.PERSON,
                                                         ledger.Account.balance > 0))
    total = 0
    for holder in list(holders):
        stale = holder.balance - fresh.get(ledger.ident(holder), 0)
        if stale <= 0:
            continue
        pool = ledger.pool_account(session, holder.village_id, now=now)
        legs = [ledger.Leg(holder, -stale, "expired"), ledger.Leg(pool, stale, "expired")]
        try:
            if ledger.post(session, key=f"expiry:{holder.id}:{as_utc(now).date().isoformat()}", kind=ledger.EXPIRY,
                           legs=legs, now=now, village_id=holder.village_id, served_id=holder.user_id):
                total += stale
        except ledger.Refused:
            continue  # spent meanwhile: the next run sees the new balance
    return total
