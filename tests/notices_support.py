"""Helpers shared by the notices tests: people, a composed broadcast, draining every channel."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from app.db import session_scope
from app.delivery import Delivery
from app.jobs import registry as jobs
from models.core import windows
from models.notices.broadcasts import Broadcast, Content, Limits, MassBatch, NoticeDelivery, compose
from models.people.users import User, Village, get_or_create_user, grant_roles, village_by_code


def village(session, code: str, name: str) -> Village:
    found = village_by_code(session, code)
    if found is None:
        found = Village(code=code, name=name, county="示范县", created_at=datetime(2026, 1, 1).astimezone())
        session.add(found)
        session.flush()
    return found


def person(session, openid: str, place: Village, roles=("elder",), *, now, subscribed=True) -> User:
    user = get_or_create_user(session, openid, now=now)
    user.village_id, user.subscribed, user.name = place.id, subscribed, openid
    grant_roles(user, roles, now=now)
    session.add(user)
    session.flush()
    return user


def user_wrote(rt, fake, openid: str, now) -> None:
    """The user sent a message: WeChat and our window table both know it."""
    fake.record_interaction(openid, "message")
    with session_scope(rt.engine) as session:
        windows.record_interaction(session, openid, windows.MESSAGE, now=now)


def broadcast(rt, author: str, body: str, *, now, audience="all", village_id=None, urgent=False,
              send_at=None, title="", url="") -> int:
    with session_scope(rt.engine) as session:
        actor = session.exec(select(User).where(User.openid == author)).one()
        row = compose(session, actor, Content(body=body, title=title, url=url), audience=audience,
                      village_id=village_id if village_id is not None else actor.village_id,
                      send_at=send_at or now, urgent=urgent, limits=Limits(allowed_domains=("gov.cn",)), now=now)
        return row.id


def deliver_all(rt, now) -> None:
    """Plan, deliver the outbox, send mass batches, sync — as the worker and scheduler would."""
    jobs.run(rt, "notices.dispatch", now)
    delivery = Delivery(rt)
    while delivery.drain_once():
        pass
    jobs.run(rt, "notices.send", now)


def deliveries(rt, broadcast_id: int) -> dict[str, NoticeDelivery]:
    with Session(rt.engine) as session:
        rows = session.exec(select(NoticeDelivery).where(NoticeDelivery.broadcast_id == broadcast_id))
        return {row.openid: row for row in rows}


def batches(rt, broadcast_id: int) -> list[MassBatch]:
    with Session(rt.engine) as session:
        query = select(MassBatch).where(MassBatch.broadcast_id == broadcast_id).order_by(MassBatch.batch_no)
        return list(session.exec(query))


def status_of(rt, broadcast_id: int) -> str:
    with Session(rt.engine) as session:
        return session.get(Broadcast, broadcast_id).status
