"""Logging in to the console: one-time links, the WeChat QR scan, sessions, CSRF and the login redirect."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.console.logins import ConsoleLogin
from tests.console_support import ADMIN, LINK, logged_in, login_link, town
from tests.fakes import pushes


@pytest.fixture
def say(make_app, signer, clock, fake_wechat):
    return town(make_app, signer, clock, fake_wechat)


def test_the_console_without_a_session_sends_a_browser_to_the_login_page(say):
    client = say.app.test_client()
    answer = client.get("/console/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/console/login?next=/console/")
    assert client.get("/console/", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/console/login"
    assert client.post("/console/outbox/1/handled").status_code == 401
    assert client.get("/console/login").status_code == 200


def test_a_login_link_works_once_and_only_for_coordinators(say):
    code, out = login_link(say.app, "demo-volunteer-1")
    assert code != 0 and "/console/login/link/" not in out
    assert login_link(say.app, "nobody-at-all")[0] != 0
    code, out = login_link(say.app, ADMIN)
    assert code == 0 and out.strip().startswith("http://127.0.0.1:8000/console/login/link/")
    token = LINK.search(out).group(1)
    client = say.app.test_client()
    # Opening the link (or a chat app's preview of it) does not use it up: the button does.
    assert client.get(f"/console/login/link/{token}").status_code == 200
    used = client.post(f"/console/login/link/{token}")
    assert used.status_code == 303 and used.headers["Location"] == "/console/"
    cookie = used.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie and "Path=/console" in cookie
    assert client.get("/console/").status_code == 200
    assert say.app.test_client().post(f"/console/login/link/{token}").status_code == 410


def test_a_link_expires_after_ten_minutes(say):
    code, out = login_link(say.app, ADMIN)
    token = LINK.search(out).group(1)
    say.clock.advance(minutes=10, seconds=1)
    assert say.app.test_client().post(f"/console/login/link/{token}").status_code == 410


def test_a_session_ends_when_idle_and_at_logout(say):
    client, csrf = logged_in(say.app)
    say.clock.advance(minutes=29)
    assert client.get("/console/").status_code == 200
    say.clock.advance(minutes=31)
    assert client.get("/console/").status_code == 302
    client, csrf = logged_in(say.app)
    assert client.post("/console/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.post("/console/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/console/").status_code == 302


def test_every_change_needs_the_sessions_csrf_token(say):
    client, csrf = logged_in(say.app)
    assert client.post("/console/outbox/1/handled").status_code == 403
    assert client.post("/console/outbox/1/handled", headers={"X-CSRF-Token": "x" * 43}).status_code == 403
    assert client.post("/console/outbox/1/handled", headers={"X-CSRF-Token": csrf}).status_code == 409


def test_scanning_the_login_qr_code_lets_the_browser_in(say, fake_wechat, signer):
    browser = say.app.test_client()
    page = browser.get("/console/login").get_data(as_text=True)
    scene = list(fake_wechat.qr_tickets().values())[-1]["scene"]
    assert scene.startswith("login_") and scene in page
    assert browser.get("/console/login/poll").status_code == 200  # still waiting
    # A volunteer scanning it gets nothing.
    assert "只有" in say("demo-volunteer-1", pushes.event("demo-volunteer-1", "SCAN", key=scene, Ticket="T"))
    assert "HX-Redirect" not in browser.get("/console/login/poll").headers
    assert "已确认登录" in say(ADMIN, pushes.event(ADMIN, "SCAN", key=scene, Ticket="T"))
    answer = browser.get("/console/login/poll")
    assert answer.headers["HX-Redirect"] == "/console/"
    assert browser.get("/console/").status_code == 200
    # The same code cannot let in a second browser, nor the first one twice.
    assert browser.get("/console/login/poll").status_code == 286


def test_a_follow_through_the_login_code_logs_in_too_and_codes_expire(say, fake_wechat):
    browser = say.app.test_client()
    browser.get("/console/login")
    with Session(say.rt.engine) as session:
        scene = session.exec(select(ConsoleLogin.scene).where(ConsoleLogin.kind == "qr")).one()
    say.clock.advance(minutes=5, seconds=1)
    assert "过期" in say(ADMIN, pushes.event(ADMIN, "subscribe", key=f"qrscene_{scene}", Ticket="T"))
    assert browser.get("/console/login/poll").status_code == 286
    browser.get("/console/login")
    with Session(say.rt.engine) as session:
        scene = session.exec(select(ConsoleLogin.scene).where(ConsoleLogin.kind == "qr")
                             .order_by(ConsoleLogin.id.desc())).first()
    again = pushes.event(ADMIN, "subscribe", key=f"qrscene_{scene}", Ticket="T", create_time=1)
    assert "已确认登录" in say(ADMIN, again)
    assert browser.get("/console/login/poll").headers["HX-Redirect"] == "/console/"
