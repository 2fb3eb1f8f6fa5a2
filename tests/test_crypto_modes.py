"""Plain, compatible and safe mode with real encrypted XML (WECHAT.md §2)."""
from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from tests.conftest import reply_text
from tests.fakes import pushes

OFFICIAL = {  # Tencent's OA sample, WECHAT.md §2.3 A
    "token": "spamtest", "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "app_id": "wx2c2769f8efd9abc2",
    "timestamp": "1409735669", "nonce": "1320562132", "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "encrypt": "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=",  # noqa: E501  (Tencent's sample verbatim, so it can be compared with the source)
}


def _post_raw(client, qs, body):
    return client.post(f"/wechat?{qs}", data=body, content_type="text/xml")


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
def test_reply_is_encrypted_exactly_when_the_push_was(client, signer, mode):
    qs, body = signer.sign(pushes.text("elder-m", "你好"), mode)
    response = _post_raw(client, qs, body)
    assert response.status_code == 200
    root = fromstring(response.data)
    encrypted = root.find("Encrypt") is not None
    assert encrypted == (mode != "plain")
    assert "您好" in reply_text(response, signer, qs)


def test_safe_mode_with_a_forged_msg_signature_is_refused(client, signer):
    qs, body = signer.sign(pushes.text("elder-m", "你好"), "safe")
    qs = qs.replace("msg_signature=", "msg_signature=00")
    assert _post_raw(client, qs, body).status_code == 403


def test_safe_mode_without_msg_signature_is_refused(client, signer):
    qs, body = signer.sign(pushes.text("elder-m", "你好"), "safe")
    qs = "&".join(p for p in qs.split("&") if not p.startswith("msg_signature="))
    assert _post_raw(client, qs, body).status_code == 400


def test_ciphertext_for_another_app_is_refused(client):
    from tests.conftest import AES_KEY, TOKEN
    from tests.fakes.pushes import Signer

    other = Signer(TOKEN, AES_KEY, "wxsomeoneelse0000")
    qs, body = other.sign(pushes.text("elder-m", "你好"), "safe")
    assert _post_raw(client, qs, body).status_code == 400


def test_garbage_ciphertext_is_refused(client, signer):
    from app.web.wechat_xml import signature

    query = signer.query()
    encrypt = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0"
    query.update(encrypt_type="aes", msg_signature=signature("testtoken", query["timestamp"], query["nonce"], encrypt))
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    from urllib.parse import urlencode

    assert _post_raw(client, urlencode(query), body.encode()).status_code == 400


def test_safe_mode_without_a_configured_key_is_refused(make_app, signer):
    client = make_app(wechat__aes_key="").test_client()
    qs, body = signer.sign(pushes.text("elder-m", "你好"), "safe")
    assert _post_raw(client, qs, body).status_code == 400


def test_tencent_sample_vector_decrypts_through_the_webhook(make_app):
    """The official compatible-mode sample (2014) is accepted when the freshness window allows it."""
    from urllib.parse import urlencode

    from app.web.wechat_xml import signature

    app = make_app(wechat__token=OFFICIAL["token"], wechat__aes_key=OFFICIAL["aes_key"],
                   wechat__app_id=OFFICIAL["app_id"], webhook__timestamp_window=10**10)
    body = (f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
            f"<Encrypt><![CDATA[{OFFICIAL['encrypt']}]]></Encrypt></xml>").encode()
    query = {"timestamp": OFFICIAL["timestamp"], "nonce": OFFICIAL["nonce"], "encrypt_type": "aes",
             "msg_signature": OFFICIAL["msg_signature"],
             "signature": signature(OFFICIAL["token"], OFFICIAL["timestamp"], OFFICIAL["nonce"])}
    response = _post_raw(app.test_client(), urlencode(query), body)
    assert response.status_code == 200
    assert fromstring(response.data).find("Encrypt") is not None
    from sqlmodel import Session, select

    from models.core.inbound import InboundMessage

    with Session(app.extensions["linli"].engine) as session:
        row = session.exec(select(InboundMessage)).one()
    assert row.openid == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert row.dedup_key == "m:oyORnuP8q7ou2gfYjqLzSIWZf0rs:6054768590064713728"
    assert row.payload["text"] == "abcdteT"
