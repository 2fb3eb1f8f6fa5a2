"""Linli's Flask application factory. Nothing here reads config or connects at import time."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
API_PREFIX = "/api/"  # the mini-program API answers every error as a problem document (app/api/problems.py)


def create_app(overrides: Mapping[str, Any] | None = None, *, clock=None) -> Flask:
    """Build the app: settings, runtime, blueprints, CLI."""
    from app.config import load_settings, production_warnings
    from app.logs import configure as configure_logs
    from app.runtime import Runtime

    settings = load_settings(overrides)
    configure_logs(settings["log_level"])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    for warning in production_warnings(settings):
        log.warning(warning)
    app = Flask(__name__, instance_relative_config=True)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["webhook.max_body_bytes"])
    runtime = Runtime(settings, clock=clock) if clock else Runtime(settings)
    app.extensions["linli"] = runtime
    _register(app, settings)
    return app


def _register(app: Flask, settings) -> None:
    from app.cli import registry as cli
    from app.web import registry as web

    web.register(app, settings)
    cli.init_app(app)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # WeChat and hostile clients get a bare status, never an HTML page or a trace.
        if request.path.startswith("/wechat"):
            log.warning("refused %s %s: %s %s", request.method, request.path, exc.code, exc.name)
        if request.path.startswith(API_PREFIX):
            from app.api.problems import from_http

            return from_http(exc)
        return Response("", status=exc.code or 400)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from app.db import is_stall  # here, not at import: importing the package opens nothing

        if request.path.startswith(API_PREFIX) and is_stall(exc):
            # A contended or slow database (a lock or statement timeout): nothing was half-saved (the
            # transaction rolled back), so the client is told to try again shortly, not that we broke.
            from app.api.problems import Problem, render

            log.warning("api %s %s: database busy, answered 503", request.method, request.path)
            return render(Problem(503, "busy", headers={"Retry-After": "2"}))
        # Only our own bugs get here (malformed requests are refused with a 4xx on the way in). Not
        # "success": that means "accepted, the reply follows", and this push was neither.
        app.logger.exception("unhandled error")
        if request.path.startswith(API_PREFIX):
            from app.api.problems import Problem, render

            return render(Problem(500))
        return Response("", status=500)
