"""`flask --app app events ...` and `canteen ...`: create and list events, sign-ups, attendance, menus, orders."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import select

from bots.flows.canteen import rules as canteen_rules
from bots.flows.event_common import when
from models import canteen as cn
from models import events as ev
from models.people import User, Village, village_by_code
from models.volunteers import SKILLS

from app.db import session_scope

events_group = AppGroup("events", help="Events and training: create, list, sign-ups, attendance.")
canteen_group = AppGroup("canteen", help="The mutual-aid canteen: menus and the kitchen's order list.")


def _rt():
    return current_app.extensions["linli"]


def _village(session, code: str) -> Village:
    village = village_by_code(session, code)
    if village is None:
        raise click.ClickException(f"没有这个村：{code}")
    return village


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"时间格式不对：{text}（例：2026-12-05T09:00）") from None
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
            raise click.ClickException(f"不能创建：{exc}") from None
        click.echo(f"已创建活动 {event.id}：{event.title}，{when(event.starts_at, rt.settings.tz)}")


@events_group.command("list")
@click.option("--village", "code", default=None, help="village code (default: every village)")
def list_events(code):
    """Upcoming events with places taken and waiting."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        village_id = _village(session, code).id if code else None
        for event in ev.upcoming(session, village_id, now=rt.clock(), limit=100):
            taken, waiting = ev.seats_taken(session, event.id), ev.waiting_count(session, event.id)
            click.echo(f"{event.id:4}  {when(event.starts_at, rt.settings.tz)}  {event.kind:9} {event.title}"
                       f"  已报{taken}/{event.capacity}  候补{waiting}")


@events_group.command("signups")
@click.argument("event_id", type=int)
def signups(event_id):
    """Everyone signed up or waiting for an event, in queue order."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        rows = session.exec(select(ev.EventSignup, User).join(User, User.id == ev.EventSignup.user_id)
                            .where(ev.EventSignup.event_id == event_id).order_by(ev.EventSignup.seq))
        for signup, user in rows:
            here = "已到" if signup.attended_at else ""
            click.echo(f"{signup.seq:4}  {user.name or user.openid:10} {signup.party_size}人  {signup.status}  {here}")


@events_group.command("attend")
@click.argument("event_id", type=int)
@click.argument("openids", nargs=-1, required=True)
def attend(event_id, openids):
    """Mark attendance (a training event grants its qualification)."""
    rt = _rt()
    with session_scope(rt.engine) as session:
        event = session.get(ev.Event, event_id)
        if event is None:
            raise click.ClickException(f"没有这个活动：{event_id}")
        marked = 0
        for signup, user in ev.attendees(session, event_id):
            if user.openid in openids:
                marked += ev.mark_attended(session, signup, event, by="cli", now=rt.clock())
        click.echo(f"已签到 {marked} 人")


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
        cn.post_menu(session, village.id, date.fromisoformat(day_text), meal, list(dishes), by=None, now=rt.clock())
    click.echo(f"已发布 {day_text} {meal} 菜单：{'、'.join(dishes)}")


@canteen_group.command("orders")
@click.option("--village", "code", required=True)
@click.option("--day", "day_text", required=True, help="YYYY-MM-DD")
@click.option("--meal", type=click.Choice([cn.LUNCH, cn.DINNER]), default=cn.LUNCH, show_default=True)
def orders(code, day_text, meal):
    """The kitchen's count and list for one meal."""
    rt = _rt()
    rules = canteen_rules(rt.settings.as_dict())
    with session_scope(rt.engine) as session:
        rows = cn.kitchen_list(session, _village(session, code).id, date.fromisoformat(day_text), meal)
        total = sum(o.portions for o, _ in rows)
        click.echo(f"{day_text} {meal}：共 {total} 份，{len(rows)} 人，应收 {sum(o.total_fen for o, _ in rows) / 100:.2f} 元"
                   f"（每份 {rules.pay_fen / 100:.2f} 元）")
        for order, user in rows:
            click.echo(f"  {user.name or user.openid:10} {order.portions}份 {'送餐' if order.delivery else ''}")


COMMANDS = [events_group, canteen_group]
