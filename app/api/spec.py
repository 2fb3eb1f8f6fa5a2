"""The OpenAPI document and request validation, both from the Pydantic models in app/api/schemas.py.

spectree decorates plain Flask views: no app subclass and no blueprint subclass, so the API's blueprints
are registered through app/web/registry.py like every other surface, each behind its own door.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from spectree import Response as Answers
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from app.api import schemas
from app.api.problems import Problem

BEARER: dict[str, list[str]] = {"bearer": []}


def _refuse_invalid(req, resp, req_validation_error, instance, model_adapter) -> None:
    if req_validation_error is not None:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")}
                  for e in req_validation_error.errors()]
        raise Problem(422, errors=errors)


spec = SpecTree("flask", mode="strict", title="Linli mini-program API", version="1.0.0",
                path="api/v1/_spectree",
                before=_refuse_invalid, validation_error_status=422, validation_error_model=schemas.Problem,
                security_schemes=[SecurityScheme(name="bearer",
                                                 data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
                annotations=False)


def answers(ok: int, model: Any, *errors: int) -> Answers:
    """The documented answers of an operation: one success model and problem documents."""
    codes: dict[str, Any] = {f"HTTP_{ok}": model}
    for status in (*errors, 401, 429):
        codes[f"HTTP_{status}"] = schemas.Problem
    return Answers(**codes)


def document() -> dict:
    """The OpenAPI 3.1 document of the app answering this request (problem answers typed as such)."""
    cached = current_app.extensions.get("linli_openapi")
    if cached is not None:
        return cached
    spec.app = current_app
    if hasattr(spec, "_spec"):
        del spec._spec
    doc = spec.spec
    for path in doc["paths"].values():
        for operation in path.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if status.startswith(("4", "5")) and "application/json" in content:
                    answer["content"] = {"application/problem+json": content.pop("application/json")}
    current_app.extensions["linli_openapi"] = doc
    return doc
