"""Shared by the fund ledger tests: an app with the demo village and a second coordinator, the CLI, tampering."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import session_scope
from models.people.users import User, get_or_create_user, grant_roles, village_by_code
from models.seed import seed_demo

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
ADMIN, SECOND = "demo-admin", "demo-admin-2"


def add_coordinator(rt, openid: str = SECOND, *, village: str = "demo", now=NOW) -> None:
    with session_scope(rt.engine) as session:
        user = get_or_create_user(session, openid, now=now)
        user.village_id, user.name = village_by_code(session, village).id, openid
        grant_roles(user, ["admin"], now=now)
        session.add(user)


def seeded(make_app, clock, **settings):
    """The demo village with a second coordinator; returns (app, rt, cli runner)."""
    app = make_app(clock=clock, **settings)
    rt = app.extensions["linli"]
    with session_scope(rt.engine) as session:
        seed_demo(session, now=clock())
    add_coordinator(rt, now=clock())
    return app, rt, app.test_cli_runner()


def run(cli, *args):
    """Invoke `flask --app app funds ...`; returns the result (exit_code, output)."""
    return cli.invoke(args=["funds", *args])


def number(result, word: str) -> int:
    """The id printed on the contract line `<word> <id>`."""
    line = next(line for line in result.output.splitlines() if line.startswith(word + " "))
    return int(line.split()[1])


@contextmanager
def tampering(engine):
    """Lift the database's append-only guard, as someone with direct access to the database could."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE fund_entries DISABLE TRIGGER fund_entries_append_only")
            conn.exec_driver_sql("ALTER TABLE fund_receipts DISABLE TRIGGER fund_receipts_append_only")
        else:
            for table in ("fund_entries", "fund_receipts"):
                for action in ("update", "delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE fund_entries ENABLE TRIGGER fund_entries_append_only")
                conn.exec_driver_sql("ALTER TABLE fund_receipts ENABLE TRIGGER fund_receipts_append_only")


def user(rt, openid: str) -> User:
    with Session(rt.engine) as session:
        return session.exec(select(User).where(User.openid == openid)).one()


def scalar(rt, sql: str, **params):
    with rt.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()
