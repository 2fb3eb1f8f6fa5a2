"""Donations and expenses: recording them, the approval steps, corrections, and each record's state.

Expense states follow Open Collective's: draft -> pending -> approved -> paid, or rejected / cancelled.
Whoever recorded an expense cannot approve or reject it (two coordinators see every yuan that leaves).
Nothing is edited or deleted: a mistake is reversed by a correction entry carrying a published note.
Every step is an entry of the village's chain (models/funds/chain.py), appended under the chain's lock
after re-reading the record's state, so two coordinators acting at once cannot both move it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, col, select

from models.base import id_of
from models.core.notify import Notice
from models.funds import chain
from models.funds.chain import (
    APPROVE,
    CANCEL,
    CORRECTION,
    DONATION,
    EXPENSE,
    IN_KIND,
    PAY,
    REJECT,
    SUBMIT,
    FundEntry,
)
from models.people.membership import is_offline, reaches_village
from models.people.users import User, Village
from models.privacy import consent

DRAFT, PENDING, APPROVED, PAID = "draft", "pending", "approved", "paid"
REJECTED, CANCELLED, REVERSED, RECORDED = "rejected", "cancelled", "reversed", "recorded"
CHANNELS = ("cash", "bank", "wechat")
CATEGORIES = ("care", "meals", "activities", "supplies", "transport", "repairs", "office", "other")
MAX_FEN = 100_000_000_00  # one hundred million yuan: anything larger is a typing mistake
MAX_TEXT = 200
# The consent record of a named gift: given to the coordinator who recorded it, not through a text we showed.
DONOR_CONSENT_VERSION = "funds-named-gift"
# Which step moves an expense from which states to which.
MOVES = {SUBMIT: ((DRAFT,), PENDING), APPROVE: ((PENDING,), APPROVED), REJECT: ((PENDING,), REJECTED),
         PAY: ((APPROVED,), PAID), CANCEL: ((DRAFT, PENDING, APPROVED), CANCELLED)}


class FundError(Exception):
    """A ledger action refused; `code` names the catalogue text, `params` fill it."""

    def __init__(self, text_key: str, /, **params: Any):
        super().__init__(text_key)
        self.code, self.params = text_key, params


def parse_yuan(text: str, *, allow_zero: bool = False) -> int:
    """An amount in yuan as typed (100, 12.5, 12.34) in fen; FundError for anything else."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise FundError("funds_err_amount", text=text) from None
    fen = value * 100
    if not value.is_finite() or fen != fen.to_integral_value() or value < 0 or fen > MAX_FEN or (
            value == 0 and not allow_zero):
        raise FundError("funds_err_amount", text=text)
    return int(fen)


def _text(value: str, name: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise FundError("funds_err_too_long", field=name, limit=MAX_TEXT)
    return value


def coordinator(session: Session, openid: str, village: Village) -> User:
    """The coordinator acting for this village: one of its own, or a county admin."""
    user = session.exec(select(User).where(User.openid == openid)).first()
    if user is None:
        raise FundError("funds_err_no_user", openid=openid)
    if not reaches_village(user, village.id):
        raise FundError("funds_err_not_coordinator", openid=openid, village=village.name)
    return user


def record(session: Session, record_id: int) -> FundEntry:
    """A donation or expense by its number."""
    entry = session.get(FundEntry, record_id)
    if entry is None or entry.kind not in chain.RECORDS:
        raise FundError("funds_err_no_record", id=record_id)
    return entry


def steps_of(session: Session, record_id: int) -> list[FundEntry]:
    """The entries acting on a record, in chain order."""
    query = select(FundEntry).where(FundEntry.ref_id == record_id).order_by(col(FundEntry.seq))
    return list(session.exec(query))


def state_after(entry: FundEntry, steps: list[FundEntry]) -> str:
    """A record's state once these steps (in order) have happened."""
    if entry.kind != EXPENSE:
        return REVERSED if any(s.kind == CORRECTION for s in steps) else RECORDED
    state = DRAFT if (entry.details or {}).get("draft") else PENDING
    for step in steps:
        if step.kind == CORRECTION:
            state = CANCELLED if state in (DRAFT, PENDING) else REVERSED
        elif step.kind in MOVES and state in MOVES[step.kind][0]:
            state = MOVES[step.kind][1]
    return state


def state_of(session: Session, entry: FundEntry) -> str:
    """A record's state now."""
    return state_after(entry, steps_of(session, id_of(entry)))


@dataclass(frozen=True)
class Gift:
    """A donation as given: money (channel, receipt number) or goods (items, estimated value)."""

    donor: str
    amount_fen: int
    consent: bool = True  # the donor's name may be published
    channel: str = "cash"
    receipt_no: str = ""
    items: str = ""  # set for a gift in kind
    note: str = ""
    given_on: str = ""  # ISO date the gift was made, when not the day it is recorded
    donor_openid: str = ""


@dataclass
class Outcome:
    """What an action recorded, and whom to tell."""

    entry: FundEntry
    notices: list[Notice] = field(default_factory=list)


def donate(session: Session, village: Village, gift: Gift, *, actor: str, now: datetime, link: str = "") -> Outcome:
    """Record a donation; the donor, when they follow the account, is thanked."""
    donor = _text(gift.donor, "donor")
    if not donor:
        raise FundError("funds_err_no_donor")
    if gift.channel not in CHANNELS:
        raise FundError("funds_err_channel", channel=gift.channel)
    in_kind = bool(gift.items.strip())
    if gift.amount_fen < 0 or (gift.amount_fen == 0 and not in_kind):
        raise FundError("funds_err_amount", text=gift.amount_fen / 100)
    details = {"donor": donor, "consent": gift.consent, "note": _text(gift.note, "note"),
               "given_on": gift.given_on, "donor_openid": gift.donor_openid}
    if in_kind:
        details["items"] = _text(gift.items, "items")
    else:
        details.update(channel=gift.channel, receipt_no=_text(gift.receipt_no, "receipt"))
    head = chain.lock_head(session, id_of(village))
    entry = chain.append(session, head, kind=IN_KIND if in_kind else DONATION, amount_fen=gift.amount_fen,
                         actor=actor, details=details, now=now)
    if gift.consent:
        _publication_consent(session, gift.donor_openid, now)
    notices = []
    follower = _follower(session, gift.donor_openid)
    if follower is not None:
        notices.append(Notice(openid=follower.openid, kind="fund_thanks", key=f"fund_thanks:{entry.id}",
                              text_key="funds_thanks_in_kind" if in_kind else "funds_thanks",
                              params={"village": village.name, "amount": yuan(gift.amount_fen),
                                      "items": details.get("items", ""), "number": entry.id, "link": link}))
    return Outcome(entry, notices)


def _publication_consent(session: Session, openid: str, now: datetime) -> None:
    """A named gift from a registered person is their consent to publishing their name as a donor, kept as
    a privacy consent record (so 撤回同意 lists it and withdrawing it makes their gifts anonymous)."""
    person = session.exec(select(User).where(User.openid == openid)).first() if openid else None
    if person is None or consent.allows(session, id_of(person), consent.PUBLICATION):
        return
    consent.record(session, id_of(person), consent.PUBLICATION, granted=True, given_by=id_of(person), now=now,
                   text_version=DONOR_CONSENT_VERSION)


def _follower(session: Session, openid: str) -> User | None:
    if not openid:
        return None
    user = session.exec(select(User).where(User.openid == openid)).first()
    return user if user is not None and user.subscribed and not is_offline(user) else None


def find_donor(session: Session, village: Village, donor: str) -> str:
    """The openid of the follower a donor's name points at: an openid itself, or the one person of the
    village with exactly that name; '' when none or several (never guess between two people)."""
    by_openid = session.exec(select(User).where(User.openid == donor)).first()
    if by_openid is not None:
        return by_openid.openid
    named = list(session.exec(select(User).where(User.name == donor, User.village_id == village.id)))
    return named[0].openid if len(named) == 1 else ""


@dataclass(frozen=True)
class Spending:
    """An expense as recorded: what for, how much, under which category, with which receipt."""

    purpose: str
    amount_fen: int
    category: str = "other"
    draft: bool = False
    receipt: dict[str, Any] | None = None  # receipts.details(...) of a stored receipt
    note: str = ""


def record_expense(session: Session, village: Village, spending: Spending, *, by: str, now: datetime,
                   link: str = "") -> Outcome:
    """Record an expense (pending, or a draft to submit later); the village's other coordinators are told."""
    recorder = coordinator(session, by, village)
    purpose = _text(spending.purpose, "purpose")
    if not purpose:
        raise FundError("funds_err_no_purpose")
    if spending.category not in CATEGORIES:
        raise FundError("funds_err_category", category=spending.category, choices=", ".join(CATEGORIES))
    if spending.amount_fen <= 0:
        raise FundError("funds_err_amount", text=spending.amount_fen / 100)
    details = {"purpose": purpose, "category": spending.category, "draft": spending.draft,
               "note": _text(spending.note, "note"), **(spending.receipt or {})}
    head = chain.lock_head(session, id_of(village))
    entry = chain.append(session, head, kind=EXPENSE, amount_fen=spending.amount_fen, actor=recorder.openid,
                         details=details, now=now)
    notices = [] if spending.draft else _reviewers(session, village, entry, link)
    return Outcome(entry, notices)


def _reviewers(session: Session, village: Village, entry: FundEntry, link: str) -> list[Notice]:
    """The coordinators who may approve: everyone of the village's but the recorder."""
    admins = session.exec(select(User).where(User.village_id == village.id, col(User.roles).contains(",admin,")))
    return [Notice(openid=admin.openid, kind="fund_review", key=f"fund_review:{entry.id}:{admin.openid}",
                   text_key="funds_review", params={"number": entry.id, "amount": yuan(entry.amount_fen),
                                                    "purpose": (entry.details or {}).get("purpose", ""), "link": link})
            for admin in admins if admin.openid != entry.actor and not is_offline(admin)]


def step(session: Session, record_id: int, kind: str, *, by: str, now: datetime, why: str = "",
         link: str = "") -> Outcome:
    """Submit, approve, reject, pay or cancel an expense; a submitted draft goes to the reviewers, an approved
    expense's donors are told what their money paid for."""
    entry = record(session, record_id)
    if entry.kind != EXPENSE:
        raise FundError("funds_err_not_expense", id=record_id)
    village = session.get(Village, entry.village_id)
    assert village is not None
    actor = coordinator(session, by, village)
    if kind in (APPROVE, REJECT) and actor.openid == entry.actor:
        raise FundError("funds_err_same_person", id=record_id)
    why = _text(why, "why")
    if kind == REJECT and not why:
        raise FundError("funds_err_no_reason")
    head = chain.lock_head(session, id_of(village))
    state = state_of(session, entry)  # read under the chain's lock: a step committed meanwhile is seen
    allowed, _ = MOVES[kind]
    if state not in allowed:
        raise FundError("funds_err_state", id=record_id, state=state, action=kind)
    done = chain.append(session, head, kind=kind, ref_id=entry.id, actor=actor.openid, details={"why": why}, now=now)
    if kind == APPROVE:
        notices = spent_notices(session, village, entry, link=link)
    elif kind == SUBMIT:  # a submitted draft is asked for review as an expense recorded pending is
        notices = _reviewers(session, village, entry, link)
    else:
        notices = []
    return Outcome(done, notices)


def correct(session: Session, record_id: int, *, why: str, by: str, now: datetime) -> Outcome:
    """Reverse a donation or an expense with a published correction note (更正说明)."""
    entry = record(session, record_id)
    why = _text(why, "why")
    if not why:
        raise FundError("funds_err_no_reason")
    village = session.get(Village, entry.village_id)
    assert village is not None
    if by != "cli":
        coordinator(session, by, village)
    head = chain.lock_head(session, id_of(village))
    state = state_of(session, entry)
    if state in (REJECTED, CANCELLED, REVERSED):
        raise FundError("funds_err_state", id=record_id, state=state, action=CORRECTION)
    done = chain.append(session, head, kind=CORRECTION, ref_id=entry.id, amount_fen=entry.amount_fen, actor=by,
                        details={"why": why, "was": state}, now=now)
    return Outcome(done)


def spent_notices(session: Session, village: Village, expense: FundEntry, *, link: str = "") -> list[Notice]:
    """Tell the donors whose money this expense uses (oldest gifts spent first) what it was used for."""
    entries = list(session.exec(select(FundEntry).where(FundEntry.village_id == village.id)
                                .order_by(col(FundEntry.seq))))
    states = _states(entries)
    spent_before = sum(e.amount_fen for e in entries if e.kind == EXPENSE and e.id != expense.id
                       and states[id_of(e)] in (APPROVED, PAID) and _approved_before(entries, e, expense))
    start, end = spent_before, spent_before + expense.amount_fen
    notices, running = [], 0
    for gift in (e for e in entries if e.kind == DONATION and states[id_of(e)] == RECORDED):
        low, running = running, running + gift.amount_fen
        share = min(end, running) - max(start, low)
        follower = _follower(session, (gift.details or {}).get("donor_openid", ""))
        if share > 0 and follower is not None:
            notices.append(Notice(openid=follower.openid, kind="fund_spent", key=f"fund_spent:{expense.id}:{gift.id}",
                                  text_key="funds_spent",
                                  params={"purpose": (expense.details or {}).get("purpose", ""),
                                          "amount": yuan(share), "village": village.name, "link": link}))
    return notices


def open_expenses(session: Session, village_id: int) -> list[tuple[FundEntry, str]]:
    """The village's expenses still to be acted on (draft, pending or approved), oldest first, with their state."""
    entries = list(session.exec(select(FundEntry).where(FundEntry.village_id == village_id)
                                .order_by(col(FundEntry.seq))))
    states = _states(entries)
    return [(e, states[id_of(e)]) for e in entries
            if e.kind == EXPENSE and states[id_of(e)] in (DRAFT, PENDING, APPROVED)]


def _states(entries: list[FundEntry]) -> dict[int, str]:
    steps: dict[int, list[FundEntry]] = {}
    for e in entries:
        if e.ref_id is not None:
            steps.setdefault(e.ref_id, []).append(e)
    return {e.id: state_after(e, steps.get(e.id, [])) for e in entries if e.kind in chain.RECORDS and e.id}


def _approved_before(entries: list[FundEntry], other: FundEntry, expense: FundEntry) -> bool:
    """Whether `other` was approved before `expense` (its approval earlier in the chain)."""
    def approval_seq(record: FundEntry) -> int:
        return next((e.seq for e in entries if e.ref_id == record.id and e.kind == APPROVE), 1 << 62)
    return approval_seq(other) < approval_seq(expense)


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals: 12345 -> 123.45."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
