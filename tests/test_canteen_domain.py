"""The canteen's cutoff in models/, with an explicit clock: one boundary for every caller.

At 09:29:59 a 09:30 meal can be ordered and cancelled, at 09:30:00 it cannot, whether the elder lists the
open meals, orders, changes an order, cancels, or starts ordering in the chat."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from app.db import make_engine, session_scope
from models.canteen import canteen as cn
from models.people.users import User, Village

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)
CUTOFF = datetime(2026, 12, 1, 9, 30, tzinfo=SH)
JUST_BEFORE, AT = CUTOFF - timedelta(seconds=1), CUTOFF
RULES = cn.CanteenRules()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def elder(engine) -> int:
    """A villager and today's lunch menu; returns the villager's id."""
    early = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        village = Village(code="v1", name="一村", created_at=early)
        session.add(village)
        session.flush()
        user = User(openid="e1", name="王秀英", roles=",elder,", village_id=village.id, created_at=early,
                    updated_at=early)
        session.add(user)
        cn.post_menu(session, village.id, DAY, cn.LUNCH, ["米饭"], by=None, now=early)
        session.flush()
        return user.id


def _order(session: Session, user: User, now: datetime, portions: int = 1) -> cn.OrderResult:
    return cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.LUNCH, portions=portions, delivery=False,
                          rules=RULES, now=now, tz=SH)


def test_the_rule_itself_closes_at_the_cutoff_to_the_second():
    assert cn.can_change(RULES, DAY, cn.LUNCH, now=JUST_BEFORE, tz=SH)
    assert not cn.can_change(RULES, DAY, cn.LUNCH, now=AT, tz=SH)
    assert not cn.can_change(RULES, DAY, cn.LUNCH, now=AT.astimezone(UTC), tz=SH)  # any zone, same moment


def test_open_meals_lists_lunch_until_0929_59_and_not_at_0930(engine, elder):
    with Session(engine) as session:
        village_id = session.get(User, elder).village_id
        assert (DAY, cn.LUNCH) in cn.open_meals(session, village_id, RULES, now=JUST_BEFORE, tz=SH)
        assert (DAY, cn.LUNCH) not in cn.open_meals(session, village_id, RULES, now=AT, tz=SH)


def test_an_order_is_taken_at_0929_59_and_refused_at_0930(engine, elder):
    with session_scope(engine) as session:
        user = session.get(User, elder)
        assert _order(session, user, JUST_BEFORE).outcome == "ordered"
        assert _order(session, user, AT, portions=3).outcome == "closed"  # nor may it be changed
        assert cn.order_of(session, user, DAY, cn.LUNCH).portions == 1


def test_a_first_order_at_exactly_0930_is_refused(engine, elder):
    with session_scope(engine) as session:
        user = session.get(User, elder)
        assert _order(session, user, AT).outcome == "closed"
        assert cn.order_of(session, user, DAY, cn.LUNCH) is None


def test_cancelling_works_at_0929_59_and_not_at_0930(engine, elder):
    with session_scope(engine) as session:
        user = session.get(User, elder)
        order = _order(session, user, JUST_BEFORE - timedelta(minutes=5)).order
        assert cn.cancel_order(session, order, by=user, rules=RULES, now=AT, tz=SH).outcome == "closed"
        assert order.status == cn.ORDERED
        assert cn.cancel_order(session, order, by=user, rules=RULES, now=JUST_BEFORE, tz=SH).outcome == "cancelled"


def test_the_configured_cutoffs_are_parsed_in_the_domain():
    rules = cn.canteen_rules({"canteen": {"order_cutoff": "08:00", "meal_times": ["lunch", "dinner"],
                                          "dinner_cutoff": "14:45", "price_yuan": 12, "subsidy_yuan": 7.5}})
    assert rules.cutoffs == ((cn.LUNCH, time(8, 0)), (cn.DINNER, time(14, 45)))
    assert (rules.price_fen, rules.subsidy_fen, rules.pay_fen) == (1200, 750, 450)
    assert cn.canteen_rules({}).meals == (cn.LUNCH,)
