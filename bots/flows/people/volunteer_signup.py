"""Volunteer sign-up and edits: name, mobile, village, skills, availability, then consent; pause and resume.

States (see volunteer_signup.md): name -> phone -> village -> skills -> availability -> confirm (consent).
"""
from __future__ import annotations

import re

from bots import forms
from bots.flows.people import parse
from bots.forms import Form, Slot, Turn
from bots.registry import Command
from bots.state import Conversation
from bots.texts import t
from models.people import volunteering
from models.people.membership import normalize_mobile
from models.people.users import Village
from models.people.volunteers import APPROVED, PENDING, Volunteer, volunteer_of

NAME = "volunteer_signup"
VOLUNTEERS = frozenset({"volunteer"})
EDITABLE = {"姓名": "name", "名字": "name", "电话": "phone", "手机": "phone", "村": "village",
            "技能": "skills", "时间": "availability"}


def skill_names(keys: list[str] | None) -> str:
    """Skills as the user reads them."""
    return "、".join(t(f"people_skill_{k}") for k in keys or []) or t("people_none")


def slot_names(keys: list[str] | None) -> str:
    """Availability as the user reads it."""
    return "、".join(t(f"people_slot_{k}") for k in keys or []) or t("people_none")


def _village_name(turn: Turn, village_id: int) -> str:
    village = turn.ctx.session.get(Village, village_id)
    return village.name if village else ""


def _read_back(values: dict, turn: Turn) -> str:
    return t("confirm_volunteer_signup", name=values["name"], phone=values["phone"],
             village=_village_name(turn, values["village"]), skills=skill_names(values["skills"]),
             availability=slot_names(values["availability"]))


def _alert(turn: Turn, values: dict):
    def text(volunteer: Volunteer) -> str:
        return t("people_volunteer_alert", name=values["name"], phone=values["phone"],
                 skills=skill_names(values["skills"]), number=volunteer.id)
    return text


def _submit(values: dict, turn: Turn) -> str:
    answers = volunteering.SignUp(values["name"], values["phone"], values["village"], values["skills"],
                                  values["availability"])
    volunteer = volunteering.submit(turn.ctx.session, turn.user, answers, now=turn.ctx.now,
                                    alert=_alert(turn, values))
    if volunteer.status == APPROVED:
        return t("people_volunteer_updated")
    return t("people_volunteer_submitted")


FORM = Form(
    name=NAME,
    slots=(
        Slot("name", parse=parse.name, prefill=lambda turn: turn.user.name or None),
        Slot("phone", parse=parse.mobile, prefill=lambda turn: normalize_mobile(turn.user.phone)),
        Slot("village", parse=parse.village, prefill=lambda turn: turn.user.village_id),
        Slot("skills", parse=parse.skills),
        Slot("availability", parse=parse.availability),
    ),
    read_back=_read_back,
    action=_submit,
)


def _start(turn: Turn, conv: Conversation) -> str:
    """我要当志愿者: start, or say where the sign-up stands."""
    volunteer = volunteer_of(turn.ctx.session, turn.user)
    if volunteer is not None and volunteer.status == PENDING:
        return t("people_volunteer_already_pending")
    if volunteer is not None and volunteer.status == APPROVED:
        return t("people_volunteer_already_approved")
    return t("people_volunteer_intro") + "\n" + forms.start(FORM, turn, conv)


def _edit(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """修改资料 / 修改技能 …: the form prefilled from the record; only the named part is asked again."""
    volunteer = volunteer_of(turn.ctx.session, turn.user)
    if volunteer is None:
        return t("people_volunteer_not_yet")
    user = turn.user
    data = {"name": user.name, "phone": normalize_mobile(user.phone), "village": user.village_id,
            "skills": list(volunteer.skills or []), "availability": list(volunteer.availability or [])}
    drop = EDITABLE.get(match.group(1) or "")
    conv.flow, conv.step, conv.choices = NAME, "", []
    conv.data = {k: v for k, v in data.items() if v and k != drop}
    return forms.advance(FORM, turn, conv)


def _duty(on_duty: bool):
    def handler(turn: Turn, conv: Conversation, match: re.Match) -> str:
        volunteer = volunteer_of(turn.ctx.session, turn.user)
        if volunteer is None or volunteer.status != APPROVED:
            return t("people_volunteer_not_yet")
        volunteering.set_on_duty(turn.ctx.session, turn.user, on_duty, now=turn.ctx.now)
        return t("people_volunteer_on_duty" if on_duty else "people_volunteer_paused")
    return handler


COMMANDS = (
    # Quiet: an elder saying "休息" is not talking to the volunteer desk.
    Command("volunteer_pause", re.compile(r"(?:休息|暂停接单|请假|先休息)[了吧。！!]*"), _duty(False),
            VOLUNTEERS, quiet=True),
    Command("volunteer_resume", re.compile(r"(?:上岗|恢复接单|开始接单|我要上岗)[了吧。！!]*"), _duty(True),
            VOLUNTEERS, quiet=True),
    Command("volunteer_edit", re.compile(r"(?:修改资料|修改志愿者资料|改资料|修改(姓名|名字|电话|手机|村|技能|时间))"),
            _edit),
    Command("volunteer_signup", re.compile(r"(?:志愿者报名|报名志愿者|我要当志愿者)[。！!]*"),
            lambda turn, conv, match: _start(turn, conv)),
)
INTENTS = {"volunteer_signup": _start}
