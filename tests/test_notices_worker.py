"""A broadcast survives a worker killed mid-way: nobody gets it twice, nobody is skipped."""
from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.jobs import registry as jobs
from models.core.outbox import OutboxMessage
from models.notices.broadcasts import Broadcast, MassBatch
from tests.notices_support import broadcast, deliveries, person, user_wrote, village
from tests.test_worker import start_worker, wait_for

IN_WINDOW = [f"o-window-{i}" for i in range(4)]
MASS = [f"o-mass-{i}" for i in range(8)]
# The API timeout exceeds the injected delays: a send that times out is retried by app/delivery.py (by design there).
ENV = {"LINLI__SCHEDULER__LEASE_SECONDS": "3", "LINLI__WECHAT__API_TIMEOUT": "20",
       "LINLI__NOTICES__MASS_BATCH_SIZE": "3",
       "LINLI__NOTICES__QUIET_START": "00:00", "LINLI__NOTICES__QUIET_END": "00:01"}


def batch_states(rt):
    with Session(rt.engine) as session:
        return [b.status for b in session.exec(select(MassBatch).order_by(MassBatch.batch_no))]


def custom_in_flight(rt):
    with Session(rt.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.status == "sending",
                                                        OutboxMessage.send_started_at.is_not(None)))
        return rows.first() is not None


def broadcast_status(rt, number):
    with Session(rt.engine) as session:
        return session.get(Broadcast, number).status


@pytest.mark.slow
def test_a_broadcast_resumes_after_the_worker_is_killed_mid_way(make_app, db_url, fake_wechat):
    rt = make_app(notices__mass_batch_size=3).extensions["linli"]
    now = rt.clock()
    with session_scope(rt.engine) as session:
        home = village(session, "kill", "断电村")
        person(session, "o-admin", home, ("admin",), now=now)
        for openid in IN_WINDOW + MASS:
            person(session, openid, home, now=now)
    for openid in IN_WINDOW + MASS + ["o-admin"]:
        fake_wechat.follow(openid)
    for openid in IN_WINDOW:
        user_wrote(rt, fake_wechat, openid, now)
    number = broadcast(rt, "o-admin", "今晚停电检修，请提前准备", now=now, audience="role:elder", urgent=True)
    jobs.run(rt, "notices.dispatch", now)
    assert len(deliveries(rt, number)) == 12 and batch_states(rt) == ["pending"] * 3
    # Both channels hang in WeChat's hands: the worker dies while a customer-service send and a mass batch
    # are in flight.
    fake_wechat.inject_fault("/cgi-bin/message/custom/send", delay=10.0)
    fake_wechat.inject_fault("/cgi-bin/message/mass/send", delay=3.0)
    worker = start_worker(db_url, fake_wechat.base_url, **ENV)
    try:
        assert wait_for(lambda: custom_in_flight(rt) and "started" in batch_states(rt), timeout=40)
        time.sleep(0.5)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        assert wait_for(lambda: len(fake_wechat.sent(channel="custom")) == 1, timeout=15)  # WeChat finished it
        assert wait_for(lambda: len(fake_wechat.sent(channel="mass")) == 3, timeout=15)  # and batch 1
        assert batch_states(rt) == ["started", "pending", "pending"]
        # 3 notices + the note to the author
        assert jobs.run(rt, "outbox.recover", rt.clock() + timedelta(seconds=5)) == {"requeued": 4, "uncertain": 1}
        worker = start_worker(db_url, fake_wechat.base_url, **ENV)
        assert wait_for(lambda: broadcast_status(rt, number) == "done", timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(15)
    received = Counter(m["touser"] for m in fake_wechat.sent() if m["channel"] in ("custom", "mass"))
    assert received == Counter({openid: 1 for openid in IN_WINDOW + MASS})
    assert batch_states(rt) == ["sent"] * 3
    resent = [c for c in fake_wechat.calls("/cgi-bin/message/mass/send") if c["errcode"] == 45065]
    assert len(resent) == 1  # the interrupted batch went again with its clientmsgid and was recognised
    outcome = Counter(row.status for row in deliveries(rt, number).values())
    assert outcome == Counter({"sent": 11, "uncertain": 1})
