"""The fund ledger in the console, driven as two coordinators would: a donation and an expense recorded,
the two-person rule on approval, a rejection with its reason, CSRF and the village's reach; drafts, paying,
cancelling, corrections with their published note, receipts uploaded and shown redacted."""
from __future__ import annotations

import io

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


def expense_form(csrf: str, purpose: str, amount: str = "80", **extra) -> dict:
    return {"csrf_token": csrf, "purpose": purpose, "amount": amount, "category": "care", **extra}


def count(rt, model) -> int:
    with Session(rt.engine) as session:
        return len(session.exec(select(model)).all())


def test_a_draft_is_submitted_approved_by_another_coordinator_paid_and_a_pending_one_withdrawn(say):
    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    draft = first.post(f"/console/funds/{vid}/expenses", data=expense_form(csrf, "买轮椅", "600", draft="1"))
    assert draft.status_code == 200 and "草稿" in draft.get_data(as_text=True)
    chair = latest(say.rt, "expense")
    assert state(say.rt, chair.id) == "draft"
    say.deliver()
    assert not any("买轮椅" in text for text in say.inbox(SECOND))  # a draft asks nobody to review it
    assert "买轮椅" not in say.app.test_client().get("/public/demo/funds").get_data(as_text=True)
    page = first.get("/console/funds").get_data(as_text=True)
    assert f"/console/funds/expenses/{chair.id}/submit" in page
    early = first.post(f"/console/funds/expenses/{chair.id}/pay", data={"csrf_token": csrf})
    assert early.status_code == 409 and "草稿" in early.get_data(as_text=True)

    submitted = first.post(f"/console/funds/expenses/{chair.id}/submit", data={"csrf_token": csrf})
    assert submitted.status_code == 200 and state(say.rt, chair.id) == "pending"
    assert "买轮椅" in say.app.test_client().get("/public/demo/funds").get_data(as_text=True)
    second, csrf2 = logged_in(say.app, SECOND)
    assert second.post(f"/console/funds/expenses/{chair.id}/approve", data={"csrf_token": csrf2}).status_code == 200
    page = first.get("/console/funds").get_data(as_text=True)
    assert f"/console/funds/expenses/{chair.id}/pay" in page
    paid = first.post(f"/console/funds/expenses/{chair.id}/pay", data={"csrf_token": csrf})
    assert paid.status_code == 200 and "已支付" in paid.get_data(as_text=True)
    assert state(say.rt, chair.id) == "paid"
    late = first.post(f"/console/funds/expenses/{chair.id}/cancel", data={"csrf_token": csrf})
    assert late.status_code == 409 and "不能撤销" in late.get_data(as_text=True)

    first.post(f"/console/funds/{vid}/expenses", data=expense_form(csrf, "买水果"))
    fruit = latest(say.rt, "expense")
    withdrawn = first.post(f"/console/funds/expenses/{fruit.id}/cancel",
                           data={"csrf_token": csrf, "why": "记错了"}, headers={"HX-Request": "true"})
    assert withdrawn.status_code == 200 and "已撤销" in withdrawn.get_data(as_text=True)
    assert state(say.rt, fruit.id) == "cancelled"
    assert second.post(f"/console/funds/expenses/{fruit.id}/approve", data={"csrf_token": csrf2}).status_code == 409
    assert first.post("/console/funds/expenses/99999/pay", data={"csrf_token": csrf}).status_code == 404
    assert first.post(f"/console/funds/expenses/{chair.id}/pay", data={}).status_code == 403  # no CSRF token


def test_a_correction_reverses_the_entry_and_its_note_is_published(say):
    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    first.post(f"/console/funds/{vid}/donations", data={"csrf_token": csrf, "donor": "王建国", "amount": "500"})
    gift = latest(say.rt, "donation")
    nothing = first.post("/console/funds/corrections", data={"csrf_token": csrf, "record_id": str(gift.id), "why": " "})
    assert nothing.status_code == 400 and "请写明理由" in nothing.get_data(as_text=True)
    garbage = first.post("/console/funds/corrections", data={"csrf_token": csrf, "record_id": "abc", "why": "错"})
    assert garbage.status_code == 400 and "账目编号" in garbage.get_data(as_text=True)
    missing = first.post("/console/funds/corrections", data={"csrf_token": csrf, "record_id": "99999", "why": "错"})
    assert missing.status_code == 404 and "没有这笔账" in missing.get_data(as_text=True)
    assert latest(say.rt, "correction") is None

    done = first.post("/console/funds/corrections",
                      data={"csrf_token": csrf, "record_id": str(gift.id), "why": "重复登记，冲销"})
    assert done.status_code == 200 and "更正说明：重复登记，冲销" in done.get_data(as_text=True)
    assert latest(say.rt, "correction").actor == "demo-admin" and state(say.rt, gift.id) == "reversed"
    public = say.app.test_client()
    assert "重复登记，冲销" in public.get("/public/demo/funds").get_data(as_text=True)
    data = public.get("/public/demo/funds.json").get_json()
    assert [c["correction_note"] for c in data["corrections"]] == ["重复登记，冲销"]
    assert data["income_total"]["fen"] == 0
    twice = first.post("/console/funds/corrections",
                       data={"csrf_token": csrf, "record_id": str(gift.id), "why": "再冲"})
    assert twice.status_code == 409 and "已冲销" in twice.get_data(as_text=True)

    # An approved expense comes back to the fund; the second coordinator may correct it too.
    first.post(f"/console/funds/{vid}/expenses", data=expense_form(csrf, "修路灯", "300"))
    lamp = latest(say.rt, "expense")
    second, csrf2 = logged_in(say.app, SECOND)
    second.post(f"/console/funds/expenses/{lamp.id}/approve", data={"csrf_token": csrf2})
    second.post("/console/funds/corrections", data={"csrf_token": csrf2, "record_id": str(lamp.id), "why": "金额写错"})
    assert state(say.rt, lamp.id) == "reversed"
    assert public.get("/public/demo/funds.json").get_json()["closing_balance"]["fen"] == 0


def test_a_receipt_uploaded_with_an_expense_is_published_only_without_personal_details(say):
    from models.funds.receipts import FundReceipt

    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    post = partial_post(first, f"/console/funds/{vid}/expenses")
    transfer = "收款人张三 电话13912345678 卡号6222021234567890123 金额80元".encode()
    answer = post(expense_form(csrf, "买菜", receipt=(io.BytesIO(transfer), "transfer.txt")))
    assert answer.status_code == 200 and "票据已存档" in answer.get_data(as_text=True)
    post(expense_form(csrf, "买米", receipt=(io.BytesIO(b"\x89PNG a face"), "shop.png")))
    post(expense_form(csrf, "买油", receipt=(io.BytesIO(b"\x89PNG a face"), "shop.png"),
                      receipt_redacted=(io.BytesIO(b"\x89PNG blurred"), "blurred.png")))
    post(expense_form(csrf, "买盐", receipt=(io.BytesIO(b"\x89PNG agreed"), "salt.png"), receipt_consent="1"))
    public = say.app.test_client()
    entries = {e["purpose"]: e for e in public.get("/public/demo/funds.json").get_json()["entries"]}
    masked = public.get(entries["买菜"]["receipt"]["url"]).get_data(as_text=True)
    assert "13912345678" not in masked and "6222021234567890123" not in masked and "80元" in masked
    assert entries["买米"]["receipt"]["url"] is None  # on file only
    assert public.get(f"/public/demo/funds/receipts/{entries['买米']['receipt']['id']}").status_code == 404
    assert public.get(entries["买油"]["receipt"]["url"]).data == b"\x89PNG blurred"
    assert public.get(entries["买盐"]["receipt"]["url"]).data == b"\x89PNG agreed"
    assert say.app.test_cli_runner().invoke(args=["funds", "verify"]).exit_code == 0
    assert count(say.rt, FundReceipt) == 4


def test_receipts_of_the_wrong_type_or_size_are_refused_and_nothing_is_kept(say):
    from models.funds.receipts import MAX_BYTES, FundReceipt

    first, csrf = logged_in(say.app)
    vid = village_id(say.rt)
    post = partial_post(first, f"/console/funds/{vid}/expenses")
    exe = post(expense_form(csrf, "买药", receipt=(io.BytesIO(b"MZ..."), "setup.exe")))
    assert exe.status_code == 400 and "票据只能是图片、PDF 或文本文件" in exe.get_data(as_text=True)
    big = post(expense_form(csrf, "买药", receipt=(io.BytesIO(b"x" * (MAX_BYTES + 1)), "big.png")))
    assert big.status_code == 400 and "票据文件太大（最多 5 MB）" in big.get_data(as_text=True)
    huge = post(expense_form(csrf, "买药", receipt=(io.BytesIO(b"x" * (3 * MAX_BYTES)), "a.png"),
                             receipt_redacted=(io.BytesIO(b"x" * (3 * MAX_BYTES)), "b.png")))
    assert huge.status_code == 400 and "上传的文件太大了" in huge.get_data(as_text=True)
    alone = post(expense_form(csrf, "买药", receipt_redacted=(io.BytesIO(b"\x89PNG"), "b.png")))
    assert alone.status_code == 400 and "票据原件" in alone.get_data(as_text=True)
    forged = first.post(f"/console/funds/{vid}/expenses", content_type="multipart/form-data",
                        data={"purpose": "买药", "amount": "5", "receipt": (io.BytesIO(b"hi"), "r.txt")})
    assert forged.status_code == 403
    assert latest(say.rt, "expense") is None and count(say.rt, FundReceipt) == 0


def partial_post(client, url: str):
    return lambda data: client.post(url, data=data, content_type="multipart/form-data")
