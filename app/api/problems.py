"""Errors as application/problem+json (RFC 9457) with a Chinese `title` from the catalogue."""
from __future__ import annotations

import json
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException

from bots.texts import t

PROBLEM_TYPE = "application/problem+json"
# HTTP status -> catalogue key of the default title.
STATUS_TITLES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "bad_request", 415: "bad_request",
                 422: "invalid_body", 429: "too_many", 500: "internal", 502: "wechat_unavailable",
                 503: "miniapp_off"}


class Problem(Exception):
    """Raised anywhere under /api/v1 to answer with a problem document."""

    def __init__(self, status: int, code: str | None = None, *, detail: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(code or STATUS_TITLES.get(status, "bad_request"))
        self.status, self.code = status, code or STATUS_TITLES.get(status, "bad_request")
        self.detail, self.headers, self.extra = detail, headers or {}, extra


def render(problem: Problem) -> Response:
    body: dict[str, Any] = {"type": f"/api/v1/problems/{problem.code}", "title": t(f"api_problem_{problem.code}"),
                            "status": problem.status, "code": problem.code}
    if problem.detail:
        body["detail"] = problem.detail
    body.update(problem.extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=problem.status, mimetype=PROBLEM_TYPE)
    for name, value in problem.headers.items():
        response.headers[name] = value
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="linli"'
    return response


def from_http(exc: HTTPException) -> Response:
    """A routing or framework error (404, 405, 413, 429 …) as a problem document."""
    status = exc.code or 400
    headers = {}
    if status == 429:
        retry = _retry_after(exc)
        headers["Retry-After"] = retry
    valid = getattr(exc, "valid_methods", None)
    if status == 405 and valid:
        headers["Allow"] = ", ".join(valid)
    return render(Problem(status, headers=headers))


def _retry_after(exc: HTTPException) -> str:
    response = exc.get_response()
    return response.headers.get("Retry-After") or "60"
