"""Each consent's effect through the signed webhook: partner_sharing (a partner organisation's volunteer
gets the contact card only while it stands) and publication (a success story names the elder only with
it)."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.db import session_scope
from app.jobs import registry as jobs
from models.help import dispatch, visits
from models.help import requests as hr
from models.notices.broadcasts import Broadcast
from models.people.users import User
from tests.test_privacy_chat import ADMIN, ELDER, FAMILY, register_self, town

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


# --- publication ----------------------------------------------------------------------------------------------

def rated_visit(town, elder_openid=ELDER) -> int:
    """A repair visit for the elder, done and rated 5 (a story's source); returns its number."""
    with session_scope(town.rt.engine) as session:
        elder, helper, admin = (session.exec(select(User).where(User.openid == o)).one()
                                for o in (elder_openid, "demo-volunteer-1", ADMIN))
        now = town.clock()
        new = hr.NewRequest(elder=elder, requested_by=elder, category="repair", details="修屋顶",
                            window_start=now, window_end=now + timedelta(hours=4))
        request, _ = hr.create_request(session, new, source_key=f"story-{now.timestamp()}", now=now)
        visits.claim(session, request.id, helper, now=now, rules=dispatch.DispatchRules(), assigned_by=admin)
        visits.complete(session, request.id, helper, now=now, minutes=60)
        visits.rate(session, request.id, elder, 5, now=now, credit=visits.CreditRules())
        return request.id


def story_in_next_digest(town, number: int, answer: str) -> tuple[str, str]:
    """The coordinator marks a story about request `number` answering the consent question; the weekly job
    composes the digest. Returns (what the coordinator was told, the digest's text)."""
    assert "写上名字" in town(ADMIN, f"标记好人好事 {number} 张志强冒雨帮王奶奶修好了屋顶，王秀英直夸好")
    assert "回复1确认" in town(ADMIN, answer)
    saved = town(ADMIN, "1")
    assert "已记下" in saved
    town.clock.advance(days=7)
    jobs.run(town.rt, "notices.digest", town.clock())
    with Session(town.rt.engine) as session:
        digest = session.exec(select(Broadcast).where(Broadcast.topic == "digest")
                              .order_by(Broadcast.id.desc())).first()
    return saved, digest.body


def test_without_publication_consent_the_story_does_not_name_the_elder(town):
    saved, body = story_in_next_digest(town, rated_visit(town), "2")
    assert "一位老人" in saved
    assert "修好了屋顶" in body and "一位老人" in body
    assert "王奶奶" not in body and "王秀英" not in body


def test_the_elder_consents_by_chat_and_is_named_until_they_withdraw(town):
    reply = town(ELDER, "同意宣传")
    assert "周报" in reply and "不同意也没关系" in reply
    assert "同意周报的好人好事写上名字" in town(ELDER, "1")
    saved, body = story_in_next_digest(town, rated_visit(town), "2")
    assert "照原文写" in saved and "王奶奶" in body and "王秀英" in body
    listing = town(ELDER, "撤回同意")
    [line] = [row for row in listing.splitlines() if "公开感谢或故事" in row]
    assert "已撤回" in town(ELDER, f"撤回同意 {line.split()[0]}")
    _, body = story_in_next_digest(town, rated_visit(town), "2")
    assert "王奶奶" not in body and "王秀英" not in body and "一位老人" in body


def test_a_coordinators_word_records_consent_but_does_not_override_the_elders_no(town):
    saved, body = story_in_next_digest(town, rated_visit(town), "1")  # the elder agreed in person
    assert "照原文写" in saved and "王秀英" in body
    assert "告诉管理员同意" in town(ELDER, "撤回同意")  # the elder sees who recorded it
    town(ELDER, "同意宣传")
    assert "不同意" in town(ELDER, "2")
    saved, body = story_in_next_digest(town, rated_visit(town), "1")
    assert "已经表示不同意" in saved and "王秀英" not in body


def test_family_answers_for_the_elder_they_act_for(town):
    reply = town(FAMILY, "同意宣传")
    assert "王秀英" in reply  # the one elder they act for is asked about by name
    assert "王秀英同意" in town(FAMILY, "1")
    assert "儿子" in town(ELDER, "撤回同意")
    assert "不用回答" in town("demo-volunteer-2", "同意宣传")
