"""Volunteers: skills, availability, approval, duty, and the training records that qualify them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, json_field, utc_field
from models.people.users import User

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
SKILLS = ("errand", "meal", "medical", "daily_care", "repair", "farm_work", "companionship")
# Availability slots: day kind × part of day.
SLOTS = tuple(f"{day}_{part}" for day in ("weekday", "weekend") for part in ("morning", "afternoon", "evening"))


class Volunteer(SQLModel, table=True):
    __tablename__ = "volunteers"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", unique=True, index=True)
    status: str = Field(default=PENDING, max_length=16, index=True)
    skills: list[str] | None = json_field()
    availability: list[str] | None = json_field()
    on_duty: bool = Field(default=True)
    # A partner organisation (clinic, legal aid) may take the tasks only professionals may take.
    partner_org: str = Field(default="", max_length=64)
    rating_sum: int = Field(default=0)
    rating_count: int = Field(default=0)
    no_shows: int = Field(default=0)
    last_offered_at: datetime | None = utc_field(nullable=True)
    reject_reason: str = Field(default="", max_length=200)
    consent_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    @property
    def rating(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None


class TrainingRecord(SQLModel, table=True):
    """A qualification earned by training (or granted by a coordinator), valid until it expires."""

    __tablename__ = "training_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "qualification", "source", name="uq_training_source"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    qualification: str = Field(max_length=48)
    source: str = Field(default="manual", max_length=64)
    granted_at: datetime = utc_field()
    expires_at: datetime | None = utc_field(nullable=True)


def volunteer_of(session: Session, user: User) -> Volunteer | None:
    """The volunteer record of a user, if any."""
    return session.exec(select(Volunteer).where(Volunteer.user_id == user.id)).first()


def upsert_volunteer(session: Session, user: User, *, now: datetime, **fields: Any) -> Volunteer:
    """Create or update a user's volunteer record."""
    volunteer = volunteer_of(session, user) or Volunteer(user_id=id_of(user), created_at=now, updated_at=now)
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.updated_at = now
    session.add(volunteer)
    session.flush()
    return volunteer


def grant_training(session: Session, user: User, qualification: str, *, now: datetime,
                   expires_at: datetime | None = None, source: str = "manual") -> TrainingRecord:
    """Record a qualification (idempotent per source)."""
    found = session.exec(select(TrainingRecord).where(
        TrainingRecord.user_id == user.id, TrainingRecord.qualification == qualification,
        TrainingRecord.source == source)).first()
    record = found or TrainingRecord(user_id=id_of(user), qualification=qualification, source=source, granted_at=now)
    record.expires_at = expires_at
    session.add(record)
    session.flush()
    return record


def still_valid(now: Any) -> sa.ColumnElement[bool]:
    """A training record that has not expired at `now` (a moment, or a bind parameter of a prebuilt statement)."""
    expires = col(TrainingRecord.expires_at)
    return sa.or_(expires.is_(None), expires > now)


def qualifications(session: Session, user_ids: list[int], *, now: datetime) -> dict[int, set[str]]:
    """Valid qualifications per user at `now`."""
    query = select(TrainingRecord).where(col(TrainingRecord.user_id).in_(user_ids), still_valid(as_utc(now)))
    held: dict[int, set[str]] = {uid: set() for uid in user_ids}
    for record in session.exec(query):
        held[record.user_id].add(record.qualification)
    return held
