"""`flask --app app console login-link OPENID`: a one-time console login link (10 minutes, single use).

For operators and development; refused (non-zero exit) for anyone who is not a coordinator or county
admin, so the link cannot hand the console to a volunteer or a stranger.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import select

from app.db import session_scope
from bots.texts import t
from models.console import logins
from models.people.users import User

console_group = AppGroup("console", help="The coordinators' web console.")
DEFAULT_BASE = "http://127.0.0.1:8000"


@console_group.command("login-link")
@click.argument("openid")
def login_link(openid: str) -> None:
    """Print a one-time login link for a coordinator (valid 10 minutes, once)."""
    rt = current_app.extensions["linli"]
    with session_scope(rt.engine) as session:
        user = session.exec(select(User).where(User.openid == openid)).first()
        if user is None:
            raise click.ClickException(t("console_no_user", openid=openid))
        result, token = logins.issue_link(session, user, now=rt.clock())
    if result != logins.OK:
        raise click.ClickException(t("console_web_link_refused", openid=openid))
    base = (rt.settings.get("console.base_url") or DEFAULT_BASE).rstrip("/")
    click.echo(f"{base}/console/login/link/{token}")
    click.echo(t("console_web_link_valid", minutes=int(logins.LINK_TTL.total_seconds() // 60)), err=True)


COMMANDS = [console_group]
