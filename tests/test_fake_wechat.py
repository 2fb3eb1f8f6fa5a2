"""Tests of the fake WeChat API server, talking to it over HTTP like the product does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from app.fake_wechat import FakeWeChatServer

APPID = "wxtest"
SECRET = "s3cret"
TEMPLATE = "TPL_NOTICE"
# 2025-06-15 23:06:40 Beijing time: mid-month, so month rollovers are explicit.
T0 = 1_750_000_000
HOUR = 3600
DAY = 24 * HOUR

CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SENDALL = "/cgi-bin/message/mass/sendall"
MASS_SEND = "/cgi-bin/message/mass/send"
PREVIEW = "/cgi-bin/message/mass/preview"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeWeChatServer]:
    srv = FakeWeChatServer(appid=APPID, secret=SECRET, templates={TEMPLATE},
                           banned_words={"赌博": 20001, "诈骗": 20008})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture()
def fake(server: FakeWeChatServer) -> FakeWeChatServer:
    server.reset()
    server.set_clock(T0)
    return server


@pytest.fixture()
def base(fake: FakeWeChatServer) -> str:
    return fake.base_url


def get_token(base: str, secret: str = SECRET, appid: str = APPID) -> dict[str, Any]:
    params = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    return requests.get(f"{base}/cgi-bin/token", params=params, timeout=5).json()


def stable(base: str, force: bool = False) -> dict[str, Any]:
    body = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET,
            "force_refresh": force}
    return requests.post(f"{base}/cgi-bin/stable_token", json=body, timeout=5).json()


def call(base: str, path: str, token: str, body: dict[str, Any] | None = None,
         **params: str) -> dict[str, Any]:
    """POST a JSON body (or GET when body is None) with the access_token."""
    params["access_token"] = token
    if body is None:
        return requests.get(base + path, params=params, timeout=5).json()
    return requests.post(base + path, params=params, json=body, timeout=5).json()


def text(touser: str, content: str = "hi") -> dict[str, Any]:
    return {"touser": touser, "msgtype": "text", "text": {"content": content}}


@pytest.fixture()
def token(base: str) -> str:
    return get_token(base)["access_token"]


# --- access_token ----------------------------------------------------------

def test_token_checks_appid_secret_and_grant_type(base: str) -> None:
    assert get_token(base, appid="wxother")["errcode"] == 40013
    assert get_token(base, secret="wrong") == {"errcode": 40125, "errmsg": "invalid appsecret"}
    params = {"grant_type": "nope", "appid": APPID, "secret": SECRET}
    answer = requests.get(f"{base}/cgi-bin/token", params=params, timeout=5).json()
    assert answer["errcode"] == 40002


def test_each_fetch_issues_a_new_token_and_the_old_one_lives_five_minutes(
        fake: FakeWeChatServer, base: str) -> None:
    first = get_token(base)
    assert first["expires_in"] == 7200
    fake.advance(60)
    second = get_token(base)
    assert second["access_token"] != first["access_token"]
    assert fake.token_fetches == 2
    fake.advance(299)
    assert call(base, "/cgi-bin/tags/get", first["access_token"]) == {"tags": []}
    fake.advance(1)
    assert call(base, "/cgi-bin/tags/get", first["access_token"])["errcode"] == 40001
    assert call(base, "/cgi-bin/tags/get", second["access_token"]) == {"tags": []}


def test_token_runs_out_after_7200_seconds(fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.advance(7199)
    assert "errcode" not in call(base, "/cgi-bin/tags/get", token)
    fake.advance(1)
    assert call(base, "/cgi-bin/tags/get", token) == {"errcode": 42001,
                                                      "errmsg": "access_token expired"}


def test_unknown_and_missing_tokens(base: str) -> None:
    assert call(base, "/cgi-bin/tags/get", "bogus") == {
        "errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
    answer = requests.get(f"{base}/cgi-bin/tags/get", timeout=5).json()
    assert answer["errcode"] == 41001


def test_expire_tokens_makes_every_token_answer_42001(fake: FakeWeChatServer, base: str,
                                                      token: str) -> None:
    stable_token = stable(base)["access_token"]
    fake.expire_tokens()
    assert call(base, "/cgi-bin/tags/get", token)["errcode"] == 42001
    assert call(base, "/cgi-bin/tags/get", stable_token)["errcode"] == 42001
    assert "errcode" not in call(base, "/cgi-bin/tags/get", get_token(base)["access_token"])
    renewed = stable(base)["access_token"]
    assert renewed != stable_token
    assert "errcode" not in call(base, "/cgi-bin/tags/get", renewed)


def test_stable_token_normal_mode_returns_the_same_token(fake: FakeWeChatServer,
                                                         base: str) -> None:
    first = stable(base)
    fake.advance(1000)
    again = stable(base)
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 7200 - 1000
    # The classic endpoint is isolated: fetching there does not touch the stable token.
    get_token(base)
    fake.advance(600)
    assert "errcode" not in call(base, "/cgi-bin/tags/get", first["access_token"])
    assert fake.stable_token_calls == {"normal": 2, "force": 0}


def test_stable_token_force_refresh_keeps_the_old_token_five_minutes(
        fake: FakeWeChatServer, base: str) -> None:
    old = stable(base)["access_token"]
    new = stable(base, force=True)["access_token"]
    assert new != old
    assert stable(base)["access_token"] == new
    fake.advance(299)
    assert "errcode" not in call(base, "/cgi-bin/tags/get", old)
    fake.advance(1)
    assert call(base, "/cgi-bin/tags/get", old)["errcode"] == 40001
    assert fake.stable_token_calls == {"normal": 2, "force": 1}


def test_stable_token_is_renewed_in_its_last_five_minutes(fake: FakeWeChatServer,
                                                          base: str) -> None:
    old = stable(base)["access_token"]
    fake.advance(7200 - 300)
    renewed = stable(base)
    assert renewed["access_token"] != old and renewed["expires_in"] == 7200
    fake.advance(299)
    assert "errcode" not in call(base, "/cgi-bin/tags/get", old)
    fake.advance(1)
    assert call(base, "/cgi-bin/tags/get", old)["errcode"] == 42001


def test_stable_token_rejects_bad_json_and_caps_force_refresh(base: str) -> None:
    bad = requests.post(f"{base}/cgi-bin/stable_token", data="{not json", timeout=5).json()
    assert bad == {"errcode": 47001, "errmsg": "data format error"}
    answers = [stable(base, force=True) for _ in range(21)]
    assert all("access_token" in a for a in answers[:20])
    assert answers[20]["errcode"] == 45009


# --- customer-service messages ----------------------------------------------

def test_message_window_allows_five_sends_in_48_hours(fake: FakeWeChatServer, base: str,
                                                      token: str) -> None:
    fake.record_interaction("elder-1", "message")
    answers = [call(base, CUSTOM, token, text("elder-1", f"m{i}")) for i in range(6)]
    assert answers[:5] == [{"errcode": 0, "errmsg": "ok"}] * 5
    assert answers[5] == {"errcode": 45047, "errmsg": "out of response count limit"}
    assert [m["payload"]["text"]["content"] for m in fake.sent("elder-1")] == [
        "m0", "m1", "m2", "m3", "m4"]


def test_message_window_closes_after_48_hours_and_reopens_on_a_new_message(
        fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.record_interaction("elder-1", "message")
    for _ in range(5):
        call(base, CUSTOM, token, text("elder-1"))
    fake.advance(48 * HOUR - 1)
    token = get_token(base)["access_token"]  # the first one ran out long ago
    assert call(base, CUSTOM, token, text("elder-1"))["errcode"] == 45047
    fake.advance(1)
    assert call(base, CUSTOM, token, text("elder-1")) == {
        "errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
    fake.record_interaction("elder-1", "message")
    assert [call(base, CUSTOM, token, text("elder-1"))["errcode"] for _ in range(6)] == [
        0, 0, 0, 0, 0, 45047]


def test_new_message_gives_a_fresh_count_inside_an_open_window(
        fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.record_interaction("elder-1", "message")
    for _ in range(5):
        call(base, CUSTOM, token, text("elder-1"))
    fake.advance(HOUR)
    fake.record_interaction("elder-1", "message")
    assert [call(base, CUSTOM, token, text("elder-1"))["errcode"] for _ in range(6)] == [
        0, 0, 0, 0, 0, 45047]


@pytest.mark.parametrize("kind", ["click", "subscribe", "scan"])
def test_events_allow_three_sends_within_a_minute(fake: FakeWeChatServer, base: str,
                                                  token: str, kind: str) -> None:
    fake.record_interaction("elder-2", kind)
    assert [call(base, CUSTOM, token, text("elder-2"))["errcode"] for _ in range(4)] == [
        0, 0, 0, 45047]
    fake.record_interaction("elder-2", kind)
    fake.advance(59)
    assert call(base, CUSTOM, token, text("elder-2"))["errcode"] == 0
    fake.advance(1)
    assert call(base, CUSTOM, token, text("elder-2"))["errcode"] == 45015


def test_click_quota_is_separate_from_the_message_quota(fake: FakeWeChatServer, base: str,
                                                        token: str) -> None:
    fake.record_interaction("elder-3", "message")
    fake.record_interaction("elder-3", "click")
    codes = [call(base, CUSTOM, token, text("elder-3"))["errcode"] for _ in range(9)]
    assert codes == [0] * 8 + [45047]


def test_interaction_at_a_past_time_counts_from_then(fake: FakeWeChatServer, base: str,
                                                     token: str) -> None:
    fake.record_interaction("elder-4", "click", at=T0 - 61)
    assert call(base, CUSTOM, token, text("elder-4"))["errcode"] == 45015


def test_non_followers_get_43004(fake: FakeWeChatServer, base: str, token: str) -> None:
    assert call(base, CUSTOM, token, text("stranger")) == {"errcode": 43004,
                                                           "errmsg": "require subscribe"}
    fake.record_interaction("elder-5", "message")
    fake.unfollow("elder-5")
    assert call(base, CUSTOM, token, text("elder-5"))["errcode"] == 43004
    fake.follow("elder-5")
    # Following again opens no window: only an interaction does.
    assert call(base, CUSTOM, token, text("elder-5"))["errcode"] == 45015


def test_auto_follow_makes_anyone_a_follower_but_windows_still_apply(
        fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.configure(auto_follow=True)
    assert call(base, CUSTOM, token, text("anyone"))["errcode"] == 45015
    assert call(base, "/cgi-bin/user/info", token, openid="anyone")["subscribe"] == 1
    fake.unfollow("anyone")
    assert call(base, CUSTOM, token, text("anyone"))["errcode"] == 43004


def test_bad_requests_get_wechat_errcodes(fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.record_interaction("elder-6", "message")
    url = f"{base}{CUSTOM}?access_token={token}"
    assert requests.post(url, data="{oops", timeout=5).json()["errcode"] == 47001
    assert requests.post(url, data="[1, 2]", timeout=5).json()["errcode"] == 47001
    assert call(base, CUSTOM, token, {"touser": "elder-6", "msgtype": "fax", "fax": {}})[
        "errcode"] == 40008
    assert call(base, CUSTOM, token, text("elder-6", "  "))["errcode"] == 44004
    assert call(base, CUSTOM, token, text(""))["errcode"] == 40003
    assert requests.get(url, timeout=5).json() == {"errcode": 43002,
                                                   "errmsg": "require POST method"}
    assert fake.sent() == []


def test_concurrent_sends_never_exceed_the_quota(fake: FakeWeChatServer, base: str,
                                                 token: str) -> None:
    fake.record_interaction("elder-7", "message")
    codes: list[int] = []

    def send() -> None:
        codes.append(call(base, CUSTOM, token, text("elder-7"))["errcode"])

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [0] * 5 + [45047] * 15
    assert len(fake.sent("elder-7", "custom")) == 5


# --- template messages -------------------------------------------------------

def template(touser: str, client_msg_id: str | None = None, **values: str) -> dict[str, Any]:
    body: dict[str, Any] = {"touser": touser, "template_id": TEMPLATE,
                            "url": "https://example.org/h5/task/1",
                            "data": {k: {"value": v} for k, v in values.items()}}
    if client_msg_id:
        body["client_msg_id"] = client_msg_id
    return body


def test_untyped_template_values_are_cut_at_20_characters(fake: FakeWeChatServer, base: str,
                                                          token: str) -> None:
    fake.follow("family-1")
    long_value = "张大爷需要陪同去镇卫生院复查血压并取药，预计上午九点出发"
    answer = call(base, TEMPLATE_SEND, token, template(
        "family-1", keyword1=long_value, time2="2025-06-16 09:00", first="hidden",
        remark="hidden"))
    assert answer["errcode"] == 0 and isinstance(answer["msgid"], int)
    [sent] = fake.sent("family-1", "template")
    assert sent["msgid"] == answer["msgid"]
    assert sent["payload"]["data"] == {"keyword1": {"value": long_value[:20] + "…"},
                                       "time2": {"value": "2025-06-16 09:00"}}
    assert fake.events()[-1]["Event"] == "TEMPLATESENDJOBFINISH"


@pytest.mark.parametrize("key,value", [
    ("thing1", "张大爷需要陪同去镇卫生院复查血压并取药，预计上午九点出发"),
    ("time2", "08:00-12:0"), ("time2", "12月2日(周三) 08:00-12:00"), ("phrase3", "正在配送中呢"),
    ("character_string4", "求助三号"), ("phone_number5", "电话13912345678"), ("number6", "#3"),
    ("name7", "欧阳诸葛司马上官慕容长孙"),
])
def test_a_value_its_keyword_type_refuses_is_47003(fake: FakeWeChatServer, base: str, token: str,
                                                   key: str, value: str) -> None:
    fake.follow("family-1")
    answer = call(base, TEMPLATE_SEND, token, template("family-1", **{key: value}))
    assert answer["errcode"] == 47003 and f"data.{key}.value invalid" in answer["errmsg"]
    assert fake.sent("family-1", "template") == []


def test_typed_values_that_fit_are_shown_as_sent(fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.follow("family-1")
    values = {"thing1": "有紧急情况，详情请回复任意字查看", "time2": "2026年12月2日 08:00~12:00",
              "phone_number3": "13912345678", "number4": "3", "name5": "张奶奶", "phrase6": "配送中",
              "date7": "2026年12月2日", "amount8": "¥6.00"}
    assert call(base, TEMPLATE_SEND, token, template("family-1", **values))["errcode"] == 0
    [sent] = fake.sent("family-1", "template")
    assert {k: v["value"] for k, v in sent["payload"]["data"].items()} == values


def test_template_client_msg_id_is_deduplicated_for_ten_minutes(
        fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.follow("family-1")
    fake.follow("family-2")
    first = call(base, TEMPLATE_SEND, token, template("family-1", "task-1", thing1="a"))
    fake.advance(599)
    again = call(base, TEMPLATE_SEND, token, template("family-1", "task-1", thing1="a"))
    other_user = call(base, TEMPLATE_SEND, token, template("family-2", "task-1", thing1="a"))
    assert again["msgid"] == first["msgid"] and other_user["msgid"] != first["msgid"]
    assert len(fake.sent("family-1")) == 1
    fake.advance(1)
    later = call(base, TEMPLATE_SEND, token, template("family-1", "task-1", thing1="a"))
    assert later["msgid"] != first["msgid"] and len(fake.sent("family-1")) == 2


def test_template_errors(fake: FakeWeChatServer, base: str, token: str) -> None:
    body = template("family-3", thing1="x")
    assert call(base, TEMPLATE_SEND, token, body)["errcode"] == 43004
    fake.follow("family-3")
    body["template_id"] = "TPL_UNKNOWN"
    assert call(base, TEMPLATE_SEND, token, body) == {"errcode": 40037,
                                                      "errmsg": "invalid template_id"}
    body["template_id"] = TEMPLATE
    body["data"] = {"thing1": "not an object"}
    assert call(base, TEMPLATE_SEND, token, body)["errcode"] == 47001


# --- mass send ---------------------------------------------------------------

def mass_text(content: str, clientmsgid: str | None = None, **target: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"msgtype": "text", "text": {"content": content}, **target}
    if clientmsgid is not None:
        body["clientmsgid"] = clientmsgid
    return body


def test_mass_sendall_by_tag_and_to_all(fake: FakeWeChatServer, base: str, token: str) -> None:
    for openid in ("v1", "v2", "e1"):
        fake.follow(openid)
    tag_id = call(base, "/cgi-bin/tags/create", token, {"tag": {"name": "volunteers"}})["tag"]["id"]
    call(base, "/cgi-bin/tags/members/batchtagging", token,
         {"openid_list": ["v1", "v2"], "tagid": tag_id})
    by_tag = {"is_to_all": False, "tag_id": tag_id}
    answer = call(base, SENDALL, token, mass_text("meeting tonight", "c-1", filter=by_tag))
    assert answer["errcode"] == 0 and answer["errmsg"] == "send job submission success"
    assert {"msg_id", "msg_data_id"} <= answer.keys()
    assert [m["touser"] for m in fake.sent(channel="mass")] == ["v1", "v2"]
    call(base, SENDALL, token, mass_text("to all", "c-2", filter={"is_to_all": True}))
    assert [m["touser"] for m in fake.sent(channel="mass")][2:] == ["v1", "v2", "e1"]
    event = fake.events()[-1]
    assert event["Event"] == "MASSSENDJOBFINISH" and event["SentCount"] == 3
    assert call(base, SENDALL, token, mass_text("x", filter={"tag_id": 999}))["errcode"] == 45159


def test_mass_send_needs_two_to_ten_thousand_openids(fake: FakeWeChatServer, base: str,
                                                     token: str) -> None:
    fake.follow("a")
    assert call(base, MASS_SEND, token, mass_text("x", touser=["a"])) == {
        "errcode": 40130, "errmsg": "invalid openid list size"}
    too_many = [f"o{i}" for i in range(10_001)]
    assert call(base, MASS_SEND, token, mass_text("x", touser=too_many))["errcode"] == 40130
    fake.follow("b")
    assert call(base, MASS_SEND, token, mass_text("x", touser=["a", "b", "stranger"]))[
        "errcode"] == 0
    assert [m["touser"] for m in fake.sent(channel="mass")] == ["a", "b"]


def test_mass_clientmsgid_is_deduplicated_for_24_hours(fake: FakeWeChatServer, base: str,
                                                       token: str) -> None:
    fake.follow("a")
    fake.follow("b")
    first = call(base, MASS_SEND, token, mass_text("x", "job-1", touser=["a", "b"]))
    fake.advance(DAY - 1)
    token = get_token(base)["access_token"]
    dup = call(base, MASS_SEND, token, mass_text("different", "job-1", touser=["a", "b"]))
    assert dup == {"errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": first["msg_id"]}
    fake.advance(1)
    assert call(base, MASS_SEND, token, mass_text("x", "job-1", touser=["a", "b"]))[
        "errcode"] == 0
    long_id = "x" * 65
    assert call(base, MASS_SEND, token, mass_text("x", long_id, touser=["a", "b"]))[
        "errcode"] == 45067


def test_mass_without_clientmsgid_dedups_on_scope_and_content(
        fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.follow("a")
    fake.follow("b")
    assert call(base, MASS_SEND, token, mass_text("same", touser=["a", "b"]))["errcode"] == 0
    assert call(base, MASS_SEND, token, mass_text("same", touser=["b", "a"]))["errcode"] == 45065
    assert call(base, MASS_SEND, token, mass_text("other", touser=["a", "b"]))["errcode"] == 0


def test_each_user_gets_at_most_four_mass_messages_a_month(
        fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.follow("a")
    fake.follow("b")
    for i in range(5):
        answer = call(base, MASS_SEND, token, mass_text(f"news {i}", f"m{i}", touser=["a", "b"]))
        assert answer["errcode"] == 0
    assert len(fake.sent("a", "mass")) == 4
    assert fake.events()[-1]["FilterCount"] == 0
    # Previews do not count towards the cap.
    assert call(base, PREVIEW, token, mass_text("preview", touser="a"))["errmsg"] == \
        "preview success"
    assert len(fake.sent("a", "preview")) == 1
    fake.advance(20 * DAY)  # into July (Beijing time)
    token = get_token(base)["access_token"]
    call(base, MASS_SEND, token, mass_text("july", "m-july", touser=["a", "b"]))
    assert len(fake.sent("a", "mass")) == 5


# --- users, tags, menu, QR codes ------------------------------------------------

def test_user_info(fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.follow("elder-8", qr_scene_str="village-3", unionid="union-8")
    info = call(base, "/cgi-bin/user/info", token, openid="elder-8", lang="zh_CN")
    assert info["subscribe"] == 1 and info["subscribe_time"] == T0
    assert info["unionid"] == "union-8" and info["qr_scene_str"] == "village-3"
    assert info["subscribe_scene"] == "ADD_SCENE_QR_CODE" and info["tagid_list"] == []
    assert call(base, "/cgi-bin/user/info", token, openid="nobody") == {"subscribe": 0,
                                                                       "openid": "nobody"}


def test_tags(fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.follow("e1")
    created = call(base, "/cgi-bin/tags/create", token, {"tag": {"name": "elders"}})
    tag_id = created["tag"]["id"]
    assert created == {"tag": {"id": tag_id, "name": "elders"}}
    assert call(base, "/cgi-bin/tags/create", token, {"tag": {"name": "elders"}})[
        "errcode"] == 45157
    assert call(base, "/cgi-bin/tags/members/batchtagging", token,
                {"openid_list": ["e1"], "tagid": tag_id}) == {"errcode": 0, "errmsg": "ok"}
    assert call(base, "/cgi-bin/tags/get", token) == {
        "tags": [{"id": tag_id, "name": "elders", "count": 1}]}
    assert call(base, "/cgi-bin/tags/getidlist", token, {"openid": "e1"}) == {
        "tagid_list": [tag_id]}
    assert call(base, "/cgi-bin/user/info", token, openid="e1")["tagid_list"] == [tag_id]
    many = [f"o{i}" for i in range(51)]
    assert call(base, "/cgi-bin/tags/members/batchtagging", token,
                {"openid_list": many, "tagid": tag_id})["errcode"] == 40032
    assert call(base, "/cgi-bin/tags/members/batchtagging", token,
                {"openid_list": ["e1"], "tagid": 12345})["errcode"] == 45159
    assert call(base, "/cgi-bin/tags/members/batchtagging", token,
                {"openid_list": ["stranger"], "tagid": tag_id})["errcode"] == 40003
    call(base, "/cgi-bin/tags/members/batchuntagging", token,
         {"openid_list": ["e1"], "tagid": tag_id})
    assert call(base, "/cgi-bin/tags/getidlist", token, {"openid": "e1"}) == {"tagid_list": []}


MENU = {"button": [
    {"type": "click", "name": "求助", "key": "HELP"},
    {"name": "服务", "sub_button": [
        {"type": "view", "name": "我的任务", "url": "https://example.org/tasks"},
        {"type": "click", "name": "签到", "key": "CHECK_IN"},
    ]},
]}


def test_menu_create_and_get(base: str, token: str) -> None:
    assert call(base, "/cgi-bin/menu/get", token)["errcode"] == 46003
    assert call(base, "/cgi-bin/menu/create", token, MENU) == {"errcode": 0, "errmsg": "ok"}
    assert call(base, "/cgi-bin/menu/get", token) == {"menu": MENU}


@pytest.mark.parametrize(("menu", "errcode"), [
    ({"button": []}, 40016),
    ({"button": [{"type": "click", "name": "a", "key": "k"}] * 4}, 40016),
    ({"button": [{"name": "a", "sub_button": [{"type": "click", "name": "s", "key": "k"}] * 6}]},
     40023),
    ({"button": [{"type": "click", "name": "a", "key": "k" * 129}]}, 40019),
    ({"button": [{"name": "a", "sub_button": [{"type": "click", "name": "s", "key": "k" * 129}]}]},
     40026),
    ({"button": [{"type": "teleport", "name": "a"}]}, 40017),
    ({"button": [{"type": "click", "name": "一二三四五六", "key": "k"}]}, 40018),
])
def test_menu_validation(base: str, token: str, menu: dict[str, Any], errcode: int) -> None:
    assert call(base, "/cgi-bin/menu/create", token, menu)["errcode"] == errcode


def test_qrcode_create(fake: FakeWeChatServer, base: str, token: str) -> None:
    temp = call(base, "/cgi-bin/qrcode/create", token, {
        "action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "bind:elder-1"}}})
    assert temp["expire_seconds"] == 60 and temp["url"].startswith("http://weixin.qq.com/q/")
    perm = call(base, "/cgi-bin/qrcode/create", token, {
        "action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 7}}})
    assert "expire_seconds" not in perm and perm["ticket"]
    assert fake.qr_tickets()[temp["ticket"]]["scene"] == "bind:elder-1"
    assert call(base, "/cgi-bin/qrcode/create", token, {
        "action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100_001}}})[
        "errcode"] == 40097
    assert call(base, "/cgi-bin/qrcode/create", token, {"action_name": "QR_WHATEVER"})[
        "errcode"] == 40097


# --- mini-program, content check, media -------------------------------------------

def jscode(base: str, code: str, secret: str = SECRET) -> dict[str, Any]:
    params = {"appid": APPID, "secret": secret, "js_code": code,
              "grant_type": "authorization_code"}
    return requests.get(f"{base}/sns/jscode2session", params=params, timeout=5).json()


def test_jscode2session_codes_are_single_use(fake: FakeWeChatServer, base: str) -> None:
    first = jscode(base, "code-alice:1")
    assert first["openid"] == fake.mini_openid("alice") and first["session_key"]
    assert "unionid" not in first
    assert jscode(base, "code-alice:1") == {"errcode": 40163, "errmsg": "code been used"}
    fake.set_unionid(fake.mini_openid("alice"), "union-alice")
    second = jscode(base, "code-alice:2")
    assert second["openid"] == first["openid"] and second["unionid"] == "union-alice"
    assert jscode(base, "code-bob")["openid"] != first["openid"]
    assert jscode(base, "garbage")["errcode"] == 40029
    assert jscode(base, "code-carol", secret="bad")["errcode"] == 40125


def test_msg_sec_check(base: str, token: str) -> None:
    body = {"content": "周末一起去赶集", "version": 2, "scene": 2, "openid": "o-mini"}
    passed = call(base, "/wxa/msg_sec_check", token, body)
    assert passed["errcode"] == 0 and passed["result"] == {"suggest": "pass", "label": 100}
    assert passed["detail"] == [] and passed["trace_id"]
    body["content"] = "有人打电话说中奖了，是诈骗吗"
    risky = call(base, "/wxa/msg_sec_check", token, body)
    assert risky["errcode"] == 0 and risky["result"] == {"suggest": "risky", "label": 20008}
    assert risky["detail"][0]["keyword"] == "诈骗"
    v1 = call(base, "/wxa/msg_sec_check", token, {"content": "赌博"})
    assert v1 == {"errcode": 87014, "errmsg": "risky content"}


def test_media_get(fake: FakeWeChatServer, base: str, token: str) -> None:
    res = requests.get(f"{base}/cgi-bin/media/get",
                       params={"access_token": token, "media_id": "media-voice-1"}, timeout=5)
    assert res.headers["Content-Type"] == "audio/amr" and res.content.startswith(b"#!AMR\n")
    fake.add_media("MEDIA42", b"RIFFxxxx", "audio/wav")
    res = requests.get(f"{base}/cgi-bin/media/get",
                       params={"access_token": token, "media_id": "MEDIA42"}, timeout=5)
    assert res.content == b"RIFFxxxx"
    assert call(base, "/cgi-bin/media/get", token, media_id="nope") == {
        "errcode": 40007, "errmsg": "invalid media_id"}


# --- fault injection and inspection --------------------------------------------

def test_fault_errcode_applies_to_the_next_calls_only(fake: FakeWeChatServer, base: str,
                                                      token: str) -> None:
    fake.inject_fault(CUSTOM, errcode=-1, times=2)
    fake.record_interaction("elder-9", "message")
    assert call(base, CUSTOM, token, text("elder-9")) == {"errcode": -1,
                                                          "errmsg": "system error"}
    assert call(base, CUSTOM, token, text("elder-9"))["errcode"] == -1
    assert call(base, CUSTOM, token, text("elder-9"))["errcode"] == 0
    fake.inject_fault("/cgi-bin/token", errcode=45009, errmsg="reach max api daily quota limit")
    assert get_token(base)["errcode"] == 45009
    assert [c["errcode"] for c in fake.calls(CUSTOM)] == [-1, -1, 0]


def test_fault_http_status(fake: FakeWeChatServer, base: str, token: str) -> None:
    fake.inject_fault("*", http_status=502)
    res = requests.get(f"{base}/cgi-bin/tags/get", params={"access_token": token}, timeout=5)
    assert res.status_code == 502
    assert fake.calls("/cgi-bin/tags/get")[0]["http_status"] == 502
    assert call(base, "/cgi-bin/tags/get", token) == {"tags": []}


def test_fault_delay_provokes_client_timeouts(fake: FakeWeChatServer, base: str,
                                              token: str) -> None:
    fake.inject_fault("/cgi-bin/tags/get", delay=0.3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{base}/cgi-bin/tags/get", params={"access_token": token}, timeout=0.1)
    fake.inject_fault("/cgi-bin/tags/get", delay=0.2, errcode=-1)
    started = time.monotonic()
    assert call(base, "/cgi-bin/tags/get", token)["errcode"] == -1
    assert time.monotonic() - started >= 0.2


def test_calls_record_path_body_and_errcode(fake: FakeWeChatServer, base: str,
                                            token: str) -> None:
    call(base, CUSTOM, token, text("stranger", "hello"))
    [record] = fake.calls(CUSTOM)
    assert record["body"] == text("stranger", "hello")
    assert record["errcode"] == 43004 and record["query"]["access_token"] == token
    assert len(fake.calls()) == 2  # the token fetch plus the send


# --- HTTP control surface -----------------------------------------------------------

def test_http_control_surface(fake: FakeWeChatServer, base: str, token: str) -> None:
    ctl = f"{base}/_fake"
    assert requests.post(f"{ctl}/clock", json={"now": T0 + 10}, timeout=5).json()["now"] == T0 + 10
    assert requests.post(f"{ctl}/clock", json={"advance": 5}, timeout=5).json()["now"] == T0 + 15
    requests.post(f"{ctl}/interaction", json={"openid": "h1", "kind": "message"}, timeout=5)
    assert call(base, CUSTOM, token, text("h1", "from http"))["errcode"] == 0
    sent = requests.get(f"{ctl}/sent", params={"openid": "h1", "channel": "custom"},
                        timeout=5).json()
    assert [m["payload"]["text"]["content"] for m in sent] == ["from http"]
    requests.post(f"{ctl}/unfollow", json={"openid": "h1"}, timeout=5)
    assert call(base, CUSTOM, token, text("h1"))["errcode"] == 43004
    requests.post(f"{ctl}/follow", json={"openid": "h2"}, timeout=5)
    assert call(base, "/cgi-bin/user/info", token, openid="h2")["subscribe"] == 1
    requests.post(f"{ctl}/fault", json={"path": "/cgi-bin/user/info", "errcode": -1}, timeout=5)
    assert call(base, "/cgi-bin/user/info", token, openid="h2")["errcode"] == -1
    calls = requests.get(f"{ctl}/calls", params={"path": "/cgi-bin/user/info"}, timeout=5).json()
    assert [c["errcode"] for c in calls] == [0, -1]
    requests.post(f"{ctl}/expire_tokens", timeout=5)
    assert call(base, "/cgi-bin/tags/get", token)["errcode"] == 42001
    stats = requests.get(f"{ctl}/stats", timeout=5).json()
    assert stats["token_fetches"] == 1 and stats["stable_token_calls"] == {"normal": 0, "force": 0}
    bad = requests.post(f"{ctl}/interaction", json={"openid": "h1", "kind": "wave"}, timeout=5)
    assert bad.status_code == 400
    assert "Fake WeChat sandbox" in requests.get(f"{ctl}/", timeout=5).text
    requests.post(f"{ctl}/reset", timeout=5)
    assert requests.get(f"{ctl}/sent", timeout=5).json() == []
    assert fake.token_fetches == 0


def test_http_config_and_events(fake: FakeWeChatServer, base: str, token: str) -> None:
    ctl = f"{base}/_fake"
    requests.post(f"{ctl}/config", json={"banned_words": ["spam"], "auto_follow": True},
                  timeout=5)
    body = {"content": "buy spam", "version": 2, "scene": 1, "openid": "o"}
    assert call(base, "/wxa/msg_sec_check", token, body)["result"]["suggest"] == "risky"
    call(base, MASS_SEND, token, mass_text("hello", "e-1", touser=["x", "y"]))
    events = requests.get(f"{ctl}/events", timeout=5).json()
    assert events[-1]["SentCount"] == 2
    fake.reset()
    assert fake.auto_follow is False and fake.stats()["banned_words"] == ["诈骗", "赌博"]


# --- wechatpy against the fake ------------------------------------------------------

def wechatpy_client(base: str, token: str | None = None) -> Any:
    from wechatpy.client import WeChatClient

    client = WeChatClient(APPID, SECRET, access_token=token)
    client.API_BASE_URL = base + "/cgi-bin/"

    # wechatpy 1.8.18 hard-codes https://api.weixin.qq.com/cgi-bin/token for the fetch.
    def fetch_access_token() -> dict[str, Any]:
        return client._fetch_access_token(url=base + "/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": APPID, "secret": SECRET})

    client.fetch_access_token = fetch_access_token
    return client


def test_wechatpy_client_sends_through_the_fake(fake: FakeWeChatServer, base: str,
                                                token: str) -> None:
    from wechatpy.exceptions import WeChatClientException

    client = wechatpy_client(base, token)
    fake.record_interaction("elder-10", "message")
    assert client.message.send_text("elder-10", "您好，志愿者小王十分钟后到")["errcode"] == 0
    assert fake.sent("elder-10")[0]["payload"]["text"]["content"] == "您好，志愿者小王十分钟后到"
    with pytest.raises(WeChatClientException) as caught:
        client.message.send_text("elder-11", "hello")
    assert caught.value.errcode == 43004


def test_wechatpy_refetches_after_42001(fake: FakeWeChatServer, base: str, token: str) -> None:
    client = wechatpy_client(base, token)
    fake.record_interaction("elder-12", "message")
    fake.expire_tokens()
    assert client.message.send_text("elder-12", "hi")["errcode"] == 0
    assert fake.token_fetches == 2
    assert [c["errcode"] for c in fake.calls(CUSTOM)] == [42001, 0]
