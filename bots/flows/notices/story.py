"""标记好人好事 <request number> <text>: a coordinator marks a success story for the weekly digest.

States: request -> text -> consent -> confirm -> saved (both first slots may come with the command).
The consent answer is the elder's spoken publication consent, recorded (docs/privacy.md); without a standing
one the story is kept and the digest tells it without the elder's name.
"""
from __future__ import annotations

import re

from bots import forms, nlu
from bots.forms import Form, Invalid, Slot, Turn
from bots.state import Conversation
from bots.texts import t
from models.notices.broadcasts import NoticeError
from models.notices.digest import mark_story

TRIGGER = re.compile(r"标记好人好事(\s*(?P<number>[0-9０-９]{1,9}))?(\s+(?P<text>.+))?", re.S)


def _command(turn: Turn) -> re.Match | None:
    return TRIGGER.fullmatch(turn.text.strip())


def _request(turn: Turn) -> str:
    number = turn.number
    if number is None or number <= 0:
        raise Invalid()
    return str(number)


def _prefill_request(turn: Turn) -> str | None:
    found = _command(turn)
    return str(int(found["number"])) if found and found["number"] else None


def _text(turn: Turn) -> str:
    text = turn.text.strip()
    if not 5 <= len(text) <= 150:
        raise Invalid()
    return text


def _prefill_text(turn: Turn) -> str | None:
    found = _command(turn)
    text = (found["text"] or "").strip() if found else ""
    return text if 5 <= len(text) <= 150 else None


def _consent(turn: Turn) -> bool:
    choice = nlu.parse_choice(turn.text, ["同意", "不同意"])
    if choice is None:
        raise Invalid()
    return choice == 1


def _read_back(values: dict, turn: Turn) -> str:
    return t("notices_story_read_back", request=values["request"], text=values["text"],
             consent=t("notices_yes") if values["consent"] else t("notices_no"))


def _save(values: dict, turn: Turn) -> str:
    try:
        story = mark_story(turn.ctx.session, turn.user, request_ref=values["request"], text=values["text"],
                           elder_consent=values["consent"], now=turn.ctx.now)
    except NoticeError as exc:
        return t(exc.code, **exc.params)
    if story.elder_consent:
        named = "privacy_story_named"
    else:
        named = "privacy_story_declined" if values["consent"] else "privacy_story_anonymous"
    return t("notices_story_saved", number=story.id) + "\n" + t(named)


FORM = Form(name="success_story", composes=True,
            slots=(Slot("request", parse=_request, prefill=_prefill_request),
                   Slot("text", parse=_text, prefill=_prefill_text),
                   Slot("consent", parse=_consent)),
            read_back=_read_back, action=_save)


def start(turn: Turn, conv: Conversation, match: re.Match) -> str:
    """Begin marking a story, taking the number and text given with the command."""
    return forms.start(FORM, turn, conv)
