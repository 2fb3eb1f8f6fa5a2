"""The whole help loop through the webhook with signed XML, delivered through the fake WeChat API."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.jobs import registry as jobs
from models.help import requests as hr
from models.people.users import User
from tests.conftest import reply_text
from tests.fakes import pushes
from tests.fakes.dialogue import build_town

ELDER, FAMILY, ADMIN = "demo-elder-1", "demo-family-1", "demo-admin"
ERRAND_VOLUNTEERS = {"demo-volunteer-1", "demo-volunteer-3", "demo-volunteer-5"}


@pytest.fixture
def world(make_app, signer, clock, fake_wechat):
    say = build_town(make_app, signer, clock, fake_wechat)
    # Everyone wrote to the account recently, so WeChat accepts customer-service messages to them
    # (the closed-window case, with template fallback, has its own test).
    for openid in [ELDER, FAMILY, ADMIN, "demo-elder-2"] + [f"demo-volunteer-{i}" for i in range(1, 6)]:
        say(openid, "你好")
    return say


def the_request(rt) -> hr.HelpRequest:
    with Session(rt.engine) as session:
        return session.exec(select(hr.HelpRequest)).one()


def test_one_message_that_says_enough_needs_one_confirmation(world):
    reply = world(ELDER, "明天上午想找人帮我去镇上买降压药")
    assert "跑腿代办" in reply and "12月2日(周三) 08:00-12:00" in reply and "回复1确认" in reply
    assert "已发出求助" in world(ELDER, "1")


def test_a_vague_message_asks_the_missing_pieces_one_by_one(world):
    assert "哪方面" in world(ELDER, "帮帮我")
    assert "具体要帮什么" in world(ELDER, "1")
    assert "什么时候" in world(ELDER, "帮我买一袋米")
    assert "回复1确认" in world(ELDER, "明天下午")
    assert "已发出求助" in world(ELDER, "确认")
    assert the_request(world.rt).details == "帮我买一袋米"


def test_today_after_its_daytime_is_asked_again_not_taken_as_no_time(world):
    world.clock.advance(hours=12)  # 21:00 in Shanghai: today's 08:00-20:00 is over
    assert "什么时候" in world(ELDER, "帮我买一袋米")
    assert "请回复1、2、3" in world(ELDER, "2")
    assert "回复1确认" in world(ELDER, "明天上午")


def test_the_whole_loop_from_asking_to_credit(world):
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    assert "编号" in world(ELDER, "1")
    number = the_request(world.rt).id
    world.deliver()
    for volunteer in ERRAND_VOLUNTEERS:
        [offer] = world.inbox(volunteer)
        assert f"接单 {number}" in offer and "买降压药" in offer
        assert "示范村东头12号" not in offer and "13800000001" not in offer  # no address or phone before a claim
    assert world.inbox("demo-volunteer-2") == []  # no errand skill

    assert "接单成功" in world("demo-volunteer-3", f"接单 {number}")
    assert "晚了一步" in world("demo-volunteer-1", f"接单 {number}")
    world.deliver()
    details = world.inbox("demo-volunteer-3")[-1]
    assert "示范村东头12号" in details and "13800000001" in details and "王秀英" in details
    assert "已经有人接了" in world.inbox("demo-volunteer-5")[-1]
    for person in (ELDER, FAMILY):
        assert "陈建军" in world.inbox(person)[-1] and "13700000003" in world.inbox(person)[-1]

    world.clock.now = world.clock() + timedelta(hours=23)  # the booked morning: 08:00 on 12月2日
    assert "路上注意安全" in world("demo-volunteer-3", "出发")
    assert "已请老人确认，确认后给您记50分钟" in world("demo-volunteer-3", "完成 用了50分钟")
    world.deliver()
    assert "回复1到5打分" in world.inbox(ELDER)[-1] and "回复1到5打分" in world.inbox(FAMILY)[-1]

    assert "谢谢您打分" in world(ELDER, "5")
    world.deliver()
    assert "记了50分钟" in world.inbox("demo-volunteer-3")[-1]
    # The family's routine notices used the 3 customer-service messages not reserved for emergencies:
    # the rating waits for their next message and arrives with it.
    assert "评了5星" not in world.inbox(FAMILY)[-1]
    world(FAMILY, "好的")
    world.deliver()
    assert "评了5星" in world.inbox(FAMILY)[-1] and "陈建军记了50分钟" in world.inbox(FAMILY)[-1]
    assert "50分钟" in world("demo-volunteer-3", "我有多少时间币")
    assert the_request(world.rt).status == hr.CONFIRMED


def test_offers_mask_the_phone_and_house_number_the_elder_wrote_and_the_winner_sees_them(world):
    world(ELDER, "我家住东头18号，电话139 1234 5678，明天上午帮我去镇上买降压药")
    world(ELDER, "1")
    number = the_request(world.rt).id
    world.deliver()
    for volunteer in ERRAND_VOLUNTEERS:
        [offer] = world.inbox(volunteer)
        assert "东头" in offer and "18号" not in offer and "1234" not in offer and "5678" not in offer
    world("demo-volunteer-3", f"接单 {number}")
    world.deliver()
    assert "我家住东头18号，电话139 1234 5678" in world.inbox("demo-volunteer-3")[-1]


def test_template_offers_carry_no_phone_or_house_number(make_app, signer, clock, fake_wechat):
    templates = {"task_offer": {"template_id": "TPL_TASK", "fields": {"thing1": "title", "thing2": "details"}}}
    say = build_town(make_app, signer, clock, fake_wechat, templates=templates)
    for text in ("东头18号水管坏了，电话13912345678，今天下午来修", "1"):
        say(ELDER, text)
    say.deliver()
    sent = [s for v in ("demo-volunteer-1", "demo-volunteer-3") for s in fake_wechat.sent(v)]
    assert sent and all(s["channel"] == "template" for s in sent)
    for message in sent:
        assert "13912345678" not in str(message["payload"]) and "18号" not in str(message["payload"])


def test_a_family_member_asks_for_their_elder(world):
    reply = world(FAMILY, "我妈明天上午要人帮忙买药")
    assert "帮谁：王秀英" in reply
    world(FAMILY, "1")
    request = the_request(world.rt)
    with Session(world.rt.engine) as session:
        from models.people.users import User

        assert session.get(User, request.elder_id).openid == ELDER
        assert session.get(User, request.requested_by_id).openid == FAMILY


def test_a_volunteer_never_offered_a_request_cannot_claim_it(world):
    for text in ("帮帮我", "8", "帮我把柜子挪一下", "明天下午", "1"):  # "other": any volunteer could do it
        world(ELDER, text)
    number = the_request(world.rt).id
    world.deliver()
    volunteers = [f"demo-volunteer-{i}" for i in range(1, 6)]
    offered = [v for v in volunteers if world.inbox(v)]
    outsider = next(v for v in volunteers if v not in offered)
    reply = world(outsider, f"接单 {number}")
    assert "没有派给您" in reply and "王秀英" not in reply
    assert world(outsider, f"接单 {number + 1}") == reply.replace(str(number), str(number + 1))  # no such number: same
    world.deliver()
    assert world.inbox(outsider) == []  # no address, phone or name arrived
    assert the_request(world.rt).status == hr.OPEN
    assert "接单成功" in world(offered[0], f"接单 {number}")
    world.deliver()
    assert "示范村东头12号" in world.inbox(offered[0])[-1]


def test_unclaimed_requests_escalate_and_expire_with_the_clock(world):
    world(ELDER, "今天下午帮我修一下水管")
    world(ELDER, "1")
    start = world.clock()
    world.deliver()
    assert {o for o in ERRAND_VOLUNTEERS | {"demo-volunteer-1"} if world.inbox(o)} == {
        "demo-volunteer-1", "demo-volunteer-3"}  # repair skill
    world.clock.now = start + timedelta(minutes=31)
    jobs.run(world.rt, "help.escalate", world.clock())
    world.deliver()
    assert any("派单" in text for text in world.inbox(ADMIN))
    world.clock.now = start + timedelta(hours=12)
    jobs.run(world.rt, "help.escalate", world.clock())
    world.deliver()
    assert "没有找到人" in world.inbox(ELDER)[-1] and "人工" in world.inbox(ELDER)[-1]
    assert the_request(world.rt).status == hr.EXPIRED


def test_the_coordinator_assigns_by_hand(world):
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    world(ELDER, "1")
    number = the_request(world.rt).id
    assert f"#{number} 王秀英" in world(ADMIN, "待派单")
    assert "已把求助" in world(ADMIN, f"派单 {number} 周大勇")
    world.deliver()
    assert "示范村东头12号" in world.inbox("demo-volunteer-5")[-1]
    assert "您暂时不能用" in world(ELDER, f"派单 {number} 周大勇")


def test_cancel_tells_the_volunteer(world):
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    world(ELDER, "1")
    number = the_request(world.rt).id
    world("demo-volunteer-1", f"接单 {number}")
    assert "已取消求助" in world(ELDER, "不用了，已经好了")
    world.deliver()
    assert "不用去了" in world.inbox("demo-volunteer-1")[-1]


def test_several_open_requests_ask_which_to_cancel(world):
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    world(ELDER, "1")
    world(ELDER, "后天下午想找人陪我聊聊天")
    world(ELDER, "1")
    reply = world(ELDER, "取消")
    assert "要取消哪一个" in reply and "1 #" in reply and "2 #" in reply
    assert "回复1确认" in world(ELDER, "2")
    assert "已取消求助" in world(ELDER, "1")
    with Session(world.rt.engine) as session:
        statuses = [r.status for r in session.exec(select(hr.HelpRequest).order_by(hr.HelpRequest.id))]
    assert statuses == [hr.OPEN, hr.CANCELLED]


def test_a_retried_confirmation_creates_one_request(world, signer, make_app):
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    push = pushes.text(ELDER, "1")
    qs, body = signer.sign(push, timestamp=int(world.clock().timestamp()))
    client = world.rt and make_app(clock=world.clock).test_client()
    first = client.post(f"/wechat?{qs}", data=body)
    again = client.post(f"/wechat?{qs}", data=body)
    assert reply_text(first) == reply_text(again)
    with Session(world.rt.engine) as session:
        assert len(session.exec(select(hr.HelpRequest)).all()) == 1


def test_an_emergency_dispatches_nearby_volunteers_at_once(world):
    reply = world(ELDER, "救命 我摔倒了起不来")
    assert "120" in reply and "志愿者也已收到" in reply
    world.deliver()
    request = the_request(world.rt)
    assert request.category == "emergency" and request.urgency == "emergency"
    assert request.next_step_at == world.clock() + timedelta(minutes=2)
    offered = {o for o in [f"demo-volunteer-{i}" for i in range(1, 6)] if world.inbox(o)}
    assert len(offered) == 3
    assert any("可能出事了" in text for text in world.inbox(FAMILY))


def test_a_strangers_request_waits_for_a_coordinator_and_never_gets_a_volunteers_phone(world):
    stranger = "passer-by"
    world(stranger, "明天上午想找人帮我去镇上买降压药")
    assert "还没有在这里登记" in world(stranger, "1")
    number = the_request(world.rt).id
    world.deliver()
    assert not any(world.inbox(f"demo-volunteer-{i}") for i in range(1, 6))  # nobody is sent to an unknown door
    assert any(f"核实求助 {number}" in text for text in world.inbox(ADMIN))
    assert "待核实" in world(ADMIN, "待派单")
    assert "还没核实" in world(ADMIN, f"派单 {number} 周大勇")
    assert "已核实" in world(ADMIN, f"核实求助 {number}")
    world.deliver()
    assert "已核实" in world.inbox(stranger)[-1]
    offered = [v for v in ERRAND_VOLUNTEERS if world.inbox(v)]
    assert offered
    assert "接单成功" in world(offered[0], f"接单 {number}")
    world.deliver()
    told = world.inbox(stranger)[-1]
    assert "有人接了" in told and "1370000000" not in told


def test_a_coordinator_may_turn_a_strangers_request_down(world):
    world("passer-by", "明天上午想找人帮我去镇上买降压药")
    world("passer-by", "1")
    number = the_request(world.rt).id
    assert "已驳回" in world(ADMIN, f"驳回求助 {number}")
    assert "不需要核实" in world(ADMIN, f"核实求助 {number}")
    world.deliver()
    assert "没能核实" in world.inbox("passer-by")[-1]
    assert the_request(world.rt).status == hr.CANCELLED


def test_a_strangers_emergency_is_not_held(world):
    reply = world("passer-by", "救命 我摔倒了起不来")
    assert "120" in reply and "志愿者也已收到" in reply
    world.deliver()
    assert the_request(world.rt).status == hr.OPEN
    assert len([v for v in (f"demo-volunteer-{i}" for i in range(1, 6)) if world.inbox(v)]) == 3
    assert any("可能出事了" in text for text in world.inbox(ADMIN))


def test_with_windows_closed_offers_go_out_as_template_messages(make_app, signer, clock, fake_wechat):
    templates = {"task_offer": {"template_id": "TPL_TASK", "fields": {"thing1": "title", "time2": "when"}}}
    say = build_town(make_app, signer, clock, fake_wechat, templates=templates)
    for text in ("明天上午想找人帮我去镇上买降压药", "1"):
        say(ELDER, text)
    say.deliver()
    for volunteer in ERRAND_VOLUNTEERS:
        [sent] = fake_wechat.sent(volunteer)
        assert sent["channel"] == "template" and sent["payload"]["template_id"] == "TPL_TASK"
        assert sent["payload"]["data"]["time2"]["value"] == "2026年12月2日 08:00~12:00"  # whole, a valid time


def test_a_complaint_after_a_visit_stops_its_automatic_confirmation(world):
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    world(ELDER, "1")
    number = the_request(world.rt).id
    world("demo-volunteer-1", f"接单 {number}")
    world.clock.now = world.clock() + timedelta(hours=24)  # during the booked morning
    world("demo-volunteer-1", f"完成 {number}")
    world(ELDER, "投诉")
    assert "您要反映：志愿者把药买错了" in world(ELDER, "志愿者把药买错了")
    assert "已提交" in world(ELDER, "1")
    assert the_request(world.rt).status == hr.DISPUTED
    from models.help.complaints import Complaint

    with Session(world.rt.engine) as session:
        assert session.exec(select(Complaint)).one().request_id == number


def test_the_coordinator_sees_no_shows(world):
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    world(ELDER, "1")
    number = the_request(world.rt).id
    world.clock.now = world.clock() + timedelta(hours=23, minutes=30)  # half an hour before the window
    world("demo-volunteer-1", f"接单 {number}")
    assert "已放回" in world("demo-volunteer-1", f"放弃 {number}")
    roster = world(ADMIN, "志愿者情况")
    assert "张志强" in roster and "爽约1次" in roster


def test_a_coordinator_cannot_assign_another_villages_request(world):
    from models.people.users import Village

    with session_scope(world.rt.engine) as session:
        west = Village(code="west", name="西村", county="示范县", created_at=world.clock())
        session.add(west)
        session.flush()
        session.add(User(openid="west-admin", name="西村主任", roles=",admin,", village_id=west.id,
                         created_at=world.clock(), updated_at=world.clock()))
    world(ELDER, "明天上午想找人帮我去镇上买降压药")
    world(ELDER, "1")
    number = the_request(world.rt).id
    assert "没有等待派单" in world("west-admin", "待派单")
    assert "不在您管理的村" in world("west-admin", f"派单 {number} 周大勇")
    assert the_request(world.rt).status == hr.OPEN
    assert "已把求助" in world(ADMIN, f"派单 {number} 周大勇")  # the village's own coordinator still can
