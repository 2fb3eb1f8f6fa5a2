"""What every API view needs: the clock, a transaction, the caller as a person, replayable creations."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, g, request
from pydantic import BaseModel
from sqlmodel import Session

from app.api.problems import Problem
from models.api import identity as ids
from models.people.users import User

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_MAX = 100


def runtime():
    return current_app.extensions["linli"]


def now() -> datetime:
    return runtime().clock()


def local(moment: datetime | None) -> datetime | None:
    """A stored UTC time as the ISO 8601 a person reads, with the configured zone's offset."""
    return moment.astimezone(runtime().tz) if moment is not None else None


def caller() -> ids.Caller:
    return g.identity


@contextmanager
def unit() -> Iterator[Session]:
    """One transaction: committed when the view returns, rolled back when it raises (a Problem too)."""
    session = Session(runtime().engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def statement() -> Iterator[sa.Connection]:
    """A connection for reads of one statement each, outside any transaction.

    On PostgreSQL (an autocommit pool, nothing held between statements) the request keeps the first one
    it checks out, so the token check and the view share one check-out; `release_statement` gives it back
    when the request ends. On SQLite each use is its own short deferred read, as a request's later
    statements must see what its own writes committed in between.
    """
    rt = runtime()
    if rt.statement_engine.pool is rt.engine.pool:
        with rt.statement_engine.connect() as conn:
            yield conn
        return
    conn = g.get("statement_connection")
    if conn is None:
        conn = g.statement_connection = rt.statement_engine.connect()
    yield conn


def release_statement(_exc: BaseException | None = None) -> None:
    conn = g.pop("statement_connection", None)
    if conn is not None:
        conn.close()


def person(session: Session) -> User:
    """The linked person behind the token; 403 until the mini-program login is linked to one."""
    who = caller()
    if who.user_id is None:
        raise Problem(403, "not_linked")
    user = session.get(User, who.user_id)
    if user is None:
        raise Problem(403, "not_linked")
    return user


def idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= IDEMPOTENCY_MAX or not key.isprintable():
        raise Problem(400, detail=f"{IDEMPOTENCY_HEADER}: 1 to {IDEMPOTENCY_MAX} printable characters")
    return key


def replay() -> Response | None:
    """The first answer to this Idempotency-Key, when this is a repeat."""
    key = idempotency_key()
    if key is None:
        return None
    with Session(runtime().engine) as session:
        first = ids.first_answer(session, caller().identity_id, key)
        if first is None:
            return None
        if first.route != _route():
            raise Problem(422, "idempotency_reused")
        response = Response(first.body, status=first.status, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response


def created(session: Session, body: BaseModel, status: int = 201) -> tuple[BaseModel, int]:
    """Answer a creating POST, remembering the answer under its Idempotency-Key in the same transaction."""
    key = idempotency_key()
    if key is not None:
        text = body.model_dump_json()
        ids.remember_answer(session, caller().identity_id, key, _route(), status, text, now=now())
        try:
            session.flush()
        except sa.exc.IntegrityError:
            # A concurrent repeat recorded first: it made the change; this attempt's changes roll back.
            raise _Repeat() from None
    return body, status


class _Repeat(Exception):
    """Raised when a concurrent request with the same key won; the handler answers with its result."""


def _route() -> str:
    return f"{request.method} {request.path}"[:120]


def encode_cursor(last_id: int) -> str:
    return str(last_id)


def decode_cursor(cursor: str | None) -> int | None:
    return int(cursor) if cursor else None


def page(items: list[Any], limit: int, key=lambda item: item.id) -> tuple[list[Any], str | None]:
    """The first `limit` of `limit + 1` fetched rows, and the cursor after them (None on the last page)."""
    if len(items) > limit:
        return items[:limit], encode_cursor(key(items[limit - 1]))
    return items, None


def json_of(model: BaseModel) -> dict:
    return json.loads(model.model_dump_json())


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def token_lifetime() -> timedelta:
    return timedelta(hours=float(runtime().settings["miniapp.token_hours"]))


def request_json() -> Any:
    """The body spectree validated against the view's model."""
    return request.context.json  # type: ignore[attr-defined]


def request_query() -> Any:
    return request.context.query  # type: ignore[attr-defined]
