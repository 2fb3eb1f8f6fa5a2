"""What families and coordinators are told about check-ins: the daily good news, the week, the village rate."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.base import as_utc, id_of, row_of, table_of
from models.checkin import rules as ck
from models.core.notify import Notice
from models.core.outbox import LOW
from models.help.alarms import family_of
from models.people.membership import is_offline
from models.people.users import User, Village

# Days the elder was greeted (the rate's denominator): paused and unsubscribed days are not counted.
GREETED = (ck.ON_TIME, ck.LATE, ck.CONFIRMED, ck.INCIDENT, ck.MISSED, ck.PENDING)


def family_daily(session: Session, *, now: datetime, tz: ZoneInfo) -> list[Notice]:
    """Today's "已报平安" to family who opted in, once per day (the day is marked told)."""
    today = ck.local_day(now, tz)
    query = (select(ck.CheckinDay, ck.CheckinEnrolment)
             .join(ck.CheckinEnrolment, col(ck.CheckinEnrolment.elder_id) == ck.CheckinDay.elder_id)
             .where(ck.CheckinDay.day == today, col(ck.CheckinDay.status).in_(ck.SAFE),
                    ck.CheckinDay.family_told == sa.false()))
    notices = []
    for day, enrolment in session.exec(query):
        wanted = set(enrolment.daily_family_ids or ())
        elder = row_of(session, User, day.elder_id)
        for member in family_of(session, elder):
            if member.id in wanted and member.subscribed and not is_offline(member):
                notices.append(_daily(day, elder, member, tz))
        day.family_told = True
        session.add(day)
    return notices


def _daily(day: ck.CheckinDay, elder: User, member: User, tz: ZoneInfo) -> Notice:
    at = as_utc(day.checked_in_at).astimezone(tz).strftime("%H:%M") if day.checked_in_at else ""
    key = "checkin_daily_confirmed" if day.status == ck.CONFIRMED else "checkin_daily_ok"
    return Notice(member.openid, "checkin_daily", f"checkin:daily:{day.elder_id}:{day.day}:{member.id}", key,
                  {"name": elder.name, "time": at}, LOW)


def week_of(session: Session, elder_id: int, last_day: date) -> Counter:
    """Outcomes of the seven days ending on `last_day`."""
    query = select(ck.CheckinDay.status).where(ck.CheckinDay.elder_id == elder_id,
                                               ck.CheckinDay.day > last_day - timedelta(days=7),
                                               ck.CheckinDay.day <= last_day)
    return Counter(session.exec(query))


def weekly(session: Session, *, now: datetime, tz: ZoneInfo) -> list[Notice]:
    """Each family member of an enrolled elder gets last week's outcomes (the seven days before today)."""
    last_day = ck.local_day(now, tz) - timedelta(days=1)
    query = select(ck.CheckinEnrolment).where(ck.CheckinEnrolment.status != ck.CLOSED)
    notices = []
    for enrolment in session.exec(query.order_by(col(ck.CheckinEnrolment.elder_id))):
        elder = session.get(User, enrolment.elder_id)
        assert elder is not None
        counts = week_of(session, id_of(elder), last_day)
        params = {"name": elder.name, "ok": counts[ck.ON_TIME], "late": counts[ck.LATE],
                  "confirmed": counts[ck.CONFIRMED], "missed": counts[ck.MISSED] + counts[ck.INCIDENT],
                  "paused": counts[ck.DAY_PAUSED] + counts[ck.UNSUBSCRIBED], "days": sum(counts.values())}
        for member in family_of(session, elder):
            if member.subscribed and not is_offline(member):
                notices.append(Notice(member.openid, "checkin_weekly",
                                      f"checkin:weekly:{elder.id}:{last_day}:{member.id}", "checkin_weekly", params,
                                      LOW))
    return notices


@dataclass(frozen=True)
class VillageRate:
    """One village's check-ins today and over the last seven days."""

    village: str
    enrolled: int
    today: Counter
    week: Counter

    @property
    def week_rate(self) -> int | None:
        greeted = sum(self.week[s] for s in GREETED)
        return round(100 * (self.week[ck.ON_TIME] + self.week[ck.LATE]) / greeted) if greeted else None


def village_rates(session: Session, village_ids: list[int] | None, *, now: datetime, tz: ZoneInfo) -> list[VillageRate]:
    """Check-in figures per village (all villages when `village_ids` is None)."""
    today = ck.local_day(now, tz)
    d = table_of(ck.CheckinDay).c
    rows = session.execute(sa.select(d.village_id, d.day, d.status, sa.func.count()).where(
        d.day > today - timedelta(days=7), d.day <= today).group_by(d.village_id, d.day, d.status)).all()
    enrolled = _enrolled_per_village(session)
    villages = session.exec(select(Village).order_by(col(Village.id))).all()
    result = []
    for village in villages:
        if village_ids is not None and village.id not in village_ids:
            continue
        mine = [r for r in rows if r[0] == village.id]
        week: Counter[str] = Counter()
        for _, _, status, count in mine:
            week[status] += count
        todays = Counter({status: count for _, day, status, count in mine if day == today})
        result.append(VillageRate(village.name, enrolled.get(id_of(village), 0), todays, week))
    return result


def _enrolled_per_village(session: Session) -> dict[int, int]:
    e, u = table_of(ck.CheckinEnrolment).c, table_of(User).c
    rows = session.execute(sa.select(u.village_id, sa.func.count()).select_from(
        table_of(ck.CheckinEnrolment).join(table_of(User), u.id == e.elder_id))
        .where(e.status != ck.CLOSED).group_by(u.village_id))
    return {village_id: count for village_id, count in rows}


def seed_checkin(session: Session, village: Village, *, now: datetime) -> None:
    """Demo: 赵桂兰 (demo-elder-3, lives alone) is enrolled at the default times by the coordinator."""
    elder = session.exec(select(User).where(User.openid == "demo-elder-3")).first()
    admin = session.exec(select(User).where(User.openid == "demo-admin")).first()
    if elder is None or admin is None or ck.enrolment_of(session, elder) is not None:
        return
    enrolment, _ = ck.enrol(session, elder, admin, now=now, rules=ck.CheckinRules())
    ck.set_call_name(session, enrolment, "赵奶奶", now=now)
