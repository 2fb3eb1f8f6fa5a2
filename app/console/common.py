"""What every console view shares: the runtime, the logged-in coordinator, time display, rendering."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, g, render_template
from sqlmodel import Session, select

from bots import notify
from bots.flows.people.volunteer_signup import skill_names
from bots.texts import t
from models.people.users import User, Village

HERE = Path(__file__).resolve().parent
COOKIE = "linli_console"
LOGIN_COOKIE = "linli_console_login"
PREFIX = "/console"


@dataclass(frozen=True)
class Identity:
    """Who a console request comes from (left in flask.g.identity by the session door)."""

    user_id: int
    openid: str
    csrf_token: str
    token: str


def blueprint(name: str, import_name: str) -> Blueprint:
    """A console blueprint under /console with the console's templates."""
    return Blueprint(name, import_name, url_prefix=PREFIX, template_folder=str(HERE / "templates"))


def body_limit(limit: int):
    """Let a view take a larger body than the app-wide limit (kept small for the webhook): the session door
    applies it before it reads the form for the CSRF token."""
    def mark(view):
        setattr(view, "max_body_bytes", limit)  # noqa: B010 (a function attribute mypy cannot see)
        return view
    return mark


def rt():
    return current_app.extensions["linli"]


def admin_in(session: Session) -> User:
    """The logged-in coordinator, read in this transaction (their roles are checked on every request)."""
    user = session.get(User, g.identity.user_id)
    assert user is not None  # the session door let them in this very request
    return user


def local(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A stored UTC time as coordinators read it."""
    return moment.astimezone(rt().tz).strftime(fmt) if moment else ""


def since(moment: datetime, now: datetime) -> str:
    """How long ago, in the largest whole unit."""
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return t("console_web_minutes_ago", n=minutes)
    if minutes < 24 * 60:
        return t("console_web_hours_ago", h=minutes // 60, m=minutes % 60)
    return t("console_web_days_ago", n=minutes // (24 * 60))


def village_names(session: Session) -> dict[int, str]:
    return {v.id: v.name for v in session.exec(select(Village)) if v.id is not None}


def who(user: User | None) -> str:
    if user is None:
        return ""
    return user.name or t("someone", tail=user.openid[-4:])


def page(template: str, **values: Any) -> str:
    """Render a console page with the catalogue and the CSRF token at hand."""
    identity = getattr(g, "identity", None)
    return render_template(f"console/{template}", t=t, csrf=identity.csrf_token if identity else "",
                           category=notify.category_label, local=local, skills=skill_names, **values)
