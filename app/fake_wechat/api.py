"""The WeChat endpoints: each takes the state, query and JSON body and returns the answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .content import CUSTOM_TYPES, MASS_TYPES, as_shown, check_message, check_template_data, require_openid
from .errors import WeChatError, ok
from .menu import validate_menu
from .state import FakeWeChatState

MASS_MIN_USERS = 2
MASS_MAX_USERS = 10_000
CLIENTMSGID_BYTES = 64

Query = Mapping[str, str]
Body = dict[str, Any]


@dataclass(frozen=True)
class Binary:
    """A non-JSON answer (media download)."""

    content: bytes
    content_type: str
    filename: str


Answer = dict[str, Any] | Binary
Handler = Callable[[FakeWeChatState, Query, Body], Answer]


@dataclass(frozen=True)
class Endpoint:
    """One WeChat API path, its HTTP method and whether it needs an access_token."""

    path: str
    method: str
    handler: Handler
    needs_token: bool = True


# --- tokens ----------------------------------------------------------------

def _check_credentials(params: Mapping[str, Any], grant_type: str, appid: str,
                       secret: str) -> None:
    if params.get("grant_type") != grant_type:
        raise WeChatError(40002)
    if params.get("appid") != appid:
        raise WeChatError(40013)
    if params.get("secret") != secret:
        raise WeChatError(40125)


def _check_app(params: Mapping[str, Any], state: FakeWeChatState) -> None:
    # The mini-program has its own credentials; the fake issues both apps tokens from one store.
    if params.get("appid") == state.mini_appid and state.mini_appid != state.appid:
        _check_credentials(params, "client_credential", state.mini_appid, state.mini_secret)
    else:
        _check_credentials(params, "client_credential", state.appid, state.secret)


def token(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """GET /cgi-bin/token: a new token each call, the previous one lives 5 more minutes."""
    _check_app(query, state)
    now = state.now()
    issued = state.tokens.fetch_classic(now)
    return {"access_token": issued.value, "expires_in": int(issued.expires_at - now)}


def stable_token(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/stable_token: same token while valid unless force_refresh."""
    _check_app(body, state)
    force = body.get("force_refresh", False)
    if not isinstance(force, bool):
        raise WeChatError(47001)
    now = state.now()
    issued = state.tokens.fetch_stable(now, force)
    return {"access_token": issued.value, "expires_in": int(issued.expires_at - now)}


# --- messages --------------------------------------------------------------

def custom_send(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/message/custom/send under the 48 h / 1 min window rules."""
    touser = require_openid(body.get("touser"))
    check_message(body, CUSTOM_TYPES)
    now = state.now()
    state.audience.see(touser)
    state.audience.require_follower(touser, now)
    state.windows.consume(touser, now)
    state.outbox.deliver("custom", touser, body, now, state.outbox.new_msgid())
    return ok()


def template_send(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/message/template/send with the 20-char cut and client_msg_id dedup."""
    touser = require_openid(body.get("touser"))
    template_id = body.get("template_id")
    if not isinstance(template_id, str) or not template_id or (
            state.templates is not None and template_id not in state.templates):
        raise WeChatError(40037)
    check_template_data(body.get("data"))
    now = state.now()
    state.audience.see(touser)
    state.audience.require_follower(touser, now)
    client_msg_id = body.get("client_msg_id")
    if client_msg_id:
        first = state.outbox.template_duplicate(touser, str(client_msg_id), now)
        if first is not None:
            return ok(msgid=first)
    msgid = state.outbox.new_msgid()
    state.outbox.deliver("template", touser, as_shown(body), now, msgid)
    if client_msg_id:
        state.outbox.remember_template(touser, str(client_msg_id), msgid, now)
    state.outbox.push_event({"Event": "TEMPLATESENDJOBFINISH", "ToUserName": state.appid,
                             "FromUserName": touser, "MsgID": msgid, "Status": "success",
                             "CreateTime": int(now)})
    return ok(msgid=msgid)


def mass_sendall(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/message/mass/sendall to a tag or to every follower."""
    scope = body.get("filter")
    if not isinstance(scope, dict):
        raise WeChatError(47001)
    now = state.now()
    if scope.get("is_to_all") is True:
        targets = state.audience.everyone(now)
    else:
        # wechatpy 1.8.18 still sends the legacy name group_id; accept both.
        tag_id = scope.get("tag_id", scope.get("group_id"))
        targets = state.audience.members(state.audience.check_tag(tag_id))
    return _mass_send(state, body, json.dumps(scope, sort_keys=True), targets)


def mass_send(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/message/mass/send to a list of 2..10000 openids."""
    users = body.get("touser")
    if not isinstance(users, list) or not MASS_MIN_USERS <= len(users) <= MASS_MAX_USERS:
        raise WeChatError(40130)
    targets = [require_openid(o) for o in users]
    for openid in targets:
        state.audience.see(openid)
    return _mass_send(state, body, json.dumps(sorted(targets)), targets)


def mass_preview(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/message/mass/preview to one follower (no monthly cap, no dedup)."""
    touser = require_openid(body.get("touser") or body.get("towxname"))
    check_message(body, MASS_TYPES)
    now = state.now()
    state.audience.see(touser)
    state.audience.require_follower(touser, now)
    msg_id = state.outbox.new_msgid()
    state.outbox.deliver("preview", touser, _mass_payload(body), now, msg_id)
    return {"errcode": 0, "errmsg": "preview success", "msg_id": msg_id}


def _mass_send(state: FakeWeChatState, body: Body, scope: str, targets: list[str]) -> Answer:
    msgtype = check_message(body, MASS_TYPES)
    now = state.now()
    key = _mass_key(body, scope, msgtype)
    existing = state.outbox.mass_duplicate(key, now)
    if existing is not None:
        raise WeChatError(45065, msg_id=existing)
    msg_id = state.outbox.new_msgid()
    msg_data_id = state.outbox.new_msgid()
    state.outbox.remember_mass(key, msg_id, now)
    followers = [o for o in dict.fromkeys(targets) if state.audience.is_follower(o, now)]
    # Over the 4-per-month cap a user is silently skipped, the job still succeeds.
    receivers = [o for o in followers if state.outbox.take_mass_slot(o, now)]
    payload = _mass_payload(body)
    for openid in receivers:
        state.outbox.deliver("mass", openid, payload, now, msg_id)
    state.outbox.push_event({"Event": "MASSSENDJOBFINISH", "MsgID": msg_id,
                             "Status": "send success", "TotalCount": len(followers),
                             "FilterCount": len(receivers), "SentCount": len(receivers),
                             "ErrorCount": 0, "CreateTime": int(now)})
    return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
            "msg_data_id": msg_data_id}


def _mass_key(body: Body, scope: str, msgtype: str) -> str:
    clientmsgid = body.get("clientmsgid")
    if clientmsgid is None:
        # Without an id WeChat de-duplicates on a digest of scope and content.
        digest = json.dumps([scope, msgtype, body[msgtype]], sort_keys=True, ensure_ascii=False)
        return "digest:" + hashlib.sha256(digest.encode()).hexdigest()
    if not isinstance(clientmsgid, str):
        raise WeChatError(47001)
    if len(clientmsgid.encode()) > CLIENTMSGID_BYTES:
        raise WeChatError(45067)
    return "id:" + clientmsgid


def _mass_payload(body: Body) -> Body:
    return {k: v for k, v in body.items() if k not in ("touser", "towxname", "filter")}


# --- users, tags, menu, QR codes ------------------------------------------

def user_info(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """GET /cgi-bin/user/info."""
    openid = require_openid(query.get("openid"))
    return state.audience.user_info(openid, state.now())


def tags_create(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/tags/create."""
    tag = body.get("tag")
    name = tag.get("name") if isinstance(tag, dict) else None
    return {"tag": state.audience.create_tag(name)}


def tags_get(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """GET /cgi-bin/tags/get."""
    return {"tags": state.audience.list_tags()}


def tags_batchtagging(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/tags/members/batchtagging."""
    state.audience.tag_users(body.get("tagid"), body.get("openid_list"), state.now(), add=True)
    return ok()


def tags_batchuntagging(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/tags/members/batchuntagging."""
    state.audience.tag_users(body.get("tagid"), body.get("openid_list"), state.now(), add=False)
    return ok()


def tags_getidlist(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/tags/getidlist."""
    return {"tagid_list": state.audience.tags_of(body.get("openid"), state.now())}


def menu_create(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/menu/create."""
    state.menu = validate_menu(body)
    return ok()


def menu_get(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """GET /cgi-bin/menu/get (46003 when no menu exists)."""
    if state.menu is None:
        raise WeChatError(46003)
    return {"menu": {"button": state.menu}}


def menu_delete(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """GET /cgi-bin/menu/delete."""
    state.menu = None
    return ok()


def qrcode_create(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/qrcode/create."""
    return state.qrcodes.create(body, state.now())


def media_get(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """GET /cgi-bin/media/get: the bytes of a media file."""
    media_id = query.get("media_id")
    content, content_type = state.media.get(media_id, state.now())
    extension = content_type.rsplit("/", 1)[-1]
    return Binary(content, content_type, f"{media_id}.{extension}")


# --- mini-program ----------------------------------------------------------

def jscode2session(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """GET /sns/jscode2session: codes "code-<user>[:<nonce>]" are valid once."""
    _check_credentials(query, "authorization_code", state.mini_appid, state.mini_secret)
    openid, session_key = state.logins.redeem(state.mini_appid, query.get("js_code"))
    answer = {"openid": openid, "session_key": session_key}
    if openid in state.audience.unionids:
        answer["unionid"] = state.audience.unionids[openid]
    return answer


def getuserphonenumber(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /wxa/business/getuserphonenumber: the verified number behind a getPhoneNumber code."""
    info = state.logins.phone(body.get("code"))
    info["watermark"]["appid"] = state.mini_appid
    return ok(phone_info=info)


MINIPROGRAM_STATES = ("developer", "trial", "formal")
PAGE_MAX = 1024


def subscribe_send(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /cgi-bin/message/subscribe/send: one message per consent the mini-program user gave.

    Parameter errors (an unknown miniprogram_state or lang, a page too long, a value its keyword's
    type does not accept) answer 47003 and spend nothing; no consent left answers 43101.
    """
    touser = require_openid(body.get("touser"))
    template_id = body.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        raise WeChatError(40037)
    if body.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES:
        raise WeChatError(47003, "argument invalid! miniprogram_state invalid")
    page = body.get("page", "")
    if not isinstance(page, str) or len(page) > PAGE_MAX:
        raise WeChatError(47003, "argument invalid! page invalid")
    if body.get("lang", "zh_CN") not in ("zh_CN", "en_US", "zh_HK", "zh_TW"):
        raise WeChatError(47003, "argument invalid! lang invalid")
    data = body.get("data")
    if not isinstance(data, dict) or not data:
        raise WeChatError(47003, "argument invalid! data is empty")
    try:
        check_template_data(data)
    except WeChatError as exc:  # the subscribe API answers every malformed value with 47003
        raise WeChatError(47003, exc.errmsg if exc.errcode == 47003 else "argument invalid! data invalid") from None
    if not state.take_subscription(touser, template_id):
        raise WeChatError(43101)
    msgid = state.outbox.new_msgid()
    state.outbox.deliver("subscribe", touser, body, state.now(), msgid)
    return ok(msgid=msgid)


def msg_sec_check(state: FakeWeChatState, query: Query, body: Body) -> Answer:
    """POST /wxa/msg_sec_check (v2 when version is 2, else the legacy v1 answer)."""
    if str(body.get("version", "")) == "2":
        return state.rules.check_v2(body)
    return state.rules.check_v1(body)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("/cgi-bin/token", "GET", token, needs_token=False),
    Endpoint("/cgi-bin/stable_token", "POST", stable_token, needs_token=False),
    Endpoint("/cgi-bin/message/custom/send", "POST", custom_send),
    Endpoint("/cgi-bin/message/template/send", "POST", template_send),
    Endpoint("/cgi-bin/message/subscribe/send", "POST", subscribe_send),
    Endpoint("/cgi-bin/message/mass/sendall", "POST", mass_sendall),
    Endpoint("/cgi-bin/message/mass/send", "POST", mass_send),
    Endpoint("/cgi-bin/message/mass/preview", "POST", mass_preview),
    Endpoint("/cgi-bin/user/info", "GET", user_info),
    Endpoint("/cgi-bin/tags/create", "POST", tags_create),
    Endpoint("/cgi-bin/tags/get", "GET", tags_get),
    Endpoint("/cgi-bin/tags/members/batchtagging", "POST", tags_batchtagging),
    Endpoint("/cgi-bin/tags/members/batchuntagging", "POST", tags_batchuntagging),
    Endpoint("/cgi-bin/tags/getidlist", "POST", tags_getidlist),
    Endpoint("/cgi-bin/menu/create", "POST", menu_create),
    Endpoint("/cgi-bin/menu/get", "GET", menu_get),
    Endpoint("/cgi-bin/menu/delete", "GET", menu_delete),
    Endpoint("/cgi-bin/qrcode/create", "POST", qrcode_create),
    Endpoint("/cgi-bin/media/get", "GET", media_get),
    Endpoint("/sns/jscode2session", "GET", jscode2session, needs_token=False),
    Endpoint("/wxa/msg_sec_check", "POST", msg_sec_check),
    Endpoint("/wxa/business/getuserphonenumber", "POST", getuserphonenumber),
)
