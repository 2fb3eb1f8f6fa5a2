"""The fund ledger's rules in models/, with an explicit clock: amounts, the expense states, the two-person
rule, the chain, statements across months, and two coordinators acting at once."""
from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from models.funds import chain, ledger, public, receipts, subscribers
from models.funds.chain import APPROVE, CANCEL, PAY, REJECT, SUBMIT, FundEntry
from models.funds.ledger import FundError, Gift, Spending
from models.funds.public import public_statement, timebank_totals
from models.funds.statement import month_bounds, month_of, monthly, previous_month
from models.people.users import User, Village
from models.privacy import consent
from models.timebank import gifts as tgifts
from models.timebank.policy import timebank_policy
from models.timebank.visits import settle_visit
from tests.funds_support import tampering

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def village(engine):
    """A village with three coordinators (a1 records, a2 and a3 may approve) and a villager."""
    with session_scope(engine) as session:
        place = Village(code="v1", name="一村", created_at=NOW)
        session.add(place)
        session.flush()
        for openid, roles in (("a1", ",admin,"), ("a2", ",admin,"), ("a3", ",admin,"), ("e1", ",elder,")):
            session.add(User(openid=openid, name=openid, roles=roles, village_id=place.id, created_at=NOW,
                             updated_at=NOW))
        return place.id


def _give(engine, village_id, fen, *, at=NOW, donor="d"):
    with session_scope(engine) as session:
        return ledger.donate(session, session.get(Village, village_id), Gift(donor=donor, amount_fen=fen),
                             actor="t", now=at).entry.id


def _spend(engine, village_id, fen, *, at=NOW, draft=False, by="a1"):
    with session_scope(engine) as session:
        return ledger.record_expense(session, session.get(Village, village_id),
                                     Spending(purpose="p", amount_fen=fen, draft=draft), by=by, now=at).entry.id


def _step(engine, record_id, kind, by="a2", at=NOW, why="w"):
    with session_scope(engine) as session:
        return ledger.step(session, record_id, kind, by=by, now=at, why=why)


def _state(engine, record_id):
    with Session(engine) as session:
        return ledger.state_of(session, ledger.record(session, record_id))


def _statement(engine, village_id, month):
    with Session(engine) as session:
        return monthly(session, session.get(Village, village_id), month, TZ)


@pytest.mark.parametrize("text, fen", [("100", 10000), ("12.5", 1250), ("0.01", 1), ("1,000.50", 100050)])
def test_amounts_in_yuan_become_exact_fen(text, fen):
    assert ledger.parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["0", "-1", "1.001", "abc", "", "nan", "inf", "1e12"])
def test_amounts_that_are_not_a_sum_of_money_are_refused(text):
    with pytest.raises(FundError):
        ledger.parse_yuan(text)


def test_an_expense_moves_draft_pending_approved_paid_and_not_out_of_order(engine, village):
    expense = _spend(engine, village, 5000, draft=True)
    assert _state(engine, expense) == "draft"
    with pytest.raises(FundError):
        _step(engine, expense, APPROVE)  # a draft is not up for approval
    _step(engine, expense, SUBMIT, by="a1")
    with pytest.raises(FundError):
        _step(engine, expense, PAY)  # not approved yet
    _step(engine, expense, APPROVE)
    _step(engine, expense, PAY, by="a1")
    assert _state(engine, expense) == "paid"
    for kind in (APPROVE, REJECT, CANCEL):
        with pytest.raises(FundError):
            _step(engine, expense, kind, by="a3")


def test_the_recorder_can_neither_approve_nor_reject_but_anyone_else_of_the_village_can(engine, village):
    expense = _spend(engine, village, 5000)
    for kind in (APPROVE, REJECT):
        with pytest.raises(FundError) as refused:
            _step(engine, expense, kind, by="a1")
        assert refused.value.code == "funds_err_same_person"
    with pytest.raises(FundError) as refused:
        _step(engine, expense, APPROVE, by="e1")
    assert refused.value.code == "funds_err_not_coordinator"
    _step(engine, expense, APPROVE, by="a3")
    assert _state(engine, expense) == "approved"


def test_money_counts_when_approved_and_comes_back_when_reversed_in_a_later_month(engine, village):
    _give(engine, village, 100_00)
    expense = _spend(engine, village, 30_00)
    january = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    _step(engine, expense, APPROVE, at=january)
    december = _statement(engine, village, "2026-12")
    assert (december.income_fen, december.spending_fen, december.closing_fen) == (100_00, 0, 100_00)
    assert [e.id for e in december.pending] == [expense]
    with session_scope(engine) as session:
        ledger.correct(session, expense, why="wrong shop", by="a2", now=january + timedelta(days=40))
    assert _statement(engine, village, "2027-01").closing_fen == 70_00
    february = _statement(engine, village, "2027-02")
    assert (february.opening_fen, february.spending_fen, february.closing_fen) == (70_00, -30_00, 100_00)
    again = _statement(engine, village, "2026-12")  # a published month never changes
    assert (again.income_fen, again.closing_fen) == (december.income_fen, december.closing_fen)


def test_a_cancelled_approval_returns_the_money_and_a_cancelled_request_never_took_any(engine, village):
    _give(engine, village, 100_00)
    approved, pending = _spend(engine, village, 40_00), _spend(engine, village, 10_00)
    _step(engine, approved, APPROVE)
    _step(engine, approved, CANCEL, by="a1")
    _step(engine, pending, CANCEL, by="a1")
    st = _statement(engine, village, "2026-12")
    assert (st.spending_fen, st.closing_fen, st.pending) == (0, 100_00, [])


def test_each_hash_covers_the_previous_one_and_the_content(engine, village):
    _give(engine, village, 1)
    with Session(engine) as session:
        entry = session.exec(select(FundEntry)).one()
        assert entry.prev_hash == chain.GENESIS and entry.hash == chain.entry_hash(entry, chain.GENESIS)
        assert chain.entry_hash(entry, "f" * 64) != entry.hash
        entry.amount_fen = 2
        assert chain.entry_hash(entry, chain.GENESIS) != entry.hash
        session.rollback()


def test_a_month_boundary_follows_the_villages_clock():
    assert previous_month(datetime(2027, 1, 1, 1, 0, tzinfo=UTC), TZ) == "2026-12"  # 09:00 on the 1st in China
    assert previous_month(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), TZ) == "2026-12"  # already 1 Jan there


def test_an_approval_that_saw_the_expense_pending_loses_to_one_committed_meanwhile(engine, village):
    expense = _spend(engine, village, 20_00)
    stale = Session(engine, expire_on_commit=False)
    record = ledger.record(stale, expense)
    assert ledger.state_of(stale, record) == "pending"
    stale.commit()  # the racer's view ends here, still saying pending
    _step(engine, expense, APPROVE, by="a2")
    with pytest.raises(FundError) as lost:
        ledger.step(stale, expense, REJECT, by="a3", now=NOW, why="late")
    stale.rollback()
    stale.close()
    assert lost.value.code == "funds_err_state" and _state(engine, expense) == "approved"


@pytest.mark.postgres_only
def test_two_coordinators_deciding_at_once_make_one_decision(engine, village):
    expense = _spend(engine, village, 20_00)
    barrier, outcomes = threading.Barrier(2), {}

    def decide(openid, kind):
        barrier.wait()
        try:
            _step(engine, expense, kind, by=openid)
            outcomes[openid] = "done"
        except FundError as exc:
            outcomes[openid] = exc.code

    threads = [threading.Thread(target=decide, args=("a2", APPROVE)),
               threading.Thread(target=decide, args=("a3", REJECT))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["done", "funds_err_state"]
    with Session(engine) as session:
        assert chain.verify(session) is None
        assert len(ledger.steps_of(session, expense)) == 1


@pytest.mark.postgres_only
def test_twenty_donations_at_once_make_one_unbroken_chain(engine, village):
    barrier = threading.Barrier(20)

    def give(i):
        barrier.wait()
        _give(engine, village, 100 + i)

    threads = [threading.Thread(target=give, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with Session(engine) as session:
        assert [e.seq for e in session.exec(select(FundEntry).order_by(FundEntry.seq))] == list(range(1, 21))
        assert chain.verify(session) is None


# --- what mutation testing asked for (docs/testing.md "Mutation testing") ------------------------------------

def _village_row(session, village_id):
    return session.get(Village, village_id)


def _receipt_expense(engine, village_id, *, consent, data=b"fapiao 12.50", content_type="text/plain"):
    """An expense whose receipt is kept; returns (expense id, receipt id)."""
    with session_scope(engine) as session:
        stored = receipts.store(session, village_id, data=data, content_type=content_type, filename="r.txt",
                                consent=consent, redacted=None, now=NOW)
        spending = Spending(purpose="p", amount_fen=12_50, receipt=receipts.details(stored))
        entry = ledger.record_expense(session, _village_row(session, village_id), spending, by="a1", now=NOW).entry
        return entry.id, stored.id


def _verify(engine):
    with Session(engine) as session:
        return chain.verify(session, receipt_hashes=lambda e: receipts.check(session, e.details or {}))


def test_a_receipt_of_exactly_the_limit_is_kept_and_one_byte_more_is_refused(engine, village):
    receipts.within_limit(receipts.MAX_BYTES, "r.jpg")
    with pytest.raises(FundError) as big:
        receipts.within_limit(receipts.MAX_BYTES + 1, "r.jpg")
    assert big.value.code == "funds_err_receipt_big" and big.value.params == {"path": "r.jpg"}
    whole = b"x" * receipts.MAX_BYTES
    with session_scope(engine) as session:
        kept = receipts.store(session, village, data=whole, content_type="image/jpeg", filename="r.jpg",
                              consent=False, redacted=whole, redacted_type="image/jpeg", now=NOW)
        assert receipts.public_copy(kept) == whole
        for data, redacted in ((whole + b"x", None), (b"x", whole + b"x")):
            with pytest.raises(ValueError):
                receipts.store(session, village, data=data, content_type="image/jpeg", filename="r.jpg",
                               consent=False, redacted=redacted, now=NOW)


def test_a_receipt_is_shown_whole_with_consent_else_only_its_redacted_copy(engine, village):
    with session_scope(engine) as session:
        photo = receipts.store(session, village, data=b"\xff\xd8photo", content_type="image/jpeg", filename="r.jpg",
                               consent=True, redacted=b"masked", redacted_type="image/png", now=NOW)
        assert (receipts.public_copy(photo), receipts.public_type(photo), photo.public_sha256) == (
            b"\xff\xd8photo", "image/jpeg", "")
        assert (photo.public_data, photo.filename) == (None, "r.jpg")  # with consent no second copy is kept
        long_name = receipts.store(session, village, data=b"x", content_type="text/plain", filename="票" * 250 + ".txt",
                                   consent=True, redacted=None, now=NOW)
        assert long_name.filename == "票" * 200
        masked = receipts.store(session, village, data=b"\xff\xd8photo", content_type="image/jpeg",
                                filename="r.jpg", consent=False, redacted=b"\x89PNG", redacted_type="image/png",
                                now=NOW)
        assert (receipts.public_copy(masked), receipts.public_type(masked)) == (b"\x89PNG", "image/png")
        assert masked.public_sha256 == receipts.digest(b"\x89PNG")
        on_file = receipts.store(session, village, data=b"\xff\xd8photo", content_type="image/jpeg",
                                 filename="r.jpg", consent=False, redacted=None, now=NOW)
        assert (receipts.public_copy(on_file), receipts.public_type(on_file)) == (None, "")


def test_a_text_receipt_not_in_utf8_is_still_kept_and_redacted(engine, village):
    gbk = "收款人电话13812345678".encode("gb18030")
    with session_scope(engine) as session:
        row = receipts.store(session, village, data=gbk, content_type="text/plain", filename="r.txt",
                             consent=False, redacted=None, now=NOW)
        assert row.data == gbk and row.public_content_type == "text/plain"
        assert b"13812345678" not in row.public_data


def test_verify_holds_for_untouched_receipts_and_names_a_swapped_one(engine, village):
    _receipt_expense(engine, village, consent=True)
    expense, receipt_id = _receipt_expense(engine, village, consent=False, data="电话13812345678".encode())
    assert _verify(engine) is None
    with Session(engine) as session:
        assert chain.verify(session) is None  # the chain alone, receipts not compared
        row = session.get(receipts.FundReceipt, receipt_id)
        assert session.get(FundEntry, expense).details["receipt_id"] == receipt_id
        assert receipts.details(row) == {"receipt_id": receipt_id, "receipt_sha256": row.sha256,
                                         "receipt_consent": False, "receipt_public_sha256": row.public_sha256}
    with tampering(engine) as conn:
        conn.execute(sa.text("UPDATE fund_receipts SET public_data = :d WHERE id = :i"), {"d": b"x", "i": receipt_id})
    assert _verify(engine) == chain.Break(village, 2, expense, "receipt")


def test_a_receipt_row_gone_is_a_receipt_break(engine, village):
    expense, receipt_id = _receipt_expense(engine, village, consent=True)
    with tampering(engine) as conn:
        conn.execute(sa.text("DELETE FROM fund_receipts WHERE id = :i"), {"i": receipt_id})
    assert _verify(engine) == chain.Break(village, 1, expense, "receipt")
    with Session(engine) as session:
        sha = session.get(FundEntry, expense).details["receipt_sha256"]
        assert receipts.check(session, session.get(FundEntry, expense).details) == [(receipt_id, sha, "")]
        assert receipts.check(session, {}) == []


@pytest.mark.parametrize("filename, kind", [("r.jpg", "image/jpeg"), ("r.PDF", "application/pdf"),
                                            ("r.txt", "text/plain")])
def test_a_receipt_is_a_photo_a_pdf_or_a_text_judged_by_its_name(filename, kind):
    assert receipts.content_type_of(filename) == kind


@pytest.mark.parametrize("filename", ["r.html", "r.exe", "r"])
def test_a_receipt_of_another_type_is_refused(filename):
    with pytest.raises(FundError) as refused:
        receipts.content_type_of(filename)
    assert refused.value.code == "funds_err_receipt_type" and refused.value.params == {"path": filename}


def test_every_month_knows_the_one_before():
    assert previous_month(datetime(2027, 3, 15, 4, 0, tzinfo=UTC), TZ) == "2027-02"
    assert previous_month(datetime(2027, 11, 30, 4, 0, tzinfo=UTC), TZ) == "2027-10"
    assert previous_month(datetime(2027, 2, 1, 1, 0, tzinfo=UTC), TZ) == "2027-01"


def test_the_statement_goes_to_those_of_the_village_who_asked_and_still_follow(engine, village):
    with session_scope(engine) as session:
        other = Village(code="v2", name="二村", created_at=NOW)
        session.add(other)
        session.flush()
        later = User(openid="a0", name="a0", roles=",family,", village_id=village, created_at=NOW, updated_at=NOW)
        gone = User(openid="gone", name="gone", roles=",family,", village_id=village, created_at=NOW,
                    updated_at=NOW, subscribed=False)
        offline = User(openid="offline-1", name="o", roles=",elder,", village_id=village, created_at=NOW,
                       updated_at=NOW)
        session.add_all([later, gone, offline])
        session.flush()
        other_id = other.id
        for openid in ("a0", "e1", "gone", "offline-1"):
            assert subscribers.subscribe(session, openid, village, now=NOW)
        assert not subscribers.subscribe(session, "e1", village, now=NOW)  # already in
        assert subscribers.subscribe(session, "a2", other_id, now=NOW)
    with session_scope(engine) as session:
        assert [u.openid for u in subscribers.followers(session, village)] == ["e1", "a0"]  # by who came first
        assert [u.openid for u in subscribers.followers(session, other_id)] == ["a2"]
        assert subscribers.unsubscribe(session, "e1", village)
    with session_scope(engine) as session:
        assert not subscribers.unsubscribe(session, "e1", village)
        assert not subscribers.unsubscribe(session, "a2", village)  # subscribed to the other village only
    with Session(engine) as session:
        assert [u.openid for u in subscribers.followers(session, village)] == ["a0"]
        assert [u.openid for u in subscribers.followers(session, other_id)] == ["a2"]


def test_the_open_expenses_are_those_still_to_act_on_oldest_first(engine, village):
    _give(engine, village, 100_00)
    draft, pending, approved = (_spend(engine, village, 10_00, draft=True), _spend(engine, village, 20_00),
                                _spend(engine, village, 30_00))
    paid, rejected, cancelled = (_spend(engine, village, fen) for fen in (1_00, 2_00, 3_00))
    _step(engine, approved, APPROVE)
    _step(engine, paid, APPROVE)
    _step(engine, paid, PAY)
    _step(engine, rejected, REJECT)
    _step(engine, cancelled, CANCEL, by="a1")
    with Session(engine) as session:
        assert [(e.id, state) for e, state in ledger.open_expenses(session, village)] == [
            (draft, "draft"), (pending, "pending"), (approved, "approved")]
        assert ledger.open_expenses(session, village + 1) == []


def _refusal(call, *args, **kwargs) -> FundError:
    with pytest.raises(FundError) as refused:
        call(*args, **kwargs)
    return refused.value


def test_a_correction_needs_a_reason_and_cannot_undo_what_is_already_undone(engine, village):
    gift, rejected, cancelled = _give(engine, village, 50_00), *(_spend(engine, village, fen) for fen in (10_00, 5_00))
    _step(engine, rejected, REJECT)
    _step(engine, cancelled, CANCEL, by="a1")
    with session_scope(engine) as session:
        assert _refusal(ledger.correct, session, gift, why="  ", by="a2", now=NOW).code == "funds_err_no_reason"
        too_long = _refusal(ledger.correct, session, gift, why="x" * 201, by="a2", now=NOW)
        assert (too_long.code, too_long.params) == ("funds_err_too_long", {"field": "why", "limit": 200})
        assert _refusal(ledger.correct, session, gift, why="w", by="e1", now=NOW).code == "funds_err_not_coordinator"
        done = ledger.correct(session, gift, why="录错了", by="cli", now=NOW).entry  # the operator's command line
        assert (done.kind, done.ref_id, done.amount_fen, done.actor, done.details) == (
            "correction", gift, 50_00, "cli", {"why": "录错了", "was": "recorded"})
    with session_scope(engine) as session:
        for record_id, state in ((gift, "reversed"), (rejected, "rejected"), (cancelled, "cancelled")):
            refused = _refusal(ledger.correct, session, record_id, why="w", by="a2", now=NOW)
            assert (refused.code, refused.params) == (
                "funds_err_state", {"id": record_id, "state": state, "action": "correction"})


def test_a_step_refused_says_why(engine, village):
    gift, expense = _give(engine, village, 50_00), _spend(engine, village, 10_00)
    with session_scope(engine) as session:
        assert _refusal(ledger.step, session, gift, APPROVE, by="a2", now=NOW).params == {"id": gift}
        assert _refusal(ledger.step, session, gift, APPROVE, by="a2", now=NOW).code == "funds_err_not_expense"
        unknown = _refusal(ledger.step, session, 999, APPROVE, by="a2", now=NOW)
        assert (unknown.code, unknown.params) == ("funds_err_no_record", {"id": 999})
        nobody = _refusal(ledger.step, session, expense, APPROVE, by="zz", now=NOW)
        assert (nobody.code, nobody.params) == ("funds_err_no_user", {"openid": "zz"})
        villager = _refusal(ledger.step, session, expense, APPROVE, by="e1", now=NOW)
        assert (villager.code, villager.params) == ("funds_err_not_coordinator", {"openid": "e1", "village": "一村"})
        assert _refusal(ledger.step, session, expense, REJECT, by="a2", now=NOW, why=" ").code == "funds_err_no_reason"
        long_why = _refusal(ledger.step, session, expense, REJECT, by="a2", now=NOW, why="x" * 201)
        assert (long_why.code, long_why.params) == ("funds_err_too_long", {"field": "why", "limit": 200})
        same = _refusal(ledger.step, session, expense, APPROVE, by="a1", now=NOW)
        assert (same.code, same.params) == ("funds_err_same_person", {"id": expense})
        early = _refusal(ledger.step, session, expense, PAY, by="a2", now=NOW)
        assert (early.code, early.params) == ("funds_err_state", {"id": expense, "state": "pending", "action": "pay"})
        done = ledger.step(session, expense, REJECT, by="a2", now=NOW, why="没有票据").entry
        assert (done.kind, done.ref_id, done.actor, done.amount_fen, done.details) == (
            "reject", expense, "a2", 0, {"why": "没有票据"})
    with session_scope(engine) as session:
        step = session.exec(select(FundEntry).where(FundEntry.kind == "reject")).one()
        assert ledger.record(session, expense).id == expense
        assert _refusal(ledger.record, session, step.id).code == "funds_err_no_record"  # a step is not a record


def test_a_donation_or_expense_refused_says_what_is_missing(engine, village):
    with session_scope(engine) as session:
        place = _village_row(session, village)

        def gift(**kwargs):
            return _refusal(ledger.donate, session, place, Gift(**{"donor": "d", "amount_fen": 100, **kwargs}),
                            actor="t", now=NOW)

        assert gift(donor=" ").code == "funds_err_no_donor"
        assert (gift(channel="gold").code, gift(channel="gold").params) == ("funds_err_channel", {"channel": "gold"})
        assert (gift(amount_fen=0).code, gift(amount_fen=0).params) == ("funds_err_amount", {"text": 0})
        assert gift(amount_fen=-1, items="米").code == "funds_err_amount"
        assert gift(amount_fen=-150, items="米").params == {"text": -1.5}  # the value as typed, in yuan
        assert gift(donor="d" * 201).params == {"field": "donor", "limit": 200}
        assert gift(receipt_no="r" * 201).params == {"field": "receipt", "limit": 200}
        assert gift(items="米" * 201).params == {"field": "items", "limit": 200}
        assert gift(note="n" * 201).params == {"field": "note", "limit": 200}

        def spending(**kwargs):
            return _refusal(ledger.record_expense, session, place,
                            Spending(**{"purpose": "p", "amount_fen": 100, **kwargs}), by="a1", now=NOW)

        assert spending(purpose=" ").code == "funds_err_no_purpose"
        assert spending(purpose="p" * 201).params == {"field": "purpose", "limit": 200}
        assert spending(note="n" * 201).params == {"field": "note", "limit": 200}
        wrong = spending(category="gifts")
        assert (wrong.code, wrong.params) == ("funds_err_category", {"category": "gifts",
                                                                     "choices": ", ".join(ledger.CATEGORIES)})
        assert (spending(amount_fen=0).code, spending(amount_fen=0).params) == ("funds_err_amount", {"text": 0})
        assert spending(amount_fen=-100).params == {"text": -1}
        assert session.exec(select(FundEntry)).all() == []
        longest = ledger.record_expense(session, place, Spending(purpose="买" * 200, amount_fen=100), by="a1", now=NOW)
        assert longest.entry.details["purpose"] == "买" * 200  # 200 characters are allowed


def test_a_gift_records_what_was_given_and_how(engine, village):
    with session_scope(engine) as session:
        place = _village_row(session, village)
        money = ledger.donate(session, place, Gift(donor=" 王建国 ", amount_fen=500_00, channel="bank",
                                                   receipt_no=" R-1 ", note=" 给老人 ", given_on="2026-12-01",
                                                   consent=False), actor="a1", now=NOW).entry
        goods = ledger.donate(session, place, Gift(donor="李大姐", amount_fen=0, items=" 大米5袋 "), actor="a1",
                              now=NOW).entry
        assert (money.kind, money.amount_fen, money.actor, money.details) == ("donation", 500_00, "a1", {
            "donor": "王建国", "consent": False, "note": "给老人", "given_on": "2026-12-01", "donor_openid": "",
            "channel": "bank", "receipt_no": "R-1"})
        assert (goods.kind, goods.amount_fen, goods.details) == ("in_kind", 0, {
            "donor": "李大姐", "consent": True, "note": "", "given_on": "", "donor_openid": "", "items": "大米5袋"})
        spent = ledger.record_expense(session, place, Spending(purpose=" 买药 ", amount_fen=12_50, category="care",
                                                               note=" 票据在柜子里 ", draft=True), by="a1",
                                      now=NOW).entry
        assert (spent.kind, spent.actor, spent.details) == ("expense", "a1", {
            "purpose": "买药", "category": "care", "draft": True, "note": "票据在柜子里"})


def _three_gifts(engine, village_id):
    return [_give(engine, village_id, fen, at=NOW + timedelta(minutes=i)) for i, fen in enumerate((100, 200, 300))]


def _entry_id(engine, seq):
    with Session(engine) as session:
        return session.exec(select(FundEntry).where(FundEntry.seq == seq)).one().id


def test_verify_finds_a_changed_entry_by_its_content(engine, village):
    _three_gifts(engine, village)
    with tampering(engine) as conn:
        conn.execute(sa.text("UPDATE fund_entries SET actor = 'x' WHERE seq = 2"))
    assert _verify(engine) == chain.Break(village, 2, _entry_id(engine, 2), "content")


def test_verify_finds_an_entry_that_no_longer_follows_the_one_before(engine, village):
    _three_gifts(engine, village)
    with tampering(engine) as conn:  # the first entry rewritten whole, with a hash that fits its new content
        conn.execute(sa.text("UPDATE fund_entries SET amount_fen = 1 WHERE seq = 1"))
    with Session(engine) as session:
        first = session.exec(select(FundEntry).where(FundEntry.seq == 1)).one()
        rehashed = chain.entry_hash(first, chain.GENESIS)
    with tampering(engine) as conn:
        conn.execute(sa.text("UPDATE fund_entries SET hash = :h WHERE seq = 1"), {"h": rehashed})
    assert _verify(engine) == chain.Break(village, 2, _entry_id(engine, 2), "link")


def test_verify_finds_a_missing_entry_and_the_newest_ones_gone(engine, village):
    _three_gifts(engine, village)
    third = _entry_id(engine, 3)
    with tampering(engine) as conn:
        conn.execute(sa.text("DELETE FROM fund_entries WHERE seq = 2"))
    assert _verify(engine) == chain.Break(village, 2, third, "gap")
    with tampering(engine) as conn:
        conn.execute(sa.text("DELETE FROM fund_entries WHERE seq = 3"))
    assert _verify(engine) == chain.Break(village, 2, None, "head")
    with tampering(engine) as conn:
        conn.execute(sa.text("DELETE FROM fund_entries"))
    assert _verify(engine) == chain.Break(village, 1, None, "head")  # a village whose every entry is gone


def test_verify_checks_every_village_and_a_village_whose_head_was_reset(engine, village):
    with session_scope(engine) as session:
        other = Village(code="v2", name="二村", created_at=NOW)
        session.add(other)
        session.flush()
        other_id = other.id
        ledger.donate(session, other, Gift(donor="d", amount_fen=100), actor="t", now=NOW)
    _give(engine, village, 100)
    assert _verify(engine) is None
    with tampering(engine) as conn:
        conn.execute(sa.text("UPDATE fund_chains SET last_hash = :h WHERE village_id = :v"),
                     {"h": "f" * 64, "v": other_id})
    assert _verify(engine) == chain.Break(other_id, 2, None, "head")
    with tampering(engine) as conn:
        conn.execute(sa.text("UPDATE fund_chains SET last_hash = h.hash, last_seq = 2 FROM "
                             "(SELECT hash FROM fund_entries WHERE village_id = :v) AS h WHERE village_id = :v"),
                     {"v": other_id})
    assert _verify(engine) == chain.Break(other_id, 2, None, "head")  # a head one further than its entries


def test_the_hash_sees_the_moment_in_utc_whatever_the_clock_zone(engine, village):
    _give(engine, village, 1, at=datetime(2026, 12, 10, 10, 0, tzinfo=TZ))
    with Session(engine) as session:
        entry = session.exec(select(FundEntry)).one()
        assert chain.moment_text(entry.created_at) == "2026-12-10T02:00:00.000000+00:00"
        assert '"at":"2026-12-10T02:00:00.000000+00:00"' in chain.canonical(entry)
        assert chain.head_hash(session, village) == (1, entry.hash)
        assert chain.head_hash(session, village, until=entry.created_at) == (0, chain.GENESIS)
        assert chain.head_hash(session, village, until=entry.created_at + timedelta(microseconds=1)) == (1, entry.hash)
    with session_scope(engine) as session, pytest.raises(ValueError):
        chain.append(session, chain.lock_head(session, village), kind="donation", amount_fen=-1, now=NOW)


def test_the_canonical_text_is_sorted_compact_and_keeps_chinese_as_is(engine, village):
    _give(engine, village, 1, donor="王建国")
    with Session(engine) as session:
        entry = session.exec(select(FundEntry)).one()
        text = chain.canonical(entry)
    assert text.startswith('{"actor":"t","amount_fen":1,"at":') and '"donor":"王建国"' in text and ", " not in text
    assert chain.entry_hash(entry, chain.GENESIS) == hashlib.sha256(f"{chain.GENESIS}\n{text}".encode()).hexdigest()


def test_a_month_is_a_real_calendar_month_of_the_village(engine, village):
    assert month_bounds("2026-12", TZ) == (datetime(2026, 12, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ))
    assert month_bounds("2027-01", TZ) == (datetime(2027, 1, 1, tzinfo=TZ), datetime(2027, 2, 1, tzinfo=TZ))
    assert month_bounds("2000-11", TZ)[1] == datetime(2000, 12, 1, tzinfo=TZ)
    for wrong in ("2026-00", "2026-13", "1999-12", "2026-1", "", None, "x2026-12"):
        refused = _refusal(month_bounds, wrong, TZ)
        assert (refused.code, refused.params) == ("funds_err_month", {"month": wrong})
    assert month_of(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), TZ) == "2027-01"  # already January there


def test_amounts_shown_in_yuan_have_two_decimals_and_a_sign():
    assert [ledger.yuan(fen) for fen in (12345, 5, 100, 0, -1250)] == ["123.45", "0.05", "1.00", "0.00", "-12.50"]
    assert ledger.parse_yuan("0", allow_zero=True) == 0 and ledger.parse_yuan(" 12.50 ") == 1250
    assert ledger.parse_yuan("100000000") == ledger.MAX_FEN  # a hundred million yuan
    refused = _refusal(ledger.parse_yuan, "100000000.01")
    assert (refused.code, refused.params) == ("funds_err_amount", {"text": "100000000.01"})
    assert _refusal(ledger.parse_yuan, "abc").params == {"text": "abc"}


def test_money_counts_in_the_month_it_is_decided_by_channel_and_category(engine, village):
    december, january = NOW, datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        place = _village_row(session, village)
        for fen, channel in ((100_00, "cash"), (50_00, "bank"), (25_00, "bank")):
            ledger.donate(session, place, Gift(donor="d", amount_fen=fen, channel=channel), actor="t", now=december)
        ledger.donate(session, place, Gift(donor="d", amount_fen=80_00, items="米"), actor="t", now=december)
        care = ledger.record_expense(session, place, Spending(purpose="药", amount_fen=30_00, category="care"),
                                     by="a1", now=december).entry.id
        meals = ledger.record_expense(session, place, Spending(purpose="饭", amount_fen=20_00, category="meals"),
                                      by="a1", now=december).entry.id
        hidden = ledger.record_expense(session, place, Spending(purpose="草稿", amount_fen=1_00, draft=True),
                                       by="a1", now=december).entry.id
    _step(engine, care, APPROVE, at=december)
    _step(engine, meals, APPROVE, at=january)
    _step(engine, care, PAY, by="a1", at=january)
    st = _statement(engine, village, "2026-12")
    assert (st.income, st.spending, st.opening_fen, st.closing_fen) == (
        {"cash": 100_00, "bank": 75_00}, {"care": 30_00}, 0, 145_00)
    assert [e.amount_fen for e in st.in_kind] == [80_00] and [e.id for e in st.pending] == [meals]
    assert hidden not in [li.record.id for li in st.lines]  # a draft nobody submitted is not the ledger
    assert [(li.record.id, li.effect_fen, li.state) for li in st.lines if li.record.kind == "expense"] == [
        (care, 0, "approved"), (meals, 0, "pending"), (care, -30_00, "approved")]  # as the month ended
    assert st.head == (8, st.lines[-1].entry.hash)  # the chain as it stood at the month's end
    jan = _statement(engine, village, "2027-01")
    assert (jan.opening_fen, jan.spending, jan.closing_fen, jan.pending) == (145_00, {"meals": 20_00}, 125_00, [])
    assert [(li.entry.kind, li.effect_fen) for li in jan.lines] == [("approve", -20_00), ("pay", 0)]


def test_cancelling_or_correcting_after_approval_gives_the_money_back_and_before_it_takes_none(engine, village):
    _give(engine, village, 100_00)
    paid, approved, pending = (_spend(engine, village, fen) for fen in (10_00, 20_00, 40_00))
    for expense in (paid, approved):
        _step(engine, expense, APPROVE)
    _step(engine, paid, PAY, by="a1")
    with session_scope(engine) as session:
        ledger.correct(session, paid, why="退款", by="a2", now=NOW)
        ledger.correct(session, pending, why="不买了", by="a2", now=NOW)
    _step(engine, approved, CANCEL, by="a1")
    st = _statement(engine, village, "2026-12")
    assert st.closing_fen == 100_00 and st.spending == {"other": 0}
    assert {li.record.id: li.state for li in st.lines if li.record.kind == "expense"} == {
        paid: "reversed", approved: "cancelled", pending: "cancelled"}
    assert [li.effect_fen for li in st.lines if li.entry.kind in ("correction", "cancel")] == [10_00, 0, 20_00]


def _people(engine, village_id, *specs):
    """Add people: (openid, name, roles, subscribed)."""
    with session_scope(engine) as session:
        for openid, name, roles, subscribed in specs:
            session.add(User(openid=openid, name=name, roles=roles, village_id=village_id, subscribed=subscribed,
                             created_at=NOW, updated_at=NOW))


def _gift_from(engine, village_id, openid, fen, **kwargs):
    with session_scope(engine) as session:
        outcome = ledger.donate(session, session.get(Village, village_id),
                                Gift(donor=openid, amount_fen=fen, donor_openid=openid, **kwargs), actor="a1",
                                now=NOW, link="L")
        return outcome.entry.id, outcome.notices


def test_donors_hear_what_their_money_paid_for_oldest_gifts_spent_first(engine, village):
    _people(engine, village, ("f1", "f1", ",family,", True), ("f2", "f2", ",family,", True),
            ("f3", "f3", ",family,", True), ("gone", "gone", ",family,", False))
    first, _ = _gift_from(engine, village, "f1", 100_00)
    reversed_gift, _ = _gift_from(engine, village, "f3", 100_00)
    with session_scope(engine) as session:
        ledger.correct(session, reversed_gift, why="录错", by="a2", now=NOW)
    _gift_from(engine, village, "f1", 500_00, items="米")  # goods pay for nothing
    second, _ = _gift_from(engine, village, "f2", 100_00)
    _gift_from(engine, village, "gone", 100_00)
    big, small = _spend(engine, village, 150_00), _spend(engine, village, 30_00)
    with session_scope(engine) as session:
        small_told = ledger.step(session, small, APPROVE, by="a2", now=NOW, link="L").notices
        big_told = ledger.step(session, big, APPROVE, by="a3", now=NOW).notices
    assert [(n.openid, n.kind, n.key, n.text_key, n.params) for n in small_told] == [
        ("f1", "fund_spent", f"fund_spent:{small}:{first}", "funds_spent",
         {"purpose": "p", "amount": "30.00", "village": "一村", "link": "L"})]
    # approved after the small one, so the big one starts 30 yuan into the first gift; "gone" unfollowed
    assert [(n.openid, n.key, n.params["amount"]) for n in big_told] == [
        ("f1", f"fund_spent:{big}:{first}", "70.00"), ("f2", f"fund_spent:{big}:{second}", "80.00")]


def test_an_expense_approved_before_another_recorded_earlier_is_paid_first(engine, village):
    _people(engine, village, ("f1", "f1", ",family,", True), ("f2", "f2", ",family,", True))
    first, _ = _gift_from(engine, village, "f1", 50_00)
    _gift_from(engine, village, "f2", 50_00)
    early, late = _spend(engine, village, 50_00), _spend(engine, village, 50_00)
    _step(engine, late, APPROVE)
    _step(engine, late, PAY, by="a1")  # paid still counts as spent
    told = _step(engine, early, APPROVE, by="a3").notices
    assert [(n.openid, n.params["amount"]) for n in told] == [("f2", "50.00")]
    submitted = _step(engine, _spend(engine, village, 10_00, draft=True), SUBMIT, by="a1").notices
    assert [n.kind for n in submitted] == ["fund_review", "fund_review"]  # reviewers asked, no donor told


def test_the_other_coordinators_of_the_village_are_asked_to_review(engine, village):
    with session_scope(engine) as session:
        other = Village(code="v2", name="二村", created_at=NOW)
        session.add(other)
        session.flush()
        other_id = other.id
    _people(engine, village, ("offline-a", "o", ",admin,", True))
    _people(engine, other_id, ("b1", "b1", ",admin,", True))
    with session_scope(engine) as session:
        place = _village_row(session, village)
        outcome = ledger.record_expense(session, place, Spending(purpose="路灯", amount_fen=300_00), by="a1", now=NOW,
                                        link="L")
        expense = outcome.entry.id
        assert [(n.openid, n.kind, n.key, n.text_key, n.params) for n in outcome.notices] == [
            (openid, "fund_review", f"fund_review:{expense}:{openid}", "funds_review",
             {"number": expense, "amount": "300.00", "purpose": "路灯", "link": "L"}) for openid in ("a2", "a3")]
        draft = ledger.record_expense(session, place, Spending(purpose="灯泡", amount_fen=1, draft=True), by="a1",
                                      now=NOW)
        assert draft.notices == []
        # Submitting the draft (here by another coordinator) asks the same people as recording it pending would:
        # the village's coordinators but the one who recorded it, not one offline, not another village's.
        submitted = ledger.step(session, draft.entry.id, SUBMIT, by="a2", now=NOW, link="L2").notices
        number = draft.entry.id
        assert [(n.openid, n.kind, n.key, n.text_key, n.params) for n in submitted] == [
            (openid, "fund_review", f"fund_review:{number}:{openid}", "funds_review",
             {"number": number, "amount": "0.01", "purpose": "灯泡", "link": "L2"}) for openid in ("a2", "a3")]
        for kind in (APPROVE, PAY):  # the later steps ask nobody to review
            assert all(n.kind != "fund_review" for n in ledger.step(session, number, kind, by="a3", now=NOW).notices)


def test_a_donor_who_follows_is_thanked_for_money_or_goods(engine, village):
    _people(engine, village, ("f1", "f1", ",family,", True), ("gone", "gone", ",family,", False),
            ("offline-1", "o", ",elder,", True))
    money, told = _gift_from(engine, village, "f1", 12_50)
    assert [(n.openid, n.kind, n.key, n.text_key, n.params) for n in told] == [
        ("f1", "fund_thanks", f"fund_thanks:{money}", "funds_thanks",
         {"village": "一村", "amount": "12.50", "items": "", "number": money, "link": "L"})]
    goods, told = _gift_from(engine, village, "f1", 0, items="大米5袋")
    assert [(n.text_key, n.params["items"], n.params["amount"]) for n in told] == [
        ("funds_thanks_in_kind", "大米5袋", "0.00")]
    for openid in ("gone", "offline-1", "stranger"):
        assert _gift_from(engine, village, openid, 1_00)[1] == []
    with session_scope(engine) as session:
        assert ledger.donate(session, _village_row(session, village), Gift(donor="d", amount_fen=1), actor="t",
                             now=NOW).notices == []


def test_a_named_gift_of_a_registered_person_is_their_consent_to_be_named(engine, village):
    _people(engine, village, ("f1", "f1", ",family,", True), ("f2", "f2", ",family,", True))
    _gift_from(engine, village, "f1", 1_00)
    _gift_from(engine, village, "f1", 2_00)  # one record, not one per gift
    _gift_from(engine, village, "f2", 1_00, consent=False)
    _gift_from(engine, village, "stranger", 1_00)
    with Session(engine) as session:
        f1, f2 = (session.exec(select(User).where(User.openid == o)).one() for o in ("f1", "f2"))
        [given] = consent.history(session, f1.id)
        assert (given.purpose, given.granted, given.given_by_user_id, given.text_version, given.given_at) == (
            consent.PUBLICATION, True, f1.id, ledger.DONOR_CONSENT_VERSION, NOW)
        assert consent.history(session, f2.id) == []
    # Someone who agreed to something else (their service consent) still has this one recorded, and is named.
    _people(engine, village, ("f3", "f3", ",family,", True))
    with session_scope(engine) as session:
        f3 = session.exec(select(User).where(User.openid == "f3")).one()
        consent.record(session, f3.id, consent.SERVICE, granted=True, given_by=f3.id, now=NOW)
    named, _ = _gift_from(engine, village, "f3", 1_00)
    with Session(engine) as session:
        assert consent.allows(session, f3.id, consent.PUBLICATION)
        assert public.donor_shown(session, ledger.record(session, named)) == "f3"


def test_a_donor_is_found_by_openid_or_by_a_name_only_one_villager_has(engine, village):
    with session_scope(engine) as session:
        other = Village(code="v2", name="二村", created_at=NOW)
        session.add(other)
        session.flush()
        other_id = other.id
    _people(engine, village, ("w1", "王芳", ",family,", True), ("w2", "王芳", ",family,", True),
            ("l1", "李强", ",family,", True))
    _people(engine, other_id, ("z1", "赵六", ",family,", True))
    with Session(engine) as session:
        place = _village_row(session, village)
        assert ledger.find_donor(session, place, "w2") == "w2"
        assert ledger.find_donor(session, place, "李强") == "l1"
        assert ledger.find_donor(session, place, "王芳") == ""  # two of them: never guess
        assert ledger.find_donor(session, place, "赵六") == ""  # another village's
        assert ledger.find_donor(session, place, "无名") == ""


LATE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # already the 11th in the village


def _published_month(engine, village_id):
    """A month with a named, an anonymous, a withdrawn and an outside donor, goods, receipts of each kind,
    a rejection, a correction and time-bank visits; returns the ids by name."""
    _people(engine, village_id, ("f1", "王建国", ",family,", True), ("f2", "赵四", ",family,", True))
    ids = {"named": _gift_from(engine, village_id, "f1", 500_00, channel="bank", receipt_no="R13812345678")[0],
           "withdrawn": _gift_from(engine, village_id, "f2", 10_00)[0]}
    with session_scope(engine) as session:
        place = _village_row(session, village_id)
        f2 = session.exec(select(User).where(User.openid == "f2")).one()
        [granted] = consent.active(session, f2.id)
        consent.withdraw(session, granted.id, f2.id, now=LATE)
        # still served (a live consent of another purpose), but no longer named
        consent.record(session, f2.id, consent.SERVICE, granted=True, given_by=f2.id, now=LATE)

        def expense(purpose, fen, category, receipt=None):
            return ledger.record_expense(session, place, Spending(purpose=purpose, amount_fen=fen, category=category,
                                                                  receipt=receipt), by="a1", now=LATE).entry.id

        def receipt(consented, redacted=None):
            return receipts.details(receipts.store(
                session, village_id, data="张三13812345678".encode(), content_type="text/plain", filename="r.txt",
                consent=consented, redacted=redacted, now=LATE, redacted_type="text/plain" if redacted else ""))

        ids["anonymous"] = ledger.donate(session, place, Gift(donor="张先生", amount_fen=200_00, consent=False),
                                         actor="a1", now=LATE).entry.id
        goods = Gift(donor="李大姐", amount_fen=150_00, given_on="2026-11-30", items="大米5袋 电话13812345678")
        ids["goods"] = ledger.donate(session, place, goods, actor="a1", now=LATE).entry.id
        ids["care"] = expense("买药", 120_50, "care", receipt(False))
        ids["lamp"] = expense("修路灯 电话13812345678", 300_00, "repairs", receipt(True))
        ids["photo"] = expense("照片", 1_00, "office", receipts.details(receipts.store(
            session, village_id, data=b"\xff\xd8", content_type="image/jpeg", filename="r.jpg", consent=False,
            redacted=None, now=LATE)))
        ledger.correct(session, ids["anonymous"], why="重复 13812345678", by="a2", now=LATE)
    _step(engine, ids["care"], APPROVE, why="", at=LATE)
    _step(engine, ids["photo"], REJECT, why="看不清 13812345678", at=LATE)
    with session_scope(engine) as session:
        e1, a2, a3 = (session.exec(select(User).where(User.openid == o)).one() for o in ("e1", "a2", "a3"))
        settle_visit(session, request_id=1, village_id=village_id, category="errand", elder_id=e1.id,
                     volunteer_id=a2.id, minutes=100, policy=timebank_policy({}), now=LATE)
        settle_visit(session, request_id=2, village_id=None, category="errand", elder_id=e1.id, volunteer_id=a3.id,
                     minutes=50, policy=timebank_policy({}), now=LATE)
        assert tgifts.opening(session, a2, 200, key="o", now=LATE)
        tgifts.donate(session, a2, 100, key="d", now=LATE)
    return ids


def _money(fen):
    return {"fen": fen, "yuan": ledger.yuan(fen)}


def test_the_published_statement_names_only_with_consent_and_masks_personal_details(engine, village):
    ids = _published_month(engine, village)
    with Session(engine) as session:
        data = public_statement(session, monthly(session, session.get(Village, village), "2026-12", TZ), TZ)
        head = chain.head_hash(session, village)
    entries, corrections = data.pop("entries"), data.pop("corrections")
    assert data == {
        "village": {"code": "v1", "name": "一村"}, "month": "2026-12", "currency": "CNY",
        "opening_balance": _money(0),
        "income": [{"source": "bank", **_money(500_00)}, {"source": "cash", **_money(10_00)}],
        "income_total": _money(510_00),
        "in_kind": [{"id": ids["goods"], "date": "2026-12-11", "donor": "李大姐", "anonymous": False,
                     "items": "大米5袋 电话***", "estimated_value": _money(150_00)}],
        "spending": [{"category": "care", **_money(120_50)}], "spending_total": _money(120_50),
        "closing_balance": _money(389_50),
        "pending": [{"id": ids["lamp"], "date": "2026-12-11", "purpose": "修路灯 电话***", "category": "repairs",
                     "amount": _money(300_00), "state": "pending"}],
        "pending_total": _money(300_00),
        "chain": {"last_seq": head[0], "last_hash": head[1]},
        "timebank": {"hours_given": 2.5, "hours_received": 1.7, "hours_in_pool": 1.7, "visits": 1},
    }
    rows = {(row["record_id"], row["kind"]): row for row in entries}
    assert [row["kind"] for row in corrections] == ["correction"]
    named = rows[ids["named"], "donation"]
    assert {k: named[k] for k in ("date", "donor", "anonymous", "channel", "items", "receipt_no", "given_on",
                                  "effect", "state", "amount")} == {
        "date": "2026-12-10", "donor": "f1", "anonymous": False, "channel": "bank", "items": None,
        "receipt_no": "R***", "given_on": None, "effect": _money(500_00), "state": "recorded",
        "amount": _money(500_00)}
    withdrawn = rows[ids["withdrawn"], "donation"]
    assert (withdrawn["donor"], withdrawn["anonymous"]) == (None, True)
    goods = rows[ids["goods"], "in_kind"]
    assert (goods["given_on"], goods["items"], goods["effect"], goods["channel"], goods["receipt_no"]) == (
        "2026-11-30", "大米5袋 电话***", _money(0), None, None)  # goods have no channel or receipt number
    assert (goods["id"], goods["record_id"], goods["date"]) == (ids["goods"], ids["goods"], "2026-12-11")  # local day
    assert [row["seq"] for row in entries] == list(range(1, len(entries) + 1))
    correction = rows[ids["anonymous"], "correction"]
    assert correction == corrections[0]
    assert (correction["donor"], correction["anonymous"], correction["note"], correction["correction_note"],
            correction["effect"], correction["state"], correction["record_kind"]) == (
        None, True, "重复 ***", "重复 ***", _money(-200_00), "reversed", "donation")
    approval = rows[ids["care"], "approve"]
    assert (approval["note"], approval["purpose"], approval["category"], approval["effect"]) == (
        None, "买药", "care", _money(-120_50))
    assert "correction_note" not in approval and "donor" not in approval
    with Session(engine) as session:
        care_receipt = ledger.record(session, ids["care"]).details["receipt_id"]
        sha = session.get(receipts.FundReceipt, care_receipt).sha256
    assert approval["receipt"] == {"id": care_receipt, "consent": False, "public": True, "redacted": True,
                                   "sha256": sha}
    assert {k: rows[ids["lamp"], "expense"]["receipt"][k] for k in ("consent", "public", "redacted")} == {
        "consent": True, "public": True, "redacted": False}
    rejected = rows[ids["photo"], "reject"]
    assert (rejected["note"], rejected["state"], rejected["receipt"]["public"]) == ("看不清 ***", "rejected", False)
    assert "correction_note" not in rejected
    assert rows[ids["photo"], "expense"]["purpose"] == "照片" and "note" not in rows[ids["photo"], "expense"]


def test_the_time_banks_hours_beside_the_money_are_rounded_to_a_tenth(engine, village):
    with session_scope(engine) as session:
        e1, a2 = (session.exec(select(User).where(User.openid == o)).one() for o in ("e1", "a2"))
        settle_visit(session, request_id=1, village_id=village, category="errand", elder_id=e1.id,
                     volunteer_id=a2.id, minutes=100, policy=timebank_policy({}), now=NOW)
        totals = timebank_totals(session, village)
    assert totals == {"hours_given": 1.7, "hours_received": 1.7, "hours_in_pool": 0, "visits": 1}  # 100 minutes


def test_goods_from_a_registered_donor_are_published_by_their_consent_now(engine, village):
    _people(engine, village, ("f1", "王大哥", ",family,", True), ("f2", "李大姐", ",family,", True))
    kept, _ = _gift_from(engine, village, "f1", 50_00, items="大米")
    withdrawn, _ = _gift_from(engine, village, "f2", 30_00, items="面粉")
    with session_scope(engine) as session:
        person = session.exec(select(User).where(User.openid == "f2")).one()
        consent.withdraw_all(session, person.id, person.id, now=NOW)
    with Session(engine) as session:
        data = public_statement(session, monthly(session, session.get(Village, village), "2026-12", TZ), TZ)
    assert [(g["id"], g["donor"], g["anonymous"]) for g in data["in_kind"]] == [
        (kept, "f1", False), (withdrawn, None, True)]  # the name recorded with the gift, shown only with consent


def test_a_statement_holds_its_own_village_and_its_month_to_the_moment(engine, village):
    with session_scope(engine) as session:
        other = Village(code="v2", name="二村", created_at=NOW)
        session.add(other)
        session.flush()
        other_id = other.id
    new_year = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # midnight in Shanghai: January there
    _give(engine, village, 10_00)
    last = _give(engine, village, 20_00, at=new_year - timedelta(microseconds=1))
    first = _give(engine, village, 40_00, at=new_year)
    _give(engine, other_id, 70_00)  # another village's money is none of this statement's
    december, january = _statement(engine, village, "2026-12"), _statement(engine, village, "2027-01")
    assert (december.opening_fen, december.income, december.closing_fen) == (0, {"cash": 30_00}, 30_00)
    assert [li.record.id for li in december.lines][-1] == last and len(december.lines) == 2
    assert (january.opening_fen, january.income, january.closing_fen) == (30_00, {"cash": 40_00}, 70_00)
    assert [li.record.id for li in january.lines] == [first]


def test_money_an_expense_gave_back_is_the_first_the_next_expense_spends(engine, village):
    _people(engine, village, ("f1", "f1", ",family,", True), ("f2", "f2", ",family,", True))
    first, _ = _gift_from(engine, village, "f1", 50_00)
    _gift_from(engine, village, "f2", 50_00)
    cancelled, corrected, later = (_spend(engine, village, 50_00) for _ in range(3))
    for expense in (cancelled, corrected):
        assert [n.openid for n in _step(engine, expense, APPROVE).notices] == ["f1"]
        with session_scope(engine) as session:  # approved, then called off: the money is back in the fund
            if expense == cancelled:
                ledger.step(session, expense, CANCEL, by="a1", now=NOW)
            else:
                ledger.correct(session, expense, why="录错", by="a1", now=NOW)
    told = _step(engine, later, APPROVE).notices
    assert [(n.openid, n.key, n.params["amount"]) for n in told] == [("f1", f"fund_spent:{later}:{first}", "50.00")]


def test_a_donor_whose_gift_pays_one_fen_of_an_expense_is_told(engine, village):
    _people(engine, village, ("f1", "f1", ",family,", True), ("f2", "f2", ",family,", True))
    _gift_from(engine, village, "f1", 1)
    _gift_from(engine, village, "f2", 100_00)
    told = _step(engine, _spend(engine, village, 50_00), APPROVE).notices
    assert [(n.openid, n.params["amount"]) for n in told] == [("f1", "0.01"), ("f2", "49.99")]


def test_the_hash_does_not_depend_on_the_servers_time_zone(monkeypatch):
    """A server set to Beijing time (TZ=Asia/Shanghai) must hash an entry exactly as one on UTC does, or every
    entry recorded before the change would fail `funds verify`."""
    moment = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert chain.moment_text(moment) == "2026-12-10T02:00:00.000000+00:00"
        assert chain.moment_text(moment.astimezone(TZ)) == "2026-12-10T02:00:00.000000+00:00"
    finally:
        monkeypatch.undo()
        time.tzset()
