"""Personal information rights through the mini-program API, with real tokens: the export (mine, an elder's
with the elder told), 注销 with its 202 and what it ends."""
# ruff: noqa: F811  (api is a pytest fixture imported from tests/api_support.py)
from __future__ import annotations

from sqlmodel import Session, select

from models.api.identity import ApiIdentity
from models.privacy import access
from models.privacy.erasure import Erasure
from tests.api_support import api, user_of  # noqa: F401  (fixture)

ELDER, FAMILY, VOLUNTEER = "demo-elder-1", "demo-family-1", "demo-volunteer-1"


def test_my_export_is_the_chats_with_a_download_link(api):
    headers = api.login(FAMILY)
    answer = api.get("/privacy/export", headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    data = answer.get_json()
    assert data["erased"] is False and data["profile"]["name"] == "王建国" and "family" in data["profile"]["roles"]
    assert [b["elder"] for b in data["bindings"]] == ["王秀英"]
    assert set(data) >= {"requests", "visits", "ratings", "timebank", "checkins", "consents", "accesses"}
    download = api.client.get(data["download_url"])
    assert download.status_code == 200 and download.get_json()["profile"]["name"] == "王建国"
    assert data["download_expires_at"].endswith("+08:00")


def test_an_elders_export_by_their_family_tells_the_elder_and_is_logged(api):
    headers = api.login(FAMILY)
    elder = user_of(api.rt, ELDER)
    answer = api.get(f"/privacy/export?elder_id={elder.id}", headers)
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["profile"]["name"] == "王秀英" and data["profile"]["elder"]["address"] == "示范村东头12号"
    assert api.client.get(data["download_url"]).get_json()["user_id"] == elder.id
    [told] = api.say.rows(kind="privacy_export", openid=ELDER)
    assert "王建国（您的儿子）导出了您" in told.text
    with Session(api.rt.engine) as session:
        [entry] = access.accesses_of(session, elder.id)
    assert entry.reason == "export" and entry.viewer_id == user_of(api.rt, FAMILY).id


def test_nobody_exports_an_elder_they_do_not_act_for(api):
    other = user_of(api.rt, "demo-elder-2")
    family = api.login(FAMILY)
    assert api.get(f"/privacy/export?elder_id={other.id}", family).status_code == 404
    volunteer = api.login(VOLUNTEER)
    refused = api.get(f"/privacy/export?elder_id={user_of(api.rt, ELDER).id}", volunteer)
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    assert api.get("/privacy/export?elder_id=abc", family).status_code == 422
    assert api.get("/privacy/export", api.login(user="stranger")).status_code == 403  # not linked to anyone
    assert api.say.rows(kind="privacy_export", openid="demo-elder-2") == []


def test_deletion_erases_me_at_once_answers_202_and_ends_my_logins(api):
    elder = user_of(api.rt, ELDER)
    headers = api.login(ELDER)
    answer = api.post("/privacy/deletion", headers)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["status"] == "erased" and "已注销" in body["message"] and body["token_revoked"] is True
    assert body["requested_at"] == body["erased_at"] and body["completes_by"] > body["requested_at"]
    assert body["completes_by"].endswith("+08:00")
    # The same domain step as the chat's 注销: the person is a pseudonym, the family is told.
    with Session(api.rt.engine) as session:
        assert session.exec(select(Erasure).where(Erasure.user_id == elder.id)).one().erased_at is not None
        assert session.exec(select(ApiIdentity).where(ApiIdentity.user_id == elder.id)).all() == []
    assert any("王秀英" in row.text for row in api.say.rows(kind="privacy_erased", openid=FAMILY))
    assert api.get("/me", headers).status_code == 401  # this login is gone
    again = api.login(user=ELDER)  # the same mini-program user logs in anew: nobody to link to
    assert api.get("/me", again).get_json()["linked"] is False


def test_the_privacy_operations_are_in_the_openapi_document(api):
    paths = api.client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/privacy/export"] and "post" in paths["/api/v1/privacy/deletion"]
    assert "202" in paths["/api/v1/privacy/deletion"]["post"]["responses"]
