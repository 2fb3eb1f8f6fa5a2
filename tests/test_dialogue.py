"""Transcript tests of the dialogue engine, through the real webhook with signed XML."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.core.outbox import OutboxMessage
from models.help.complaints import Complaint
from models.help.requests import HelpRequest
from models.people.users import User
from tests.conftest import reply_text
from tests.fakes import pushes
from tests.fakes.dialogue import build_bot, converse

ELDER = "demo-elder-1"


@pytest.fixture
def bot(make_app, signer, clock):
    return build_bot(make_app, signer, clock)


def outbox(rt, kind):
    with Session(rt.engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_complaint_flow_asks_reads_back_and_tells_the_coordinator(bot):
    converse(bot, ELDER, [
        ("投诉", "要反映什么事"),
        ("昨天约好的志愿者没来", ["您要反映：昨天约好的志愿者没来", "回复1确认"]),
        ("1", "已提交"),
        ("你好", "您好"),
    ])
    [alert] = outbox(bot.rt, "complaint")
    assert alert.openid == "demo-admin" and "王秀英" in alert.text and "志愿者没来" in alert.text
    with Session(bot.rt.engine) as session:
        assert len(session.exec(select(Complaint)).all()) == 1


def test_a_first_message_that_says_enough_goes_straight_to_confirmation(bot):
    converse(bot, ELDER, [("我要投诉送饭的人三天没来了", ["您要反映：送饭的人三天没来了", "回复1确认"]),
                          ("对", "已提交")])


def test_change_at_confirmation_asks_again(bot):
    converse(bot, ELDER, [("投诉", "要反映"), ("饭菜太咸", "饭菜太咸"), ("2", ["重新说一下“反映的事”", "要反映"]),
                          ("饭菜凉了", "您要反映：饭菜凉了"), ("确认", "已提交")])


def test_invalid_answers_are_asked_again_twice_then_a_person_is_offered(bot):
    converse(bot, ELDER, [("投诉", "要反映"), ("3", "例如"), ("嗯", "例如"), ("5", "人工")])
    converse(bot, ELDER, [("你好", "您好")])  # the flow was left
    assert outbox(bot.rt, "complaint") == []


def test_cancel_leaves_any_flow(bot):
    converse(bot, ELDER, [("投诉", "要反映"), ("取消", "已取消"), ("取消", "没有进行中")])
    assert outbox(bot.rt, "complaint") == []


def test_menu_inside_a_flow_says_where_the_user_is(bot):
    converse(bot, ELDER, [("投诉", "要反映"), ("菜单", ["正在办“投诉”", "要反映什么事"]),
                          ("志愿者态度不好", "您要反映：志愿者态度不好")])


def test_human_works_inside_a_flow(bot):
    converse(bot, ELDER, [("投诉", "要反映"), ("人工", "打电话")])
    [alert] = outbox(bot.rt, "human_handoff")
    assert alert.openid == "demo-admin" and "13800000001" in alert.text


def test_an_emergency_interrupts_a_flow_and_alerts_family_and_coordinator(bot):
    converse(bot, ELDER, [("投诉", "要反映"), ("救命 我摔倒了起不来", ["120", "已经通知"])])
    alerts = outbox(bot.rt, "emergency_alert")
    assert {a.openid for a in alerts} == {"demo-family-1", "demo-admin"}
    assert all(a.priority == 0 for a in alerts)
    converse(bot, ELDER, [("取消", "已取消求助")])  # the complaint flow is gone; the emergency request is open


def test_emergency_contacts_come_from_config(make_app, signer, clock):
    app = make_app(clock=clock, contacts__doctor_phone="0731-120120", contacts__coordinator_phone="13600000001")
    qs, body = signer.sign(pushes.text("someone", "俺娘摔倒了起不来"), timestamp=int(clock().timestamp()))
    reply = reply_text(app.test_client().post(f"/wechat?{qs}", data=body))
    assert "0731-120120" in reply and "13600000001" in reply and "120" in reply


def test_a_doubtful_emergency_costs_one_question(bot):
    converse(bot, ELDER, [("没摔倒，就是想问问", "紧急情况"), ("2", "没事就好")])
    assert outbox(bot.rt, "emergency_alert") == []
    converse(bot, ELDER, [("没摔倒，就是想问问", "紧急情况"), ("是", "120")])
    assert len(outbox(bot.rt, "emergency_alert")) == 2


@pytest.mark.parametrize("number", ["1", "１", "一", "第一个", "壹", "①"])
def test_every_number_form_picks_from_the_menu(bot, number):
    converse(bot, ELDER, [("菜单", "1 找人帮忙"), (number, "哪方面的帮忙")])


def test_option_words_pick_too(bot):
    converse(bot, ELDER, [("菜单", "1 找人帮忙"), ("报平安", "报平安")])


def test_an_idle_conversation_expires_and_the_user_is_told(bot):
    converse(bot, ELDER, [("投诉", "要反映")])
    bot.rt.clock.advance(minutes=31)
    converse(bot, ELDER, [("你好", ["时间太久", "投诉", "您好"])])
    converse(bot, ELDER, [("取消", "没有进行中")])  # the expired flow is really gone


def test_a_conversation_survives_a_restart(bot, make_app, signer, clock):
    converse(bot, ELDER, [("投诉", "要反映")])
    fresh = make_app(clock=clock).test_client()  # another process, same database
    qs, body = signer.sign(pushes.text(ELDER, "志愿者没来"), timestamp=int(clock().timestamp()))
    assert "您要反映：志愿者没来" in reply_text(fresh.post(f"/wechat?{qs}", data=body))


def test_voice_with_recognition_is_understood(bot):
    converse(bot, ELDER, [(pushes.voice(ELDER, "我要投诉。"), "要反映")])


def test_voice_without_recognition_asks_to_type_or_tap(bot):
    converse(bot, ELDER, [(pushes.voice(ELDER, None), ["没听清", "菜单", "人工"])])


def test_subscribing_through_a_village_qr_code_joins_the_village(bot):
    reply = bot(pushes.event("newcomer", "subscribe", key="qrscene_village_demo", Ticket="T"))
    assert "示范村" in reply and len(reply.splitlines()) <= 3
    with Session(bot.rt.engine) as session:
        user = session.exec(select(User).where(User.openid == "newcomer")).one()
        assert user.village_id is not None and user.subscribed


def test_scanning_a_village_code_as_a_follower(bot):
    converse(bot, "follower", [(pushes.event("follower", "SCAN", key="village_demo", Ticket="T"), "示范村"),
                               (pushes.event("follower", "SCAN", key="village_nowhere", Ticket="T"), "认不出")])


def test_plain_subscribe_welcomes_with_numbered_options(bot):
    reply = bot(pushes.event("someone-new", "subscribe"))
    assert "回复1" in reply and len(reply.splitlines()) <= 3


def test_menu_clicks_route_to_features(bot):
    converse(bot, ELDER, [(pushes.event(ELDER, "CLICK", key="TALK_TO_HUMAN"), "打电话"),
                          (pushes.event(ELDER, "CLICK", key="HELP_REQUEST"), "哪方面的帮忙"),
                          (pushes.event(ELDER, "VIEW", key="https://example.org"), None)])


def test_location_and_images(bot):
    converse(bot, ELDER, [
        (pushes.message(ELDER, "location", Location_X=28.1, Location_Y=112.9, Scale=15, Label="示范村东头"),
         "示范村东头"),
        (pushes.message(ELDER, "image", PicUrl="http://x/y.jpg", MediaId="m1"), "收到您的图片"),
        ("投诉", "要反映"),
        (pushes.message(ELDER, "image", PicUrl="http://x/y.jpg", MediaId="m2"), ["图片收到了", "要反映"]),
    ])


def test_nonsense_twice_offers_a_person(bot):
    converse(bot, ELDER, [("asdfgh qwerty", "没听明白"), ("zzzz xxxx", "人工")])


@pytest.mark.parametrize("mode", ["compat", "safe"])
def test_transcripts_work_encrypted(bot, mode):
    assert "要反映" in bot(pushes.text(ELDER, "投诉"), mode)


def test_an_emergency_heard_only_by_sound_asks_first(bot):
    """是和 sounds like 失火: one question, not an alarm to the whole family."""
    converse(bot, ELDER, [("不是，和家人住", "紧急情况"), ("不是", "没事就好")])
    assert outbox(bot.rt, "emergency_alert") == []


@pytest.mark.parametrize("text, before, after", [
    ("就命", 0.5, 1.5),          # a cry for help heard only by sound: a strong sign, one minute
    ("头晕得厉害", 3, 6),        # dizziness alone: a weak sign, the usual five minutes
])
def test_an_unanswered_emergency_question_is_acted_on(bot, text, before, after):
    from app.jobs import registry as jobs

    converse(bot, ELDER, [(text, "紧急情况")])
    bot.rt.clock.advance(minutes=before)
    assert jobs.run(bot.rt, "emergency.unanswered", bot.rt.clock()) == 0
    bot.rt.clock.advance(minutes=after - before)
    assert jobs.run(bot.rt, "emergency.unanswered", bot.rt.clock()) == 1
    assert {a.openid for a in outbox(bot.rt, "emergency_alert")} == {"demo-family-1", "demo-admin"}
    [told] = outbox(bot.rt, "emergency_unanswered")
    assert told.openid == ELDER and "120" in told.text
    assert jobs.run(bot.rt, "emergency.unanswered", bot.rt.clock()) == 0


def test_no_to_the_emergency_question_goes_on_with_what_was_asked(bot):
    converse(bot, ELDER, [("胳膊疼 提不动水桶 能来个人帮我挑两担水吗", "紧急情况"),
                          ("2", "不是紧急情况"), ("今天下午", "生活照料"), ("1", "已发出求助")])
    assert outbox(bot.rt, "emergency_alert") == []
    with Session(bot.rt.engine) as session:
        asked = session.exec(select(HelpRequest).where(HelpRequest.details.contains("挑两担水"))).all()
    assert [(r.category, r.urgency) for r in asked] == [("daily_care", "normal")]


def test_no_to_the_emergency_question_with_nothing_else_asked_ends_there(bot):
    converse(bot, ELDER, [("没摔倒，就是想问问", "紧急情况"), ("2", "没事就好")])
    with Session(bot.rt.engine) as session:
        assert session.exec(select(HelpRequest)).all() == []
