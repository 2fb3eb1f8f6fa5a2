"""`flask --app app outbox held|undelivered`: what waits for a person's next message, and what never arrived.

Coordinators and operators read here the full text of every push that is waiting (a routine notice
past the quota budget, the full text behind a template summary) or that could not be delivered, so
nothing is lost without someone able to see it and pick up the phone.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session, col, select

from bots.texts import t
from models.core import outbox
from models.core.outbox import OutboxMessage

outbox_group = AppGroup("outbox", help="Pushes waiting for the person's next message, and undelivered ones.")
UNDELIVERED = (outbox.UNDELIVERABLE, outbox.FAILED, outbox.UNCERTAIN)


def _show(statuses: tuple[str, ...], openid: str | None, limit: int) -> None:
    rt = current_app.extensions["linli"]
    query = select(OutboxMessage).where(col(OutboxMessage.status).in_(statuses))
    if openid:
        query = query.where(OutboxMessage.openid == openid)
    with Session(rt.engine) as session:
        rows = list(session.exec(query.order_by(col(OutboxMessage.id).desc()).limit(limit)))
    if not rows:
        click.echo(t("console_outbox_none"))
    for row in rows:
        click.echo(t("console_outbox_line", id=row.id, status=row.status, kind=row.kind, openid=row.openid,
                     created=row.created_at.astimezone(rt.tz).strftime("%m-%d %H:%M"),
                     text=" / ".join(row.text.splitlines())))


@outbox_group.command("held")
@click.option("--openid", default=None, help="Only this person's.")
@click.option("--limit", default=50, show_default=True)
def held(openid: str | None, limit: int) -> None:
    """Pushes waiting for the person's next message (full texts behind template summaries included)."""
    _show((outbox.HELD,), openid, limit)


@outbox_group.command("undelivered")
@click.option("--openid", default=None, help="Only this person's.")
@click.option("--limit", default=50, show_default=True)
def undelivered(openid: str | None, limit: int) -> None:
    """Pushes that could not be delivered (undeliverable, failed) or may not have been (uncertain)."""
    _show(UNDELIVERED, openid, limit)


COMMANDS = [outbox_group]
