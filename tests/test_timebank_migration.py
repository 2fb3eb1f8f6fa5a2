"""0014_timebank carries the old ledger's rows forward (and back on downgrade) without crediting a visit twice."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import make_engine
from app.migrate import downgrade, upgrade
from models.help import requests as hr
from models.people.users import User
from models.seed import seed_demo
from models.timebank import ledger
from models.timebank import visits as tv
from models.timebank.policy import Policy
from tests.test_cli_and_migrations import fresh_url  # noqa: F401  (a fixture, injected by its name)

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
OLD_ROWS = ("INSERT INTO ledger_entries (key, account, minutes, memo, request_id, created_at) "
            "VALUES (:k, :a, :m, :memo, :r, :at)")


def test_old_ledger_rows_become_balanced_movements_and_go_back_on_downgrade(fresh_url):  # noqa: F811
    upgrade(fresh_url, "0009_peopledata")
    engine = make_engine(fresh_url)
    with Session(engine) as session:
        seed_demo(session, now=NOW)
        elder = session.exec(select(User).where(User.openid == "demo-elder-1")).one()
        volunteer_id = session.exec(select(User.id).where(User.openid == "demo-volunteer-1")).one()
        spec = hr.NewRequest(elder=elder, requested_by=elder, category="errand", details="买药",
                             window_start=NOW, window_end=NOW + timedelta(hours=2))
        request_id = hr.create_request(session, spec, source_key="old", now=NOW)[0].id
        elder_id = elder.id
        session.commit()
    rows = [(f"help:{request_id}:to", f"user:{volunteer_id}", 45), (f"help:{request_id}:from", "pool:1", -45)]
    with engine.begin() as conn:
        for key, account, minutes in rows:
            conn.execute(sa.text(OLD_ROWS), {"k": key, "a": account, "m": minutes, "memo": "help:errand",
                                             "r": request_id, "at": NOW.replace(tzinfo=None)})
    upgrade(fresh_url)
    with Session(engine) as session:
        [movement] = session.exec(select(ledger.Movement)).all()
        assert (movement.key, movement.kind, movement.minutes, movement.category) == (
            f"help:{request_id}", ledger.VISIT, 45, "errand")
        assert (movement.provider_id, movement.served_id, movement.village_id) == (volunteer_id, elder_id, 1)
        reasons = {line.reason: line.minutes for line in session.exec(select(ledger.Line))}
        assert reasons == {"earned": 45, "pool_paid": -45}
        assert ledger.balance(session, volunteer_id) == 45 and ledger.balance_of(session, "pool:1") == -45
        # Confirming the same visit again (a late automatic confirmation) credits nothing.
        again = tv.settle_visit(session, request_id=request_id, village_id=1, category="errand", elder_id=elder_id,
                                volunteer_id=volunteer_id, minutes=45, policy=Policy(), now=NOW)
        assert again.movement is None and ledger.balance(session, volunteer_id) == 45
        session.rollback()
    downgrade(fresh_url, "0009_peopledata")
    with engine.connect() as conn:
        back = conn.execute(sa.text("SELECT key, account, minutes, memo FROM ledger_entries ORDER BY key")).all()
    assert [tuple(r) for r in back] == [(f"help:{request_id}:from", "pool:1", -45, "help:errand"),
                                        (f"help:{request_id}:to", f"user:{volunteer_id}", 45, "help:errand")]
    engine.dispose()
