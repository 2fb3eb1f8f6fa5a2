"""Who is calling: the bearer-token authenticator of the token door, and the login that issues tokens."""
from __future__ import annotations

import logging

from flask import Request

from app.api import context
from app.api.problems import Problem
from models.api import identity as ids

log = logging.getLogger(__name__)
BEARER = "bearer "
TOKEN_MAX = 100


def bearer(req: Request) -> str | None:
    header = req.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() != BEARER:
        return None
    token = header[len(BEARER):].strip()
    return token if 0 < len(token) <= TOKEN_MAX else None


def authenticate(req: Request) -> ids.Caller | None:
    """The token door's authenticator: the caller behind a live bearer token, else None (401)."""
    token = bearer(req)
    if token is None:
        return None
    when = context.now()
    # Every call, so one statement and no transaction: a write transaction here took SQLite's write lock
    # for every read. Nothing is cached: a logout or an expiry counts from the next call, in every worker.
    with context.statement() as conn:
        found = ids.caller_of(conn, token, now=when)
    if found is None:
        return None
    who, unionid = found
    if who.user_id is None and unionid:
        # The person may have followed the Official Account since logging in: same unionid, same person.
        with context.unit() as session:
            identity = ids.identity_of(session, who.identity_id)
            if ids.link_by_unionid(session, identity, now=when):
                who = ids.Caller(who.identity_id, identity.user_id)
    return who


def refuse(req: Request):
    from app.api.problems import render

    return render(Problem(401))
