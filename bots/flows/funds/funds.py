"""The fund ledger in chat: 捐赠 (how to give, and the link), 账目 (this month), 订阅账目 / 退订账目."""
from __future__ import annotations

import re

from bots.flows.funds.views import ledger_link, month_summary
from bots.forms import Turn
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.base import id_of
from models.funds import subscribers
from models.funds.statement import month_of
from models.people.users import Village, users_with_role


def _village(turn: Turn) -> Village | None:
    village_id = turn.user.village_id
    return turn.ctx.session.get(Village, village_id) if village_id else None


def how_to_give(turn: Turn, conv: Conversation, match: re.Match | None = None) -> str:
    """How to give, whom to ask, and where every yuan is shown."""
    village = _village(turn)
    if village is None:
        return t("funds_how_to_give_no_village")
    admins = [a for a in users_with_role(turn.ctx.session, "admin", village.id) if a.phone]
    phone = t("funds_admin_phone", phone=admins[0].phone) if admins else ""
    return t("funds_how_to_give", village=village.name, phone=phone, link=ledger_link(turn.ctx.config, village.code))


def this_month(turn: Turn, conv: Conversation, match: re.Match | None = None) -> str:
    """This month's summary of the user's village."""
    village = _village(turn)
    if village is None:
        return t("funds_no_village")
    ctx = turn.ctx
    return month_summary(ctx.session, village, month_of(ctx.now, ctx.tz), ctx.tz, ctx.config)


def _subscribe(turn: Turn, conv: Conversation, match: re.Match) -> str:
    village = _village(turn)
    if village is None:
        return t("funds_no_village")
    done = subscribers.subscribe(turn.ctx.session, turn.user.openid, id_of(village), now=turn.ctx.now)
    return t("funds_subscribed" if done else "funds_subscribed_again", village=village.name)


def _unsubscribe(turn: Turn, conv: Conversation, match: re.Match) -> str:
    village = _village(turn)
    done = village is not None and subscribers.unsubscribe(turn.ctx.session, turn.user.openid, id_of(village))
    return t("funds_unsubscribed" if done else "funds_unsubscribed_again")


FEATURE = Feature(
    name="funds",
    intents={"donate": lambda turn, conv: how_to_give(turn, conv)},
    commands=(
        Command("funds_give", re.compile(r"(我要|我想|怎么|如何)?(捐赠|捐款|捐钱|捐物)[。！!？?]*"), how_to_give),
        Command("funds_month", re.compile(r"(本月|这个月|村里|查看|看)?(账目|账本|财务公开|查账)[。！!？?]*"),
                this_month),
        Command("funds_subscribe", re.compile(r"订阅(账目|账本)"), _subscribe),
        Command("funds_unsubscribe", re.compile(r"(退订|取消订阅)(账目|账本)"), _unsubscribe),
    ),
)
