"""The public ledger as a villager (or anyone) sees it, no login: the page, its JSON and CSV, receipts,
names only with consent, pending expenses as pending, corrections with their notes."""
from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from app.db import session_scope
from models.people.users import User
from models.timebank.policy import timebank_policy
from models.timebank.visits import settle_visit
from tests.conftest import ManualClock
from tests.funds_support import ADMIN, NOW, SECOND, number, run, seeded


@pytest.fixture
def town(make_app):
    app, rt, cli = seeded(make_app, ManualClock(NOW))
    return app, rt, cli, app.test_client()


def _month(cli):
    run(cli, "donate", "--village", "demo", "--donor", "王建国", "--amount", "500", "--channel", "bank")
    run(cli, "donate", "--village", "demo", "--donor", "不愿具名的张先生", "--amount", "200", "--anonymous")
    run(cli, "donate", "--village", "demo", "--donor", "李大姐", "--amount", "150", "--in-kind", "大米5袋")
    paid = number(run(cli, "expense", "--village", "demo", "--amount", "120.50", "--purpose", "给独居老人买药",
                      "--category", "care", "--by", ADMIN), "expense")
    run(cli, "approve", str(paid), "--by", SECOND)
    run(cli, "expense", "--village", "demo", "--amount", "300", "--purpose", "修村口路灯", "--category", "repairs",
        "--by", ADMIN)
    return paid


def test_the_page_shows_the_month_in_the_village_disclosure_form(town):
    app, rt, cli, client = town
    _month(cli)
    response = client.get("/public/demo/funds?month=2026-12")
    assert response.status_code == 200 and "text/html" in response.content_type
    html = response.get_data(as_text=True)
    assert 'name="viewport"' in html and "示范村 村务公开·资金账目" in html and "2026年12月" in html
    for fragment in ("期初结余", "0.00 元", "本月收入", "700.00 元", "本月支出", "120.50 元", "期末结余", "579.50 元",
                     "银行转账", "照护服务", "给独居老人买药", "大米5袋"):
        assert fragment in html, fragment
    pending = html[html.index('id="pending"'):html.index('id="in-kind"')]
    assert "修村口路灯" in pending and "待审批" in pending and "300.00" in pending


def test_the_json_has_the_same_statement(town):
    app, rt, cli, client = town
    paid = _month(cli)
    data = client.get("/public/demo/funds.json?month=2026-12").get_json()
    assert data["village"] == {"code": "demo", "name": "示范村"} and data["month"] == "2026-12"
    assert data["opening_balance"]["fen"] == 0 and data["closing_balance"] == {"fen": 57950, "yuan": "579.50"}
    assert {r["source"]: r["fen"] for r in data["income"]} == {"bank": 50000, "cash": 20000}
    assert {r["category"]: r["fen"] for r in data["spending"]} == {"care": 12050}
    assert [(p["purpose"], p["amount"]["fen"], p["state"]) for p in data["pending"]] == [
        ("修村口路灯", 30000, "pending")]
    assert data["in_kind"][0]["items"] == "大米5袋" and data["in_kind"][0]["estimated_value"]["fen"] == 15000
    expense = next(e for e in data["entries"] if e["id"] == paid)
    assert expense["state"] == "approved" and expense["purpose"] == "给独居老人买药" and expense["date"] == "2026-12-01"
    assert len(data["chain"]["last_hash"]) == 64
    # The time bank beside the money (no visit confirmed in this village yet).
    assert data["timebank"] == {"hours_given": 0, "hours_received": 0, "hours_in_pool": 0, "visits": 0}


def test_the_next_month_opens_with_the_last_closing_balance(town):
    app, rt, cli, client = town
    _month(cli)
    data = client.get("/public/demo/funds.json?month=2027-01").get_json()
    assert data["opening_balance"]["fen"] == 57950 and data["entries"] == []
    assert [p["purpose"] for p in data["pending"]] == ["修村口路灯"]  # still waiting, still shown


def test_a_donor_without_consent_is_anonymous_everywhere(town):
    app, rt, cli, client = town
    _month(cli)
    page = client.get("/public/demo/funds?month=2026-12").get_data(as_text=True)
    data = client.get("/public/demo/funds.json?month=2026-12").get_data(as_text=True)
    sheet = client.get("/public/demo/funds.csv?month=2026-12").get_data(as_text=True)
    for published in (page, data, sheet):
        assert "张先生" not in published and "王建国" in published
    assert "匿名" in page and "匿名" in sheet


def test_the_csv_lists_every_entry(town):
    app, rt, cli, client = town
    _month(cli)
    response = client.get("/public/demo/funds.csv?month=2026-12")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["日期", "编号", "类型", "金额（元）"]
    assert len(rows) == 1 + 6  # the header; three gifts, two expenses and one approval
    assert ["2026-12-01", "4", "支出", "120.50", "0.00", "给独居老人买药", "照护服务", "已批准，待支付", ""] in rows


def test_a_correction_is_shown_with_its_note(town):
    app, rt, cli, client = town
    gift = number(run(cli, "donate", "--village", "demo", "--donor", "王建国", "--amount", "500"), "donation")
    run(cli, "correct", str(gift), "--why", "重复登记，冲销")
    data = client.get("/public/demo/funds.json?month=2026-12").get_json()
    assert data["income_total"]["fen"] == 0
    assert [c["correction_note"] for c in data["corrections"]] == ["重复登记，冲销"]
    assert "重复登记，冲销" in client.get("/public/demo/funds?month=2026-12").get_data(as_text=True)


def test_receipts_are_shown_redacted_unless_consent_was_given(town, tmp_path):
    app, rt, cli, client = town
    text = tmp_path / "transfer.txt"
    text.write_text("收款人张三 电话13912345678 卡号6222021234567890123 金额80元", encoding="utf-8")
    photo, blurred = tmp_path / "shop.png", tmp_path / "shop-blurred.png"
    photo.write_bytes(b"\x89PNG original with a face")
    blurred.write_bytes(b"\x89PNG blurred copy")
    spend = ["expense", "--village", "demo", "--by", ADMIN]
    run(cli, *spend, "--amount", "80", "--purpose", "买菜", "--receipt", str(text))
    run(cli, *spend, "--amount", "90", "--purpose", "买米", "--receipt", str(photo))
    run(cli, *spend, "--amount", "95", "--purpose", "买油", "--receipt", str(photo), "--receipt-redacted", str(blurred))
    run(cli, *spend, "--amount", "99", "--purpose", "买盐", "--receipt", str(photo), "--receipt-consent")
    entries = {e["purpose"]: e for e in client.get("/public/demo/funds.json?month=2026-12").get_json()["entries"]}
    masked = client.get(entries["买菜"]["receipt"]["url"]).get_data(as_text=True)
    assert "13912345678" not in masked and "6222021234567890123" not in masked and "80元" in masked
    assert entries["买米"]["receipt"]["url"] is None  # only on file: no copy without the personal details
    assert client.get(f"/public/demo/funds/receipts/{entries['买米']['receipt']['id']}").status_code == 404
    assert client.get(entries["买油"]["receipt"]["url"]).data == b"\x89PNG blurred copy"
    consented = client.get(entries["买盐"]["receipt"]["url"])
    assert consented.data == b"\x89PNG original with a face" and consented.mimetype == "image/png"
    assert "票据已存档" in client.get("/public/demo/funds?month=2026-12").get_data(as_text=True)


def test_unknown_villages_and_bad_months_get_a_clear_answer(town):
    app, rt, cli, client = town
    missing = client.get("/public/nowhere/funds.json")
    assert missing.status_code == 404 and missing.get_json()["error"] == "no_such_village"
    bad = client.get("/public/demo/funds.json?month=2026-13")
    assert bad.status_code == 400 and "月份格式不对" in bad.get_json()["message"]
    assert client.get("/public/demo/funds?month=abc").status_code == 400
    assert client.get("/public/nowhere/funds.csv").status_code == 404


def test_without_a_month_the_page_shows_the_current_one(town):
    app, rt, cli, client = town
    assert client.get("/public/demo/funds.json").get_json()["month"] == "2026-12"


def test_the_page_shows_the_time_bank_beside_the_money(town):
    app, rt, cli, client = town
    with session_scope(rt.engine) as session:
        elder = session.exec(select(User).where(User.openid == "demo-elder-1")).one()
        volunteer = session.exec(select(User).where(User.openid == "demo-volunteer-1")).one()
        settle_visit(session, request_id=1, village_id=elder.village_id, category="errand", elder_id=elder.id,
                     volunteer_id=volunteer.id, minutes=90, policy=timebank_policy({}), now=NOW)
    data = client.get("/public/demo/funds.json").get_json()
    assert data["timebank"] == {"hours_given": 1.5, "hours_received": 1.5, "hours_in_pool": 0, "visits": 1}
    page = client.get("/public/demo/funds").get_data(as_text=True)
    assert "时间银行" in page and "志愿服务（小时）" in page and "1.5" in page
