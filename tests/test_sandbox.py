"""The development sandbox page: personas, sends through the real webhook, pushes from the fake."""
from __future__ import annotations

import pytest

from bots.texts import t
from tests.conftest import APP_ID
from tests.message_support import CRITICAL_TEMPLATES


@pytest.fixture
def app(make_app):
    """The sandbox exists only where development was asked for explicitly."""
    return make_app(env="development")


def _followers(fake_wechat) -> dict[str, set[str]]:
    """openid -> kinds of its open customer-service windows, as the fake reports them."""
    return {f["openid"]: {w["kind"] for w in f["windows"]} for f in fake_wechat.stats()["followers"]}


def _windows(fake_wechat, openid: str) -> set[str]:
    return _followers(fake_wechat).get(openid, set())


def test_page_lists_the_demo_personas_and_menu(client):
    response = client.get("/sandbox")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for openid, name in (("demo-elder-1", "王秀英"), ("demo-family-1", "王建国"),
                         ("demo-volunteer-5", "周大勇"), ("demo-admin", "孙主任")):
        assert openid in html and name in html
    assert "CHECKIN_OK" in html and "TALK_TO_HUMAN" in html
    assert "village_demo" in html


def test_text_goes_through_the_webhook_and_opens_the_fake_window(client, fake_wechat):
    response = client.post("/sandbox/send", json={"openid": "demo-elder-1", "type": "text", "content": "你好"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["raw_status"] == 200
    assert "您好" in body["reply"]
    assert body["safe_mode"] is True  # the test settings carry an AES key: the crypto path ran
    assert "message" in _windows(fake_wechat, "demo-elder-1")


def test_plain_mode_when_no_aes_key(make_app, fake_wechat):
    client = make_app(env="development", wechat__aes_key="").test_client()
    body = client.post("/sandbox/send", json={"openid": "u-plain", "type": "text", "content": "你好"}).get_json()
    assert body["safe_mode"] is False and "您好" in body["reply"]


def test_subscribe_returns_the_welcome_and_follows_in_the_fake(client, fake_wechat):
    body = client.post("/sandbox/send", json={"openid": "newcomer-1", "type": "subscribe"}).get_json()
    assert body["reply"].startswith(t("welcome")) and "/privacy" in body["reply"]
    assert "event" in _windows(fake_wechat, "newcomer-1")
    assert "newcomer-1" in _followers(fake_wechat)


def test_unsubscribe_unfollows_and_has_no_reply(client, fake_wechat):
    client.post("/sandbox/send", json={"openid": "leaver-1", "type": "subscribe"})
    body = client.post("/sandbox/send", json={"openid": "leaver-1", "type": "unsubscribe"}).get_json()
    assert body == {"reply": None, "raw_status": 200, "safe_mode": True}
    assert "leaver-1" not in _followers(fake_wechat)


@pytest.mark.parametrize("payload, window", [
    ({"type": "click", "key": "EVENT_QUERY"}, "event"),
    ({"type": "scan", "scene": "village_demo"}, "event"),
    ({"type": "voice", "content": "你好"}, "message"),
    ({"type": "voice_unrecognised"}, "message"),
    ({"type": "location", "label": "村口"}, "message"),
    ({"type": "image"}, "message"),
])
def test_every_message_type_reaches_the_webhook(client, fake_wechat, payload, window):
    response = client.post("/sandbox/send", json={"openid": "demo-elder-2", **payload})
    assert response.status_code == 200
    assert response.get_json()["raw_status"] == 200
    assert window in _windows(fake_wechat, "demo-elder-2")


def test_voice_without_recognition_asks_again(client):
    body = client.post("/sandbox/send", json={"openid": "demo-elder-3", "type": "voice_unrecognised"}).get_json()
    assert body["reply"] == t("voice_unrecognised")


def test_bad_requests_are_explained(client):
    assert client.post("/sandbox/send", json={"type": "text"}).status_code == 400
    response = client.post("/sandbox/send", json={"openid": "x", "type": "telegram"})
    assert response.status_code == 400 and "unknown type" in response.get_json()["error"]
    assert client.post("/sandbox/send", json={"openid": "x", "type": "click"}).status_code == 400


def test_pushes_come_newest_first_from_the_fake(client, rt, fake_wechat):
    client.post("/sandbox/send", json={"openid": "demo-elder-1", "type": "text", "content": "你好"})
    client.post("/sandbox/send", json={"openid": "someone-else", "type": "text", "content": "你好"})
    for text in ("第1条", "第2条"):
        rt.wechat.send_text("demo-elder-1", text)
    rt.wechat.send_text("someone-else", "别人的")
    items = client.get("/sandbox/pushes?openid=demo-elder-1").get_json()
    assert [item["payload"]["text"]["content"] for item in items] == ["第2条", "第1条"]
    assert all(item["channel"] == "custom" for item in items)


def test_pushes_are_an_empty_list_when_the_fake_is_down(make_app):
    client = make_app(env="development", wechat__api_base_url="http://127.0.0.1:9").test_client()
    response = client.get("/sandbox/pushes?openid=demo-elder-1")
    assert response.status_code == 200 and response.get_json() == []
    assert response.headers["X-Sandbox-Note"]


def test_send_still_works_when_the_fake_is_down(make_app):
    client = make_app(env="development", wechat__api_base_url="http://127.0.0.1:9").test_client()
    body = client.post("/sandbox/send", json={"openid": "demo-elder-1", "type": "text", "content": "你好"}).get_json()
    assert "您好" in body["reply"]


def test_absent_in_production(make_app):
    app = make_app(env="production", wechat__token="prod-token-0123456789", wechat__app_secret="prod-secret-0123456789",
                   wechat__app_id=APP_ID, templates=CRITICAL_TEMPLATES)
    client = app.test_client()
    assert client.get("/sandbox").status_code == 404
    assert client.post("/sandbox/send", json={"openid": "x", "type": "text"}).status_code == 404
    assert client.get("/sandbox/pushes?openid=x").status_code == 404


def test_a_non_object_body_is_refused(client):
    assert client.post("/sandbox/send", json=["text"]).status_code == 400


def test_first_screen_speaks_plainly_and_keeps_the_protocol_behind_details(client):
    import re

    html = client.get("/sandbox").get_data(as_text=True)
    visible = re.sub(r"<script.*?</script>|<details.*?</details>", "", html, flags=re.S)
    for jargon in ("被动回复", "48 小时客服窗口", "/wechat", "thing1"):
        assert jargon not in visible
    assert t("sandbox_intro_plain") in visible
    assert "被动回复" in t("sandbox_detail_reply") and "48 小时客服窗口" in t("sandbox_detail_custom")
    assert "detail_reply" in html and "detail_custom" in html  # handed to the page, one tap away
    assert 'class="pane"' in html  # one chat pane per persona, built from this template


def test_a_template_push_comes_with_the_card_the_person_sees(make_app, fake_wechat):
    templates = {"notice": {"template_id": "TPL_NOTICE", "title": "村务公告",
                            "fields": {"thing1": {"value": "title", "label": "公告内容"}, "time2": "when"}}}
    app = make_app(env="development", templates=templates)
    rt = app.extensions["linli"]
    app.test_client().post("/sandbox/send", json={"openid": "demo-elder-1", "type": "subscribe"})
    rt.wechat.send_template("demo-elder-1", "TPL_NOTICE", {"thing1": "明天量血压", "time2": "09:00"}, client_msg_id="a")
    rt.wechat.send_template("demo-elder-1", "TPL_UNKNOWN", {"thing1": "别的"}, client_msg_id="b")
    unknown, known = app.test_client().get("/sandbox/pushes?openid=demo-elder-1").get_json()
    assert known["card"] == {"title": "村务公告", "rows": [["公告内容", "明天量血压"], ["时间", "09:00"]],
                             "url": ""}
    assert known["payload"]["template_id"] == "TPL_NOTICE"  # the raw keywords stay for the details
    assert unknown["card"]["rows"] == [["thing1", "别的"]] and unknown["card"]["title"] == t("template_title_default")
