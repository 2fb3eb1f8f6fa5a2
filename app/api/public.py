"""The API's public door: login, the OpenAPI document and its docs page (vendored assets, no CDN)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Response, jsonify, send_from_directory

from app.api import context, schemas
from app.api.miniapp import miniapp, openid_digest
from app.api.problems import Problem
from app.api.spec import answers, document, spec
from app.api.wiring import limited_login, wire
from models.api import identity as ids

log = logging.getLogger(__name__)
bp = Blueprint("api_public", __name__, url_prefix="/api/v1")
ASSETS = Path(__file__).resolve().parent / "assets"
wire(bp)


@bp.post("/auth/login")
@limited_login
@spec.validate(json=schemas.LoginIn, resp=answers(200, schemas.LoginOut, 400, 403, 422, 502, 503), tags=["auth"])
def login():
    """Log in with a wx.login code: an opaque bearer token (the session key stays on the server)."""
    app = miniapp()
    if not app.configured:
        raise Problem(503, "miniapp_off")
    body: schemas.LoginIn = context.request_json()
    answer = app.code2session(body.code)
    lifetime = context.token_lifetime()
    with context.unit() as session:
        identity, token = ids.login(session, answer["openid"], answer.get("unionid"),
                                    app.seal(answer["session_key"]), now=context.now(), lifetime=lifetime)
        linked = identity.user_id is not None
    log.info("api login %s linked=%s", openid_digest(answer["openid"]), linked)
    return schemas.LoginOut(token=token, expires_in=int(lifetime.total_seconds()), linked=linked)


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/docs")
def docs():
    return send_from_directory(ASSETS, "docs.html", mimetype="text/html")


@bp.get("/docs/assets/<path:name>")
def docs_asset(name: str) -> Response:
    return send_from_directory(ASSETS, name)
