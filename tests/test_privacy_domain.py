"""Personal information rights in models/ with an explicit `now`: consent, the access log, signed links,
export, erasure (ledgers, requests, who is told) and its deadline, retention."""
from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, and_, or_, select

from app.db import session_scope
from models.api import identity as ids
from models.api.subscriptions import SubscriptionConsent
from models.checkin.rules import CheckinDay, CheckinEnrolment
from models.core import conversation, inbound
from models.core.audit import AuditEntry, audit
from models.core.outbox import OutboxMessage, enqueue
from models.core.windows import ServiceWindow
from models.help import complaints, dispatch, visits
from models.help import requests as hr
from models.notices.broadcasts import AudienceTag, MassQuota, NoticeOptOut
from models.people import membership
from models.people.binding import PendingBinding
from models.people.membership import BindingCode
from models.people.users import FamilyLink, User
from models.people.volunteers import TrainingRecord, Volunteer, volunteer_of
from models.privacy import access, consent, erasure, links, publication, retention, sharing
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


# --- what mutation testing asked for (docs/testing.md "Mutation testing") ------------------------------------

def _log(session, subject_id, *, at, viewer_id=None, **fields):
    values = {"viewer_role": "console", "what": "contact", "reason": "console", **fields}
    return access.log_access(session, subject_id=subject_id, viewer_id=viewer_id, now=at, **values)


def test_the_access_log_keeps_who_saw_what_newest_first_and_refuses_unknown_reasons(village):
    with session_scope(village.engine) as session:
        elder, other = user(session, "demo-elder-1"), user(session, "demo-elder-2")
        helper = user(session, "demo-volunteer-1")
        first = _log(session, elder.id, at=NOW, viewer_name="c" * 70, ref="r" * 70)
        _log(session, other.id, at=NOW)
        _log(session, elder.id, at=NOW + timedelta(minutes=1), viewer_id=helper.id, viewer_role="volunteer",
             what="health_notes", reason="claim", ref="7")
        assert (first.viewer_name, len(first.ref), first.at) == ("c" * 64, 64, NOW)
        with pytest.raises(ValueError):
            _log(session, elder.id, at=NOW, reason="curiosity")
        session.flush()
        newest = access.accesses_of(session, elder.id)
        assert [(e.viewer_id, e.what, e.reason, e.ref) for e in newest] == [
            (helper.id, "health_notes", "claim", "7"), (None, "contact", "console", first.ref)]
        assert [e.ref for e in access.accesses_of(session, elder.id, limit=1)] == ["7"]
        assert len(access.accesses_of(session, elder.id, limit=None)) == 2


def test_the_access_log_is_kept_at_least_three_years_and_longer_when_configured(village):
    three_years = timedelta(days=access.MIN_KEEP_DAYS)
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        for age in (three_years, three_years + timedelta(seconds=1), timedelta(days=2000)):
            _log(session, elder.id, at=NOW - age)
    with session_scope(village.engine) as session:
        assert access.prune(session, now=NOW, keep_days=5000) == 0  # a longer period is kept as configured
        assert access.prune(session, now=NOW, keep_days=0) == 2  # exactly three years old is still kept
        assert [e.at for e in access.accesses_of(session, user(session, "demo-elder-1").id)] == [NOW - three_years]


def test_a_proxy_answer_is_recorded_as_such_and_a_new_one_withdraws_the_old(village):
    with session_scope(village.engine) as session:
        elder, son = user(session, "demo-elder-1"), user(session, "demo-family-1")
        first = consent.record(session, elder.id, consent.SERVICE, granted=True, given_by=son.id, relationship="儿子",
                               now=NOW)
        assert (first.given_by_user_id, first.relationship, first.text_version, first.given_at, first.granted) == (
            son.id, "儿子", consent.TEXT_VERSION, NOW, True)
        consent.record(session, elder.id, consent.PUBLICATION, granted=True, given_by=elder.id, now=NOW)
        later = NOW + timedelta(days=1)
        declined = consent.record(session, elder.id, consent.SERVICE, granted=False, given_by=elder.id, now=later)
        session.refresh(first)
        assert (first.withdrawn_at, first.withdrawn_by_user_id) == (later, elder.id)
        assert not consent.allows(session, elder.id, consent.SERVICE)  # the latest answer is a no
        assert consent.withdraw(session, declined.id, elder.id, now=later) is None  # a no is not withdrawn
        assert consent.withdraw(session, 999_999, elder.id, now=later) is None
        assert [c.purpose for c in consent.active(session, elder.id)] == [consent.PUBLICATION]
        assert [c.id for c in consent.history(session, elder.id)] == sorted(c.id for c in consent.history(
            session, elder.id))
        assert [c.user_id for c in consent.history(session, user(session, "demo-elder-2").id)] == []
        assert consent.health_notes_allowed(session, elder.id) is False
        consent.record(session, elder.id, consent.HEALTH_NOTES, granted=True, given_by=son.id, now=later)
        assert consent.health_notes_allowed(session, elder.id) is True


def test_withdrawing_everything_stamps_each_live_record_and_counts_them(village):
    with session_scope(village.engine) as session:
        elder, admin = user(session, "demo-elder-1"), user(session, "demo-admin")
        for purpose, granted in ((consent.SERVICE, True), (consent.HEALTH_NOTES, False), (consent.PUBLICATION, True)):
            consent.record(session, elder.id, purpose, granted=granted, given_by=elder.id, now=NOW)
        consent.record(session, user(session, "demo-elder-2").id, consent.SERVICE, granted=True, given_by=admin.id,
                       now=NOW)
        later = NOW + timedelta(hours=2)
        assert consent.withdraw_all(session, elder.id, admin.id, now=later) == 3
        session.flush()
        assert {(c.withdrawn_at, c.withdrawn_by_user_id) for c in consent.history(session, elder.id)} == {
            (later, admin.id)}
        assert consent.withdraw_all(session, elder.id, admin.id, now=later) == 0
        assert consent.allows(session, user(session, "demo-elder-2").id, consent.SERVICE)


def test_a_withdrawn_grant_keeps_its_stamp(village):
    with session_scope(village.engine) as session:
        elder, son = user(session, "demo-elder-1"), user(session, "demo-family-1")
        row = consent.record(session, elder.id, consent.PUBLICATION, granted=True, given_by=elder.id, now=NOW)
        later = NOW + timedelta(days=3)
        done = consent.withdraw(session, row.id, son.id, now=later)
        assert (done.withdrawn_at, done.withdrawn_by_user_id) == (later, son.id)
    with Session(village.engine) as session:
        assert session.get(consent.Consent, row.id).withdrawn_at == later


def test_retention_forgets_exactly_what_is_older_than_the_limit(village):
    limit = timedelta(days=30)
    with session_scope(village.engine) as session:
        for openid, age in (("at-limit", limit), ("past", limit + timedelta(seconds=1))):
            conversation.save_state(session, openid, flow="help", step="x", data={}, now=NOW - age)
        rows = {}
        for key, msg_type, age, finish in (("voice-at", "voice", limit, True), ("voice-old", "voice", 2 * limit, True),
                                           ("voice-busy", "voice", 2 * limit, False),
                                           ("text-old", "text", 2 * limit, True)):
            rows[key], _ = inbound.record_inbound(session, key=key, openid="x", msg_type=msg_type, event="",
                                                  payload={"recognition": "东头12号"}, now=NOW - age)
            if finish:
                inbound.finish_inbound(session, rows[key], "回复东头12号", now=NOW - age)
    with session_scope(village.engine) as session:
        assert retention.prune_conversations(session, now=NOW, keep_days=30) == 1
        assert retention.forget_audio(session, now=NOW, keep_days=30) == 1
        assert retention.forget_audio(session, now=NOW, keep_days=30) == 0  # already forgotten
    with Session(village.engine) as session:
        assert conversation.load_state(session, "at-limit") and conversation.load_state(session, "past") is None
        kept = {row.dedup_key: (row.payload, row.reply) for row in session.exec(select(inbound.InboundMessage))}
        assert kept["voice-old"] == (None, None)
        assert kept["voice-at"] == ({"recognition": "东头12号"}, "回复东头12号")
        assert kept["voice-busy"][0] == {"recognition": "东头12号"}  # still being answered
        assert kept["text-old"] == ({"recognition": "东头12号"}, "回复东头12号")  # only voice is forgotten here


def test_a_partner_organisations_volunteer_gets_the_elders_details_only_with_partner_sharing(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        village_volunteer, clinic = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-4")
        record = volunteer_of(session, clinic)
        record.partner_org = "卫生院"
        session.add(record)
        lawyer = User(openid="lawyer", name="律师", roles=",partner,", created_at=NOW, updated_at=NOW)
        session.add(lawyer)
        session.flush()
        assert sharing.partner_of(session, village_volunteer) == ""
        assert sharing.partner_of(session, clinic) == "卫生院"
        assert sharing.partner_of(session, lawyer) == "partner"  # the role alone, no volunteer record
        assert sharing.may_share_with(session, elder, village_volunteer)
        assert not sharing.may_share_with(session, elder, clinic) and not sharing.may_share_with(session, elder, lawyer)
        consent.record(session, elder.id, consent.PARTNER_SHARING, granted=True, given_by=elder.id, now=NOW)
        assert sharing.may_share_with(session, elder, clinic) and sharing.may_share_with(session, elder, lawyer)
        assert not sharing.may_share_with(session, user(session, "demo-elder-2"), clinic)  # another elder's consent


def test_a_link_is_refused_without_a_secret_and_for_anything_not_made_by_sign():
    with pytest.raises(ValueError):
        links.sign("", subject_id=1, requester_id=1, now=NOW)
    token = links.sign("s" * 32, subject_id=7, requester_id=9, now=NOW, valid_for=timedelta(minutes=5))
    assert links.verify("s" * 32, token, now=NOW + timedelta(minutes=4, seconds=59)).expires_at == int(
        (NOW + timedelta(minutes=5)).timestamp())
    assert links.verify("s" * 32, token, now=NOW + timedelta(minutes=5)) is None
    assert links.verify("", token, now=NOW) is None
    body, mac = token.split(".")
    assert links.verify("s" * 32, body + ".", now=NOW) is None and links.verify("s" * 32, "." + mac, now=NOW) is None
    assert links.verify("s" * 32, token + "x" * (201 - len(token)), now=NOW) is None
    expires = int((NOW + timedelta(hours=1)).timestamp())
    assert links.verify("s" * 32, _signed("s" * 32, f"[7,9,{expires}]".encode()), now=NOW) == links.Grant(7, 9, expires)
    # A body signed with the right key that is not three numbers (as only someone holding the key could make).
    for content in (b'["a",1,2]', b"[1,2]", b"{}", b"not json"):
        assert links.verify("s" * 32, _signed("s" * 32, content), now=NOW) is None
    # A deployment without a secret accepts nothing, not even a token made with the empty key.
    assert links.verify("", _signed("", f"[7,9,{expires}]".encode()), now=NOW) is None


def _signed(secret: str, content: bytes) -> str:
    """A token made by hand the way `links.sign` makes one (the key derived from the secret under the label)."""
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    key = hmac.new(secret.encode(), b"linli-privacy-export-v1", hashlib.sha256).digest()
    body = b64(content)
    return f"{body}.{b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def test_every_link_is_url_safe_and_verifies_whatever_the_length_of_its_numbers():
    for digits in range(1, 16):
        subject = int("7" * digits)
        token = links.sign("s" * 32, subject_id=subject, requester_id=9, now=NOW)
        assert "=" not in token and token == token.strip()  # nothing a URL would have to escape
        assert links.verify("s" * 32, token, now=NOW).subject_id == subject


def test_a_link_of_200_characters_is_read_and_a_longer_one_refused_unread():
    def token(digits: int) -> str:
        return links.sign("s" * 32, subject_id=int("1" * digits), requester_id=1, now=NOW)
    assert len(token(102)) == 200 and links.verify("s" * 32, token(102), now=NOW) is not None
    assert len(token(103)) > 200 and links.verify("s" * 32, token(103), now=NOW) is None


def test_a_story_names_the_elder_only_with_their_consent_and_a_no_is_not_overridden(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        request = claimed_by_volunteer(session, elder).request
        assert publication.elder_of(session, str(request.id)).id == elder.id
        assert publication.elder_of(session, "x1") is None and publication.elder_of(session, "99999") is None
        assert publication.may_name(session, None)  # a story about no known elder
        consent.record(session, elder.id, consent.SERVICE, granted=True, given_by=elder.id, now=NOW)
        assert not publication.may_name(session, elder) and not publication.declined(session, elder)  # served only
        row = consent.record(session, elder.id, consent.PUBLICATION, granted=True, given_by=elder.id, now=NOW)
        assert publication.may_name(session, elder) and not publication.declined(session, elder)
        consent.withdraw(session, row.id, elder.id, now=NOW)
        assert publication.declined(session, elder) and not publication.may_name(session, elder)
        consent.record(session, elder.id, consent.PUBLICATION, granted=False, given_by=elder.id, now=NOW)
        assert publication.declined(session, elder)
        consent.record(session, elder.id, consent.HEALTH_NOTES, granted=False, given_by=elder.id, now=NOW)
        consent.record(session, elder.id, consent.PUBLICATION, granted=True, given_by=elder.id, now=NOW)
        assert not publication.declined(session, elder)  # the latest publication answer decides, not other purposes


def test_an_anonymised_story_has_neither_the_name_nor_the_surname_with_a_form_of_address():
    wording = publication.Wording("一位老人", ("奶奶", "大爷"))
    three = User(openid="x", name=" 王秀英 ")
    assert publication.anonymise("王秀英奶奶说王奶奶和秀英都好，王秀英笑了", three, wording) == (
        "一位老人说一位老人和一位老人都好，一位老人笑了")
    two = User(openid="y", name="李福")
    assert publication.anonymise("李大爷李福家的福字", two, wording) == "一位老人一位老人家的福字"
    one = User(openid="z", name="赵")
    assert publication.anonymise("赵大爷和赵", one, wording) == "一位老人和赵"
    assert publication.anonymise("王奶奶", User(openid="w", name=""), wording) == "王奶奶"


def _export_fixture(session):
    """Elder 1 with notes, a claimed and rated errand, a request her son made for her, check-in days, and the
    volunteer's training; another elder's day that is none of hers."""
    elder = with_health_notes(session)
    claimed = claimed_by_volunteer(session, elder).request
    claimed.rating, claimed.done_at, claimed.minutes_spent = 4, NOW + timedelta(hours=2), 45
    session.add(claimed)
    son = user(session, "demo-family-1")
    asked = hr.create_request(session, hr.NewRequest(
        elder=elder, requested_by=son, category="meal", details="送饭", place="东头", window_start=NOW,
        window_end=NOW + timedelta(hours=1)), source_key="son-1", now=NOW)[0]
    session.add(TrainingRecord(user_id=user(session, "demo-volunteer-1").id, qualification="first_aid",
                               granted_at=NOW))
    session.add(CheckinEnrolment(elder_id=elder.id, prompt_minute=510, deadline_minute=600, enrolled_by_id=son.id,
                                 created_at=NOW, updated_at=NOW))
    other = user(session, "demo-elder-2")
    for who, day, status, at in ((elder, date(2026, 12, 2), "ok", NOW + timedelta(days=1)),
                                 (elder, date(2026, 12, 1), "missed", None), (other, date(2026, 12, 1), "ok", NOW)):
        session.add(CheckinDay(elder_id=who.id, day=day, status=status, deadline_at=NOW, checked_in_at=at,
                               created_at=NOW))
    session.flush()
    return elder, claimed.id, asked.id


def test_an_export_holds_each_section_field_by_field(village):
    with session_scope(village.engine) as session:
        elder, claimed, asked = _export_fixture(session)
        data = exporting.export_person(session, elder.id, NOW)
        volunteer = exporting.export_person(session, user(session, "demo-volunteer-1").id, NOW)
        son = exporting.export_person(session, user(session, "demo-family-1").id, NOW)
    at = NOW.isoformat()
    assert (data["user_id"], data["generated_at"], data["erased"]) == (elder.id, at, False)
    assert data["profile"] == {
        "name": "王秀英", "phone": "13800000001", "roles": ["elder"], "village": "示范村", "registered_at": at,
        "elder": {"age": 78, "address": "示范村东头12号", "phone": "13800000001", "lives_alone": True,
                  "health_notes": "高血压，走路要扶", "registered_by": "王秀英", "verified_at": "",
                  "emergency_contacts": [{"name": "王建国", "phone": "13900000001"}]}}
    assert data["bindings"] == [{"elder": "王秀英", "family": "王建国", "relationship": "儿子", "since": at,
                                 "side": "elder"}]
    assert son["bindings"][0]["side"] == "family"
    assert data["requests"] == [
        {"number": claimed, "category": "errand", "details": "买降压药", "place": "", "status": "claimed",
         "window_start": (NOW + timedelta(hours=1)).isoformat(), "window_end": (NOW + timedelta(hours=5)).isoformat(),
         "created_at": at, "for": "王秀英", "volunteer": "张志强", "rating": 4},
        {"number": asked, "category": "meal", "details": "送饭", "place": "东头", "status": hr.OPEN,
         "window_start": at, "window_end": (NOW + timedelta(hours=1)).isoformat(), "created_at": at,
         "for": "王秀英", "volunteer": "", "rating": None}]
    assert [r["number"] for r in son["requests"]] == [asked]  # asked by him, for her
    assert data["visits"] == [] and data["ratings"] == [{"side": "given", "number": claimed, "score": 4}]
    assert data["checkins"] == [
        {"day": "", "status": "enrolled:active", "checked_in_at": at},
        {"day": "2026-12-01", "status": "missed", "checked_in_at": ""},
        {"day": "2026-12-02", "status": "ok", "checked_in_at": (NOW + timedelta(days=1)).isoformat()}]
    assert data["consents"] == [{"purpose": "health_notes", "granted": True, "given_at": at, "given_by": "王秀英",
                                 "relationship": "", "text_version": consent.TEXT_VERSION, "withdrawn_at": ""}]
    assert data["accesses"] == [
        {"at": at, "viewer": "张志强", "role": "volunteer", "what": what, "reason": "claim", "ref": str(claimed)}
        for what in ("health_notes", "contact")]
    assert volunteer["profile"]["volunteer"] == {
        "status": "approved", "skills": ["errand", "repair"], "availability": volunteer["profile"]["volunteer"][
            "availability"], "on_duty": True, "partner_org": "", "no_shows": 0, "qualifications": ["first_aid"]}
    assert "elder" not in volunteer["profile"] and "volunteer" not in data["profile"]
    assert volunteer["visits"] == [{"number": claimed, "category": "errand", "status": "claimed", "for": "王秀英",
                                    "done_at": (NOW + timedelta(hours=2)).isoformat(), "minutes": 45, "rating": 4}]
    assert volunteer["ratings"] == [{"side": "received", "number": claimed, "score": 4}]
    assert exporting.summary_counts(data) == {"bindings": 1, "requests": 2, "visits": 0, "ratings": 1, "timebank": 0,
                                              "checkins": 3, "consents": 1, "accesses": 2}


def test_a_console_operators_view_is_named_by_their_login_in_the_export(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        _log(session, elder.id, at=NOW, viewer_name="console:sun")
        session.flush()
        [seen] = exporting.export_person(session, elder.id, NOW)["accesses"]
        assert (seen["viewer"], seen["role"]) == ("console:sun", "console")


def test_the_csv_export_has_one_row_per_value_with_nested_values_flattened(village):
    with session_scope(village.engine) as session:
        elder, claimed, _ = _export_fixture(session)
        rows = list(csv.reader(io.StringIO(exporting.to_csv(exporting.export_person(session, elder.id, NOW)))))
    assert rows[:4] == [["section", "item", "field", "value"], ["meta", "0", "user_id", str(elder.id)],
                        ["meta", "0", "generated_at", NOW.isoformat()], ["meta", "0", "erased", "False"]]
    assert ["profile", "0", "elder.emergency_contacts.1.phone", "13900000001"] in rows
    assert ["profile", "0", "roles.1", "elder"] in rows
    assert ["requests", "1", "number", str(claimed)] in rows and ["requests", "2", "details", "送饭"] in rows
    assert ["checkins", "3", "status", "ok"] in rows and ["accesses", "2", "what", "contact"] in rows
    assert exporting.summary_counts({}) == dict.fromkeys(exporting.SECTIONS[1:], 0)


def test_the_export_of_someone_unknown_or_cancelled_says_only_that(village):
    with Session(village.engine) as session:
        data = exporting.export_person(session, 99_999, NOW)
    assert data == {"user_id": 99_999, "generated_at": NOW.isoformat(), "erased": True, "profile": {},
                    **{name: [] for name in exporting.SECTIONS[1:]}}


def _traces(session, person: User, openid: str) -> dict[str, int]:
    """How many rows of each table still point at this person (by id or by their WeChat openid)."""
    uid = person.id

    def count(model, *conditions):
        return len(session.exec(select(model).where(or_(*conditions))).all())

    return {
        "codes": count(BindingCode, BindingCode.elder_id == uid, BindingCode.created_by == uid,
                       BindingCode.used_by == uid),
        "pending": count(PendingBinding, PendingBinding.elder_id == uid, PendingBinding.family_id == uid,
                         PendingBinding.asked_id == uid, PendingBinding.decided_by == uid),
        "profile": count(membership.ElderProfile, membership.ElderProfile.user_id == uid),
        "links": count(FamilyLink, FamilyLink.elder_id == uid, FamilyLink.family_id == uid),
        "volunteer": count(Volunteer, Volunteer.user_id == uid),
        "training": count(TrainingRecord, TrainingRecord.user_id == uid),
        "days": count(CheckinDay, CheckinDay.elder_id == uid),
        "enrolment": count(CheckinEnrolment, CheckinEnrolment.elder_id == uid),
        # The mini-program rows hang off the login, gone too: they are found by what they were made with.
        "identities": count(ids.ApiIdentity, ids.ApiIdentity.user_id == uid,
                            ids.ApiIdentity.mini_openid == f"mini-{openid}"),
        "link_codes": count(ids.LinkCode, ids.LinkCode.user_id == uid),
        "tokens": count(ids.ApiToken, ids.ApiToken.token_hash == f"t-{openid}"),
        "answers": count(ids.IdempotentAnswer, ids.IdempotentAnswer.key == f"k-{openid}"),
        "subscriptions": count(SubscriptionConsent, SubscriptionConsent.template_id == f"tpl-{openid}"),
        "inbound": count(inbound.InboundMessage, inbound.InboundMessage.openid == openid),
        "conversation": count(conversation.ConversationState, conversation.ConversationState.openid == openid),
        "window": count(ServiceWindow, ServiceWindow.openid == openid),
        "tags": count(AudienceTag, AudienceTag.openid == openid),
        "opt_outs": count(NoticeOptOut, NoticeOptOut.openid == openid),
        "quota": count(MassQuota, MassQuota.openid == openid),
        "sent": count(OutboxMessage, and_(OutboxMessage.openid == openid, OutboxMessage.status == "sent")),
        "audit": count(AuditEntry, AuditEntry.actor == openid),
    }


def _leave_traces(session, person: User, other: User, third: User) -> int:
    """Rows of every kind that erasing `person` must remove (some shared with `other`, whose own stay);
    returns the id of an inbound message."""
    uid, oid = person.id, other.id

    def code(elder, by, used_by=None):
        row = BindingCode(code="123456", elder_id=elder, created_by=by, used_by=used_by, created_at=NOW,
                          expires_at=NOW)
        session.add(row)
        session.flush()
        return row.id

    codes = [code(uid, oid), code(oid, uid), code(oid, oid, used_by=uid)]
    for elder, family, asked, decided, code_id in (
            (uid, oid, None, None, code(oid, oid)), (oid, uid, None, None, code(oid, oid)),
            (oid, third.id, uid, None, code(oid, oid)), (oid, third.id, None, uid, code(oid, oid)),
            (oid, third.id, None, None, codes[0]), (oid, third.id, None, None, code(oid, oid))):
        session.add(PendingBinding(code_id=code_id, elder_id=elder, family_id=family, asked_id=asked,
                                   decided_by=decided, created_at=NOW, expires_at=NOW))
    session.add(FamilyLink(elder_id=third.id, family_id=uid, relationship="侄子", created_at=NOW))
    session.add(Volunteer(user_id=uid, created_at=NOW, updated_at=NOW))
    kept_inbound = 0
    for who in (person, other):
        session.add(TrainingRecord(user_id=who.id, qualification="first_aid", granted_at=NOW))
        session.add(CheckinEnrolment(elder_id=who.id, prompt_minute=510, deadline_minute=600, enrolled_by_id=who.id,
                                     created_at=NOW, updated_at=NOW))
        session.add(CheckinDay(elder_id=who.id, day=date(2026, 12, 1), status="ok", deadline_at=NOW, created_at=NOW))
        identity = ids.ApiIdentity(mini_openid=f"mini-{who.openid}", user_id=who.id, created_at=NOW, updated_at=NOW)
        session.add(identity)
        session.flush()
        session.add(ids.ApiToken(token_hash=f"t-{who.openid}", identity_id=identity.id, expires_at=NOW,
                                 created_at=NOW))
        session.add(ids.IdempotentAnswer(identity_id=identity.id, key=f"k-{who.openid}", route="r", status=200,
                                         body="{}", created_at=NOW))
        session.add(ids.LinkCode(code_hash="h", user_id=who.id, expires_at=NOW, created_at=NOW))
        session.add(SubscriptionConsent(identity_id=identity.id, template_id=f"tpl-{who.openid}", granted_at=NOW))
        for number in (1, 2):
            row_id, _ = inbound.record_inbound(session, key=f"m:{who.openid}:{number}", openid=who.openid,
                                               msg_type="text", event="", payload={"text": "东头12号"}, now=NOW)
            kept_inbound = kept_inbound or row_id
        conversation.save_state(session, who.openid, flow="help", step="x", data={}, now=NOW)
        session.add(ServiceWindow(openid=who.openid, message_at=NOW))
        session.add(AudienceTag(tag="elders", openid=who.openid))
        session.add(NoticeOptOut(openid=who.openid, topic="events", created_at=NOW))
        session.add(MassQuota(openid=who.openid, month="2026-12", used=1))
        enqueue(session, key=f"sent-{who.openid}", openid=who.openid, kind="reply", text="东头12号", now=NOW,
                status="sent")
        audit(session, now=NOW, actor=who.openid, action="help.ask")
    session.flush()
    return kept_inbound


def test_an_erased_person_leaves_no_row_behind_and_everyone_elses_stay(village):
    with session_scope(village.engine) as session:
        elder, other, third = (user(session, f"demo-elder-{n}") for n in (1, 2, 3))
        answering = _leave_traces(session, elder, other, third)
        for purpose in (consent.SERVICE, consent.PUBLICATION):
            consent.record(session, elder.id, purpose, granted=True, given_by=elder.id, now=NOW)
        before = _traces(session, other, other.openid)
        request = erasure.request_erasure(session, elder, by=elder, now=NOW, tz=SHANGHAI)
        erasure.erase(session, request, now=NOW, rules=RULES, keep_inbound_id=answering)
        pseudonym, elder_id, other_id = request.pseudonym, elder.id, other.id
    with Session(village.engine) as session:
        gone = session.get(User, elder_id)
        left = _traces(session, gone, "demo-elder-1")
        assert left == dict.fromkeys(left, 0)
        # Only the codes and binding requests the two shared are gone from the other elder's.
        assert _traces(session, session.get(User, other_id), "demo-elder-2") == {**before, "codes": 5, "pending": 1}
        assert len(session.exec(select(PendingBinding)).all()) == 1  # the one nobody erased had anything to do with
        scrubbed = session.get(inbound.InboundMessage, answering)  # the message being answered, kept for its reply
        assert (scrubbed.openid, scrubbed.payload, scrubbed.dedup_key) == (
            f"erased-{pseudonym}", {}, f"x:{pseudonym}:{answering}")
        assert session.exec(select(AuditEntry).where(AuditEntry.actor == f"anon:{pseudonym}",
                                                     AuditEntry.action == "help.ask")).one()
        done = session.exec(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).one()
        assert (done.actor, done.target, done.at) == (f"anon:{pseudonym}", str(elder_id), NOW)
        assert (gone.unionid, gone.profile, gone.subscribed, gone.village_id, gone.updated_at) == (
            None, None, False, None, NOW)
        assert erasure.erasure_of(session, elder_id).erased_at == NOW
        assert {(c.withdrawn_at, c.withdrawn_by_user_id) for c in consent.history(session, elder_id)} == {
            (NOW, elder_id)}  # withdrawn, by whoever asked for the erasure


def _ask(session, elder: User, by: User, key: str, **fields) -> hr.HelpRequest:
    spec = hr.NewRequest(elder=elder, requested_by=by, category="errand", details="买药 东头12号", place="东头12号",
                         window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=5), latitude=30.1,
                         longitude=120.2, images=("media-1",), **fields)
    return hr.create_request(session, spec, source_key=key, now=NOW)[0]


def test_erasure_scrubs_the_persons_requests_and_complaints_and_leaves_others_whole(village):
    with session_scope(village.engine) as session:
        son, elder, other = user(session, "demo-family-1"), user(session, "demo-elder-1"), user(session, "demo-elder-2")
        for_mother, for_neighbour, neighbours = (_ask(session, elder, elder, "r1"), _ask(session, other, son, "r2"),
                                                 _ask(session, other, other, "r3"))
        complaints.record_complaint(session, son, "志愿者迟到 13900000001", now=NOW)
        complaints.record_complaint(session, other, "志愿者迟到", now=NOW)
        ids_, son_id, other_id = (for_mother.id, for_neighbour.id, neighbours.id), son.id, other.id
        erasure.erase(session, erasure.request_erasure(session, son, by=son, now=NOW), now=NOW, rules=RULES)
    with Session(village.engine) as session:
        wiped = ("", "", None, None, None)
        mother, asked, untouched = (session.get(hr.HelpRequest, i) for i in ids_)
        assert (asked.details, asked.place, asked.latitude, asked.longitude, asked.images) == wiped  # he asked it
        assert (mother.details, mother.place, mother.images) == ("买药 东头12号", "东头12号", ["media-1"])
        assert (untouched.details, untouched.latitude) == ("买药 东头12号", 30.1)
        abouts = {c.user_id: c.about for c in session.exec(select(complaints.Complaint))}
        assert abouts == {son_id: "", other_id: "志愿者迟到"}
        assert asked.status == hr.CANCELLED and untouched.status == hr.OPEN  # what he asked for is called off


def test_an_erased_volunteers_tasks_go_back_to_dispatch_and_their_offers_are_withdrawn(village):
    with session_scope(village.engine) as session:
        elder, other = user(session, "demo-elder-1"), user(session, "demo-elder-2")
        helper, colleague = user(session, "demo-volunteer-1"), user(session, "demo-volunteer-3")
        claimed = claimed_by_volunteer(session, elder).request
        claimed.dispatch_round, taken = 1, claimed.id  # it was offered in a first round (the helper made the offer)
        session.add(claimed)
        offered = _ask(session, other, other, "r9")
        for volunteer in (helper, colleague):
            session.add(dispatch.TaskOffer(request_id=offered.id, volunteer_id=volunteer.id, round=1, offered_at=NOW))
        session.flush()
        notices = erasure.erase(session, erasure.request_erasure(session, helper, by=helper, now=NOW), now=NOW,
                                rules=RULES)
        helper_id, colleague_id, offered_id = helper.id, colleague.id, offered.id
    with Session(village.engine) as session:
        back = session.get(hr.HelpRequest, taken)
        assert back.volunteer_id is None and back.status != hr.CANCELLED  # released, not cancelled
        offers = {o.volunteer_id: o.status for o in session.exec(select(dispatch.TaskOffer).where(
            dispatch.TaskOffer.request_id == offered_id))}
        assert offers == {helper_id: dispatch.WITHDRAWN, colleague_id: dispatch.OFFERED}
    assert ("demo-admin", "privacy_erased_coordinator") in {(n.openid, n.text_key) for n in notices}


def test_who_hears_of_an_erasure(village):
    with session_scope(village.engine) as session:
        elder, son, admin = user(session, "demo-elder-1"), user(session, "demo-family-1"), user(session, "demo-admin")
        request = erasure.request_erasure(session, son, by=son, now=NOW)
        told = erasure.erase(session, request, now=NOW, rules=RULES)
        assert [(n.openid, n.kind, n.key, n.text_key, n.params) for n in told] == [
            ("demo-elder-1", "privacy_erased", f"erased:{request.id}:{elder.id}", "privacy_erased_family",
             {"name": "王建国", "number": son.id}),
            ("demo-admin", "privacy_erased", f"erased:{request.id}:{admin.id}", "privacy_erased_coordinator",
             {"name": "王建国", "number": son.id})]
        assert erasure.erase(session, request, now=NOW, rules=RULES) == []  # done once
        # An elder without WeChat, bound to family, is not sent anything when the family member goes.
        offline = user(session, "demo-elder-2")
        offline.openid = "offline-2"
        session.add(offline)
        nephew = User(openid="nephew", name="侄子", roles="", village_id=elder.village_id, created_at=NOW,
                      updated_at=NOW)
        session.add(nephew)
        session.flush()
        session.add(FamilyLink(elder_id=offline.id, family_id=nephew.id, relationship="侄子", created_at=NOW))
        session.flush()
        told = erasure.erase(session, erasure.request_erasure(session, nephew, by=nephew, now=NOW), now=NOW)
        assert [(n.openid, n.text_key) for n in told] == [("demo-admin", "privacy_erased_coordinator")]
        # A coordinator with no one bound who cancels their own account: not announced to the other coordinators
        # (nor to themselves); nor is a county admin's.
        for openid, roles in (("second-admin", ",admin,"), ("county", ",county_admin,")):
            session.add(User(openid=openid, name=openid, roles=roles, village_id=elder.village_id, created_at=NOW,
                             updated_at=NOW))
        session.flush()
        for coordinator in (admin, user(session, "county")):
            own = erasure.request_erasure(session, coordinator, by=coordinator, now=NOW)
            assert erasure.erase(session, own, now=NOW, rules=RULES) == []


def test_the_deadline_counts_working_days_in_the_villages_time(village):
    saturday = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # Saturday 10:00 in Shanghai
    assert erasure.working_days_after(saturday, 1, SHANGHAI) == datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC)
    assert erasure.working_days_after(saturday, 5, SHANGHAI) == datetime(2026, 12, 11, 15, 59, 59, tzinfo=UTC)
    sunday_night = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # already Monday in Shanghai, still Sunday in UTC
    assert erasure.working_days_after(sunday_night, 1, SHANGHAI).date() == date(2026, 12, 8)
    assert erasure.working_days_after(sunday_night, 1) == datetime(2026, 12, 7, 23, 59, 59, tzinfo=UTC)
    with session_scope(village.engine) as session:
        elder, admin = user(session, "demo-elder-2"), user(session, "demo-admin")
        first = erasure.request_erasure(session, elder, by=admin, now=saturday, tz=SHANGHAI)
        assert (first.user_id, first.requested_by_user_id, first.openid, first.status, first.requested_at,
                first.due_at, first.erased_at) == (elder.id, admin.id, "demo-elder-2", erasure.PENDING_ERASURE,
                                                   saturday, erasure.working_days_after(saturday, 15, SHANGHAI), None)
        assert len(first.pseudonym) == 16
        assert erasure.request_erasure(session, elder, by=elder, now=NOW).id == first.id  # one pending at a time
        other = erasure.request_erasure(session, user(session, "demo-elder-3"), by=admin, now=saturday)
        assert other.id != first.id and other.pseudonym != first.pseudonym
        assert erasure.erasure_of(session, elder.id).id == first.id and erasure.erasure_of(session, 99_999) is None


def test_the_job_waits_for_a_queued_reply_until_the_grace_or_the_deadline_whichever_comes_first(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-3")
        request = erasure.request_erasure(session, elder, by=elder, now=NOW, tz=SHANGHAI)
        request.due_at = NOW + timedelta(minutes=30)  # a deadline sooner than the hour's grace
        erasure.erase(session, request, now=NOW, rules=RULES)
        enqueue(session, key="reply:1", openid="demo-elder-3", kind="reply", text="已注销", now=NOW)
        elder_id = elder.id
    with session_scope(village.engine) as session:
        erasure.complete_pending(session, now=NOW + timedelta(minutes=29), rules=RULES)
        assert erasure.erasure_of(session, elder_id).status == erasure.PENDING_ERASURE
    with session_scope(village.engine) as session:
        erasure.complete_pending(session, now=NOW + timedelta(minutes=30), rules=RULES)
        row = erasure.erasure_of(session, elder_id)
        assert (row.status, row.completed_at, row.openid) == (erasure.DONE, NOW + timedelta(minutes=30), "")


def test_the_job_finishes_every_pending_erasure_and_sweeps_what_came_after_the_immediate_step(village):
    with session_scope(village.engine) as session:
        helper, elder = user(session, "demo-volunteer-1"), user(session, "demo-elder-2")
        claimed = claimed_by_volunteer(session, user(session, "demo-elder-1")).request
        claimed.dispatch_round, taken = 1, claimed.id
        session.add(claimed)
        waiting = erasure.request_erasure(session, user(session, "demo-elder-3"), by=elder, now=NOW)
        erasure.erase(session, waiting, now=NOW, rules=RULES)
        enqueue(session, key="reply:3", openid="demo-elder-3", kind="reply", text="已注销", now=NOW)
        for person in (helper, elder):  # recorded from the console: not erased yet
            erasure.request_erasure(session, person, by=user(session, "demo-admin"), now=NOW)
        swept = erasure.request_erasure(session, user(session, "demo-volunteer-2"), by=elder, now=NOW)
        erasure.erase(session, swept, now=NOW, rules=RULES)
        # Written for the old openid after the immediate step: a conversation and an audit row.
        conversation.save_state(session, "demo-volunteer-2", flow="help", step="x", data={}, now=NOW)
        audit(session, now=NOW, actor="demo-volunteer-2", action="help.ask")
        pseudonym, ids_ = swept.pseudonym, (helper.id, elder.id, waiting.user_id, swept.user_id)
    with session_scope(village.engine) as session:
        told = erasure.complete_pending(session, now=NOW + timedelta(minutes=5), rules=RULES)
        states = {i: erasure.erasure_of(session, i).status for i in ids_}
        assert states == {ids_[0]: erasure.DONE, ids_[1]: erasure.DONE, ids_[2]: erasure.PENDING_ERASURE,
                          ids_[3]: erasure.DONE}  # one waiting for its reply holds up no other
        assert session.get(hr.HelpRequest, taken).volunteer_id is None  # the volunteer's task went back
        assert conversation.load_state(session, "demo-volunteer-2") is None
        assert session.exec(select(AuditEntry).where(AuditEntry.actor == f"anon:{pseudonym}")).all()
        assert session.exec(select(AuditEntry).where(AuditEntry.actor == "demo-volunteer-2")).all() == []
    # Both people erased by the job are told about: the helper's household, and the elder's family/coordinators.
    assert {n.text_key for n in told} >= {"help_released", "privacy_erased_coordinator"}


def test_the_latest_erasure_request_of_a_person_is_the_one_shown(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-2")
        first = erasure.request_erasure(session, elder, by=elder, now=NOW)
        first.status = erasure.DONE
        session.add(first)
        session.flush()
        again = erasure.request_erasure(session, elder, by=elder, now=NOW + timedelta(days=1))
        assert again.id != first.id and erasure.erasure_of(session, elder.id).id == again.id


def test_an_export_lists_the_time_bank_lines_oldest_first(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        assert gifts.opening(session, elder, 30, key="t1", now=NOW)
        assert gifts.opening(session, elder, 15, key="t2", now=NOW + timedelta(days=1))
        lines = exporting.export_person(session, elder.id, NOW)["timebank"]
        for number in range(11):  # more than the chat's statement shows: the export holds them all
            assert gifts.opening(session, elder, 1, key=f"more-{number}", now=NOW + timedelta(days=2))
        assert len(exporting.export_person(session, elder.id, NOW)["timebank"]) == 13
        row = consent.record(session, elder.id, consent.PUBLICATION, granted=True, given_by=elder.id, now=NOW)
        consent.withdraw(session, row.id, elder.id, now=NOW + timedelta(days=3))
        assert exporting.export_person(session, elder.id, NOW)["consents"][-1]["withdrawn_at"] == (
            NOW + timedelta(days=3)).isoformat()
    assert lines == [{"at": NOW.isoformat(), "minutes": 30, "reason": "opening", "request": None, "category": "",
                      "with": ""},
                     {"at": (NOW + timedelta(days=1)).isoformat(), "minutes": 15, "reason": "opening", "request": None,
                      "category": "", "with": ""}]


def test_erasing_an_elder_calls_off_every_request_for_her_and_tells_each_helper(village):
    with session_scope(village.engine) as session:
        elder, son = user(session, "demo-elder-1"), user(session, "demo-family-1")
        own = claimed_by_volunteer(session, elder, key="own").request.id  # she asked; demo-volunteer-1 holds it
        # Her son asked for her, and another volunteer holds that one.
        for_her = claimed_by_volunteer(session, elder, volunteer="demo-volunteer-3", key="son").request
        for_her.requested_by_id = son.id
        session.add(for_her)
        session.flush()
        told = erasure.erase(session, erasure.request_erasure(session, elder, by=son, now=NOW), now=NOW, rules=RULES)
        for_her_id = for_her.id
        helpers = {openid: user(session, openid).id for openid in ("demo-volunteer-1", "demo-volunteer-3")}
    with Session(village.engine) as session:
        assert [session.get(hr.HelpRequest, i).status for i in (own, for_her_id)] == [hr.CANCELLED] * 2
        assert [session.get(hr.HelpRequest, i).details for i in (own, for_her_id)] == ["", ""]  # her details gone
    assert [(n.openid, n.key) for n in told if n.kind == "help_cancelled_volunteer"] == [
        ("demo-volunteer-1", f"cancelled:{own}:{helpers['demo-volunteer-1']}"),
        ("demo-volunteer-3", f"cancelled:{for_her_id}:{helpers['demo-volunteer-3']}")]


def test_an_erased_volunteer_holding_two_tasks_gives_both_back_and_both_households_hear(village):
    with session_scope(village.engine) as session:
        helper = user(session, "demo-volunteer-1")
        taken = []
        for number, openid in enumerate(("demo-elder-1", "demo-elder-2")):
            claimed = claimed_by_volunteer(session, user(session, openid), key=f"held-{number}").request
            claimed.dispatch_round = 1
            session.add(claimed)
            taken.append(claimed.id)
        session.flush()
        told = erasure.erase(session, erasure.request_erasure(session, helper, by=helper, now=NOW), now=NOW,
                             rules=RULES)
    with Session(village.engine) as session:
        assert [session.get(hr.HelpRequest, i).volunteer_id for i in taken] == [None, None]
    assert sorted({n.params["number"] for n in told if n.text_key == "help_released"}) == sorted(taken)


def test_the_job_renames_an_audit_row_written_after_the_immediate_step_to_the_pseudonym(village):
    with session_scope(village.engine) as session:
        swept = erasure.request_erasure(session, user(session, "demo-volunteer-2"), by=user(session, "demo-admin"),
                                        now=NOW)
        erasure.erase(session, swept, now=NOW, rules=RULES)
        audit(session, now=NOW, actor="demo-volunteer-2", action="help.ask", target="late")
        pseudonym = swept.pseudonym
    with session_scope(village.engine) as session:
        erasure.complete_pending(session, now=NOW + timedelta(minutes=5), rules=RULES)
        [late] = session.exec(select(AuditEntry).where(AuditEntry.target == "late")).all()
        assert late.actor == f"anon:{pseudonym}"


def test_an_export_shows_when_an_elder_was_verified_a_persons_own_enrolment_and_the_volunteers_hours(village):
    verified_at = NOW + timedelta(hours=3)
    with session_scope(village.engine) as session:
        other = user(session, "demo-elder-2")  # enrolled first, paused: none of elder 1's business
        session.add(CheckinEnrolment(elder_id=other.id, status="paused", prompt_minute=480, deadline_minute=540,
                                     enrolled_by_id=other.id, created_at=NOW - timedelta(days=1), updated_at=NOW))
        session.flush()
        elder, _, _ = _export_fixture(session)
        profile = membership.profile_of(session, elder)
        profile.verified_at = verified_at
        session.add(profile)
        record = volunteer_of(session, user(session, "demo-volunteer-1"))
        record.availability = ["sat_am", "sun_pm"]
        session.add(record)
        session.flush()
        data = exporting.export_person(session, elder.id, NOW)
        helper = exporting.export_person(session, user(session, "demo-volunteer-1").id, NOW)
        others = exporting.export_person(session, other.id, NOW)
    assert data["profile"]["elder"]["verified_at"] == verified_at.isoformat()
    assert data["checkins"][0] == {"day": "", "status": "enrolled:active", "checked_in_at": NOW.isoformat()}
    assert others["checkins"] == [
        {"day": "", "status": "enrolled:paused", "checked_in_at": (NOW - timedelta(days=1)).isoformat()},
        {"day": "2026-12-01", "status": "ok", "checked_in_at": NOW.isoformat()}]
    assert helper["profile"]["volunteer"]["availability"] == ["sat_am", "sun_pm"]


def test_the_export_of_someone_of_no_village_names_none(village):
    with session_scope(village.engine) as session:
        county = User(openid="county", name="县里", roles=",county_admin,", village_id=None, created_at=NOW,
                      updated_at=NOW)
        session.add(county)
        session.flush()
        profile = exporting.export_person(session, county.id, NOW)["profile"]
    assert profile == {"name": "县里", "phone": "", "roles": ["county_admin"], "village": "",
                       "registered_at": NOW.isoformat()}


def test_the_csv_numbers_every_item_of_a_nested_list(village):
    rows = list(csv.reader(io.StringIO(exporting.to_csv({"profile": {"elder": {"emergency_contacts": [
        {"name": "王建国", "phone": "13900000001"}, {"name": "王建华", "phone": "13900000002"}]}}, "bindings": [
        {"elder": "a"}, {"elder": "b"}]}))))
    assert rows[4:] == [["profile", "0", "elder.emergency_contacts.1.name", "王建国"],
                        ["profile", "0", "elder.emergency_contacts.1.phone", "13900000001"],
                        ["profile", "0", "elder.emergency_contacts.2.name", "王建华"],
                        ["profile", "0", "elder.emergency_contacts.2.phone", "13900000002"],
                        ["bindings", "1", "elder", "a"], ["bindings", "2", "elder", "b"]]


def test_a_partner_volunteer_needs_partner_sharing_whatever_else_the_elder_consented_to(village):
    with session_scope(village.engine) as session:
        elder = user(session, "demo-elder-1")
        clinic = user(session, "demo-volunteer-4")
        record = volunteer_of(session, clinic)
        record.partner_org = "卫生院"
        session.add(record)
        for purpose in (consent.SERVICE, consent.HEALTH_NOTES, consent.PUBLICATION):
            consent.record(session, elder.id, purpose, granted=True, given_by=elder.id, now=NOW)
        assert not sharing.may_share_with(session, elder, clinic)  # the service consent is not partner sharing
        assert sharing.may_share_with(session, elder, user(session, "demo-volunteer-1"))
        consent.record(session, elder.id, consent.PARTNER_SHARING, granted=True, given_by=elder.id, now=NOW)
        assert sharing.may_share_with(session, elder, clinic)
        consent.record(session, elder.id, consent.PARTNER_SHARING, granted=False, given_by=elder.id, now=NOW)
        assert not sharing.may_share_with(session, elder, clinic)  # a "no" after the grant, the others standing


def test_an_access_without_a_reference_or_by_a_cancelled_viewer_shows_neither_in_the_export(village):
    with session_scope(village.engine) as session:
        elder, admin = user(session, "demo-elder-1"), user(session, "demo-admin")
        helper, admin_name = user(session, "demo-volunteer-1"), admin.name
        # As the chat's verification list logs it: a coordinator, no reference, no console login.
        _log(session, elder.id, at=NOW, viewer_id=admin.id, viewer_role="admin", reason="coordinator_view")
        _log(session, elder.id, at=NOW + timedelta(minutes=1), viewer_id=helper.id, viewer_role="volunteer",
             reason="claim", ref="7")
        erasure.erase(session, erasure.request_erasure(session, helper, by=helper, now=NOW), now=NOW, rules=RULES)
        seen = exporting.export_person(session, elder.id, NOW + timedelta(hours=1))["accesses"]
    assert [(s["viewer"], s["role"], s["reason"], s["ref"]) for s in seen] == [
        ("", "volunteer", "claim", "7"),  # the volunteer cancelled their account: no name is left to show
        (admin_name, "admin", "coordinator_view", "")]
