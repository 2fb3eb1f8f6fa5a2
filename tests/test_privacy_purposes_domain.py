"""Consents' effects in models/ with an explicit `now`: a partner organisation's claim winner gets the
elder's contact card and notes only while partner_sharing stands; a success story names the elder only while
publication stands."""
from __future__ import annotations

from datetime import timedelta

from app.db import session_scope
from models.help import dispatch, visits
from models.help import requests as hr
from models.notices import digest
from models.people.users import User
from models.privacy import access, consent, publication, sharing
from tests.test_privacy_domain import NOW, RULES, user, village, with_health_notes

__all__ = ["village"]  # the fixture, shared with the other privacy domain tests
PARTNER, VILLAGER = "demo-volunteer-4", "demo-volunteer-1"  # 杨丽 of the 乡镇卫生院; 张志强 of the village


def claimed(session, elder, volunteer: str, key: str, category: str = "medical") -> visits.Outcome:
    spec = hr.NewRequest(elder=elder, requested_by=elder, category=category, details="量血压", place="示范村",
                         window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5))
    request = hr.create_request(session, spec, source_key=key, now=NOW)[0]
    helper = user(session, volunteer)
    session.add(dispatch.TaskOffer(request_id=request.id, volunteer_id=helper.id, round=1, offered_at=NOW))
    session.flush()
    outcome = visits.claim(session, request.id, helper, now=NOW, rules=RULES)
    assert outcome.result == "won"
    return outcome


def winner_notice(outcome: visits.Outcome):
    [notice] = [n for n in outcome.notices if n.kind == "help_claimed_volunteer"]
    return notice


def test_a_partner_volunteer_gets_the_place_not_the_card_without_partner_sharing(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session)  # health consent given, partner_sharing never asked
        partner = user(session, PARTNER)
        assert sharing.partner_of(session, partner) == "乡镇卫生院"
        assert not sharing.may_share_with(session, elder, partner)
        outcome = claimed(session, elder, PARTNER, "p-1")
        notice = winner_notice(outcome)
        assert notice.text_key == "help_claimed_partner"
        assert notice.params["phone"] == "" and notice.params["notes"] == "" and notice.params["elder"] == ""
        assert notice.params["address"] == "示范村" and elder.phone not in str(notice.params)
        assert access.accesses_of(session, elder.id) == []  # nothing revealed, nothing logged
        told = [n for n in outcome.notices if n.kind == "privacy_partner_withheld"]
        assert [n.openid for n in told] == ["demo-admin"]
        assert told[0].params["org"] == "乡镇卫生院" and told[0].params["elder"] == elder.name


def test_a_partner_volunteer_gets_the_card_while_the_consent_stands_and_not_after_withdrawal(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session)
        grant = consent.record(session, elder.id, consent.PARTNER_SHARING, granted=True, given_by=elder.id, now=NOW)
        notice = winner_notice(claimed(session, elder, PARTNER, "p-1"))
        assert notice.text_key == "help_claimed_volunteer"
        assert notice.params["phone"] == elder.phone and notice.params["notes"] == "高血压，走路要扶"
        assert {e.what for e in access.accesses_of(session, elder.id)} == {"contact", "health_notes"}
        consent.withdraw(session, grant.id, elder.id, now=NOW + timedelta(minutes=1))
        notice = winner_notice(claimed(session, elder, PARTNER, "p-2"))
        assert notice.text_key == "help_claimed_partner" and notice.params["phone"] == ""


def test_a_village_volunteer_is_not_a_partner_and_keeps_getting_the_card(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session)
        consent.record(session, elder.id, consent.PARTNER_SHARING, granted=False, given_by=elder.id, now=NOW)
        villager = user(session, VILLAGER)
        assert sharing.partner_of(session, villager) == "" and sharing.may_share_with(session, elder, villager)
        outcome = claimed(session, elder, VILLAGER, "v-1", category="errand")
        assert winner_notice(outcome).params["phone"] == elder.phone
        assert not [n for n in outcome.notices if n.kind == "privacy_partner_withheld"]


# --- publication --------------------------------------------------------------------------------------------

WORDING = publication.Wording("一位老人", ("奶奶", "大爷"))


def rated_story_source(session, elder) -> str:
    spec = hr.NewRequest(elder=elder, requested_by=elder, category="repair", details="修屋顶",
                         window_start=NOW, window_end=NOW + timedelta(hours=4))
    request = hr.create_request(session, spec, source_key=f"s-{elder.id}-{NOW.timestamp()}", now=NOW)[0]
    helper, admin = user(session, VILLAGER), user(session, "demo-admin")
    visits.claim(session, request.id, helper, now=NOW, rules=RULES, assigned_by=admin)
    visits.complete(session, request.id, helper, now=NOW, minutes=60)
    visits.rate(session, request.id, elder, 5, now=NOW, credit=visits.CreditRules())
    return str(request.id)


def test_anonymise_replaces_the_name_the_given_name_and_surname_with_a_form_of_address():
    elder = User(openid="x", name="王秀英")
    text = "张志强帮王奶奶修屋顶，王秀英说秀英这辈子没见过这么好的人；王大爷也来了"
    assert publication.anonymise(text, elder, WORDING) == (
        "张志强帮一位老人修屋顶，一位老人说一位老人这辈子没见过这么好的人；一位老人也来了")
    assert publication.anonymise(text, User(openid="y", name=""), WORDING) == text


def test_a_story_is_public_with_the_name_only_while_the_publication_consent_stands(village):
    with session_scope(village.engine) as session:
        elder, admin = user(session, "demo-elder-1"), user(session, "demo-admin")
        ref = rated_story_source(session, elder)
        story = digest.mark_story(session, admin, request_ref=ref, text="张志强帮王奶奶修屋顶", elder_consent=False,
                                  now=NOW)
        assert story.elder_consent is False and not consent.allows(session, elder.id, consent.PUBLICATION)
        assert digest.public(session, story, WORDING).text == "张志强帮一位老人修屋顶"
        grant = consent.record(session, elder.id, consent.PUBLICATION, granted=True, given_by=elder.id, now=NOW)
        assert digest.public(session, story, WORDING).text == "张志强帮王奶奶修屋顶"
        consent.withdraw(session, grant.id, elder.id, now=NOW + timedelta(days=1))
        assert digest.public(session, story, WORDING).text == "张志强帮一位老人修屋顶"  # checked when published


def test_a_coordinators_yes_is_recorded_unless_the_elder_said_no(village):
    with session_scope(village.engine) as session:
        elder, admin = user(session, "demo-elder-1"), user(session, "demo-admin")
        story = digest.mark_story(session, admin, request_ref=rated_story_source(session, elder),
                                  text="张志强帮王奶奶修屋顶", elder_consent=True, now=NOW)
        [row] = consent.active(session, elder.id)
        assert story.elder_consent and row.purpose == consent.PUBLICATION
        assert row.given_by_user_id == admin.id and row.relationship == publication.VIA_COORDINATOR
        consent.record(session, elder.id, consent.PUBLICATION, granted=False, given_by=elder.id,
                       now=NOW + timedelta(hours=1))
        later = digest.mark_story(session, admin, request_ref=rated_story_source(session, elder),
                                  text="张志强又帮王奶奶修屋顶", elder_consent=True, now=NOW + timedelta(hours=2))
        assert later.elder_consent is False and not consent.allows(session, elder.id, consent.PUBLICATION)
