"""Daily safety check-in (报平安): who is enrolled, and what happened each day.

An enrolment says when the elder is greeted (local time) and by when silence starts the chain.
One `checkin_days` row per elder and local day records the outcome: on_time, late, confirmed_safe
(missed, then someone saw the elder is well), incident, paused, unsubscribed, missed (never
resolved), or pending while the day is still open. The morning round and the escalation chain live
in models/checkin/round.py; who confirms and who reports an incident in models/checkin/alarm.py.
Every function takes `now` (and the local `tz` where a local day matters); none reads a clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, select

from models.base import as_utc, id_of, insert_ignore, json_field, utc_field
from models.core import preload
from models.people.users import User

ACTIVE, PAUSED, CLOSED = "active", "paused", "closed"
PENDING, ON_TIME, LATE, CONFIRMED = "pending", "on_time", "late", "confirmed_safe"
INCIDENT, DAY_PAUSED, UNSUBSCRIBED, MISSED = "incident", "paused", "unsubscribed", "missed"
SAFE = (ON_TIME, LATE, CONFIRMED)
OUTCOMES = (ON_TIME, LATE, CONFIRMED, INCIDENT, MISSED, DAY_PAUSED, UNSUBSCRIBED)
# Stages of a silent day: 0 prompted, 1 second prompt sent, 2 family and volunteers asked, 3 coordinator told.
PROMPTED, REMINDED, FAMILY_ASKED, COORDINATOR_TOLD = 0, 1, 2, 3
MAX_PAUSE_DAYS = 60


class CheckinEnrolment(SQLModel, table=True):
    __tablename__ = "checkin_enrolments"
    __table_args__ = (sa.Index("ix_checkin_enrolments_round", "status", "prompt_minute"),)

    id: int | None = Field(default=None, primary_key=True)
    elder_id: int = Field(foreign_key="users.id", unique=True)
    status: str = Field(default=ACTIVE, max_length=16)
    # Local minutes after midnight (08:30 → 510): the greeting, and the deadline for an answer.
    prompt_minute: int
    deadline_minute: int
    paused_until: date | None = Field(default=None)  # first local day with prompts again
    call_name: str = Field(default="", max_length=32)  # how the greeting addresses the elder (王奶奶)
    daily_family_ids: list[int] | None = json_field()  # family who asked for the daily "已报平安"
    enrolled_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class CheckinDay(SQLModel, table=True):
    __tablename__ = "checkin_days"
    __table_args__ = (sa.UniqueConstraint("elder_id", "day", name="uq_checkin_day"),
                      sa.Index("ix_checkin_days_due", "status", "next_step_at"),
                      sa.Index("ix_checkin_days_village", "village_id", "day"))

    id: int | None = Field(default=None, primary_key=True)
    elder_id: int = Field(foreign_key="users.id")
    village_id: int | None = Field(default=None, foreign_key="villages.id")
    day: date
    status: str = Field(default=PENDING, max_length=16)
    stage: int = Field(default=PROMPTED)
    deadline_at: datetime = utc_field()
    next_step_at: datetime | None = utc_field(nullable=True)
    prompted_at: datetime | None = utc_field(nullable=True)
    checked_in_at: datetime | None = utc_field(nullable=True)
    resolved_by_id: int | None = Field(default=None, foreign_key="users.id")
    request_id: int | None = Field(default=None, foreign_key="help_requests.id")  # the daily_care visit task
    incident_request_id: int | None = Field(default=None, foreign_key="help_requests.id")
    family_told: bool = Field(default=False)
    created_at: datetime = utc_field()


@dataclass(frozen=True)
class CheckinRules:
    """Check-in settings (config `checkin`)."""

    prompt_minute: int = 8 * 60 + 30
    deadline_minute: int = 10 * 60 + 30
    second_prompt_after: timedelta = timedelta(0)
    family_after: timedelta = timedelta(minutes=30)
    coordinator_after: timedelta = timedelta(minutes=60)
    volunteers: int = 1
    task_hours: float = 4.0

    @property
    def gap(self) -> int:
        """Minutes from the greeting to the deadline (kept when the elder moves the time)."""
        return self.deadline_minute - self.prompt_minute


def parse_clock(text: str) -> int:
    """'08:30' → 510 minutes after midnight."""
    hours, _, minutes = str(text).partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value < 24 * 60:
        raise ValueError(f"not a time of day: {text!r}")
    return value


def clock_text(minute: int) -> str:
    """510 → '08:30'."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def checkin_rules(config: dict) -> CheckinRules:
    """Build the rules from the `checkin` section of the configuration."""
    section = config.get("checkin", {}) or {}

    def minutes(key: str, default: float) -> timedelta:
        return timedelta(minutes=float(section.get(key, default)))

    return CheckinRules(prompt_minute=parse_clock(section.get("prompt_time", "08:30")),
                 deadline_minute=parse_clock(section.get("deadline", "10:30")),
                 second_prompt_after=minutes("second_prompt_after_minutes", 0),
                 family_after=minutes("family_after_minutes", 30),
                 coordinator_after=minutes("coordinator_after_minutes", 60),
                 volunteers=int(section.get("volunteers", 1)), task_hours=float(section.get("task_hours", 4)))


def local_day(now: datetime, tz: ZoneInfo) -> date:
    """The local calendar day of a moment."""
    return as_utc(now).astimezone(tz).date()


def local_minute(now: datetime, tz: ZoneInfo) -> int:
    """Local minutes after midnight."""
    local = as_utc(now).astimezone(tz)
    return local.hour * 60 + local.minute


def at_local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """A local day and minute as an aware UTC moment."""
    return as_utc(datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz))


def enrolment_of(session: Session, elder: User) -> CheckinEnrolment | None:
    """The elder's enrolment, whatever its status."""
    known, row = preload.recall(session, CheckinEnrolment, elder.id)
    if known:
        return row
    return session.exec(select(CheckinEnrolment).where(CheckinEnrolment.elder_id == elder.id)).first()


def enrol(session: Session, elder: User, by: User, *, now: datetime, rules: CheckinRules,
          prompt_minute: int | None = None) -> tuple[CheckinEnrolment, bool]:
    """Enrol an elder (or switch a closed or paused enrolment back on); True when it was not active."""
    found = enrolment_of(session, elder)
    was_active = found is not None and found.status == ACTIVE
    enrolment = found or CheckinEnrolment(elder_id=id_of(elder), enrolled_by_id=id_of(by), created_at=now,
                                          prompt_minute=rules.prompt_minute, deadline_minute=rules.deadline_minute)
    enrolment.status, enrolment.paused_until, enrolment.updated_at = ACTIVE, None, now
    if prompt_minute is not None:
        _move(enrolment, prompt_minute, rules)
    session.add(enrolment)
    session.flush()
    return enrolment, not was_active


# Greetings go out between 05:00 and 20:00 local time: earlier wakes people, later leaves no daylight to check.
EARLIEST_MINUTE, LATEST_MINUTE = 5 * 60, 20 * 60


def greeting_time_ok(minute: int) -> bool:
    """Whether a greeting may be set at this local minute of the day."""
    return EARLIEST_MINUTE <= minute <= LATEST_MINUTE


def _move(enrolment: CheckinEnrolment, prompt_minute: int, rules: CheckinRules) -> None:
    if not greeting_time_ok(prompt_minute):
        raise ValueError("a greeting goes out between 05:00 and 20:00")
    enrolment.prompt_minute = prompt_minute
    enrolment.deadline_minute = min(prompt_minute + rules.gap, 23 * 60 + 30)


def set_time(session: Session, enrolment: CheckinEnrolment, prompt_minute: int, *, now: datetime,
             rules: CheckinRules) -> None:
    """Move the greeting; the deadline keeps its distance from it."""
    _move(enrolment, prompt_minute, rules)
    enrolment.updated_at = now
    session.add(enrolment)


def pause(session: Session, enrolment: CheckinEnrolment, days: int, *, now: datetime, tz: ZoneInfo) -> date:
    """No greetings for `days` days from today (today's open day stops too); returns the day they resume."""
    days = max(1, min(days, MAX_PAUSE_DAYS))
    enrolment.status, enrolment.updated_at = PAUSED, now
    enrolment.paused_until = local_day(now, tz) + timedelta(days=days)
    session.add(enrolment)
    return enrolment.paused_until


def stop_today(session: Session, elder_id: int, *, now: datetime, tz: ZoneInfo) -> CheckinDay | None:
    """Paused or switched off during an open day: record it as paused; returns that day when it was open."""
    day = day_of(session, elder_id, local_day(now, tz))
    if day is None or day.status != PENDING:
        return None
    day.status, day.next_step_at = DAY_PAUSED, None
    session.add(day)
    return day


def resume(session: Session, enrolment: CheckinEnrolment, *, now: datetime, tz: ZoneInfo) -> None:
    """Greetings again from the next round (today's, if today was only recorded as paused)."""
    enrolment.status, enrolment.paused_until, enrolment.updated_at = ACTIVE, None, now
    session.add(enrolment)
    today = day_of(session, enrolment.elder_id, local_day(now, tz))
    if today is not None and today.status == DAY_PAUSED:
        session.delete(today)
        session.flush()


def close(session: Session, enrolment: CheckinEnrolment, *, now: datetime) -> None:
    """Stop the daily check-in (it can be switched on again with 开启签到)."""
    enrolment.status, enrolment.paused_until, enrolment.updated_at = CLOSED, None, now
    session.add(enrolment)


def set_daily_signal(session: Session, enrolment: CheckinEnrolment, family: User, on: bool, *,
                     now: datetime) -> None:
    """Opt a family member in or out of the daily "已报平安" line."""
    chosen = set(enrolment.daily_family_ids or ())
    chosen = chosen | {id_of(family)} if on else chosen - {family.id}
    enrolment.daily_family_ids, enrolment.updated_at = sorted(chosen), now
    session.add(enrolment)


def set_call_name(session: Session, enrolment: CheckinEnrolment, name: str, *, now: datetime) -> None:
    """How the morning greeting addresses the elder."""
    enrolment.call_name, enrolment.updated_at = name[:32], now
    session.add(enrolment)


def day_of(session: Session, elder_id: int, day: date) -> CheckinDay | None:
    """The record of one elder's day."""
    return session.exec(select(CheckinDay).where(CheckinDay.elder_id == elder_id, CheckinDay.day == day)).first()


def open_day(session: Session, elder: User, enrolment: CheckinEnrolment, *, now: datetime,
             tz: ZoneInfo) -> CheckinDay:
    """Today's record, created (pending, not yet prompted) when the elder speaks before the greeting."""
    today = local_day(now, tz)
    day = day_of(session, id_of(elder), today)
    if day is not None:  # the morning round created it (the usual case), or an earlier message today
        return day
    values = {"elder_id": elder.id, "village_id": elder.village_id, "day": today, "status": PENDING,
              "stage": PROMPTED, "deadline_at": at_local(today, enrolment.deadline_minute, tz),
              "family_told": False, "created_at": as_utc(now)}
    insert_ignore(session, CheckinDay, values)  # race-safe: the round may create it at the same moment
    day = day_of(session, id_of(elder), today)
    assert day is not None  # inserted above, or already there
    return day


def record_checkin(session: Session, elder: User, *, now: datetime, tz: ZoneInfo) -> tuple[str, CheckinDay | None]:
    """The elder said something today: 'new' (recorded now), 'already', or 'not_enrolled' (or paused)."""
    enrolment = enrolment_of(session, elder)
    if enrolment is None or enrolment.status != ACTIVE:
        return "not_enrolled", None
    day = open_day(session, elder, enrolment, now=now, tz=tz)
    if day.status != PENDING:
        return "already", day
    day.status = ON_TIME if as_utc(now) <= day.deadline_at else LATE
    day.checked_in_at, day.resolved_by_id, day.next_step_at = as_utc(now), elder.id, None
    session.add(day)
    session.flush()
    return "new", day
