"""Composing a broadcast in the console: preview, audience size, channel plan, quota warnings, send, progress."""
from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from app.console import progress as console_progress
from models.checkin import rules as ck
from models.notices.broadcasts import Broadcast, NoticeDelivery
from models.people.users import User
from tests.console_support import logged_in, town

NOTICE_TEMPLATE = {"notice": {"template_id": "TPL_NOTICE", "title": "村务公告",
                              "fields": {"thing1": {"value": "title", "label": "公告内容"}, "time2": "when"}}}
FORM = {"village": "", "audience": "all", "title": "", "body": "明天上午9点村委会免费量血压，请带上医保卡。",
        "url": "", "when": "now"}


@pytest.fixture
def say(make_app, signer, clock, fake_wechat):
    return town(make_app, signer, clock, fake_wechat)


def wait_for_jobs() -> None:
    for thread in list(console_progress.STARTED):
        thread.join(timeout=30)


def post(client, csrf, path, data):
    return client.post(path, data=data, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})


def test_preview_shows_the_text_the_audience_and_the_channel_plan(say):
    client, csrf = logged_in(say.app)
    assert "发通知" in client.get("/console/broadcast").get_data(as_text=True)
    html = post(client, csrf, "/console/broadcast/preview", {**FORM, "audience": "role:volunteer"}).get_data(
        as_text=True)
    # Five volunteers wrote lately (the town's 你好): all five by customer-service message, nothing sent yet.
    assert "示范村 · 志愿者：共 5 人" in html
    assert FORM["body"] in html
    plan = dict(re.findall(r'data-channel="(\w+)"><td>[^<]*</td><td class="num">(\d+)', html))
    assert plan == {"custom": "5", "template": "0", "mass": "0", "sms": "0", "none": "0"}
    with Session(say.rt.engine) as session:
        assert session.exec(select(Broadcast)).first() is None


def test_people_outside_the_window_go_by_template_shown_as_its_card(make_app, signer, clock, fake_wechat):
    say = town(make_app, signer, clock, fake_wechat, templates=NOTICE_TEMPLATE)
    say.clock.advance(hours=49)  # every customer-service window has closed
    client, csrf = logged_in(say.app)
    html = post(client, csrf, "/console/broadcast/preview", {**FORM, "title": "量血压"}).get_data(as_text=True)
    plan = dict(re.findall(r'data-channel="(\w+)"><td>[^<]*</td><td class="num">(\d+)', html))
    assert plan["custom"] == "0" and int(plan["template"]) >= 8
    assert "村务公告" in html and "公告内容" in html and "thing1" not in html


def test_elders_with_check_in_are_an_audience(say):
    client, csrf = logged_in(say.app)
    html = post(client, csrf, "/console/broadcast/preview", {**FORM, "audience": "checkin:elder"}).get_data(
        as_text=True)
    with Session(say.rt.engine) as session:
        enrolled = len(session.exec(select(ck.CheckinEnrolment).where(ck.CheckinEnrolment.status != ck.CLOSED)).all())
    assert enrolled >= 1 and f"共 {enrolled} 人" in html


def test_mass_and_template_quota_warnings(make_app, signer, clock, fake_wechat):
    say = town(make_app, signer, clock, fake_wechat, templates=NOTICE_TEMPLATE, notices__template_per_day=3)
    say.clock.advance(hours=49)
    client, csrf = logged_in(say.app)
    html = post(client, csrf, "/console/broadcast/preview", FORM).get_data(as_text=True)
    assert "每天最多3条" in html


def test_bad_input_is_explained_not_sent(say):
    client, csrf = logged_in(say.app)
    empty = post(client, csrf, "/console/broadcast/preview", {**FORM, "body": ""})
    assert empty.status_code == 400 and "内容" in empty.get_data(as_text=True)
    odd = post(client, csrf, "/console/broadcast/send", {**FORM, "audience": "role:mayor"})
    assert odd.status_code == 400 and "没有这个发送对象" in odd.get_data(as_text=True)
    assert post(client, "wrong", "/console/broadcast/send", FORM).status_code == 403
    with Session(say.rt.engine) as session:
        assert session.exec(select(Broadcast)).first() is None


def test_a_village_coordinator_cannot_address_the_county(say):
    client, csrf = logged_in(say.app)
    answer = post(client, csrf, "/console/broadcast/send", {**FORM, "village": "county"})
    assert answer.status_code == 400 and "本村" in answer.get_data(as_text=True)


def test_send_creates_the_broadcast_plans_it_and_the_pushes_arrive(say):
    client, csrf = logged_in(say.app)
    answer = post(client, csrf, "/console/broadcast/send", {**FORM, "audience": "role:volunteer"})
    assert answer.status_code == 200
    number = int(re.search(r"通知 #(\d+)", answer.get_data(as_text=True)).group(1))
    wait_for_jobs()
    with Session(say.rt.engine) as session:
        b = session.get(Broadcast, number)
        assert b.status == "sending" and b.recipients == 5 and b.author_openid == "demo-admin"
        rows = session.exec(select(NoticeDelivery).where(NoticeDelivery.broadcast_id == number)).all()
        assert {r.channel for r in rows} == {"custom"}
    waiting = client.get(f"/console/broadcasts/{number}/progress?of=5").get_data(as_text=True)
    assert "等待 5" in waiting and "hx-trigger" in waiting
    say.deliver()
    for i in range(1, 6):
        assert FORM["body"] in say.inbox(f"demo-volunteer-{i}")[-1]
    assert FORM["body"] not in "".join(say.inbox("demo-elder-1"))
    done = client.get(f"/console/broadcasts/{number}/progress?of=5").get_data(as_text=True)
    assert "已送达 5" in done and "hx-trigger" not in done


def test_a_broadcast_at_a_later_time_waits(say):
    client, csrf = logged_in(say.app)
    answer = post(client, csrf, "/console/broadcast/send", {**FORM, "when": "at", "at": "2026-12-03T10:00"})
    assert answer.status_code == 200 and "12-03 10:00" in answer.get_data(as_text=True)
    wait_for_jobs()
    with Session(say.rt.engine) as session:
        assert session.exec(select(Broadcast)).one().status == "scheduled"


def test_progress_of_someone_elses_broadcast_is_not_found(say):
    client, csrf = logged_in(say.app)
    assert client.get("/console/broadcasts/999/progress").status_code == 404
    with Session(say.rt.engine) as session:
        assert session.exec(select(User).where(User.openid == "demo-admin")).one()


def test_a_village_coordinator_cannot_address_another_village(say):
    from models.people.users import Village

    with Session(say.rt.engine) as session:
        other = Village(code="other", name="别的村", created_at=say.clock())
        session.add(other)
        session.commit()
        other_id = other.id
    client, csrf = logged_in(say.app)
    answer = post(client, csrf, "/console/broadcast/preview", {**FORM, "village": str(other_id)})
    assert answer.status_code == 400 and "本村" in answer.get_data(as_text=True)
