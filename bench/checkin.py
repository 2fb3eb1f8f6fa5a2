"""Check-in benchmark: one morning for 50,000 enrolled elders, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/checkin.py [--backend sqlite|postgresql|both] [--elders 50000] [--silent 0.05]
Targets (issue): the round planned and enqueued in under 30 s; the escalation scan in under 5 s.
Timed steps, each one job run in one transaction, exactly as `flask jobs run` does it:
  round      08:30  every elder greeted: day rows, outbox rows, the "1 = 平安" choice
  idle scan  09:00  nothing due (the scan that runs every minute on most minutes)
  deadline   10:30  the silent share (--silent) gets the second prompt, set-based
  family     11:00  half of them still silent: family asked, a daily_care visit task dispatched to each
  coordinator 11:30 coordinators told
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from app.db import make_engine, session_scope
from app.migrate import upgrade
from bench.common import fresh_database
from bots.flows.checkin.send import offer_checkin_choice, send_bulk
from models.checkin import round as ckr
from models.checkin import rules as ck
from models.help import dispatch
from models.people.users import FamilyLink, User, Village
from models.people.volunteers import APPROVED, SLOTS, TrainingRecord, Volunteer

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)
PER_VILLAGE, VOLUNTEERS_PER_VILLAGE = 500, 5


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, hours, minutes, tzinfo=SH)


NOW = at("07:00")


def insert(session, model, rows: list[dict]) -> None:
    """Core executemany inserts (batched by SQLAlchemy)."""
    if rows:
        session.connection().execute(sa.insert(model.__table__), rows)


def populate(engine, elders: int) -> None:
    """Villages of 500 elders, each elder with one family member; five trained volunteers and a coordinator each."""
    villages = max(1, elders // PER_VILLAGE)
    stamp = {"created_at": NOW, "updated_at": NOW}
    with session_scope(engine) as session:
        insert(session, Village, [{"code": f"b{v}", "name": f"基准村{v}", "county": "基准县", "created_at": NOW}
                                  for v in range(villages)])
        ids = list(session.execute(sa.select(Village.id).order_by(Village.id)).scalars())
        people = [{"openid": f"e{i}", "name": f"老人{i}", "roles": ",elder,", "village_id": ids[i % villages],
                   "subscribed": True, **stamp} for i in range(elders)]
        people += [{"openid": f"f{i}", "name": f"家属{i}", "roles": ",family,", "village_id": None,
                    "subscribed": True, **stamp} for i in range(elders)]
        people += [{"openid": f"v{v}-{k}", "name": f"志愿者{v}-{k}", "roles": ",volunteer,", "village_id": ids[v],
                    "subscribed": True, **stamp} for v in range(villages) for k in range(VOLUNTEERS_PER_VILLAGE)]
        people += [{"openid": f"a{v}", "name": f"主任{v}", "roles": ",admin,", "village_id": ids[v],
                    "subscribed": True, **stamp} for v in range(villages)]
        insert(session, User, people)
        by_openid = dict(session.execute(sa.select(User.openid, User.id)).all())
        insert(session, FamilyLink, [{"elder_id": by_openid[f"e{i}"], "family_id": by_openid[f"f{i}"],
                                      "relationship": "女儿", "created_at": NOW} for i in range(elders)])
        helpers = [by_openid[o] for o in by_openid if o.startswith("v")]
        insert(session, Volunteer, [{"user_id": u, "status": APPROVED, "skills": ["daily_care"],
                                     "availability": list(SLOTS), "on_duty": True, "partner_org": "",
                                     "rating_sum": 0, "rating_count": 0, "no_shows": 0, "reject_reason": "", **stamp}
                                    for u in helpers])
        insert(session, TrainingRecord, [{"user_id": u, "qualification": "daily_care", "source": "bench",
                                          "granted_at": NOW} for u in helpers])
        rules = ck.CheckinRules()
        insert(session, ck.CheckinEnrolment, [{"elder_id": by_openid[f"e{i}"], "status": ck.ACTIVE,
                                               "prompt_minute": rules.prompt_minute,
                                               "deadline_minute": rules.deadline_minute, "call_name": "",
                                               "enrolled_by_id": by_openid[f"f{i}"], **stamp}
                                              for i in range(elders)])


def timed(label: str, body) -> float:
    started = time.perf_counter()
    result = body()
    seconds = time.perf_counter() - started
    print(f"  {label:44} {seconds:7.2f} s   {result}")
    return seconds


def run_round(engine) -> str:
    with session_scope(engine) as session:
        planned = ckr.plan_round(session, now=at("08:30"), tz=SH, rules=ck.CheckinRules())
        sent = send_bulk(session, planned.prompts, now=at("08:30"), tz=SH)
        offer_checkin_choice(session, [n.openid for n in planned.prompts], now=at("08:30"))
    return f"{sent:,} greetings queued"


def answer(engine, silent: float) -> None:
    """Everyone but the silent share answers before the deadline (one statement: not what is timed)."""
    table = ck.CheckinDay.__table__
    keep = int(1 / silent) if silent else 0
    with session_scope(engine) as session:
        query = sa.update(table).where(table.c.status == ck.PENDING).values(
            status=ck.ON_TIME, checked_in_at=at("09:10"), next_step_at=None)
        if keep:
            query = query.where(table.c.elder_id % keep != 0)
        session.execute(query)


def scan(engine, hhmm: str) -> str:
    with session_scope(engine) as session:
        notices = ckr.advance_silent_days(session, now=at(hhmm), rules=ck.CheckinRules(),
                                            drules=dispatch.DispatchRules(tz=SH),
                               task_details="老人今早没有报平安，请上门看看")
        sent = send_bulk(session, notices, now=at(hhmm), tz=SH)
    return f"{sent:,} notices queued"


def half_answer_late(engine, silent: float) -> None:
    table, every = ck.CheckinDay.__table__, 2 * int(1 / silent)
    with session_scope(engine) as session:
        session.execute(sa.update(table).where(table.c.status == ck.PENDING, table.c.elder_id % every == 0)
                        .values(status=ck.LATE, checked_in_at=at("10:50"), next_step_at=None))


def morning(backend: str, elders: int, silent: float) -> None:
    url, drop = fresh_database(backend, "checkin")
    try:
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        populate(engine, elders)
        print(f"{backend}: {elders:,} enrolled elders generated in {time.perf_counter() - started:.1f} s")
        total = timed("round 08:30 (target < 30 s)", lambda: run_round(engine))
        answer(engine, silent)
        total += timed("escalation scan 09:00, nothing due (< 5 s)", lambda: scan(engine, "09:00"))
        total += timed(f"escalation scan 10:30, {silent:.0%} silent (< 5 s)", lambda: scan(engine, "10:30"))
        half_answer_late(engine, silent)
        total += timed("escalation scan 11:00, family + visit tasks (< 5 s)", lambda: scan(engine, "11:00"))
        total += timed("escalation scan 11:30, coordinators (< 5 s)", lambda: scan(engine, "11:30"))
        print(f"  {'the whole morning (target < 60 s)':44} {total:7.2f} s   load average {_load()}")
        engine.dispose()
    finally:
        drop()


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--elders", type=int, default=50_000)
    parser.add_argument("--silent", type=float, default=0.05, help="share of elders silent at the deadline")
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        morning(backend, args.elders, args.silent)


if __name__ == "__main__":
    main()
