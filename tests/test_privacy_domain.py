"""Personal information rights in models/ with an explicit `now`: consent, the access log, signed links,
export, erasure (ledgers, requests, who is told) and its deadline, retention."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from models.core import conversation, inbound
from models.core.outbox import OutboxMessage, enqueue
from models.help import dispatch, visits
from models.help import requests as hr
from models.people import membership
from models.people.users import FamilyLink, User
from models.privacy import access, consent, erasure, links, retention
from models.privacy import export as exporting
from models.seed import seed_demo
from models.timebank import gifts, ledger

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = dispatch.DispatchRules()


@pytest.fixture
def village(rt):
    with session_scope(rt.engine) as session:
        seed_demo(session, now=NOW)
    return rt


def user(session, openid) -> User:
    return session.exec(select(User).where(User.openid == openid)).one()


def with_health_notes(session, openid="demo-elder-1", notes="高血压，走路要扶", consented=True) -> User:
    elder = user(session, openid)
    profile = membership.profile_of(session, elder)
    profile.health_notes = notes
    session.add(profile)
    consent.record(session, elder.id, consent.HEALTH_NOTES, granted=consented, given_by=elder.id, now=NOW)
    return elder


def claimed_by_volunteer(session, elder: User, volunteer="demo-volunteer-1", key="src-1") -> visits.Outcome:
    spec = hr.NewRequest(elder=elder, requested_by=elder, category="errand", details="买降压药",
                         window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5))
    request = hr.create_request(session, spec, source_key=key, now=NOW)[0]
    helper = user(session, volunteer)
    session.add(dispatch.TaskOffer(request_id=request.id, volunteer_id=helper.id, round=1, offered_at=NOW))
    session.flush()
    return visits.claim(session, request.id, helper, now=NOW, rules=RULES)


def winner_notes(outcome: visits.Outcome) -> str | None:
    [notice] = [n for n in outcome.notices if n.kind == "help_claimed_volunteer"]
    return notice.params["notes"]


# --- consent ------------------------------------------------------------------------------------------------

def test_a_consent_holds_until_withdrawn_and_a_new_answer_replaces_the_old(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-2")
        assert not consent.allows(session, elder.id, consent.HEALTH_NOTES)
        first = consent.record(session, elder.id, consent.HEALTH_NOTES, granted=True, given_by=elder.id, now=NOW)
        assert consent.allows(session, elder.id, consent.HEALTH_NOTES)
        assert not consent.allows(session, elder.id, consent.PUBLICATION)  # purposes are separate
        consent.record(session, elder.id, consent.HEALTH_NOTES, granted=False, given_by=elder.id, now=NOW)
        assert not consent.allows(session, elder.id, consent.HEALTH_NOTES)
        session.refresh(first)
        assert first.withdrawn_at is not None
        again = consent.record(session, elder.id, consent.HEALTH_NOTES, granted=True, given_by=elder.id, now=NOW)
        assert consent.withdraw(session, again.id, elder.id, now=NOW) is not None
        assert consent.withdraw(session, again.id, elder.id, now=NOW) is None  # only a live grant
        assert not consent.allows(session, elder.id, consent.HEALTH_NOTES)
        assert len(consent.history(session, elder.id)) == 3
        with pytest.raises(ValueError):
            consent.record(session, elder.id, "marketing", granted=True, given_by=elder.id, now=NOW)


def test_health_notes_reach_the_claim_winner_only_with_consent(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session)
        assert winner_notes(claimed_by_volunteer(session, elder)) == "高血压，走路要扶"
        [row] = consent.active(session, elder.id)
        consent.withdraw(session, row.id, elder.id, now=NOW)
        assert winner_notes(claimed_by_volunteer(session, elder, key="src-2")) == ""
        family = user(session, "demo-family-1")
        assert membership.contact_card(session, elder, family).health_notes == ""


def test_notes_typed_without_a_consent_are_never_shown(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session, consented=False)
        assert winner_notes(claimed_by_volunteer(session, elder)) == ""


# --- access log ---------------------------------------------------------------------------------------------

def test_a_claim_records_who_saw_the_contact_card_and_the_notes(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session)
        outcome = claimed_by_volunteer(session, elder)
        entries = access.accesses_of(session, elder.id)
        helper = user(session, "demo-volunteer-1")
        assert {(e.viewer_id, e.viewer_role, e.what, e.reason, e.ref) for e in entries} == {
            (helper.id, "volunteer", "contact", "claim", str(outcome.request.id)),
            (helper.id, "volunteer", "health_notes", "claim", str(outcome.request.id))}
        access.log_access(session, subject_id=elder.id, viewer_id=None, viewer_name="console:sun",
                          viewer_role="console", what="contact", reason="console", now=NOW + timedelta(hours=1))
        assert access.accesses_of(session, elder.id)[0].viewer_name == "console:sun"  # newest first
        with pytest.raises(ValueError):
            access.log_access(session, subject_id=elder.id, viewer_id=None, viewer_role="x", what="diary",
                              reason="console", now=NOW)


# --- links ----------------------------------------------------------------------------------------------------

def test_a_download_link_is_valid_for_24_hours_and_cannot_be_altered():
    token = links.sign("s" * 32, subject_id=7, requester_id=9, now=NOW)
    assert links.verify("s" * 32, token, now=NOW + timedelta(hours=23, minutes=59)) == links.Grant(
        7, 9, int((NOW + timedelta(hours=24)).timestamp()))
    assert links.verify("s" * 32, token, now=NOW + timedelta(hours=24)) is None
    assert links.verify("t" * 32, token, now=NOW) is None  # another deployment's secret
    body, mac = token.split(".")
    forged = links.sign("s" * 32, subject_id=8, requester_id=9, now=NOW).split(".")[0] + "." + mac
    assert links.verify("s" * 32, forged, now=NOW) is None
    assert links.verify("s" * 32, "garbage", now=NOW) is None and links.verify("s" * 32, "", now=NOW) is None


# --- export -----------------------------------------------------------------------------------------------------

def test_an_export_covers_every_section(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session)
        outcome = claimed_by_volunteer(session, elder)
        assert gifts.opening(session, elder, 30, key="t1", now=NOW)
        data = exporting.export_person(session, elder.id, NOW)
        assert data["erased"] is False and data["profile"]["name"] == "王秀英"
        assert data["profile"]["elder"]["address"] == "示范村东头12号"
        assert data["profile"]["elder"]["health_notes"] == "高血压，走路要扶"
        assert [b["family"] for b in data["bindings"]] == ["王建国"]
        assert [r["number"] for r in data["requests"]] == [outcome.request.id]
        assert [t["minutes"] for t in data["timebank"]] == [30]
        assert {c["purpose"] for c in data["consents"]} == {"health_notes"}
        assert len(data["accesses"]) == 2
        volunteer = exporting.export_person(session, user(session, "demo-volunteer-1").id, NOW)
        assert [v["number"] for v in volunteer["visits"]] == [outcome.request.id]
        csv_text = exporting.to_csv(data)
        assert "profile,0,elder.address,示范村东头12号" in csv_text and "bindings,1,family,王建国" in csv_text


# --- erasure ------------------------------------------------------------------------------------------------------

def test_working_days_skip_weekends():
    friday_evening = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Friday 18:00 in Shanghai
    due = erasure.working_days_after(friday_evening, 15, SHANGHAI)
    assert due.astimezone(SHANGHAI).date().isoformat() == "2026-12-25"  # three whole weeks on, a Friday
    assert due.astimezone(SHANGHAI).hour == 23


def test_erasure_removes_the_person_keeps_ledgers_balanced_and_tells_the_people_concerned(village):
    with session_scope(village.engine) as session:
        elder = with_health_notes(session)
        elder_id, pool = elder.id, ledger.pool_account(session, elder.village_id, now=NOW).code
        claimed = claimed_by_volunteer(session, elder).request.id
        assert gifts.opening(session, elder, 45, key="t1", now=NOW)
        pool_before = ledger.balance_of(session, pool)
        conversation.save_state(session, elder.openid, flow="help", step="x", data={}, now=NOW)
        inbound.record_inbound(session, key="m:demo-elder-1:1", openid=elder.openid, msg_type="text", event="",
                               payload={"text": "我家住东头12号"}, now=NOW)
        request = erasure.request_erasure(session, elder, by=elder, now=NOW, tz=SHANGHAI)
        pseudonym = request.pseudonym
        notices = erasure.erase(session, request, now=NOW, rules=RULES)
        told = {(n.openid, n.text_key) for n in notices}
        assert ("demo-family-1", "privacy_erased_family") in told
        assert ("demo-admin", "privacy_erased_coordinator") in told
        assert ("demo-volunteer-1", "help_cancelled_volunteer") in told  # their claimed task is cancelled
    with Session(village.engine) as session:
        gone = session.get(User, elder_id)
        assert gone.name == "" and gone.phone == "" and gone.openid.startswith("erased-") and gone.roles == ","
        assert membership.profile_of(session, gone) is None
        assert session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder_id)).all() == []
        assert session.get(hr.HelpRequest, claimed).status == hr.CANCELLED
        assert session.get(hr.HelpRequest, claimed).details == ""
        assert conversation.load_state(session, "demo-elder-1") is None
        assert session.exec(select(inbound.InboundMessage)).all() == []
        # Every ledger still sums to zero; the person's lines moved to a pseudonymous account.
        assert ledger.total_of_lines(session) == 0
        assert ledger.balance_of(session, pool) == pool_before
        assert ledger.balance(session, elder_id) == 0
        assert ledger.balance_of(session, f"anon:{pseudonym}:{ledger.PERSON}") == 45
        admin = user(session, "demo-admin")
        assert elder_id not in [u.id for u, _ in membership.elders_in_scope(session, admin)]
        data = exporting.export_person(session, elder_id, NOW)
        assert data["erased"] is True and data["profile"] == {} and data["requests"] == []
        assert "王秀英" not in str(data) and "东头" not in str(data)
        assert not consent.active(session, elder_id)


def test_an_erasure_recorded_without_the_immediate_step_is_done_by_the_job_before_its_deadline(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-2")
        request = erasure.request_erasure(session, elder, by=user(session, "demo-admin"), now=NOW, tz=SHANGHAI)
        enqueue(session, key="old-reply", openid=elder.openid, kind="reply", text="李德福 北街3号", now=NOW)
        elder_id, due = elder.id, request.due_at
    later = NOW + timedelta(days=9)  # the worker was down for nine days: still before the deadline
    assert later < due
    with session_scope(village.engine) as session:
        erasure.complete_pending(session, now=later, rules=RULES)
    with Session(village.engine) as session:
        row = erasure.erasure_of(session, elder_id)
        assert row.status == erasure.DONE and row.completed_at == later and row.openid == ""
        assert session.get(User, elder_id).name == ""
        assert session.exec(select(OutboxMessage).where(OutboxMessage.openid == "demo-elder-2")).all() == []


def test_a_reply_still_queued_for_the_old_openid_gets_an_hour_before_the_sweep(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-3")
        request = erasure.request_erasure(session, elder, by=elder, now=NOW, tz=SHANGHAI)
        erasure.erase(session, request, now=NOW, rules=RULES)
        enqueue(session, key="reply:1", openid="demo-elder-3", kind="reply", text="已注销", now=NOW)
        elder_id = elder.id
    with session_scope(village.engine) as session:
        erasure.complete_pending(session, now=NOW + timedelta(minutes=10), rules=RULES)
        assert erasure.erasure_of(session, elder_id).status == erasure.PENDING_ERASURE
    with session_scope(village.engine) as session:
        erasure.complete_pending(session, now=NOW + timedelta(hours=1, minutes=1), rules=RULES)
        assert erasure.erasure_of(session, elder_id).status == erasure.DONE
        assert session.exec(select(OutboxMessage).where(OutboxMessage.openid == "demo-elder-3")).all() == []


# --- retention -------------------------------------------------------------------------------------------------------

def test_retention_forgets_old_conversations_and_voice_and_keeps_the_access_log_three_years(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        conversation.save_state(session, "old", flow="help", step="x", data={}, now=NOW - timedelta(days=31))
        conversation.save_state(session, "new", flow="help", step="x", data={}, now=NOW - timedelta(days=29))
        for number, days in ((1, 8), (2, 6)):
            row_id, _ = inbound.record_inbound(session, key=f"v{number}", openid="x", msg_type="voice", event="",
                                               payload={"recognition": "我住东头12号"},
                                               now=NOW - timedelta(days=days))
            inbound.finish_inbound(session, row_id, "ok", now=NOW)
        for days in (3 * 365, 1100):
            access.log_access(session, subject_id=elder.id, viewer_id=None, viewer_role="console", what="contact",
                              reason="console", now=NOW - timedelta(days=days))
    with session_scope(village.engine) as session:
        assert retention.prune_conversations(session, now=NOW, keep_days=30) == 1
        assert retention.forget_audio(session, now=NOW, keep_days=7) == 1
        assert retention.prune_access_log(session, now=NOW, keep_days=30) == 1  # 30 is raised to three years
    with Session(village.engine) as session:
        assert conversation.load_state(session, "old") is None and conversation.load_state(session, "new")
        payloads = {row.dedup_key: row.payload for row in session.exec(select(inbound.InboundMessage))}
        assert payloads["v1"] is None and payloads["v2"] == {"recognition": "我住东头12号"}
        assert len(access.accesses_of(session, user(session, "demo-elder-1").id)) == 1
