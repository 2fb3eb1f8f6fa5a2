"""HTTP test-control surface under /_fake (for out-of-process use and the sandbox page)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .state import FakeWeChatState

SANDBOX_PAGE = Path(__file__).with_name("sandbox.html")


def create_control_blueprint(state: FakeWeChatState) -> Blueprint:
    """Build the /_fake blueprint bound to one state object."""
    bp = Blueprint("fake_control", __name__, url_prefix="/_fake")

    @bp.errorhandler(ValueError)
    @bp.errorhandler(KeyError)
    @bp.errorhandler(TypeError)
    def bad_request(error: Exception) -> tuple[Response, int]:
        return jsonify({"error": f"{type(error).__name__}: {error}"}), 400

    @bp.get("/")
    def sandbox() -> Response:
        return Response(SANDBOX_PAGE.read_text(encoding="utf-8"), mimetype="text/html")

    @bp.post("/reset")
    def reset() -> Response:
        state.reset()
        return jsonify({"ok": True})

    @bp.route("/clock", methods=["GET", "POST"])
    def clock() -> Response:
        body = _body() if request.method == "POST" else {}
        if body.get("real"):
            state.use_real_time()
        if "now" in body:
            state.set_clock(float(body["now"]))
        if "advance" in body:
            state.advance(float(body["advance"]))
        return jsonify({"now": state.now(), "frozen": state.clock.frozen})

    @bp.post("/follow")
    def follow() -> Response:
        body = _body()
        state.follow(_openid(body), body.get("scene", "ADD_SCENE_QR_CODE"),
                     body.get("qr_scene_str", ""), body.get("unionid"))
        return jsonify({"ok": True})

    @bp.post("/unfollow")
    def unfollow() -> Response:
        state.unfollow(_openid(_body()))
        return jsonify({"ok": True})

    @bp.post("/unionid")
    def unionid() -> Response:
        body = _body()
        state.set_unionid(_openid(body), str(body["unionid"]))
        return jsonify({"ok": True})

    @bp.post("/subscribe")
    def subscribe() -> Response:
        body = _body()
        state.grant_subscription(_openid(body), str(body["template_id"]), int(body.get("times", 1)))
        return jsonify({"ok": True})

    @bp.post("/interaction")
    def interaction() -> Response:
        body = _body()
        at = body.get("at")
        state.record_interaction(_openid(body), str(body["kind"]),
                                 float(at) if at is not None else None)
        return jsonify({"ok": True})

    @bp.post("/fault")
    def fault() -> Response:
        body = _body()
        state.inject_fault(str(body["path"]), _opt(body, "errcode", int), body.get("errmsg"),
                           _opt(body, "http_status", int), _opt(body, "delay", float),
                           int(body.get("times", 1)))
        return jsonify({"ok": True, "faults": state.faults.pending()})

    @bp.post("/expire_tokens")
    def expire_tokens() -> Response:
        state.expire_tokens()
        return jsonify({"ok": True})

    @bp.post("/config")
    def config() -> Response:
        body = _body()
        known = ("templates", "banned_words", "review_words", "auto_follow")
        state.configure(**{k: body[k] for k in known if k in body})
        return jsonify(state.stats())

    @bp.post("/media")
    def media() -> Response:
        body = _body()
        try:
            content = base64.b64decode(body["content_base64"], validate=True)
        except binascii.Error as error:
            raise ValueError("content_base64 is not base64") from error
        state.add_media(str(body["media_id"]), content, body.get("content_type", "audio/amr"))
        return jsonify({"ok": True})

    @bp.get("/sent")
    def sent() -> Response:
        return jsonify(state.sent(request.args.get("openid"), request.args.get("channel")))

    @bp.get("/calls")
    def calls() -> Response:
        return jsonify(state.calls(request.args.get("path")))

    @bp.get("/events")
    def events() -> Response:
        return jsonify(state.events())

    @bp.get("/qrcodes")
    def qrcodes() -> Response:
        return jsonify(state.qr_tickets())

    @bp.get("/mini_openid")
    def mini_openid() -> Response:
        return jsonify({"openid": state.mini_openid(request.args["user"])})

    @bp.get("/stats")
    def stats() -> Response:
        return jsonify(state.stats())

    return bp


def _body() -> dict[str, Any]:
    body = request.get_json(force=True, silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _openid(body: dict[str, Any]) -> str:
    openid = body.get("openid")
    if not isinstance(openid, str) or not openid:
        raise ValueError("openid must be a non-empty string")
    return openid


def _opt(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    return None if value is None else kind(value)
