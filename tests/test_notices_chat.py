"""Notices in chat, through the real webhook: 广播, 预览, 通知/更多, 广播统计, 取消广播, 周报, WeChat job events."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.jobs import registry as jobs
from models.core.outbox import OutboxMessage
from models.notices.broadcasts import Broadcast, MassBatch, NoticeOptOut, SuccessStory
from models.seed import seed_demo
from tests.fakes import pushes
from tests.fakes.dialogue import build_bot, converse
from tests.notices_support import broadcast, deliver_all, deliveries, person, user_wrote, village

ADMIN, ELDER = "demo-admin", "demo-elder-1"
TEMPLATES = {"notice": {"template_id": "TPL_NOTICE", "fields": {"thing1": "title"}}}


@pytest.fixture
def bot(make_app, signer, clock):
    return build_bot(make_app, signer, clock, notices__allowed_domains=["mp.weixin.qq.com"])


def outbox_rows(rt, prefix):
    with Session(rt.engine) as session:
        return [r for r in session.exec(select(OutboxMessage)) if r.key.startswith(prefix)]


def test_a_coordinator_composes_previews_and_sends_a_notice(bot, clock):
    converse(bot, ADMIN, [
        ("广播", ["发给谁", "1 全村"]),
        ("2", "请发通知内容"),
        ("周五上午9点村委会免费量血压，请带上医保卡", "什么时候发"),
        ("1", ["发给：示范村老人", "免费量血压", "预计3人", "群发3人", "回复1确认", "预览"]),
        ("预览", "预览已发给您"),
        ("1", ["已安排（编号", "1分钟内", "广播统计"]),
    ])
    [preview] = outbox_rows(bot.rt, "notice_preview:")
    assert preview.openid == ADMIN and "免费量血压" in preview.text and preview.text.startswith("【预览】")
    with Session(bot.rt.engine) as session:
        [row] = session.exec(select(Broadcast)).all()
    assert row.audience == "role:elder" and row.author_openid == ADMIN
    deliver_all(bot.rt, clock())
    assert set(deliveries(bot.rt, row.id)) == {"demo-elder-1", "demo-elder-2", "demo-elder-3"}
    converse(bot, ADMIN, [(f"广播统计 {row.id}", ["共3人", "群发：已发3，失败0，待发0"])])


def test_a_news_item_with_a_link_outside_the_allowed_domains_is_asked_again(bot):
    converse(bot, ADMIN, [
        ("发通知", "发给谁"), ("全村", "请发通知内容"),
        ("防诈骗讲座｜周六村委会｜http://evil.example.com/x", "链接只能是允许的网站"),
        ("防诈骗讲座｜周六上午村委会，请大家参加｜https://mp.weixin.qq.com/s/abc", "什么时候发"),
        ("明天上午8点", ["【防诈骗讲座】", "详情：https://mp.weixin.qq.com/s/abc", "12月02日 08:00"]),
        ("1", ["已安排", "12月02日 08:00"]),
    ])


def test_villagers_cannot_broadcast_and_see_notices_instead(bot, clock):
    converse(bot, ELDER, [("广播", "最近没有通知"), ("广播统计 1", "不能用这个功能"), ("取消广播 1", "不能用")])


def test_notices_are_listed_newest_first_five_at_a_time(bot, clock):
    for i in range(7):
        broadcast(bot.rt, ADMIN, f"第{i + 1}条通知", now=clock())
        clock.advance(minutes=1)
    broadcast(bot.rt, ADMIN, "只给志愿者的通知", now=clock(), audience="role:volunteer")
    jobs.run(bot.rt, "notices.dispatch", clock())
    reply = bot(pushes.text(ELDER, "通知"))
    assert reply.index("第7条") < reply.index("第3条") and "第2条" not in reply and "志愿者" not in reply
    assert "更多" in reply
    converse(bot, ELDER, [("更多", ["6.", "第2条", "第1条"]), ("更多", "没有更早的通知")])
    converse(bot, ELDER, [(pushes.event(ELDER, "CLICK", key="NOTICE_QUERY"), "第7条")])
    converse(bot, "demo-volunteer-1", [("通知", "只给志愿者的通知")])


def test_a_coordinator_cannot_see_or_cancel_another_villages_broadcast(bot, clock):
    with session_scope(bot.rt.engine) as session:
        west = village(session, "west", "西村")
        person(session, "west-admin", west, ("admin",), now=clock())
    number = broadcast(bot.rt, "west-admin", "西村的通知", now=clock())
    converse(bot, ADMIN, [(f"广播统计 {number}", "只能管理本村"), (f"取消广播 {number}", "只能管理本村")])
    converse(bot, "west-admin", [(f"取消广播 {number}", f"广播{number}已撤回")])


def test_stats_show_channels_and_failure_reasons(bot, fake_wechat, clock):
    for openid in ("demo-elder-1", "demo-elder-2"):
        fake_wechat.follow(openid)
    user_wrote(bot.rt, fake_wechat, "demo-elder-1", clock())
    number = broadcast(bot.rt, ADMIN, "通知", now=clock(), audience="role:elder")
    deliver_all(bot.rt, clock())
    reply = bot(pushes.text(ADMIN, f"广播统计 {number}"))
    assert "客服消息：已发1，失败0，待发0" in reply and "群发：已发2" in reply
    assert "已发完" in reply
    assert "广播" in bot(pushes.text(ADMIN, "广播统计"))


def test_mass_and_template_job_events_update_the_delivery_rows(bot, fake_wechat, clock):
    fake_wechat.follow("demo-elder-2")
    fake_wechat.follow("demo-elder-3")
    number = broadcast(bot.rt, ADMIN, "通知", now=clock(), audience="role:elder")
    deliver_all(bot.rt, clock())
    [event] = [e for e in fake_wechat.events() if e["Event"] == "MASSSENDJOBFINISH"]
    failed = dict(event, Status="err(10001)")
    assert bot(pushes.event("mphelper", "MASSSENDJOBFINISH", create_time=event["CreateTime"],
                            **{k: v for k, v in failed.items() if k not in ("Event", "CreateTime")})) is None
    with Session(bot.rt.engine) as session:
        [batch] = session.exec(select(MassBatch)).all()
    assert batch.job_status == "err(10001)"
    assert {r.status for r in deliveries(bot.rt, number).values()} == {"failed"}


def test_a_failed_template_job_marks_that_recipient_failed(make_app, fake_wechat, signer, clock):
    app = make_app(clock=clock, templates=TEMPLATES)
    rt = app.extensions["linli"]
    with session_scope(rt.engine) as session:
        seed_demo(session, now=clock())
    fake_wechat.follow("demo-elder-2")
    number = broadcast(rt, ADMIN, "通知", now=clock(), audience="role:elder")
    deliver_all(rt, clock())
    [sent] = fake_wechat.sent("demo-elder-2", "template")
    push = pushes.event("demo-elder-2", "TEMPLATESENDJOBFINISH", MsgID=sent["msgid"], Status="failed:user block")
    qs, body = signer.sign(push, timestamp=int(clock().timestamp()))
    assert app.test_client().post(f"/wechat?{qs}", data=body).status_code == 200
    row = deliveries(rt, number)["demo-elder-2"]
    assert row.status == "failed" and "user block" in row.reason


def test_digest_opt_out_and_back_in(bot):
    converse(bot, ELDER, [("退订周报", "不再给您发")])
    with Session(bot.rt.engine) as session:
        assert [row.openid for row in session.exec(select(NoticeOptOut))] == [ELDER]
    converse(bot, ELDER, [("退订周报", "已经退订"), ("订阅周报", "每周会给您发")])
    with Session(bot.rt.engine) as session:
        assert session.exec(select(NoticeOptOut)).all() == []


def test_marking_a_success_story_asks_the_elders_consent_and_checks_the_request(bot):
    """Without the consent the story is kept and told anonymised (tests/test_privacy_purposes_chat.py)."""
    converse(bot, ADMIN, [
        ("标记好人好事 12 张志强冒雨帮王奶奶修好了屋顶", "老人同意"),
        ("2", ["同意公开：否", "回复1确认"]),
        ("1", "不能标记"),
        ("标记好人好事 12 张志强冒雨帮王奶奶修好了屋顶", "老人同意"),
        ("1", "同意公开：是"),
    ])
    reply = bot(pushes.text(ADMIN, "1"))
    with Session(bot.rt.engine) as session:
        stories = session.exec(select(SuccessStory)).all()
    assert "不能标记" in reply and stories == []  # request 12 does not exist


def rated_visit(bot, clock) -> int:
    """A repair visit done and rated 5, as a story's source; returns its number."""
    from datetime import timedelta

    from models.help import dispatch, visits
    from models.help import requests as hr
    from models.people.users import User

    with session_scope(bot.rt.engine) as session:
        elder, helper, admin = (session.exec(select(User).where(User.openid == o)).one()
                                for o in ("demo-elder-1", "demo-volunteer-1", ADMIN))
        new = hr.NewRequest(elder=elder, requested_by=elder, category="repair", details="修屋顶",
                            window_start=clock(), window_end=clock() + timedelta(hours=4))
        request, _ = hr.create_request(session, new, source_key="story", now=clock())
        visits.claim(session, request.id, helper, now=clock(), rules=dispatch.DispatchRules(), assigned_by=admin)
        visits.complete(session, request.id, helper, now=clock(), minutes=60)
        visits.rate(session, request.id, elder, 5, now=clock(), credit=visits.CreditRules())
        return request.id


def test_a_well_rated_visit_becomes_a_success_story(bot, clock):
    number = rated_visit(bot, clock)
    converse(bot, ADMIN, [(f"标记好人好事 {number} 张志强冒雨帮王奶奶修好了屋顶", "老人同意"),
                          ("1", "同意公开：是"), ("1", "已记下")])
    with Session(bot.rt.engine) as session:
        [story] = session.exec(select(SuccessStory)).all()
    assert "修好了屋顶" in story.text


def test_a_county_admin_of_no_village_is_told_a_story_belongs_to_a_villages_coordinator(bot, clock):
    """A story feeds one village's digest: without a village there is none to file it under (it used to fail
    on the database's NOT NULL)."""
    from models.people.users import get_or_create_user, grant_roles

    number = rated_visit(bot, clock)
    with session_scope(bot.rt.engine) as session:
        county = get_or_create_user(session, "county-1", now=clock())
        grant_roles(county, ["county_admin"], now=clock())
        session.add(county)
    converse(bot, "county-1", [(f"标记好人好事 {number} 张志强冒雨帮王奶奶修好了屋顶", "老人同意"),
                               ("1", "同意公开：是"), ("1", "请由该村的管理员登记")])
    with Session(bot.rt.engine) as session:
        assert session.exec(select(SuccessStory)).all() == []


def test_the_digest_tells_a_story_without_the_house_number_or_phone_it_quoted(bot, clock):
    from datetime import timedelta

    number = rated_visit(bot, clock)
    converse(bot, ADMIN, [(f"标记好人好事 {number} 张志强冒雨帮东头12号王奶奶修好了屋顶，"
                           "王奶奶电话13800000001", "老人同意"),
                          ("1", "同意公开：是"), ("1", "已记下")])
    jobs.run(bot.rt, "notices.digest", clock() + timedelta(days=6))
    with Session(bot.rt.engine) as session:
        [digest] = session.exec(select(Broadcast).where(Broadcast.topic == "digest")).all()
    assert "东头" in digest.body and "修好了屋顶" in digest.body
    assert "12号" not in digest.body and "13800000001" not in digest.body


def test_writing_about_falls_in_a_notice_is_not_an_emergency(bot):
    """While a coordinator composes, 摔倒 and 急救 are the topic, not a cry for help."""
    converse(bot, ADMIN, [("广播", "发给谁"), ("2", "请发通知内容"),
                          ("老人摔倒了起不来怎么办？周五急救培训", "什么时候发")])
    assert outbox_rows(bot.rt, "alarm:") == []
