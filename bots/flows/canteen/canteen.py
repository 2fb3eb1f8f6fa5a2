"""The mutual-aid canteen: 今天吃什么, 订餐 (self, a couple, an elder; eat in or delivered), 取消订餐,
and for coordinators 菜单 <哪天> <菜…> and 订餐人数 <哪天>. States and transitions: canteen.md.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bots import nlu, notify
from bots.flows.events.common import (
    acting_choices,
    begin,
    day_text,
    name_of,
    pick_form,
    village_of,
    whom_of,
    whom_text,
    with_whom,
    yuan,
)
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.base import id_of, row_of
from models.canteen import canteen as cn
from models.help import dispatch
from models.help import requests as hr
from models.people.users import User

ADMINS = frozenset({"admin", "county_admin"})
DAY_WORDS = r"今天|明天|后天|大后天|(?:下个?|这个?|本)?(?:周|星期|礼拜)[一二三四五六日天]|\d{1,2}月\d{1,2}[日号]"
MEAL_WORDS = r"中午|午饭|午餐|晚上|晚饭|晚餐"
MENU_CMD = re.compile(rf"菜单\s*({DAY_WORDS})\s*({MEAL_WORDS})?[:：\s]\s*(\S.*)")
COUNT_CMD = re.compile(rf"订餐人数\s*({DAY_WORDS})?\s*({MEAL_WORDS})?")
CANCEL_CMD = re.compile(r"取消订餐|不订了|退餐|取消订饭")
DELIVERY_WORDS = re.compile(r"送(餐|饭|到家|上门|过来|来)|走不动|送一下")
_DISH_SPLIT = re.compile(r"[\s,，、;；/]+")


def _rules(turn: Turn) -> cn.CanteenRules:
    return cn.canteen_rules(dict(turn.ctx.config))


def _day_of(turn: Turn, words: str | None) -> date:
    window = nlu.understand(words, turn.ctx.now).slots.get("time_window") if words else None
    if window is None:
        return turn.ctx.local_now.date()
    return datetime.fromisoformat(window["start"]).date()


def _meal_of(words: str | None, hour: int | None = None) -> str:
    if words and "晚" in words or (hour is not None and hour >= 15):
        return cn.DINNER
    return cn.LUNCH


def meal_text(day: date, meal: str) -> str:
    """'12月2日(周三)午饭'."""
    return day_text(day) + t(f"canteen_meal_{meal}")


# --- menu ---------------------------------------------------------------------------------------

def _post_menu(turn: Turn, conv: Conversation, match: re.Match) -> str:
    day, meal = _day_of(turn, match.group(1)), _meal_of(match.group(2))
    dishes = [d for d in _DISH_SPLIT.split(match.group(3)) if d][:12]
    if turn.user.village_id is None:
        return t("canteen_no_village")
    if meal not in _rules(turn).meals:
        return t("canteen_no_dinner")
    cn.post_menu(turn.ctx.session, turn.user.village_id, day, meal, dishes, by=turn.user, now=turn.ctx.now)
    return t("canteen_menu_posted", meal=meal_text(day, meal), dishes="、".join(dishes))


def show_menu(turn: Turn, conv: Conversation) -> str:
    """今天吃什么 / 明天吃啥 / the 幸福食堂 menu button."""
    village, r = village_of(turn), _rules(turn)
    asked = turn.understanding.slots.get("time_window")
    days = [_day_of(turn, asked["label"])] if asked else [turn.ctx.local_now.date() + timedelta(days=d) for d in (0, 1)]
    menus = [m for day in days for m in (cn.menus_of_day(turn.ctx.session, village, day) if village else [])]
    if not menus:
        return t("canteen_menu_none", day=day_text(days[0]))
    lines = [t("canteen_menu_line", meal=meal_text(m.day, m.meal), dishes="、".join(m.dishes or [])) for m in menus]
    price = t("canteen_price", price=yuan(r.price_fen), subsidy=yuan(r.subsidy_fen), pay=yuan(r.pay_fen))
    cutoff = r.cutoff(menus[0].day, menus[0].meal, turn.ctx.tz)
    return "\n".join([*lines, price, t("canteen_menu_tail", cutoff=f"{cutoff:%H:%M}")])


# --- ordering -----------------------------------------------------------------------------------

def _open_meals(turn: Turn) -> list[tuple[date, str]]:
    return cn.open_meals(turn.ctx.session, village_of(turn), _rules(turn), now=turn.ctx.now, tz=turn.ctx.tz)


def _key(day: date, meal: str) -> str:
    return f"{day.isoformat()}:{meal}"


def _unkey(value: str) -> tuple[date, str]:
    day, meal = value.split(":")
    return date.fromisoformat(day), meal


def _prefill_meal(turn: Turn) -> str | None:
    window = turn.understanding.slots.get("time_window")
    if window:
        start = datetime.fromisoformat(window["start"])
        hour = start.hour if "点" in window.get("label", "") or start.hour >= 11 else None
        meal, served = _meal_of(window.get("label"), hour), _rules(turn).meals
        return _key(start.date(), meal if meal in served else served[0])
    meals = _open_meals(turn)
    return _key(*meals[0]) if meals else None


def _ask_meal(turn: Turn) -> str:
    lines = [f"{n} {meal_text(d, m)}" for n, (d, m) in enumerate(_open_meals(turn), 1)]
    return "\n".join([t("ask_meal_order_meal"), *lines]) if lines else t("canteen_nothing_open")


def _parse_meal(turn: Turn) -> str:
    meals = _open_meals(turn)
    picked = nlu.parse_choice(turn.text, [meal_text(d, m) for d, m in meals])
    if picked is not None:
        return _key(*meals[picked - 1])
    found = _prefill_meal(turn) if turn.understanding.slots.get("time_window") else None
    if found is None:
        raise Invalid()
    return found


def _prefill_portions(turn: Turn) -> int:
    count = turn.understanding.slots.get("count")
    return count if count and 1 <= count <= cn.MAX_PORTIONS else 1


def _parse_portions(turn: Turn) -> int:
    count = turn.number or turn.understanding.slots.get("count")
    if not count or not 1 <= count <= cn.MAX_PORTIONS:
        raise Invalid()
    return count


def _prefill_delivery(turn: Turn) -> bool:
    return bool(DELIVERY_WORDS.search(turn.text))


def _parse_delivery(turn: Turn) -> bool:
    picked = nlu.parse_choice(turn.text, [t("canteen_eat_in"), t("canteen_deliver")])
    if picked is None:
        if DELIVERY_WORDS.search(turn.text):
            return True
        raise Invalid()
    return picked == 2


def _read_back(values: dict, turn: Turn) -> str:
    day, meal = _unkey(values["meal"])
    r = _rules(turn)
    return t("confirm_meal_order", meal=meal_text(day, meal), portions=values["portions"],
             whom=whom_text(turn, whom_of(values, turn)),
             how=t("canteen_deliver" if values["delivery"] else "canteen_eat_in"),
             pay=yuan(r.pay_fen), total=yuan(r.pay_fen * values["portions"]), subsidy=yuan(r.subsidy_fen))


def _submit(values: dict, turn: Turn) -> str:
    session, now, tz = turn.ctx.session, turn.ctx.now, turn.ctx.tz
    day, meal = _unkey(values["meal"])
    eater, r = row_of(session, User, whom_of(values, turn)), _rules(turn)
    result = cn.place_order(session, eater, booked_by=turn.user, day=day, meal=meal, portions=values["portions"],
                            delivery=values["delivery"], rules=r, now=now, tz=tz)
    notify.send(session, result.notices, now=now, tz=tz)
    cutoff = f"{r.cutoff(day, meal, tz):%H:%M}"
    if result.order is None:
        return t(f"canteen_order_{result.outcome}", meal=meal_text(day, meal), cutoff=cutoff)
    extra = ""
    if result.order.delivery:
        details = t("canteen_delivery_details", meal=meal_text(day, meal), portions=result.order.portions)
        request_id = cn.request_meal_delivery(session, result.order, eater, booked_by=turn.user, details=details,
                                              now=now, tz=tz)
        extra = t("canteen_delivery_note") if _dispatch(turn, request_id) else t("canteen_delivery_kitchen")
    return t("canteen_ordered", meal=meal_text(day, meal), portions=result.order.portions,
             total=yuan(result.order.total_fen), cutoff=cutoff, extra=extra)


def _dispatch(turn: Turn, request_id: int) -> bool:
    """Offer a new delivery help request to volunteers at once, as the help flow does."""
    ctx = turn.ctx
    request = hr.get_request(ctx.session, request_id)
    assert request is not None
    if request.dispatch_round:  # the order was changed again: its request is already out
        return True
    rules = dispatch.dispatch_rules(dict(ctx.config), ctx.tz)
    notify.send(ctx.session, dispatch.dispatch_round(ctx.session, request, rules, now=ctx.now), now=ctx.now, tz=ctx.tz)
    return request.status != hr.HELD  # held for a coordinator (the orderer never registered): no volunteer yet


ORDER = Form(
    name="meal_order",
    slots=(Slot("meal", parse=_parse_meal, prefill=_prefill_meal, ask=_ask_meal),
           Slot("portions", parse=_parse_portions, prefill=_prefill_portions),
           Slot("delivery", parse=_parse_delivery, prefill=_prefill_delivery)),
    read_back=_read_back,
    action=_submit,
    undo=lambda turn, conv: undo_order(turn, conv),
)
ORDER_FOR = with_whom(ORDER, "ask_meal_order_whom")


def start_order(turn: Turn, conv: Conversation) -> str:
    """订餐 / 明天中午算我一份 / 两份 / 送餐."""
    wanted = _prefill_meal(turn)
    if wanted is None:
        return t("canteen_nothing_open")
    day, meal = _unkey(wanted)
    r = _rules(turn)
    if not cn.can_change(r, day, meal, now=turn.ctx.now, tz=turn.ctx.tz):
        cutoff = r.cutoff(day, meal, turn.ctx.tz)
        return t("canteen_order_closed", meal=meal_text(day, meal), cutoff=f"{cutoff:%H:%M}")
    return begin(pick_form(turn, ORDER, ORDER_FOR), turn, conv, {})


# --- cancelling and the kitchen's count -----------------------------------------------------------

def _orders(turn: Turn) -> list[cn.MealOrder]:
    ids = sorted({id_of(u) for u in acting_choices(turn)} | {id_of(turn.user)})
    return cn.open_orders(turn.ctx.session, ids, since=turn.ctx.local_now.date())


def _order_line(turn: Turn, n: int, order: cn.MealOrder) -> str:
    return t("canteen_order_line", n=n, meal=meal_text(order.day, order.meal), portions=order.portions,
             whom=whom_text(turn, order.user_id))


def _ask_cancel(turn: Turn) -> str:
    lines = [_order_line(turn, n, o) for n, o in enumerate(_orders(turn), 1)]
    return "\n".join([t("ask_meal_cancel_order"), *lines])


def _parse_cancel(turn: Turn) -> int:
    orders = _orders(turn)
    if not turn.number or not 1 <= turn.number <= len(orders):
        raise Invalid()
    return id_of(orders[turn.number - 1])


def _prefill_cancel(turn: Turn) -> int | None:
    orders = _orders(turn)
    return orders[0].id if len(orders) == 1 else None


def _read_back_cancel(values: dict, turn: Turn) -> str:
    order = turn.ctx.session.get(cn.MealOrder, values["order"])
    assert order is not None
    return t("confirm_meal_cancel", meal=meal_text(order.day, order.meal), portions=order.portions)


def _submit_cancel(values: dict, turn: Turn) -> str:
    order = row_of(turn.ctx.session, cn.MealOrder, values["order"])
    r = _rules(turn)
    result = cn.cancel_order(turn.ctx.session, order, by=turn.user, rules=r, now=turn.ctx.now, tz=turn.ctx.tz)
    notify.send(turn.ctx.session, result.notices, now=turn.ctx.now, tz=turn.ctx.tz)
    cutoff = f"{r.cutoff(order.day, order.meal, turn.ctx.tz):%H:%M}"
    return t(f"canteen_cancel_{result.outcome}", meal=meal_text(order.day, order.meal), cutoff=cutoff)


CANCEL = Form(name="meal_cancel", slots=(Slot("order", parse=_parse_cancel, prefill=_prefill_cancel,
                                              ask=_ask_cancel),),
              read_back=_read_back_cancel, action=_submit_cancel)


def undo_order(turn: Turn, conv: Conversation) -> str | None:
    """取消 right after ordering: cancel the order just placed, after its read-back."""
    mine = [o for o in _orders(turn) if o.booked_by_id == turn.user.id]
    if not mine:
        return None
    return begin(CANCEL, turn, conv, {"order": id_of(max(mine, key=lambda o: id_of(o)))})


def _cancel_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    if not _orders(turn):
        return t("canteen_no_orders")
    return begin(CANCEL, turn, conv, {})


def _count_command(turn: Turn, conv: Conversation, match: re.Match) -> str:
    day, meal = _day_of(turn, match.group(1)), _meal_of(match.group(2))
    rows = cn.kitchen_list(turn.ctx.session, turn.user.village_id or 0, day, meal)
    total = sum(o.portions for o, _ in rows)
    delivered = sum(o.portions for o, _ in rows if o.delivery)
    lines = [t("canteen_count_line", n=n, name=name_of(u), portions=o.portions,
               how=t("canteen_deliver") if o.delivery else "", phone=u.phone or "")
             for n, (o, u) in enumerate(rows, 1)]
    head = t("canteen_count_head", meal=meal_text(day, meal), total=total, people=len(rows), delivered=delivered)
    return "\n".join([head, *lines])


FEATURE = Feature(
    name="canteen",
    forms=(ORDER, ORDER_FOR, CANCEL),
    intents={"canteen_menu": show_menu, "meal_order": start_order},
    commands=(Command("canteen_menu_post", MENU_CMD, _post_menu, roles=ADMINS),
              Command("canteen_count", COUNT_CMD, _count_command, roles=ADMINS),
              Command("canteen_cancel", CANCEL_CMD, _cancel_command)),
)
