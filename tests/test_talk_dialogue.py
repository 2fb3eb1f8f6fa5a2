"""A conversation that follows the person (issue 18): switching topic mid-form, changing one field,
取消 right after, a second sign-up, menus by role, out-of-scope questions. Through the signed webhook."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.canteen.canteen import MealOrder
from models.events import events as ev
from tests.fakes.dialogue import build_bot, converse

ELDER, ELDER2, FAMILY, VOLUNTEER = "demo-elder-1", "demo-elder-2", "demo-family-1", "demo-volunteer-1"
ADMIN = "demo-admin"


@pytest.fixture
def bot(make_app, signer, clock):
    return build_bot(make_app, signer, clock)


def _signups(bot) -> list[tuple[int, str, int]]:
    with Session(bot.rt.engine) as session:
        return [(s.event_id, s.status, s.party_size) for s in session.exec(select(ev.EventSignup))]


def _orders(bot) -> list[str]:
    with Session(bot.rt.engine) as session:
        return [o.status for o in session.exec(select(MealOrder))]


def test_a_meal_order_in_the_middle_of_a_signup_switches_topic_and_the_signup_is_offered_back(bot):
    converse(bot, ELDER, [
        ("报名 1", "一个人"),
        ("订餐", ["午饭", "回复1确认"]),  # not "请回复1或2" again
        ("1", ["订好了", "刚才的“活动报名”还没办完，要继续吗"]),
        ("继续", ["接着办“活动报名”", "一个人"]),
        ("1", ["冬季防跌倒健康讲座", "回复1确认"]),
        ("1", "报名成功"),
    ])
    assert _orders(bot) == ["ordered"] and _signups(bot) == [(1, "confirmed", 1)]


def test_asking_what_is_on_while_a_party_size_is_pending_lists_events_and_offers_back_once(bot):
    replies = converse(bot, ELDER, [
        ("报名 1", "一个人"),
        ("最近有什么活动", ["1. 【健康讲座】", "刚才的“活动报名”还没办完"]),
        ("你好", "您好"),  # anything but 继续 lets the old form go
        ("菜单", "1 找人帮忙"),
    ])
    assert "还没办完" not in replies[-1] and _signups(bot) == []


def test_an_answer_that_fits_the_question_is_never_taken_for_a_new_topic(bot):
    converse(bot, ELDER, [("报名 1", "一个人"), ("两个人", ["共2人", "回复1确认"]), ("1", "报名成功")])
    assert _signups(bot) == [(1, "confirmed", 2)]


def test_change_at_the_read_back_asks_only_the_field_named(bot):
    converse(bot, ELDER, [
        ("报名 1", "一个人"), ("1", ["共1人", "回复1确认"]),
        ("改人数", ["重新说一下“人数”", "一个人"]),  # the event is kept
        ("2", ["冬季防跌倒健康讲座", "共2人"]),
        ("2", ["要改哪一项", "1 活动", "2 人数"]),
        ("2", "一个人"), ("1", "共1人"), ("1", "报名成功"),
    ])
    assert _signups(bot) == [(1, "confirmed", 1)]


def test_cancel_right_after_a_signup_cancels_that_one_after_asking(bot):
    converse(bot, ELDER, [
        ("报名 1", "一个人"), ("1", "回复1确认"), ("1", "报名成功"),
        ("取消", ["要取消您自己的报名", "冬季防跌倒健康讲座", "回复1确认取消"]),
        ("1", "已取消报名"),
    ])
    assert _signups(bot) == [(1, "cancelled", 1)]


def test_cancel_right_after_an_order_cancels_that_order_after_asking(bot):
    converse(bot, ELDER, [("订餐", "回复1确认"), ("1", "订好了"), ("取消", ["要取消", "午饭", "回复1确认取消"]),
                          ("1", "已取消")])
    assert _orders(bot) == ["cancelled"]


def test_cancel_long_after_an_order_does_not_undo_it(bot):
    converse(bot, ELDER, [("订餐", "回复1确认"), ("1", "订好了")])
    bot.clock.advance(minutes=30)
    converse(bot, ELDER, [("取消", "没有进行中")])
    assert _orders(bot) == ["ordered"]


def test_a_second_signup_says_already_signed_up(bot):
    converse(bot, ELDER, [("报名 1", "一个人"), ("1", "回复1确认"), ("1", "报名成功"),
                          ("报名 1", "已经报过这个活动")])


def test_the_menu_shows_what_each_role_can_do(bot):
    elder = converse(bot, ELDER, [("菜单", "1 找人帮忙")])[0]
    assert "我的任务" not in elder and "待派单" not in elder
    converse(bot, VOLUNTEER, [("菜单", ["1 找人帮忙", "我的任务", "接单 12", "完成 12"])])
    converse(bot, ADMIN, [("帮助", ["待派单", "派单 12 张三", "发布活动", "发广播"])])
    converse(bot, FAMILY, [("菜单", ["帮我妈订餐", "我的家人"])])


def test_out_of_scope_questions_get_a_kind_answer_and_the_menu(bot):
    for question in ("三加五等于几", "今天农历几号", "下期双色球开什么号", "明天降温吗"):
        converse(bot, ELDER2, [(question, ["不归我管", "1 找人帮忙", "人工"])])
        converse(bot, ELDER2, [("你好", "您好")])  # reset the two-misses counter


def test_my_tasks_lists_live_offers_and_a_taken_request_leaves_them(make_app, signer, clock, fake_wechat):
    from tests.fakes.dialogue import build_town
    from tests.test_help_flow import the_request

    world = build_town(make_app, signer, clock, fake_wechat)
    for openid in (ELDER, "demo-volunteer-1", "demo-volunteer-3", "demo-volunteer-5"):
        world(openid, "你好")
    assert "没有进行中的任务" in world(VOLUNTEER, "我的任务")
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    world(ELDER, "1")
    number = the_request(world.rt).id
    world.deliver()
    listed = world(VOLUNTEER, "我的任务")
    assert "等您回复的求助" in listed and f"#{number} 跑腿代办" in listed and f"接单 {number}" in listed
    assert "接单成功" in world("demo-volunteer-3", f"接单 {number}")
    world.deliver()
    assert "已经有人接了" in world.inbox(VOLUNTEER)[-1]  # the other offered volunteers are told
    assert "没有进行中的任务" in world(VOLUNTEER, "我的任务")
    mine = world("demo-volunteer-3", "我的任务")
    assert f"#{number}" in mine and "已接单" in mine and "等您回复" not in mine
