"""The baseline for bench/webhook.py: a Flask app that answers every push with 'success'.

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

    return app
