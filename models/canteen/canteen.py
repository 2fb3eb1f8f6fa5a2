"""The mutual-aid canteen (幸福食堂): a menu per day and meal, orders until a cutoff, delivery for those
who cannot walk. Amounts are integer fen; each order keeps the prices it was taken at."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, id_of, json_field, utc_field
from models.core.audit import audit
from models.core.notify import Notice
from models.help import requests as hr
from models.help import visits
from models.people.users import User

LUNCH, DINNER = "lunch", "dinner"
ORDERED, CANCELLED = "ordered", "cancelled"
MAX_PORTIONS = 4
# When each meal is served (local time): the delivery help request asks for this window.
SERVING = {LUNCH: (time(11, 0), time(12, 30)), DINNER: (time(17, 0), time(18, 30))}


class CanteenMenu(SQLModel, table=True):
    __tablename__ = "canteen_menus"
    __table_args__ = (sa.UniqueConstraint("village_id", "day", "meal", name="uq_canteen_menu"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="villages.id", index=True)
    day: date = Field(sa_column=sa.Column(sa.Date(), nullable=False))
    meal: str = Field(default=LUNCH, max_length=16)
    dishes: list[str] | None = json_field()
    posted_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class MealOrder(SQLModel, table=True):
    """One person's meal on one day; a second order for the same meal changes the portions."""

    __tablename__ = "meal_orders"
    __table_args__ = (sa.UniqueConstraint("user_id", "day", "meal", name="uq_meal_order"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="villages.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    booked_by_id: int = Field(foreign_key="users.id")
    day: date = Field(sa_column=sa.Column(sa.Date(), nullable=False, index=True))
    meal: str = Field(default=LUNCH, max_length=16)
    portions: int = Field(default=1)
    status: str = Field(default=ORDERED, max_length=16)
    unit_price_fen: int
    subsidy_fen: int
    total_fen: int  # what the elder pays: (price - subsidy) × portions
    delivery: bool = Field(default=False)
    # The help request (category meal) that carries a delivery; no FK so this table stands alone.
    help_request_id: int | None = Field(default=None)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    cancelled_at: datetime | None = utc_field(nullable=True)


@dataclass(frozen=True)
class CanteenRules:
    """Prices and cutoffs from configuration (canteen.*)."""

    price_fen: int = 1000
    subsidy_fen: int = 600
    cutoffs: tuple[tuple[str, time], ...] = ((LUNCH, time(9, 30)),)

    @property
    def meals(self) -> tuple[str, ...]:
        return tuple(meal for meal, _ in self.cutoffs)

    @property
    def pay_fen(self) -> int:
        """What one portion costs the elder after the subsidy."""
        return max(0, self.price_fen - self.subsidy_fen)

    def cutoff(self, day: date, meal: str, tz: ZoneInfo) -> datetime:
        """When ordering and cancelling this meal close (see `can_change`)."""
        return datetime.combine(day, dict(self.cutoffs)[meal], tzinfo=tz)


def can_change(rules: CanteenRules, day: date, meal: str, *, now: datetime, tz: ZoneInfo) -> bool:
    """Whether this meal can still be ordered or cancelled at `now`: strictly before its cutoff.

    A villager reads "orders close at 09:30" as "at 09:30 it is too late": at 09:29:59 the meal is open, at
    09:30:00 it is closed, and the kitchen's count taken at 09:30 is final. Every caller asks here.
    """
    return as_utc(now) < rules.cutoff(day, meal, tz)


def _clock(text: str) -> time:
    hour, minute = str(text).split(":")
    return time(int(hour), int(minute))


def canteen_rules(config: dict) -> CanteenRules:
    """Prices, meals and cutoffs from the `canteen` configuration section."""
    section = config.get("canteen", {}) or {}
    cutoffs = [(LUNCH, _clock(section.get("order_cutoff", "09:30")))]
    if DINNER in section.get("meal_times", [LUNCH]):
        cutoffs.append((DINNER, _clock(section.get("dinner_cutoff", "15:00"))))
    return CanteenRules(price_fen=round(float(section.get("price_yuan", 10)) * 100),
                 subsidy_fen=round(float(section.get("subsidy_yuan", 6)) * 100), cutoffs=tuple(cutoffs))


@dataclass
class OrderResult:
    outcome: str  # ordered | updated | closed | no_menu | not_found | cancelled
    order: MealOrder | None = None
    notices: list = field(default_factory=list)  # e.g. the delivery volunteer told it is off


def post_menu(session: Session, village_id: int, day: date, meal: str, dishes: list[str], *, by: User | None,
              now: datetime) -> CanteenMenu:
    """Publish (or replace) the menu of one meal."""
    menu = menu_of(session, village_id, day, meal) or CanteenMenu(village_id=village_id, day=day, meal=meal,
                                                                 created_at=now)
    menu.dishes, menu.posted_by_id, menu.updated_at = list(dishes), by.id if by else None, now
    session.add(menu)
    session.flush()
    audit(session, now=now, actor=by.openid if by else "cli", action="canteen.menu", target=f"{day}:{meal}",
          dishes=list(dishes))
    return menu


def menu_of(session: Session, village_id: int, day: date, meal: str) -> CanteenMenu | None:
    """The menu of one meal, if posted."""
    return session.exec(select(CanteenMenu).where(CanteenMenu.village_id == village_id, CanteenMenu.day == day,
                                                  CanteenMenu.meal == meal)).first()


def menus_of_day(session: Session, village_id: int, day: date) -> list[CanteenMenu]:
    """Every menu posted for a day, lunch before dinner."""
    menus = session.exec(select(CanteenMenu).where(CanteenMenu.village_id == village_id, CanteenMenu.day == day))
    return sorted(menus, key=lambda m: (m.meal != LUNCH, m.meal))


def open_meals(session: Session, village_id: int | None, rules: CanteenRules, *, now: datetime, tz: ZoneInfo,
               days: int = 3) -> list[tuple[date, str]]:
    """Meals with a menu that can still be ordered, soonest first (today and the next days)."""
    if village_id is None:
        return []
    today = now.astimezone(tz).date()
    return [(day, meal) for day in (today + timedelta(days=n) for n in range(days)) for meal in rules.meals
            if can_change(rules, day, meal, now=now, tz=tz) and menu_of(session, village_id, day, meal)]


def place_order(session: Session, eater: User, *, booked_by: User, day: date, meal: str, portions: int,
                delivery: bool, rules: CanteenRules, now: datetime, tz: ZoneInfo) -> OrderResult:
    """Order (or change) a meal before its cutoff, at today's price after subsidy."""
    if not can_change(rules, day, meal, now=now, tz=tz):
        return OrderResult("closed")
    if eater.village_id is None or menu_of(session, eater.village_id, day, meal) is None:
        return OrderResult("no_menu")
    order = order_of(session, eater, day, meal)
    outcome = "updated" if order is not None and order.status == ORDERED else "ordered"
    booker_id = id_of(booked_by)
    order = order or MealOrder(village_id=eater.village_id, user_id=id_of(eater), booked_by_id=booker_id, day=day,
                               meal=meal, unit_price_fen=0, subsidy_fen=0, total_fen=0, created_at=now)
    order.booked_by_id, order.portions, order.delivery, order.status = booker_id, portions, delivery, ORDERED
    order.unit_price_fen, order.subsidy_fen = rules.price_fen, min(rules.subsidy_fen, rules.price_fen)
    order.total_fen, order.cancelled_at, order.updated_at = rules.pay_fen * portions, None, now
    session.add(order)
    session.flush()
    notices = [] if delivery else withdraw_meal_delivery(session, order, now=now)
    audit(session, now=now, actor=booked_by.openid, action="canteen.order", target=f"order:{order.id}",
          portions=portions, delivery=delivery)
    return OrderResult(outcome, order, notices)


def cancel_order(session: Session, order: MealOrder, *, by: User, rules: CanteenRules, now: datetime,
                 tz: ZoneInfo) -> OrderResult:
    """Cancel an order before its cutoff."""
    if order.status != ORDERED:
        return OrderResult("not_found", order)
    if not can_change(rules, order.day, order.meal, now=now, tz=tz):
        return OrderResult("closed", order)
    order.status, order.cancelled_at, order.updated_at = CANCELLED, now, now
    session.add(order)
    notices = withdraw_meal_delivery(session, order, now=now)
    audit(session, now=now, actor=by.openid, action="canteen.cancel", target=f"order:{order.id}")
    return OrderResult("cancelled", order, notices)


def order_of(session: Session, eater: User, day: date, meal: str) -> MealOrder | None:
    """A person's order row for one meal (any status)."""
    return session.exec(select(MealOrder).where(MealOrder.user_id == eater.id, MealOrder.day == day,
                                                MealOrder.meal == meal)).first()


def open_orders(session: Session, user_ids: list[int], *, since: date) -> list[MealOrder]:
    """Standing orders of these people from a day on, soonest first (lunch before dinner, as served)."""
    query = select(MealOrder).where(col(MealOrder.user_id).in_(user_ids), MealOrder.status == ORDERED,
                                    MealOrder.day >= since)
    served = sa.case((col(MealOrder.meal) == LUNCH, 0), else_=1)  # by name, "dinner" would sort first
    return list(session.exec(query.order_by(col(MealOrder.day), served, col(MealOrder.id))))


def kitchen_list(session: Session, village_id: int, day: date, meal: str) -> list[tuple[MealOrder, User]]:
    """Standing orders for one meal with the eaters, for the kitchen."""
    query = (select(MealOrder, User).join(User, col(User.id) == MealOrder.user_id)
             .where(MealOrder.village_id == village_id, MealOrder.day == day, MealOrder.meal == meal,
                    col(MealOrder.status) == ORDERED).order_by(col(MealOrder.delivery), col(MealOrder.id)))
    return [(o, u) for o, u in session.exec(query)]


def serving_window(day: date, meal: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """When a meal is served, as aware datetimes."""
    start, end = SERVING.get(meal, SERVING[LUNCH])
    return datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz)


def request_meal_delivery(session: Session, order: MealOrder, eater: User, *, booked_by: User, details: str,
                          now: datetime, tz: ZoneInfo) -> int:
    """Turn a delivery order into a help request of category `meal` for volunteers; return its number."""
    current = hr.get_request(session, order.help_request_id) if order.help_request_id else None
    if current is not None and current.status in hr.ACTIVE:
        return id_of(current)  # the order changed (portions): the delivery already asked for still stands
    start, end = serving_window(order.day, order.meal, tz)
    new = hr.NewRequest(elder=eater, requested_by=booked_by, category="meal", details=details,
                        window_start=start, window_end=end)
    request, _ = hr.create_request(session, new, source_key=f"meal-order:{order.id}:{as_utc(now).isoformat()}",
                                    now=now)
    order.help_request_id = request.id
    session.add(order)
    return id_of(request)


def withdraw_meal_delivery(session: Session, order: MealOrder, *, now: datetime) -> list[Notice]:
    """An order no longer delivered cancels its help request; a volunteer already on it is told."""
    if order.help_request_id is None:
        return []
    return visits.cancel_request(session, order.help_request_id, now=now).notices


DEMO_MENUS = [
    ["红烧肉", "炒青菜", "米饭"], ["番茄炒蛋", "土豆丝", "馒头"], ["清蒸鱼", "冬瓜汤", "米饭"],
    ["鸡蛋面", "拌黄瓜"], ["白菜炖豆腐", "肉末茄子", "米饭"], ["饺子", "小米粥"], ["鸡腿", "炒豆芽", "米饭"],
]


def seed_canteen(session: Session, village, *, now: datetime, today: date) -> None:
    """Demo data: lunch menus for the coming week (posting again replaces them)."""
    for offset, dishes in enumerate(DEMO_MENUS):
        post_menu(session, village.id, today + timedelta(days=offset), LUNCH, dishes, by=None, now=now)
