"""Putting thousands of check-in notices in the outbox at once, and making a bare "1" mean 平安.

`bots.notify.send` inserts one row per statement, which is right for a reply and too slow for a
morning round of 50,000 elders; this renders the same way and inserts in chunks (insert-or-ignore
on the row key, so a re-run job adds nothing).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bots import notify
from bots.texts import t
from models.base import as_utc, table_of
from models.core.conversation import ConversationState
from models.core.notify import Notice
from models.core.outbox import PENDING, OutboxMessage

CHUNK = 1000
CHOICES = {"_choices": ["checkin_ok"]}


# The domain leaves unknown values empty; these catalogue words stand in for them.
BLANKS = {"name": "checkin_blank_name", "by": "checkin_blank_by", "phone": "checkin_blank_unknown",
          "address": "checkin_blank_unknown"}
GREETINGS = ("checkin_prompt", "checkin_second_prompt")


def fill(notice: Notice) -> Notice:
    """The notice with empty names, phones and addresses replaced by words people understand."""
    params = dict(notice.params)
    for name, key in BLANKS.items():
        if name in params and params[name] in ("", None):
            params[name] = t("checkin_blank_you" if notice.text_key in GREETINGS else key)
    return replace(notice, params=params)


def send(session: Session, notices: Iterable[Notice], *, now: datetime, tz: ZoneInfo) -> int:
    """bots.notify.send, after `fill`."""
    return notify.send(session, [fill(n) for n in notices], now=now, tz=tz)


def _dialect(session: Session):
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def _row(notice: Notice, now: datetime, tz: ZoneInfo) -> dict:
    notice = fill(notice)
    text = notify.render(notice, tz)
    template = {"title": text.splitlines()[0][:20], "when": "", "number": str(notice.params.get("number", ""))}
    return {"key": notice.key, "openid": notice.openid, "kind": notice.kind, "text": text,
            "template_data": template, "priority": notice.priority, "status": PENDING, "attempts": 0,
            "not_before": now, "created_at": now}


def send_bulk(session: Session, notices: Iterable[Notice], *, now: datetime, tz: ZoneInfo) -> int:
    """Queue notices in chunks, each once (its key); return how many rows were new."""
    now = as_utc(now)
    rows = [_row(n, now, tz) for n in notices]
    if not rows:
        return 0
    # executemany with one compiled statement: SQLAlchemy batches it ("insertmanyvalues"), RETURNING included.
    stmt = _dialect(session).insert(table_of(OutboxMessage)).on_conflict_do_nothing()
    return len(session.connection().execute(stmt.returning(table_of(OutboxMessage).c.id), rows).all())


def offer_checkin_choice(session: Session, openids: list[str], *, now: datetime) -> None:
    """After a greeting, a bare "1" picks 报平安 — for elders not in the middle of another flow."""
    now, module = as_utc(now), _dialect(session)
    table, c = table_of(ConversationState), table_of(ConversationState).c
    if not openids:
        return
    conn = session.connection()
    values = [{"openid": o, "flow": "", "step": "", "data": CHOICES, "updated_at": now} for o in openids]
    conn.execute(module.insert(table).on_conflict_do_nothing(), values)
    for start in range(0, len(openids), CHUNK):
        part = openids[start:start + CHUNK]
        conn.execute(sa.update(table).where(c.openid.in_(part), c.flow == "").values(data=CHOICES, updated_at=now))
