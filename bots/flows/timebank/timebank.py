"""Time bank in chat: 我有多少时间币 (balance), 时间币明细 (statement), 时间币转给 … (a gift to bound family),
捐时间币 60 (a donation to the village). Gifts and donations read back and wait for 1 (confirm) or 2."""
from __future__ import annotations

import re

from bots import forms, nlu, notify
from bots.forms import Form, Invalid, Slot, Turn
from bots.nlu.numbers import NUMBER_RE, to_int
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.people.users import User
from models.timebank import gifts, ledger, totals
from models.timebank.policy import Policy, timebank_policy

GIFT = "timebank_gift"
DONATE = "timebank_donate"
AMOUNT = re.compile(rf"(半|{NUMBER_RE})\s*(个)?\s*(小时|钟头|钟|分钟|分)?(半)?")
STATEMENT_CMD = re.compile(r"时间币(?:明细|记录|账单|流水)")
GIFT_CMD = re.compile(r"(?:时间币|积分)\s*(?:转给|送给|赠给|给)\s*(.*)", re.S)
DONATE_CMD = re.compile(r"捐\s*(?:时间币|积分)\s*(.*)", re.S)


def _policy(turn: Turn) -> Policy:
    return timebank_policy(dict(turn.ctx.config))


def hours_text(minutes: int) -> str:
    """'2小时30分钟', '45分钟'."""
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return t("timebank_hm", hours=hours, minutes=rest)
    return t("timebank_h", hours=hours) if hours else t("timebank_m", minutes=rest)


def parse_minutes(text: str) -> int | None:
    """Minutes from '60', '60分钟', '1小时', '一个半小时', '半小时'; None when there is no amount."""
    found = AMOUNT.search(nlu.normalize(text))
    if found is None:
        return None
    number, _, unit, half = found.groups()
    value = 0.5 if number == "半" else to_int(number)
    if value is None:
        return None
    if unit in ("小时", "钟头", "钟") or number == "半":
        return int(value * 60) + (30 if half else 0)
    return int(value)


# --- balance and statement ---------------------------------------------------------------------------

def balance(turn: Turn, conv: Conversation) -> str:
    """我有多少时间币: the balance and the last lines with their reasons."""
    held = ledger.balance(turn.ctx.session, turn.user.id)
    lines = totals.statement(turn.ctx.session, turn.user.id, limit=3)
    if not lines:
        return t("timebank_empty")
    head = t("timebank_balance", hours=held // 60, minutes=held % 60)
    return head + "\n" + t("timebank_recent", lines="\n".join(_line(turn, line) for line in lines))


def statement(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """时间币明细: every recent line with the reason it moved."""
    session, user = turn.ctx.session, turn.user
    lines = totals.statement(session, user.id, limit=10)
    if not lines:
        return t("timebank_empty")
    text = t("timebank_statement", balance=hours_text(ledger.balance(session, user.id)),
             lines="\n".join(_line(turn, line) for line in lines))
    extra = []
    given, received = totals.person_totals(session, user.id)
    if given or received:
        extra.append(t("timebank_visits_line", given=hours_text(given), received=hours_text(received)))
    honour = ledger.balance_of(session, f"honour:{user.id}")
    if honour:
        extra.append(t("timebank_honour_line", minutes=hours_text(honour)))
    return "\n".join([text, *extra])


def _line(turn: Turn, line: totals.StatementLine) -> str:
    reason = t(f"timebank_reason_{line.reason}", number=line.request_id or "", other=line.other,
               category=notify.category_label(line.category) if line.category else "")
    return t("timebank_line", date=line.at.astimezone(turn.ctx.tz).strftime("%m-%d"),
             sign="+" if line.minutes > 0 else "-", minutes=abs(line.minutes), reason=reason)


# --- gifts ----------------------------------------------------------------------------------------------

def _recipients(turn: Turn) -> list[User]:
    return gifts.recipients(turn.ctx.session, turn.user, _policy(turn))


def _held(turn: Turn) -> int:
    return ledger.balance(turn.ctx.session, turn.user.id)


def _pick_recipient(turn: Turn) -> int:
    people = _recipients(turn)
    return forms.pick(turn, [ledger.ident(p) for p in people], [p.name for p in people])


def _prefill_recipient(turn: Turn) -> int | None:
    people = _recipients(turn)
    named = [p for p in people if p.name and p.name in turn.text]
    if len(named) == 1:
        return named[0].id
    return people[0].id if len(people) == 1 else None


def _ask_recipient(turn: Turn) -> str:
    lines = [t("timebank_gift_choice", n=i, name=p.name) for i, p in enumerate(_recipients(turn), 1)]
    return t("ask_timebank_gift_to", lines="\n".join(lines))


def _parse_amount(turn: Turn) -> int:
    minutes = parse_minutes(turn.text)
    if minutes is None or not 0 < minutes <= _held(turn):
        raise Invalid()
    return minutes


def _prefill_amount(turn: Turn) -> int | None:
    found = GIFT_CMD.fullmatch(turn.text.strip()) or DONATE_CMD.fullmatch(turn.text.strip())
    if found is None:
        return None
    rest = found.group(1)
    for person in _recipients(turn):  # a name may hold a numeral (王二)
        rest = rest.replace(person.name, " ") if person.name else rest
    minutes = parse_minutes(rest)
    return minutes if minutes is not None and 0 < minutes <= _held(turn) else None


def _ask_amount(turn: Turn) -> str:
    return t("ask_timebank_minutes", balance=hours_text(_held(turn)))


def _name(turn: Turn, user_id: int) -> str:
    person = turn.ctx.session.get(User, user_id)
    return person.name if person is not None else ""


def _key(turn: Turn, kind: str) -> str:
    # The confirming message is recorded once (its inbound row), so its id makes the movement once.
    tail = turn.ctx.inbound_id if turn.ctx.inbound_id is not None else turn.ctx.now.isoformat()
    return f"{kind}:{turn.user.id}:{tail}"


def _gift_submit(values: dict, turn: Turn) -> str:
    recipient = turn.ctx.session.get(User, values["to"])
    assert recipient is not None
    result = gifts.gift(turn.ctx.session, turn.user, recipient, values["minutes"], key=_key(turn, "gift"),
                        policy=_policy(turn), now=turn.ctx.now)
    notify.send(turn.ctx.session, result.notices or [], now=turn.ctx.now, tz=turn.ctx.tz)
    return _answer(result, name=recipient.name, minutes=hours_text(values["minutes"]))


def _answer(result: gifts.Result, **params) -> str:
    return t(f"timebank_result_{result.status}", balance=hours_text(result.balance), **params)


def start_gift(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """时间币转给 王秀英 60."""
    if not _recipients(turn):
        return t("timebank_gift_nobody")
    if _held(turn) <= 0:
        return t("timebank_nothing_to_give")
    return forms.start(GIFT_FORM, turn, conv)


GIFT_FORM = Form(
    name=GIFT,
    slots=(Slot("to", parse=_pick_recipient, prefill=_prefill_recipient, ask=_ask_recipient),
           Slot("minutes", parse=_parse_amount, prefill=_prefill_amount, ask=_ask_amount)),
    read_back=lambda values, turn: t("confirm_timebank_gift", name=_name(turn, values["to"]),
                                     minutes=hours_text(values["minutes"]), balance=hours_text(_held(turn))),
    action=_gift_submit,
)


# --- donations ------------------------------------------------------------------------------------------

def _donate_submit(values: dict, turn: Turn) -> str:
    result = gifts.donate(turn.ctx.session, turn.user, values["minutes"], key=_key(turn, "donation"),
                          now=turn.ctx.now)
    return _answer(result, name=t("timebank_the_pool"), minutes=hours_text(values["minutes"]))


def start_donation(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """捐时间币 60."""
    if _held(turn) <= 0:
        return t("timebank_nothing_to_give")
    return forms.start(DONATE_FORM, turn, conv)


DONATE_FORM = Form(
    name=DONATE,
    slots=(Slot("minutes", parse=_parse_amount, prefill=_prefill_amount, ask=_ask_amount),),
    read_back=lambda values, turn: t("confirm_timebank_donate", minutes=hours_text(values["minutes"]),
                                     balance=hours_text(_held(turn))),
    action=_donate_submit,
)


FEATURE = Feature(
    name="timebank",
    forms=(GIFT_FORM, DONATE_FORM),
    intents={"timebank_balance": balance},
    commands=(Command("timebank_statement", STATEMENT_CMD, statement),
              Command("timebank_gift", GIFT_CMD, start_gift),
              Command("timebank_donate", DONATE_CMD, start_donation)),
)
