"""Publishing events from the console (the chat's rules), their sign-ups, and exports with progress."""
from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from app.console import progress as console_progress
from models.events import events as ev
from models.people.users import User
from tests.console_support import logged_in, town

EVENT = {"kind": "lecture", "title": "冬季防跌倒讲座", "starts": "2026-12-05T09:30", "hours": "2",
         "place": "村委会二楼", "capacity": "30", "deadline": ""}


@pytest.fixture
def say(make_app, signer, clock, fake_wechat):
    return town(make_app, signer, clock, fake_wechat)


def village_id(rt) -> int:
    with Session(rt.engine) as session:
        return session.exec(select(User.village_id).where(User.openid == "demo-admin")).one()


def test_publish_an_event_then_a_villager_signs_up_in_the_chat_and_is_listed(say):
    client, csrf = logged_in(say.app)
    assert "发布活动或培训" in client.get("/console/events/new").get_data(as_text=True)
    answer = client.post("/console/events/new", data={**EVENT, "village": village_id(say.rt), "csrf_token": csrf})
    assert answer.status_code == 303
    number = int(re.search(r"/console/events/(\d+)", answer.headers["Location"]).group(1))
    with Session(say.rt.engine) as session:
        event = session.get(ev.Event, number)
        assert (event.title, event.place, event.capacity) == ("冬季防跌倒讲座", "村委会二楼", 30)
        # The chat's default deadline: 20:00 the evening before, local time.
        assert event.signup_deadline.astimezone(say.rt.tz).strftime("%m-%d %H:%M") == "12-04 20:00"
        elder = session.exec(select(User).where(User.openid == "demo-elder-2")).one()
        assert ev.sign_up(session, number, elder, booked_by=elder, now=say.clock()).outcome == "confirmed"
        name = elder.name
        session.commit()
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "冬季防跌倒讲座" in html and "村委会二楼" in html
    assert name in html and "已报上" in html
    assert "活动开始前一小时起" in html  # attendance opens an hour before the start


def test_a_training_needs_its_qualification_and_bad_input_is_explained(say):
    client, csrf = logged_in(say.app)
    no_skill = client.post("/console/events/new", data={**EVENT, "kind": "training", "village": village_id(say.rt),
                                                        "csrf_token": csrf})
    assert no_skill.status_code == 400 and "资格" in no_skill.get_data(as_text=True)
    past = client.post("/console/events/new", data={**EVENT, "starts": "2026-11-01T09:00",
                                                    "village": village_id(say.rt), "csrf_token": csrf})
    assert past.status_code == 400 and "今后" in past.get_data(as_text=True)
    too_many = client.post("/console/events/new", data={**EVENT, "capacity": "5000", "village": village_id(say.rt),
                                                        "csrf_token": csrf})
    assert too_many.status_code == 400 and "名额" in too_many.get_data(as_text=True)
    county = client.post("/console/events/new", data={**EVENT, "village": "county", "csrf_token": csrf})
    assert county.status_code == 400
    trained = client.post("/console/events/new", data={**EVENT, "kind": "training", "qualification": "medical",
                                                       "valid_days": "365", "village": village_id(say.rt),
                                                       "csrf_token": csrf})
    assert trained.status_code == 303
    number = int(re.search(r"/console/events/(\d+)", trained.headers["Location"]).group(1))
    with Session(say.rt.engine) as session:
        event = session.get(ev.Event, number)
        assert (event.kind, event.qualification, event.valid_days) == ("training", "medical", 365)


def test_an_export_runs_in_the_background_with_progress_and_a_download(say):
    client, csrf = logged_in(say.app)
    started = client.post("/console/lists/volunteers.csv/job", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert started.status_code == 200
    token = re.search(r"/console/jobs/([\w-]+)", started.get_data(as_text=True)).group(1)
    for thread in list(console_progress.STARTED):
        thread.join(timeout=30)
    done = client.get(f"/console/jobs/{token}").get_data(as_text=True)
    assert "完成" in done and "hx-trigger" not in done
    file = client.get(f"/console/jobs/{token}/file")
    assert file.status_code == 200 and "周大勇" in file.data.decode("utf-8-sig")
    direct = client.get("/console/lists/volunteers.csv")
    assert file.data == direct.data  # the same file as the direct export
    other, _ = logged_in(say.app, "demo-admin")
    assert client.get("/console/jobs/not-a-job").status_code == 404
    assert other.get(f"/console/jobs/{token}/file").status_code == 200  # same coordinator, new browser
