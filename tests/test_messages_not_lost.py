"""Messages that must not be lost or mangled (issue 10, items 10 and 11), through the real webhook and
delivery against the fake WeChat API (and the fake Tencent Cloud SMS API)."""
from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from app.config import ConfigError, load_settings
from app.db import session_scope
from models.core import outbox, windows
from tests.fakes.dialogue import build_town
from tests.message_support import CRITICAL_TEMPLATES, templates_env

ELDER, FAMILY, ADMIN = "demo-elder-1", "demo-family-1", "demo-admin"
SUMMARY = "有紧急情况，详情请回复任意字查看"


@pytest.fixture
def town(make_app, signer, clock, fake_wechat):
    """The demo village with extra settings: town(templates=…) -> say(openid, text), with .deliver, .rows."""

    def build(**settings):
        return build_town(make_app, signer, clock, fake_wechat, **settings)

    return build


def template_values(fake, openid):
    return [{k: v["value"] for k, v in s["payload"]["data"].items()} for s in fake.sent(openid, "template")]


def texts(fake, openid):
    return [s["payload"]["text"]["content"] for s in fake.sent(openid, "custom")]


# --- item 10: template values by keyword type ------------------------------------------------------

def test_the_familys_claim_notice_keeps_the_volunteers_phone_whole(town, fake_wechat):
    templates = {"help_claimed": {"template_id": "TPL_CLAIMED",
                                  "fields": {"thing1": "title", "name2": "volunteer", "phone_number3": "phone"}}}
    say = town(templates=templates)
    say(ELDER, "明天上午想找人帮我去镇上买降压药")
    say(ELDER, "1")
    number = say.rows(kind="task_offer")[0].key.split(":")[1]
    say("demo-volunteer-3", f"接单 {number}")
    say.deliver()
    [sent] = template_values(fake_wechat, FAMILY)
    assert sent["phone_number3"] == "13700000003" and sent["name2"] == "陈建军"
    assert len(sent["thing1"]) <= 20 and "，电" not in sent["thing1"]


def test_an_emergency_template_says_what_happened_and_the_full_text_follows_the_next_message(town, fake_wechat):
    say = town(templates=CRITICAL_TEMPLATES)
    say(ELDER, "救命 心口痛得很喘不上气")
    say.deliver()
    [sent] = template_values(fake_wechat, FAMILY)
    assert sent == {"thing1": SUMMARY, "name2": "王秀英", "phone_number3": "13800000001"}
    [held] = say.rows(openid=FAMILY, status=outbox.HELD)
    assert "心口痛得很喘不上气" in held.text  # visible to coordinators (`flask outbox held`) meanwhile
    result = say.app.test_cli_runner().invoke(args=["outbox", "held"])
    assert "心口痛得很喘不上气" in result.output and FAMILY in result.output
    assert texts(fake_wechat, FAMILY) == []

    say(FAMILY, "怎么了")
    say.deliver()
    [full] = [text for text in texts(fake_wechat, FAMILY) if "心口痛" in text]
    assert "心口痛得很喘不上气" in full and "13800000001" in full


def test_an_assignment_gives_the_volunteer_the_same_details_as_a_claim(town, fake_wechat):
    templates = {"help_claimed_volunteer": {"template_id": "TPL_TASK", "fields": {
        "thing1": "title", "time2": "when", "thing3": "address", "phone_number4": "phone", "name5": "elder"}}}
    say = town(templates=templates)
    say(ELDER, "明天上午想找人帮我去镇上买降压药")
    say(ELDER, "1")
    number = say.rows(kind="task_offer")[0].key.split(":")[1]
    assert "已把求助" in say(ADMIN, f"派单 {number} 张志强")
    say.deliver()
    [sent] = template_values(fake_wechat, "demo-volunteer-1")
    assert sent["thing3"] == "示范村东头12号" and sent["phone_number4"] == "13800000001"
    assert sent["time2"] == "2026年12月2日 08:00~12:00" and sent["name5"] == "王秀英"
    assert "派单" in sent["thing1"]
    [row] = say.rows(openid="demo-volunteer-1", kind="help_claimed_volunteer")
    assert "示范村东头12号" in row.text and "派单" in row.text and "接单成功" not in row.text


def test_a_keyword_without_a_type_in_its_name_must_state_one():
    untyped = {"notice": {"template_id": "T", "fields": {"keyword1": "title"}}}
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"LINLI_ENV": "development", "LINLI__TEMPLATES": str(untyped)})
    assert "templates.notice.fields.keyword1" in str(info.value)
    typed = {"notice": {"template_id": "T", "fields": {"keyword1": {"value": "title", "type": "thing"}}}}
    assert load_settings(environ={"LINLI_ENV": "development", "LINLI__TEMPLATES": str(typed)})["templates"]["notice"]


# --- item 11: critical pushes are never silently undeliverable ----------------------------------------

def test_production_refuses_to_start_without_templates_for_critical_pushes(caplog):
    env = {"LINLI_ENV": "production", "WECHAT_TOKEN": "t0k3n-real-value", "WECHAT_APP_ID": "wxreal1",
           "WECHAT_APP_SECRET": "a-real-app-secret-value"}
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    assert "emergency_alert" in str(info.value) and "human_handoff" in str(info.value)
    assert "checkin_alert" in str(info.value) and "checkin_escalated" in str(info.value)
    with caplog.at_level(logging.WARNING):
        assert load_settings(environ={**env, "LINLI__TEMPLATES": templates_env()})["env"] == "production"
    warned = caplog.text
    assert "task_offer" in warned and "sms.provider is off" in warned


def _wrote(rt, fake, openid):
    fake.record_interaction(openid, "message")
    with session_scope(rt.engine) as session:
        windows.record_interaction(session, openid, windows.MESSAGE, now=rt.clock())


def _enqueue(rt, key, kind, text, openid=FAMILY):
    with session_scope(rt.engine) as session:
        outbox.enqueue(session, key=key, openid=openid, kind=kind, text=text, now=rt.clock())


def test_routine_pushes_leave_the_last_two_messages_of_the_window_to_emergencies(town, fake_wechat):
    say = town()
    _wrote(say.rt, fake_wechat, FAMILY)
    for i in range(5):
        _enqueue(say.rt, f"n{i}", "notice", f"村里通知{i}")
    say.deliver()
    for i in range(2):
        _enqueue(say.rt, f"e{i}", "emergency_alert", f"紧急情况{i}")
    say.deliver()
    assert texts(fake_wechat, FAMILY) == ["村里通知0", "村里通知1", "村里通知2", "紧急情况0", "紧急情况1"]
    assert [r.status for r in say.rows(kind="notice")] == ["sent"] * 3 + ["held"] * 2

    say(FAMILY, "好的")  # a fresh window: what waited goes out, merged into one message
    say.deliver()
    merged = texts(fake_wechat, FAMILY)[-1]
    assert "村里通知3" in merged and "村里通知4" in merged
    assert [r.status for r in say.rows(kind="notice")] == ["sent"] * 3 + ["merged"] * 2


def test_an_undeliverable_emergency_alerts_another_coordinator(town, fake_wechat):
    say = town()
    with session_scope(say.rt.engine) as session:
        from models.people.users import User, get_or_create_user, grant_roles

        admin = session.exec(select(User).where(User.openid == ADMIN)).one()
        second = get_or_create_user(session, "demo-admin-2", now=say.rt.clock())
        second.village_id, second.name = admin.village_id, "钱副主任"
        grant_roles(second, ["admin"], now=say.rt.clock())
        session.add(second)
    _wrote(say.rt, fake_wechat, "demo-admin-2")
    _enqueue(say.rt, "handoff", "human_handoff", "【转人工】王秀英请求人工帮助，请尽快联系。", openid=ADMIN)
    say.deliver()
    [row] = say.rows(key="handoff")
    assert row.status == outbox.UNDELIVERABLE
    [alert] = texts(fake_wechat, "demo-admin-2")
    assert "孙主任" in alert and "13600000001" in alert and "王秀英请求人工帮助" in alert
