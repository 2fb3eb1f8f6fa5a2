"""Operator commands: `flask --app app db|worker|seed-demo|jobs|wechat ...`."""
from __future__ import annotations

import json
import signal
import threading
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app import migrate
from app.db import session_scope
from app.jobs import registry as jobs
from bots.texts import t
from models.seed import ensure_admins, seed_demo


def _rt():
    return current_app.extensions["linli"]


@click.group("db", cls=AppGroup)
def db_group():
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str):
    """Apply migrations (safe to run again)."""
    migrate.upgrade(_rt().settings["database_url"], revision)
    click.echo(t("console_db_upgraded", revision=revision))


@db_group.command("downgrade")
@click.option("--revision", default="-1", show_default=True)
def db_downgrade(revision: str):
    """Revert migrations (default: one step)."""
    migrate.downgrade(_rt().settings["database_url"], revision)
    click.echo(t("console_db_downgraded", revision=revision))


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo village 示范村 and its personas (safe to run again; refused in production)."""
    rt = _rt()
    if rt.settings["env"] == "production":
        # The demo makes the publicly known openid demo-admin a coordinator.
        raise click.ClickException(t("console_seed_demo_refused"))
    with session_scope(rt.engine) as session:
        village = seed_demo(session, now=rt.clock())
        ensure_admins(session, rt.settings["admin_openids"], now=rt.clock())
        name = village.name
    click.echo(t("console_demo_ready", village=name))


@click.command("worker")
@with_appcontext
def worker_command():
    """Run outbox delivery and the scheduler until stopped (SIGTERM/SIGINT)."""
    from app.delivery import Delivery
    from app.scheduler import LeasedScheduler

    rt = _rt()
    jobs.activate(rt)
    with session_scope(rt.engine) as session:
        ensure_admins(session, rt.settings["admin_openids"], now=rt.clock())
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=Delivery(rt).run, args=(stop,), name="delivery"),
               threading.Thread(target=LeasedScheduler(rt).run, args=(stop,), name="scheduler")]
    for thread in threads:
        thread.start()
    click.echo(t("console_worker_started", worker_id=rt.worker_id))
    while not stop.wait(0.5):
        pass
    for thread in threads:
        thread.join(timeout=10)
    click.echo(t("console_worker_stopped"))


@click.group("jobs", cls=AppGroup)
def jobs_group():
    """List scheduled jobs or run one for a given moment."""


@jobs_group.command("list")
def jobs_list():
    """Show every job id, its trigger and what it does."""
    for job in jobs.JOBS.values():
        trigger = ", ".join(f"{k}={v}" for k, v in (job.trigger or {}).items()) or t("console_job_manual")
        click.echo(f"{job.id:20} {trigger:40} " + t(f"job_{job.id}"))


@jobs_group.command("run")
@click.argument("job_id")
@click.option("--now", "now_text", default=None, help="ISO time, e.g. 2026-12-01T08:30+08:00 (default: now)")
def jobs_run(job_id: str, now_text: str | None):
    """Run one job now, or as if it were --now."""
    rt = _rt()
    if job_id not in jobs.JOBS:
        raise click.BadParameter(t("console_job_unknown", job_id=job_id), param_hint="JOB_ID")
    now = _parse_now(now_text, rt) if now_text else rt.clock()
    result = jobs.run(rt, job_id, now)
    click.echo(json.dumps({"job": job_id, "now": now.isoformat(), "result": result}, ensure_ascii=False,
                          default=str))


def _parse_now(text: str, rt) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(t("console_bad_time", text=text, example="2026-12-01T08:30+08:00"),
                                 param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=rt.settings.tz)


@click.group("wechat", cls=AppGroup)
def wechat_group():
    """Calls to the WeChat API."""


@wechat_group.command("push-menu")
def push_menu():
    """Publish the custom menu from config.yaml."""
    from app.wechat_api import WeChatAPIError

    rt = _rt()
    try:
        rt.wechat.create_menu(rt.settings["menu"])
    except WeChatAPIError as exc:
        raise click.ClickException(t("console_menu_push_failed", errcode=exc.errcode, errmsg=exc.errmsg)) from None
    click.echo(t("console_menu_pushed"))


# Feature modules exposing `COMMANDS: list[click.Command]`; one line each.
CLI_MODULES: list[str] = [
    "app.cli.notices",
    "app.cli.events",
    "app.cli.outbox",
    "app.cli.console",
    "app.cli.api",
    "app.cli.funds",
    "app.cli.speech",
]


def init_app(app: Flask) -> None:
    """Register the command groups."""
    import importlib

    for command in (db_group, seed_demo_command, worker_command, jobs_group, wechat_group):
        app.cli.add_command(command)
    for name in CLI_MODULES:
        for command in importlib.import_module(name).COMMANDS:
            app.cli.add_command(command)
