"""The /wechat endpoint as WeChat and hostile clients see it."""
from __future__ import annotations

import time

from tests.conftest import reply_text
from tests.fakes import pushes


def test_url_verification_echoes_echostr(client, signer):
    query = signer.query(echostr="hello123")
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "hello123"


def test_url_verification_with_bad_signature_is_refused(client, signer):
    query = signer.query(echostr="hello123")
    query["signature"] = "0" * 40
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 403
    assert "hello123" not in response.get_data(as_text=True)


def test_official_signature_vector():
    from app.web.wechat_xml import signature

    assert signature("AAAAA", "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"


def test_text_message_gets_a_reply(send):
    response = send(pushes.text("elder-a", "你好"))
    assert response.status_code == 200
    assert "您好" in reply_text(response)


def test_missing_parameters_are_refused(client):
    response = client.post("/wechat", data=b"<xml/>", content_type="text/xml")
    assert response.status_code == 400


def test_bad_signature_is_refused(client, signer):
    qs, body = signer.sign(pushes.text("elder-a", "你好"))
    qs = qs.replace("signature=", "signature=ff")
    assert client.post(f"/wechat?{qs}", data=body).status_code == 403


def test_stale_timestamp_is_refused(send):
    old = int(time.time()) - 301
    assert send(pushes.text("elder-a", "你好"), timestamp=old).status_code == 403


def test_a_timestamp_from_the_future_is_refused_beyond_the_window_and_accepted_within_it(make_app, signer, clock):
    """A clock a little ahead of ours is WeChat's; far ahead is a signed URL prepared for later replay."""
    client = make_app(clock=clock).test_client()
    now = int(clock().timestamp())

    def post(timestamp):
        qs, body = signer.sign(pushes.text("elder-a", "你好"), timestamp=timestamp)
        return client.post(f"/wechat?{qs}", data=body).status_code

    assert post(now + 301) == 403
    assert post(now + 10**6) == 403
    assert post(now + 299) == 200
    assert post(now + 5) == 200


def test_timestamp_window_is_configurable(make_app, signer):
    client = make_app(webhook__timestamp_window=10**9).test_client()
    qs, body = signer.sign(pushes.text("elder-a", "你好"), timestamp=1409735669)
    assert client.post(f"/wechat?{qs}", data=body).status_code == 200


def test_oversize_body_is_refused(send):
    response = send(pushes.text("elder-a", "很" * 30000))
    assert response.status_code == 413


def test_entity_expansion_is_refused(send):
    bomb = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            '<xml><ToUserName>x</ToUserName><FromUserName>elder-a</FromUserName><CreateTime>1</CreateTime>'
            '<MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>')
    assert send(bomb).status_code == 400


def test_external_entity_is_refused(send):
    xxe = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<xml><FromUserName>elder-a</FromUserName><MsgType>text</MsgType><Content>&x;</Content></xml>')
    assert send(xxe).status_code == 400


def test_malformed_xml_is_refused(send):
    assert send("<xml><ToUserName>oops</xml").status_code == 400
    assert send("not xml at all").status_code == 400
    assert send("").status_code == 400


def test_xml_without_sender_is_refused(send):
    assert send("<xml><MsgType>text</MsgType></xml>").status_code == 400


def test_unknown_message_type_gets_a_polite_reply(send):
    response = send(pushes.message("elder-a", "hologram", Content="?"))
    assert response.status_code == 200
    assert "菜单" in reply_text(response)


def test_unknown_event_gets_success(send):
    response = send(pushes.event("elder-a", "some_future_event"))
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "success"


def test_user_text_cannot_break_the_reply_xml(send):
    # The reply does not echo this text today; the renderer must still be safe for texts that do.
    from defusedxml.ElementTree import fromstring

    from app.web.wechat_xml import render_text_reply

    xml = render_text_reply("a]]>b<c>", to_user="u", from_account="gh")
    assert fromstring(xml).findtext("Content") == "a]]>b<c>"
    assert send(pushes.text("elder-a", "]]><xml>")).status_code == 200


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": True}


def test_healthz_reports_a_dead_database(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")
    # The file does not exist yet, so SQLite creates it: break it by pointing at a directory instead.
    app2 = make_app(database_url=f"sqlite:///{tmp_path}")
    assert app2.test_client().get("/healthz").status_code == 503
    assert app.test_client().get("/healthz").status_code == 200


def test_a_dropped_database_connection_costs_no_reply(rt, send):
    """No ping at connection check-out: a connection the server closed is replaced and the work retried."""
    import pytest
    import sqlalchemy as sa

    from tests.conftest import PG_URL

    if not PG_URL:
        pytest.skip("PostgreSQL only: the server drops connections")
    assert "您好" in reply_text(send(pushes.text("elder-a", "你好")))  # the pool now holds live connections
    killer = sa.create_engine(rt.engine.url.render_as_string(hide_password=False), poolclass=sa.pool.NullPool)
    with killer.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                             "AND application_name = ''"))
    killer.dispose()
    response = send(pushes.text("elder-a", "你好"))
    assert response.status_code == 200 and "您好" in reply_text(response)


def test_the_bot_reads_configuration_it_cannot_change(rt):
    """One read-only configuration view per runtime is shared by every message."""
    import pytest

    with pytest.raises(TypeError):
        rt.config["webhook"]["time_budget"] = 99
    assert rt.config["webhook"]["time_budget"] == rt.settings["webhook.time_budget"]


def test_a_database_that_cannot_record_the_push_gets_a_clear_answer(make_app, signer, tmp_path):
    """Disk full or database down: not a 500, not a silent 'success' — the user is asked to send again."""
    from bots.texts import t

    client = make_app(database_url=f"sqlite:///{tmp_path}").test_client()  # a directory: nothing can be written
    qs, body = signer.sign(pushes.text("elder-a", "你好"))
    response = client.post(f"/wechat?{qs}", data=body)
    assert response.status_code == 200
    assert reply_text(response) == t("system_error")


def test_pushes_open_the_customer_service_windows_once(send, rt):
    """A message opens the 48-hour window afresh, a click the one-minute window, an unsubscribe none;
    a retry of a recorded push changes nothing (its first attempt opened the window)."""
    from sqlmodel import Session

    from models.core.windows import ServiceWindow

    def window(openid):
        with Session(rt.engine) as session:
            return session.get(ServiceWindow, openid)

    first = pushes.text("elder-w", "你好", msg_id=7001)
    assert send(first).status_code == 200
    opened = window("elder-w")
    assert opened.message_at is not None and opened.message_used == 0 and opened.event_at is None
    with Session(rt.engine) as session:  # two customer-service messages went out since
        session.get(ServiceWindow, "elder-w").message_used = 2
        session.commit()
    assert send(first).status_code == 200  # WeChat's retry of the same push
    assert window("elder-w").message_used == 2
    assert send(pushes.text("elder-w", "在吗", msg_id=7002)).status_code == 200
    assert window("elder-w").message_used == 0

    assert send(pushes.event("elder-c", "CLICK", key="menu_help")).status_code == 200
    clicked = window("elder-c")
    assert clicked.event_at is not None and clicked.event_used == 0
    assert clicked.message_at is None and clicked.message_used == 0
    assert send(pushes.event("elder-u", "unsubscribe")).status_code == 200
    assert window("elder-u") is None
