"""`flask --app app funds ...` as an operator (and the independent client) uses it: the contract, the
two-person rule, clear refusals, and `funds verify` catching a changed, deleted or reordered entry."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.core.outbox import OutboxMessage
from tests.conftest import ManualClock
from tests.funds_support import ADMIN, NOW, SECOND, number, run, seeded, tampering


@pytest.fixture
def town(make_app):
    return seeded(make_app, ManualClock(NOW))


def test_a_donation_an_expense_and_its_approval_by_a_second_coordinator(town):
    app, rt, cli = town
    gift = run(cli, "donate", "--village", "demo", "--donor", "王建国", "--amount", "500")
    assert gift.exit_code == 0, gift.output
    spent = run(cli, "expense", "--village", "demo", "--amount", "120.50", "--purpose", "给独居老人买药",
                "--by", ADMIN)
    assert spent.exit_code == 0, spent.output
    assert f"expense {number(spent, 'expense')}" in spent.output.splitlines()
    expense_id = number(spent, "expense")
    approved = run(cli, "approve", str(expense_id), "--by", SECOND)
    assert approved.exit_code == 0 and "已批准" in approved.output
    statement = run(cli, "statement", "--village", "demo", "--month", "2026-12")
    assert statement.exit_code == 0
    assert "本月收入：500.00 元" in statement.output and "本月支出：120.50 元" in statement.output
    assert "期末结余：379.50 元" in statement.output


def test_whoever_recorded_an_expense_cannot_approve_or_reject_it(town):
    app, rt, cli = town
    expense_id = number(run(cli, "expense", "--village", "demo", "--amount", "80", "--purpose", "活动茶水",
                            "--by", ADMIN), "expense")
    same = run(cli, "approve", str(expense_id), "--by", ADMIN)
    assert same.exit_code != 0 and "不能自己审批" in same.output
    assert run(cli, "reject", str(expense_id), "--by", ADMIN, "--why", "x").exit_code != 0
    statement = run(cli, "statement", "--village", "demo", "--month", "2026-12").output
    assert "本月支出：0.00 元" in statement and "待审批支出：1 笔" in statement
    rejected = run(cli, "reject", str(expense_id), "--by", SECOND, "--why", "没有票据")
    assert rejected.exit_code == 0 and "已驳回" in rejected.output
    again = run(cli, "approve", str(expense_id), "--by", SECOND)
    assert again.exit_code != 0 and "已驳回" in again.output


@pytest.mark.parametrize("args, message", [
    (["donate", "--village", "nowhere", "--donor", "甲", "--amount", "10"], "没有这个村"),
    (["donate", "--village", "demo", "--donor", "甲", "--amount", "ten"], "金额不对"),
    (["donate", "--village", "demo", "--donor", "甲", "--amount", "-5"], "金额不对"),
    (["donate", "--village", "demo", "--donor", "甲", "--amount", "1.234"], "金额不对"),
    (["expense", "--village", "demo", "--amount", "10", "--purpose", "x", "--by", "demo-elder-1"],
     "不是示范村的管理员"),
    (["expense", "--village", "demo", "--amount", "10", "--purpose", "x", "--by", "nobody"], "没有这个人"),
    (["expense", "--village", "demo", "--amount", "10", "--purpose", "x", "--by", ADMIN,
      "--receipt", "/nonexistent.jpg"], "读不了票据文件"),
    (["approve", "999", "--by", SECOND], "没有这笔账"),
    (["statement", "--village", "demo", "--month", "2026-13"], "月份格式不对"),
])
def test_bad_input_is_refused_with_a_clear_message_and_a_non_zero_exit(town, args, message):
    app, rt, cli = town
    result = run(cli, *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_non_coordinator_cannot_approve(town):
    app, rt, cli = town
    expense_id = number(run(cli, "expense", "--village", "demo", "--amount", "10", "--purpose", "x", "--by", ADMIN),
                        "expense")
    refused = run(cli, "approve", str(expense_id), "--by", "demo-volunteer-1")
    assert refused.exit_code != 0 and "不是示范村的管理员" in refused.output


def test_a_correction_reverses_an_entry_and_publishes_its_note(town):
    app, rt, cli = town
    gift = number(run(cli, "donate", "--village", "demo", "--donor", "李四", "--amount", "200"), "donation")
    run(cli, "donate", "--village", "demo", "--donor", "王五", "--amount", "100")
    corrected = run(cli, "correct", str(gift), "--why", "金额录错，实为20元，另行登记")
    assert corrected.exit_code == 0 and "冲销 200.00 元" in corrected.output
    statement = run(cli, "statement", "--village", "demo", "--month", "2026-12").output
    assert "本月收入：100.00 元" in statement and "金额录错" in statement
    assert run(cli, "correct", str(gift), "--why", "again").exit_code != 0  # a reversed entry stays reversed
    assert run(cli, "verify").exit_code == 0


def _three_entries(cli):
    for donor, amount in (("甲", "100"), ("乙", "200"), ("丙", "300")):
        assert run(cli, "donate", "--village", "demo", "--donor", donor, "--amount", amount).exit_code == 0
    ok = run(cli, "verify")
    assert ok.exit_code == 0 and "3 条记录" in ok.output


def test_verify_names_an_entry_whose_amount_was_changed(town):
    app, rt, cli = town
    _three_entries(cli)
    with tampering(rt.engine) as conn:
        conn.execute(sa.text("UPDATE fund_entries SET amount_fen = 2000 WHERE seq = 2"))
    broken = run(cli, "verify")
    assert broken.exit_code != 0
    assert "第 2 条（记录号 2）" in broken.output and "内容与它的哈希不符" in broken.output


def test_verify_names_the_entry_after_a_deleted_one(town):
    app, rt, cli = town
    _three_entries(cli)
    with tampering(rt.engine) as conn:
        conn.execute(sa.text("DELETE FROM fund_entries WHERE seq = 2"))
    broken = run(cli, "verify")
    assert broken.exit_code != 0 and "第 2 条（记录号 3）" in broken.output and "被删除" in broken.output


def test_verify_notices_the_newest_entry_deleted(town):
    app, rt, cli = town
    _three_entries(cli)
    with tampering(rt.engine) as conn:
        conn.execute(sa.text("DELETE FROM fund_entries WHERE seq = 3"))
    broken = run(cli, "verify")
    assert broken.exit_code != 0 and "第 3 条" in broken.output and "末尾的记录不见了" in broken.output


def test_verify_names_a_reordered_entry(town):
    app, rt, cli = town
    _three_entries(cli)
    with tampering(rt.engine) as conn:  # swap the places of the second and third entries
        conn.execute(sa.text("UPDATE fund_entries SET seq = 99 WHERE seq = 2"))
        conn.execute(sa.text("UPDATE fund_entries SET seq = 2 WHERE seq = 3"))
        conn.execute(sa.text("UPDATE fund_entries SET seq = 3 WHERE seq = 99"))
    broken = run(cli, "verify")
    assert broken.exit_code != 0 and "第 2 条（记录号 3）" in broken.output


def test_verify_notices_a_receipt_file_swapped_afterwards(town, tmp_path):
    app, rt, cli = town
    receipt = tmp_path / "receipt.txt"
    receipt.write_text("收款人 张三 电话 13912345678 金额 50 元", encoding="utf-8")
    run(cli, "expense", "--village", "demo", "--amount", "50", "--purpose", "修水管", "--by", ADMIN,
        "--receipt", str(receipt))
    assert run(cli, "verify").exit_code == 0
    with tampering(rt.engine) as conn:
        conn.execute(sa.text("UPDATE fund_receipts SET data = :d"), {"d": b"forged"})
    broken = run(cli, "verify")
    assert broken.exit_code != 0 and "票据文件" in broken.output


def test_the_database_itself_refuses_to_change_or_delete_an_entry(town):
    app, rt, cli = town
    _three_entries(cli)
    for statement in ("UPDATE fund_entries SET amount_fen = 1", "DELETE FROM fund_entries"):
        with pytest.raises(sa.exc.DBAPIError), rt.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert run(cli, "verify").exit_code == 0


def test_a_donor_who_follows_is_thanked_and_told_when_the_gift_is_spent(town):
    app, rt, cli = town
    run(cli, "donate", "--village", "demo", "--donor", "demo-family-1", "--amount", "100")
    run(cli, "donate", "--village", "demo", "--donor", "路人", "--amount", "300")  # nobody we know
    first = number(run(cli, "expense", "--village", "demo", "--amount", "60", "--purpose", "重阳节慰问品",
                       "--by", ADMIN), "expense")
    second = number(run(cli, "expense", "--village", "demo", "--amount", "100", "--purpose", "助餐补贴",
                        "--by", ADMIN), "expense")
    run(cli, "approve", str(first), "--by", SECOND)
    run(cli, "approve", str(second), "--by", SECOND)
    with Session(rt.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.openid == "demo-family-1")
                            .order_by(OutboxMessage.id)).all()
    texts = [r.text for r in rows]
    assert len(texts) == 3 and "感谢您为示范村捐款 100.00 元" in texts[0]
    # Oldest money is spent first: 60 of the 100, then the other 40 in the next expense.
    assert "您的捐款用于重阳节慰问品（其中 60.00 元）" in texts[1]
    assert "您的捐款用于助餐补贴（其中 40.00 元）" in texts[2]
