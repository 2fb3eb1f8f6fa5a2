"""Plan and enqueue a broadcast to 100,000 recipients; print seconds and peak memory.

    .venv/bin/python bench/broadcast.py [--backend sqlite|postgresql|both] [--recipients 100000]
                                        [--in-window 0.1] [--send] [--pg-url postgresql://...]

For each backend: a fresh migrated database, N villagers in one village (a share of them inside the
customer-service window), one broadcast to all of them; then the `notices.dispatch` job body is timed:
delivery rows, outbox rows (customer-service recipients), quota reservations and mass batches of
<= 10,000. Peak memory is the process's maximum RSS (an upper bound: it includes set-up).
With --send, the mass batches are also sent to a local fake WeChat at delivery.rate_per_second.mass,
showing that throughput is bounded by the configured rate. Target: < 10 s and < 300 MB.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa

from app import create_app
from app.db import make_engine
from app.jobs import registry as jobs
from app.migrate import upgrade
from models.core.outbox import OutboxMessage
from models.core.windows import ServiceWindow
from models.notices.broadcasts import Broadcast, MassBatch, NoticeDelivery
from models.people.users import User, Village

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: outside quiet hours
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/linli_notices_bench"


def fresh_database(backend: str, pg_url: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


def populate(url: str, recipients: int, in_window: float) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        village_id = conn.execute(sa.insert(Village.__table__).values(
            code="bench", name="压测村", county="压测县", created_at=NOW).returning(Village.__table__.c.id)).scalar()
        conn.execute(sa.insert(User.__table__).values(openid="bench-admin", roles=",admin,", village_id=village_id,
                                                      subscribed=True, created_at=NOW, updated_at=NOW))
        step = 10_000
        for start in range(0, recipients, step):
            users = [{"openid": f"o{i:09d}", "roles": ",elder,", "village_id": village_id, "subscribed": True,
                      "name": "", "phone": "", "created_at": NOW, "updated_at": NOW}
                     for i in range(start, min(start + step, recipients))]
            conn.execute(sa.insert(User.__table__), users)
            every = max(1, round(1 / in_window)) if in_window > 0 else 0
            wins = [{"openid": u["openid"], "message_at": NOW, "message_used": 0, "event_used": 0}
                    for n, u in enumerate(users) if every and n % every == 0]
            if wins:
                conn.execute(sa.insert(ServiceWindow.__table__), wins)
        conn.execute(sa.insert(Broadcast.__table__).values(
            village_id=village_id, author_openid="bench-admin", kind="text", title="",
            body="压测通知：明天上午村委会开会",
            url="", cover_url="", audience="all", urgent=False, use_mass=True, topic="", status="scheduled",
            send_at=NOW, plan_cursor=0, recipients=0, sec_check="", reason="", created_at=NOW))
    engine.dispose()


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        def n(model):
            return conn.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar()
        result = {"deliveries": n(NoticeDelivery), "outbox": n(OutboxMessage), "batches": n(MassBatch)}
        result["largest_batch"] = conn.execute(sa.select(sa.func.max(MassBatch.__table__.c.size))).scalar() or 0
    engine.dispose()
    return result


def run(backend: str, args, workdir: Path) -> None:
    url = fresh_database(backend, args.pg_url, workdir)
    upgrade(url)
    populate(url, args.recipients, args.in_window)
    fake = None
    base = "http://127.0.0.1:9"
    if args.send:
        from app.fake_wechat import FakeWeChatServer

        fake = FakeWeChatServer(appid="wxbench", secret="s", auto_follow=True)
        base = fake.start()
    app = create_app({"env": "testing", "database_url": url, "redis_url": "", "log_level": "WARNING",
                      "wechat": {"app_id": "wxbench", "app_secret": "s", "api_base_url": base, "api_timeout": 30}})
    rt = app.extensions["linli"]
    started = time.perf_counter()
    result = jobs.run(rt, "notices.dispatch", NOW)
    planned = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{backend:10} recipients={args.recipients} plan+enqueue {planned:.2f} s, peak RSS {peak:.0f} MB, "
          f"{counts(url)} {result}")
    if fake is not None:
        started = time.perf_counter()
        sent = jobs.run(rt, "notices.send", NOW)
        took = time.perf_counter() - started
        rate = rt.settings.get("delivery.rate_per_second.mass")
        print(f"{'':10} mass send {took:.2f} s for {sent['sent']} batches at {rate}/s configured "
              f"({len(fake.sent(channel='mass'))} messages reached the fake)")
        fake.stop()
    rt.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--in-window", type=float, default=0.1)
    parser.add_argument("--send", action="store_true")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            run(backend, args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
