"""A contended database answers the mini-program 503 with Retry-After, never 500, and loses nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.db import session_scope
from models.help import requests as hr
from tests.api_support import make_api  # noqa: F401  (fixture)
from tests.conftest import PG_URL
from tests.test_boundary_database import held, pg_table_lock, sqlite_write_lock


def test_a_locked_database_asks_the_app_to_try_again(make_api, db_url, clock):  # noqa: F811
    api = make_api(database__lock_timeout=0.3, database__statement_timeout=2.0, database__sqlite_busy_timeout=0.3)
    headers = api.login("demo-elder-1")
    start = clock() + timedelta(hours=1)
    body = {"category": "errand", "details": "帮我买点药",
            "when": {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}}
    lock = pg_table_lock(PG_URL, "help_requests") if PG_URL else sqlite_write_lock(db_url)
    with held(lock, 0.5):
        answer = api.post("/help-requests", {**headers, "Idempotency-Key": "busy-1"}, body)
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
    assert answer.mimetype == "application/problem+json" and answer.get_json()["code"] == "busy"
    with session_scope(api.rt.engine) as session:
        assert session.exec(select(hr.HelpRequest)).all() == []  # nothing half-saved
    again = api.post("/help-requests", {**headers, "Idempotency-Key": "busy-1"}, body)
    assert again.status_code == 201  # the retry the answer asked for goes through
