"""The partner_sharing consent's effect in models/ with an explicit `now`: a partner organisation's claim
winner gets the elder's contact card and notes only while the elder's consent stands."""
from __future__ import annotations

from datetime import timedelta

from app.db import session_scope
from models.help import dispatch, visits
from models.help import requests as hr
from models.privacy import access, consent, sharing
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
