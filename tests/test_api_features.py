"""Events, canteen, check-in and coordinators through /api/v1 with real tokens (issue 11, the rest of it)."""
# ruff: noqa: F811  (api and make_api are pytest fixtures imported from tests/api_support.py)
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.db import session_scope
from models.events import events as ev
from models.help import requests as hr
from models.people.users import User, Village, get_or_create_user, grant_roles
from models.people.volunteers import APPROVED, upsert_volunteer
from tests.api_support import api, make_api, user_of  # noqa: F401  (fixtures)

PROBLEM = "application/problem+json"


def _window(clock, hours=4):
    start = clock() + timedelta(hours=1)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def _small_event(api, capacity=2) -> int:
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        village = session.exec(select(Village)).first()
        event = ev.create_event(session, ev.NewEvent(village.id, "activity", "剪纸小课堂", "活动室",
                                                     now + timedelta(days=3), capacity, now + timedelta(days=2)),
                                creator=None, now=now)
        return event.id


# --- events ---------------------------------------------------------------------------------------------

def test_events_list_sign_up_with_a_companion_and_my_signups(api):
    elder = api.login("demo-elder-1")
    listed = api.get("/events", elder)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    events = listed.get_json()["items"]
    assert [e["title"] for e in events][0] == "冬季防跌倒健康讲座" and events[0]["starts_at"].endswith("+08:00")
    first = events[0]
    signed = api.post(f"/events/{first['id']}/signups", elder, {"party_size": 2})
    assert signed.status_code == 201, signed.get_data(as_text=True)
    body = signed.get_json()
    assert body["status"] == "confirmed" and body["party_size"] == 2 and body["event"]["seats_free"] == 28
    again = api.post(f"/events/{first['id']}/signups", elder, {"party_size": 1})
    assert again.status_code == 409 and again.get_json()["code"] == "already_signed_up"
    too_big = api.post(f"/events/{first['id']}/signups", api.login("demo-elder-2"), {"party_size": 3})
    assert too_big.status_code == 422 and too_big.mimetype == PROBLEM
    mine = api.get("/events/signups", elder).get_json()["items"]
    assert [s["id"] for s in mine] == [body["id"]]
    page = api.get("/events?limit=2", elder).get_json()
    rest = api.get(f"/events?limit=2&cursor={page['next_cursor']}", elder).get_json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in events]


def test_family_signs_up_their_elder_and_another_family_cannot_touch_it(api):
    family = api.login("demo-family-1")
    event_id = api.get("/events", family).get_json()["items"][0]["id"]
    signed = api.post(f"/events/{event_id}/signups", family, {})
    assert signed.status_code == 201
    assert signed.get_json()["attendee"]["id"] == user_of(api.rt, "demo-elder-1").id  # my only elder
    other = api.login("demo-elder-2")
    elder1 = user_of(api.rt, "demo-elder-1").id
    assert api.post(f"/events/{event_id}/signups", other, {"elder_id": elder1}).status_code == 404
    signup_id = signed.get_json()["id"]
    assert api.post(f"/events/signups/{signup_id}/cancel", other).status_code == 404
    assert api.get("/events/signups", api.login("demo-elder-1")).get_json()["items"][0]["id"] == signup_id


def test_a_cancellation_moves_the_waitlist_up_and_tells_them(api):
    event_id = _small_event(api, capacity=2)
    first = api.post(f"/events/{event_id}/signups", api.login("demo-elder-1"), {"party_size": 2}).get_json()
    waiting = api.post(f"/events/{event_id}/signups", api.login("demo-elder-2"), {})
    assert waiting.get_json()["status"] == "waitlisted" and waiting.get_json()["position"] == 1
    cancelled = api.post(f"/events/signups/{first['id']}/cancel", api.login("demo-elder-1"))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert [r.openid for r in api.say.rows(kind="event_promoted")] == ["demo-elder-2"]
    again = api.post(f"/events/signups/{first['id']}/cancel", api.login("demo-elder-1"))
    assert again.status_code == 409


def test_an_event_of_another_village_is_out_of_reach(api):
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        other = Village(code="east", name="东村", created_at=now)
        session.add(other)
        session.flush()
        event = ev.create_event(session, ev.NewEvent(other.id, "lecture", "东村讲座", "", now + timedelta(days=3), 9,
                                                     now + timedelta(days=2)), creator=None, now=now)
        event_id = event.id
    elder = api.login("demo-elder-1")
    assert event_id not in [e["id"] for e in api.get("/events", elder).get_json()["items"]]
    assert api.get(f"/events/{event_id}", elder).status_code == 404
    assert api.post(f"/events/{event_id}/signups", elder, {}).status_code == 404


# --- canteen --------------------------------------------------------------------------------------------

def test_menus_order_in_fen_my_orders_and_cancel(api, clock):
    family = api.login("demo-family-1")
    menus = api.get("/canteen/menus?days=2", family)
    assert menus.status_code == 200, menus.get_data(as_text=True)
    items = menus.get_json()["items"]
    assert [m["meal"] for m in items] == ["lunch", "lunch"] and items[0]["dishes"] == ["红烧肉", "炒青菜", "米饭"]
    assert items[0]["pay_fen"] == 400 and items[0]["open"] is True and items[0]["order_until"].endswith("+08:00")
    ordered = api.post("/canteen/orders", family, {"day": items[0]["day"], "portions": 2})
    assert ordered.status_code == 201, ordered.get_data(as_text=True)
    body = ordered.get_json()
    assert body["eater"]["id"] == user_of(api.rt, "demo-elder-1").id and body["total_fen"] == 800
    changed = api.post("/canteen/orders", family, {"day": items[0]["day"], "portions": 1})
    assert changed.status_code == 200 and changed.get_json()["id"] == body["id"]
    assert changed.get_json()["total_fen"] == 400
    elder = api.login("demo-elder-1")
    assert [o["id"] for o in api.get("/canteen/orders", elder).get_json()["items"]] == [body["id"]]
    other = api.login("demo-elder-2")
    assert api.post(f"/canteen/orders/{body['id']}/cancel", other).status_code == 404
    cancelled = api.post(f"/canteen/orders/{body['id']}/cancel", elder)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert api.post(f"/canteen/orders/{body['id']}/cancel", elder).status_code == 409
    assert api.get("/canteen/orders", elder).get_json()["items"] == []


def test_a_delivered_meal_is_dispatched_and_the_cutoff_holds(api, clock):
    elder = api.login("demo-elder-2")
    today = clock().astimezone(api.rt.tz).date().isoformat()
    ordered = api.post("/canteen/orders", elder, {"day": today, "delivery": True})
    assert ordered.status_code == 201, ordered.get_data(as_text=True)
    request_id = ordered.get_json()["help_request_id"]
    with Session(api.rt.engine) as session:
        assert session.get(hr.HelpRequest, request_id).category == "meal"
    assert api.say.rows(kind="task_offer"), "offered to volunteers like a chat order"
    clock.advance(minutes=31)  # past 09:30
    late = api.post(f"/canteen/orders/{ordered.get_json()['id']}/cancel", elder)
    assert late.status_code == 409 and late.get_json()["code"] == "order_closed"
    closed = api.post("/canteen/orders", api.login("demo-elder-1"), {"day": today})
    assert closed.status_code == 409 and closed.get_json()["code"] == "order_closed"
    far = (clock() + timedelta(days=30)).astimezone(api.rt.tz).date().isoformat()
    assert api.post("/canteen/orders", elder, {"day": far}).get_json()["code"] == "no_menu"


# --- check-in -------------------------------------------------------------------------------------------

def test_an_elder_says_safe_and_sees_the_week(api):
    elder3 = user_of(api.rt, "demo-elder-3")
    headers = api.login("demo-elder-3")
    mine = api.get("/checkin", headers).get_json()["items"]
    assert mine[0]["elder"]["id"] == elder3.id and mine[0]["enrolment"] == "active" and mine[0]["today"] is None
    safe = api.post(f"/checkin/{elder3.id}/safe", headers)
    assert safe.status_code == 200, safe.get_data(as_text=True)
    assert safe.get_json()["today"]["status"] == "on_time" and len(safe.get_json()["week"]) == 1


def test_family_and_coordinator_pause_resume_and_confirm(api):
    elder3 = user_of(api.rt, "demo-elder-3")
    elder1 = user_of(api.rt, "demo-elder-1")
    family = api.login("demo-family-1")  # bound to 王秀英, who is not enrolled
    assert api.get("/checkin", family).get_json()["items"][0]["enrolment"] == "none"
    not_enrolled = api.post(f"/checkin/{elder1.id}/pause", family, {"days": 3})
    assert not_enrolled.status_code == 409 and not_enrolled.get_json()["code"] == "checkin_not_enrolled"
    assert api.post(f"/checkin/{elder3.id}/pause", family, {"days": 3}).status_code == 404
    assert api.get(f"/checkin/{elder3.id}", family).status_code == 404
    assert api.post(f"/checkin/{elder3.id}/safe", family).status_code == 404
    admin = api.login("demo-admin")
    assert api.post(f"/checkin/{elder3.id}/pause", admin, {"days": 99}).status_code == 422
    paused = api.post(f"/checkin/{elder3.id}/pause", admin, {"days": 3})
    assert paused.status_code == 200 and paused.get_json()["enrolment"] == "paused"
    assert paused.get_json()["paused_until"] == "2026-12-04"
    resumed = api.post(f"/checkin/{elder3.id}/resume", admin)
    assert resumed.get_json()["enrolment"] == "active" and resumed.get_json()["paused_until"] is None
    confirmed = api.post(f"/checkin/{elder3.id}/safe", admin)
    assert confirmed.status_code == 200 and confirmed.get_json()["today"]["status"] == "confirmed_safe"
    again = api.post(f"/checkin/{elder3.id}/safe", admin)
    assert again.status_code == 409 and again.get_json()["code"] == "checkin_already_settled"


# --- coordinators ---------------------------------------------------------------------------------------

def _second_village(api):
    """东村 with its own coordinator, elder, volunteer and an open request; returns their ids."""
    now = api.say.clock()
    with session_scope(api.rt.engine) as session:
        village = Village(code="east", name="东村", created_at=now)
        session.add(village)
        session.flush()
        people = {}
        for openid, role in (("east-admin", "admin"), ("east-elder", "elder"), ("east-volunteer", "volunteer")):
            user = get_or_create_user(session, openid, now=now)
            user.name, user.village_id, user.subscribed = openid, village.id, True
            grant_roles(user, [role], now=now)
            people[role] = user
        upsert_volunteer(session, people["volunteer"], now=now, status=APPROVED, skills=["errand"])
        request, _ = hr.create_request(session, hr.NewRequest(
            elder=people["elder"], requested_by=people["elder"], category="errand", details="买米",
            window_start=now + timedelta(hours=1), window_end=now + timedelta(hours=5)), source_key="east:1", now=now)
        return village.id, request.id, people["volunteer"].id


def test_a_coordinator_lists_and_assigns_in_their_village_only(api, clock):
    east, east_request, east_volunteer = _second_village(api)
    made = api.post("/help-requests", api.login("demo-elder-1"),
                    {"category": "errand", "details": "帮我买点药", "when": _window(clock)}).get_json()
    admin = api.login("demo-admin")
    listed = api.get("/coordinator/requests", admin)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    assert [r["id"] for r in listed.get_json()["items"]] == [made["id"]]
    assert api.get(f"/coordinator/requests/{east_request}", admin).status_code == 404
    other = api.get(f"/coordinator/requests?village_id={east}", admin)
    assert other.status_code == 403 and other.get_json()["code"] == "other_village"
    assert api.get(f"/coordinator/volunteers?village_id={east}", admin).status_code == 403
    volunteers = api.get("/coordinator/volunteers", admin).get_json()["items"]
    assert east_volunteer not in [v["id"] for v in volunteers] and len(volunteers) == 5
    assert api.post(f"/coordinator/requests/{east_request}/assign", admin,
                    {"volunteer_id": volunteers[0]["id"]}).status_code == 404
    foreign = api.post(f"/coordinator/requests/{made['id']}/assign", admin, {"volunteer_id": east_volunteer})
    assert foreign.status_code == 403
    helper = user_of(api.rt, "demo-volunteer-1")
    assigned = api.post(f"/coordinator/requests/{made['id']}/assign", admin, {"volunteer_id": helper.id})
    assert assigned.status_code == 200, assigned.get_data(as_text=True)
    assert assigned.get_json()["status"] == "claimed" and assigned.get_json()["volunteer"]["id"] == helper.id
    told = api.say.rows(kind="help_claimed_volunteer", openid="demo-volunteer-1")
    assert told and "派" in told[0].text  # worded as an assignment, as in the console
    again = api.post(f"/coordinator/requests/{made['id']}/assign", admin, {"volunteer_id": helper.id})
    assert again.status_code == 409 and again.get_json()["code"] == "request_taken"
    east_admin = api.login("east-admin")
    assert [r["id"] for r in api.get("/coordinator/requests", east_admin).get_json()["items"]] == [east_request]
    assert api.get(f"/coordinator/requests/{made['id']}", east_admin).status_code == 404


def test_a_county_admin_reaches_every_village_and_others_are_refused(api, clock):
    east, east_request, east_volunteer = _second_village(api)
    made = api.post("/help-requests", api.login("demo-elder-1"),
                    {"category": "errand", "details": "帮我买点药", "when": _window(clock)}).get_json()
    with session_scope(api.rt.engine) as session:
        county = get_or_create_user(session, "county-1", now=clock())
        county.name = "县里"
        grant_roles(county, ["county_admin"], now=clock())
    county_headers = api.login("county-1")
    every = [r["id"] for r in api.get("/coordinator/requests", county_headers).get_json()["items"]]
    assert every == sorted([made["id"], east_request])
    only_east = api.get(f"/coordinator/requests?village_id={east}", county_headers).get_json()["items"]
    assert [r["id"] for r in only_east] == [east_request]
    assigned = api.post(f"/coordinator/requests/{east_request}/assign", county_headers,
                        {"volunteer_id": east_volunteer})
    assert assigned.status_code == 200, assigned.get_data(as_text=True)
    family = api.login("demo-family-1")
    refused = api.get("/coordinator/requests", family)
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_coordinator"
    assert api.get("/coordinator/requests?village_id=999999", county_headers).status_code == 404
    with Session(api.rt.engine) as session:
        assert session.get(hr.HelpRequest, east_request).volunteer_id == east_volunteer
        assert session.exec(select(User).where(User.openid == "county-1")).one().has_role("county_admin")


def test_the_rate_limit_per_token_spans_every_resource(make_api):
    api = make_api(miniapp__rate_limit="3/minute")
    headers = api.login("demo-elder-1")
    codes = [api.get(path, headers).status_code for path in ("/me", "/events", "/canteen/orders", "/checkin")]
    assert codes == [200, 200, 200, 429]
