"""Transcript tests of events and training through the real webhook (signed XML), with a manual clock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from app.db import session_scope
from app.delivery import Delivery
from app.jobs import registry as jobs
from models.events import events as ev
from models.people.users import User, village_by_code
from models.people.volunteers import TrainingRecord
from tests.fakes import pushes
from tests.test_dialogue import bot, converse, outbox  # noqa: F401  (fixtures)

ELDER, ELDER2, ELDER3, FAMILY, ADMIN = "demo-elder-1", "demo-elder-2", "demo-elder-3", "demo-family-1", "demo-admin"
LECTURE_START = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # seeded: 12月3日 09:00 in Shanghai


def _small_event(bot, capacity=1, hours_ahead=25) -> int:
    """An event that starts before the seeded ones, so it is number 1 in the list."""
    now = bot.rt.clock()
    with session_scope(bot.rt.engine) as session:
        village = village_by_code(session, "demo")
        start = now + timedelta(hours=hours_ahead)
        new = ev.NewEvent(village.id, "activity", "包饺子", "村委会", start, capacity, start - timedelta(hours=3))
        return ev.create_event(session, new, creator=None, now=now).id


def _signups(bot, event_id) -> list[tuple[str, str, int, str]]:
    with Session(bot.rt.engine) as session:
        rows = session.exec(select(ev.EventSignup, User).join(User, User.id == ev.EventSignup.user_id)
                            .where(ev.EventSignup.event_id == event_id).order_by(ev.EventSignup.seq))
        return [(u.openid, s.status, s.party_size, s.reply) for s, u in rows]


def bot_say(bot, openid, text):
    return bot(pushes.text(openid, text))


def _sign_up(bot, openid, number="1") -> str:
    """报名 <number>, one person, confirm; the last reply."""
    return [bot_say(bot, openid, text) for text in (f"报名 {number}", "1", "1")][-1]


def test_list_then_a_number_signs_up_with_a_companion(bot):
    converse(bot, ELDER, [
        ("最近有什么活动", ["1. 【健康讲座】冬季防跌倒健康讲座", "还剩30个名额", "【培训课程】", "回复序号"]),
        ("1", ["一个人", "带一位同伴"]),
        ("2", ["冬季防跌倒健康讲座", "给您自己报，共2人", "回复1确认"]),
        ("1", ["报名成功", "12月3日(周四) 09:00", "村委会二楼会议室", "12月2日(周三) 20:00前"]),
        ("我的报名", ["冬季防跌倒健康讲座", "2人", "已报上"]),
        ("最近有什么活动", "还剩28个名额"),
    ])
    assert _signups(bot, 1) == [(ELDER, "confirmed", 2, "")]


def test_one_shot_signup_and_a_second_time_is_already_done(bot):
    converse(bot, ELDER2, [
        ("报名3", "一个人"), ("一个人", ["义诊", "共1人"]), ("1", "报名成功"),
        ("报名 3", "已经报过"),
    ])


def test_a_family_member_signs_up_their_elder(bot):
    converse(bot, FAMILY, [
        ("帮我妈报名 1", "带一位同伴"),
        ("1", "给王秀英报"),
        ("1", "报名成功"),
        ("我的报名", ["冬季防跌倒健康讲座", "王秀英"]),
    ])
    assert _signups(bot, 1) == [(ELDER, "confirmed", 1, "")]
    with Session(bot.rt.engine) as session:
        signup = session.exec(select(ev.EventSignup)).one()
        assert session.get(User, signup.booked_by_id).openid == FAMILY


def test_full_event_waitlists_and_a_cancellation_promotes_and_tells_the_next(bot, fake_wechat):
    event_id = _small_event(bot, capacity=1)
    assert "报名成功" in _sign_up(bot, ELDER)
    converse(bot, ELDER2, [("最近有什么活动", ["包饺子", "已满，可以排候补"]),
                           ("1", "一个人"), ("1", ["名额不够", "排候补"]), ("1", "候补第1位")])
    assert "候补第2位" in _sign_up(bot, ELDER3)
    converse(bot, ELDER, [("取消报名", ["要取消您自己的报名：包饺子", "回复1确认取消"]), ("1", "已取消报名")])
    assert [s for _, s, _, _ in _signups(bot, event_id)] == ["cancelled", "confirmed", "waitlisted"]
    told = outbox(bot.rt, "event_promoted")
    assert [m.openid for m in told] == [ELDER2] and "补上了" in told[0].text
    fake_wechat.record_interaction(ELDER2, "message")
    while Delivery(bot.rt).drain_once():
        pass
    [sent] = fake_wechat.sent(ELDER2)
    assert sent["channel"] == "custom" and "包饺子" in sent["payload"]["text"]["content"]
    converse(bot, ELDER3, [("我的报名", "候补第1位")])
    converse(bot, ELDER2, [("我的报名", "已报上")])


def test_cancelling_after_the_deadline_is_refused(bot, clock):
    _small_event(bot, capacity=5)
    _sign_up(bot, ELDER)
    clock.advance(hours=23)  # the deadline was three hours before the start
    converse(bot, ELDER, [("取消报名 1", "包饺子"), ("1", "报名已经截止")])


def test_reminders_the_day_before_and_the_hour_before_take_a_one_tap_answer(bot, clock):
    _sign_up(bot, ELDER)  # the seeded lecture, 12月3日 09:00
    clock.now = LECTURE_START - timedelta(hours=23)
    assert jobs.run(bot.rt, "events.remind", clock.now) == {"day": 1, "hour": 0}
    assert jobs.run(bot.rt, "events.remind", clock.now + timedelta(minutes=5)) == {"day": 0, "hour": 0}
    reminders = outbox(bot.rt, "event_reminder")
    assert [m.openid for m in reminders] == [ELDER]
    assert "冬季防跌倒健康讲座" in reminders[0].text and "回复1 会去" in reminders[0].text
    converse(bot, ELDER, [("1", ["好的", "村委会二楼会议室等您"])])
    assert _signups(bot, 1)[0][3] == "yes"
    clock.now = LECTURE_START - timedelta(minutes=55)
    assert jobs.run(bot.rt, "events.remind", clock.now) == {"day": 0, "hour": 1}
    assert "还有1小时" in outbox(bot.rt, "event_reminder")[-1].text


def test_answering_no_to_a_reminder_gives_the_place_to_the_waitlist(bot, clock):
    event_id = _small_event(bot, capacity=1, hours_ahead=30)
    _sign_up(bot, ELDER)
    _sign_up(bot, ELDER2)
    clock.advance(hours=7)  # 23 hours before; past the deadline, which a 'no' may still cross
    jobs.run(bot.rt, "events.remind", clock.now)
    converse(bot, ELDER, [("去不了", "已帮您取消")])
    assert [s for _, s, _, _ in _signups(bot, event_id)] == ["cancelled", "confirmed"]
    assert [m.openid for m in outbox(bot.rt, "event_promoted")] == [ELDER2]


def test_a_bare_number_after_a_reminder_does_not_hijack_a_flow_in_progress(bot, clock):
    _sign_up(bot, ELDER)
    converse(bot, ELDER, [("投诉", "要反映什么事")])
    clock.now = LECTURE_START - timedelta(hours=23)
    jobs.run(bot.rt, "events.remind", clock.now)
    converse(bot, ELDER, [("志愿者没来", "您要反映"), ("1", "已提交")])
    assert _signups(bot, 1)[0][3] == ""


def test_arrival_and_the_coordinators_roll_call(bot, clock):
    _sign_up(bot, ELDER)
    _sign_up(bot, ELDER2)
    converse(bot, ADMIN, [("签到 1", "开始前1小时起")])
    clock.now = LECTURE_START - timedelta(minutes=20)
    converse(bot, ELDER, [("到了", ["签到成功", "冬季防跌倒健康讲座"]), ("到了", "已经签过到")])
    converse(bot, ADMIN, [
        ("签到 1", ["已报上2户", "1. 王秀英（1人）✓已到", "2. 李德福（1人）", "都到了回复“全部”"]),
        ("2", ["确认这1位到场：李德福", "回复1确认"]),
        ("1", "已签到1人"),
        ("签到 99", "没有这个活动编号"),
    ])
    with Session(bot.rt.engine) as session:
        assert all(s.attended_at for s in session.exec(select(ev.EventSignup)))


def test_arrived_without_an_event_is_left_to_others(bot):
    reply = bot_say(bot, ELDER3, "到了")
    assert reply and "签到成功" not in reply


def test_publishing_a_training_then_attending_grants_the_qualification(bot, clock):
    converse(bot, ADMIN, [
        ("发布活动", ["1 健康讲座", "4 培训课程"]),
        ("4", "活动叫什么"),
        ("送餐志愿者培训", "什么时候开始"),
        ("明天", "请写日期和钟点"),
        ("明天下午3点", "在哪里"),
        ("幸福食堂", "最多几个人"),
        ("20人", "报名截止"),
        ("1", "可以接哪类任务"),
        ("送餐助餐", "多久有效"),
        ("180天", ["【培训课程】送餐志愿者培训", "12月2日(周三) 15:00", "报名截止：12月1日(周二) 20:00",
                  "送餐助餐，有效180天"]),
        ("1", "已发布（活动编号5）"),
    ])
    converse(bot, "demo-volunteer-1", [("报名 1", "一个人"), ("1", "送餐志愿者培训"), ("1", "报名成功")])
    clock.now = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # 15:00 in Shanghai
    converse(bot, ADMIN, [("签到 5", "张志强"), ("全部", "确认这1位"),
                          ("1", ["已签到1人", "培训记录已登记：送餐助餐"])])
    with Session(bot.rt.engine) as session:
        record = session.exec(select(TrainingRecord).where(TrainingRecord.source == "event:5")).one()
        assert record.qualification == "meal"
        assert record.expires_at == clock.now + timedelta(days=180)


def test_publishing_a_lecture_and_who_may_publish(bot):
    converse(bot, ADMIN, [("发布活动", "发布什么活动"), ("1", "活动叫什么"), ("高血压讲座", "什么时候"),
                          ("12月20日上午9点", "在哪里"), ("村委会", "几个人"), ("50", "报名截止"),
                          ("12月19日下午5点", ["【健康讲座】高血压讲座", "报名截止：12月19日(周六) 17:00"]),
                          ("1", "已发布")])
    converse(bot, ELDER, [("发布活动", "不能用这个功能"), ("签到 1", "不能用这个功能"),
                          ("最近有什么活动", "高血压讲座")])


def test_plain_menu_is_still_the_main_menu(bot):
    converse(bot, ELDER, [("菜单", ["1 找人帮忙", "3 最近活动"]), ("3", "最近的活动")])


def test_family_bound_to_two_elders_picks_by_number(bot):
    with session_scope(bot.rt.engine) as session:
        from models.people.users import FamilyLink
        ids = {u.openid: u.id for u in session.exec(select(User).where(User.openid.in_([FAMILY, ELDER2])))}
        session.add(FamilyLink(elder_id=ids[ELDER2], family_id=ids[FAMILY], created_at=bot.rt.clock()))
    converse(bot, FAMILY, [("报名 1", ["给谁报名", "1 王秀英", "2 李德福"]), ("李德福", "一个人"),
                           ("1", "给李德福报"), ("1", "报名成功")])
    assert _signups(bot, 1) == [(ELDER2, "confirmed", 1, "")]
