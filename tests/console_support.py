"""The console in tests: a seeded town, a logged-in coordinator's client, the CSRF token of their pages."""
from __future__ import annotations

import re

from tests.fakes.dialogue import build_town

ELDER, ADMIN = "demo-elder-1", "demo-admin"
LINK = re.compile(r"/console/login/link/([A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def town(make_app, signer, clock, fake_wechat, **settings):
    """build_town where everyone has written lately (customer-service messages reach them)."""
    say = build_town(make_app, signer, clock, fake_wechat, **settings)
    for openid in [ELDER, ADMIN, "demo-family-1"] + [f"demo-volunteer-{i}" for i in range(1, 6)]:
        say(openid, "你好")
    return say


def login_link(app, openid: str = ADMIN):
    """Run `flask --app app console login-link OPENID`; (exit code, stdout)."""
    result = app.test_cli_runner(mix_stderr=False).invoke(args=["console", "login-link", openid]) \
        if _takes_mix_stderr() else app.test_cli_runner().invoke(args=["console", "login-link", openid])
    return result.exit_code, result.stdout


def _takes_mix_stderr() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def logged_in(app, openid: str = ADMIN):
    """A test client with a console session, and its CSRF token."""
    code, out = login_link(app, openid)
    assert code == 0, out
    client = app.test_client()
    token = LINK.search(out).group(1)
    answer = client.post(f"/console/login/link/{token}")
    assert answer.status_code == 303, answer.status_code
    page = client.get("/console/")
    assert page.status_code == 200
    return client, CSRF.search(page.get_data(as_text=True)).group(1)


def open_request(say, text: str = "明天上午想找人帮我去镇上买降压药") -> None:
    say(ELDER, text)
    say(ELDER, "1")
