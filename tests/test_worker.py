"""The worker process: crash recovery of the outbox, and one scheduler among many workers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from app.jobs import registry as jobs
from app.scheduler import LeasedScheduler
from models.core import outbox, windows
from models.core.outbox import OutboxMessage
from tests.conftest import APP_ID, APP_SECRET, TOKEN
from tests.waiting import read_until, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USER = "o-kill-test"


def start_worker(db_url, fake_url, **extra_env):
    env = dict(os.environ, DATABASE_URL=db_url, WECHAT_API_BASE_URL=fake_url, WECHAT_APP_ID=APP_ID,
               WECHAT_APP_SECRET=APP_SECRET, WECHAT_TOKEN=TOKEN, WECHAT_AES_KEY="", LINLI_ENV="testing",
               REDIS_URL="", LINLI__DELIVERY__CLAIM_LEASE="1", LINLI__DELIVERY__IDLE_SLEEP="0.1",
               LINLI_LOG_LEVEL="WARNING", PYTHONPATH=ROOT,
               LINLI__DELIVERY__CRITICAL_RESERVE="0", **extra_env)  # five routine rows to one user
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)



def statuses(rt):
    with Session(rt.engine) as session:
        return {row.key: row.status for row in session.exec(select(OutboxMessage))}


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(rt, db_url, fake_wechat):
    fake_wechat.record_interaction(USER, "message")
    with session_scope(rt.engine) as session:
        windows.record_interaction(session, USER, windows.MESSAGE, now=rt.clock())
        for i in range(5):
            outbox.enqueue(session, key=f"row{i}", openid=USER, kind="notice", text=f"消息{i}", now=rt.clock())
    # The first send hangs in WeChat's hands: the worker dies while it is in flight.
    fake_wechat.inject_fault("/cgi-bin/message/custom/send", delay=3.0)
    worker = start_worker(db_url, fake_wechat.base_url)
    try:
        assert wait_for(lambda: "sending" in statuses(rt).values() and any(
            c["path"] == "/cgi-bin/stable_token" for c in fake_wechat.calls()), timeout=30)
        time.sleep(1.0)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        time.sleep(2.5)  # WeChat finishes the request it had received
        assert len(fake_wechat.sent(USER)) == 1
        later = rt.clock() + timedelta(seconds=5)
        assert jobs.run(rt, "outbox.recover", later) == {"requeued": 4, "uncertain": 1}
        worker = start_worker(db_url, fake_wechat.base_url)
        assert wait_for(lambda: list(statuses(rt).values()).count("sent") == 4, timeout=30)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(15)
    texts = [s["payload"]["text"]["content"] for s in fake_wechat.sent(USER)]
    assert sorted(texts) == [f"消息{i}" for i in range(5)]
    assert list(statuses(rt).values()).count("uncertain") == 1


@pytest.mark.slow
def test_worker_stops_cleanly_on_sigterm(db_url, fake_wechat):
    worker = start_worker(db_url, fake_wechat.base_url)
    started = read_until(worker.stdout, "已启动")
    assert "已启动".encode() in started, started.decode()
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=20)
    output = started + output
    assert worker.returncode == 0, output.decode()
    assert "worker 已停止" in output.decode()


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


def test_only_one_scheduler_fires_and_another_takes_over_when_it_dies(db_url, fake_wechat):
    from app import create_app
    from tests.conftest import settings_overrides

    overrides = settings_overrides(db_url, fake_wechat.base_url)
    first = create_app(overrides).extensions["linli"]
    clock = Clock(first.clock())
    second = create_app(overrides, clock=clock).extensions["linli"]
    first.clock = clock
    first.worker_id, second.worker_id = "host-a:1", "host-b:2"
    a, b = LeasedScheduler(first), LeasedScheduler(second)
    try:
        assert a.tick() is True and a.scheduler is not None
        assert b.tick() is False and b.scheduler is None
        import sqlalchemy as sa

        with first.engine.connect() as conn:
            ids = {row[0] for row in conn.execute(sa.text("SELECT id FROM apscheduler_jobs"))}
        assert {"outbox.recover", "inbound.recover", "inbound.prune"} <= ids
        assert a.tick() is True  # renewing is idempotent
        clock.now += timedelta(seconds=31)  # host A froze; its lease runs out
        assert b.tick() is True and b.scheduler is not None
        assert a.tick() is False and a.scheduler is None
    finally:
        a._stop_scheduler(), b._stop_scheduler()
        first.close(), second.close()


def test_jobs_run_from_the_command_line_with_a_given_now(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "outbox.recover", "--now", "2026-12-01T08:30+08:00"])
    assert result.exit_code == 0, result.output
    assert '"now": "2026-12-01T08:30:00+08:00"' in result.output
    assert '"requeued": 0' in result.output
    listing = app.test_cli_runner().invoke(args=["jobs", "list"]).output
    assert "outbox.recover" in listing and "inbound.prune" in listing


def test_jobs_run_refuses_unknown_ids_and_bad_times(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["jobs", "run", "nope"]).exit_code != 0
    bad = runner.invoke(args=["jobs", "run", "outbox.recover", "--now", "tomorrow"])
    assert bad.exit_code != 0 and "时间格式不对" in bad.output


def test_a_message_whose_worker_died_is_answered_by_the_recovery_job(rt):
    """The push was recorded, then the process died before the bot ran: nothing is lost."""
    from bots.message import Message
    from models.core import inbound as inbound_log

    message = Message(openid="o-crashed", kind="text", text="你好", msg_id=77, create_time=1)
    received = rt.clock() - timedelta(minutes=3)
    with session_scope(rt.engine) as session:
        inbound_log.record_inbound(session, key="m:o-crashed:77", openid="o-crashed", msg_type="text", event="",
                                   payload=message.to_payload(), now=received)
    assert jobs.run(rt, "inbound.recover", rt.clock()) == 1
    with Session(rt.engine) as session:
        [reply] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all()
        row = session.exec(select(inbound_log.InboundMessage)).one()
    assert reply.openid == "o-crashed" and "您好" in reply.text and row.status == inbound_log.HANDED_OFF
    assert jobs.run(rt, "inbound.recover", rt.clock()) == 0
