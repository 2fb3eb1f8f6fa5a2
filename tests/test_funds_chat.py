"""The ledger in chat, through the signed webhook and the fake WeChat API: 捐赠, 账目, 订阅账目 / 退订账目,
the donor's thanks and spending messages, and the monthly statement job."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.conftest import ManualClock
from tests.fakes.dialogue import build_town
from tests.funds_support import ADMIN, NOW, SECOND, add_coordinator, number, run

BASE = "https://linli.example.org"


@pytest.fixture
def town(make_app, signer, fake_wechat):
    say = build_town(make_app, signer, ManualClock(NOW), fake_wechat, funds__public_base_url=BASE)
    add_coordinator(say.rt)
    say.cli = say.app.test_cli_runner()
    return say


def test_donate_explains_how_to_give_and_links_the_ledger(town):
    for words in ("捐赠", "我要捐款"):
        reply = town("demo-elder-1", words)
        assert "捐赠方式" in reply and "现金" in reply and "微信转账" in reply, reply
        assert f"{BASE}/public/demo/funds" in reply and "匿名" in reply


def test_accounts_shows_this_months_summary(town):
    run(town.cli, "donate", "--village", "demo", "--donor", "王建国", "--amount", "500")
    expense = number(run(town.cli, "expense", "--village", "demo", "--amount", "120", "--purpose", "买药",
                         "--by", ADMIN), "expense")
    run(town.cli, "expense", "--village", "demo", "--amount", "30", "--purpose", "茶水", "--by", ADMIN)
    run(town.cli, "approve", str(expense), "--by", SECOND)
    reply = town("demo-elder-2", "账目")
    for fragment in ("示范村2026年12月账目", "期初结余：0.00 元", "本月收入：500.00 元", "本月支出：120.00 元",
                     "期末结余：380.00 元", "待审批支出：1 笔，共 30.00 元", f"{BASE}/public/demo/funds?month=2026-12"):
        assert fragment in reply, (fragment, reply)


def test_the_donor_is_thanked_and_later_told_what_the_gift_paid_for(town):
    run(town.cli, "donate", "--village", "demo", "--donor", "王建国", "--amount", "100", "--openid", "demo-family-1")
    town("demo-family-1", "你好")  # the family member writes, so customer-service messages reach them
    town.deliver()
    assert any("感谢您为示范村捐款 100.00 元" in text for text in town.inbox("demo-family-1"))
    expense = number(run(town.cli, "expense", "--village", "demo", "--amount", "80", "--purpose", "给独居老人送米",
                         "--by", ADMIN), "expense")
    town.deliver()
    assert not any("您的捐款用于" in text for text in town.inbox("demo-family-1"))  # not before it is approved
    run(town.cli, "approve", str(expense), "--by", SECOND)
    town.deliver()
    assert any("您的捐款用于给独居老人送米（其中 80.00 元）" in text for text in town.inbox("demo-family-1"))


def test_the_second_coordinator_is_asked_to_review_an_expense(town):
    run(town.cli, "expense", "--village", "demo", "--amount", "80", "--purpose", "活动茶水", "--by", ADMIN)
    assert [row.openid for row in town.rows(kind="fund_review")] == [SECOND]


def test_the_monthly_statement_goes_to_those_who_opted_in_once(town):
    assert "每月1日" in town("demo-elder-1", "订阅账目")
    assert "已经订阅" in town("demo-elder-1", "订阅账目")
    town("demo-elder-2", "你好")
    run(town.cli, "donate", "--village", "demo", "--donor", "王建国", "--amount", "500")
    for _ in range(2):
        result = town.cli.invoke(args=["jobs", "run", "funds.statement", "--now", "2027-01-01T09:00+08:00"])
        assert result.exit_code == 0, result.output
    assert json.loads(result.output)["result"] == {"demo": 0}  # the second run sends nothing again
    rows = town.rows(kind="fund_statement")
    assert [row.openid for row in rows] == ["demo-elder-1"]  # demo-elder-2 did not opt in
    town.clock.now = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    town("demo-elder-1", "早上好")  # a fresh 48-hour window for the customer-service message
    town.deliver()
    [text] = [t for t in town.inbox("demo-elder-1") if "账目" in t and "期末结余" in t]
    assert "示范村2026年12月账目" in text and "本月收入：500.00 元" in text and f"{BASE}/public/demo/funds" in text
    assert "退订账目" in text
    assert "不再每月" in town("demo-elder-1", "退订账目")
    town.cli.invoke(args=["jobs", "run", "funds.statement", "--now", "2027-02-01T09:00+08:00"])
    assert len(town.rows(kind="fund_statement")) == 1


def test_the_statement_job_is_scheduled_for_the_first_at_nine(town):
    listing = town.cli.invoke(args=["jobs", "list"]).output
    line = next(line for line in listing.splitlines() if line.startswith("funds.statement"))
    assert "day=1" in line and "hour=9" in line and "minute=0" in line
