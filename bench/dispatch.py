"""Dispatch benchmark: ranking 10,000 volunteers, and 1,000 requests created and dispatched in a burst.

Run: .venv/bin/python bench/dispatch.py [--backend sqlite|postgresql|both] [--volunteers 500] [--requests 1000]
Targets (issue 4): ranking among 10,000 volunteers under 20 ms; the burst prints the time per request.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from app.db import make_engine, session_scope
from app.migrate import upgrade
from bench.common import fresh_database
from models.help import dispatch
from models.help import requests as hr
from models.people.users import User, Village
from models.people.volunteers import APPROVED, SKILLS, SLOTS, Volunteer

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def ranking(n: int, repeats: int = 30) -> None:
    """Time rank() over n candidates."""
    rng = random.Random(7)
    pool = [dispatch.Candidate(i, rng.randint(1, 20), frozenset(rng.sample(SKILLS, 3)), frozenset(), frozenset(SLOTS),
                               False, rng.randint(0, 3), NOW - timedelta(minutes=rng.randint(0, 10000)),
                               rng.uniform(3, 5)) for i in range(n)]
    request = hr.HelpRequest(id=1, source_key="b", elder_id=0, requested_by_id=0, village_id=1, category="errand",
                             window_start=NOW + timedelta(hours=2), window_end=NOW + timedelta(hours=5),
                             created_at=NOW, updated_at=NOW)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        dispatch.rank(pool, request, dispatch.DispatchRules())
        times.append((time.perf_counter() - start) * 1000)
    print(f"rank {n:,} volunteers: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
          f"(target < 20 ms)")


def populate(engine, volunteers: int, elders: int) -> list[int]:
    with session_scope(engine) as session:
        village = Village(code="bench", name="基准村", county="基准县", created_at=NOW)
        session.add(village)
        session.flush()
        rng = random.Random(3)
        for i in range(volunteers):
            user = User(openid=f"v{i}", name=f"志愿者{i}", roles=",volunteer,", village_id=village.id, created_at=NOW,
                        updated_at=NOW)
            session.add(user)
            session.flush()
            session.add(Volunteer(user_id=user.id, status=APPROVED, skills=rng.sample(SKILLS, 3),
                                  availability=list(SLOTS), created_at=NOW, updated_at=NOW))
        ids = []
        for i in range(elders):
            elder = User(openid=f"e{i}", name=f"老人{i}", roles=",elder,", village_id=village.id, created_at=NOW,
                         updated_at=NOW)
            session.add(elder)
            session.flush()
            ids.append(elder.id)
        return ids


def burst(backend: str, volunteers: int, requests: int) -> None:
    """Create and dispatch `requests` requests, one transaction each, as the webhook would."""
    url, drop = fresh_database(backend, "dispatch")
    try:
        upgrade(url)
        engine = make_engine(url)
        elders = populate(engine, volunteers, 200)
        rules, times = dispatch.DispatchRules(), []
        started = time.perf_counter()
        for i in range(requests):
            t0 = time.perf_counter()
            with session_scope(engine) as session:
                elder = session.get(User, elders[i % len(elders)])
                new = hr.NewRequest(elder=elder, requested_by=elder, category=random.choice(SKILLS[:2]), details="基准",
                                    window_start=NOW + timedelta(hours=2), window_end=NOW + timedelta(hours=6))
                request, _ = hr.create_request(session, new, source_key=f"bench:{i}", now=NOW)
                dispatch.dispatch_round(session, request, rules, now=NOW)
            times.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - started
        print(f"{backend:10} burst of {requests:,} requests over {volunteers:,} volunteers: {total:.1f} s total, "
              f"{statistics.mean(times):.1f} ms/request (median {statistics.median(times):.1f}, "
              f"p99 {sorted(times)[int(len(times) * 0.99) - 1]:.1f})")
        engine.dispose()
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--volunteers", type=int, default=500)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    ranking(10_000)
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        burst(backend, args.volunteers, args.requests)


if __name__ == "__main__":
    main()
