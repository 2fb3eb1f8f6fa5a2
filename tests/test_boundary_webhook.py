"""The webhook's trust boundary (issue 10, items 1-3): forged plain pushes, hostile headers, malformed requests.

Every push here is real signed (and encrypted) WeChat XML posted to /wechat, as an attacker who knows
one signed URL, or a broken client, would send it.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from defusedxml.ElementTree import fromstring
from sqlmodel import Session, select

from app.db import session_scope
from app.web.wechat_xml import signature
from models.core.inbound import InboundMessage
from models.people.users import User
from models.seed import seed_demo
from tests.conftest import AES_KEY, APP_ID, TOKEN, reply_text
from tests.fakes import pushes
from tests.fakes.pushes import ACCOUNT, Signer, cdata
from tests.message_support import CRITICAL_TEMPLATES

ADMIN = "demo-admin"


@pytest.fixture
def strict(make_app):
    """The app as production runs it: an AES key and plain pushes not accepted (the default)."""
    app = make_app(wechat__accept_plain=False)
    with session_scope(app.extensions["linli"].engine) as session:
        seed_demo(session, now=app.extensions["linli"].clock())
    return app


def post(app, qs: str, body: bytes):
    return app.test_client().post(f"/wechat?{qs}", data=body, content_type="text/xml")


def push(app, signer, fields, mode="safe", **query):
    qs, body = signer.sign(fields, mode, **query)
    return post(app, qs, body), qs


def rows(app, model):
    with Session(app.extensions["linli"].engine) as session:
        return list(session.exec(select(model)))


def user_openids(app) -> set[str]:
    return {user.openid for user in rows(app, User)}


# --- 1. forged plain pushes -------------------------------------------------


def test_a_plain_push_is_refused_once_an_aes_key_is_configured(strict, signer):
    """One signed URL from an access log must not let anyone speak as the coordinator."""
    users_before = user_openids(strict)
    response, _ = push(strict, signer, pushes.text(ADMIN, "老人名单"), mode="plain")
    assert response.status_code == 403
    assert "老人" not in response.get_data(as_text=True)
    response, _ = push(strict, signer, pushes.text(ADMIN, "绑定码 1"), mode="plain")
    assert response.status_code == 403
    assert rows(strict, InboundMessage) == []
    assert user_openids(strict) == users_before


def test_a_plain_body_with_a_forged_encrypt_type_but_no_msg_signature_is_refused(strict, signer):
    qs, body = signer.sign(pushes.text(ADMIN, "老人名单"), "plain", encrypt_type="aes")
    assert post(strict, qs, body).status_code in (400, 403)
    assert rows(strict, InboundMessage) == []


@pytest.mark.parametrize("mode", ["compat", "safe"])
def test_encrypted_pushes_with_a_valid_msg_signature_are_answered(strict, signer, mode):
    response, qs = push(strict, signer, pushes.text("demo-elder-1", "你好"), mode=mode)
    assert response.status_code == 200
    assert "您好" in reply_text(response, signer, qs)


def test_in_compatible_mode_only_the_encrypted_copy_counts(strict, signer):
    """The plaintext fields beside <Encrypt> are not authenticated: a forger cannot swap the sender there."""
    qs, body = signer.sign(pushes.text("demo-elder-1", "你好"), "compat")
    forged = body.replace(b"demo-elder-1", b"demo-admin").replace("你好".encode(), "老人名单".encode())
    response = post(strict, qs, forged)
    assert response.status_code == 200
    [row] = rows(strict, InboundMessage)
    assert row.openid == "demo-elder-1"


def test_accept_plain_lets_an_operator_switch_modes(make_app, signer):
    app = make_app(wechat__accept_plain=True)
    response, _ = push(app, signer, pushes.text("elder-a", "你好"), mode="plain")
    assert response.status_code == 200 and "您好" in reply_text(response)


def test_without_an_aes_key_plain_mode_still_works(make_app):
    app = make_app(wechat__aes_key="", wechat__accept_plain=False)
    response, _ = push(app, Signer(TOKEN), pushes.text("elder-a", "你好"), mode="plain")
    assert response.status_code == 200 and "您好" in reply_text(response)


def test_url_verification_still_works_in_safe_mode(strict, signer):
    """WeChat checks the server URL with a plain GET signature even when messages are encrypted."""
    query = signer.query(echostr="hello-42")
    response = strict.test_client().get(f"/wechat?{urlencode(query)}")
    assert response.status_code == 200 and response.get_data(as_text=True) == "hello-42"


def test_accept_plain_is_off_by_default_and_set_by_its_environment_name():
    from app.config import load_settings

    dev = {"LINLI_ENV": "development"}
    assert load_settings(environ=dev)["wechat.accept_plain"] is False
    assert load_settings(environ={**dev, "LINLI__WECHAT__ACCEPT_PLAIN": "true"})["wechat.accept_plain"] is True


PRODUCTION = {"env": "production", "wechat__token": "prod-token-0123456789", "wechat__app_id": APP_ID,
              "wechat__app_secret": "prod-secret-0123456789abcdef", "wechat__accept_plain": False,
              "templates": CRITICAL_TEMPLATES}


def warnings_at_start(make_app, caplog, **settings) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_app(**{**PRODUCTION, **settings})
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_production_start_up_warns_loudly_while_plain_pushes_are_accepted(make_app, caplog):
    assert not [m for m in warnings_at_start(make_app, caplog, wechat__accept_plain=False) if "accept_plain" in m]
    loud = [m for m in warnings_at_start(make_app, caplog, wechat__accept_plain=True) if "accept_plain" in m]
    assert loud and "forge" in loud[0]


def test_production_start_up_warns_that_plain_mode_cannot_authenticate_bodies(make_app, caplog):
    assert not [m for m in warnings_at_start(make_app, caplog) if "WECHAT_AES_KEY" in m]
    [warning] = [m for m in warnings_at_start(make_app, caplog, wechat__aes_key="") if "WECHAT_AES_KEY" in m]
    assert "authenticate" in warning


def test_production_start_up_warns_when_emergency_replies_lack_the_village_numbers(make_app, caplog):
    missing = [m for m in warnings_at_start(make_app, caplog) if "contacts." in m]
    assert {m.split(" ")[0] for m in missing} == {"contacts.coordinator_phone", "contacts.doctor_phone"}
    assert not [m for m in warnings_at_start(make_app, caplog, contacts__coordinator_phone="13600000001",
                                             contacts__doctor_phone="0731-120120") if "contacts." in m]


# --- 2. malformed headers ---------------------------------------------------


def hostile(from_user: str = "<![CDATA[demo-elder-1]]>", to_user: str = f"<![CDATA[{ACCOUNT}]]>",
            extra: str = "") -> str:
    return (f"<xml><ToUserName>{to_user}</ToUserName><FromUserName>{from_user}</FromUserName>{extra}"
            f"<CreateTime>1795770000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[你好]]></Content><MsgId>123456789</MsgId></xml>")


HOSTILE_HEADERS = {
    "nested sender": hostile(from_user="<a>demo-admin</a>"),
    "nested sender beside text": hostile(from_user="evil<b>x</b>"),
    "duplicate sender": hostile(extra="<FromUserName><![CDATA[demo-admin]]></FromUserName>"),
    "CDATA terminator in sender": hostile(from_user="<![CDATA[abc]]]]><![CDATA[>def]]>"),
    "sender with a space": hostile(from_user="<![CDATA[demo admin]]>"),
    "sender too long": hostile(from_user="o" * 65),
    "empty sender": hostile(from_user=""),
    "sender with markup characters": hostile(from_user="a&lt;b&gt;"),
    "sender with an attribute": hostile(from_user="x").replace("<FromUserName>", '<FromUserName a="1">'),
    "nested account": hostile(to_user="<gh>x</gh>"),
    "duplicate account": hostile(extra=f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>"),
    "account with a quote": hostile(to_user='<![CDATA[gh"x]]>'),
    "duplicate message type": hostile(extra="<MsgType><![CDATA[event]]></MsgType>"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADERS))
@pytest.mark.parametrize("mode", ["safe", "plain"])
def test_malformed_headers_are_refused_and_create_no_user(make_app, signer, name, mode):
    app = make_app(wechat__accept_plain=mode == "plain")
    response, _ = push(app, signer, HOSTILE_HEADERS[name], mode=mode)
    assert response.status_code == 400, name
    assert rows(app, User) == [] and rows(app, InboundMessage) == []


def test_openid_characters_up_to_64_are_accepted(make_app, signer):
    app = make_app()
    openid = "oAbC_-" + "9" * 58
    response, qs = push(app, signer, pushes.text(openid, "你好"))
    assert response.status_code == 200 and "您好" in reply_text(response, signer, qs)


HOSTILE_TEXTS = [
    "]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[",
    "</xml><xml><ToUserName>x</ToUserName>",
    "a]]>b<c>&amp;d\"e'f",
    "bell\x07 nul\x00 escape\x1b vt\x0b ff\x0c",
    "lone surrogate \ud800 and \ufffe \uffff, kept: 👵 \U0001f600",
]


@pytest.mark.parametrize("content", HOSTILE_TEXTS)
@pytest.mark.parametrize("to_user", ["o-user_1", "demo-elder-1"])
def test_no_reply_text_can_break_the_reply_xml(content, to_user):
    from app.web.wechat_xml import render_text_reply

    xml = render_text_reply(content, to_user=to_user, from_account=ACCOUNT, now=1795770000)
    root = fromstring(xml)
    assert sorted(child.tag for child in root) == ["Content", "CreateTime", "FromUserName", "MsgType", "ToUserName"]
    assert root.findtext("ToUserName") == to_user and root.findtext("MsgType") == "text"
    kept = root.findtext("Content")
    legal = "".join(ch for ch in content if ch in "\t\n\r" or ("\x20" <= ch <= "\ud7ff") or
                    ("\ue000" <= ch <= "\ufffd") or ch >= "\U00010000")
    assert kept == legal


@pytest.mark.parametrize("bad", ["evil<x/>", "a]]>b", "", "o" * 65])
def test_the_reply_refuses_to_address_a_malformed_openid(bad):
    from app.web.wechat_xml import Rejected, render_text_reply

    with pytest.raises(Rejected):
        render_text_reply("你好", to_user=bad, from_account=ACCOUNT)


def test_user_text_echoed_in_a_reply_stays_inside_its_content(strict, signer):
    """The request summary repeats what the elder wrote; a hostile text must not become XML."""
    text = "明天上午想找人帮我去镇上买降压药]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[x"
    response, qs = push(strict, signer, pushes.text("demo-elder-1", text))
    assert response.status_code == 200
    plain = fromstring(Signer(TOKEN, AES_KEY, APP_ID).open_reply(response.get_data(as_text=True), qs))
    assert [child.tag for child in plain].count("MsgType") == 1 and plain.findtext("MsgType") == "text"
    assert "</Content><MsgType>" in plain.findtext("Content") and "回复1确认" in plain.findtext("Content")


# --- 3. malformed requests get a 4xx and one WARNING line -------------------


def signed_query(timestamp: str, **extra) -> dict:
    nonce = "1320562132"
    return {"signature": signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def safe_body(xml: str | bytes, query: dict) -> tuple[dict, bytes]:
    """Encrypt `xml` as WeChat's safe mode does, returning the query with msg_signature and the body."""
    from wechatpy.crypto import WeChatCrypto

    text = xml.decode("utf-8", "surrogateescape") if isinstance(xml, bytes) else xml
    sealed = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(text, query["nonce"], query["timestamp"])
    encrypt = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query = {**query, "encrypt_type": "aes",
             "msg_signature": signature(TOKEN, query["timestamp"], query["nonce"], encrypt)}
    return query, f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>".encode()


def utf16_envelope(query: dict, body: bytes) -> tuple[dict, bytes]:
    return query, ('<?xml version="1.0" encoding="UTF-16"?>' + body.decode()).encode("utf-16")


def now_ts() -> str:
    import time

    return str(int(time.time()))


def malformed_requests() -> dict[str, tuple[dict, bytes, bool]]:
    """name -> (query, body, accept_plain)."""
    xml = pushes.xml_of(pushes.text("elder-a", "你好"))
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + xml).encode("utf-16")  # with a BOM
    latin1 = ('<?xml version="1.0" encoding="ISO-8859-1"?>' + pushes.xml_of(pushes.text("elder-a", "caf\xe9"))
              ).encode("latin-1")
    no_type = "<xml><ToUserName>gh_x</ToUserName><FromUserName>elder-a</FromUserName>" \
              "<CreateTime>1795770000</CreateTime><Content>hi</Content></xml>"
    ts = now_ts()
    return {
        "400-digit timestamp, signed": (signed_query("9" * 400), xml.encode(), True),
        "400-digit timestamp, signed, safe mode": (*safe_body(xml, signed_query("9" * 400)), False),
        "negative timestamp": (signed_query("-" + ts), xml.encode(), True),
        "UTF-16 body with BOM": (signed_query(ts), utf16, True),
        "UTF-16 envelope with BOM, safe mode": (*utf16_envelope(*safe_body(xml, signed_query(ts))), False),
        "Latin-1 body": (signed_query(ts), latin1, True),
        "bytes that are not UTF-8": (signed_query(ts), xml.encode().replace("你".encode(), b"\xff\xfe"), True),
        "missing MsgType": (signed_query(ts), no_type.encode(), True),
        "missing MsgType, safe mode": (*safe_body(no_type, signed_query(ts)), False),
        "root is not xml": (signed_query(ts), xml.replace("xml>", "root>").encode(), True),
        "safe mode without Encrypt": (signed_query(ts, encrypt_type="aes", msg_signature="0" * 40),
                                      xml.encode(), False),
        "encrypt_type in a different case, plain body": (signed_query(ts, encrypt_type="AES "), xml.encode(),
                                                         False),
    }


MALFORMED = malformed_requests()


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_every_malformed_request_gets_a_4xx_and_one_warning(make_app, caplog, name):
    query, body, accept_plain = MALFORMED[name]
    app = make_app(wechat__accept_plain=accept_plain, webhook__timestamp_window=10**12)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        response = post(app, urlencode(query), body)
    assert 400 <= response.status_code < 500, (name, response.status_code)
    assert response.get_data(as_text=True) != "success"
    mine = [r for r in caplog.records if r.name.startswith("app") and r.levelno >= logging.WARNING]
    assert [r.levelname for r in mine] == ["WARNING"], [r.getMessage() for r in mine]
    assert mine[0].exc_info is None and "Traceback" not in caplog.text
    assert rows(app, InboundMessage) == [] and rows(app, User) == []


def test_an_unknown_message_type_gets_a_polite_handled_reply(strict, signer):
    response, qs = push(strict, signer, pushes.message("demo-elder-1", "hologram", Content="?"))
    assert response.status_code == 200
    assert "菜单" in reply_text(response, signer, qs)


def test_an_oversize_push_gets_413_and_one_warning(make_app, signer, caplog):
    app = make_app(webhook__max_body_bytes=2048)
    qs, body = signer.sign(pushes.text("elder-a", "长" * 1000), "safe")
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        response = post(app, qs, body)
    assert response.status_code == 413
    mine = [r for r in caplog.records if r.name.startswith("app") and r.levelno >= logging.WARNING]
    assert [r.levelname for r in mine] == ["WARNING"] and mine[0].exc_info is None
