"""The HTTP side: a Flask app serving the WeChat paths, and a thread-hosted server."""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, make_server

from .api import ENDPOINTS, Answer, Binary, Endpoint
from .control import create_control_blueprint
from .errors import WeChatError
from .faults import Fault
from .state import FakeWeChatState

log = logging.getLogger(__name__)

METHOD_ERRCODE = {"GET": 43001, "POST": 43002}
METHOD_ERRMSG = {"GET": "require GET method", "POST": "require POST method"}


def create_app(state: FakeWeChatState) -> Flask:
    """Build the Flask app serving the WeChat API paths and /_fake control routes."""
    app = Flask(__name__)
    app.before_request(_loopback_only)
    for endpoint in ENDPOINTS:
        app.add_url_rule(endpoint.path, endpoint=endpoint.path,
                         view_func=_view(state, endpoint), methods=["GET", "POST"])
    app.register_blueprint(create_control_blueprint(state))
    return app


# Forwarded by a proxy on this machine: the real client is elsewhere.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP", "X-Forwarded-Host")


def _loopback_only() -> Response | None:
    """Answer only this machine: the control routes can follow, unfollow and read every message sent."""
    try:
        local = ipaddress.ip_address((request.remote_addr or "").split("%")[0]).is_loopback
    except ValueError:
        local = False
    if local and not any(name in request.headers for name in FORWARDING_HEADERS):
        return None
    return Response("fake WeChat API: loopback only", status=403, mimetype="text/plain")


def _view(state: FakeWeChatState, endpoint: Endpoint) -> Any:
    def view() -> Response:
        return dispatch(state, endpoint)
    return view


def dispatch(state: FakeWeChatState, endpoint: Endpoint) -> Response:
    """Answer one API request: log it, apply any fault, check token and body, run the handler."""
    raw = request.get_data(as_text=True)
    query = request.args.to_dict()
    body = _parse_body(raw) if request.method == "POST" else {}
    logged_body = (body if body is not None else raw) if request.method == "POST" else None
    record = state.log_call(endpoint.path, request.method, query, logged_body)
    fault = state.take_fault(endpoint.path)
    if fault is not None and fault.delay:
        # Sleep outside the lock so other requests keep flowing.
        time.sleep(fault.delay)
    if fault is not None and fault.http_status:
        _finish(state, record, None, fault.http_status)
        return Response(f"fake upstream error {fault.http_status}", status=fault.http_status,
                        mimetype="text/html")
    answer = _answer(state, endpoint, query, body, fault)
    _finish(state, record, answer.get("errcode", 0) if isinstance(answer, dict) else 0, 200)
    return _render(answer)


def _answer(state: FakeWeChatState, endpoint: Endpoint, query: dict[str, str],
            body: dict[str, Any] | None, fault: Fault | None) -> Answer:
    try:
        if fault is not None and fault.errcode is not None:
            raise WeChatError(fault.errcode, fault.errmsg)
        if request.method != endpoint.method:
            raise WeChatError(METHOD_ERRCODE[endpoint.method], METHOD_ERRMSG[endpoint.method])
        with state.lock:
            if endpoint.needs_token:
                state.check_token(query.get("access_token"))
            if body is None:
                raise WeChatError(47001)
            return endpoint.handler(state, query, body)
    except WeChatError as error:
        log.debug("fake wechat %s -> %s", endpoint.path, error)
        return error.body()


def _parse_body(raw: str) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _finish(state: FakeWeChatState, record: dict[str, Any], errcode: int | None,
            http_status: int) -> None:
    with state.lock:
        record["errcode"] = errcode
        record["http_status"] = http_status


def _render(answer: Answer) -> Response:
    if isinstance(answer, Binary):
        return Response(answer.content, content_type=answer.content_type, headers={
            "Content-Disposition": f'attachment; filename="{answer.filename}"'})
    # WeChat sends raw UTF-8, not \\u escapes.
    return Response(json.dumps(answer, ensure_ascii=False),
                    content_type="application/json; charset=utf-8")


class FakeWeChatServer(FakeWeChatState):
    """The fake platform state plus a real HTTP server on 127.0.0.1."""

    def __init__(self, appid: str = "wxtest", secret: str = "s3cret",
                 templates: Iterable[str] | None = None,
                 banned_words: Iterable[str] | Mapping[str, int] = (),
                 review_words: Iterable[str] = (), auto_follow: bool = False,
                 mini_appid: str | None = None, mini_secret: str | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(appid, secret, templates, banned_words, review_words, auto_follow,
                         mini_appid, mini_secret)
        self.host = host
        self.port = port
        self.app = create_app(self)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Return "http://host:port" of the running server."""
        if self._server is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> str:
        """Serve in a daemon thread (port 0 = a free port) and return the base URL."""
        if self._server is not None:
            return self.base_url
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="fake-wechat", daemon=True)
        self._thread.start()
        log.info("fake wechat serving on %s", self.base_url)
        return self.base_url

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by the CLI)."""
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeWeChatServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
