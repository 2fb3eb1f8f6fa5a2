"""Each consent's effect through the signed webhook: partner_sharing (a partner organisation's volunteer
gets the contact card only while it stands) and publication (a success story names the elder only with
it)."""
from __future__ import annotations

from sqlmodel import Session, select

from models.help import requests as hr
from tests.test_privacy_chat import ADMIN, register_self, town

__all__ = ["town"]  # the fixture
PARTNER = "demo-volunteer-4"  # 杨丽, 乡镇卫生院


def ask(town, openid="oldman") -> int:
    assert "回复1确认" in town(openid, "明天上午想找人帮我去镇上买降压药")
    assert "已发出求助" in town(openid, "1")
    with Session(town.rt.engine) as session:
        return session.exec(select(hr.HelpRequest).order_by(hr.HelpRequest.id.desc())).first().id


def assigned_to_partner(town, number: int) -> str:
    assert "派" in town(ADMIN, f"派单 {number} 杨丽")
    town.deliver()
    return town.inbox(PARTNER)[-1]


def test_withdrawn_partner_sharing_means_a_partner_volunteer_gets_no_contact_card(town):
    read_back = register_self(town, partner_answer="1")
    assert "合作机构：同意" in read_back
    details = assigned_to_partner(town, ask(town))
    assert "13512345678" in details and "高血压" in details and "刘大爷" in details
    listing = town("oldman", "撤回同意")
    assert "3 您：分享给合作机构" in listing
    assert "已撤回您的“分享给合作机构”同意" in town("oldman", "撤回同意 3")
    town.clock.advance(minutes=5)
    number = ask(town)
    details = assigned_to_partner(town, number)
    assert f"接单成功 #{number}" in details and "管理员会联系您" in details
    assert "13512345678" not in details and "南街5号" not in details and "高血压" not in details
    assert "刘大爷" not in details
    told = town.inbox(ADMIN)[-3:]
    assert any(f"求助 #{number}" in text and "乡镇卫生院" in text and "请转告" in text for text in told), told
    accesses = town("oldman", "谁看过我的信息")
    assert accesses.count("杨丽") == 2  # the first claim: contact and notes; none for the withheld one


def test_an_elder_who_declined_partner_sharing_is_never_shown_to_a_partner(town):
    read_back = register_self(town, consent_answer="2", partner_answer="2")
    assert "合作机构：不直接告诉" in read_back
    details = assigned_to_partner(town, ask(town))
    assert "13512345678" not in details and "管理员会联系您" in details
