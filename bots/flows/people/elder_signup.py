"""Elder registration, by the elder or by a family member for them, ending with consent.

States (see elder_signup.md): who -> name -> age -> village -> address -> phone -> lives_alone ->
health_consent (its own question, PIPL art. 29) -> health (only with that consent) -> partner_consent (sharing
with partner organisations, its own optional question, PIPL art. 23) -> contacts -> confirm
(consent to the service: the elder's own, or the family member's with their relationship).
"""
from __future__ import annotations

import re

from bots import forms, notify
from bots.flows.help.help import dispatch_rules_of
from bots.flows.people import parse
from bots.forms import Form, Invalid, Slot, Turn
from bots.registry import Command
from bots.state import Conversation
from bots.texts import t
from models.base import id_of, row_of
from models.help import dispatch
from models.people import membership
from models.people.users import User, Village
from models.privacy import consent

NAME = "elder_signup"
SELF = "self"
RELATIONS = ["本人", "儿子", "女儿", "儿媳", "女婿", "孙子女", "老伴"]  # option 8: written out ("侄子")
_SELF_WORDS = ("我自己", "自己", "本人", "我就是老人", "给我自己")


def _who(turn: Turn) -> str:
    """"self", or what the registrant is to the elder (儿子, 女儿, … or their own word)."""
    text = parse.fold(turn.text).rstrip("。.！!")
    if any(word in text for word in _SELF_WORDS):
        return SELF
    choice = parse.pick_word(text, RELATIONS)
    if choice is not None:
        return SELF if choice == 1 else RELATIONS[choice - 1]
    text = re.sub(r"^(我是(他|她|老人)?的?|是)", "", text)
    if not 1 <= len(text) <= 6 or any(c.isdigit() for c in text):
        raise Invalid()
    return text


def _health(turn: Turn) -> str:
    return "" if parse.is_none(turn.text) else parse.fold(turn.text)[:500]


def _health_consent(turn: Turn) -> bool:
    return forms.pick(turn, [True, False], ["同意", "不同意"])


def _partner_consent(turn: Turn) -> bool:
    return forms.pick(turn, [True, False], ["同意", "不同意"])


def _no_health_consent(data: dict) -> bool:
    return data.get("health_consent") is False


def _lives_alone(turn: Turn) -> bool:
    return parse.yes_no(turn, ("一个人", "独居", "自己住", "单独"), ("不是", "和", "跟", "一起", "不"))


def _read_back(values: dict, turn: Turn) -> str:
    village = turn.ctx.session.get(Village, values["village"])
    assert village is not None
    contacts = "；".join(f"{c['name']} {c['phone']}" for c in values["contacts"])
    details = t("confirm_elder_signup", name=values["name"], age=values["age"], village=village.name,
                address=values["address"], phone=values["phone"] or t("people_none"),
                alone=t("people_yes") if values["lives_alone"] else t("people_no"),
                health=_health_shown(values), contacts=contacts)
    partner = "privacy_partner_read_back_yes" if values.get("partner_consent") else "privacy_partner_read_back_no"
    details += "\n" + t(partner)
    if values["who"] == SELF:
        return details + "\n" + t("people_elder_consent_self")
    return details + "\n" + t("people_elder_consent_proxy", relation=values["who"])


def _health_shown(values: dict) -> str:
    if not values.get("health_consent"):
        return t("privacy_health_not_kept")
    return values.get("health") or t("people_none")


def _health_kept(values: dict) -> str:
    return values.get("health", "") if values.get("health_consent") else ""


def _registration(values: dict) -> membership.Registration:
    return membership.Registration(
        name=values["name"], age=values["age"], village_id=values["village"], address=values["address"],
        phone=values["phone"], lives_alone=values["lives_alone"], health_notes=_health_kept(values),
        emergency_contacts=values["contacts"], relationship="" if values["who"] == SELF else values["who"])


def _submit(values: dict, turn: Turn) -> str:
    session, user, now = turn.ctx.session, turn.user, turn.ctx.now
    proxy = values["who"] != SELF
    registration = _registration(values)
    if proxy and membership.find_registered(session, registration) is not None:
        return t("people_elder_exists", name=values["name"])
    profile = membership.register_elder(session, user, registration, now=now)
    elder = row_of(session, User, profile.user_id)
    relationship = registration.relationship
    consent.record(session, id_of(elder), consent.SERVICE, granted=True, given_by=user.id, relationship=relationship,
                   now=now)
    consent.record(session, id_of(elder), consent.HEALTH_NOTES, granted=bool(values.get("health_consent")),
                   given_by=user.id, relationship=relationship, now=now)
    consent.record(session, id_of(elder), consent.PARTNER_SHARING, granted=bool(values.get("partner_consent")),
                   given_by=user.id, relationship=relationship, now=now)
    _tell_coordinators(turn, elder, profile)
    # Registered now: a request this person made as a stranger need not wait for a coordinator any more.
    released = dispatch.release_held(session, user, dispatch_rules_of(turn), now=now)
    notify.send(session, released, now=now, tz=turn.ctx.tz)
    if not proxy:
        return t("people_elder_registered_self")
    if profile.needs_verification:
        return t("people_elder_registered_proxy", name=elder.name)
    return t("people_elder_registered_by_admin", name=elder.name, number=elder.id)


def _tell_coordinators(turn: Turn, elder: User, profile: membership.ElderProfile) -> None:
    registrant = turn.user
    key = "people_elder_verify_alert" if profile.needs_verification else "people_elder_new_alert"
    text = t(key, name=elder.name, age=profile.age, who=registrant.name or t("someone", tail=registrant.openid[-4:]),
             relation=profile.consent_relationship or t("people_acting_self"), number=elder.id)
    membership.tell_coordinators_of_elder(turn.ctx.session, elder, text=text, now=turn.ctx.now)


FORM = Form(
    name=NAME,
    slots=(
        Slot("who", parse=_who),
        Slot("name", parse=parse.name),
        Slot("age", parse=parse.age),
        Slot("village", parse=parse.village, prefill=lambda turn: turn.user.village_id),
        Slot("address", parse=parse.address),
        Slot("phone", parse=parse.phone_or_none),
        Slot("lives_alone", parse=_lives_alone),
        Slot("health_consent", parse=_health_consent),
        Slot("health", parse=_health, skip=_no_health_consent),
        Slot("partner_consent", parse=_partner_consent),
        Slot("contacts", parse=parse.contacts),
    ),
    read_back=_read_back,
    action=_submit,
)


def _start(turn: Turn, conv: Conversation, match: re.Match | None = None) -> str:
    return t("people_elder_intro") + "\n" + forms.start(FORM, turn, conv)


COMMANDS = (
    Command("elder_signup", re.compile(r"(?:登记老人|老人登记|我要登记|帮老人登记|替老人登记|老人注册)[。！!]*"),
            _start),
)
