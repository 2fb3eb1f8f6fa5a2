"""Personal information rights through the signed webhook: consent at registration and its withdrawal,
导出我的信息 and the download link, 注销, 谁看过我的信息, the privacy notice."""
from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from models.help import dispatch
from models.help import requests as hr
from models.people.membership import ElderProfile
from models.people.users import User
from models.privacy import access, consent
from tests.fakes import pushes
from tests.fakes.dialogue import build_town

ELDER, FAMILY, ADMIN = "demo-elder-1", "demo-family-1", "demo-admin"
VOLUNTEERS = [f"demo-volunteer-{i}" for i in range(1, 6)]
BASE = "https://linli.example.org"


@pytest.fixture
def town(make_app, signer, clock, fake_wechat):
    say = build_town(make_app, signer, clock, fake_wechat, privacy__public_base_url=BASE)
    for openid in [ELDER, FAMILY, ADMIN, *VOLUNTEERS]:
        say(openid, "你好")
    return say


def person(rt, openid) -> User:
    with Session(rt.engine) as session:
        return session.exec(select(User).where(User.openid == openid)).one()


def ask_and_claim(town, openid) -> tuple[int, str]:
    """The person asks for an errand; the first volunteer offered claims it; returns (number, their details)."""
    assert "回复1确认" in town(openid, "明天上午想找人帮我去镇上买降压药")
    assert "已发出求助" in town(openid, "1")
    with Session(town.rt.engine) as session:
        request = session.exec(select(hr.HelpRequest).order_by(hr.HelpRequest.id.desc())).first()
        offer = session.exec(select(dispatch.TaskOffer).where(dispatch.TaskOffer.request_id == request.id)).first()
        helper = session.get(User, offer.volunteer_id).openid
    assert "接单成功" in town(helper, f"接单 {request.id}")
    town.deliver()
    return request.id, town.inbox(helper)[-1]


def register_self(town, openid="oldman", consent_answer="1", partner_answer="2"):
    town(openid, pushes.event(openid, "subscribe", key="qrscene_village_demo", Ticket="T"))
    for says, wanted in [("登记老人", "什么人"), ("1", "名字"), ("刘大爷", "岁数"), ("81", "家住哪里"),
                         ("南街5号", "电话"), ("13512345678", "一个人住吗"),
                         ("1", ["身体情况", "只为让来帮忙的志愿者注意安全", "不同意也一样能用"])]:
        reply = town(openid, says)
        for fragment in [wanted] if isinstance(wanted, str) else wanted:
            assert fragment in reply, (says, reply)
    if consent_answer == "1":
        assert "身体有什么要注意" in town(openid, "1")
        reply = town(openid, "高血压，走路要扶")
    else:
        reply = town(openid, "2")  # no consent: the health question is not asked
    for fragment in ["合作机构", "乡镇卫生院", "不同意也一样能用"]:  # its own question, after the health ones
        assert fragment in reply
    reply = town(openid, partner_answer)
    assert "紧急联系人" in reply
    reply = town(openid, "儿子刘强 13612345678")
    assert "同意并提交" in reply
    assert "登记好了" in town(openid, "1")
    return reply


# --- consent ------------------------------------------------------------------------------------------------

def test_registration_asks_the_health_consent_on_its_own_and_records_each_answer(town):
    read_back = register_self(town, consent_answer="2")
    assert "身体情况：不记录" in read_back
    elder = person(town.rt, "oldman")
    with Session(town.rt.engine) as session:
        assert consent.allows(session, elder.id, consent.SERVICE)
        assert not consent.allows(session, elder.id, consent.HEALTH_NOTES)
        [declined] = [c for c in consent.history(session, elder.id) if c.purpose == consent.HEALTH_NOTES]
        assert declined.granted is False and declined.given_by_user_id == elder.id
        assert session.exec(select(ElderProfile).where(ElderProfile.user_id == elder.id)).one().health_notes == ""


def test_withdrawn_health_consent_means_the_next_claim_winner_gets_no_notes(town):
    register_self(town)
    _, details = ask_and_claim(town, "oldman")
    assert "高血压,走路要扶" in details
    listing = town("oldman", "撤回同意")
    assert "1 您：互助服务" in listing and "2 您：记录身体情况" in listing
    assert "注销" in town("oldman", "撤回同意 1")  # withdrawing the service itself is cancelling
    assert "已撤回您的“记录身体情况”同意" in town("oldman", "撤回同意 2")
    town.clock.advance(minutes=5)
    _, details = ask_and_claim(town, "oldman")
    assert "高血压" not in details and "注意事项：无" in details
    elder_id = person(town.rt, "oldman").id
    with Session(town.rt.engine) as session:
        profile = session.exec(select(ElderProfile).where(ElderProfile.user_id == elder_id)).one()
        assert profile.health_notes == ""  # withdrawn: deleted, not just hidden
    assert "没有可以撤回" in town("demo-volunteer-1", "撤回同意")


# --- export -------------------------------------------------------------------------------------------------

def download(town, url: str):
    path = url.removeprefix(BASE)
    return town.app.test_client().get(path)


def export_link(reply: str) -> str:
    return re.search(re.escape(BASE) + r"/privacy/export/[\w.\-]+", reply).group()


def test_export_my_information_is_a_summary_and_a_download_link_valid_for_a_day(town):
    register_self(town)
    reply = town("oldman", "导出我的信息")
    assert "【刘大爷的信息】" in reply and "13512345678" in reply and "南街5号" in reply and "高血压" in reply
    assert "同意记录：3条" in reply and "24小时内有效" in reply
    assert "通知" not in reply.split("\n")[0]  # no longer the notices list
    url = export_link(reply)
    response = download(town, url)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["name"] == "刘大爷" and data["profile"]["elder"]["address"] == "南街5号"
    assert {c["purpose"] for c in data["consents"]} == {"service", "health_notes", "partner_sharing"}
    assert set(data) >= {"bindings", "requests", "visits", "ratings", "timebank", "checkins", "consents"}
    csv_response = download(town, url + "?format=csv")
    assert csv_response.mimetype == "text/csv" and "南街5号" in csv_response.get_data(as_text=True)
    assert download(town, url[:-3] + "xyz").status_code == 404  # altered
    town.clock.advance(hours=24, seconds=1)
    expired = download(town, url)
    assert expired.status_code == 404 and "已过期" in expired.get_data(as_text=True)


def test_a_bound_family_member_exports_for_the_elder_and_the_elder_is_told(town):
    reply = town(FAMILY, "导出我的信息")
    assert "【王建国的信息】" in reply and "导出老人信息 序号" in reply and "1 王秀英" in reply
    reply = town(FAMILY, "导出老人信息 1")
    assert "【王秀英的信息】" in reply and "示范村东头12号" in reply
    data = json.loads(download(town, export_link(reply)).get_data(as_text=True))
    assert data["profile"]["name"] == "王秀英"
    [told] = town.rows(kind="privacy_export", openid=ELDER)
    assert "王建国（您的儿子）导出了您" in told.text
    assert "没找到这位老人" in town("demo-volunteer-1", "导出老人信息 1")
    elder_id, family_id = person(town.rt, ELDER).id, person(town.rt, FAMILY).id
    with Session(town.rt.engine) as session:
        [entry] = access.accesses_of(session, elder_id)
        assert entry.reason == "export" and entry.viewer_id == family_id


# --- who looked ---------------------------------------------------------------------------------------------

def test_who_saw_my_information_lists_the_claim_winner_for_the_elder_and_the_family(town):
    assert "还没有被别人查看过" in town(ELDER, "谁看过我的信息")
    number, _ = ask_and_claim(town, ELDER)
    with Session(town.rt.engine) as session:
        helper = session.get(User, session.get(hr.HelpRequest, number).volunteer_id).name
    reply = town(ELDER, "谁看过我的信息")
    assert f"志愿者{helper}：接单上门（求助 #{number}），看了联系方式和住址" in reply
    family_view = town(FAMILY, "谁看过我的信息")
    assert "王秀英的信息被查看记录" in family_view and helper in family_view
    town(ADMIN, "核实")  # nothing pending: nothing shown, nothing logged
    assert "管理员" not in town(ELDER, "谁看过我的信息")


# --- cancellation -----------------------------------------------------------------------------------------------

def test_cancelling_an_account_reads_back_then_erases_and_tells_everyone_concerned(town):
    elder = person(town.rt, ELDER)
    number, _ = ask_and_claim(town, ELDER)
    url = export_link(town(ELDER, "导出我的信息"))
    reply = town(ELDER, "注销")
    assert "马上删除" in reply and "回复1 确认注销" in reply
    assert "没有注销" in town(ELDER, "2")
    assert person(town.rt, ELDER).name == "王秀英"
    town(ELDER, "注销")
    assert "已注销" in town(ELDER, "1")
    town.deliver()
    with Session(town.rt.engine) as session:
        request = session.get(hr.HelpRequest, number)
        helper = session.get(User, request.volunteer_id)
        assert request.status == hr.CANCELLED and request.details == ""
        gone = session.get(User, elder.id)
        assert gone.name == "" and gone.phone == "" and gone.openid.startswith("erased-")
    assert "已被取消" in town.inbox(helper.openid)[-1]
    assert "王秀英已注销" in town.inbox(FAMILY)[-1]
    assert any("【账号注销】王秀英" in text for text in town.inbox(ADMIN))
    roll = town(ADMIN, "老人名单")
    assert "王秀英" not in roll and "李德福" in roll
    after = json.loads(download(town, url).get_data(as_text=True))  # the old link: nothing personal
    assert after["erased"] is True and "王秀英" not in json.dumps(after, ensure_ascii=False)
    # The same WeChat account writing again is a newcomer with nothing on file.
    fresh = town(ELDER, "导出我的信息")
    assert "王秀英" not in fresh and "示范村东头12号" not in fresh


def test_a_confirmation_long_after_the_read_back_cancels_nothing(town):
    town("demo-volunteer-2", "注销")
    town.clock.advance(minutes=31)
    assert "已过时" in town("demo-volunteer-2", "确认注销")
    assert "已注销" not in town("demo-volunteer-2", "1")
    assert person(town.rt, "demo-volunteer-2").name == "刘美华"


# --- the notice -----------------------------------------------------------------------------------------------------

def test_the_privacy_notice_is_public_and_linked_from_the_welcome(town):
    page = town.app.test_client().get("/privacy")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "邻里互助隐私政策" in text and "15个工作日" in text and "14天" in text
    welcome = town("newcomer", pushes.event("newcomer", "subscribe"))
    assert f"{BASE}/privacy" in welcome
    assert f"{BASE}/privacy" in town("newcomer", "隐私政策")
