"""The console's pages and actions, driven as a coordinator would, through the same rules as the chat."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.db import session_scope
from models.core.outbox import OutboxMessage
from models.help import requests as hr
from models.people.membership import ElderProfile
from models.people.users import User, Village
from models.privacy import access, consent
from tests.console_support import ELDER, logged_in, open_request, town


@pytest.fixture
def say(make_app, signer, clock, fake_wechat):
    return town(make_app, signer, clock, fake_wechat)


def the_request(rt) -> hr.HelpRequest:
    with Session(rt.engine) as session:
        return session.exec(select(hr.HelpRequest)).one()


def user(rt, openid: str) -> User:
    with Session(rt.engine) as session:
        return session.exec(select(User).where(User.openid == openid)).one()


def test_today_shows_an_open_request_and_the_assignment_reaches_the_volunteer(say):
    open_request(say)
    number = the_request(say.rt).id
    client, csrf = logged_in(say.app)
    today = client.get("/console/").get_data(as_text=True)
    assert f"#{number}" in today and "王秀英" in today and "第 1 轮派单中" in today
    detail = client.get(f"/console/requests/{number}").get_data(as_text=True)
    assert "派单排序" in detail and "周大勇" in detail
    volunteer = user(say.rt, "demo-volunteer-5")
    answer = client.post(f"/console/requests/{number}/assign", data={"volunteer": volunteer.id},
                         headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert answer.status_code == 200 and "已把求助" in answer.get_data(as_text=True)
    say.deliver()
    assert "示范村东头12号" in say.inbox("demo-volunteer-5")[-1]
    again = client.post(f"/console/requests/{number}/assign", data={"volunteer": volunteer.id},
                        headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409


def test_a_village_coordinator_cannot_reach_another_villages_request_or_elder(say):
    open_request(say)
    number, elder_id = the_request(say.rt).id, user(say.rt, ELDER).id
    with Session(say.rt.engine) as session:
        other = Village(code="east", name="东村", created_at=say.clock())
        session.add(other)
        session.commit()
        admin = session.exec(select(User).where(User.openid == "demo-admin")).one()
        admin.village_id = other.id
        session.add(admin)
        session.commit()
    client, csrf = logged_in(say.app)
    assert f"#{number}" not in client.get("/console/").get_data(as_text=True)
    assert client.get(f"/console/requests/{number}").status_code == 404
    assert client.get(f"/console/elders/{elder_id}").status_code == 404
    volunteer = user(say.rt, "demo-volunteer-5")
    refused = client.post(f"/console/requests/{number}/assign", data={"volunteer": volunteer.id},
                          headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 409 and the_request(say.rt).status == hr.OPEN
    assert "王秀英" not in client.get("/console/lists/requests").get_data(as_text=True)


def test_every_view_of_an_elders_details_is_logged(say):
    client, _ = logged_in(say.app)
    elder = user(say.rt, ELDER)
    page = client.get(f"/console/elders/{elder.id}").get_data(as_text=True)
    assert "示范村东头12号" in page
    client.get(f"/console/elders/{elder.id}")
    with Session(say.rt.engine) as session:
        views = access.accesses_of(session, elder.id)
    admin = user(say.rt, "demo-admin")
    # Two views of the contact card, in the privacy log (no health notes consented: none shown, none logged).
    assert [(v.viewer_id, v.reason, v.what) for v in views] == [(admin.id, "console", "contact")] * 2
    # Lists and exports never carry the address.
    assert "东头12号" not in client.get("/console/lists/elders").get_data(as_text=True)


def test_a_console_view_is_in_the_elders_and_the_familys_who_looked_reply(say):
    client, _ = logged_in(say.app)
    elder, admin = user(say.rt, ELDER), user(say.rt, "demo-admin")
    assert "还没有被别人查看过" in say(ELDER, "谁看过我的信息")
    with session_scope(say.rt.engine) as session:  # health notes, with their separate consent
        profile = session.exec(select(ElderProfile).where(ElderProfile.user_id == elder.id)).one()
        profile.health_notes = "高血压"
        session.add(profile)
        consent.record(session, elder.id, consent.HEALTH_NOTES, granted=True, given_by=elder.id, now=say.clock())
    page = client.get(f"/console/elders/{elder.id}").get_data(as_text=True)
    assert "高血压" in page and "管理后台查看" in page  # the page lists its own view, from the same log
    reply = say(ELDER, "谁看过我的信息")
    assert f"管理员{admin.name}：管理后台查看，看了联系方式和住址" in reply
    assert f"管理员{admin.name}：管理后台查看，看了身体情况" in reply
    assert "管理后台查看" in say("demo-family-1", "谁看过我的信息")


def test_a_lost_push_is_listed_until_marked_handled(say):
    with Session(say.rt.engine) as session:
        session.add(OutboxMessage(key="lost-1", openid=ELDER, kind="help_claimed", text="志愿者明天来",
                                  status="undeliverable", not_before=say.clock(), created_at=say.clock()))
        session.commit()
        row_id = session.exec(select(OutboxMessage.id).where(OutboxMessage.key == "lost-1")).one()
    client, csrf = logged_in(say.app)
    assert "志愿者明天来" in client.get("/console/").get_data(as_text=True)
    assert client.post(f"/console/outbox/{row_id}/handled", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert "志愿者明天来" not in client.get("/console/").get_data(as_text=True)
    assert client.post(f"/console/outbox/{row_id}/handled", headers={"X-CSRF-Token": csrf}).status_code == 409


def test_volunteer_approval_and_canteen_menu_from_the_console(say):
    client, csrf = logged_in(say.app)
    refused = client.post("/console/volunteers/999/reject", data={"csrf_token": csrf, "reason": ""})
    assert refused.status_code == 400
    with Session(say.rt.engine) as session:
        village = session.exec(select(Village)).first()
    posted = client.post("/console/canteen/menu", data={"csrf_token": csrf, "village": village.id, "meal": "lunch",
                                                        "day": "2026-12-02", "dishes": "红烧肉，青菜 豆腐汤"})
    assert posted.status_code == 200 and "红烧肉、青菜、豆腐汤" in posted.get_data(as_text=True)
    assert client.post("/console/canteen/menu", data={"csrf_token": csrf, "village": village.id, "meal": "lunch",
                                                      "day": "2020-01-01", "dishes": "x"}).status_code == 400


def test_every_list_exports_as_csv_and_xlsx_with_the_same_rows(say):
    open_request(say)
    client, _ = logged_in(say.app)
    for name in ("requests", "volunteers", "elders", "events", "canteen", "notices", "outbox"):
        assert client.get(f"/console/lists/{name}").status_code == 200, name
        csv_text = client.get(f"/console/lists/{name}.csv").get_data().decode("utf-8-sig")
        book = load_workbook(io.BytesIO(client.get(f"/console/lists/{name}.xlsx").get_data()))
        sheet_rows = list(book.active.iter_rows(values_only=True))
        assert len(csv_text.strip().splitlines()) == len(sheet_rows), name
    requests_csv = client.get("/console/lists/requests.csv?status=open").get_data().decode("utf-8-sig")
    assert "王秀英" in requests_csv and "降压药" in requests_csv
    assert "王秀英" not in client.get("/console/lists/requests.csv?status=done").get_data().decode("utf-8-sig")
    assert client.get("/console/lists/requests?status=bogus").status_code == 400
    assert client.get("/console/lists/nothing").status_code == 404


def test_the_charts_page_draws_from_vendored_chart_js_and_the_figures_follow_the_requests(say):
    open_request(say)
    client, _ = logged_in(say.app)
    page = client.get("/console/charts").get_data(as_text=True)
    assert "vendor/chart-4.6.2.umd.min.js" in page and "cdn" not in page.lower()
    figures = client.get("/console/charts.json").get_json()
    assert sum(sum(d["data"]) for d in figures["requests"]["datasets"]) == 1
    assert client.get("/console/static/vendor/chart-4.6.2.umd.min.js").status_code == 200


def test_console_templates_hold_no_chinese_and_name_only_catalogue_texts():
    import re
    from pathlib import Path

    from bots.texts import catalog
    from tests.test_console_texts import HAN

    folder = Path(__file__).resolve().parent.parent / "app" / "console" / "templates" / "console"
    keys = set(catalog("zh_CN"))
    for path in folder.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not HAN.search(source), path.name
        assert set(re.findall(r't\(["\'](console_web_[a-z_]+)["\']\s*[,)]', source)) <= keys, path.name
