"""Helpers shared by the event and canteen flows: whom a user acts for, how times and money read."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bots import acting, forms
from bots.forms import Form, Slot, Turn
from bots.nlu.numbers import NUMBER_RE, to_int
from bots.state import Conversation
from bots.texts import t
from models.base import id_of, row_of
from models.people.users import User

WEEKDAYS = "一二三四五六日"
# Elders registered by family without WeChat carry this openid prefix (models/people/membership.py).
OFFLINE_PREFIX = "offline-"
_FIRST_NUMBER = re.compile(NUMBER_RE)


def when(moment: datetime, tz: ZoneInfo) -> str:
    """A moment as people say it: 12月3日(周四) 09:00."""
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日(周{WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def day_text(day) -> str:
    """A date as people say it: 12月3日(周四)."""
    return f"{day.month}月{day.day}日(周{WEEKDAYS[day.weekday()]})"


def yuan(fen: int) -> str:
    """Fen as yuan without needless decimals: 400 → 4元, 450 → 4.5元."""
    return f"{fen / 100:.2f}".rstrip("0").rstrip(".") + "元"


def name_of(user: User) -> str:
    """A person's name, or a neutral label when we do not know it."""
    return user.name or t("someone", tail=user.openid[-4:])


def reachable(user: User) -> bool:
    """True when the person follows the account (an elder registered offline does not)."""
    return bool(user.openid) and not user.openid.startswith(OFFLINE_PREFIX) and user.subscribed


def acting_choices(turn: Turn) -> list[User]:
    """Whom the user may act for (bots/acting.py)."""
    return acting.choices(turn.ctx.session, turn.user)


def prefill_whom(turn: Turn) -> int | None:
    """The person an action is for, when it is clear without asking."""
    choices = acting_choices(turn)
    if len(choices) == 1:
        return choices[0].id
    said = turn.understanding.slots.get("for_whom")
    if said == "self" and turn.user in choices:
        return turn.user.id
    elders = [u for u in choices if u.id != turn.user.id]
    return elders[0].id if said not in (None, "self") and len(elders) == 1 else None


def asker(question_key: str):
    """A slot question: the catalogue text, then the numbered people the user may act for."""
    def ask(turn: Turn) -> str:
        lines = [t("events_whom_option", n=i, name=_label(turn, u)) for i, u in enumerate(acting_choices(turn), 1)]
        return "\n".join([t(question_key), *lines])
    return ask


def whom_of(values: dict, turn: Turn) -> int:
    """The person a form is for: as chosen, or the only one the user may act for."""
    return values.get("whom") or id_of(acting_choices(turn)[0])


def with_whom(form: Form, ask_key: str) -> Form:
    """The same form asking first whom it is for (a family member bound to several elders)."""
    whom = Slot("whom", parse=parse_whom, prefill=prefill_whom, ask=asker(ask_key))
    return Form(name=f"{form.name}_for", slots=(whom, *form.slots), read_back=form.read_back, action=form.action,
                on_location=form.on_location, undo=form.undo)


def pick_form(turn: Turn, alone: Form, for_others: Form) -> Form:
    """The form without the whom question when the user can act for one person only."""
    return for_others if len(acting_choices(turn)) > 1 else alone


def parse_whom(turn: Turn) -> int:
    """The person picked from ask_whom."""
    choices = acting_choices(turn)
    return id_of(forms.pick(turn, choices, [_label(turn, u) for u in choices]))


def _label(turn: Turn, user: User) -> str:
    return t("events_whom_self") if user.id == turn.user.id else name_of(user)


def whom_text(turn: Turn, user_id: int) -> str:
    """'您自己' or the elder's name."""
    return t("events_whom_self") if user_id == turn.user.id else name_of(row_of(turn.ctx.session, User, user_id))


def village_of(turn: Turn) -> int | None:
    """The user's village, or for family far away the village of their first elder."""
    if turn.user.village_id is not None:
        return turn.user.village_id
    elders = acting.elders_for(turn.ctx.session, turn.user)
    return next((e.village_id for e in elders if e.village_id is not None), None)


def number_in(text: str) -> int | None:
    """The first number written in a text ("30人" → 30, "三十个" → 30)."""
    found = _FIRST_NUMBER.search(text)
    return to_int(found.group()) if found else None


def begin(form: Form, turn: Turn, conv: Conversation, preset: dict[str, Any]) -> str:
    """Start a form with some slots already known, prefilling the rest where possible."""
    conv.flow, conv.step, conv.data, conv.choices = form.name, "", dict(preset), []
    for slot in form.slots:
        if slot.name not in conv.data and slot.prefill is not None:
            value = slot.prefill(turn)
            if value is not None:
                conv.data[slot.name] = value
    return forms.advance(form, turn, conv)


def is_admin(user: User) -> bool:
    """Coordinators (village or county) run events and the canteen."""
    return bool({"admin", "county_admin"} & user.role_set)
