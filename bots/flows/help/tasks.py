"""Volunteers' and coordinators' task commands: 接单, 不接, 放弃, 出发, 完成, 我的任务, 派单, 待派单,
核实求助, 驳回求助."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlmodel import col, select

from bots import forms, notify
from bots.flows.help.help import dispatch_rules_of
from bots.forms import Turn
from bots.registry import Command, Feature
from bots.state import Conversation
from bots.texts import t
from models.base import id_of, row_of
from models.core.notify import Notice
from models.help import dispatch, visits
from models.help import held_requests as held
from models.help import requests as hr
from models.people.users import User
from models.people.volunteers import Volunteer

VOLUNTEER = frozenset({"volunteer", "partner"})
ADMIN = frozenset({"admin", "county_admin"})
NUM = r"\s*#?\s*(\d+)"
CLAIM_ANSWERS = {"won": "help_claim_won", "taken": "help_claim_taken", "mine": "help_claim_mine",
                 "missing": "help_claim_missing", "not_volunteer": "help_claim_not_volunteer",
                 "not_qualified": "help_claim_not_qualified", "own_request": "help_claim_own",
                 "out_of_scope": "help_assign_out_of_scope", "not_offered": "help_claim_not_offered",
                 "held": "help_claim_held"}


def _send(turn: Turn, outcome_notices) -> None:
    notify.send(turn.ctx.session, outcome_notices, now=turn.ctx.now, tz=turn.ctx.tz)


def claim(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """接单 [n]: take the numbered task, or the latest one offered."""
    number = int(found.group(1)) if found.group(1) else dispatch.latest_offer(turn.ctx.session, turn.user)
    if number is None:
        return t("help_claim_none")
    outcome = visits.claim(turn.ctx.session, number, turn.user, now=turn.ctx.now, rules=dispatch_rules_of(turn))
    _send(turn, outcome.notices)
    return t(CLAIM_ANSWERS[outcome.result], number=number)


def decline(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """不接 [n]: skip an offer."""
    number = int(found.group(1)) if found.group(1) else dispatch.latest_offer(turn.ctx.session, turn.user)
    if number is None or not dispatch.decline(turn.ctx.session, number, turn.user, now=turn.ctx.now):
        return t("help_claim_none")
    return t("help_declined", number=number)


def release(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """放弃 n: give a claimed task back."""
    number = _my_task(turn, found.group(1))
    if isinstance(number, str):
        return number
    outcome = visits.release(turn.ctx.session, number, turn.user, now=turn.ctx.now, rules=dispatch_rules_of(turn))
    _send(turn, outcome.notices)
    return t("help_released_ok", number=number) if outcome.result == "released" else t("help_not_yours")


def start(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """出发 [n]: on the way."""
    number = _my_task(turn, found.group(1))
    if isinstance(number, str):
        return number
    outcome = visits.start(turn.ctx.session, number, turn.user, now=turn.ctx.now)
    _send(turn, outcome.notices)
    return t("help_started_ok", number=number) if outcome.result == "started" else t("help_not_yours")


def complete(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """完成 [n] [minutes]: done; the household is asked to rate. Long before the booked time, asked first."""
    number = _my_task(turn, found.group("task"))
    if isinstance(number, str):
        return number
    minutes = _minutes(found)
    outcome = _finish(turn, number, minutes, early_ok=False)
    if outcome.result == "early":
        return forms.start(DONE_EARLY_FORM, turn, conv, {"number": number, "minutes": minutes})
    return _done_reply(turn, outcome)


def _finish(turn: Turn, number: int, minutes: int | None, *, early_ok: bool) -> visits.Outcome:
    outcome = visits.complete(turn.ctx.session, number, turn.user, now=turn.ctx.now, minutes=minutes,
                              confirm_after=_confirm_after(turn), early_ok=early_ok)
    _send(turn, outcome.notices)
    return outcome


def _done_reply(turn: Turn, outcome: visits.Outcome) -> str:
    """Thanks, and the minutes the visit will earn once confirmed (with how to have it timed, when it was not)."""
    if outcome.result != "done" or outcome.request is None:
        return t("help_not_yours")
    credit = visits.credit_rules_from_config(dict(turn.ctx.config))
    key = "help_done_ok" if visits.timed(outcome.request) else "help_done_ok_untimed"
    return t(key, minutes=visits.credited_minutes(outcome.request, credit))


def _ask_done_early(values: dict, turn: Turn) -> str:
    request = row_of(turn.ctx.session, hr.HelpRequest, values["number"])
    return t("help_done_early", number=request.id,
             window=notify.when(request.window_start, request.window_end, turn.ctx.tz))


DONE_EARLY_FORM = forms.Form(
    name="help_done_early",
    slots=(),
    read_back=_ask_done_early,
    action=lambda values, turn: _done_reply(turn, _finish(turn, values["number"], values["minutes"], early_ok=True)),
    decline=lambda values, turn: t("help_done_early_kept", number=values["number"]),
)


def _confirm_after(turn: Turn) -> timedelta:
    hours = float(turn.ctx.config.get("timebank", {}).get("confirm_after_hours", 48))
    return timedelta(hours=hours)


def _minutes(found: re.Match) -> int | None:
    amount, unit = found.group("amount"), found.group("unit")
    if not amount:
        return None
    return int(amount) * (60 if unit and "小时" in unit else 1)


def _my_task(turn: Turn, given: str | None) -> int | str:
    """The task a command is about: the number given, or the only one in progress."""
    if given:
        return int(given)
    mine = hr.tasks_of(turn.ctx.session, turn.user.id)
    if not mine:
        return t("help_my_tasks_none")
    if len(mine) > 1:
        return t("help_which_task", number=mine[0].id)
    return id_of(mine[0])


def my_tasks(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """我的任务: tasks in progress, then the offers still waiting for an answer."""
    mine = hr.tasks_of(turn.ctx.session, turn.user.id)
    offers = dispatch.live_offers(turn.ctx.session, turn.user)
    if not mine and not offers:
        return t("help_my_tasks_none")
    parts = []
    if mine:
        lines = [t("help_task_line", number=r.id, category=notify.category_label(r.category),
                   window=notify.when(r.window_start, r.window_end, turn.ctx.tz),
                   status=t(f"help_status_{r.status}")) for r in mine]
        parts.append(t("help_my_tasks", lines="\n".join(lines)))
    if offers:
        lines = [t("help_offer_line", number=r.id, category=notify.category_label(r.category),
                   window=notify.when(r.window_start, r.window_end, turn.ctx.tz)) for r in offers]
        parts.append(t("help_my_offers", lines="\n".join(lines), number=offers[0].id))
    return "\n\n".join(parts)


def assign(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """派单 n 志愿者: a coordinator assigns by hand."""
    number, who = int(found.group(1)), found.group(2).strip()
    volunteer = _find_volunteer(turn, who)
    if volunteer is None:
        return t("help_assign_unknown")
    outcome = visits.claim(turn.ctx.session, number, volunteer, now=turn.ctx.now, rules=dispatch_rules_of(turn),
                           assigned_by=turn.user)
    _send(turn, [as_assignment(n) for n in outcome.notices])
    if outcome.result != "won":
        return t(CLAIM_ANSWERS[outcome.result], number=number)
    return t("help_assign_ok", number=number, volunteer=volunteer.name or volunteer.openid)


def as_assignment(notice: Notice) -> Notice:
    """The assigned volunteer gets a claim's details, worded as an assignment (they did not ask for it)."""
    if notice.text_key == "help_claimed_volunteer":  # a partner's withheld notice keeps its own wording
        return replace(notice, text_key="help_assigned_volunteer")
    return notice


def _find_volunteer(turn: Turn, who: str) -> User | None:
    session = turn.ctx.session
    if who.isdigit():
        record = session.get(Volunteer, int(who))
        return session.get(User, record.user_id) if record else None
    query = select(User).join(Volunteer, col(Volunteer.user_id) == User.id).where(
        (User.name == who) | (User.openid == who))
    return session.exec(query).first()


def pending(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """待派单: unclaimed requests of the coordinator's village."""
    session = turn.ctx.session
    rows = dispatch.unclaimed_for(session, turn.user)
    if not rows:
        return t("help_pending_none")
    lines = [t("help_pending_line_held" if r.status == hr.HELD else "help_pending_line", number=r.id,
               elder=_who(row_of(session, User, r.elder_id)), category=notify.category_label(r.category),
               window=notify.when(r.window_start, r.window_end, turn.ctx.tz)) for r in rows]
    return t("help_pending", lines="\n".join(lines))


def _who(person: User) -> str:
    return person.name or t("someone", tail=person.openid[-4:])


def verify(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """核实求助 n: a request from someone unregistered is vouched for and dispatched."""
    number = int(found.group(1))
    result, notices = dispatch.verify(turn.ctx.session, number, turn.user, dispatch_rules_of(turn), now=turn.ctx.now)
    _send(turn, notices)
    return t(VERIFY_ANSWERS[result], number=number)


def reject(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """驳回求助 n: a held request is turned down; the asker is told how else to get help."""
    number = int(found.group(1))
    result, notices = held.reject(turn.ctx.session, number, turn.user, now=turn.ctx.now)
    _send(turn, notices)
    return t(VERIFY_ANSWERS[result], number=number)


VERIFY_ANSWERS = {held.VERIFIED: "help_verify_ok", held.REJECTED: "help_reject_ok",
                  held.NOT_FOUND: "help_verify_not_found", held.NOT_HELD: "help_verify_not_held"}


def roster(turn: Turn, conv: Conversation, found: re.Match) -> str:
    """志愿者情况: the village's volunteers with ratings and no-shows, so repeated no-shows are visible."""
    rows = dispatch.roster_for(turn.ctx.session, turn.user)
    if not rows:
        return t("help_roster_none")
    lines = [t("help_roster_line", number=v.id, name=u.name or u.openid, status=t(f"help_volunteer_{v.status}"),
               duty=t("help_on_duty") if v.on_duty else t("help_off_duty"),
               rating=f"{v.rating:.1f}" if v.rating else "-", no_shows=v.no_shows) for v, u in rows]
    return t("help_roster", lines="\n".join(lines))


FEATURE = Feature(name="tasks", forms=(DONE_EARLY_FORM,), commands=(
    Command("roster", re.compile(r"志愿者情况|志愿者名单"), roster, ADMIN),
    Command("claim", re.compile(rf"(?:接单|抢单)(?:{NUM})?"), claim, VOLUNTEER, quiet=True),
    Command("decline", re.compile(rf"(?:不接|不接单)(?:{NUM})?"), decline, VOLUNTEER, quiet=True),
    Command("release", re.compile(rf"(?:放弃|退单)(?:{NUM})?"), release, VOLUNTEER, quiet=True),
    Command("start", re.compile(rf"(?:出发|出发了|我出发了|已出发)(?:{NUM})?"), start, VOLUNTEER, quiet=True),
    Command("complete", re.compile(r"(?:完成|完成了|做完了)(?:\s*#?\s*(?P<task>\d+)(?!\d|\s*(?:分钟|小时|个小时)))?"
                                   r"(?:\s*(?:用了|花了)?\s*(?P<amount>\d+)\s*(?P<unit>分钟|小时|个小时))?"),
            complete, VOLUNTEER, quiet=True),
    Command("my_tasks", re.compile(r"我的任务|我的单子"), my_tasks, VOLUNTEER, quiet=True),
    Command("assign", re.compile(rf"派单{NUM}\s+(.+)"), assign, ADMIN),
    Command("pending", re.compile(r"待派单|求助列表|没人接的单"), pending, ADMIN),
    Command("verify", re.compile(rf"核实求助{NUM}"), verify, ADMIN),
    Command("reject", re.compile(rf"驳回求助{NUM}"), reject, ADMIN),
))
