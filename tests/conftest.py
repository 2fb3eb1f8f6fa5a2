"""Fixtures: a fresh database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL), the app,
the fake WeChat API server, signed pushes, and a guard against real network calls."""
from __future__ import annotations

import os
import shutil
import socket
from datetime import UTC
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app import create_app
from app.db import make_engine
from app.fake_wechat import FakeWeChatServer
from app.migrate import upgrade
from tests.fakes.pushes import Signer

TOKEN = "testtoken"
APP_ID = "wx2c2769f8efd9abc2"
APP_SECRET = "testsecret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# A migrated SQLite file kept across pytest runs (make mutation sets it and deletes it first); unset: one per run.
TEMPLATE = os.environ.get("LINLI_TEST_TEMPLATE", "")
KEEP_TABLES = {"alembic_version"}


def pytest_report_header(config):
    return f"database backend: {'postgresql' if PG_URL else 'sqlite'}"


def pytest_collection_modifyitems(config, items):
    """`postgres_only` races are skipped on SQLite: its writers take turns (BEGIN IMMEDIATE and a process
    lock), so the race never happens and the test would pass with the guarding condition removed."""
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="a race: SQLite serialises writes, so it cannot fail there "
                                   "(set TEST_DATABASE_URL to run it on PostgreSQL)")
    for item in items:
        if item.get_closest_marker("postgres_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def no_real_network():
    """Fail any connection that leaves this machine: tests talk to fakes on loopback only."""
    original = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or
                                          sock.family == socket.AF_UNIX):
            raise RuntimeError(f"test tried to reach the network: {address}")
        return original(sock, address)

    socket.socket.connect = guarded
    yield
    socket.socket.connect = original


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrate once per run: a SQLite file to copy, or the PostgreSQL test database."""
    if PG_URL:
        upgrade(PG_URL)
        return PG_URL
    if TEMPLATE:
        return _shared_template(TEMPLATE)
    path = tmp_path_factory.mktemp("template") / "linli.sqlite3"
    upgrade(f"sqlite:///{path}")
    return str(path)


def _shared_template(path: str) -> str:
    """`make mutation` runs pytest once per mutant: migrating each time would be a good part of the run."""
    if not os.path.exists(path):
        building = f"{path}.{os.getpid()}"
        upgrade(f"sqlite:///{building}")
        os.replace(building, path)  # two workers may both build it: each replaces it whole
    return path


@pytest.fixture
def db_url(template_db, tmp_path):
    """A fresh, migrated database for one test."""
    if PG_URL:
        _truncate(PG_URL)
        return PG_URL
    path = tmp_path / "linli.sqlite3"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def session(db_url):
    """A session on that database, for the domain tests (plain functions with an explicit `now`). A test file
    that needs seeded data defines its own `session`, which takes precedence."""
    engine = make_engine(db_url)
    with Session(engine) as db_session:
        yield db_session
    engine.dispose()


def _truncate(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n not in KEEP_TABLES]
        if names:
            conn.execute(sa.text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def fake_server():
    server = FakeWeChatServer(appid=APP_ID, secret=APP_SECRET)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_wechat(fake_server):
    """The fake WeChat API, reset for this test."""
    fake_server.reset()
    return fake_server


def settings_overrides(db_url: str, fake_url: str, **extra) -> dict:
    base = {
        "env": "testing", "database_url": db_url, "redis_url": "", "log_level": "WARNING",
        # Most tests post readable plain pushes; tests/test_boundary_webhook.py checks that production's
        # default (accept_plain false) refuses them once an AES key is set.
        "wechat": {"token": TOKEN, "app_id": APP_ID, "app_secret": APP_SECRET, "aes_key": AES_KEY,
                   "api_base_url": fake_url, "api_timeout": 2, "accept_plain": True},
        "delivery": {"idle_sleep": 0.05, "backoff_base": 0, "rate_per_second": {"custom": 1000, "template": 1000,
                                                                                "mass": 1000}},
    }
    for dotted, value in extra.items():
        node = base
        parts = dotted.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return base


@pytest.fixture
def make_app(db_url, fake_wechat):
    """Build an app with extra settings: make_app(webhook__time_budget=0.3)."""
    apps = []

    def build(clock=None, **extra):
        app = create_app(settings_overrides(db_url, fake_wechat.base_url, **extra), clock=clock)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["linli"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def rt(app):
    return app.extensions["linli"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def signer():
    return Signer(TOKEN, AES_KEY, APP_ID)


@pytest.fixture
def send(client, signer):
    """POST a push to /wechat as WeChat would; returns the response."""

    def post(fields, mode: str = "plain", **query):
        qs, body = signer.sign(fields, mode, **query)
        return client.post(f"/wechat?{qs}", data=body, content_type="text/xml")

    return post


def reply_text(response, signer=None, query=None) -> str | None:
    """Extract the Content of a passive reply (None for 'success')."""
    from defusedxml.ElementTree import fromstring

    body = response.get_data(as_text=True)
    if body in ("success", ""):
        return None
    root = fromstring(body)
    if root.find("Encrypt") is not None:
        root = fromstring(signer.open_reply(body, query))
    return root.findtext("Content")


def url_host(url: str) -> str:
    return urlsplit(url).hostname or ""


class ManualClock:
    """A clock tests move by hand (the product's only clock is injected)."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    """Tuesday 2026-12-01, 09:00 in Shanghai; test modules needing another moment override it."""
    from datetime import datetime

    return ManualClock(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
