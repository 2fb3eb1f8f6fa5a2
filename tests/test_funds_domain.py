"""The fund ledger's rules in models/, with an explicit clock: amounts, the expense states, the two-person
rule, the chain, statements across months, and two coordinators acting at once."""
from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from models.funds import chain, ledger, receipts, subscribers
from models.funds.chain import APPROVE, CANCEL, PAY, REJECT, SUBMIT, FundEntry
from models.funds.ledger import FundError, Gift, Spending
from models.funds.statement import month_bounds, month_of, monthly, previous_month
from models.people.users import User, Village
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
