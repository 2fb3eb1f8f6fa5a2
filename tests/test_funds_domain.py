"""The fund ledger's rules in models/, with an explicit clock: amounts, the expense states, the two-person
rule, the chain, statements across months, and two coordinators acting at once."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from models.funds import chain, ledger
from models.funds.chain import APPROVE, CANCEL, PAY, REJECT, SUBMIT, FundEntry
from models.funds.ledger import FundError, Gift, Spending
from models.funds.statement import monthly, previous_month
from models.people.users import User, Village

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
