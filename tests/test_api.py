"""The mini-program API through HTTP with real tokens from the fake's jscode2session (issue 11)."""
# ruff: noqa: F811  (api and make_api are pytest fixtures imported from tests/api_support.py)
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import session_scope
from models.api.identity import ApiIdentity, ApiToken
from models.help import requests as hr
from models.people.users import User
from tests.api_support import api, make_api, user_of  # noqa: F401  (fixtures)

PROBLEM = "application/problem+json"


def _window(clock, hours=4):
    start = clock() + timedelta(hours=1)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def _ask(api, headers, clock, **extra):
    body = {"category": "errand", "details": "帮我买点药", "when": _window(clock), **extra}
    return api.post("/help-requests", headers, body)


# --- identity --------------------------------------------------------------------------------------------

def test_login_gives_an_opaque_token_and_keeps_the_session_key_sealed(api, fake_wechat):
    response = api.login_raw("alice")
    body = response.get_json()
    assert response.status_code == 200 and set(body) == {"token", "expires_in", "linked"}
    assert body["expires_in"] == 72 * 3600 and body["linked"] is False
    assert "session_key" not in response.get_data(as_text=True)
    with Session(api.rt.engine) as session:
        identity = session.exec(select(ApiIdentity)).one()
        token_row = session.exec(select(ApiToken)).one()
    assert identity.mini_openid == fake_wechat.mini_openid("alice")
    assert body["token"] not in token_row.token_hash and len(token_row.token_hash) == 64
    assert identity.session_key_enc and not identity.session_key_enc.startswith(("=", "+"))
    me = api.get("/me", {"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["linked"] is False


def test_wechat_login_errors_are_clear_4xx(api, fake_wechat):
    bad = api.client.post("/api/v1/auth/login", json={"code": "not-a-code"})
    assert bad.status_code == 400 and bad.mimetype == PROBLEM and bad.get_json()["code"] == "login_code_invalid"
    assert bad.get_json()["title"] == "登录凭证无效，请重新进入小程序"
    used = api.code("bob")
    assert api.client.post("/api/v1/auth/login", json={"code": used}).status_code == 200
    again = api.client.post("/api/v1/auth/login", json={"code": used})
    assert again.status_code == 400 and again.get_json()["code"] == "login_code_used"
    fake_wechat.block_login("mallory")
    blocked = api.login_raw("mallory")
    assert blocked.status_code == 403 and blocked.get_json()["code"] == "login_blocked"
    fake_wechat.inject_fault("/sns/jscode2session", errcode=45011)
    busy = api.login_raw("carol")
    assert busy.status_code == 429 and busy.get_json()["code"] == "login_too_often"
    invalid = api.client.post("/api/v1/auth/login", json={"code": ""})
    assert invalid.status_code == 422 and invalid.mimetype == PROBLEM
    garbage = api.client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert garbage.status_code == 422


def test_login_without_miniapp_credentials_is_503(make_api):
    api = make_api(miniapp__app_id="", miniapp__app_secret="")
    assert api.login_raw("alice").status_code == 503


def test_token_required_expiry_and_logout(api, clock):
    assert api.get("/me", {}).status_code == 401
    wrong = api.get("/me", {"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.mimetype == PROBLEM and "Bearer" in wrong.headers["WWW-Authenticate"]
    headers = api.login("demo-family-1")
    assert api.get("/me", headers).status_code == 200
    assert api.post("/auth/logout", headers).status_code == 204
    assert api.get("/me", headers).status_code == 401
    later = api.login("demo-family-1", user="family-phone-2")
    clock.advance(hours=73)
    assert api.get("/me", later).status_code == 401


def test_me_via_unionid_shows_name_roles_village_and_elders(api):
    headers = api.login("demo-family-1")
    me = api.get("/me", headers).get_json()
    assert me["linked"] is True and me["roles"] == ["family"] and me["village"] == "示范村"
    assert [e["id"] for e in me["elders"]] == [user_of(api.rt, "demo-elder-1").id]


def test_a_follow_after_login_links_by_unionid_on_the_next_call(api, fake_wechat):
    fake_wechat.set_unionid(fake_wechat.mini_openid("late"), "union-late")
    headers = api.login(user="late")
    assert api.get("/me", headers).get_json()["linked"] is False
    with session_scope(api.rt.engine) as session:
        session.exec(select(User).where(User.openid == "demo-volunteer-1")).one().unionid = "union-late"
    assert api.get("/me", headers).get_json()["name"] == user_of(api.rt, "demo-volunteer-1").name


def test_link_by_verified_phone_only(api, fake_wechat):
    headers = api.login(user="phone-user")
    fake_wechat.set_phone("phone-user", user_of(api.rt, "demo-elder-2").phone)
    linked = api.post("/auth/link/phone", headers, {"code": "phone-phone-user:1"})
    assert linked.status_code == 200 and linked.get_json()["id"] == user_of(api.rt, "demo-elder-2").id
    # A phone WeChat did not verify cannot be sent at all: the body takes only WeChat's code.
    other = api.login(user="typed")
    typed = api.post("/auth/link/phone", other, {"code": "x", "phone": "13800000001"})
    assert typed.status_code == 422
    fake_wechat.set_phone("typed", "13011112222")
    nobody = api.post("/auth/link/phone", other, {"code": "phone-typed:1"})
    assert nobody.status_code == 409 and nobody.get_json()["code"] == "phone_no_match"
    reused = api.post("/auth/link/phone", other, {"code": "phone-typed:1"})
    assert reused.status_code == 400


def test_link_by_a_code_from_the_official_account_chat(api):
    reply = api.say("demo-volunteer-2", "小程序验证码")
    code = re.search(r"\d{6}", reply).group()
    headers = api.login(user="vol2-mini")
    wrong = api.post("/auth/link/code", headers, {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 409 and wrong.get_json()["code"] == "link_code_wrong"
    ok = api.post("/auth/link/code", headers, {"code": code})
    assert ok.status_code == 200 and ok.get_json()["id"] == user_of(api.rt, "demo-volunteer-2").id
    stranger = api.login(user="someone-else")
    assert api.post("/auth/link/code", stranger, {"code": code}).status_code == 409  # single use


def test_link_codes_lock_after_five_wrong_tries(api):
    code = re.search(r"\d{6}", api.say("demo-volunteer-3", "小程序验证码")).group()
    headers = api.login(user="guesser")
    for guess in range(5):
        attempt = f"{(int(code) + guess + 1) % 1_000_000:06d}"
        assert api.post("/auth/link/code", headers, {"code": attempt}).status_code == 409
    locked = api.post("/auth/link/code", headers, {"code": code})
    assert locked.get_json()["code"] == "link_locked"


def test_an_unlinked_login_reaches_nothing_but_me(api, clock):
    headers = api.login(user="nobody")
    answer = _ask(api, headers, clock)
    assert answer.status_code == 403 and answer.get_json()["code"] == "not_linked"


# --- help requests ---------------------------------------------------------------------------------------

def test_family_asks_for_their_elder_and_volunteers_get_offers(api, clock):
    headers = api.login("demo-family-1")
    elder = user_of(api.rt, "demo-elder-1")
    created = _ask(api, headers, clock, elder_id=elder.id)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["elder"]["id"] == elder.id and body["status"] == "open"
    assert body["window_start"].endswith("+08:00")
    offers = api.say.rows(kind="task_offer")
    assert offers, "dispatched like a chat request"
    listed = api.get("/help-requests", headers).get_json()
    assert [r["id"] for r in listed["items"]] == [body["id"]] and listed["next_cursor"] is None
    assert api.get(f"/help-requests/{body['id']}", headers).get_json()["details"] == "帮我买点药"


def test_another_familys_elder_and_request_are_out_of_reach(api, clock):
    family = api.login("demo-family-1")
    other = api.login("demo-elder-2")
    elder1 = user_of(api.rt, "demo-elder-1")
    refused = _ask(api, other, clock, elder_id=elder1.id)
    assert refused.status_code == 404
    mine = _ask(api, family, clock, elder_id=elder1.id).get_json()
    assert api.get(f"/help-requests/{mine['id']}", other).status_code == 404
    assert api.post(f"/help-requests/{mine['id']}/cancel", other).status_code == 404
    assert api.get(f"/help-requests/{mine['id']}", api.login("demo-elder-1")).status_code == 200


def test_idempotency_key_replays_the_first_answer(api, clock):
    headers = {**api.login("demo-elder-1"), "Idempotency-Key": "abc-1"}
    first = _ask(api, headers, clock)
    second = _ask(api, headers, clock)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json() and second.headers["Idempotent-Replayed"] == "true"
    with Session(api.rt.engine) as session:
        assert len(session.exec(select(hr.HelpRequest)).all()) == 1
    reused = api.post("/family/binding-codes", headers, {})
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency_reused"


def test_validation_refuses_bad_bodies_with_4xx(api, clock):
    headers = api.login("demo-elder-1")
    past = clock() - timedelta(hours=5)
    cases = [{"category": "spaceflight", "details": "x" * 5, "when": _window(clock)},
             {"category": "errand", "details": "帮我买药", "when": {"start": "2026-12-01T10:00", "end": "x"}},
             {"category": "errand", "details": "帮我买药",
              "when": {"start": past.isoformat(), "end": (past + timedelta(hours=1)).isoformat()}},
             {"category": "emergency", "details": "帮我买药", "when": _window(clock)}]
    for body in cases:
        answer = api.post("/help-requests", headers, body)
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, body


def test_cancel_then_cancel_again_conflicts(api, clock):
    headers = api.login("demo-elder-1")
    made = _ask(api, headers, clock).get_json()
    cancelled = api.post(f"/help-requests/{made['id']}/cancel", headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert api.post(f"/help-requests/{made['id']}/cancel", headers).status_code == 409


def test_pages_follow_the_cursor(api, clock):
    headers = api.login("demo-elder-1")
    ids = [_ask(api, {**headers, "Idempotency-Key": f"k{i}"}, clock).get_json()["id"] for i in range(3)]
    first = api.get("/help-requests?limit=2", headers).get_json()
    assert [r["id"] for r in first["items"]] == ids[::-1][:2] and first["next_cursor"]
    rest = api.get(f"/help-requests?limit=2&cursor={first['next_cursor']}", headers).get_json()
    assert [r["id"] for r in rest["items"]] == ids[:1] and rest["next_cursor"] is None
    assert api.get("/help-requests?limit=500", headers).status_code == 422


# --- volunteers, rating, time bank, complaints -------------------------------------------------------------

def test_the_whole_visit_by_api(api, clock):
    elder = api.login("demo-elder-1")
    made = _ask(api, elder, clock).get_json()
    offered = {row.openid for row in api.say.rows(kind="task_offer")}
    volunteer_openid = sorted(offered)[0]
    volunteer = api.login(volunteer_openid)
    assert made["id"] in [t["id"] for t in api.get("/tasks/offers", volunteer).get_json()["items"]]
    not_volunteer = api.post(f"/tasks/{made['id']}/claim", api.login("demo-family-1"))
    assert not_volunteer.status_code == 403
    claimed = api.post(f"/tasks/{made['id']}/claim", volunteer)
    assert claimed.status_code == 200, claimed.get_data(as_text=True)
    assert api.get("/tasks", volunteer).get_json()["items"][0]["id"] == made["id"]
    assert api.post(f"/tasks/{made['id']}/start", volunteer).status_code == 200
    clock.advance(minutes=50)
    assert api.post(f"/tasks/{made['id']}/done", volunteer, {"minutes": 45}).status_code == 200
    assert api.post(f"/help-requests/{made['id']}/rating", elder, {"score": 9}).status_code == 422
    rated = api.post(f"/help-requests/{made['id']}/rating", elder, {"score": 5})
    assert rated.status_code == 200 and rated.get_json()["rating"] == 5
    balance = api.get("/timebank/balance", volunteer).get_json()["minutes"]
    assert balance > 0
    lines = api.get("/timebank/statement", volunteer).get_json()["items"]
    assert lines[0]["request_id"] == made["id"] and lines[0]["minutes"] == balance
    assert api.post(f"/help-requests/{made['id']}/rating", elder, {"score": 4}).status_code == 409


def test_done_long_before_the_window_needs_early_and_the_family_hears_the_rating(api, clock):
    elder, family = api.login("demo-elder-1"), api.login("demo-family-1")
    tomorrow = clock() + timedelta(days=1)
    when = {"start": tomorrow.isoformat(), "end": (tomorrow + timedelta(hours=4)).isoformat()}
    made = api.post("/help-requests", elder, {"category": "errand", "details": "帮我买点药", "when": when}).get_json()
    volunteer = api.login(sorted({row.openid for row in api.say.rows(kind="task_offer")})[0])
    assert api.post(f"/tasks/{made['id']}/claim", volunteer).status_code == 200
    assert api.post(f"/tasks/{made['id']}/start", volunteer).status_code == 200
    clock.advance(minutes=25)
    early = api.post(f"/tasks/{made['id']}/done", volunteer, {})
    assert early.status_code == 409 and early.mimetype == PROBLEM
    problem = early.get_json()
    assert problem["code"] == "done_early" and "还没到约定的时间" in problem["title"]
    assert problem["window_start"].startswith("2026-12-02T09:00:00+08:00")
    assert api.get(f"/help-requests/{made['id']}", elder).get_json()["status"] == "en_route"
    assert api.post(f"/tasks/{made['id']}/done", volunteer, {"early": True}).status_code == 200
    rated = api.post(f"/help-requests/{made['id']}/rating", family, {"score": 4})
    assert rated.status_code == 200 and rated.get_json()["rating"] == 4
    assert api.get("/timebank/balance", volunteer).get_json()["minutes"] == 25  # /start to /done
    told = api.say.rows(kind="help_rated")
    assert [row.openid for row in told] == ["demo-elder-1"]  # the family member rated: not told their own rating
    assert "评了4星" in told[0].text and "记了25分钟" in told[0].text


def test_claim_without_an_offer_and_release(api, clock):
    made = _ask(api, api.login("demo-elder-2"), clock).get_json()
    offered = {row.openid for row in api.say.rows(kind="task_offer")}
    outsider = next(o for o in (f"demo-volunteer-{i}" for i in range(1, 6)) if o not in offered)
    assert api.post(f"/tasks/{made['id']}/claim", api.login(outsider)).status_code == 404
    volunteer = api.login(sorted(offered)[0])
    assert api.post(f"/tasks/{made['id']}/claim", volunteer).status_code == 200
    assert api.post(f"/tasks/{made['id']}/release", volunteer).status_code == 200
    assert api.post(f"/tasks/{made['id']}/release", volunteer).status_code == 404


def test_decline_an_offer(api, clock):
    made = _ask(api, api.login("demo-elder-2"), clock).get_json()
    volunteer = api.login(sorted({row.openid for row in api.say.rows(kind="task_offer")})[0])
    assert api.post(f"/tasks/{made['id']}/decline", volunteer).status_code == 200
    assert made["id"] not in [t["id"] for t in api.get("/tasks/offers", volunteer).get_json()["items"]]


def test_complaint_reaches_the_coordinator(api, clock):
    headers = api.login("demo-elder-1")
    made = _ask(api, headers, clock).get_json()
    answer = api.post(f"/help-requests/{made['id']}/complaints", headers, {"about": "志愿者迟到了两个小时"})
    assert answer.status_code == 201 and answer.get_json()["request_id"] == made["id"]
    assert [row.openid for row in api.say.rows(kind="complaint")] == ["demo-admin"]


# --- family, notices ----------------------------------------------------------------------------------------

def test_family_binding_by_code_then_unbind(api):
    elder = api.login("demo-elder-3")
    code = api.post("/family/binding-codes", elder, {})
    assert code.status_code == 201, code.get_data(as_text=True)
    newcomer = api.login("demo-volunteer-5")
    asked = api.post("/family/bindings", newcomer, {"code": code.get_json()["code"], "relationship": "儿子"})
    assert asked.status_code == 202 and asked.get_json()["status"] == "asked"
    wrong = api.post("/family/bindings", newcomer, {"code": "000000"})
    assert wrong.status_code == 409
    family = api.login("demo-family-1")
    links = api.get("/family", family).get_json()["items"]
    assert links and links[0]["side"] == "elder"
    other = api.login("demo-elder-2")
    assert api.delete(f"/family/bindings/{links[0]['id']}", other).status_code == 404
    assert api.delete(f"/family/bindings/{links[0]['id']}", family).status_code == 204
    assert api.get("/family", family).get_json()["items"] == []


def test_notices_page(api):
    headers = api.login("demo-elder-1")
    answer = api.get("/notices?limit=5", headers)
    assert answer.status_code == 200 and answer.get_json()["next_cursor"] is None


def test_a_village_notice_is_listed_with_its_text(api):
    from models.notices.broadcasts import DONE, Broadcast

    elder = user_of(api.rt, "demo-elder-1")
    with session_scope(api.rt.engine) as session:
        for n in range(3):
            session.add(Broadcast(village_id=elder.village_id, author_openid="demo-admin", title=f"通知{n}",
                                  body=f"周六上午义诊 {n}", status=DONE, send_at=api.rt.clock(),
                                  created_at=api.rt.clock()))
    headers = api.login("demo-elder-1")
    first = api.get("/notices?limit=2", headers).get_json()
    assert [(i["title"], i["text"]) for i in first["items"]] == [
        ("通知2", "周六上午义诊 2"), ("通知1", "周六上午义诊 1")]
    rest = api.get(f"/notices?limit=2&cursor={first['next_cursor']}", headers).get_json()
    assert [i["title"] for i in rest["items"]] == ["通知0"] and rest["next_cursor"] is None


# --- errors, limits, documents ------------------------------------------------------------------------------

def test_unknown_paths_and_methods_are_problems(api):
    headers = api.login("demo-elder-1")
    missing = api.get("/nothing-here", headers)
    assert missing.status_code == 404 and missing.mimetype == PROBLEM and missing.get_json()["title"] == "没有找到"
    wrong = api.client.put("/api/v1/me", headers=headers)
    assert wrong.status_code == 405 and wrong.mimetype == PROBLEM


def test_rate_limits_per_token_and_login_per_ip(make_api):
    api = make_api(miniapp__rate_limit="3/minute", miniapp__login_rate_limit="4/minute")
    headers = api.login("demo-elder-1")
    answers = [api.get("/me", headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].mimetype == PROBLEM and int(answers[-1].headers["Retry-After"]) > 0
    assert api.get("/me", api.login("demo-elder-2")).status_code == 200  # another token has its own budget
    logins = [api.login_raw(f"burst{i}") for i in range(5)]
    assert [a.status_code for a in logins] == [200, 200, 429, 429, 429]  # the two logins above count too
    assert logins[-1].mimetype == PROBLEM and 0 < int(logins[-1].headers["Retry-After"]) <= 60


def test_the_ip_budget_spans_tokens_and_counts_unknown_tokens_before_their_lookup(make_api):
    api = make_api(miniapp__rate_limit_ip="4/minute", miniapp__login_rate_limit="100/minute")
    first, second = api.login("demo-elder-1"), api.login("demo-elder-2")
    codes = [api.get("/me", h).status_code for h in (first, second, first, second)]
    assert codes == [200, 200, 200, 200]
    refused = api.get("/me", {"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60  # not 401: no lookup
    assert api.get("/me", second).status_code == 429
    other_ip = api.client.get("/api/v1/me", headers=first, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other_ip.status_code == 200


def test_openapi_document_and_docs_page_without_a_token(api):
    document = api.client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/help-requests" in document["paths"] and "/api/v1/auth/login" in document["paths"]
    login = document["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in login or login["security"] == []
    page = api.client.get("/api/v1/docs")
    assert page.status_code == 200 and b"docs/assets/swagger-ui-bundle.js" in page.data and b"//cdn" not in page.data
    assert api.client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_unionid_sync_records_followers_unionids(api, fake_wechat):
    fake_wechat.follow("demo-elder-2", unionid="union-e2")
    result = api.say.app.test_cli_runner().invoke(args=["api", "sync-unionids"])
    assert result.exit_code == 0, result.output
    assert user_of(api.rt, "demo-elder-2").unionid == "union-e2"
    fake_wechat.set_unionid(fake_wechat.mini_openid("e2-mini"), "union-e2")
    assert api.login_raw("e2-mini").get_json()["linked"] is True


def test_token_rows_are_revocable_by_conditional_update(api):
    from models.api import identity as ids

    headers = api.login("demo-elder-1")
    token = headers["Authorization"].split()[1]
    with session_scope(api.rt.engine) as session:
        assert ids.revoke(session, token, now=api.say.clock()) is True
        assert ids.revoke(session, token, now=api.say.clock()) is False
    with Session(api.rt.engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar() == 1
