"""One-time subscription messages: consents through /api/v1/subscriptions, sent by delivery through the fake
WeChat API's subscribe/send when the person has no Official Account window (issue 11)."""
# ruff: noqa: F811  (make_api is a pytest fixture imported from tests/api_support.py)
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.db import session_scope
from models.api import subscriptions as subs
from models.api.identity import ApiIdentity
from models.core import outbox, windows
from models.core.outbox import OutboxMessage
from tests.api_support import make_api  # noqa: F401  (fixture)

SUBSCRIPTIONS = {"notice": {"template_id": "SUB_NOTICE", "fields": {"thing1": "title", "time2": "when"},
                            "page": "pages/notices/index"}}
TEMPLATES = {"notice": {"template_id": "TPL_NOTICE", "fields": {"thing1": "title", "time2": "when"}}}
ELDER = "demo-elder-1"


def _app(make_api, **settings):
    return make_api(miniapp__subscriptions=SUBSCRIPTIONS, **settings)


def _notice(api, text="明天上午九点村委会有健康讲座", key="n1"):
    when = api.say.clock() + timedelta(days=1)
    with session_scope(api.rt.engine) as session:
        outbox.enqueue(session, key=key, openid=ELDER, kind="notice", text=text, now=api.say.clock(),
                       template_data={"title": text, "when": when.isoformat()})


def _row(api, key="n1") -> OutboxMessage:
    with Session(api.rt.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def _consent(api, headers, times=1, fake_too=True):
    for _ in range(times):
        answer = api.post("/subscriptions", headers, {"template_ids": ["SUB_NOTICE"]})
        assert answer.status_code == 201, answer.get_data(as_text=True)
        if fake_too:  # what wx.requestSubscribeMessage told WeChat
            api.fake.grant_subscription(api.fake.mini_openid(ELDER), "SUB_NOTICE")
    return answer.get_json()


def test_templates_to_ask_for_and_consents_recorded_per_template(make_api):
    api = _app(make_api)
    headers = api.login(ELDER)
    listed = api.get("/subscriptions", headers).get_json()
    assert listed == {"items": [{"template_id": "SUB_NOTICE", "kinds": ["notice"], "outstanding": 0}]}
    assert _consent(api, headers, times=2, fake_too=False)["items"][0]["outstanding"] == 2
    unknown = api.post("/subscriptions", headers, {"template_ids": ["SUB_NOTICE", "NOT_OURS"]})
    assert unknown.status_code == 422 and unknown.get_json()["code"] == "subscription_unknown"
    assert api.post("/subscriptions", headers, {"template_ids": []}).status_code == 422
    stranger = api.login(user="nobody")
    assert api.post("/subscriptions", stranger, {"template_ids": ["SUB_NOTICE"]}).status_code == 403


def test_without_a_window_a_consent_carries_the_push_as_a_subscription_message(make_api):
    api = _app(make_api)
    headers = api.login(ELDER)
    _consent(api, headers)
    _notice(api)
    api.say.deliver()
    row = _row(api)
    assert row.status == outbox.SENT and row.channel == outbox.SUBSCRIBE
    sent = api.fake.sent(api.fake.mini_openid(ELDER), "subscribe")
    assert len(sent) == 1 and sent[0]["payload"]["template_id"] == "SUB_NOTICE"
    assert sent[0]["payload"]["page"] == "pages/notices/index"
    assert sent[0]["payload"]["data"]["thing1"]["value"].startswith("明天上午九点")
    assert api.get("/subscriptions", headers).get_json()["items"][0]["outstanding"] == 0
    _notice(api, "又一条通知", key="n2")  # no consent left and no template: it waits for the person to write
    api.say.deliver()
    assert _row(api, "n2").status == outbox.HELD and len(api.fake.sent(channel="subscribe")) == 1


def test_an_open_window_goes_first_and_keeps_the_consent(make_api):
    api = _app(make_api)
    headers = api.login(ELDER)
    _consent(api, headers)
    api.fake.record_interaction(ELDER, "message")
    with session_scope(api.rt.engine) as session:
        windows.record_interaction(session, ELDER, windows.MESSAGE, now=api.say.clock())
    _notice(api)
    api.say.deliver()
    assert _row(api).channel == outbox.CUSTOM and api.fake.sent(channel="subscribe") == []
    assert api.get("/subscriptions", headers).get_json()["items"][0]["outstanding"] == 1


def test_43101_voids_the_consents_we_counted_and_the_template_takes_over(make_api):
    api = _app(make_api, templates=TEMPLATES)
    headers = api.login(ELDER)
    _consent(api, headers, times=2, fake_too=False)  # the person refused in WeChat's dialog after all
    _notice(api)
    api.say.deliver()
    row = _row(api)
    assert row.status == outbox.SENT and row.channel == outbox.TEMPLATE
    assert [c["errcode"] for c in api.fake.calls("/cgi-bin/message/subscribe/send")] == [43101]
    assert api.get("/subscriptions", headers).get_json()["items"][0]["outstanding"] == 0
    assert len(api.fake.sent(ELDER, "template")) == 1


def test_47003_spends_nothing_and_a_routine_push_waits_for_the_person(make_api):
    api = _app(make_api, miniapp__subscribe_state="beta")  # not a version WeChat knows: a parameter error
    headers = api.login(ELDER)
    _consent(api, headers)
    _notice(api)
    api.say.deliver()
    row = _row(api)
    assert row.status == outbox.HELD and row.last_errcode == 47003
    assert [c["errcode"] for c in api.fake.calls("/cgi-bin/message/subscribe/send")] == [47003]
    assert api.get("/subscriptions", headers).get_json()["items"][0]["outstanding"] == 1  # given back


def test_a_consent_is_spent_once_by_conditional_update(make_api):
    api = _app(make_api)
    headers = api.login(ELDER)
    _consent(api, headers, fake_too=False)
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        first = subs.take(session, ELDER, "SUB_NOTICE", outbox_id=1, now=now)
        assert first is not None and first.mini_openid == api.fake.mini_openid(ELDER)
        assert subs.take(session, ELDER, "SUB_NOTICE", outbox_id=2, now=now) is None
        assert subs.give_back(session, first.consent_id) is True
        assert subs.give_back(session, first.consent_id) is False
        assert subs.available(session, ELDER, "SUB_NOTICE")
        assert subs.void_all(session, first.identity_id, "SUB_NOTICE", now=now) == 1
        assert not subs.available(session, ELDER, "SUB_NOTICE")
        identity = session.exec(select(ApiIdentity)).one()
        assert subs.forget(session, identity.user_id) == 1
