"""The end of a visit through the signed webhook (issue 18): 完成 long before the booked time asks first, the
time bank credits the visit's own length, and the family hears the rating and the minutes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from models.help import requests as hr
from models.people.users import User
from models.timebank import ledger
from tests.fakes.dialogue import build_town, converse
from tests.test_help_flow import the_request

ELDER, FAMILY, VOLUNTEER = "demo-elder-1", "demo-family-1", "demo-volunteer-3"
BOOKED_MORNING = timedelta(hours=23)  # from 09:00 on 12月1日 to 08:00 on 12月2日, when the errand is booked


@pytest.fixture
def world(make_app, signer, clock, fake_wechat):
    say = build_town(make_app, signer, clock, fake_wechat)
    for openid in (ELDER, FAMILY, "demo-volunteer-1", VOLUNTEER, "demo-volunteer-5"):
        say(openid, "你好")
    say(ELDER, "明天上午想找人帮我去镇上买降压药")
    say(ELDER, "1")
    say.number = the_request(say.rt).id
    assert "接单成功" in say(VOLUNTEER, f"接单 {say.number}")
    return say


def talk(world, openid: str, turns) -> list[str | None]:
    """`converse` with a person of the town (whose pushes the fake WeChat API delivers)."""
    return converse(lambda push: world(openid, push), openid, turns)


def status(world) -> str:
    return the_request(world.rt).status


def told(world, kind: str) -> set[str]:
    return {row.openid for row in world.rows(kind=kind)}


def earned(world, openid: str) -> int:
    with Session(world.rt.engine) as session:
        person = session.exec(select(User).where(User.openid == openid)).one()
        return ledger.balance(session, person.id)


def test_done_the_day_before_asks_first_and_2_keeps_the_task(world):
    talk(world, VOLUNTEER, [
        ("完成", [f"求助 #{world.number} 约定的时间是12月2日(周三) 08:00-12:00", "还没到约定的时间，确定已经完成了吗",
                  "回复1确定，2不是"]),
        ("2", [f"求助 #{world.number} 还在您手上", f"完成 {world.number}"]),
    ])
    assert status(world) == hr.CLAIMED and told(world, "help_done") == set()
    talk(world, VOLUNTEER, [
        (f"完成 {world.number} 用了40分钟", "确定已经完成了吗"),
        ("啊？", "请回复1确定，或回复2不是"),
        ("1", "已请老人确认，确认后给您记40分钟"),
    ])
    assert status(world) == hr.DONE and told(world, "help_done") == {ELDER, FAMILY}
    assert "谢谢您打分" in world(ELDER, "5")
    assert earned(world, VOLUNTEER) == 40


def test_done_within_the_hour_before_the_window_is_not_questioned(world):
    world.clock.now = world.clock() + BOOKED_MORNING - timedelta(minutes=50)
    assert "已请老人确认" in world(VOLUNTEER, "完成 用了30分钟")
    assert status(world) == hr.DONE


def test_a_timed_visit_earns_its_length_and_the_family_hears_the_stars_and_the_minutes(world):
    world.clock.now = world.clock() + BOOKED_MORNING
    assert "路上注意安全" in world(VOLUNTEER, "出发")
    world.clock.advance(minutes=35)
    assert "已请老人确认，确认后给您记35分钟时间币" in world(VOLUNTEER, "完成")
    assert "谢谢您打分（4分）" in world(ELDER, "4")
    assert earned(world, VOLUNTEER) == 35  # not the four booked hours, not the day since the claim
    assert told(world, "help_rated") == {FAMILY}  # the elder rated: her answer is the chat's reply
    [rated] = world.rows(kind="help_rated")
    assert f"求助 #{world.number}（跑腿代办）已确认" in rated.text
    assert "评了4星" in rated.text and "志愿者陈建军记了35分钟时间币" in rated.text


def test_when_the_family_rates_the_elder_is_told_and_not_the_family(world):
    world.clock.now = world.clock() + BOOKED_MORNING
    world(VOLUNTEER, "出发")
    world.clock.advance(minutes=45)
    world(VOLUNTEER, "完成")
    assert "谢谢您打分（5分）" in world(FAMILY, "5")
    assert told(world, "help_rated") == {ELDER}
    world.deliver()
    world(ELDER, "好的")  # her routine pushes used the quota's unreserved messages: this one waits for her
    world.deliver()
    assert any("评了5星" in text and "记了45分钟" in text for text in world.inbox(ELDER))
    assert not any("评了5星" in text for text in world.inbox(FAMILY))


def test_an_untimed_visit_earns_the_category_minimum_and_says_how_to_have_it_timed(world):
    world.clock.now = world.clock() + BOOKED_MORNING + timedelta(hours=2)
    reply = world(VOLUNTEER, "完成")
    assert "确认后给您记30分钟" in reply and "下次出发时回复“出发”" in reply
    world(ELDER, "5")
    assert earned(world, VOLUNTEER) == 30
