"""The mini-program API in tests: the demo village, the fake's jscode2session and real bearer tokens."""
from __future__ import annotations

import itertools

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from models.people.users import User
from tests.conftest import APP_ID, APP_SECRET
from tests.fakes.dialogue import build_town

MINI = {"miniapp__app_id": APP_ID, "miniapp__app_secret": APP_SECRET}
_codes = itertools.count(1)


def user_of(rt, openid: str) -> User:
    with Session(rt.engine) as session:
        return session.exec(select(User).where(User.openid == openid)).one()


class Api:
    """`api.login("demo-family-1")` → headers of a mini-program login linked to that person by unionid."""

    def __init__(self, say, fake):
        self.say, self.fake, self.rt, self.client = say, fake, say.rt, say.app.test_client()

    def code(self, user: str) -> str:
        return f"code-{user}:{next(_codes)}"

    def login_raw(self, user: str):
        return self.client.post("/api/v1/auth/login", json={"code": self.code(user)})

    def login(self, openid: str | None = None, *, user: str | None = None) -> dict:
        """Log in as mini-program user `user` (default: the openid), linked by unionid to `openid` if given."""
        user = user or openid or "stranger"
        if openid is not None:
            unionid = f"union-{openid}"
            with session_scope(self.rt.engine) as session:
                row = session.exec(select(User).where(User.openid == openid)).one()
                row.unionid = unionid
            self.fake.set_unionid(self.fake.mini_openid(user), unionid)
        response = self.login_raw(user)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["linked"] is (openid is not None)
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, path, headers, **kw):
        return self.client.get(f"/api/v1{path}", headers=headers, **kw)

    def post(self, path, headers, json=None, **kw):
        return self.client.post(f"/api/v1{path}", headers=headers, json=json, **kw)

    def delete(self, path, headers, **kw):
        return self.client.delete(f"/api/v1{path}", headers=headers, **kw)


@pytest.fixture
def api(make_app, signer, clock, fake_wechat):
    say = build_town(make_app, signer, clock, fake_wechat, **MINI)
    return Api(say, fake_wechat)


@pytest.fixture
def make_api(make_app, signer, clock, fake_wechat):
    def build(**settings):
        return Api(build_town(make_app, signer, clock, fake_wechat, **{**MINI, **settings}), fake_wechat)
    return build
