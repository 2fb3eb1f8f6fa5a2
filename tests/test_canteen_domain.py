"""The canteen's own cutoff, in models/ with an explicit clock (test_canteen.py goes through the chat).

docs/events.md: "Cutoff for lunch `canteen.order_cutoff` (09:30) also ends cancelling". Which side of
09:30:00 itself belongs to is not written down, so only the seconds either side are pinned here.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.db import make_engine
from models.canteen import canteen
from models.people.users import User, Village

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)
RULES = canteen.Rules()


def at(hh: int, mm: int, ss: int) -> datetime:
    return datetime.combine(DAY, time(hh, mm, ss), tzinfo=SH)


@pytest.fixture
def session(db_url):
    engine = make_engine(db_url)
    with Session(engine) as session:
        village = Village(code="v1", name="一村", created_at=at(7, 0, 0))
        session.add(village)
        session.flush()
        session.add(User(openid="eater", name="王奶奶", roles=",elder,", village_id=village.id,
                         created_at=at(7, 0, 0), updated_at=at(7, 0, 0)))
        session.flush()
        canteen.post_menu(session, village.id, DAY, canteen.LUNCH, ["红烧肉", "青菜"], by=None, now=at(7, 0, 0))
        yield session
    engine.dispose()


def eater(session) -> User:
    return session.exec(select(User).where(User.openid == "eater")).one()


def order(session, now: datetime) -> canteen.OrderResult:
    person = eater(session)
    return canteen.place_order(session, person, booked_by=person, day=DAY, meal=canteen.LUNCH, portions=1,
                               delivery=False, rules=RULES, now=now, tz=SH)


def test_lunch_can_be_ordered_until_the_cutoff_and_not_after(session):
    assert order(session, at(9, 29, 59)).outcome == "ordered"
    assert order(session, at(9, 30, 1)).outcome == "closed"
    assert canteen.order_of(session, eater(session), DAY, canteen.LUNCH).updated_at == at(9, 29, 59)


def test_cancelling_stops_at_the_same_cutoff(session):
    placed = order(session, at(9, 0, 0)).order
    assert canteen.cancel_order(session, placed, by=eater(session), rules=RULES, now=at(9, 30, 1),
                                tz=SH).outcome == "closed"
    assert canteen.cancel_order(session, placed, by=eater(session), rules=RULES, now=at(9, 29, 59),
                                tz=SH).outcome == "cancelled"


def test_the_menu_offers_the_meal_until_the_cutoff_and_not_after(session):
    village_id = eater(session).village_id
    assert canteen.open_meals(session, village_id, RULES, now=at(9, 29, 59), tz=SH)[0] == (DAY, canteen.LUNCH)
    assert (DAY, canteen.LUNCH) not in canteen.open_meals(session, village_id, RULES, now=at(9, 30, 1), tz=SH)
