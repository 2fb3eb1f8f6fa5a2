"""Talk to the bot as WeChat would: a seeded app, a `say(push)` through the real webhook, transcripts."""
from __future__ import annotations

from app.db import session_scope
from models.seed import seed_demo
from tests.conftest import reply_text
from tests.fakes import pushes


def build_bot(make_app, signer, clock, *, mode: str = "plain", **settings):
    """A seeded app and `say(push, mode=…)` that posts a signed push and returns the reply text (None = success)."""
    app = make_app(clock=clock, **settings)
    rt = app.extensions["linli"]
    with session_scope(rt.engine) as session:
        seed_demo(session, now=clock())
    client = app.test_client()

    def say(fields, mode: str = mode):
        qs, body = signer.sign(fields, mode, timestamp=int(clock().timestamp()))
        response = client.post(f"/wechat?{qs}", data=body)
        assert response.status_code == 200
        return reply_text(response, signer, qs)

    say.rt, say.app, say.clock = rt, app, clock
    return say


def converse(bot, openid: str, turns) -> list[str | None]:
    """Play (user says, reply must contain… | None for no reply) pairs; return the replies."""
    replies = []
    for says, expected in turns:
        reply = bot(says if isinstance(says, dict) else pushes.text(openid, says))
        replies.append(reply)
        if expected is None:
            assert reply is None, f"{says!r} → {reply!r}"
            continue
        for fragment in [expected] if isinstance(expected, str) else expected:
            assert reply and fragment in reply, f"{says!r} → {reply!r} (wanted {fragment!r})"
    return replies


def build_town(make_app, signer, clock, fake_wechat, **settings):
    """The seeded demo village wired to the fake WeChat API: `say(openid, text or push)` → reply text.

    Each person who speaks is recorded by the fake as having written (so customer-service messages to them
    go through); `say.deliver()` drains the outbox as the worker would, `say.rows(kind=…)` lists outbox
    rows, `say.inbox(openid)` the texts WeChat delivered to that person.
    """
    from sqlmodel import Session, select

    from app.delivery import Delivery
    from models.core.outbox import OutboxMessage

    app = make_app(clock=clock, **settings)
    rt = app.extensions["linli"]
    with session_scope(rt.engine) as session:
        seed_demo(session, now=clock())
    fake_wechat.configure(auto_follow=True)
    client = app.test_client()

    def say(openid, text):
        fake_wechat.record_interaction(openid, "message")
        push = text if isinstance(text, dict) else pushes.text(openid, text)
        qs, body = signer.sign(push, timestamp=int(clock().timestamp()))
        response = client.post(f"/wechat?{qs}", data=body)
        assert response.status_code == 200
        return reply_text(response)

    def deliver():
        delivery = Delivery(rt)
        while delivery.drain_once():
            pass

    def rows(**where):
        with Session(rt.engine) as session:
            query = select(OutboxMessage)
            for name, value in where.items():
                query = query.where(getattr(OutboxMessage, name) == value)
            return list(session.exec(query.order_by(OutboxMessage.id)))

    def inbox(openid):
        return [s["payload"]["text"]["content"] for s in fake_wechat.sent(openid, "custom")]

    say.rt, say.app, say.clock, say.deliver, say.rows, say.inbox = rt, app, clock, deliver, rows, inbox
    return say
