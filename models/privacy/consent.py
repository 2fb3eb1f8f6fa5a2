"""Consent per purpose, as records: who gave it (the person, or a proxy and their relationship), when, for
which text version, and its withdrawal.

The service consent is what matching help needs; health notes, sharing with partner organisations and
publication (a success story, a donor's name) are separate and optional (PIPL arts. 14, 28-29). A
purpose is consented while its latest record is a grant that was not withdrawn. The rest of the code asks
`allows(...)` (or `health_notes_allowed`) before using or showing what a purpose covers.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, utc_field

SERVICE, HEALTH_NOTES, PARTNER_SHARING, PUBLICATION = "service", "health_notes", "partner_sharing", "publication"
PURPOSES = (SERVICE, HEALTH_NOTES, PARTNER_SHARING, PUBLICATION)
# The version of the wording the person was shown; bump it when the catalogue's consent texts change.
TEXT_VERSION = "2026-12-v1"
# Records made by the 0010 migration from the single registration confirmation that existed before.
LEGACY_VERSION = "registration-v0"


class Consent(SQLModel, table=True):
    """One answer to one consent question; withdrawing stamps the grant, a new grant is a new row."""

    __tablename__ = "consents"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)  # whose data
    purpose: str = Field(max_length=32)
    granted: bool = Field(default=True)  # False: asked and declined (kept as the record of the question)
    given_by_user_id: int = Field(foreign_key="users.id")
    relationship: str = Field(default="", max_length=32)  # empty: the person's own answer
    text_version: str = Field(max_length=32)
    given_at: datetime = utc_field()
    withdrawn_at: datetime | None = utc_field(nullable=True)
    withdrawn_by_user_id: int | None = Field(default=None, foreign_key="users.id")


def record(session: Session, user_id: int, purpose: str, *, granted: bool, given_by: int, relationship: str = "",
           now: datetime, text_version: str = TEXT_VERSION) -> Consent:
    """Record an answer to a consent question (a grant replaces any earlier live one of the purpose)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    for earlier in _live(session, user_id, purpose):
        earlier.withdrawn_at, earlier.withdrawn_by_user_id = as_utc(now), given_by
        session.add(earlier)
    row = Consent(user_id=user_id, purpose=purpose, granted=granted, given_by_user_id=given_by,
                  relationship=relationship, text_version=text_version, given_at=as_utc(now))
    session.add(row)
    session.flush()
    return row


def _live(session: Session, user_id: int, purpose: str | None = None) -> list[Consent]:
    query = select(Consent).where(Consent.user_id == user_id, col(Consent.withdrawn_at).is_(None))
    if purpose is not None:
        query = query.where(Consent.purpose == purpose)
    return list(session.exec(query.order_by(col(Consent.id))))


def allows(session: Session, user_id: int, purpose: str) -> bool:
    """The person (or their proxy) consented to this purpose and has not withdrawn it."""
    return any(row.granted for row in _live(session, user_id, purpose))


def health_notes_allowed(session: Session, elder_id: int) -> bool:
    """Health notes may be stored, used and shown (to the claim winner, family, coordinators)."""
    return allows(session, elder_id, HEALTH_NOTES)


def active(session: Session, user_id: int) -> list[Consent]:
    """The live grants of a person, oldest first."""
    return [row for row in _live(session, user_id) if row.granted]


def history(session: Session, user_id: int) -> list[Consent]:
    """Every consent record of a person, oldest first (for the export)."""
    return list(session.exec(select(Consent).where(Consent.user_id == user_id).order_by(col(Consent.id))))


def withdraw(session: Session, consent_id: int, by_user_id: int, *, now: datetime) -> Consent | None:
    """Withdraw a live grant; None if it is not live. The caller checks who may (`may_withdraw`)."""
    row = session.get(Consent, consent_id)
    if row is None or row.withdrawn_at is not None or not row.granted:
        return None
    row.withdrawn_at, row.withdrawn_by_user_id = as_utc(now), by_user_id
    session.add(row)
    session.flush()
    return row


def withdraw_all(session: Session, user_id: int, by_user_id: int, *, now: datetime) -> int:
    """Withdraw every live record of a person (their account is being cancelled)."""
    rows = _live(session, user_id)
    for row in rows:
        row.withdrawn_at, row.withdrawn_by_user_id = as_utc(now), by_user_id
        session.add(row)
    return len(rows)
