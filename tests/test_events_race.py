"""The capacity race through the real webhook: 20 villagers confirm their sign-up at the same moment
for 10 places; exactly 10 get a place and the other 10 are told their waitlist place, in queue order.
PostgreSQL only (SQLite's writers take turns); the capacity rules without threads are in test_events_domain.py."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from models.events import events as ev
from models.people.users import User, village_by_code
from tests.conftest import reply_text
from tests.fakes import pushes
from tests.test_dialogue import bot  # noqa: F401  (fixture)

PEOPLE = [f"race-{i:02}" for i in range(20)]


def _setup(bot) -> int:
    now = bot.rt.clock()
    with session_scope(bot.rt.engine) as session:
        village = village_by_code(session, "demo")
        session.add_all([User(openid=o, name=f"村民{o[-2:]}", roles=",elder,", village_id=village.id, created_at=now,
                              updated_at=now) for o in PEOPLE])
        start = now + timedelta(hours=20)  # before the seeded events: number 1 in the list
        new = ev.NewEvent(village.id, "lecture", "急救讲座", "村委会", start, 10, start - timedelta(hours=1))
        return ev.create_event(session, new, creator=None, now=now).id


@pytest.mark.postgres_only
def test_twenty_simultaneous_confirmations_through_the_webhook(bot, signer, clock):
    event_id = _setup(bot)

    def say(client, openid, text):
        qs, body = signer.sign(pushes.text(openid, text), "plain", timestamp=int(clock().timestamp()))
        response = client.post(f"/wechat?{qs}", data=body)
        assert response.status_code == 200
        return reply_text(response, signer, qs)

    for openid in PEOPLE:  # each gets to the read-back
        client = bot.app.test_client()
        assert "一个人" in say(client, openid, "报名 1")
        assert "回复1确认" in say(client, openid, "1")
    barrier, replies = threading.Barrier(len(PEOPLE)), {}

    def confirm(openid):
        client = bot.app.test_client()
        barrier.wait()
        replies[openid] = say(client, openid, "1")

    threads = [threading.Thread(target=confirm, args=(o,)) for o in PEOPLE]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    placed = [o for o, r in replies.items() if "报名成功" in r]
    waiting = {o: int(re.search(r"候补第(\d+)位", r).group(1)) for o, r in replies.items() if "候补" in r}
    assert len(placed) == 10 and sorted(waiting.values()) == list(range(1, 11))
    with Session(bot.rt.engine) as session:
        queue = session.exec(select(ev.EventSignup, User).join(User, User.id == ev.EventSignup.user_id)
                             .where(ev.EventSignup.event_id == event_id).order_by(ev.EventSignup.seq)).all()
        assert [s.status for s, _ in queue] == ["confirmed"] * 10 + ["waitlisted"] * 10
        assert [waiting[u.openid] for _, u in queue[10:]] == list(range(1, 11))  # told = queue order
        assert ev.seats_taken(session, event_id) == 10
