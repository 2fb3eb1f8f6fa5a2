"""unionid of Official Account followers, from user/info: what links a mini-program login to its person.

Nothing on the webhook's path calls WeChat, so a follow or scan only marks the person as changed (their
row's updated_at); the job `api.unionids` asks user/info for followers without a unionid seen since its
last run, and `flask --app app api sync-unionids` does it for every follower (existing followers).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.wechat_api import WeChatAPIError
from models.api import identity as ids
from models.people.users import User

log = logging.getLogger(__name__)
BATCH = 100


def sync(rt, now: datetime, *, since: datetime | None = None, limit: int = 10_000) -> dict[str, int]:
    """Ask user/info for followers without a unionid (changed since `since`, or all); count the outcomes."""
    counts = {"asked": 0, "recorded": 0, "failed": 0}
    after = 0
    while counts["asked"] < limit:
        with Session(rt.engine, expire_on_commit=False) as session:
            query = select(User.id, User.openid).where(col(User.unionid).is_(None), col(User.subscribed).is_(True),
                                                       col(User.id) > after)
            if since is not None:
                query = query.where(col(User.updated_at) >= since)
            batch = list(session.exec(query.order_by(col(User.id)).limit(min(BATCH, limit - counts["asked"]))))
        if not batch:
            break
        for user_id, openid in batch:
            after = user_id or after
            if openid.startswith("offline-"):
                continue
            counts["asked"] += 1
            try:
                unionid = rt.wechat.user_info(openid).get("unionid")
            except WeChatAPIError as exc:
                counts["failed"] += 1
                log.info("user/info failed for user %s: %s", user_id, exc.errcode)
                continue
            with Session(rt.engine) as session:
                user = session.get(User, user_id)
                if user is not None and ids.unionid_seen(session, user, unionid, now=now):
                    session.commit()
                    counts["recorded"] += 1
    return counts


def recent(rt, now: datetime) -> dict[str, int]:
    """The job: followers who followed, scanned or wrote in the last 15 minutes and have no unionid yet."""
    return sync(rt, now, since=now - timedelta(minutes=15), limit=500)
