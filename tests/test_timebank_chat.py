"""The time bank in chat, through the signed webhook: gifts to family, donations, the statement, balances."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from models.people.users import User
from models.timebank import gifts, ledger, village_totals
from tests.fakes.dialogue import build_town

ELDER, SON, VOLUNTEER = "demo-elder-1", "demo-family-1", "demo-volunteer-1"


@pytest.fixture
def town(make_app, signer, clock, fake_wechat):
    say = build_town(make_app, signer, clock, fake_wechat)
    for openid in (ELDER, SON, VOLUNTEER):
        say(openid, "你好")
    return say


def person(session, openid) -> User:
    return session.exec(select(User).where(User.openid == openid)).one()


def give(town, openid, minutes, key="paper") -> None:
    with session_scope(town.rt.engine) as session:
        assert gifts.opening(session, person(session, openid), minutes, key=f"{key}:{openid}", now=town.clock())


def held(town, openid) -> int:
    with Session(town.rt.engine) as session:
        return ledger.balance(session, person(session, openid).id)


def test_a_son_gives_his_mother_an_hour_after_a_read_back_and_she_is_told(town):
    give(town, SON, 120)
    read_back = town(SON, "时间币转给 王秀英 60")
    assert "1小时时间币转给王秀英" in read_back and "您现在有2小时" in read_back and "回复1确认" in read_back
    assert held(town, SON) == 120  # nothing moves before the confirmation
    assert "已把1小时转给王秀英。您还剩1小时" in town(SON, "1")
    assert (held(town, SON), held(town, ELDER)) == (60, 60)
    town.deliver()
    assert "王建国转给您60分钟时间币" in town.inbox(ELDER)[-1]
    assert "王建国转入" in town(ELDER, "时间币明细")
    statement = town(SON, "时间币明细")
    assert "-60分钟 转给王秀英" in statement and "+120分钟 从纸质存折转入" in statement


def test_the_gift_asks_how_much_and_refuses_more_than_the_balance(town):
    give(town, SON, 90)
    assert "您现在有1小时30分钟" in town(SON, "时间币转给")  # one bound elder: only the amount is asked
    assert "不超过您余额" in town(SON, "2小时")
    assert "半小时时间币" not in (reply := town(SON, "半小时")) and "30分钟时间币转给王秀英" in reply
    assert "还剩1小时" in town(SON, "确认")


def test_a_gift_read_back_whose_minutes_were_spent_meanwhile_moves_nothing(town):
    give(town, SON, 60)
    assert "回复1确认" in town(SON, "时间币转给 王秀英 60")
    with session_scope(town.rt.engine) as session:  # spent from another phone, say
        assert gifts.donate(session, person(session, SON), 60, key="elsewhere", now=town.clock()).status == gifts.DONE
    assert "余额不够" in town(SON, "1")
    assert (held(town, SON), held(town, ELDER)) == (0, 0)


def test_only_bound_family_can_receive(town):
    give(town, VOLUNTEER, 60)
    assert "还没有可以转时间币的家人" in town(VOLUNTEER, "时间币转给 王秀英 10")
    assert held(town, VOLUNTEER) == 60


def test_nothing_to_give_is_said_at_once(town):
    assert "没有时间币可以转出" in town(SON, "时间币转给 王秀英 10")
    assert "没有时间币可以转出" in town(SON, "捐时间币 60")


def test_donating_to_the_village_pool(town):
    give(town, VOLUNTEER, 100)
    read_back = town(VOLUNTEER, "捐时间币 60")
    assert "1小时时间币捐给村时间池" in read_back and "独居老人" in read_back
    assert "修改" in read_back
    assert "多少" in town(VOLUNTEER, "2")  # change: asked again
    assert "回复1确认" in town(VOLUNTEER, "60")
    assert "还剩40分钟" in town(VOLUNTEER, "1")
    with Session(town.rt.engine) as session:
        assert village_totals(session, person(session, VOLUNTEER).village_id)["pool_minutes"] == 60
    assert "捐给村时间池" in town(VOLUNTEER, "时间币明细")


def test_the_balance_command_still_answers_with_reasons(town):
    assert "还没有时间币记录" in town(VOLUNTEER, "我有多少时间币")
    give(town, VOLUNTEER, 75)
    reply = town(VOLUNTEER, "我有多少时间币")
    assert "1小时15分钟" in reply and "从纸质存折转入" in reply


def test_an_elder_with_minutes_pays_for_her_visit_when_she_confirms_it(town):
    from models.help import requests as hr

    give(town, ELDER, 100)
    town(ELDER, "明天上午想找人帮我去镇上买降压药")
    town(ELDER, "1")
    with Session(town.rt.engine) as session:
        number = session.exec(select(hr.HelpRequest)).one().id
    town.deliver()
    assert "接单成功" in town("demo-volunteer-3", f"接单 {number}")
    town.clock.now = town.clock() + timedelta(hours=23)  # the booked morning
    town("demo-volunteer-3", "出发")
    town("demo-volunteer-3", "完成 用了50分钟")
    assert "谢谢您打分" in town(ELDER, "5")
    assert (held(town, ELDER), held(town, "demo-volunteer-3")) == (50, 50)
    # The elder's routine pushes used the customer-service messages not reserved for emergencies: this one
    # waits for her next message and arrives with it.
    town.deliver()
    mine = town(ELDER, "时间币明细")
    assert f"-50分钟 支付上门服务（求助#{number} 跑腿代办）" in mine and "接受上门服务50分钟" in mine
    town.deliver()
    assert f"求助 #{number} 的上门服务已确认，用了您50分钟时间币，还剩50分钟" in "\n".join(town.inbox(ELDER))
    helper = town("demo-volunteer-3", "时间币明细")
    assert f"+50分钟 帮忙得到（求助#{number} 跑腿代办）" in helper
    assert "累计上门帮别人50分钟，接受上门服务0分钟" in helper


@pytest.mark.parametrize("days, left", [(0, 60), (30, 0)])
def test_the_expiry_job_takes_back_unspent_minutes_only_when_configured(make_app, signer, clock, fake_wechat, days,
                                                                         left):
    from tests.checkin_support import run_job

    town = build_town(make_app, signer, clock, fake_wechat, timebank__expiry_days=days)
    give(town, VOLUNTEER, 60)
    assert run_job(town, "timebank.expire", clock() + timedelta(days=31)) == 60 - left
    assert held(town, VOLUNTEER) == left
    if not left:
        assert "过期" in town(VOLUNTEER, "时间币明细")
