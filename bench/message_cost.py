"""What one webhook message costs, in process: CPU and wall time, statements and transactions.

    .venv/bin/python bench/message_cost.py [--database-url URL] [--sentence 你好] [--messages 400]
                                           [--profile request|bot] [--top 40]

One client, no contention: every message is a freshly signed text push through the real Flask app
(Flask's test client, so no HTTP server), from 50 senders. Without --database-url it uses a fresh SQLite
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
    parser.add_argument("--sentence", default="你好")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--profile", choices=("request", "bot"), default=None)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    url = fresh_database(args.database_url)
    app = create_app({"env": "testing", "database_url": url, "redis_url": "", "log_level": "WARNING",
                      "wechat": {"token": TOKEN, "app_id": APP_ID, "app_secret": "s", "aes_key": "",
                                 "api_base_url": "http://127.0.0.1:9"}})
    rt, client, signer = app.extensions["linli"], app.test_client(), Signer(TOKEN, "", APP_ID)
    pushes = [signer.sign(text(f"cost-user-{i % 50}", args.sentence, msg_id=10**12 + i))
              for i in range(WARMUP + args.messages)]
    for qs, body in pushes[:WARMUP]:
        assert b"<Content>" in client.post(f"/wechat?{qs}", data=body).data
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
    print(f"{args.sentence} on {url.split(':')[0]}: {wall / n * 1000:.2f} ms wall, {cpu / n * 1000:.2f} ms CPU "
          f"per message (one client, {n} messages)")
    for name, count in counter.most_common():
        if name != "on":
            print(f"  {count / n:5.2f}  {name}")
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    rt.close()
    return 0


def _profile_bot(profile: cProfile.Profile) -> None:
    """cProfile only sees the thread it was enabled in: wrap the bot's thread entry point."""
    import app.web.inbound as inbound

    real = inbound.run_bot

    def run_bot(*args):
        profile.enable()
        try:
            return real(*args)
        finally:
            profile.disable()

    inbound.run_bot = run_bot


if __name__ == "__main__":
    sys.exit(main())
