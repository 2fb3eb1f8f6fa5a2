"""The /wechat endpoint: verify, decrypt, parse, dedup, let the bot decide, render."""
from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import SQLAlchemyError

from app.convert import to_message
from app.web import inbound
from app.web.wechat_xml import Rejected, check_url_signature, open_envelope, parse, render_text_reply, seal
from bots.texts import t

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)


def _rt():
    return current_app.extensions["linli"]


def _verify(rt) -> None:
    check_url_signature(rt.settings["wechat.token"], request.args.to_dict(), now=rt.clock().timestamp(),
                        window=float(rt.settings["webhook.timestamp_window"]))


@bp.get("/wechat")
def verify_url():
    """WeChat's server-URL check: echo `echostr` when the signature is right."""
    rt = _rt()
    _verify(rt)
    echostr = request.args.get("echostr")
    if echostr is None:
        raise Rejected(400, "missing echostr")
    return Response(echostr, mimetype="text/plain")


@bp.post("/wechat")
def receive():
    """Answer one push within WeChat's five seconds."""
    rt = _rt()
    # WeChat waits 5 s from sending; the budget counts from arrival, recording the push included.
    deadline = time.monotonic() + rt.webhook.time_budget
    _verify(rt)
    wechat = rt.settings["wechat.token"], rt.settings["wechat.aes_key"], rt.settings["wechat.app_id"]
    envelope = open_envelope(request.get_data(cache=False), request.args.to_dict(),
                             token=wechat[0], aes_key=wechat[1], app_id=wechat[2],
                             accept_plain=bool(rt.settings["wechat.accept_plain"]))
    wx = parse(envelope.xml)
    message = to_message(wx)
    if message.openid != envelope.sender:
        raise Rejected(400, "sender does not match FromUserName")
    log.info("push %s/%s from …%s", message.kind, message.event or "-", message.openid[-6:])
    text = _respond_or_apologise(rt, message, deadline)
    if not text:
        return Response("success", mimetype="text/plain")
    xml = render_text_reply(text, to_user=envelope.sender, from_account=envelope.account)
    return Response(seal(xml, envelope, token=wechat[0], aes_key=wechat[1], app_id=wechat[2]),
                    mimetype="application/xml")


def _respond_or_apologise(rt, message, deadline: float):
    """The bot's reply; if the push could not even be recorded (database down, disk full), say so.

    Answering "success" would make WeChat drop the message silently; a short apology tells the user to
    send it again, which is the only way it is not lost. (A database that is merely slow is not this
    case: inbound.respond keeps the message and answers "success" at the deadline.)
    """
    try:
        return inbound.respond(rt, message, deadline=deadline)
    except (SQLAlchemyError, OSError):
        log.exception("could not record or answer a push")
        return t("system_error")


@bp.errorhandler(Rejected)
def rejected(exc: Rejected):
    log.warning("rejected push: %s", exc.reason)
    return Response("", status=exc.status)
