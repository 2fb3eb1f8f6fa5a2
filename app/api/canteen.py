"""The canteen through the API: menus by day, ordering (myself or an elder; eat in or delivered), cancelling,
my orders — models/canteen rules, with a delivery dispatched to volunteers as the chat does. Money in fen.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, Field
from spectree import Response as Answers
from sqlmodel import Session

from app.api import context, schemas
from app.api.common import ID_MAX, acting_ids, config, send, village_of, whom
from app.api.context import created, local, person, unit
from app.api.problems import Problem
from app.api.schemas import Body, Person
from app.api.spec import BEARER, answers, spec
from app.api.wiring import wire
from bots.flows.events.common import day_text
from bots.texts import t
from models.base import id_of, row_of
from models.canteen import canteen as cn
from models.help import dispatch
from models.help import requests as hr
from models.people.users import User

bp = Blueprint("api_canteen", __name__, url_prefix="/api/v1")
wire(bp)
Meal = Literal["lunch", "dinner"]


class MenuQuery(BaseModel):
    day: date | None = Field(default=None, description="the first day (default: today, local time)")
    days: int = Field(default=1, ge=1, le=7, description="how many days from `day`")


class MenuOut(BaseModel):
    day: date
    meal: Meal
    dishes: list[str]
    price_fen: int
    subsidy_fen: int
    pay_fen: int = Field(description="what one portion costs after the subsidy")
    order_until: AwareDatetime = Field(description="ordering and cancelling close at this moment")
    open: bool


class MenuList(BaseModel):
    items: list[MenuOut]


class OrderIn(Body):
    day: date
    meal: Meal = "lunch"
    portions: int = Field(default=1, ge=1, le=cn.MAX_PORTIONS)
    delivery: bool = Field(default=False, description="delivered by a volunteer (a help request of category meal)")
    elder_id: int | None = Field(default=None, ge=1, le=ID_MAX, description="omitted: myself, or my only elder")


class OrderOut(BaseModel):
    id: int
    day: date
    meal: Meal
    eater: Person
    portions: int
    delivery: bool
    status: Literal["ordered", "cancelled"]
    unit_price_fen: int
    subsidy_fen: int
    total_fen: int = Field(description="what the eater pays: (price - subsidy) × portions")
    help_request_id: int | None = Field(description="the delivery's help request")
    order_until: AwareDatetime


class OrderList(BaseModel):
    items: list[OrderOut]


def _order_answers() -> Answers:
    """201 for a new order, 200 when a standing order's portions or delivery changed."""
    problems = {f"HTTP_{status}": schemas.Problem for status in (401, 403, 404, 409, 422, 429)}
    return Answers(HTTP_200=OrderOut, HTTP_201=OrderOut, **problems)


ORDER_ANSWERS = _order_answers()


def _rules() -> cn.CanteenRules:
    return cn.canteen_rules(config())


def _menu_out(menu: cn.CanteenMenu, rules: cn.CanteenRules) -> MenuOut:
    tz, now = context.runtime().tz, context.now()
    return MenuOut(day=menu.day, meal=menu.meal, dishes=list(menu.dishes or []), price_fen=rules.price_fen,
                   subsidy_fen=min(rules.subsidy_fen, rules.price_fen), pay_fen=rules.pay_fen,
                   order_until=local(rules.cutoff(menu.day, menu.meal, tz)),
                   open=cn.can_change(rules, menu.day, menu.meal, now=now, tz=tz))


def _order_out(session: Session, order: cn.MealOrder, rules: cn.CanteenRules) -> OrderOut:
    eater = row_of(session, User, order.user_id)
    return OrderOut(id=id_of(order), day=order.day, meal=order.meal, eater=Person(id=id_of(eater), name=eater.name),
                    portions=order.portions, delivery=order.delivery, status=order.status,
                    unit_price_fen=order.unit_price_fen, subsidy_fen=order.subsidy_fen, total_fen=order.total_fen,
                    help_request_id=order.help_request_id,
                    order_until=local(rules.cutoff(order.day, order.meal, context.runtime().tz)))


def _today() -> date:
    return context.now().astimezone(context.runtime().tz).date()


@bp.get("/canteen/menus")
@spec.validate(query=MenuQuery, resp=answers(200, MenuList, 403, 422), tags=["canteen"], security=BEARER)
def menus():
    """The menus of my village's canteen, by day, lunch before dinner, with prices and order cutoffs."""
    query: MenuQuery = context.request_query()
    rules, first = _rules(), query.day or _today()
    with Session(context.runtime().engine) as session:
        village = village_of(session, person(session))
        found = [m for n in range(query.days) if village is not None
                 for m in cn.menus_of_day(session, village, first + timedelta(days=n)) if m.meal in rules.meals]
        return MenuList(items=[_menu_out(m, rules) for m in found])


@bp.post("/canteen/orders")
@spec.validate(json=OrderIn, resp=ORDER_ANSWERS, tags=["canteen"], security=BEARER)
def order():
    """Order a meal (or change the portions of a standing order) before its cutoff; 201 new, 200 changed."""
    if (first := context.replay()) is not None:
        return first
    body: OrderIn = context.request_json()
    rules, now, tz = _rules(), context.now(), context.runtime().tz
    if body.meal not in rules.meals:
        raise Problem(404, "no_menu")
    with unit() as session:
        user = person(session)
        eater = whom(session, user, body.elder_id)
        result = cn.place_order(session, eater, booked_by=user, day=body.day, meal=body.meal, portions=body.portions,
                                delivery=body.delivery, rules=rules, now=now, tz=tz)
        send(session, result.notices)
        if result.outcome == "closed":
            raise Problem(409, "order_closed")
        if result.order is None:
            raise Problem(404, "no_menu")
        if result.order.delivery:
            _deliver(session, result.order, eater, user)
        return created(session, _order_out(session, result.order, rules), 201 if result.outcome == "ordered" else 200)


def _deliver(session: Session, order: cn.MealOrder, eater: User, user: User) -> None:
    """A delivered meal becomes a help request offered to volunteers at once (the chat's _dispatch)."""
    now, tz = context.now(), context.runtime().tz
    meal = day_text(order.day) + t(f"canteen_meal_{order.meal}")
    details = t("canteen_delivery_details", meal=meal, portions=order.portions)
    request_id = cn.request_meal_delivery(session, order, eater, booked_by=user, details=details, now=now, tz=tz)
    request = hr.get_request(session, request_id)
    if request is not None and not request.dispatch_round and request.status == hr.OPEN:
        send(session, dispatch.dispatch_round(session, request, dispatch.dispatch_rules(config(), tz), now=now))


@bp.get("/canteen/orders")
@spec.validate(resp=answers(200, OrderList, 403), tags=["canteen"], security=BEARER)
def my_orders():
    """Standing orders of mine and of the elders I act for, from today on."""
    rules = _rules()
    with Session(context.runtime().engine) as session:
        user = person(session)
        rows = cn.open_orders(session, acting_ids(session, user), since=_today())
        return OrderList(items=[_order_out(session, o, rules) for o in rows])


@bp.post("/canteen/orders/<int(max=2147483647):order_id>/cancel")
@spec.validate(resp=answers(200, OrderOut, 403, 404, 409), tags=["canteen"], security=BEARER)
def cancel(order_id: int):
    """Cancel before the cutoff; a delivery's volunteer, if any, is told it is off."""
    rules = _rules()
    with unit() as session:
        user = person(session)
        found = session.get(cn.MealOrder, order_id)
        if found is None or (found.user_id not in acting_ids(session, user) and found.booked_by_id != user.id):
            raise Problem(404)  # another family's order: as if it did not exist
        result = cn.cancel_order(session, found, by=user, rules=rules, now=context.now(), tz=context.runtime().tz)
        if result.outcome == "closed":
            raise Problem(409, "order_closed")
        if result.outcome != "cancelled":
            raise Problem(409, "order_not_active")
        send(session, result.notices)
        return _order_out(session, found, rules)
