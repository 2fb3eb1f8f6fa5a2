"""Coordinators' approvals through /api/v1 with real tokens: held requests, volunteer sign-ups, elder
registrations, family bindings and expenses — the console's and the chat's decisions, their notices, their
permissions, and 409 for whatever was decided already (on SQLite and on PostgreSQL)."""
# ruff: noqa: F811  (api is a pytest fixture imported from tests/api_support.py)
from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, select

from app.db import session_scope
from bots.texts import catalog
from models.funds import ledger
from models.help import requests as hr
from models.people import binding, membership, volunteering
from models.people.users import User, Village, get_or_create_user, grant_roles
from models.people.volunteers import Volunteer
from tests.api_support import api, user_of  # noqa: F401  (fixtures)

PROBLEM = "application/problem+json"
ROOT = Path(__file__).resolve().parent.parent


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["code"] == code and body["title"] == catalog("zh_CN")[f"api_problem_{code}"]


def _people(api, *specs: tuple[str, str | None, str | None]) -> None:
    """(openid, role or None, village code or None) each; the village 东村 is made when named."""
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        for openid, role, code in specs:
            village = session.exec(select(Village).where(Village.code == code)).first() if code else None
            if code and village is None:
                village = Village(code=code, name="东村", created_at=now)
                session.add(village)
                session.flush()
            user = get_or_create_user(session, openid, now=now)
            user.name, user.subscribed = openid, True
            user.village_id = village.id if village else None
            if role:
                grant_roles(user, [role], now=now)


def _village_id(where, code: str) -> int:
    """The id of the village with this code, read through the test's session or a new one of the app."""
    if isinstance(where, Session):
        return where.exec(select(Village).where(Village.code == code)).one().id
    with Session(where.rt.engine) as session:
        return _village_id(session, code)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def _held_request(api, openid: str) -> int:
    """A request from someone who never registered, made in the chat: held for a coordinator."""
    api.say(openid, "明天上午想找人帮我去镇上买降压药")
    assert "还没有在这里登记" in api.say(openid, "1")
    with Session(api.rt.engine) as session:
        asker = session.exec(select(User).where(User.openid == openid)).one()
        request = session.exec(select(hr.HelpRequest).where(hr.HelpRequest.requested_by_id == asker.id)).one()
        assert request.status == hr.HELD
        return request.id


# --- held requests -----------------------------------------------------------------------------------------

def test_held_requests_are_verified_or_turned_down_once(api):
    first, second = _held_request(api, "passer-by"), _held_request(api, "passer-2")
    family = api.login("demo-family-1")
    _refused(api.get("/coordinator/held-requests", family), 403, "not_coordinator")
    _refused(api.post(f"/coordinator/held-requests/{first}/verify", family), 403, "not_coordinator")
    admin = api.login("demo-admin")
    listed = api.get("/coordinator/held-requests?limit=1", admin)
    assert _ids(listed) == [first]
    assert listed.get_json()["items"][0]["requested_by"]["id"] == user_of(api.rt, "passer-by").id
    rest = api.get(f"/coordinator/held-requests?limit=1&cursor={listed.get_json()['next_cursor']}", admin)
    assert _ids(rest) == [second] and rest.get_json()["next_cursor"] is None

    verified = api.post(f"/coordinator/held-requests/{first}/verify", admin)
    assert verified.status_code == 200, verified.get_data(as_text=True)
    assert verified.get_json()["status"] == "open"
    assert api.say.rows(kind="help_verified", openid="passer-by")  # the asker is told, as by 核实求助
    assert api.say.rows(kind="task_offer")  # and the first round of offers goes out
    _refused(api.post(f"/coordinator/held-requests/{first}/verify", admin), 409, "request_not_held")
    _refused(api.post(f"/coordinator/held-requests/{first}/reject", admin), 409, "request_not_held")

    rejected = api.post(f"/coordinator/held-requests/{second}/reject", admin)
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "cancelled"
    assert api.say.rows(kind="help_not_verified", openid="passer-2")
    assert "不需要核实" in api.say("demo-admin", f"核实求助 {second}")  # the chat sees the API's decision
    assert _ids(api.get("/coordinator/held-requests", admin)) == []
    assert api.post("/coordinator/held-requests/999999/verify", admin).status_code == 404


def test_a_request_decided_in_the_chat_answers_409_in_the_api(api):
    number = _held_request(api, "passer-by")
    assert "已驳回" in api.say("demo-admin", f"驳回求助 {number}")
    refused = api.post(f"/coordinator/held-requests/{number}/verify", api.login("demo-admin"))
    _refused(refused, 409, "request_not_held")
    assert refused.get_json()["detail"] == "status is cancelled"
    assert not api.say.rows(kind="help_verified")


# --- volunteer sign-ups -------------------------------------------------------------------------------------

def _sign_up(api, openid: str, village_code: str) -> int:
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        user = get_or_create_user(session, openid, now=now)
        village_id = _village_id(session, village_code)
        answers = volunteering.SignUp(f"{openid}的名字", "13812345678", village_id, ["errand"],
                                      ["weekend_morning"])
        return volunteering.submit(session, user, answers, now=now, alert=lambda v: f"#{v.id}").id


def test_volunteer_sign_ups_are_approved_or_rejected_with_a_reason(api):
    _people(api, ("east-admin", "admin", "east"))
    approve, reject = _sign_up(api, "newbie-1", "demo"), _sign_up(api, "newbie-2", "demo")
    east = _sign_up(api, "east-newbie", "east")
    admin = api.login("demo-admin")
    listed = api.get("/coordinator/volunteer-applications", admin)
    assert _ids(listed) == [approve, reject]
    item = listed.get_json()["items"][0]
    assert item["skills"] == ["errand"] and item["phone"] == "13812345678" and item["status"] == "pending"
    _refused(api.get(f"/coordinator/volunteer-applications?village_id={_village_id(api, 'east')}", admin), 403,
             "other_village")
    assert api.post(f"/coordinator/volunteer-applications/{east}/approve", admin).status_code == 404
    _refused(api.post(f"/coordinator/volunteer-applications/{approve}/approve", api.login("demo-volunteer-1")), 403,
             "not_coordinator")

    approved = api.post(f"/coordinator/volunteer-applications/{approve}/approve", admin)
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["status"] == "approved"
    assert user_of(api.rt, "newbie-1").has_role("volunteer")
    [told] = api.say.rows(kind="volunteer_review", openid="newbie-1")
    assert "通过" in told.text
    _refused(api.post(f"/coordinator/volunteer-applications/{approve}/approve", admin), 409, "application_decided")
    _refused(api.post(f"/coordinator/volunteer-applications/{approve}/reject", admin, {"reason": "晚了"}), 409,
             "application_decided")

    for body in (None, {}, {"reason": "   "}, {"reason": "x" * 201}, {"reason": "够了", "extra": 1}):
        invalid = api.post(f"/coordinator/volunteer-applications/{reject}/reject", admin, body)
        assert invalid.status_code == 422 and invalid.mimetype == PROBLEM, body
    rejected = api.post(f"/coordinator/volunteer-applications/{reject}/reject", admin, {"reason": " 本村人手够了 "})
    assert rejected.status_code == 200 and rejected.get_json()["reject_reason"] == "本村人手够了"
    [told] = api.say.rows(kind="volunteer_review", openid="newbie-2")
    assert "本村人手够了" in told.text
    assert not user_of(api.rt, "newbie-2").has_role("volunteer")
    assert _ids(api.get("/coordinator/volunteer-applications", admin)) == []
    assert _ids(api.get("/coordinator/volunteer-applications", api.login("east-admin"))) == [east]
    assert "已经审核过了" in api.say("demo-admin", f"通过 {reject}")  # the chat sees the API's decision


def test_a_county_admin_approves_in_any_village(api):
    _people(api, ("county-1", "county_admin", None), ("east-admin", "admin", "east"))
    east = _sign_up(api, "east-newbie", "east")
    mine = _sign_up(api, "newbie-1", "demo")
    county = api.login("county-1")
    assert _ids(api.get("/coordinator/volunteer-applications", county)) == [east, mine]
    assert _ids(api.get(f"/coordinator/volunteer-applications?village_id={_village_id(api, 'east')}", county)) == \
        [east]
    assert api.get("/coordinator/volunteer-applications?village_id=999999", county).status_code == 404
    assert api.post(f"/coordinator/volunteer-applications/{east}/approve", county).status_code == 200
    with Session(api.rt.engine) as session:
        assert session.get(Volunteer, east).status == "approved"


# --- elder registrations -----------------------------------------------------------------------------------

def _register(api, registrant: str, name: str) -> int:
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        user = session.exec(select(User).where(User.openid == registrant)).one()
        registration = membership.Registration(name=name, age=81, village_id=_village_id(session, "demo"),
                                               address="西头3号", phone="", lives_alone=True, health_notes="",
                                               emergency_contacts=[], relationship="女儿")
        return membership.register_elder(session, user, registration, now=now).user_id


def test_elders_registered_by_family_are_verified_once(api):
    elder = _register(api, "demo-family-1", "赵奶奶")
    admin = api.login("demo-admin")
    listed = api.get("/coordinator/elder-registrations", admin)
    assert [i["elder"]["id"] for i in listed.get_json()["items"]] == [elder]
    item = listed.get_json()["items"][0]
    assert item["registered_by"]["name"] == "王建国" and item["relationship"] == "女儿" and item["verified_at"] is None
    assert "address" not in item and "phone" not in item  # the contact card stays on the console's logged page
    _refused(api.post(f"/coordinator/elder-registrations/{elder}/verify", api.login("demo-family-1")), 403,
             "not_coordinator")
    verified = api.post(f"/coordinator/elder-registrations/{elder}/verify", admin)
    assert verified.status_code == 200, verified.get_data(as_text=True)
    assert verified.get_json()["verified_at"].endswith("+08:00")
    assert api.say.rows(kind="elder_verified", openid="demo-family-1")
    _refused(api.post(f"/coordinator/elder-registrations/{elder}/verify", admin), 409, "elder_already_verified")
    assert len(api.say.rows(kind="elder_verified")) == 1
    assert [i["elder"]["id"] for i in api.get("/coordinator/elder-registrations", admin).get_json()["items"]] == []
    self_registered = user_of(api.rt, "demo-elder-1").id
    assert api.post(f"/coordinator/elder-registrations/{self_registered}/verify", admin).status_code == 404
    _people(api, ("east-admin", "admin", "east"))
    assert api.post(f"/coordinator/elder-registrations/{elder}/verify", api.login("east-admin")).status_code == 404


# --- family bindings ---------------------------------------------------------------------------------------

def _binding_for_coordinators(api, family_openid: str) -> int:
    """A binding for an elder without WeChat whose code its user made: only the coordinators can answer."""
    now = api.say.clock()
    _people(api, (family_openid, None, None))
    with session_scope(api.rt.engine) as session:
        elder = get_or_create_user(session, "offline-77-1", now=now)
        elder.name, elder.village_id = "钱爷爷", _village_id(session, "demo")
        grant_roles(elder, ["elder"], now=now)
        family = session.exec(select(User).where(User.openid == family_openid)).one()
        code = binding.issue_code(session, elder, family, now=now)
        attempt = binding.redeem(session, family, code.code, "外甥", now=now)
        assert attempt.status == binding.ASKED and attempt.pending.asked_id is None
        return attempt.pending.id


def test_family_bindings_asked_of_the_coordinators_are_decided_once(api, clock):
    accept, refuse = _binding_for_coordinators(api, "nephew"), _binding_for_coordinators(api, "niece")
    clock.advance(hours=1)
    lapses = _binding_for_coordinators(api, "cousin")
    _people(api, ("east-admin", "admin", "east"))
    admin = api.login("demo-admin")
    listed = api.get("/coordinator/family-bindings", admin)
    assert _ids(listed) == [accept, refuse, lapses]
    assert listed.get_json()["items"][0]["family"]["name"] == "nephew"
    assert _ids(api.get("/coordinator/family-bindings", api.login("east-admin"))) == []
    assert api.post(f"/coordinator/family-bindings/{accept}/accept", api.login("east-admin")).status_code == 404
    _refused(api.post(f"/coordinator/family-bindings/{accept}/accept", api.login("demo-family-1")), 403,
             "not_coordinator")

    accepted = api.post(f"/coordinator/family-bindings/{accept}/accept", admin)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert api.say.rows(kind="family_bound", openid="nephew")
    with Session(api.rt.engine) as session:
        assert membership.is_bound(session, user_of(api.rt, "offline-77-1"), user_of(api.rt, "nephew"))
    _refused(api.post(f"/coordinator/family-bindings/{accept}/refuse", admin), 409, "binding_decided")
    refused = api.post(f"/coordinator/family-bindings/{refuse}/refuse", admin)
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    assert api.say.rows(kind="family_refused", openid="niece")
    clock.advance(hours=24)  # a day after the third was asked: it has lapsed
    _refused(api.post(f"/coordinator/family-bindings/{lapses}/accept", api.login("demo-admin")), 409, "binding_lapsed")
    assert _ids(api.get("/coordinator/family-bindings", api.login("demo-admin"))) == []


# --- expenses ----------------------------------------------------------------------------------------------

def _expense(api, by: str, purpose: str, fen: int) -> int:
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        village = session.get(Village, _village_id(session, "demo"))
        return ledger.record_expense(session, village, ledger.Spending(purpose=purpose, amount_fen=fen,
                                                                       category="supplies"),
                                     by=by, now=now).entry.id


def test_expenses_need_a_second_coordinator_and_are_decided_once(api):
    _people(api, ("demo-admin-2", "admin", "demo"), ("east-admin", "admin", "east"))
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        village = session.get(Village, _village_id(session, "demo"))
        ledger.donate(session, village, ledger.Gift(donor="王建国", amount_fen=50000, donor_openid="demo-family-1"),
                      actor="demo-admin", now=now)
    buy, other = _expense(api, "demo-admin", "买轮椅", 30000), _expense(api, "demo-admin", "买茶叶", 5000)
    admin, second = api.login("demo-admin"), api.login("demo-admin-2")
    listed = api.get("/coordinator/expenses", admin)
    assert _ids(listed) == [buy, other]
    item = listed.get_json()["items"][0]
    assert (item["amount_fen"], item["purpose"], item["mine"], item["state"]) == (30000, "买轮椅", True, "pending")
    assert api.get("/coordinator/expenses", second).get_json()["items"][0]["mine"] is False
    _refused(api.post(f"/coordinator/expenses/{buy}/approve", admin), 409, "expense_own")  # 两人把关
    assert api.post(f"/coordinator/expenses/{buy}/approve", api.login("east-admin")).status_code == 404
    _refused(api.post(f"/coordinator/expenses/{buy}/approve", api.login("demo-family-1")), 403, "not_coordinator")

    approved = api.post(f"/coordinator/expenses/{buy}/approve", second)
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["state"] == "approved"
    assert api.say.rows(kind="fund_spent", openid="demo-family-1")  # the donor whose gift it spends is told
    refused = api.post(f"/coordinator/expenses/{buy}/approve", second)
    _refused(refused, 409, "expense_decided")
    assert refused.get_json()["detail"] == "state is approved"
    _refused(api.post(f"/coordinator/expenses/{buy}/reject", second, {"why": "重复"}), 409, "expense_decided")

    for body in (None, {"why": " "}, {"why": "x" * 201}):
        assert api.post(f"/coordinator/expenses/{other}/reject", second, body).status_code == 422, body
    rejected = api.post(f"/coordinator/expenses/{other}/reject", second, {"why": "村里还有茶叶"})
    assert rejected.status_code == 200 and rejected.get_json()["state"] == "rejected"
    with Session(api.rt.engine) as session:
        steps = ledger.steps_of(session, other)
        assert [(s.kind, (s.details or {}).get("why")) for s in steps] == [("reject", "村里还有茶叶")]
    assert _ids(api.get("/coordinator/expenses", admin)) == []
    assert api.post("/coordinator/expenses/1/approve", second).status_code == 404  # the donation is no expense


# --- everything at once, the document, the titles ---------------------------------------------------------

def test_the_counts_follow_the_lists(api):
    _held_request(api, "passer-by")
    _sign_up(api, "newbie-1", "demo")
    _register(api, "demo-family-1", "赵奶奶")
    _binding_for_coordinators(api, "nephew")
    _people(api, ("demo-admin-2", "admin", "demo"))
    _expense(api, "demo-admin-2", "买轮椅", 30000)
    admin = api.login("demo-admin")
    counts = api.get("/coordinator/approvals", admin)
    assert counts.status_code == 200, counts.get_data(as_text=True)
    assert counts.get_json() == {"held_requests": 1, "volunteer_applications": 1, "elder_registrations": 1,
                                 "family_bindings": 1, "expenses": 1}
    _people(api, ("east-admin", "admin", "east"))
    east = api.login("east-admin")
    # The held request has no village: with no county admin, every village's coordinators handle it.
    assert api.get("/coordinator/approvals", east).get_json() == {
        "held_requests": 1, "volunteer_applications": 0, "elder_registrations": 0, "family_bindings": 0,
        "expenses": 0}
    _refused(api.get(f"/coordinator/approvals?village_id={_village_id(api, 'demo')}", east), 403, "other_village")
    _refused(api.get("/coordinator/approvals", api.login("demo-elder-1")), 403, "not_coordinator")
    unlinked = api.get("/coordinator/approvals", api.login())
    assert unlinked.status_code == 403 and unlinked.get_json()["code"] == "not_linked"


def test_the_approvals_are_in_the_openapi_document(api):
    paths = api.client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/coordinator/held-requests", "/api/v1/coordinator/volunteer-applications",
                 "/api/v1/coordinator/elder-registrations", "/api/v1/coordinator/family-bindings",
                 "/api/v1/coordinator/expenses", "/api/v1/coordinator/approvals"):
        assert "get" in paths[path], path
    reject = paths["/api/v1/coordinator/volunteer-applications/{volunteer_id}/reject"]["post"]
    assert "application/json" in reject["requestBody"]["content"]
    assert "application/problem+json" in reject["responses"]["409"]["content"]
    for action in ("held-requests/{request_id}/verify", "held-requests/{request_id}/reject",
                   "elder-registrations/{elder_id}/verify", "family-bindings/{binding_id}/accept",
                   "family-bindings/{binding_id}/refuse", "expenses/{expense_id}/approve",
                   "expenses/{expense_id}/reject", "volunteer-applications/{volunteer_id}/approve"):
        assert "409" in paths[f"/api/v1/coordinator/{action}"]["post"]["responses"], action


def test_every_problem_code_of_the_api_has_a_chinese_title():
    codes = set()
    for path in (ROOT / "app" / "api").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"Problem\(\d{3}, \"([a-z_]+)\"", text))
        codes |= set(re.findall(r"\(\d{3}, \"([a-z_]+)\"\)", text))
    zh = catalog("zh_CN")
    assert {"request_not_held", "application_decided", "expense_own", "binding_lapsed"} <= codes
    assert sorted(c for c in codes if f"api_problem_{c}" not in zh) == []
    assert all(re.search(r"[\u4e00-\u9fff]", zh[f"api_problem_{c}"]) for c in codes)

