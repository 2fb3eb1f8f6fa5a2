"""Operator commands: migrations, the demo village, the menu."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

import models
from app.db import make_engine, normalise_url
from app.migrate import include_object
from models.people.users import FamilyLink, User, Village
from tests.conftest import PG_URL


def test_migrations_match_the_models(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        assert compare_metadata(context, models.metadata) == []
    engine.dispose()


@pytest.fixture
def fresh_url(tmp_path):
    """An empty database of the backend under test (a throwaway one, so the shared test database stays intact)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path}/fresh.sqlite3"
        return
    name = f"linli_migr_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_db_upgrade_is_idempotent_and_downgrade_works(make_app, fresh_url):
    db_url = fresh_url
    runner = make_app(database_url=db_url).test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    assert "users" in sa.inspect(engine).get_table_names()
    assert runner.invoke(args=["db", "downgrade", "--revision", "base"]).exit_code == 0
    assert "users" not in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_seed_demo_creates_the_personas_once(app, rt):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with Session(rt.engine) as session:
        [village] = session.exec(select(Village)).all()
        assert village.name == "示范村"
        users = {u.openid: u for u in session.exec(select(User))}
        expected = {f"demo-elder-{i}" for i in (1, 2, 3)} | {f"demo-volunteer-{i}" for i in range(1, 6)} | {
            "demo-family-1", "demo-admin"}
        assert expected <= set(users)
        assert all(users[o].has_role("elder") for o in expected if o.startswith("demo-elder"))
        assert all(users[o].has_role("volunteer") and users[o].profile["volunteer_status"] == "approved"
                   for o in expected if o.startswith("demo-volunteer"))
        assert len({tuple(users[f"demo-volunteer-{i}"].profile["skills"]) for i in range(1, 6)}) == 5
        assert users["demo-admin"].has_role("admin")
        [link] = session.exec(select(FamilyLink)).all()
        assert (link.elder_id, link.family_id) == (users["demo-elder-1"].id, users["demo-family-1"].id)


def test_configured_admin_openids_become_admins(make_app):
    app = make_app(admin_openids=["o-coordinator"])
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with Session(app.extensions["linli"].engine) as session:
        assert session.exec(select(User).where(User.openid == "o-coordinator")).one().has_role("admin")


def test_push_menu_publishes_config_menu(app, fake_wechat):
    result = app.test_cli_runner().invoke(args=["wechat", "push-menu"])
    assert result.exit_code == 0, result.output
    menu = fake_wechat.current_menu()
    names = [b["name"] for b in (menu["button"] if isinstance(menu, dict) else menu)]
    assert names == ["找人帮忙", "报平安", "更多"]


def test_push_menu_reports_wechat_errors(app, fake_wechat):
    fake_wechat.inject_fault("/cgi-bin/menu/create", errcode=40018, times=1)
    result = app.test_cli_runner().invoke(args=["wechat", "push-menu"])
    assert result.exit_code != 0 and "40018" in result.output
