"""Build WeChat pushes as WeChat sends them: signed, and encrypted in compatible or safe mode."""
from __future__ import annotations

import itertools
import random
import time
from urllib.parse import urlencode

from wechatpy.crypto import WeChatCrypto

from app.web.wechat_xml import signature

ACCOUNT = "gh_linli_test"
_msg_ids = itertools.count(random.randint(10**15, 9 * 10**15))


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def xml_of(fields: dict) -> str:
    """Render a flat dict as WeChat's push XML."""
    parts = []
    for key, value in fields.items():
        body = str(value) if isinstance(value, (int, float)) else cdata(str(value))
        parts.append(f"<{key}>{body}</{key}>")
    return "<xml>" + "".join(parts) + "</xml>"


def text(openid: str, content: str, *, msg_id: int | None = None, create_time: int | None = None) -> dict:
    return {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": create_time or int(time.time()),
            "MsgType": "text", "Content": content, "MsgId": msg_id or next(_msg_ids)}


def voice(openid: str, recognition: str | None, *, msg_id: int | None = None) -> dict:
    fields = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()), "MsgType": "voice",
              "MediaId": "media-voice-1", "Format": "amr", "MsgId": msg_id or next(_msg_ids)}
    fields["Recognition"] = recognition or ""
    return fields


def event(openid: str, name: str, *, key: str | None = None, create_time: int | None = None, **extra) -> dict:
    fields = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": create_time or int(time.time()),
              "MsgType": "event", "Event": name}
    if key is not None:
        fields["EventKey"] = key
    fields.update(extra)
    return fields


def message(openid: str, msg_type: str, **fields) -> dict:
    return {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()), "MsgType": msg_type,
            **fields, "MsgId": next(_msg_ids)}


class Signer:
    """Turns a push into (query string, body) the way WeChat would send it."""

    def __init__(self, token: str, aes_key: str = "", app_id: str = ""):
        self.token, self.aes_key, self.app_id = token, aes_key, app_id

    def query(self, *, timestamp: int | None = None, nonce: str | None = None, **extra) -> dict:
        ts = str(timestamp or int(time.time()))
        nonce = nonce or str(random.randint(10**8, 10**9))
        return {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
                "openid": "x", **extra}

    def sign(self, fields: dict | str, mode: str = "plain", **query_extra) -> tuple[str, bytes]:
        """Return (query string, body) for plain, compat or safe mode."""
        plain = fields if isinstance(fields, str) else xml_of(fields)
        query = self.query(**query_extra)
        if mode == "plain":
            return urlencode(query), plain.encode("utf-8")
        crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
        sealed = crypto.encrypt_message(plain, query["nonce"], query["timestamp"])
        encrypt = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        msg_signature = signature(self.token, query["timestamp"], query["nonce"], encrypt)
        query.update(encrypt_type="aes", msg_signature=msg_signature)
        if mode == "safe":
            body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        else:  # compatible: plaintext fields and the ciphertext side by side
            body = plain.replace("</xml>", f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>")
        return urlencode(query), body.encode("utf-8")

    def open_reply(self, body: str, query: str) -> str:
        """Decrypt an encrypted passive reply (what WeChat does with our answer)."""
        from urllib.parse import parse_qs

        from defusedxml.ElementTree import fromstring

        q = {k: v[0] for k, v in parse_qs(query).items()}
        root = fromstring(body)
        encrypt = root.findtext("Encrypt")
        sig = root.findtext("MsgSignature")
        ts, nonce = root.findtext("TimeStamp"), root.findtext("Nonce")
        assert sig == signature(self.token, ts, nonce, encrypt), "reply MsgSignature does not verify"
        assert nonce == q["nonce"]
        return WeChatCrypto(self.token, self.aes_key, self.app_id).decrypt_message(body, sig, ts, nonce)
