"""What the public sees of a statement: names only with consent, free text with personal details masked,
receipts only as the public may see them, and the time bank's totals when that feature provides them."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.base import id_of
from models.funds.chain import CORRECTION, DONATION, EXPENSE, IN_KIND, FundEntry
from models.funds.ledger import yuan
from models.funds.receipts import FundReceipt, public_copy
from models.funds.statement import Statement
from models.people.redact import redact
from models.people.users import User
from models.privacy import consent
from models.timebank.totals import village_totals


def money(fen: int) -> dict[str, Any]:
    """An amount both ways: exact fen for programs, yuan text for people."""
    return {"fen": fen, "yuan": yuan(fen)}


def donor_shown(session: Session, record: FundEntry) -> str | None:
    """The donor's name when its publication is allowed now, else None (shown as anonymous)."""
    return redact((record.details or {}).get("donor", "")) if name_published(session, record) else None


def name_published(session: Session, record: FundEntry) -> bool:
    """Whether a donation may name its donor today.

    The gift must have been recorded as named. When it points at a registered person (`donor_openid`),
    that person must still be there and allow publication (models/privacy/consent.py): withdrawing the
    consent, or cancelling the account (consents withdrawn, the openid replaced by a pseudonym), turns
    every past gift of theirs anonymous. The name stays in the chained entry, which cannot change.
    """
    details = record.details or {}
    if not details.get("consent"):
        return False
    openid = details.get("donor_openid") or ""
    if not openid:
        return True  # a donor who is not a registered person: the consent recorded with the gift decides
    person = session.exec(select(User).where(User.openid == openid)).first()
    return person is not None and consent.allows(session, id_of(person), consent.PUBLICATION)


def receipt_shown(session: Session, record: FundEntry) -> dict[str, Any] | None:
    """How the receipt of an expense is shown: the original (consent), a redacted copy, or on file only."""
    receipt_id = (record.details or {}).get("receipt_id")
    row = session.get(FundReceipt, receipt_id) if receipt_id else None
    if row is None:
        return None
    return {"id": row.id, "consent": row.consent, "public": public_copy(row) is not None,
            "redacted": not row.consent, "sha256": row.sha256}


def line(session: Session, entry: FundEntry, record: FundEntry, effect: int, state: str, tz: ZoneInfo) -> dict:
    """One entry as a row of the statement."""
    details = record.details or {}
    row: dict[str, Any] = {
        "id": entry.id, "seq": entry.seq, "record_id": record.id,
        "date": entry.created_at.astimezone(tz).date().isoformat(),
        "kind": entry.kind, "record_kind": record.kind, "amount": money(record.amount_fen), "effect": money(effect),
        "state": state,
    }
    if record.kind in (DONATION, IN_KIND):
        donor = donor_shown(session, record)
        row.update(donor=donor, anonymous=donor is None,
                   channel=details.get("channel"), items=redact(details.get("items", "")) or None,
                   receipt_no=redact(details.get("receipt_no", "")) or None, given_on=details.get("given_on") or None)
    if record.kind == EXPENSE:
        row.update(purpose=redact(details.get("purpose", "")), category=details.get("category", "other"),
                   receipt=receipt_shown(session, record))
    if entry.kind != record.kind:
        why = (entry.details or {}).get("why", "")
        row["note"] = redact(why) if why else None
    if entry.kind == CORRECTION:
        row["correction_note"] = row.get("note")
    return row


def timebank_totals(session: Session, village_id: int) -> dict[str, Any]:
    """The time bank beside the money: hours given by volunteers, received by elders, waiting in the pool."""
    totals = village_totals(session, village_id)
    return {"hours_given": round(totals["given_minutes"] / 60, 1),
            "hours_received": round(totals["received_minutes"] / 60, 1),
            "hours_in_pool": round(totals["pool_minutes"] / 60, 1), "visits": totals.get("visits", 0)}


def public_statement(session: Session, st: Statement, tz: ZoneInfo) -> dict[str, Any]:
    """The statement as published (the JSON document; the page and the CSV are made from it)."""
    data: dict[str, Any] = {
        "village": {"code": st.village.code, "name": st.village.name},
        "month": st.month, "currency": "CNY",
        "opening_balance": money(st.opening_fen),
        "income": [{"source": source, **money(fen)} for source, fen in sorted(st.income.items())],
        "income_total": money(st.income_fen),
        "in_kind": [{"id": e.id, "date": e.created_at.astimezone(tz).date().isoformat(),
                     "donor": donor_shown(session, e), "anonymous": not name_published(session, e),
                     "items": redact((e.details or {}).get("items", "")),
                     "estimated_value": money(e.amount_fen)} for e in st.in_kind],
        "spending": [{"category": category, **money(fen)} for category, fen in sorted(st.spending.items())],
        "spending_total": money(st.spending_fen),
        "closing_balance": money(st.closing_fen),
        "pending": [{"id": e.id, "date": e.created_at.astimezone(tz).date().isoformat(),
                     "purpose": redact((e.details or {}).get("purpose", "")),
                     "category": (e.details or {}).get("category", "other"), "amount": money(e.amount_fen),
                     "state": "pending"} for e in st.pending],
        "pending_total": money(st.pending_fen),
        "entries": [line(session, li.entry, li.record, li.effect_fen, li.state, tz) for li in st.lines],
        "chain": {"last_seq": st.head[0], "last_hash": st.head[1]},
    }
    data["corrections"] = [row for row in data["entries"] if row["kind"] == CORRECTION]
    data["timebank"] = timebank_totals(session, id_of(st.village))
    return data
