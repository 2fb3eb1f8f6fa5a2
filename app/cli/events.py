"""`flask --app app events ...` and `canteen ...`: create and list events, sign-ups, attendance, menus, orders."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import col, select

from app.db import session_scope
from bots.flows.events.common import when
from bots.texts import t
from models.base import id_of
from models.canteen import canteen as cn
from models.events import events as ev
from models.people.users import User, Village, village_by_code
from models.people.volunteers import SKILLS

events_group = AppGroup("events", help="Events and training: create, list, sign-ups, attendance.")
canteen_group = AppGroup("canteen", help="The mutual-aid canteen: menus and the kitchen's order list.")


def _rt():
    return current_app.extensions["linli"]


def _village(session, code: str) -> Village:
    village = village_by_code(session, code)
    if village is None:
        raise click.ClickException(t("console_no_village", code=code))
    return village


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(t("console_bad_time", text=text, example="2026-12-05T09:00")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_rt().settings.tz)


@events_group.command("create")
@click.option("--village", "code", default=None, help="village code; omit for every village (county-wide)")
@click.option("--kind", type=click.Choice(ev.KINDS), required=True)
@click.option("--title", required=True)
@click.option("--place", default="")
@click.option("--starts", required=True, help="ISO time, e.g. 2026-12-05T09:00 (local time if no offset)")
@click.option("--capacity", type=int, required=True)
@click.option("--deadline", default=None, help="sign-up deadline, ISO time (default: 20:00 the day before)")
@click.option("--hours", type=float, default=2.0, show_default=True, help="duration")
@click.option("--qualification", type=click.Choice(SKILLS), default=None, help="training: what it qualifies for")
@click.option("--valid-days", type=int, default=365, show_default=True, help="training: days the record is valid")
def create(code, kind, title, place, starts, capacity, deadline, hours, qualification, valid_days):
    """Create an event (a training names the qualification it grants)."""
    rt, start = _rt(), _moment(starts)
    until = _moment(deadline) if deadline else datetime.combine(
        start.astimezone(rt.settings.tz).date() - timedelta(days=1), datetime.min.time(), tzinfo=rt.settings.tz
    ).replace(hour=20)
    with session_scope(rt.engine) as session:
        village_id = _village(session, code).id if code else None
        new = ev.NewEvent(village_id=village_id, kind=kind, title=title, place=place, starts_at=start,
                          capacity=capacity, signup_deadline=until, duration=timedelta(hours=hours),
                          qualification=qualification or "", valid_days=valid_days if qualification else None)
        try:
            event = ev.create_event(session, new, creator=None, now=rt.clock())
        except ValueError as exc:
            raise click.ClickException(t("console_event_not_created", error=exc)) from None
        click.echo(t("console_event_created", id=event.id, title=event.title,
                     when=when(event.starts_at, rt.settings.tz)))


@events_group.command("list")
@click.option("--village", "code", default=None, help="village code (default: every village)")
def list_events(code):
    """Upcoming events with places taken and waiting."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        village_id = _village(session, code).id if code else None
        for event in ev.upcoming(session, village_id, now=rt.clock(), limit=100):
            taken, waiting = ev.seats_taken(session, id_of(event)), ev.waiting_count(session, id_of(event))
            click.echo(t("console_event_line", id=event.id, when=when(event.starts_at, rt.settings.tz),
                         kind=event.kind, title=event.title, taken=taken, capacity=event.capacity, waiting=waiting))


@events_group.command("signups")
@click.argument("event_id", type=int)
def signups(event_id):
    """Everyone signed up or waiting for an event, in queue order."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        rows = session.exec(select(ev.EventSignup, User).join(User, col(User.id) == ev.EventSignup.user_id)
                            .where(ev.EventSignup.event_id == event_id).order_by(col(ev.EventSignup.seq)))
        for signup, user in rows:
            here = t("console_signup_attended") if signup.attended_at else ""
            click.echo(t("console_signup_line", seq=signup.seq, name=user.name or user.openid, party=signup.party_size,
                         status=signup.status, attended=here))


@events_group.command("attend")
@click.argument("event_id", type=int)
@click.argument("openids", nargs=-1, required=True)
def attend(event_id, openids):
    """Mark attendance (a training event grants its qualification)."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        event = session.get(ev.Event, event_id)
        if event is None:
            raise click.ClickException(t("console_no_event", event_id=event_id))
        marked = 0
        for signup, user in ev.attendees(session, event_id):
            if user.openid in openids:
                marked += ev.mark_attended(session, signup, event, by="cli", now=rt.clock())
        click.echo(t("console_event_attended", count=marked))


@canteen_group.command("menu")
@click.option("--village", "code", required=True)
@click.option("--day", "day_text", required=True, help="YYYY-MM-DD")
@click.option("--meal", type=click.Choice([cn.LUNCH, cn.DINNER]), default=cn.LUNCH, show_default=True)
@click.argument("dishes", nargs=-1, required=True)
def menu(code, day_text, meal, dishes):
    """Post (or replace) the menu of one meal."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        village = _village(session, code)
        cn.post_menu(session, id_of(village), date.fromisoformat(day_text), meal, list(dishes), by=None, now=rt.clock())
    click.echo(t("console_menu_posted", day=day_text, meal=meal, dishes="、".join(dishes)))


@canteen_group.command("orders")
@click.option("--village", "code", required=True)
@click.option("--day", "day_text", required=True, help="YYYY-MM-DD")
@click.option("--meal", type=click.Choice([cn.LUNCH, cn.DINNER]), default=cn.LUNCH, show_default=True)
def orders(code, day_text, meal):
    """The kitchen's count and list for one meal."""
    rt = _rt()
    rules = cn.canteen_rules(rt.settings.as_dict())
    with session_scope(rt.engine) as session:
        rows = cn.kitchen_list(session, id_of(_village(session, code)), date.fromisoformat(day_text), meal)
        total = sum(o.portions for o, _ in rows)
        click.echo(t("console_orders_summary", day=day_text, meal=meal, total=total, people=len(rows),
                     due=sum(o.total_fen for o, _ in rows) / 100, price=rules.pay_fen / 100))
        for order, user in rows:
            delivery = t("console_order_delivery") if order.delivery else ""
            click.echo(t("console_order_line", name=user.name or user.openid, portions=order.portions,
                         delivery=delivery))


COMMANDS = [events_group, canteen_group]
