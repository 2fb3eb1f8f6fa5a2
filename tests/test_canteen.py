"""The mutual-aid canteen through the real webhook: menu, orders with a cutoff and subsidy, two portions,
cancelling, the kitchen's count, and delivery becoming a help request of category meal."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from models.canteen import canteen as cn
from models.core.outbox import OutboxMessage
from models.help.requests import HelpRequest
from models.people.users import User
from tests.conftest import ManualClock
from tests.fakes import pushes
from tests.fakes.dialogue import build_bot
from tests.test_dialogue import converse

ELDER, ELDER2, ELDER3, FAMILY, ADMIN = "demo-elder-1", "demo-elder-2", "demo-elder-3", "demo-family-1", "demo-admin"
TODAY, TOMORROW = date(2026, 12, 1), date(2026, 12, 2)


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))  # 08:30 in Shanghai


def _bot(make_app, signer, clock, **settings):
    return build_bot(make_app, signer, clock, **settings)


@pytest.fixture
def bot(make_app, signer, clock):
    return _bot(make_app, signer, clock)


def _orders(bot) -> list[tuple[str, date, int, str, int, bool]]:
    with Session(bot.rt.engine) as session:
        rows = session.exec(select(cn.MealOrder, User).join(User, User.id == cn.MealOrder.user_id)
                            .order_by(cn.MealOrder.id))
        return [(u.openid, o.day, o.portions, o.status, o.total_fen, o.delivery) for o, u in rows]


def test_todays_menu_and_the_price_after_subsidy(bot):
    converse(bot, ELDER, [("今天吃什么", ["12月1日(周二)午饭：红烧肉、炒青菜、米饭", "每份10元，补贴6元，您付4元",
                                         "09:30前订"])])


def test_the_coordinator_posts_a_menu_and_plain_menu_stays_the_main_menu(bot):
    converse(bot, ADMIN, [("菜单 明天 红烧肉 青菜 米饭", "已发布12月2日(周三)午饭菜单：红烧肉、青菜、米饭"),
                          ("菜单", "1 找人帮忙")])
    converse(bot, ELDER, [("明天吃什么", "12月2日(周三)午饭：红烧肉、青菜、米饭"),
                          ("菜单 明天 鱼", "不能用这个功能"), ("菜单", "3 最近活动")])


def test_tomorrow_noon_count_me_in_and_the_kitchen_count(bot):
    converse(bot, ELDER, [("明天中午算我一份", ["12月2日(周三)午饭 1份", "来食堂吃", "共4元", "回复1确认"]),
                          ("1", ["订好了", "共4元", "09:30前"])])
    converse(bot, ELDER2, [("明天中午我们老两口两份", ["2份", "共8元"]), ("1", "订好了")])
    assert _orders(bot) == [(ELDER, TOMORROW, 1, "ordered", 400, False), (ELDER2, TOMORROW, 2, "ordered", 800, False)]
    converse(bot, ADMIN, [("订餐人数 明天", ["12月2日(周三)午饭订餐：共3份，2人", "1. 王秀英 1份", "2. 李德福 2份"]),
                          ("订餐人数 今天", "共0份")])
    converse(bot, ELDER, [("订餐人数 明天", "不能用这个功能")])


def test_ordering_and_cancelling_stop_at_the_cutoff(bot, clock):
    converse(bot, ELDER, [("订餐", "12月1日(周二)午饭 1份"), ("1", "订好了")])
    clock.advance(minutes=61)  # 09:31
    converse(bot, ELDER, [("取消订餐", "要取消：12月1日(周二)午饭"), ("1", "09:30已截止")])
    converse(bot, ELDER2, [("今天中午算我一份", "09:30已经截止"), ("订餐", "12月2日(周三)午饭")])
    assert _orders(bot)[0][3] == "ordered"


def test_the_chat_closes_at_0930_00_even_mid_order(bot, clock):
    clock.advance(minutes=59, seconds=59)  # 09:29:59: the question is asked, the answer comes at 09:30:00
    converse(bot, ELDER, [("今天中午算我一份", "回复1确认")])
    clock.advance(seconds=1)
    converse(bot, ELDER, [("1", "09:30已经截止")])
    converse(bot, ELDER2, [("今天中午算我一份", "09:30已经截止")])
    assert _orders(bot) == []


def test_cancelling_before_the_cutoff(bot):
    converse(bot, ELDER, [("明天中午算我一份", "回复1确认"), ("1", "订好了"), ("取消订餐", "要取消"),
                          ("1", "已取消"), ("取消订餐", "没有订餐")])
    assert _orders(bot)[0][3] == "cancelled"


def test_the_cutoff_is_configurable(make_app, signer, clock):
    bot = _bot(make_app, signer, clock, canteen__order_cutoff="08:00")
    converse(bot, ELDER, [("订餐", "12月2日(周三)午饭")])


def test_a_family_member_orders_for_their_elder(bot):
    converse(bot, FAMILY, [("给我妈订餐", ["给王秀英", "共4元"]), ("1", "订好了")])
    assert _orders(bot)[0][0] == ELDER


def test_delivery_becomes_a_meal_help_request_for_volunteers(bot):
    converse(bot, ELDER3, [("明天中午订餐，送到家", ["送到家", "共4元"]), ("1", ["订好了", "送饭到家"])])
    assert _orders(bot)[0][5] is True
    with Session(bot.rt.engine) as session:
        order = session.exec(select(cn.MealOrder)).one()
        request = session.get(HelpRequest, order.help_request_id)
        assert (request.category, request.status) == ("meal", "open")
        assert request.elder_id == session.exec(select(User).where(User.openid == ELDER3)).one().id
    converse(bot, ADMIN, [("订餐人数 明天", ["送餐1份", "赵桂兰 1份 送到家"])])
    converse(bot, ELDER3, [("取消订餐", "要取消"), ("1", "已取消")])
    with Session(bot.rt.engine) as session:
        assert session.exec(select(HelpRequest)).one().status == "cancelled"


def test_changing_the_order_asks_only_the_field_named(bot):
    converse(bot, ELDER, [("订餐", "回复2修改"), ("2", ["要改哪一项", "1 哪一顿", "2 份数", "3 送餐还是自取"]),
                          ("2", "订几份"), ("3", ["12月1日(周二)午饭 3份", "来食堂吃", "共12元"]),
                          ("改时间", "订哪一顿"), ("2", "12月2日(周三)午饭 3份"), ("1", "订好了")])
    assert _orders(bot) == [(ELDER, TOMORROW, 3, "ordered", 1200, False)]


def test_the_one_word_canteen_shows_the_menus_and_the_price(bot):
    reply = bot(pushes.text(ELDER, "食堂"))
    assert "午饭：红烧肉、炒青菜、米饭" in reply and "您付4元" in reply and "订餐" in reply


def test_cancelling_a_delivery_a_volunteer_already_took_tells_the_volunteer(bot):
    converse(bot, ELDER3, [("明天中午订餐，送到家", "送到家"), ("1", "订好了")])
    with Session(bot.rt.engine) as session:
        number = session.exec(select(HelpRequest)).one().id
    converse(bot, "demo-volunteer-2", [(f"接单 {number}", "接单成功")])
    converse(bot, ELDER3, [("取消订餐", "要取消"), ("1", "已取消")])
    with Session(bot.rt.engine) as session:
        assert session.get(HelpRequest, number).status == "cancelled"
        told = session.exec(select(OutboxMessage).where(OutboxMessage.openid == "demo-volunteer-2",
                                                        OutboxMessage.kind == "help_cancelled_volunteer")).all()
    assert len(told) == 1 and "不用去了" in told[0].text
