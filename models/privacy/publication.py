"""Publishing a success story about an elder (PIPL art. 25: public disclosure needs separate consent): the weekly digest
names the elder only while their `publication` consent stands, checked when the digest is composed (a
withdrawal after the story was marked still counts). Without it the story goes out anonymised: the elder's
name, and their surname with a form of address ("Grandma Wang"), become a neutral phrase. The wording (the phrase,
the forms of address) is the catalogue's, passed in: models hold no user-facing text.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from models.help import requests as hr
from models.people.users import User
from models.privacy import consent

# A coordinator recorded the elder's spoken consent while marking a story (shown as such to the elder).
VIA_COORDINATOR = "via-coordinator"
STORY_TEXT_VERSION = "story-told-coordinator"


@dataclass(frozen=True)
class Wording:
    """How an anonymised story refers to the elder."""

    placeholder: str
    forms_of_address: tuple[str, ...] = ()


def elder_of(session: Session, request_ref: str) -> User | None:
    """The elder a story's request was for (None: not a known request)."""
    request = hr.get_request(session, int(request_ref)) if request_ref.isdigit() else None
    return session.get(User, request.elder_id) if request is not None else None


def may_name(session: Session, elder: User | None) -> bool:
    return elder is None or consent.allows(session, elder.id or 0, consent.PUBLICATION)


def declined(session: Session, elder: User) -> bool:
    """The elder (or their family) said no or withdrew: a coordinator's word does not override it."""
    rows = [row for row in consent.history(session, elder.id or 0) if row.purpose == consent.PUBLICATION]
    return bool(rows) and (not rows[-1].granted or rows[-1].withdrawn_at is not None)


def anonymise(text: str, elder: User, wording: Wording) -> str:
    """The text without the elder's name or their surname with a form of address."""
    name = (elder.name or "").strip()
    if not name:
        return text
    for form in wording.forms_of_address:
        text = text.replace(name + form, wording.placeholder).replace(name[0] + form, wording.placeholder)
    if len(name) >= 2:
        text = text.replace(name, wording.placeholder)
        if len(name) >= 3:
            text = text.replace(name[1:], wording.placeholder)  # the given name alone
    return text
