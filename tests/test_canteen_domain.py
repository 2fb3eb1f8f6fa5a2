"""The canteen's cutoff in models/, with an explicit clock: one boundary for every caller.

At 09:29:59 a 09:30 meal can be ordered and cancelled, at 09:30:00 it cannot, whether the elder lists the
open meals, orders, changes an order, cancels, or starts ordering in the chat."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from models.canteen import canteen as cn
from models.core.audit import AuditEntry
from models.help import requests as hr
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
        closed = cn.cancel_order(session, order, by=user, rules=RULES, now=AT, tz=SH)
        assert (closed.outcome, closed.order) == ("closed", order)
        assert order.status == cn.ORDERED
        assert cn.cancel_order(session, order, by=user, rules=RULES, now=JUST_BEFORE, tz=SH).outcome == "cancelled"


def test_the_configured_cutoffs_are_parsed_in_the_domain():
    rules = cn.canteen_rules({"canteen": {"order_cutoff": "08:00", "meal_times": ["lunch", "dinner"],
                                          "dinner_cutoff": "14:45", "price_yuan": 12, "subsidy_yuan": 7.5}})
    assert rules.cutoffs == ((cn.LUNCH, time(8, 0)), (cn.DINNER, time(14, 45)))
    assert (rules.price_fen, rules.subsidy_fen, rules.pay_fen) == (1200, 750, 450)
    assert cn.canteen_rules({}).meals == (cn.LUNCH,)
    defaults = cn.canteen_rules({"canteen": {"order_cutoff": "09:00"}})  # 10 yuan a meal, 6 of it subsidised
    assert (defaults.price_fen, defaults.subsidy_fen, defaults.pay_fen) == (1000, 600, 400)


# --- what the mutation run asked for (docs/testing.md "Mutation testing") ------------------------------

EARLY = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in the village


def _village_and_people(session: Session, *names: str) -> list[User]:
    village = session.exec(select(Village)).first()
    people = [User(openid=f"o-{name}", name=name, roles=",elder,", village_id=village.id, created_at=EARLY,
                   updated_at=EARLY) for name in names]
    session.add_all(people)
    session.flush()
    return people


def test_a_menu_posted_again_is_replaced_and_lunch_is_listed_before_dinner(engine, elder):
    with session_scope(engine) as session:
        village = session.get(User, elder).village_id
        poster = _village_and_people(session, "管理员")[0]
        cn.post_menu(session, village, DAY, cn.DINNER, ["面条"], by=poster, now=EARLY)
        cn.post_menu(session, village, DAY, cn.LUNCH, ["饺子", "汤"], by=poster, now=EARLY)
        other = Village(code="v2", name="二村", created_at=EARLY)
        session.add(other)
        session.flush()
        cn.post_menu(session, other.id, DAY, cn.LUNCH, ["别村的菜"], by=None, now=EARLY)
    with Session(engine) as session:
        menus = cn.menus_of_day(session, village, DAY)
        assert [(m.meal, m.dishes, m.posted_by_id) for m in menus] == [
            (cn.LUNCH, ["饺子", "汤"], poster.id), (cn.DINNER, ["面条"], poster.id)]
        assert cn.menus_of_day(session, village, DAY + timedelta(days=1)) == []
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "canteen.menu")
                               .order_by(AuditEntry.id)).all()
        assert [(e.actor, e.target, e.detail) for e in entries][-3:] == [
            ("o-管理员", f"{DAY}:dinner", {"dishes": ["面条"]}),
            ("o-管理员", f"{DAY}:lunch", {"dishes": ["饺子", "汤"]}),
            ("cli", f"{DAY}:lunch", {"dishes": ["别村的菜"]})]


def test_open_meals_are_the_next_three_days_with_a_menu_and_a_cutoff_ahead(engine, elder):
    rules = cn.canteen_rules({"canteen": {"meal_times": ["lunch", "dinner"]}})
    with session_scope(engine) as session:
        village = session.get(User, elder).village_id
        for offset in (1, 2, 3):
            cn.post_menu(session, village, DAY + timedelta(days=offset), cn.LUNCH, ["米饭"], by=None, now=EARLY)
        cn.post_menu(session, village, DAY, cn.DINNER, ["面条"], by=None, now=EARLY)
    with Session(engine) as session:
        assert cn.open_meals(session, village, rules, now=AT, tz=SH) == [
            (DAY, cn.DINNER), (DAY + timedelta(days=1), cn.LUNCH), (DAY + timedelta(days=2), cn.LUNCH)]
        assert cn.open_meals(session, None, rules, now=AT, tz=SH) == []
        past_midnight = datetime(2026, 12, 2, 0, 30, tzinfo=SH)  # still 1 December in UTC: the village's day counts
        assert cn.open_meals(session, village, rules, now=past_midnight, tz=SH) == [
            (DAY + timedelta(days=n), cn.LUNCH) for n in (1, 2, 3)]


def test_an_order_is_priced_after_the_subsidy_and_a_second_order_changes_it(engine, elder):
    rules = cn.CanteenRules(price_fen=1000, subsidy_fen=1200)  # a subsidy above the price: the meal is free
    with session_scope(engine) as session:
        user = session.get(User, elder)
        daughter = _village_and_people(session, "女儿")[0]
        first = cn.place_order(session, user, booked_by=daughter, day=DAY, meal=cn.LUNCH, portions=2, delivery=False,
                               rules=RULES, now=EARLY, tz=SH)
        order = first.order
        assert (first.outcome, order.user_id, order.booked_by_id, order.village_id, order.day, order.meal) == (
            "ordered", elder, daughter.id, user.village_id, DAY, cn.LUNCH)
        assert (order.unit_price_fen, order.subsidy_fen, order.total_fen) == (1000, 600, 800)
        changed = cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.LUNCH, portions=3, delivery=False,
                                 rules=rules, now=EARLY, tz=SH)
        assert (changed.outcome, changed.order.id, changed.order.booked_by_id) == ("updated", order.id, elder)
        assert (order.portions, order.unit_price_fen, order.subsidy_fen, order.total_fen) == (3, 1000, 1000, 0)
        assert cn.cancel_order(session, order, by=user, rules=RULES, now=EARLY, tz=SH).outcome == "cancelled"
        again = _order(session, user, EARLY)
        assert (again.outcome, again.order.id, again.order.status, again.order.cancelled_at) == (
            "ordered", order.id, cn.ORDERED, None)
        entries = session.exec(select(AuditEntry).where(AuditEntry.action.startswith("canteen."))
                               .order_by(AuditEntry.id)).all()
        assert [(e.actor, e.action, e.target, e.detail) for e in entries][-4:] == [
            ("o-女儿", "canteen.order", f"order:{order.id}", {"portions": 2, "delivery": False}),
            ("e1", "canteen.order", f"order:{order.id}", {"portions": 3, "delivery": False}),
            ("e1", "canteen.cancel", f"order:{order.id}", None),
            ("e1", "canteen.order", f"order:{order.id}", {"portions": 1, "delivery": False})]


def test_no_order_without_a_menu_or_a_village_and_nothing_to_cancel_twice(engine, elder):
    with session_scope(engine) as session:
        user = session.get(User, elder)
        tomorrow = cn.place_order(session, user, booked_by=user, day=DAY + timedelta(days=1), meal=cn.LUNCH,
                                  portions=1, delivery=False, rules=RULES, now=EARLY, tz=SH)
        assert (tomorrow.outcome, tomorrow.order) == ("no_menu", None)
        drifter = User(openid="x", name="外来", roles=",elder,", created_at=EARLY, updated_at=EARLY)
        session.add(drifter)
        session.flush()
        assert _order(session, drifter, EARLY).outcome == "no_menu"
        order = _order(session, user, EARLY).order
        cn.cancel_order(session, order, by=user, rules=RULES, now=EARLY, tz=SH)
        again = cn.cancel_order(session, order, by=user, rules=RULES, now=EARLY, tz=SH)
        assert (again.outcome, again.order) == ("not_found", order)
        assert order.cancelled_at == EARLY


def test_my_orders_and_the_kitchen_list(engine, elder):
    """Standing orders from a day on, soonest first; the kitchen sees its village's meal, deliveries last."""
    with session_scope(engine) as session:
        user = session.get(User, elder)
        walker, carried, cancelled = _village_and_people(session, "李", "张", "赵")
        village = user.village_id
        cn.post_menu(session, village, DAY + timedelta(days=1), cn.LUNCH, ["米饭"], by=None, now=EARLY)
        cn.place_order(session, user, booked_by=user, day=DAY + timedelta(days=1), meal=cn.LUNCH, portions=2,
                       delivery=False, rules=RULES, now=EARLY, tz=SH)  # ordered first, eaten later
        for person, delivery in ((carried, True), (user, False), (walker, False), (cancelled, False)):
            cn.place_order(session, person, booked_by=person, day=DAY, meal=cn.LUNCH, portions=1, delivery=delivery,
                           rules=RULES, now=EARLY, tz=SH)
        cn.cancel_order(session, cn.order_of(session, cancelled, DAY, cn.LUNCH), by=cancelled, rules=RULES,
                        now=EARLY, tz=SH)
        ids = {"walker": walker.id, "carried": carried.id, "cancelled": cancelled.id}
    with Session(engine) as session:
        mine = cn.open_orders(session, [elder, ids["cancelled"]], since=DAY)
        assert [(o.user_id, o.day) for o in mine] == [(elder, DAY), (elder, DAY + timedelta(days=1))]
        assert [o.day for o in cn.open_orders(session, [elder], since=DAY + timedelta(days=1))] == [
            DAY + timedelta(days=1)]
        kitchen = cn.kitchen_list(session, session.get(User, elder).village_id, DAY, cn.LUNCH)
        assert [(o.user_id, u.id, o.delivery) for o, u in kitchen] == [
            (elder, elder, False), (ids["walker"], ids["walker"], False), (ids["carried"], ids["carried"], True)]
        assert cn.kitchen_list(session, 9999, DAY, cn.LUNCH) == []
        assert cn.kitchen_list(session, session.get(User, elder).village_id, DAY, cn.DINNER) == []


def test_a_delivery_asks_volunteers_once_for_the_serving_window_and_is_called_off_when_no_longer_wanted(engine, elder):
    with session_scope(engine) as session:
        user = session.get(User, elder)
        daughter = _village_and_people(session, "女儿")[0]
        order = cn.place_order(session, user, booked_by=daughter, day=DAY, meal=cn.LUNCH, portions=1, delivery=True,
                               rules=RULES, now=EARLY, tz=SH).order
        number = cn.request_meal_delivery(session, order, user, booked_by=daughter, details="送到家", now=EARLY, tz=SH)
        request = hr.get_request(session, number)
        assert (request.category, request.elder_id, request.requested_by_id, request.details) == (
            "meal", elder, daughter.id, "送到家")
        assert (request.window_start, request.window_end) == (datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
                                                              datetime(2026, 12, 1, 4, 30, tzinfo=UTC))
        assert order.help_request_id == number
        more = cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.LUNCH, portions=2, delivery=True,
                              rules=RULES, now=EARLY, tz=SH)
        assert more.notices == [] and hr.get_request(session, number).status in hr.ACTIVE  # still asked for
        later = EARLY + timedelta(minutes=5)
        assert cn.request_meal_delivery(session, order, user, booked_by=user, details="", now=later, tz=SH) == number
        helper = _village_and_people(session, "志愿者")[0]
        request.status, request.volunteer_id = hr.CLAIMED, helper.id
        session.add(request)
        session.flush()
        walking = cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.LUNCH, portions=2, delivery=False,
                                 rules=RULES, now=EARLY, tz=SH)
        assert [(n.openid, n.kind) for n in walking.notices] == [(helper.openid, "help_cancelled_volunteer")]
        assert hr.get_request(session, number).status == hr.CANCELLED
        carried = cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.LUNCH, portions=2, delivery=True,
                                 rules=RULES, now=EARLY + timedelta(minutes=1), tz=SH).order
        again = cn.request_meal_delivery(session, carried, user, booked_by=user, details="",
                                         now=EARLY + timedelta(minutes=1), tz=SH)
        assert again != number  # the called-off request does not come back; a new one asks


def test_cancelling_a_delivered_order_calls_the_delivery_off(engine, elder):
    with session_scope(engine) as session:
        user = session.get(User, elder)
        order = cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.LUNCH, portions=1, delivery=True,
                               rules=RULES, now=EARLY, tz=SH).order
        number = cn.request_meal_delivery(session, order, user, booked_by=user, details="", now=EARLY, tz=SH)
        helper = _village_and_people(session, "志愿者")[0]
        request = hr.get_request(session, number)
        request.status, request.volunteer_id = hr.CLAIMED, helper.id
        result = cn.cancel_order(session, order, by=user, rules=RULES, now=EARLY, tz=SH)
        assert [n.openid for n in result.notices] == [helper.openid] and result.order is order
        assert hr.get_request(session, number).status == hr.CANCELLED


def test_dinner_is_served_in_the_evening_and_an_unknown_meal_at_lunchtime():
    assert cn.serving_window(DAY, cn.DINNER, SH) == (datetime(2026, 12, 1, 17, 0, tzinfo=SH),
                                                     datetime(2026, 12, 1, 18, 30, tzinfo=SH))
    assert cn.serving_window(DAY, "brunch", SH) == cn.serving_window(DAY, cn.LUNCH, SH)


def test_the_demo_menus_are_a_week_of_lunches(engine, elder):
    with session_scope(engine) as session:
        village = session.get(User, elder).village_id
        cn.seed_canteen(session, session.get(Village, village), now=EARLY, today=DAY)
    with Session(engine) as session:
        week = [cn.menu_of(session, village, DAY + timedelta(days=n), cn.LUNCH) for n in range(8)]
        assert [m.dishes if m else None for m in week] == cn.DEMO_MENUS + [None]


def test_dinner_is_its_own_order_and_its_delivery_comes_in_the_evening(engine, elder):
    rules = cn.canteen_rules({"canteen": {"meal_times": ["lunch", "dinner"]}})
    with session_scope(engine) as session:
        user = session.get(User, elder)
        cn.post_menu(session, user.village_id, DAY, cn.DINNER, ["面条"], by=None, now=EARLY)
        dinner = cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.DINNER, portions=1, delivery=True,
                                rules=rules, now=EARLY, tz=SH).order
        lunch = cn.place_order(session, user, booked_by=user, day=DAY, meal=cn.LUNCH, portions=2, delivery=False,
                               rules=rules, now=EARLY, tz=SH)
        assert lunch.outcome == "ordered" and lunch.order.id != dinner.id
        assert (cn.order_of(session, user, DAY, cn.DINNER).portions, cn.order_of(session, user, DAY, cn.LUNCH).portions,
                dinner.meal) == (1, 2, cn.DINNER)
        assert [o.meal for o in cn.open_orders(session, [elder], since=DAY)] == [cn.LUNCH, cn.DINNER]
        number = cn.request_meal_delivery(session, dinner, user, booked_by=user, details="", now=EARLY, tz=SH)
        request = hr.get_request(session, number)
        assert (request.window_start, request.window_end) == (datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
                                                              datetime(2026, 12, 1, 10, 30, tzinfo=UTC))
