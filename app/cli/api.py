"""`flask --app app api sync-unionids`: record the unionid of existing followers (links mini-program logins)."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from app.api import unionids

api_group = AppGroup("api", help="The mini-program API.")


@api_group.command("sync-unionids")
@click.option("--limit", default=10_000, show_default=True, help="Followers asked at most.")
def sync_unionids(limit: int) -> None:
    """Ask user/info for every follower without a unionid and record it."""
    rt = current_app.extensions["linli"]
    click.echo(json.dumps(unionids.sync(rt, rt.clock(), limit=limit)))


COMMANDS = [api_group]
