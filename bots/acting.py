"""Acting for an elder: an elder acts for themself, a bound family member for any elder they are bound to.

Other flows use this to ask "for whom" (see docs/people.md):

    FORM = Form(name="x", slots=(acting.elder_slot("ask_x_elder"), ...), ...)  # catalogue: invalid_x_elder too

    def _start(turn, conv):
        return acting.start(FORM, turn, conv)       # answers people_acting_none when there is nobody to act for

    def _submit(values, turn):
        elder = acting.chosen_elder(values, turn)   # re-checked: the binding may have gone meanwhile
"""
from __future__ import annotations

from sqlmodel import Session

from bots import forms
from bots.forms import Form, Slot, Turn
from bots.state import Conversation
from bots.texts import t
from models.base import id_of
from models.people import binding
from models.people.users import User

SLOT = "elder"


# The rule itself lives in models/binding; these names are what the flows use.
elders_for = binding.acts_for
may_act_for = binding.may_act_for


def choices(session: Session, user: User) -> list[User]:
    """Whom a user may ask for: the elders they act for, or themself when they act for nobody
    (any villager may ask for help or sign up for an event for themself)."""
    return elders_for(session, user) or [user]


def label(elder: User, viewer: User) -> str:
    """How an elder is named in a choice shown to the viewer."""
    return t("people_acting_self") if elder.id == viewer.id else (elder.name or t("people_unnamed"))


def options_text(session: Session, user: User) -> str:
    """The numbered list of elders the user may act for."""
    lines = [f"{i} {label(e, user)}" for i, e in enumerate(elders_for(session, user), start=1)]
    return "\n".join(lines)


def _prefill(turn: Turn) -> int | None:
    candidates = elders_for(turn.ctx.session, turn.user)
    if len(candidates) == 1:
        return candidates[0].id
    named = [e for e in candidates if e.name and e.name in turn.text]
    if len(named) == 1:
        return named[0].id
    me = turn.understanding.slots.get("for_whom") == "self"
    return turn.user.id if me and candidates and candidates[0].id == turn.user.id else None


def _parse(turn: Turn) -> int:
    candidates = elders_for(turn.ctx.session, turn.user)
    return id_of(forms.pick(turn, candidates, [label(e, turn.user) for e in candidates]))


def elder_slot(question_key: str, name: str = SLOT) -> Slot:
    """A form slot holding the id of the elder the flow is for: filled at once when there is one candidate
    (or the message names one), else asked with the numbered names under the catalogue question."""
    def ask(turn: Turn) -> str:
        return t(question_key) + "\n" + options_text(turn.ctx.session, turn.user)
    return Slot(name, parse=_parse, prefill=_prefill, ask=ask)


def start(form: Form, turn: Turn, conv: Conversation) -> str:
    """Start a form that has an elder slot; explain when the user acts for nobody."""
    if not elders_for(turn.ctx.session, turn.user):
        return t("people_acting_none")
    return forms.start(form, turn, conv)


def chosen_elder(values: dict, turn: Turn, slot: str = SLOT) -> User:
    """The elder picked in the form; PermissionError when the user may no longer act for them."""
    elder = turn.ctx.session.get(User, values[slot])
    if elder is None or not may_act_for(turn.ctx.session, turn.user, elder):
        raise PermissionError("no longer bound to this elder")
    return elder
