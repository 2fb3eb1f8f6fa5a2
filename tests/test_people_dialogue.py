"""Transcript tests of the People flows through the real webhook: volunteers, elders, family binding."""
from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.delivery import Delivery
from models.core.outbox import OutboxMessage
from models.people.membership import BindingCode, ElderProfile, contact_card
from models.people.users import FamilyLink, User, Village
from models.people.volunteers import APPROVED, PENDING, REJECTED, Volunteer
from tests.fakes import pushes
from tests.fakes.dialogue import build_bot, converse

ADMIN, ELDER, FAMILY = "demo-admin", "demo-elder-1", "demo-family-1"


@pytest.fixture
def bot(make_app, signer, clock):
    return build_bot(make_app, signer, clock)


def outbox(rt, kind, openid=None):
    with Session(rt.engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind)
        if openid:
            query = query.where(OutboxMessage.openid == openid)
        return list(session.exec(query.order_by(OutboxMessage.id)))


def user(rt, openid) -> User:
    with Session(rt.engine) as session:
        return session.exec(select(User).where(User.openid == openid)).one()


def volunteer(rt, openid) -> Volunteer | None:
    with Session(rt.engine) as session:
        found = session.exec(select(User).where(User.openid == openid)).one()
        return session.exec(select(Volunteer).where(Volunteer.user_id == found.id)).first()


def sign_up(bot, openid="newbie"):
    bot(pushes.event(openid, "subscribe", key="qrscene_village_demo", Ticket="T"))
    converse(bot, openid, [
        ("我要当志愿者", ["欢迎当志愿者", "叫什么名字"]),
        ("我叫李小红", "手机号"),
        ("138 1234-5678", "能帮什么忙"),
        ("1、3、７", "什么时候有空"),
        ("周末都行", ["姓名：李小红", "手机：13812345678", "村：示范村", "跑腿代办、陪同看病、陪伴聊天",
                     "有空：周末上午、周末下午、周末晚上\n", "同意并提交"]),
        ("1", "审核后会通知"),
    ])
    return volunteer(bot.rt, openid)


# --- volunteers --------------------------------------------------------------------------------------------

def test_volunteer_signup_is_approved_by_the_coordinator_and_the_volunteer_is_told(bot, fake_wechat):
    record = sign_up(bot)
    assert record.status == PENDING and record.consent_at is not None
    assert record.skills == ["errand", "medical", "companionship"]
    [alert] = outbox(bot.rt, "volunteer_pending")
    assert alert.openid == ADMIN and f"通过 {record.id}" in alert.text and "李小红" in alert.text
    converse(bot, ADMIN, [("审核", [f"{record.id}号 李小红 13812345678", "跑腿代办"]),
                          (f"通过 {record.id}", "已通过李小红"),
                          (f"通过 {record.id}", "已经审核过了"),
                          ("审核", "没有待审核")])
    assert volunteer(bot.rt, "newbie").status == APPROVED and user(bot.rt, "newbie").has_role("volunteer")
    [told] = outbox(bot.rt, "volunteer_review", "newbie")
    assert "已通过" in told.text
    converse(bot, "newbie", [("我要当志愿者", "已经是志愿者")])


def test_rejection_needs_a_reason_and_the_volunteer_reads_it(bot):
    record = sign_up(bot)
    converse(bot, ADMIN, [(f"拒绝 {record.id}", "请写上原因"),
                          (f"拒绝 {record.id} 电话打不通", "已拒绝李小红")])
    assert volunteer(bot.rt, "newbie").status == REJECTED
    [told] = outbox(bot.rt, "volunteer_review", "newbie")
    assert "电话打不通" in told.text and "没有通过" in told.text
    # A rejected volunteer may sign up again; the coordinator hears of it again.
    converse(bot, "newbie", [("我要当志愿者", "能帮什么忙"), ("1", "什么时候有空"), ("1", "李小红"), ("1", "审核后")])
    assert len(outbox(bot.rt, "volunteer_pending")) == 2 and volunteer(bot.rt, "newbie").status == PENDING


def test_only_coordinators_review_and_only_their_own_village(bot):
    record = sign_up(bot)
    converse(bot, ELDER, [("审核", "不能用"), (f"通过 {record.id}", "不能用")])
    with session_scope(bot.rt.engine) as session:
        other = Village(code="other", name="别的村", created_at=bot.clock())
        session.add(other)
        session.flush()
        stranger = session.exec(select(User).where(User.openid == "newbie")).one()
        stranger.village_id = other.id
    converse(bot, ADMIN, [("审核", "没有待审核"), (f"通过 {record.id}", "没找到")])
    assert volunteer(bot.rt, "newbie").status == PENDING


def test_signup_validates_the_mobile_and_the_choices(bot):
    bot(pushes.event("newbie", "subscribe", key="qrscene_village_demo", Ticket="T"))
    converse(bot, "newbie", [
        ("志愿者报名", "叫什么名字"), ("张三", "手机号"),
        ("12345", "11位手机号"), ("＋86 139-0000-1111", "能帮什么忙"),
        ("9", "1到7"), ("我会修东西和跑腿", "什么时候有空"),
        ("随便", "1到6"), ("每天晚上", ["13900001111", "跑腿代办、维修", "工作日晚上、周末晚上"]),
        ("2", ["要改哪一项", "1 姓名", "2 电话"]), ("1", "叫什么名字"),
        ("张三丰", ["张三丰", "13900001111", "跑腿代办、维修"]),
    ])


def test_volunteers_pause_resume_and_edit(bot):
    converse(bot, "demo-volunteer-1", [
        ("休息", "先休息"), ("上岗", "欢迎回来"),
        ("修改技能", "能帮什么忙"), ("2", ["送餐做饭", "同意并提交"]), ("1", "资料已更新"),
    ])
    record = volunteer(bot.rt, "demo-volunteer-1")
    assert record.on_duty and record.skills == ["meal"] and record.status == APPROVED
    converse(bot, "demo-volunteer-1", [("休息", "不给您派活")])
    assert volunteer(bot.rt, "demo-volunteer-1").on_duty is False
    assert "欢迎回来" not in bot(pushes.text(ELDER, "上岗"))  # not a volunteer: not a command for them


def test_the_signup_flow_yields_to_cancel_and_emergencies(bot):
    converse(bot, "newbie", [("我要当志愿者", "名字"), ("取消", "已取消")])
    converse(bot, "newbie", [("我要当志愿者", "名字"), ("救命 我摔倒了起不来", "120")])
    assert volunteer(bot.rt, "newbie") is None


# --- elders --------------------------------------------------------------------------------------------

def test_an_elder_registers_themself(bot):
    bot(pushes.event("oldman", "subscribe", key="qrscene_village_demo", Ticket="T"))
    converse(bot, "oldman", [
        ("登记老人", ["老人登记", "您是老人的什么人"]),
        ("1", "叫什么名字"), ("刘大爷", "多大岁数"), ("八十一岁", "家住哪里"),
        ("南街5号", "电话"), ("13512345678", "一个人住吗"), ("1", ["身体情况", "不同意也一样能用"]),
        ("1", "身体有什么要注意"), ("高血压", "合作机构"),
        ("2", "紧急联系人"), ("儿子刘强 13612345678，女儿刘芳 13712345670", [
            "刘大爷，81岁", "南街5号", "一个人住：是", "高血压", "儿子刘强 13612345678", "刘芳 13712345670",
            "只有您、您绑定的家人和村里管理员能看到", "同意并提交"]),
        ("1", "登记好了"),
    ])
    with Session(bot.rt.engine) as session:
        elder = session.exec(select(User).where(User.openid == "oldman")).one()
        profile = session.exec(select(ElderProfile).where(ElderProfile.user_id == elder.id)).one()
        assert elder.has_role("elder") and profile.consent_by_user_id == elder.id and profile.consent_relationship == ""
        assert not profile.needs_verification and profile.lives_alone and profile.age == 81
    [alert] = outbox(bot.rt, "elder_registered")
    assert alert.openid == ADMIN and "新登记老人" in alert.text


def register_mother(bot, family="daughter"):
    bot(pushes.event(family, "subscribe"))
    converse(bot, family, [
        ("登记老人", "什么人"), ("女儿", "叫什么名字"), ("张桂花", "岁数"), ("76", "哪个村"),
        ("示范村", "家住哪里"), ("西头8号", "电话"), ("没有", "一个人住"), ("2", "身体情况"),
        ("2", "合作机构"), ("2", "紧急联系人"),
        ("我 张小梅 13912345678", ["张桂花，76岁", "电话：无", "您以老人女儿的身份代老人同意"]),
        ("同意", ["已登记张桂花", "核实后会通知"]),
    ])
    with Session(bot.rt.engine) as session:
        return session.exec(select(User).where(User.name == "张桂花")).one()


def test_family_registers_an_elder_and_the_coordinator_verifies(bot):
    elder = register_mother(bot)
    with Session(bot.rt.engine) as session:
        profile = session.exec(select(ElderProfile).where(ElderProfile.user_id == elder.id)).one()
        daughter = session.exec(select(User).where(User.openid == "daughter")).one()
        assert profile.consent_by_user_id == daughter.id and profile.consent_relationship == "女儿"
        assert profile.needs_verification and daughter.has_role("family")
        link = session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder.id)).one()
        assert link.family_id == daughter.id and link.relationship == "女儿"
        assert contact_card(session, elder, daughter).address == "西头8号"
    [alert] = outbox(bot.rt, "elder_registered")
    assert f"核实 {elder.id}" in alert.text and "女儿" in alert.text
    converse(bot, ADMIN, [("审核", "1位老人待核实"),
                          ("核实", [f"{elder.id}号 张桂花 76岁 西头8号", "登记人"]),
                          (f"核实 {elder.id}", "已核实张桂花"),
                          (f"核实 {elder.id}", "没找到"),
                          ("老人名单", ["张桂花", "王秀英 独居"])])
    [told] = outbox(bot.rt, "elder_verified", "daughter")
    assert "张桂花" in told.text


def test_the_same_elder_cannot_be_registered_twice_by_someone_else(bot):
    register_mother(bot)
    bot(pushes.event("son", "subscribe"))
    replies = converse(bot, "son", [
        ("登记老人", "什么人"), ("2", "名字"), ("张桂花", "岁数"), ("76", "哪个村"), ("示范", "家住"),
        ("西头8号", "电话"), ("没有", "一个人住"), ("2", "身体"), ("2", "合作机构"), ("2", "紧急"),
        ("张小梅 13912345678", "同意"), ("1", "已经登记过了")])
    assert "绑定码" in replies[-1]


def test_a_bound_family_member_acts_for_the_elder(bot):
    elder = register_mother(bot)
    # The daughter makes a code for her mother (who has no WeChat) so her brother can bind too.
    [reply] = converse(bot, "daughter", [("绑定码", ["张桂花的绑定码", "24小时"])])
    code = re.search(r"\d{6}", reply).group()
    converse(bot, "son", [(f"绑定 {code}", "您是老人的什么人"), ("1", "叫什么名字"),
                          ("张大军", ["张大军，您要绑定：张桂花", "儿子"]), ("1", "已请张桂花那边确认")])
    [asked] = outbox(bot.rt, "family_consent", "daughter")  # the elder has no WeChat: the code's maker confirms
    assert "有人想绑定张桂花，说是张桂花的儿子（自称张大军）" in asked.text
    converse(bot, "daughter", [("1", "已同意张大军（儿子）绑定张桂花")])
    [bound] = outbox(bot.rt, "family_bound", "son")
    assert "绑定好了" in bound.text
    assert outbox(bot.rt, "family_bound", elder.openid) == []


# --- family binding ---------------------------------------------------------------------------------------

def elder_code(bot, openid=ELDER) -> str:
    [reply] = converse(bot, openid, [("绑定码", ["您的绑定码", "24小时内有效"])])
    return re.search(r"\d{6}", reply).group()


def elder_agrees(bot, openid=ELDER, family=None):
    """The elder answers the binding question with 1; the family member hears it is done."""
    converse(bot, openid, [("1", "已同意")])
    if family:
        assert "绑定好了" in outbox(bot.rt, "family_bound", family)[-1].text


def test_binding_with_a_code_then_unbinding_from_either_side(bot):
    code = elder_code(bot)
    converse(bot, "grandson", [(f"绑定 {code}", "什么人"), ("孙子女", "叫什么名字"),
                               ("王小明", ["王秀英", "孙子女"]), ("1", "已请王秀英那边确认")])
    converse(bot, ELDER, [("1", ["王小明（孙子女）绑定您", "可以替您办事", "解绑"])])
    assert "绑定好了" in outbox(bot.rt, "family_bound", "grandson")[-1].text
    converse(bot, ELDER, [("我的家人", ["王建国（您的儿子）", "王小明（您的孙子女）"]),
                          ("解绑", "解绑 序号"), ("解绑 2", "已解除")])
    assert len(outbox(bot.rt, "family_unbound", "grandson")) == 1
    converse(bot, "grandson", [("我的家人", "还没有绑定")])
    converse(bot, FAMILY, [("解绑 1", "已解除和王秀英")])
    assert outbox(bot.rt, "family_unbound", ELDER)


def test_a_code_works_once_and_expires_after_a_day(bot):
    code = elder_code(bot)
    converse(bot, "grandson", [(f"绑定{code}儿子", "叫什么名字"), ("王小明", ["王秀英", "儿子", "回复1确认"]),
                               ("1", "已请王秀英那边确认")])
    elder_agrees(bot, family="grandson")
    converse(bot, "niece", [(f"绑定 {code}", "已经用过了")])
    late = elder_code(bot)
    bot.clock.advance(hours=24, seconds=1)
    converse(bot, "niece", [(f"绑定 {late}", "已过期")])
    converse(bot, "niece", [("绑定 000000" if late != "000000" else "绑定 000001", "没找到")])


def test_a_code_checked_before_expiry_but_confirmed_after_it_fails(bot):
    code = elder_code(bot)
    bot.clock.advance(hours=23, minutes=59)
    converse(bot, "niece", [(f"绑定 {code}", "什么人"), ("7", "叫什么名字"), ("李娜", "其他亲友")])
    bot.clock.advance(minutes=2)
    converse(bot, "niece", [("1", "已过期")])


def test_binding_answers_for_self_already_bound_and_too_many_guesses(bot):
    code = elder_code(bot)
    converse(bot, ELDER, [(f"绑定 {code}", "您自己的绑定码")])
    converse(bot, FAMILY, [(f"绑定 {code}", "已经绑定了王秀英")])
    for guess in ("111111", "222222", "333333", "444444", "555555"):
        converse(bot, "guesser", [(f"绑定 {guess}" if guess != code else "绑定 666666", "没找到")])
    converse(bot, "guesser", [(f"绑定 {code}", "次数太多")])


def test_the_elder_says_no_and_nobody_is_bound(bot):
    code = elder_code(bot)
    converse(bot, "impostor", [(f"绑定 {code}", "什么人"), ("1", "名字"), ("王小明", "王秀英"), ("1", "已请")])
    [asked] = outbox(bot.rt, "family_consent", ELDER)
    assert asked.text.startswith("有人想绑定您，说是您的儿子。回复1同意，回复2不同意")
    converse(bot, ELDER, [("2", "没有绑定王小明")])
    assert "没有同意" in outbox(bot.rt, "family_refused", "impostor")[-1].text
    converse(bot, "impostor", [("我的家人", "还没有绑定")])
    converse(bot, ELDER, [("我的家人", "王建国")])  # only the son bound before


def test_a_binding_left_unanswered_for_a_day_lapses(bot):
    code = elder_code(bot)
    converse(bot, "grandson", [(f"绑定 {code}", "什么人"), ("1", "名字"), ("王小明", "王秀英"), ("1", "已请")])
    bot.clock.advance(hours=24, seconds=1)
    converse(bot, ELDER, [("1", "没有等您确认的绑定请求")])
    converse(bot, "grandson", [("我的家人", "还没有绑定")])


def test_a_later_question_takes_the_bare_numbers_back(bot):
    code = elder_code(bot)
    converse(bot, "grandson", [(f"绑定 {code}", "什么人"), ("1", "名字"), ("王小明", "王秀英"), ("1", "已请")])
    converse(bot, ELDER, [("菜单", "回复数字"), ("1", "哪方面的帮忙"), ("取消", "")])
    converse(bot, ELDER, [("同意", "已同意王小明（儿子）绑定您")])  # the word still answers it


def test_a_coordinator_may_decide_by_number_but_the_asker_may_not(bot):
    code = elder_code(bot)
    converse(bot, "grandson", [(f"绑定 {code}", "什么人"), ("1", "名字"), ("王小明", "王秀英"), ("1", "已请")])
    converse(bot, "grandson", [("同意绑定 1", "没有找到等您确认")])
    converse(bot, ADMIN, [("同意绑定 1", "已同意王小明（儿子）绑定王秀英"), ("拒绝绑定 1", "已经处理过了")])
    converse(bot, "grandson", [("我的家人", "王秀英")])


def test_many_accounts_guessing_codes_pause_binding_and_alert_the_coordinator(make_app, signer, clock):
    bot = build_bot(make_app, signer, clock, binding__max_failures_per_hour=3)
    code = elder_code(bot)
    wrong = "000000" if code != "000000" else "000001"
    for n in range(3):
        converse(bot, f"bot-{n}", [(f"绑定 {wrong}", "没找到")])
    [alert] = outbox(bot.rt, "binding_lockdown", ADMIN)
    assert "猜绑定码" in alert.text
    converse(bot, "grandson", [(f"绑定 {code}", "绑定暂时停用")])
    bot.clock.advance(hours=1, minutes=1)
    converse(bot, "grandson", [(f"绑定 {code}", "什么人")])


def test_bind_intent_without_a_code_explains_how(bot):
    converse(bot, "someone", [("我想绑定我妈", "绑定码")])


def test_family_bound_to_several_elders_picks_by_number(bot):
    code = elder_code(bot, "demo-elder-2")
    converse(bot, FAMILY, [(f"绑定 {code}", "什么人"), ("女婿", "李德福"), ("1", "已请李德福那边确认")])
    elder_agrees(bot, "demo-elder-2", FAMILY)
    converse(bot, FAMILY, [("绑定码", ["为哪位老人", "1 王秀英", "2 李德福"]), ("2", "为李德福生成"),
                           ("1", "李德福的绑定码")])


def test_coordinator_makes_a_code_for_an_elder_by_number(bot):
    elder = user(bot.rt, "demo-elder-3")
    converse(bot, ADMIN, [("绑定码", "老人号码"), (f"绑定码 {elder.id}", "赵桂兰的绑定码"), ("绑定码 99999", "没找到")])
    converse(bot, "stranger", [("绑定码", "要由老人本人生成")])


def test_roles_combine_a_volunteer_who_is_also_family(bot):
    code = elder_code(bot, "demo-elder-2")
    converse(bot, "demo-volunteer-2", [(f"绑定 {code}", "什么人"), ("2", "李德福"), ("1", "已请李德福那边确认")])
    elder_agrees(bot, "demo-elder-2", "demo-volunteer-2")
    who = user(bot.rt, "demo-volunteer-2")
    assert who.has_role("volunteer") and who.has_role("family")
    converse(bot, "demo-volunteer-2", [("休息", "先休息")])


def test_binding_asks_the_elder_through_the_fake_wechat(bot, fake_wechat):
    code = elder_code(bot)
    converse(bot, "grandson", [(f"绑定 {code}", "什么人"), ("1", "名字"), ("王小明", "王秀英"), ("1", "已请")])
    fake_wechat.record_interaction(ELDER, "message")
    delivery = Delivery(bot.rt)
    while delivery.drain_once():
        pass
    [sent] = fake_wechat.sent(ELDER)
    assert "有人想绑定您，说是您的儿子。回复1同意，回复2不同意" in sent["payload"]["text"]["content"]
    assert "王小明" in sent["payload"]["text"]["content"]


@pytest.mark.parametrize("mode", ["compat", "safe"])
def test_people_transcripts_work_encrypted(bot, mode):
    assert "叫什么名字" in bot(pushes.text("newbie", "我要当志愿者"), mode)


def test_codes_are_stored_once(bot):
    code = elder_code(bot)
    with Session(bot.rt.engine) as session:
        row = session.exec(select(BindingCode).where(BindingCode.code == code)).one()
        assert row.live_code == code and (row.expires_at - row.created_at).total_seconds() == 86400


def test_a_family_member_pasting_the_code_after_the_word_binds(bot):
    code = elder_code(bot)
    converse(bot, "grandson", [(f"绑定码{code}", "什么人"), ("1", "名字"), ("王小明", "王秀英"), ("1", "已请")])
    elder_agrees(bot, family="grandson")
    other = elder_code(bot)
    converse(bot, "niece", [(f"绑定码：{other}", "什么人")])  # the bind_family intent with a code slot


def test_menu_inside_a_people_flow_repeats_the_numbered_question(bot):
    code = elder_code(bot, "demo-elder-2")
    converse(bot, FAMILY, [(f"绑定 {code}", "什么人"), ("2", "李德福"), ("1", "已请")])
    elder_agrees(bot, "demo-elder-2", FAMILY)
    converse(bot, FAMILY, [("绑定码", "为哪位老人"), ("菜单", ["正在办“生成绑定码”", "1 王秀英", "2 李德福"]),
                           ("李德福", "为李德福生成")])


def test_a_namesake_of_another_age_is_a_different_elder(bot):
    register_mother(bot)
    bot(pushes.event("neighbour", "subscribe"))
    converse(bot, "neighbour", [
        ("登记老人", "什么人"), ("侄子", "名字"), ("张桂花", "岁数"), ("90", "哪个村"), ("示范村", "家住"),
        ("北坡2号", "电话"), ("没有", "一个人住"), ("1", "身体"), ("1", "身体有什么"), ("没有", "合作机构"),
        ("2", "紧急"),
        ("张强 13912345670", "侄子的身份"), ("1", "已登记张桂花")])
    converse(bot, ADMIN, [("核实", ["待核实老人2位", "紧急联系人：张强 13912345670", "（侄子）"])])
