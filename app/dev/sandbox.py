"""The /sandbox page (development only): play demo personas and watch Linli answer, as in WeChat.

One chat pane per persona: what they sent, the account's immediate answers and its later pushes in
one timeline; a template push is drawn as the card WeChat shows (app/template_cards.py), and the
protocol (passive reply, customer-service window, template keywords) waits behind each bubble's
"详情". Texts: bots/catalog/zh_CN/sandbox.yaml.

Every message goes through the real /wechat endpoint, signed (and, when an
EncodingAESKey is configured, encrypted in safe mode) exactly as WeChat would
send it, so the page exercises the same path production does. Pushes the
persona received are read back from the fake WeChat API.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from defusedxml.ElementTree import fromstring
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from wechatpy.crypto import WeChatCrypto

from app import template_cards
from app.web.wechat_xml import signature
from bots.texts import DEFAULT_LANG, catalog, t
from models.seed import ADMIN, ELDERS, FAMILY, VOLUNTEERS

log = logging.getLogger(__name__)
bp = Blueprint("sandbox", __name__)


# The page speaks as any persona, coordinators included: app/web/registry.py serves it through the
# development door only (LINLI_ENV=development set explicitly, loopback, no proxy).

ACCOUNT = "gh_linli_sandbox"
DEFAULT_SCENE = "village_demo"
# Somewhere in rural Zhejiang; only used when the page sends no coordinates (the place name is sandbox_default_place).
DEFAULT_LOCATION = ("30.2741", "120.1551")
FAKE_TIMEOUT = 2.0
# Hosts that are real WeChat: the /_fake control calls make no sense there.
REAL_WECHAT_SUFFIX = "weixin.qq.com"
# Which customer-service window each sandbox message type opens in the fake.
INTERACTIONS = {"text": "message", "voice": "message", "voice_unrecognised": "message",
                "location": "message", "image": "message", "click": "click",
                "subscribe": "subscribe", "scan": "scan"}
UNREACHABLE_NOTE = "fake WeChat API not reachable"


class BadInput(ValueError):
    """The sandbox request cannot be turned into a push."""


# --- the page -------------------------------------------------------------


@bp.get("/sandbox")
def page() -> str:
    """Render the sandbox page."""
    settings = _rt().settings
    return render_template("sandbox.html", personas=personas(), menu_keys=menu_keys(settings["menu"]),
                           default_scene=DEFAULT_SCENE, safe_mode=bool(settings["wechat.aes_key"]),
                           api_base_url=settings["wechat.api_base_url"], texts=page_texts(), admin_name=ADMIN[1],
                           default_location=DEFAULT_LOCATION)


def page_texts(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """The page's catalogue texts (sandbox_*), keyed without the prefix."""
    prefix = "sandbox_"
    return {key[len(prefix):]: t(key, lang) for key in catalog(DEFAULT_LANG) if key.startswith(prefix)}


def personas() -> list[dict[str, str]]:
    """The demo personas of models/seed.py: openid, name and role."""
    people = [(openid, name, "elder") for openid, name, *_ in ELDERS]
    people.append((FAMILY[0], FAMILY[1], "family"))
    people += [(openid, name, "volunteer") for openid, name, *_ in VOLUNTEERS]
    people.append((ADMIN[0], ADMIN[1], "admin"))
    return [{"openid": openid, "name": name, "role": role} for openid, name, role in people]


def menu_keys(menu: dict[str, Any]) -> list[dict[str, str]]:
    """Every click button of the configured menu, sub-buttons included."""
    keys = []
    for button in (menu or {}).get("button", []):
        for item in [button, *button.get("sub_button", [])]:
            if item.get("type") == "click" and item.get("key"):
                keys.append({"key": item["key"], "name": item.get("name", item["key"])})
    return keys


# --- sending a push -------------------------------------------------------


@bp.post("/sandbox/send")
def send() -> tuple[Response, int]:
    """Build a push from the page's JSON, tell the fake, post it to /wechat; return the reply."""
    data = request.get_json(silent=True) or {}
    rt = _rt()
    try:
        if not isinstance(data, dict):
            raise BadInput("the body must be a JSON object")
        kind, openid = _require(data, "type"), _require(data, "openid")
        fields = build_fields(kind, openid, data, now=int(rt.clock().timestamp()))
    except BadInput as exc:
        return jsonify(error=str(exc)), 400
    tell_fake(rt.settings["wechat.api_base_url"], openid, kind, str(data.get("scene") or ""))
    status, reply = post_to_webhook(xml_of(fields), openid)
    return jsonify(reply=reply, raw_status=status, safe_mode=bool(rt.settings["wechat.aes_key"])), 200


def _require(data: dict[str, Any], key: str) -> str:
    value = str(data.get(key) or "").strip()
    if not value:
        raise BadInput(f"{key} is required")
    return value


def _header(openid: str, msg_type: str, now: int) -> dict[str, Any]:
    return {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": now, "MsgType": msg_type}


def _msg_id() -> int:
    # WeChat's MsgId is a 64-bit number; random keeps repeated sends from looking like retries.
    return secrets.randbits(62)


def _text(data: dict[str, Any]) -> dict[str, Any]:
    return {"Content": str(data.get("content") or ""), "MsgId": _msg_id()}


def _voice(data: dict[str, Any], recognised: bool = True) -> dict[str, Any]:
    recognition = str(data.get("content") or "") if recognised else ""
    return {"MediaId": f"sandbox-voice-{secrets.token_hex(4)}", "Format": "amr", "Recognition": recognition,
            "MsgId": _msg_id()}


def _location(data: dict[str, Any]) -> dict[str, Any]:
    lat, lng = DEFAULT_LOCATION
    label = data.get("label") or data.get("content") or t("sandbox_default_place")
    return {"Location_X": str(data.get("latitude") or lat), "Location_Y": str(data.get("longitude") or lng),
            "Scale": 15, "Label": str(label), "MsgId": _msg_id()}


def _image(data: dict[str, Any]) -> dict[str, Any]:
    return {"PicUrl": "http://127.0.0.1/sandbox.jpg", "MediaId": f"sandbox-image-{secrets.token_hex(4)}",
            "MsgId": _msg_id()}


def _subscribe(data: dict[str, Any]) -> dict[str, Any]:
    scene = str(data.get("scene") or "")
    if not scene:
        return {"Event": "subscribe", "EventKey": ""}
    # A follow through a QR code carries the scene with WeChat's qrscene_ prefix.
    return {"Event": "subscribe", "EventKey": f"qrscene_{scene}", "Ticket": f"sandbox-ticket-{scene}"}


def _scan(data: dict[str, Any]) -> dict[str, Any]:
    scene = str(data.get("scene") or DEFAULT_SCENE)
    return {"Event": "SCAN", "EventKey": scene, "Ticket": f"sandbox-ticket-{scene}"}


def _click(data: dict[str, Any]) -> dict[str, Any]:
    key = str(data.get("key") or data.get("content") or "").strip()
    if not key:
        raise BadInput("key is required for a menu click")
    return {"Event": "CLICK", "EventKey": key}


# type -> (MsgType, builder of the type's own fields)
BUILDERS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "text": ("text", _text),
    "voice": ("voice", _voice),
    "voice_unrecognised": ("voice", lambda data: _voice(data, recognised=False)),
    "location": ("location", _location),
    "image": ("image", _image),
    "subscribe": ("event", _subscribe),
    "unsubscribe": ("event", lambda data: {"Event": "unsubscribe"}),
    "click": ("event", _click),
    "scan": ("event", _scan),
}


def build_fields(kind: str, openid: str, data: dict[str, Any], *, now: int) -> dict[str, Any]:
    """The push's fields, in WeChat's order, for one sandbox message type."""
    if kind not in BUILDERS:
        raise BadInput(f"unknown type {kind!r}; one of {sorted(BUILDERS)}")
    msg_type, builder = BUILDERS[kind]
    return {**_header(openid, msg_type, now), **builder(data)}


def cdata(value: str) -> str:
    """Wrap text in CDATA, splitting any ']]>' inside it."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def xml_of(fields: dict[str, Any]) -> str:
    """Render flat fields as WeChat's push XML (numbers bare, text in CDATA)."""
    parts = [f"<{key}>{value if isinstance(value, int) else cdata(str(value))}</{key}>"
             for key, value in fields.items()]
    return "<xml>" + "".join(parts) + "</xml>"


def post_to_webhook(xml: str, openid: str) -> tuple[int, str | None]:
    """POST a push through the app's own /wechat as WeChat would; return (status, reply text)."""
    rt = _rt()
    token, aes_key, app_id = (rt.settings[k] for k in ("wechat.token", "wechat.aes_key", "wechat.app_id"))
    timestamp, nonce = str(int(rt.clock().timestamp())), str(secrets.randbelow(10**9))
    query = {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "openid": openid}
    body = xml
    if aes_key:
        body, msg_signature = seal_push(xml, token, aes_key, app_id, timestamp, nonce)
        query.update(encrypt_type="aes", msg_signature=msg_signature)
    response = current_app.test_client().post("/wechat", query_string=query, data=body.encode("utf-8"),
                                              content_type="text/xml")
    crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
    return response.status_code, reply_content(response.get_data(as_text=True), crypto)


def seal_push(xml: str, token: str, aes_key: str, app_id: str, timestamp: str, nonce: str) -> tuple[str, str]:
    """Encrypt a push in safe mode; return (body, msg_signature)."""
    sealed = WeChatCrypto(token, aes_key, app_id).encrypt_message(xml, nonce, timestamp)
    encrypt = fromstring(sealed).findtext("Encrypt") or ""
    body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    return body, signature(token, timestamp, nonce, encrypt)


def reply_content(body: str, crypto: WeChatCrypto | None) -> str | None:
    """The Content of a passive reply, decrypted if needed; None for 'success' or an empty body."""
    if body.strip() in ("", "success"):
        return None
    try:
        root = fromstring(body)
        if root.find("Encrypt") is not None and crypto is not None:
            plain = crypto.decrypt_message(body, root.findtext("MsgSignature"), root.findtext("TimeStamp"),
                                           root.findtext("Nonce"))
            root = fromstring(plain)
    except Exception:  # a reply we cannot read is shown raw rather than failing the page
        log.warning("sandbox could not read the webhook's reply", exc_info=True)
        return body
    return root.findtext("Content")


# --- the fake WeChat API ----------------------------------------------------


def is_fake(base_url: str) -> bool:
    """False for real WeChat, where /_fake control calls must not be sent."""
    host = urlsplit(base_url).hostname or ""
    return not (host == REAL_WECHAT_SUFFIX or host.endswith("." + REAL_WECHAT_SUFFIX))


def tell_fake(base_url: str, openid: str, kind: str, scene: str) -> None:
    """Tell the fake WeChat API what real WeChat would know: follows and reply windows."""
    if not is_fake(base_url):
        log.debug("sandbox: %s is real WeChat; not recording the interaction", base_url)
        return
    if kind == "subscribe":
        follow_scene = "ADD_SCENE_QR_CODE" if scene else "ADD_SCENE_SEARCH"
        _fake_post(base_url, "/_fake/follow", {"openid": openid, "scene": follow_scene, "qr_scene_str": scene})
    if kind == "unsubscribe":
        _fake_post(base_url, "/_fake/unfollow", {"openid": openid})
    if kind in INTERACTIONS:
        _fake_post(base_url, "/_fake/interaction", {"openid": openid, "kind": INTERACTIONS[kind]})


def _fake_post(base_url: str, path: str, body: dict[str, Any]) -> None:
    try:
        requests.post(base_url.rstrip("/") + path, json=body, timeout=FAKE_TIMEOUT).raise_for_status()
    except requests.RequestException as exc:
        # Not every base URL is the fake (a staging proxy, a stopped fake); the push still goes out.
        log.debug("sandbox: %s failed: %s", path, exc)


@bp.get("/sandbox/pushes")
def pushes() -> Response:
    """The customer-service/template messages the fake delivered to an openid, newest first."""
    base_url = _rt().settings["wechat.api_base_url"]
    openid = request.args.get("openid", "").strip()
    if not is_fake(base_url):
        return _no_pushes(f"{base_url} is real WeChat")
    try:
        response = requests.get(base_url.rstrip("/") + "/_fake/sent", params={"openid": openid} if openid else {},
                                timeout=FAKE_TIMEOUT)
        response.raise_for_status()
        items = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.debug("sandbox: cannot read pushes: %s", exc)
        return _no_pushes(UNREACHABLE_NOTE)
    if not isinstance(items, list):
        return jsonify([])
    templates = _rt().settings["templates"] or {}
    return jsonify([with_card(item, templates) for item in reversed(items)])


def with_card(item: Any, templates: dict[str, Any]) -> Any:
    """A template push gets the card the person sees (title, labelled lines), keywords left for the details."""
    if not isinstance(item, dict) or item.get("channel") != "template":
        return item
    payload = item.get("payload") or {}
    found = template_cards.find(templates, str(payload.get("template_id") or ""))
    kind, spec = found if found else ("", {"template_id": payload.get("template_id") or "?", "fields": {}})
    try:
        card = template_cards.card_of(kind, spec, payload.get("data") or {}, url=str(payload.get("url") or ""))
    except ValueError:  # a misconfigured entry: still show the values, under their keywords
        card = template_cards.card_of("", {"template_id": "?", "fields": {}}, payload.get("data") or {})
    return {**item, "card": {"title": card.title, "rows": card.rows, "url": card.url}}


def _no_pushes(note: str) -> Response:
    # The body stays a list for the page's simple loop; the reason travels in a header.
    response = jsonify([])
    response.headers["X-Sandbox-Note"] = note
    return response


def _rt():
    return current_app.extensions["linli"]
