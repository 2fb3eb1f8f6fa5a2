"""The WeChat push envelope: signatures, safe-mode crypto, hostile-XML checks, reply rendering.

Crypto and message parsing are wechatpy's; this module adds what it lacks: a
freshness window, DTD/entity refusal before any parser sees the body, constant-
time comparisons, and CDATA escaping of text we echo back.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply
from xml.etree.ElementTree import ParseError


class Rejected(Exception):
    """A push we refuse; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    """A verified, decrypted push."""

    xml: str
    encrypted: bool
    nonce: str
    timestamp: str


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_url_signature(token: str, args: dict[str, str], *, now: float, window: float) -> None:
    """Verify the plain `signature` and the timestamp's freshness, or raise Rejected."""
    sig, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
    if not sig or not timestamp or not nonce:
        raise Rejected(400, "missing signature, timestamp or nonce")
    if not hmac.compare_digest(signature(token, timestamp, nonce), sig.lower()):
        raise Rejected(403, "bad signature")
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        raise Rejected(400, "timestamp is not a number") from None
    if age > window:
        raise Rejected(403, "timestamp outside the accepted window")


def refuse_hostile(body: bytes) -> None:
    """Parse once with DTDs and entities forbidden, so no expansion reaches wechatpy."""
    try:
        fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise Rejected(400, f"unacceptable XML: {type(exc).__name__}") from None


def open_envelope(body: bytes, args: dict[str, str], *, token: str, aes_key: str, app_id: str) -> Envelope:
    """Decrypt a safe/compatible-mode body when asked to; return the plain XML."""
    refuse_hostile(body)
    text = body.decode("utf-8", errors="strict") if body else ""
    nonce, timestamp = args.get("nonce", ""), args.get("timestamp", "")
    wants_aes = args.get("encrypt_type", "raw").lower() == "aes"
    if not wants_aes:
        if "<Encrypt>" in text and "<MsgType>" not in text:
            raise Rejected(400, "encrypted body without encrypt_type=aes")
        return Envelope(text, False, nonce, timestamp)
    if not aes_key:
        raise Rejected(400, "encrypted push but no EncodingAESKey is configured")
    msg_signature = args.get("msg_signature")
    if not msg_signature:
        raise Rejected(400, "missing msg_signature")
    crypto = WeChatCrypto(token, aes_key, app_id)
    try:
        plain = crypto.decrypt_message(text, msg_signature, timestamp, nonce)
    except Exception as exc:  # wechatpy raises many types here (signature, base64, padding, appid)
        status = 403 if type(exc).__name__ == "InvalidSignatureException" else 400
        raise Rejected(status, f"cannot decrypt: {type(exc).__name__}") from None
    plain = plain if isinstance(plain, str) else plain.decode("utf-8")
    refuse_hostile(plain.encode("utf-8"))
    return Envelope(plain, True, nonce, timestamp)


def parse(xml: str):
    """Turn plain XML into a wechatpy message object, or raise Rejected."""
    try:
        return parse_message(xml)
    except Exception as exc:  # xmltodict/wechatpy raise ValueError, KeyError, ExpatError...
        raise Rejected(400, f"not a WeChat message: {type(exc).__name__}") from None


def escape_cdata(text: str) -> str:
    """Split ']]>' so echoed user text cannot close the CDATA section (wechatpy does not)."""
    return text.replace("]]>", "]]]]><![CDATA[>")


def render_text_reply(content: str, *, to_user: str, from_account: str, now: float | None = None) -> str:
    """Render a passive text reply."""
    reply = TextReply(source=from_account, target=to_user, content=escape_cdata(content))
    reply.time = int(now if now is not None else time.time())
    return reply.render()


def seal(xml: str, envelope: Envelope, *, token: str, aes_key: str, app_id: str) -> str:
    """Encrypt a reply when the push was encrypted."""
    if not envelope.encrypted:
        return xml
    crypto = WeChatCrypto(token, aes_key, app_id)
    nonce = envelope.nonce or secrets.token_hex(8)
    return crypto.encrypt_message(xml, nonce, envelope.timestamp or str(int(time.time())))
