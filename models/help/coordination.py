"""Reaching the people who run a village: its coordinators, or the county admins above them."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from models.core import outbox
from models.people.users import User, users_with_role


def coordinators_for(session: Session, user: User) -> list[User]:
    """Coordinators of the user's village; county admins when the village has none."""
    local = users_with_role(session, "admin", user.village_id) if user.village_id else []
    if local:
        return local
    return users_with_role(session, "county_admin") or users_with_role(session, "admin")


def notify_coordinators(
    session: Session, user: User, *, kind: str, text: str, key: str, now: datetime, priority: int = outbox.NORMAL,
    values: dict | None = None,
) -> int:
    """Queue a notification to each coordinator of the user's village; return how many.

    `values` are shown whole in a template form's typed fields (a name, a phone), beside the text.
    """
    targets = coordinators_for(session, user)
    for admin in targets:
        outbox.enqueue(session, key=f"{key}:{admin.openid}", openid=admin.openid, kind=kind, text=text,
                       now=now, priority=priority, template_data={"title": text, **(values or {})})
    return len(targets)
