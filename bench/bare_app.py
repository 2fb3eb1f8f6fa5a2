"""The baseline for bench/webhook.py and bench/api.py: a Flask app that answers every push with 'success',
and the two API calls bench/api.py measures with a fixed JSON body.

It is served by gunicorn with exactly the settings of the real app, so the
difference between the two is what Linli's request path costs on top of
Flask + gunicorn + HTTP (signature, XML, database, bot, reply rendering).
"""
from __future__ import annotations

from flask import Flask, Response, request


def create_app() -> Flask:
    """Build the bare app; gunicorn loads it as `bench.bare_app:create_app()`."""
    app = Flask(__name__)

    @app.post("/wechat")
    def receive() -> Response:
        # Read the body like the webhook does, so both pay for receiving it.
        request.get_data(cache=False)
        return Response("success", mimetype="text/plain")

    @app.get("/api/v1/me")
    def me() -> Response:
        return Response(ME, mimetype="application/json")

    @app.post("/api/v1/help-requests")
    def ask() -> Response:
        # Parse the JSON like the API does, so both pay for reading it.
        request.get_json(force=True)
        return Response(CREATED, status=201, mimetype="application/json")

    return app


ME = '{"linked": true, "id": 1, "name": "王秀英", "roles": ["elder"], "village": "示范村", "elders": []}'
CREATED = '{"id": 1, "status": "open", "category": "errand", "details": "帮我买点药"}'
