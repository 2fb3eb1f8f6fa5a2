"""The morning round and the escalation scan, set-based: 50,000 elders are a few statements, not 50,000.

`plan_round` creates today's record for every enrolled elder whose greeting time has come (pending
and prompted; or paused; or unsubscribed) and returns the greetings to send. `advance_silent_days` moves silent
days along the chain. Both are idempotent: a day row exists once per elder and day (unique), and
every notice has a key derived from the elder and the day.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from models.base import as_utc, row_of, rowcount, table_of, utc_from_db
from models.checkin import alarm
from models.checkin import rules as ck
from models.core.notify import Notice
from models.core.outbox import NORMAL
from models.help import dispatch
from models.help.coordination import coordinators_for
from models.people.membership import OFFLINE_PREFIX
from models.people.users import User

CHUNK = 1000
E, D, U = table_of(ck.CheckinEnrolment).c, table_of(ck.CheckinDay).c, table_of(User).c


@dataclass
class Round:
    """What one run of the round did."""

    prompts: list[Notice] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    paused: int = 0
    unsubscribed: int = 0
    resumed: int = 0
    missed: int = 0


def chunks(items: list, size: int = CHUNK):
    """Slices of a list, so statements stay under the drivers' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def plan_round(session: Session, *, now: datetime, tz: ZoneInfo, rules: ck.CheckinRules) -> Round:
    """Create today's records for elders whose greeting time has come; return the greetings to send."""
    today, minute, now = ck.local_day(now, tz), ck.local_minute(now, tz), as_utc(now)
    result = Round(missed=close_stale(session, today=today), resumed=_resume_due(session, today))
    rows = _due(session, today, minute)
    values = [_day_values(row, today, now, tz, rules) for row in rows]
    created = _insert_days(session, values)
    by_elder = {row.elder_id: row for row in rows}
    for value in values:
        if value["elder_id"] not in created:
            continue
        row = by_elder[value["elder_id"]]
        if value["status"] == ck.PENDING:
            result.prompts.append(prompt_notice(row.elder_id, row.openid, row.call_name or row.name, today, "first"))
        elif value["status"] == ck.DAY_PAUSED:
            result.paused += 1
        else:
            result.unsubscribed += 1
    result.notices = _unsubscribed_notices(session, [v for v in values if v["status"] == ck.UNSUBSCRIBED
                                                     and v["elder_id"] in created], today)
    _refresh(session)
    return result


def _refresh(session: Session) -> None:
    """Bulk statements bypass the ORM: objects this session already holds must be read again."""
    session.flush()
    session.expire_all()


def prompt_notice(elder_id: int, openid: str, name: str, day: date, which: str) -> Notice:
    """The morning greeting ('first') or the one at the deadline ('second')."""
    key = "checkin_prompt" if which == "first" else "checkin_second_prompt"
    return Notice(openid, "checkin_prompt", f"checkin:{which}:{elder_id}:{day.isoformat()}", key,
                  {"name": name}, NORMAL)


def close_stale(session: Session, *, today: date) -> int:
    """Days of earlier dates nobody resolved are recorded as missed."""
    table = table_of(ck.CheckinDay)
    result = session.execute(sa.update(table).where(D.status == ck.PENDING, D.day < today)
                             .values(status=ck.MISSED, next_step_at=None))
    return rowcount(result) or 0


def _resume_due(session: Session, today: date) -> int:
    table = table_of(ck.CheckinEnrolment)
    result = session.execute(sa.update(table).where(E.status == ck.PAUSED, E.paused_until <= today)
                             .values(status=ck.ACTIVE, paused_until=None))
    return rowcount(result) or 0


def _due(session: Session, today: date, minute: int) -> list:
    """Enrolled elders inside their greeting window today who have no record for today yet."""
    exists = sa.exists().where(D.elder_id == E.elder_id, D.day == today)
    query = (sa.select(E.elder_id, E.status, E.deadline_minute, E.call_name, U.openid, U.name, U.village_id,
                       U.subscribed)
             .select_from(table_of(ck.CheckinEnrolment).join(table_of(User), U.id == E.elder_id))
             .where(E.status.in_((ck.ACTIVE, ck.PAUSED)), E.prompt_minute <= minute, E.deadline_minute > minute,
                    ~exists))
    return list(session.execute(query).all())


def _day_values(row, today: date, now: datetime, tz: ZoneInfo, rules: ck.CheckinRules) -> dict:
    deadline = ck.at_local(today, row.deadline_minute, tz)
    status = ck.PENDING
    if row.status == ck.PAUSED:
        status = ck.DAY_PAUSED
    elif not row.subscribed or row.openid.startswith(OFFLINE_PREFIX):
        status = ck.UNSUBSCRIBED
    pending = status == ck.PENDING
    return {"elder_id": row.elder_id, "village_id": row.village_id, "day": today, "status": status,
            "stage": ck.PROMPTED, "deadline_at": deadline, "family_told": False, "created_at": now,
            "prompted_at": now if pending else None,
            "next_step_at": deadline + rules.second_prompt_after if pending else None}


def _insert_days(session: Session, values: list[dict]) -> set[int]:
    """Insert-or-ignore in chunks; the elders whose row this call created (a concurrent run creates none)."""
    if not values:
        return set()
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(table_of(ck.CheckinDay)).on_conflict_do_nothing().returning(D.elder_id)
    return set(session.connection().execute(stmt, values).scalars())  # executemany, batched by SQLAlchemy


def _unsubscribed_notices(session: Session, values: list[dict], today: date) -> list[Notice]:
    """Coordinators hear once per streak that an enrolled elder no longer follows the account."""
    if not values:
        return []
    ids = [v["elder_id"] for v in values]
    before = set(session.execute(sa.select(D.elder_id).where(
        D.elder_id.in_(ids), D.day == today - timedelta(days=1), D.status == ck.UNSUBSCRIBED)).scalars())
    notices = []
    for elder_id in ids:
        if elder_id in before:
            continue
        elder = row_of(session, User, elder_id)
        notices += [Notice(a.openid, "checkin_unsubscribed", f"checkin:unsub:{elder_id}:{today}:{a.id}",
                           "checkin_unsubscribed", {"name": elder.name, "number": elder.id})
                    for a in coordinators_for(session, elder)]
    return notices


def advance_silent_days(session: Session, *, now: datetime, rules: ck.CheckinRules, drules: dispatch.DispatchRules,
             task_details: str) -> list[Notice]:
    """Move every silent day whose time came: second prompt, then family and a volunteer, then coordinators.

    Run it on a session of its own (as the job does): it empties the session as it goes.
    """
    now = as_utc(now)
    notices = _second_prompts(session, now, rules)
    pool = dispatch.CandidatePool()  # volunteers are loaded once per village for the whole scan
    for days in _due_batches(session, now, ck.REMINDED):
        notices += alarm.ask_family_and_volunteers(session, days, rules, drules, now=now, task_details=task_details,
                                                   pool=pool)
        for day in days:
            day.stage, day.next_step_at = ck.FAMILY_ASKED, day.deadline_at + rules.coordinator_after
            session.add(day)
    for days in _due_batches(session, now, ck.FAMILY_ASKED):
        notices += alarm.tell_coordinators_of(session, days, now=now)
        for day in days:
            day.stage, day.next_step_at = ck.COORDINATOR_TOLD, None
            session.add(day)
    return notices


def _due_batches(session: Session, now: datetime, stage: int, batch: int = 250):
    """Due days of one stage, a batch at a time (one select each); the session is emptied between batches.

    Every query autoflushes, and deciding what to flush walks the whole identity map: with thousands
    of elders silent at once, keeping them all loaded made the scan quadratic.
    """
    query = sa.select(D.id).where(D.status == ck.PENDING, D.next_step_at <= now, D.stage == stage).order_by(D.id)
    ids = list(session.execute(query).scalars())
    for part in chunks(ids, batch):
        yield list(session.exec(select(ck.CheckinDay).where(col(ck.CheckinDay.id).in_(part))
                                .order_by(col(ck.CheckinDay.id))))
        _refresh(session)
        session.expunge_all()


def _second_prompts(session: Session, now: datetime, rules: ck.CheckinRules) -> list[Notice]:
    """Stage 0 → 1 for every due day at once (at the deadline this can be thousands of elders)."""
    query = (sa.select(D.id, D.elder_id, D.day, D.deadline_at, E.call_name, U.openid, U.name)
             .select_from(table_of(ck.CheckinDay).join(table_of(User), U.id == D.elder_id)
                          .join(table_of(ck.CheckinEnrolment), E.elder_id == D.elder_id))
             .where(D.status == ck.PENDING, D.next_step_at <= now, D.stage == ck.PROMPTED))
    rows = session.execute(query).all()
    groups: dict[datetime, list[int]] = defaultdict(list)
    for row in rows:
        groups[utc_from_db(row.deadline_at)].append(row.id)
    table = table_of(ck.CheckinDay)
    for deadline, ids in groups.items():
        for part in chunks(ids):
            session.execute(sa.update(table).where(D.id.in_(part), D.stage == ck.PROMPTED)
                            .values(stage=ck.REMINDED, next_step_at=deadline + rules.family_after))
    _refresh(session)
    return [prompt_notice(r.elder_id, r.openid, r.call_name or r.name, r.day, "second") for r in rows]
