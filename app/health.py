"""/healthz: whether this process can reach its database."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.db import ping

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report the database's state; 503 when it does not answer."""
    ok = ping(current_app.extensions["linli"].engine)
    return jsonify(status="ok" if ok else "degraded", database=ok), (200 if ok else 503)
