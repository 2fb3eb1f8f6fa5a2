"""The web boundary: every surface is served through its door, and the closed doors are closed by default."""
from __future__ import annotations

import pytest
from flask import Blueprint, Flask, g, jsonify

from app.web import registry

PROBE = "tests.test_web_registry"
bp = Blueprint("probe", __name__)


@bp.get("/probe")
def probe():
    return jsonify(who=getattr(g, "identity", None))


class Settings:
    def __init__(self, dev: bool):
        self.serves_dev_tools = dev


def client(door: str, dev: bool = True):
    app = Flask(__name__)
    registry.register(app, Settings(dev), modules=[(PROBE, door)])
    return app.test_client()


@pytest.fixture(autouse=True)
def no_authenticators(monkeypatch):
    monkeypatch.setattr(registry, "AUTHENTICATORS", {})
    monkeypatch.setattr(registry, "REFUSALS", {})


@pytest.mark.parametrize("door", [registry.SESSION, registry.TOKEN])
def test_a_closed_door_refuses_everyone_until_an_authenticator_recognises_them(door):
    assert client(door).get("/probe").status_code == 401
    registry.authenticate(door, lambda request: request.headers.get("X-Test-User"))
    c = client(door)
    assert c.get("/probe").status_code == 401
    answer = c.get("/probe", headers={"X-Test-User": "demo-admin"})
    assert answer.status_code == 200 and answer.get_json() == {"who": "demo-admin"}


def test_the_development_door_is_absent_outside_development_and_loopback_only_inside():
    assert client(registry.DEV, dev=False).get("/probe").status_code == 404
    c = client(registry.DEV, dev=True)
    assert c.get("/probe").status_code == 200
    assert c.get("/probe", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert c.get("/probe", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


def test_public_surfaces_need_nothing_and_an_unknown_door_stops_start_up():
    assert client(registry.PUBLIC).get("/probe").status_code == 200
    with pytest.raises(ValueError):
        client("backdoor")
    with pytest.raises(ValueError):
        registry.authenticate(registry.PUBLIC, lambda request: "anyone")


def test_the_product_registers_its_surfaces_through_the_registry(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/wechat", "/healthz"} <= rules and "/sandbox" not in rules  # tests run as "testing", not development
