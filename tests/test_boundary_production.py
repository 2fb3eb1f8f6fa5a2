"""Production by default (issue 10, item 5): development tools, demo data and placeholder secrets.

An unset LINLI_ENV must behave as production; the sandbox and the fake WeChat API answer only an
explicit development environment on this machine; the engine keeps SQL parameters (openids, what
people wrote) out of logs and exception messages.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app import create_app
from app.config import ConfigError, load_settings
from bots.texts import t
from models.people.users import User
from tests.conftest import APP_ID
from tests.message_support import CRITICAL_TEMPLATES, templates_env

ROOT = Path(__file__).resolve().parent.parent
REAL = {"WECHAT_TOKEN": "Vq8ZpL2mWx7Rt4Ks", "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": "f3a9c07d5e1b4a6c8d2e0f7a9b3c5d1e", "LINLI__TEMPLATES": templates_env()}
PRODUCTION = {"env": "production", "wechat__token": REAL["WECHAT_TOKEN"], "wechat__app_id": APP_ID,
              "wechat__app_secret": REAL["WECHAT_APP_SECRET"], "templates": CRITICAL_TEMPLATES}
SANDBOX_ROUTES = [("get", "/sandbox"), ("post", "/sandbox/send"), ("get", "/sandbox/pushes?openid=demo-admin")]


def sandbox_statuses(app, **request) -> list[int]:
    client = app.test_client()
    return [getattr(client, method)(path, json={"openid": "demo-admin", "type": "text", "content": "老人名单"},
                                    **request).status_code if method == "post"
            else getattr(client, method)(path, **request).status_code for method, path in SANDBOX_ROUTES]


# --- an unset LINLI_ENV is production -----------------------------------------


def test_with_linli_env_unset_the_placeholders_are_refused(monkeypatch):
    monkeypatch.delenv("LINLI_ENV", raising=False)
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={})
    assert "WECHAT_TOKEN" in str(refused.value)
    assert load_settings(environ=REAL)["env"] == "production"


def test_with_linli_env_unset_and_real_secrets_the_sandbox_is_not_served(db_url, fake_wechat, monkeypatch):
    for name in [n for n in os.environ if n.startswith(("LINLI", "WECHAT_"))]:
        monkeypatch.delenv(name)
    for name, value in REAL.items():
        monkeypatch.setenv(name, value)
    app = create_app({"database_url": db_url, "wechat": {"api_base_url": fake_wechat.base_url}})
    try:
        assert app.extensions["linli"].settings["env"] == "production"
        assert sandbox_statuses(app) == [404, 404, 404]
    finally:
        app.extensions["linli"].close()


def test_the_sandbox_needs_development_explicitly(make_app):
    assert sandbox_statuses(make_app()) == [404, 404, 404]  # "testing" is not development
    assert sandbox_statuses(make_app(**PRODUCTION)) == [404, 404, 404]
    assert sandbox_statuses(make_app(env="development"))[0] == 200


@pytest.mark.parametrize("request_from", [
    {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}},
    {"environ_base": {"REMOTE_ADDR": "192.168.1.20"}},
    {"environ_base": {"REMOTE_ADDR": "::ffff:10.0.0.3"}},
    {"headers": {"X-Forwarded-For": "203.0.113.7"}},  # a proxy on this machine forwarding a stranger
    {"headers": {"X-Real-IP": "203.0.113.7"}},
    {"headers": {"Forwarded": "for=203.0.113.7"}},
])
def test_the_sandbox_answers_only_this_machine(make_app, request_from):
    app = make_app(env="development")
    assert sandbox_statuses(app, **request_from) == [404, 404, 404]
    assert sandbox_statuses(app, environ_base={"REMOTE_ADDR": "::1"})[0] == 200


def test_make_run_asks_for_development_explicitly():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "LINLI_ENV=development" in run


# --- the fake WeChat API ------------------------------------------------------


@pytest.mark.parametrize("request_from", [
    {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}},
    {"headers": {"X-Forwarded-For": "203.0.113.7"}},
])
def test_the_fake_wechat_api_answers_only_this_machine(fake_wechat, request_from):
    client = fake_wechat.app.test_client()
    assert client.get("/_fake/sent", **request_from).status_code == 403
    assert client.post("/_fake/follow", json={"openid": "x"}, **request_from).status_code == 403
    assert client.get("/cgi-bin/token?grant_type=client_credential", **request_from).status_code == 403
    assert client.get("/_fake/sent").status_code == 200


def test_the_fake_wechat_api_will_not_start_outside_development():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI")}
    try:
        done = subprocess.run([sys.executable, "-m", "app.fake_wechat", "--port", "0"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the fake WeChat API started without LINLI_ENV=development")
    assert done.returncode != 0 and "LINLI_ENV=development" in done.stderr


# --- demo data and secrets ----------------------------------------------------


def test_seed_demo_refuses_to_run_in_production(make_app):
    app = make_app(**PRODUCTION)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert t("console_seed_demo_refused") in result.output
    with Session(app.extensions["linli"].engine) as session:
        assert session.exec(select(User).where(User.openid == "demo-admin")).first() is None


@pytest.mark.parametrize("value", ["a", "changeme", "linli-dev-token", "linli-dev-secret", "short-secret-15",
                                   "changeme-changeme", "my-placeholder-token", "aaaaaaaaaaaaaaaaaaaaaaaa",
                                   "abababababababab"])
@pytest.mark.parametrize("name, key", [("WECHAT_TOKEN", "wechat.token"), ("WECHAT_APP_SECRET", "wechat.app_secret")])
def test_placeholder_like_secrets_are_refused_in_production(name, key, value):
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={**REAL, "LINLI_ENV": "production", name: value})
    assert key in str(refused.value)
    assert len(value) < 4 or value not in str(refused.value)  # the message does not echo the secret


def test_a_placeholder_aes_key_is_refused_in_production():
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={**REAL, "LINLI_ENV": "production", "WECHAT_AES_KEY": "a" * 43})
    assert "wechat.aes_key" in str(refused.value)


def test_real_looking_secrets_start_in_production():
    settings = load_settings(environ={**REAL, "LINLI_ENV": "production",
                                      "WECHAT_AES_KEY": "kWq3Vn8ZpL2mRt4Ks7Xy0Bc5Df9Gh1Jl6Nm2Pq8Rs4T"})
    assert settings["env"] == "production"


def test_placeholders_are_fine_in_development():
    assert load_settings(environ={"LINLI_ENV": "development"})["wechat.token"] == "linli-dev-token"


# --- SQL parameters -------------------------------------------------------------


def test_sql_parameters_never_reach_exception_messages(rt):
    openid = "oSecretOpenid_4f7a9c2e"
    with pytest.raises(sa.exc.DBAPIError) as failed, rt.engine.connect() as conn:
        conn.execute(sa.text("SELECT openid FROM no_such_table WHERE openid = :openid"), {"openid": openid})
    assert openid not in str(failed.value)
    phone = "13912345678"
    with pytest.raises(sa.exc.IntegrityError) as duplicate, rt.engine.begin() as conn:
        for _ in range(2):
            conn.execute(sa.text("INSERT INTO users (openid, name, phone, roles, subscribed, created_at, "
                                 "updated_at) VALUES ('o-duplicate', '', :phone, ',', :yes, :at, :at)"),
                         {"phone": phone, "yes": True, "at": rt.clock()})
    # (PostgreSQL's own DETAIL still names the conflicting key, here 'o-duplicate': see docs/security.md.)
    assert phone not in str(duplicate.value) and "hidden" in str(duplicate.value)
