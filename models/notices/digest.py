"""The weekly village digest and the success stories it features.

Counts of requests served and volunteer hours belong to other features (help requests,
the time bank); the digest reads them through a `WeekFacts` provider so it can be faked in
tests and wired to the real tables by whoever owns them (see docs/notices.md).
The digest itself is a broadcast (topic 'digest') that never uses mass send: a weekly
message must not spend the villagers' four mass messages a month.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models.base import as_utc, id_of
from models.core.audit import audit
from models.help import requests as hr
from models.notices.broadcasts import DIGEST_TOPIC, SYSTEM, Broadcast, NoticeError, SuccessStory, village_scope
from models.people.redact import redact
from models.people.users import User, Village
from models.privacy import consent, publication

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WeekFacts:
    """What happened in a village in one week (None: not known, left out of the digest)."""

    requests_served: int | None = None
    volunteer_hours: float | None = None
    upcoming_events: list[str] = field(default_factory=list)


FactsProvider = Callable[[Session, int, datetime, datetime], WeekFacts]
STORY_MIN_RATING = 4


def story_worthy(session: Session, request_ref: str) -> bool:
    """A success story comes from a completed request the household rated well."""
    row = hr.get_request(session, int(request_ref)) if request_ref.isdigit() else None
    return row is not None and row.status in (hr.DONE, hr.CONFIRMED) and (row.rating or 0) >= STORY_MIN_RATING


def mark_story(session: Session, actor: User, *, request_ref: str, text: str, elder_consent: bool,
               now: datetime) -> SuccessStory:
    """Record a success story for the actor's village.

    `elder_consent`: the coordinator says the elder agreed to be named; that is recorded as the elder's
    publication consent (given to the coordinator), unless the elder or their family declined or withdrew it
    themselves. Without a standing consent the story is still kept and the digest tells it anonymised
    (`models.privacy.publication`); `SuccessStory.elder_consent` keeps whether the elder could be named.
    """
    village_id = village_scope(actor, actor.village_id)
    if village_id is None:  # a county admin of no village: the digest a story feeds is a village's
        raise NoticeError("notices_err_story_village")
    if not story_worthy(session, request_ref):
        raise NoticeError("notices_story_check_failed", request=request_ref)
    elder = publication.elder_of(session, request_ref)
    if elder_consent and elder is not None and not publication.declined(session, elder) \
            and not publication.may_name(session, elder):
        consent.record(session, id_of(elder), consent.PUBLICATION, granted=True, given_by=id_of(actor),
                       relationship=publication.VIA_COORDINATOR, now=now,
                       text_version=publication.STORY_TEXT_VERSION)
    story = SuccessStory(village_id=village_id, request_ref=request_ref[:32], text=text.strip()[:300],
                         elder_consent=publication.may_name(session, elder), marked_by=actor.openid,
                         created_at=as_utc(now))
    session.add(story)
    session.flush()
    audit(session, now=now, actor=actor.openid, action="notice.story", target=str(story.id), request=request_ref)
    return story


def next_story(session: Session, village_id: int) -> SuccessStory | None:
    """The oldest story not yet featured (named or anonymised when published, by the consent then)."""
    query = select(SuccessStory).where(SuccessStory.village_id == village_id,
                                       col(SuccessStory.featured_at).is_(None))
    return session.exec(query.order_by(col(SuccessStory.id))).first()


def public(session: Session, story: SuccessStory | None, wording: publication.Wording) -> SuccessStory | None:
    """The story as the whole village reads it: a coordinator's free text may quote a phone or house number,
    and names the elder only while the elder's publication consent stands."""
    if story is None:
        return None
    text = redact(story.text)
    elder = publication.elder_of(session, story.request_ref)
    if elder is not None and not publication.may_name(session, elder):
        text = publication.anonymise(text, elder, wording)
    return SuccessStory(**{**story.model_dump(), "text": text})


def already_sent(session: Session, village_id: int, *, now: datetime) -> bool:
    """True when this village's digest was composed in the last six days (the job is idempotent)."""
    since = as_utc(now) - timedelta(days=6)
    query = select(Broadcast.id).where(Broadcast.topic == DIGEST_TOPIC, Broadcast.village_id == village_id,
                                       Broadcast.created_at >= since)
    return session.exec(query).first() is not None


def compose_digest(session: Session, village: Village, *, provider: FactsProvider,
                   render: Callable[[Village, WeekFacts, SuccessStory | None], str], wording: publication.Wording,
                   now: datetime) -> Broadcast | None:
    """Compose one village's weekly digest as a broadcast due now; None if already done this week."""
    village_id = id_of(village)
    if already_sent(session, village_id, now=now):
        return None
    now = as_utc(now)
    facts = provider(session, village_id, now - WEEK, now)
    story = next_story(session, village_id)
    body = render(village, facts, public(session, story, wording))[:1000]
    row = Broadcast(village_id=village.id, author_openid=SYSTEM, body=body,
                    audience="all", use_mass=False, topic=DIGEST_TOPIC, send_at=now, created_at=now)
    session.add(row)
    if story is not None:
        story.featured_at = now
        session.add(story)
    session.flush()
    return row


def villages(session: Session) -> list[Village]:
    """Every village, for the weekly job."""
    return list(session.exec(select(Village).order_by(col(Village.id))))
