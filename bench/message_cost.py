"""What one webhook message costs, in process: CPU and wall time, statements and transactions.

    .venv/bin/python bench/message_cost.py [--database-url URL] [--scenario hello|help|form|checkin]
                                           [--sentence 你好] [--messages 400]
                                           [--profile request|bot] [--sort cumulative|tottime] [--top 40]

One client, no contention: every message is a freshly signed text push through the real Flask app
(Flask's test client, so no HTTP server). Scenarios: `hello` ("你好", or --sentence, from 50 senders);
`help` (a help request's first turn, "我想找人帮我买药", each sender once); `form` (a numbered answer
inside that form, "1" to "什么时候需要"); `checkin` (an enrolled elder's "1" to the morning greeting).
The clock reads a Tuesday morning (Asia/Shanghai) plus the real time elapsed; the setup of a scenario
is not measured. Without --database-url it uses a fresh SQLite
file; a PostgreSQL URL must name a scratch database (all its tables are emptied first). Complements
bench/webhook.py, whose figures mix this cost with contention and the machine's other load.
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from app import create_app
from app.db import make_engine
from app.migrate import upgrade
from tests.fakes.pushes import Signer, text

TOKEN, APP_ID = "linli-cost-token", "wxcost0123456789"
WARMUP = 50
# 08:35 in Shanghai on a Tuesday: after the default 08:30 check-in greeting, before its deadline.
MORNING = datetime(2026, 12, 1, 0, 35, tzinfo=UTC)
HELP, WHEN_ASAP = "我想找人帮我买药", "1"


def fresh_database(url: str | None) -> str:
    """A migrated, empty database."""
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='linli-cost-')}/linli.sqlite3"
    upgrade(url)
    if url.startswith("postgres"):
        engine = make_engine(url)
        with engine.begin() as conn:
            names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
            conn.execute(sa.text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        engine.dispose()
    return url


def statement_counter(engine: sa.Engine) -> collections.Counter:
    """Count statements (first words) and commits while `counter['on']` is set."""
    counter: collections.Counter = collections.Counter()

    def on_statement(conn, cursor, statement, *_):
        if counter["on"]:
            counter[" ".join(statement.split()[:3])[:60]] += 1

    sa.event.listen(engine, "before_cursor_execute", on_statement)
    sa.event.listen(engine, "commit", lambda conn: counter.update(["(commit)"] if counter["on"] else []))
    return counter


def main(argv: list[str] | None = None) -> int:
    """Send the messages and print the cost per message."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--scenario", choices=("hello", "help", "form", "checkin"), default="hello")
    parser.add_argument("--sentence", default="你好")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--profile", choices=("request", "bot"), default=None)
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    url = fresh_database(args.database_url)
    start = time.monotonic()

    def clock() -> datetime:
        return MORNING + timedelta(seconds=time.monotonic() - start)

    app = create_app({"env": "testing", "database_url": url, "redis_url": "", "log_level": "WARNING",
                      "wechat": {"token": TOKEN, "app_id": APP_ID, "app_secret": "s", "aes_key": "",
                                 "api_base_url": "http://127.0.0.1:9"}}, clock=clock)
    rt, client, signer = app.extensions["linli"], app.test_client(), Signer(TOKEN, "", APP_ID)
    total = WARMUP + args.messages
    senders = [f"cost-user-{i % 50}" for i in range(total)] if args.scenario == "hello" else [
        f"cost-user-{i}" for i in range(total)]
    sentence = {"hello": args.sentence, "help": HELP, "form": WHEN_ASAP, "checkin": "1"}[args.scenario]
    ids = iter(range(10**12, 10**13))

    def push(openid: str, words: str) -> tuple[str, bytes]:
        return signer.sign(text(openid, words, msg_id=next(ids)), timestamp=int(clock().timestamp()))

    def send(qs: str, body: bytes) -> None:
        assert b"<Content>" in client.post(f"/wechat?{qs}", data=body).data

    _prepare(rt, args.scenario, sorted(set(senders)), lambda openid, words: send(*push(openid, words)), clock)
    pushes = [push(openid, sentence) for openid in senders]
    for qs, body in pushes[:WARMUP]:
        send(qs, body)
    counter, profile = statement_counter(rt.engine), cProfile.Profile()
    if args.profile == "bot":
        _profile_bot(profile)
    counter["on"] = 1
    wall, cpu = time.perf_counter(), time.process_time()
    if args.profile == "request":
        profile.enable()
    for qs, body in pushes[WARMUP:]:
        assert b"<Content>" in client.post(f"/wechat?{qs}", data=body).data
    profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counter["on"] = 0
    n = args.messages
    print(f"{args.scenario} ({sentence}) on {url.split(':')[0]}: {wall / n * 1000:.2f} ms wall, "
          f"{cpu / n * 1000:.2f} ms CPU per message (one client, {n} messages)")
    for name, count in counter.most_common():
        if name != "on":
            print(f"  {count / n:5.2f}  {name}")
    if args.profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    rt.close()
    return 0


def _prepare(rt, scenario: str, senders: list[str], say, clock) -> None:
    """Bring every sender to where the measured message finds them (not measured)."""
    if scenario == "hello":
        return
    for openid in senders:
        say(openid, "你好")  # known users: first contact is not the case measured
    if scenario == "form":
        for openid in senders:
            say(openid, HELP)
    if scenario == "checkin":
        from app.db import session_scope
        from app.jobs.checkin import _rules, round_
        from models.checkin import rules as ck
        from models.people.users import get_or_create_user

        with session_scope(rt.engine) as session:
            for openid in senders:
                elder = get_or_create_user(session, openid, now=clock())
                ck.enrol(session, elder, elder, now=clock(), rules=_rules(rt))
        assert round_(rt, clock())["prompted"] == len(senders)


def _profile_bot(profile: cProfile.Profile) -> None:
    """cProfile only sees the thread it was enabled in: wrap the worker thread's entry point
    (recording the push, then the bot's turn)."""
    import app.web.inbound as inbound

    real = inbound._process

    def process(*args):
        profile.enable()
        try:
            return real(*args)
        finally:
            profile.disable()

    inbound._process = process


if __name__ == "__main__":
    sys.exit(main())
