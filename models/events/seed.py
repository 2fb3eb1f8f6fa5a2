"""Demo data for events and the canteen: upcoming events, a training course, a week of lunch menus."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlmodel import Session, select

from models.base import as_utc
from models.canteen.canteen import seed_canteen
from models.events.events import Event, NewEvent, create_event

# The demo village runs on China time (no daylight saving), so a fixed offset is exact here.
DEMO_TZ = timezone(timedelta(hours=8))
DEMO_EVENTS = [  # (days ahead, hour, kind, title, place, capacity, qualification, valid days)
    (2, 9, "lecture", "冬季防跌倒健康讲座", "村委会二楼会议室", 30, "", None),
    (4, 14, "training", "助餐送餐志愿者培训", "幸福食堂", 12, "meal", 365),
    (6, 8, "clinic", "镇卫生院义诊（量血压、测血糖）", "村卫生室", 40, "", None),
    (9, 15, "activity", "重阳茶话会", "文化广场", 50, "", None),
]


def seed_events(session: Session, village, *, now: datetime) -> None:
    """Demo data: upcoming events, a training course, and a week of canteen menus (idempotent)."""
    today = as_utc(now).astimezone(DEMO_TZ).date()
    for days, hour, kind, title, place, capacity, qualification, valid_days in DEMO_EVENTS:
        exists = session.exec(select(Event).where(Event.village_id == village.id, Event.title == title,
                                                  Event.starts_at > as_utc(now))).first()
        if exists is not None:
            continue
        start = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=DEMO_TZ)
        deadline = datetime.combine(start.date() - timedelta(days=1), time(20), tzinfo=DEMO_TZ)
        create_event(session, NewEvent(village.id, kind, title, place, start, capacity, deadline,
                                       qualification=qualification, valid_days=valid_days), creator=None, now=now)
    seed_canteen(session, village, now=now, today=today)
