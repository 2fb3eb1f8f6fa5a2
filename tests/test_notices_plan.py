"""Channel planning against the fake WeChat API with an explicit clock: window, count, quota, template, quiet hours."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.jobs import registry as jobs
from models.core import outbox, windows
from models.notices import plan as notice_plan
from models.notices.broadcasts import MassQuota, NoticeDelivery, NoticeError
from tests.conftest import ManualClock
from tests.notices_support import batches, broadcast, deliver_all, deliveries, person, status_of, user_wrote, village

MORNING = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TEMPLATES = {"notice": {"template_id": "TPL_NOTICE", "fields": {"thing1": "title"}}}


@pytest.fixture
def clock():
    return ManualClock(MORNING)


@pytest.fixture
def town(make_app, clock, fake_wechat):
    """A village with a coordinator, four elders and a family member; returns a builder for the app."""
    def build(**settings):
        app = make_app(clock=clock, **settings)
        rt = app.extensions["linli"]
        with session_scope(rt.engine) as session:
            home = village(session, "east", "东村")
            person(session, "admin-east", home, ("admin",), now=clock())
            for name in ("in-window", "no-window", "quota-used", "family-1"):
                person(session, name, home, ("family",) if name == "family-1" else ("elder",), now=clock())
            person(session, "gone", home, ("elder",), now=clock(), subscribed=False)
            for openid in ("admin-east", "in-window", "no-window", "quota-used", "family-1"):
                fake_wechat.follow(openid)
            session.add(MassQuota(openid="quota-used", month=notice_plan.mass_month(clock()), used=4))
        rt.home = home.id
        return rt
    return build


def test_each_recipient_gets_the_channel_wechat_will_accept(town, fake_wechat, clock):
    rt = town()
    user_wrote(rt, fake_wechat, "in-window", clock())
    number = broadcast(rt, "admin-east", "周五上午村委会健康讲座", now=clock())
    deliver_all(rt, clock())
    rows = deliveries(rt, number)
    assert {o: (r.channel, r.status, r.reason) for o, r in rows.items()} == {
        "in-window": ("custom", "sent", ""),
        "no-window": ("mass", "sent", ""), "family-1": ("mass", "sent", ""), "admin-east": ("mass", "sent", ""),
        "quota-used": ("mass", "skipped", "mass_quota"),
        "gone": ("none", "skipped", "unsubscribed"),
    }
    assert [m["channel"] for m in fake_wechat.sent("in-window")] == ["custom"]
    assert fake_wechat.sent("quota-used") == [] and fake_wechat.sent("gone") == []
    [mass] = fake_wechat.calls("/cgi-bin/message/mass/send")
    assert sorted(mass["body"]["touser"]) == ["admin-east", "family-1", "no-window"]
    assert mass["body"]["clientmsgid"] == batches(rt, number)[0].clientmsgid
    assert status_of(rt, number) == "done"


def test_a_template_is_used_outside_the_window_when_configured(town, fake_wechat, clock):
    rt = town(templates=TEMPLATES)
    number = broadcast(rt, "admin-east", "明天停水一天，请提前储水", now=clock(), audience="role:elder")
    deliver_all(rt, clock())
    rows = deliveries(rt, number)
    assert rows["no-window"].channel == "template" and rows["no-window"].status == "sent"
    assert "family-1" not in rows  # not an elder
    assert [m["channel"] for m in fake_wechat.sent("no-window")] == ["template"]
    assert fake_wechat.calls("/cgi-bin/message/mass/send") == []


def test_a_used_up_window_is_not_counted_as_open(town, fake_wechat, clock):
    rt = town()
    user_wrote(rt, fake_wechat, "in-window", clock())
    with session_scope(rt.engine) as session:
        for _ in range(windows.MESSAGE_QUOTA):
            windows.consume(session, "in-window", now=clock())
    number = broadcast(rt, "admin-east", "通知", now=clock())
    jobs.run(rt, "notices.dispatch", clock())
    assert deliveries(rt, number)["in-window"].channel == "mass"


def test_a_window_that_closed_48_hours_later_is_not_used(town, fake_wechat, clock):
    rt = town()
    user_wrote(rt, fake_wechat, "in-window", clock())
    clock.advance(hours=48, minutes=1)
    number = broadcast(rt, "admin-east", "通知", now=clock())
    jobs.run(rt, "notices.dispatch", clock())
    assert deliveries(rt, number)["in-window"].channel == "mass"


def test_the_quota_warning_counts_who_would_miss_out(town, clock):
    rt = town()
    with Session(rt.engine) as session:
        draft = notice_plan.Broadcast(village_id=rt.home, author_openid="admin-east", body="x", audience="all",
                                      send_at=clock(), created_at=clock())
        counts = notice_plan.estimate(session, draft, notice_plan.PlanRules(), now=clock())
    assert counts == {"mass": 4, "mass_quota": 1, "unsubscribed": 1, "total": 6}


def test_mass_quota_is_reserved_per_recipient_and_month(town, fake_wechat, clock):
    rt = town()
    for i in range(4):
        broadcast(rt, "admin-east", f"第{i}条", now=clock())
    number = broadcast(rt, "admin-east", "第五条", now=clock())
    jobs.run(rt, "notices.dispatch", clock())
    assert deliveries(rt, number)["no-window"].reason == "mass_quota"
    clock.now = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # a new month
    fresh = broadcast(rt, "admin-east", "新年好", now=clock())
    jobs.run(rt, "notices.dispatch", clock())
    assert deliveries(rt, fresh)["no-window"].status == "pending"


@pytest.mark.parametrize("local_hour, urgent, planned", [(22, False, False), (6, False, False), (22, True, True),
                                                         (7, False, True), (20, False, True)])
def test_quiet_hours_defer_non_urgent_notices_to_the_morning(town, clock, local_hour, urgent, planned):
    rt = town()
    clock.now = datetime(2026, 12, 1, local_hour, 0, tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)
    number = broadcast(rt, "admin-east", "通知", now=clock(), urgent=urgent)
    jobs.run(rt, "notices.dispatch", clock())
    assert bool(deliveries(rt, number)) is planned
    if not planned:
        morning = notice_plan.quiet_until(clock(), notice_plan.PlanRules())
        assert morning.astimezone(timezone(timedelta(hours=8))).hour == 7
        jobs.run(rt, "notices.dispatch", morning - timedelta(minutes=1))
        assert deliveries(rt, number) == {}
        jobs.run(rt, "notices.dispatch", morning)
        assert len(deliveries(rt, number)) == 6


def test_a_scheduled_notice_waits_for_its_time_and_can_be_cancelled(town, clock):
    rt = town()
    later = broadcast(rt, "admin-east", "下周一开会", now=clock(), send_at=clock() + timedelta(hours=3))
    other = broadcast(rt, "admin-east", "下周二开会", now=clock(), send_at=clock() + timedelta(hours=3))
    jobs.run(rt, "notices.dispatch", clock() + timedelta(hours=2))
    assert deliveries(rt, later) == {}
    with session_scope(rt.engine) as session:
        notice_plan.cancel_broadcast(session, session.get(notice_plan.Broadcast, other), now=clock())
    jobs.run(rt, "notices.dispatch", clock() + timedelta(hours=3))
    assert len(deliveries(rt, later)) == 6 and deliveries(rt, other) == {}


def test_planning_interrupted_between_chunks_resumes_without_gaps_or_repeats(town, clock):
    rt = town()
    number = broadcast(rt, "admin-east", "通知", now=clock())
    rules = notice_plan.PlanRules(chunk=2)
    with session_scope(rt.engine) as session:
        assert notice_plan.plan_step(session, number, rules, now=clock()) == 2
    try:  # the next chunk dies half-way: its transaction is rolled back
        with session_scope(rt.engine) as session:
            notice_plan.plan_step(session, number, rules, now=clock())
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    jobs.run(rt, "notices.dispatch", clock())
    rows = deliveries(rt, number)
    assert len(rows) == 6 and status_of(rt, number) == "sending"
    with Session(rt.engine) as session:
        quota = dict(session.exec(select(MassQuota.openid, MassQuota.used)).all())
        keys = session.exec(select(outbox.OutboxMessage.key)).all()
    assert quota == {"no-window": 1, "family-1": 1, "admin-east": 1, "in-window": 1, "quota-used": 4}
    assert len(keys) == len(set(keys))


def test_mass_batches_are_balanced_and_at_most_the_batch_size(town, fake_wechat, clock):
    rt = town(notices__mass_batch_size=3)
    with session_scope(rt.engine) as session:
        home = village(session, "east", "东村")
        for i in range(3):
            person(session, f"extra-{i}", home, now=clock())
            fake_wechat.follow(f"extra-{i}")
    number = broadcast(rt, "admin-east", "通知", now=clock())
    deliver_all(rt, clock())
    sizes = [b.size for b in batches(rt, number)]
    assert sizes == [3, 2, 2] and all(b.status == "sent" for b in batches(rt, number))
    assert sorted(len(c["body"]["touser"]) for c in fake_wechat.calls("/cgi-bin/message/mass/send")) == [2, 2, 3]


def test_a_batch_interrupted_after_the_call_is_resent_with_the_same_clientmsgid(town, fake_wechat, clock):
    rt = town()
    number = broadcast(rt, "admin-east", "通知", now=clock())
    jobs.run(rt, "notices.dispatch", clock())
    from app.broadcast_sender import MassSender
    from models.notices import track as notice_track

    sender = MassSender(rt)
    [batch] = batches(rt, number)
    openids = sender._begin(batch.id, clock())[2]
    rt.wechat.mass_send("通知", batch.clientmsgid, openids=openids)  # WeChat got it; then the worker died
    jobs.run(rt, "notices.send", clock())
    [batch] = batches(rt, number)
    assert batch.status == "sent" and batch.attempts == 2 and batch.msg_id
    assert all(len(fake_wechat.sent(o, "mass")) == 1 for o in openids)
    with Session(rt.engine) as session:
        assert notice_track.stats(session, number)["channels"]["mass"] == {"sent": 4, "skipped": 1}


def test_a_coordinator_cannot_broadcast_to_another_village(town, clock):
    rt = town()
    with session_scope(rt.engine) as session:
        west = village(session, "west", "西村")
        person(session, "county", west, ("county_admin",), now=clock())
        west_id = west.id
    with pytest.raises(NoticeError) as refused:
        broadcast(rt, "admin-east", "通知", now=clock(), village_id=west_id)
    assert refused.value.code == "notices_err_other_village"
    assert broadcast(rt, "county", "全县通知", now=clock(), village_id=west_id)


def test_content_rules_are_checked_before_anything_is_queued(town, clock):
    rt = town()
    for body, code in [("x" * 601, "notices_err_too_long"), ("详情 http://evil.example.com/a", "notices_err_domain"),
                       ("   ", "notices_err_empty")]:
        with pytest.raises(NoticeError) as refused:
            broadcast(rt, "admin-east", body, now=clock())
        assert refused.value.code == code
    assert broadcast(rt, "admin-east", "政策解读 https://www.gov.cn/zhengce/1.htm", now=clock())


def test_risky_content_is_rejected_by_msg_sec_check_and_the_author_told(town, fake_wechat, clock):
    rt = town(notices__msg_sec_check=True)
    fake_wechat.configure(banned_words={"赌博": 20001})
    bad = broadcast(rt, "admin-east", "周末村里组织赌博比赛", now=clock())
    good = broadcast(rt, "admin-east", "周末村里组织象棋比赛", now=clock())
    jobs.run(rt, "notices.dispatch", clock())
    assert status_of(rt, bad) == "rejected" and deliveries(rt, bad) == {}
    assert status_of(rt, good) == "sending" and len(deliveries(rt, good)) == 6
    with Session(rt.engine) as session:
        alert = session.exec(select(outbox.OutboxMessage)
                             .where(outbox.OutboxMessage.key == f"notice_rejected:{bad}")).one()
    assert alert.openid == "admin-east" and "没有通过" in alert.text
    assert all(c["body"]["version"] == 2 for c in fake_wechat.calls("/wxa/msg_sec_check"))


def test_undeliverable_outbox_rows_show_as_failed_with_the_reason(town, fake_wechat, clock):
    rt = town()
    user_wrote(rt, fake_wechat, "in-window", clock())
    fake_wechat.unfollow("in-window")
    number = broadcast(rt, "admin-east", "通知", now=clock(), audience="role:elder")
    deliver_all(rt, clock())
    row = deliveries(rt, number)["in-window"]
    assert row.status == "failed" and "43004" in row.reason
    with Session(rt.engine) as session:
        assert session.exec(select(NoticeDelivery).where(NoticeDelivery.status == "pending")).all() == []
