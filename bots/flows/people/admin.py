"""Coordinators' chat commands: 审核, 通过 <n>, 拒绝 <n> <原因>, 核实, 核实 <n>, 老人名单."""
from __future__ import annotations

import re

from bots.flows.people import parse
from bots.flows.people.volunteer_signup import skill_names, slot_names
from bots.forms import Turn
from bots.registry import Command
from bots.state import Conversation
from bots.texts import t
from models.base import id_of
from models.people import membership, volunteering
from models.people.users import User
from models.people.volunteers import APPROVED, Volunteer
from models.privacy import access

ADMINS = frozenset({"admin", "county_admin"})
MAX_LINES = 20  # one chat bubble; the web console shows the rest


def _pending_list(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """审核: sign-ups waiting, oldest first, and how many elders wait to be checked."""
    session, admin = turn.ctx.session, turn.user
    waiting = volunteering.pending(session, admin)
    lines = [t("people_review_line", number=v.id, name=u.name, phone=u.phone, skills=skill_names(v.skills),
               availability=slot_names(v.availability)) for v, u in waiting[:MAX_LINES]]
    elders = len(membership.pending_elders(session, admin))
    tail = t("people_review_elders_waiting", count=elders) if elders else ""
    if not lines:
        return "\n".join(filter(None, [t("people_review_none"), tail]))
    head = t("people_review_head", count=len(waiting))
    return "\n".join(filter(None, [head, *lines, t("people_review_howto"), tail]))


def review_outcome(volunteer: Volunteer, user: User) -> str:
    if volunteer.status == APPROVED:
        return t("people_volunteer_approved_notice", name=user.name)
    return t("people_volunteer_rejected_notice", name=user.name, reason=volunteer.reject_reason)


def _decide(turn: Turn, number: str, approve: bool, reason: str = "") -> str:
    status, volunteer, user = volunteering.review(turn.ctx.session, turn.user, int(parse.fold(number)),
                                                  approve=approve, reason=reason, now=turn.ctx.now,
                                                  outcome=review_outcome)
    if status == volunteering.NOT_FOUND or user is None:  # found comes with the volunteer's user
        return t("people_review_not_found", number=number)
    if status == volunteering.HANDLED:
        return t("people_review_handled", number=number, name=user.name)
    return t("people_review_approved" if approve else "people_review_rejected", name=user.name, number=number)


def _approve(turn: Turn, conv: Conversation, match: re.Match) -> str:
    return _decide(turn, match.group(1), True)


def _reject(turn: Turn, conv: Conversation, match: re.Match) -> str:
    reason = (match.group(2) or "").strip(" ，,：:")
    if not reason:
        return t("people_reject_needs_reason", number=match.group(1))
    return _decide(turn, match.group(1), False, reason)


def _elders_waiting(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """核实: elders registered by someone else, with who registered them."""
    session = turn.ctx.session
    waiting = membership.pending_elders(session, turn.user)
    if not waiting:
        return t("people_verify_none")
    lines = [_elder_line(session, user, profile) for user, profile in waiting[:MAX_LINES]]
    for user, _ in waiting[:MAX_LINES]:  # addresses and emergency contacts shown: a processing record each
        access.log_access(session, subject_id=id_of(user), viewer_id=turn.user.id, viewer_role="admin",
                          what=access.CONTACT, reason=access.COORDINATOR_VIEW, now=turn.ctx.now)
    return "\n".join([t("people_verify_head", count=len(waiting)), *lines, t("people_verify_howto")])


def _elder_line(session, user: User, profile: membership.ElderProfile) -> str:
    registrant = session.get(User, profile.registered_by_user_id)
    return t("people_verify_line", number=user.id, name=user.name, age=profile.age, address=profile.address,
             who=registrant.name or t("someone", tail=registrant.openid[-4:]), relation=profile.consent_relationship,
             contacts=_contacts(profile))


def _contacts(profile: membership.ElderProfile) -> str:
    return "；".join(f"{c.get('name', '')} {c.get('phone', '')}" for c in profile.emergency_contacts or [])


def _verify(turn: Turn, conv: Conversation, match: re.Match) -> str:
    number = match.group(1)
    elder = turn.ctx.session.get(User, int(parse.fold(number)))
    text = t("people_elder_verified_notice", name=elder.name if elder else "")
    done = membership.verify_elder(turn.ctx.session, turn.user, int(parse.fold(number)), now=turn.ctx.now, text=text)
    if done is None:
        return t("people_verify_not_found", number=number)
    return t("people_verified", name=done.name)


def _elder_list(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """老人名单: the elders this coordinator looks after, with the numbers other commands take."""
    found = membership.elders_in_scope(turn.ctx.session, turn.user)
    if not found:
        return t("people_elders_none")
    lines = []
    for user, profile in found[:MAX_LINES]:
        flags = [t("people_flag_alone")] if profile and profile.lives_alone else []
        flags += [t("people_flag_unverified")] if profile and profile.needs_verification else []
        flags += [t("people_flag_unregistered")] if profile is None else []
        lines.append(t("people_elder_line", number=user.id, name=user.name, flags=" ".join(flags)).rstrip())
    return "\n".join([t("people_elders_head", count=len(found)), *lines, t("people_elders_howto")])


COMMANDS = (
    Command("people_review", re.compile(r"(?:审核|待审核|审核志愿者)[。！!]*"), _pending_list, ADMINS),
    Command("people_approve", re.compile(r"(?:通过|批准)\s*(\d+)[。！!]*"), _approve, ADMINS),
    Command("people_reject", re.compile(r"(?:拒绝|不通过)\s*(\d+)\s*(.*)", re.S), _reject, ADMINS),
    Command("people_verify_list", re.compile(r"(?:核实|待核实|核实老人)[。！!]*"), _elders_waiting, ADMINS),
    Command("people_verify", re.compile(r"核实\s*(\d+)[。！!]*"), _verify, ADMINS),
    Command("people_elders", re.compile(r"(?:老人名单|老人列表)[。！!]*"), _elder_list, ADMINS),
)
