"""The WeChat push envelope: signatures, safe-mode crypto, hostile-XML checks, reply rendering.

Crypto and message parsing are wechatpy's; this module adds what it lacks: a
freshness window, DTD/entity refusal before any parser sees the body, constant-
time comparisons, strict checks of the header fields we act on (the sender is
who the bot believes it talks to), and a reply renderer no text can break.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

# openids and the account's original id (gh_...): WeChat uses only these characters.
OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MSG_TYPE = re.compile(r"[A-Za-z_]{1,32}")
# Unix seconds for the next few centuries; anything longer is not a WeChat timestamp.
TIMESTAMP = re.compile(r"[0-9]{1,12}")
NONCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']""")
# Characters XML 1.0 cannot carry at all (not even escaped): C0 controls but tab/LF/CR, surrogates, U+FFFE/F.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    sender: str = ""
    account: str = ""


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_url_signature(token: str, args: dict[str, str], *, now: float, window: float) -> None:
    """Verify the plain `signature` and the timestamp's freshness, or raise Rejected."""
    sig, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
    if not sig or not timestamp or not nonce:
        raise Rejected(400, "missing signature, timestamp or nonce")
    # Both are echoed into an encrypted reply, and a huge number overflows the age arithmetic.
    if not TIMESTAMP.fullmatch(timestamp):
        raise Rejected(400, "timestamp is not a plausible number of seconds")
    if not NONCE.fullmatch(nonce):
        raise Rejected(400, "malformed nonce")
    if not hmac.compare_digest(signature(token, timestamp, nonce), sig.lower()):
        raise Rejected(403, "bad signature")
    if abs(now - int(timestamp)) > window:
        raise Rejected(403, "timestamp outside the accepted window")


def refuse_hostile(body: bytes) -> Element:
    """Parse once with DTDs and entities forbidden, so no expansion reaches wechatpy."""
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise Rejected(400, f"unacceptable XML: {type(exc).__name__}") from None


def utf8_text(body: bytes) -> str:
    """The body as text: WeChat sends UTF-8 only, so any other encoding is a forged or broken request."""
    try:
        text = body.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    declared = DECLARED_ENCODING.match(text)
    if declared and declared.group(1).strip().lower() not in ("utf-8", "utf8"):
        raise Rejected(400, "body declares an encoding other than UTF-8")
    return text


def open_envelope(body: bytes, args: dict[str, str], *, token: str, aes_key: str, app_id: str,
                  accept_plain: bool = False) -> Envelope:
    """Decrypt a safe/compatible-mode push and check its header fields; return the plain XML.

    Once an AES key is configured, a plain push is refused (unless `accept_plain`): plain mode's
    signature covers only token, timestamp and nonce, so anyone holding one signed URL could post any
    body, as any user, for as long as the timestamp is fresh.
    """
    text = utf8_text(body)
    outer = refuse_hostile(body)
    nonce, timestamp = args.get("nonce", ""), args.get("timestamp", "")
    encrypt_type = args.get("encrypt_type", "raw")
    if encrypt_type not in ("raw", "aes"):
        raise Rejected(400, "unknown encrypt_type")
    if encrypt_type == "raw":
        if aes_key and not accept_plain:
            raise Rejected(403, "plain push refused: an AES key is configured, pushes must be encrypted")
        if "<Encrypt>" in text and "<MsgType>" not in text:
            raise Rejected(400, "encrypted body without encrypt_type=aes")
        return _checked(text, False, nonce, timestamp, outer)  # the body is the push: parsed once
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
    if not isinstance(plain, str):
        plain = utf8_text(plain)
    return _checked(plain, True, nonce, timestamp)


def _checked(xml: str, encrypted: bool, nonce: str, timestamp: str, root: Element | None = None) -> Envelope:
    root = refuse_hostile(xml.encode("utf-8")) if root is None else root
    sender, account = check_headers(root)
    return Envelope(xml, encrypted, nonce, timestamp, sender=sender, account=account)


def check_headers(root: Element) -> tuple[str, str]:
    """Refuse a push whose header fields are not what WeChat sends; return (sender, account).

    wechatpy's parser turns a nested element into a dict and a repeated one into a list, which would
    then be stringified into an "openid" (and a user row): so each field must appear once, as plain text.
    """
    if root.tag != "xml":
        raise Rejected(400, "root element is not <xml>")
    tags = [child.tag for child in root]
    if len(tags) != len(set(tags)):
        raise Rejected(400, "a field appears twice")
    values: dict[str, str] = {}
    for name, pattern in (("FromUserName", OPENID), ("ToUserName", OPENID), ("MsgType", MSG_TYPE)):
        element = root.find(name)
        if element is None:
            raise Rejected(400, f"no {name}")
        if len(element) or element.attrib or not pattern.fullmatch(element.text or ""):
            raise Rejected(400, f"malformed {name}")
        values[name] = element.text or ""  # never empty: the pattern above matched it
    return values["FromUserName"], values["ToUserName"]


def parse(xml: str):
    """Turn plain XML into a wechatpy message object, or raise Rejected."""
    try:
        return parse_message(xml)
    except Exception as exc:  # xmltodict/wechatpy raise ValueError, KeyError, ExpatError...
        raise Rejected(400, f"not a WeChat message: {type(exc).__name__}") from None


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry (a control character would make WeChat reject the reply)."""
    return XML_ILLEGAL.sub("", text)


def cdata(text: str) -> str:
    """A CDATA section holding `text`, whatever it contains (']]>' is split across two sections)."""
    return "<![CDATA[" + xml_safe(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text_reply(content: str, *, to_user: str, from_account: str, now: float | None = None) -> str:
    """Render a passive text reply; only the content is free text, and it cannot leave its element."""
    for name, value in (("to_user", to_user), ("from_account", from_account)):
        if not OPENID.fullmatch(value or ""):
            raise Rejected(400, f"malformed {name} for the reply")
    created = int(now if now is not None else time.time())
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_account)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")


def seal(xml: str, envelope: Envelope, *, token: str, aes_key: str, app_id: str) -> str:
    """Encrypt a reply when the push was encrypted."""
    if not envelope.encrypted:
        return xml
    crypto = WeChatCrypto(token, aes_key, app_id)
    nonce = envelope.nonce or secrets.token_hex(8)
    return crypto.encrypt_message(xml, nonce, envelope.timestamp or str(int(time.time())))
