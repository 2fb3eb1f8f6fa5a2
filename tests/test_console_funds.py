"""The fund ledger in the console, driven as two coordinators would: a donation and an expense recorded,
the two-person rule on approval, a rejection with its reason, CSRF and the village's reach."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.funds import ledger
from models.funds.chain import FundEntry
from models.people.users import Village
from tests.console_support import logged_in, town
from tests.funds_support import SECOND, add_coordinator


@pytest.fixture
def say(make_app, signer, clock, fake_wechat):
    say = town(make_app, signer, clock, fake_wechat)
    add_coordinator(say.rt, now=clock())
    say(SECOND, "你好")
    return say


def village_id(rt) -> int:
    with Session(rt.engine) as session:
        return session.exec(select(Village).where(Village.code == "demo")).one().id


def state(rt, record_id: int) -> str:
    with Session(rt.engine) as session:
        return ledger.state_of(session, session.get(FundEntry, record_id))


def latest(rt, kind: str) -> FundEntry:
    with Session(rt.engine) as session:
        return session.exec(select(FundEntry).where(FundEntry.kind == kind).order_by(FundEntry.id.desc())).first()


def test_record_a_donation_and_an_expense_then_a_second_coordinator_approves(say):
    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    page = first.get("/console/funds").get_data(as_text=True)
    assert "示范村 资金账目" in page and "记录捐赠" in page and "记录支出" in page and 'name="csrf_token"' in page
    gift = first.post(f"/console/funds/{vid}/donations", data={"csrf_token": csrf, "donor": "县商会", "amount": "500",
                                                               "channel": "bank"})
    assert gift.status_code == 200 and "已记录捐款" in gift.get_data(as_text=True)
    spent = first.post(f"/console/funds/{vid}/expenses", headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
                       data={"purpose": "给独居老人买药", "amount": "120.50", "category": "care"})
    assert spent.status_code == 200 and "待另一位管理员审批" in spent.get_data(as_text=True)
    expense = latest(say.rt, "expense")
    assert expense.actor == "demo-admin" and state(say.rt, expense.id) == "pending"
    say.deliver()
    assert any("给独居老人买药" in text for text in say.inbox(SECOND))  # the other coordinator is asked to review

    page = first.get("/console/funds").get_data(as_text=True)
    assert "县商会" in page and "给独居老人买药" in page and "这笔是您记录的" in page
    own = first.post(f"/console/funds/expenses/{expense.id}/approve", data={"csrf_token": csrf})
    assert own.status_code == 409 and "两人把关" in own.get_data(as_text=True)
    assert state(say.rt, expense.id) == "pending"

    second, csrf2 = logged_in(say.app, SECOND)
    assert "这笔是您记录的" not in second.get("/console/funds").get_data(as_text=True)
    approved = second.post(f"/console/funds/expenses/{expense.id}/approve", data={"csrf_token": csrf2})
    assert approved.status_code == 200 and "已批准" in approved.get_data(as_text=True)
    assert state(say.rt, expense.id) == "approved"
    again = second.post(f"/console/funds/expenses/{expense.id}/reject", data={"csrf_token": csrf2, "why": "重复"})
    assert again.status_code == 409 and state(say.rt, expense.id) == "approved"
    data = say.app.test_client().get("/public/demo/funds.json").get_json()
    assert data["closing_balance"]["fen"] == 50000 - 12050


def test_a_rejection_needs_a_reason_and_bad_input_is_refused_in_chinese(say):
    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    first.post(f"/console/funds/{vid}/expenses", data={"csrf_token": csrf, "purpose": "修路灯", "amount": "300"})
    expense = latest(say.rt, "expense")
    second, csrf2 = logged_in(say.app, SECOND)
    no_reason = second.post(f"/console/funds/expenses/{expense.id}/reject", data={"csrf_token": csrf2, "why": ""})
    assert no_reason.status_code == 400 and "请写明理由" in no_reason.get_data(as_text=True)
    rejected = second.post(f"/console/funds/expenses/{expense.id}/reject",
                           data={"csrf_token": csrf2, "why": "报价太高"})
    assert rejected.status_code == 200 and state(say.rt, expense.id) == "rejected"
    bad = first.post(f"/console/funds/{vid}/donations", data={"csrf_token": csrf, "donor": "张三", "amount": "abc"})
    assert bad.status_code == 400 and "金额不对" in bad.get_data(as_text=True)
    nameless = first.post(f"/console/funds/{vid}/donations", data={"csrf_token": csrf, "donor": "", "amount": "5"})
    assert nameless.status_code == 400 and "不同意公开姓名" in nameless.get_data(as_text=True)
    assert latest(say.rt, "donation") is None


def test_without_the_csrf_token_or_outside_the_village_nothing_is_recorded(say):
    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    forged = first.post(f"/console/funds/{vid}/donations", data={"donor": "县商会", "amount": "500"})
    assert forged.status_code == 403
    assert first.post(f"/console/funds/{vid + 1000}/donations",
                      data={"csrf_token": csrf, "donor": "县商会", "amount": "500"}).status_code == 404
    assert first.get(f"/console/funds?village={vid + 1000}").status_code == 404
    assert latest(say.rt, "donation") is None
    assert say.app.test_client().get("/console/funds").status_code == 302  # no session: to the login page


def test_an_anonymous_gift_recorded_in_the_console_is_anonymous_everywhere(say):
    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    answer = first.post(f"/console/funds/{vid}/donations", data={"csrf_token": csrf, "donor": "不愿具名的张先生",
                                                                 "amount": "200", "anonymous": "1"})
    assert "匿名" in answer.get_data(as_text=True)
    assert "不愿具名的张先生" not in first.get("/console/funds").get_data(as_text=True)
    assert "不愿具名的张先生" not in say.app.test_client().get("/public/demo/funds").get_data(as_text=True)
