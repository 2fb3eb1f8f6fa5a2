"""The coordinators' console in models/, with an explicit clock: logging in, sessions, long jobs, lost pushes.

A coordinator logs in with a one-time link or by scanning a QR code, works in a session that ends at logout or
when idle, follows long exports on a progress bar, and marks lost pushes as dealt with."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models.console import handled, jobs, logins
from models.core import outbox
from models.core.audit import AuditEntry
from models.people.users import User, Village

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
IDLE = timedelta(hours=2)


@pytest.fixture
def village(session) -> Village:
    village = Village(code="v1", name="一村", created_at=NOW)
    session.add(village)
    session.flush()
    return village


def person(session: Session, openid: str, roles: str = ",", village_id: int | None = None) -> User:
    user = User(openid=openid, name=f"name-{openid}", roles=roles, village_id=village_id, created_at=NOW,
                updated_at=NOW)
    session.add(user)
    session.flush()
    return user


# Login links and QR codes


def test_a_login_link_is_for_coordinators_and_works_once_within_ten_minutes(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    assert logins.issue_link(session, person(session, "v1", ",volunteer,"), now=NOW) == (logins.NOT_COORDINATOR, "")
    assert session.exec(select(logins.ConsoleLogin)).all() == []
    status, token = logins.issue_link(session, admin, now=NOW)
    assert status == logins.OK and len(token) >= 40
    row = session.exec(select(logins.ConsoleLogin)).one()
    assert (row.kind, row.secret_hash, row.user_id, row.expires_at) == (
        logins.LINK, logins.digest(token), admin.id, NOW + timedelta(minutes=10))
    assert logins.redeem(session, token, kind=logins.QR, now=NOW) == (logins.UNKNOWN, None)  # a link is no QR secret
    assert logins.redeem(session, token, kind=logins.LINK, now=NOW + timedelta(minutes=10, seconds=-1)) == (
        logins.OK, admin)
    assert logins.redeem(session, token, kind=logins.LINK, now=NOW + timedelta(minutes=10, seconds=-1)) == (
        logins.USED, None)


def test_a_link_used_at_its_expiry_is_expired(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    _, token = logins.issue_link(session, admin, now=NOW)
    assert logins.redeem(session, token, kind=logins.LINK, now=NOW + timedelta(minutes=10)) == (logins.EXPIRED, None)
    assert logins.redeem(session, "never-issued", kind=logins.LINK, now=NOW) == (logins.UNKNOWN, None)


def test_a_link_of_someone_no_longer_coordinating_opens_nothing(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    _, token = logins.issue_link(session, admin, now=NOW)
    admin.roles = ",volunteer,"
    session.flush()
    assert logins.redeem(session, token, kind=logins.LINK, now=NOW) == (logins.NOT_COORDINATOR, None)


def test_a_county_admin_may_log_in_too(session):
    county = person(session, "c1", ",county_admin,")
    status, token = logins.issue_link(session, county, now=NOW)
    assert status == logins.OK
    assert logins.redeem(session, token, kind=logins.LINK, now=NOW) == (logins.OK, county)


def test_a_qr_code_becomes_the_scanning_coordinators_login(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    scene, secret = logins.start_qr(session, now=NOW)
    assert scene.startswith("login_") and len(scene) > len("login_") + 20 and len(secret) >= 40
    row = session.exec(select(logins.ConsoleLogin)).one()
    assert (row.kind, row.secret_hash, row.scene, row.user_id, row.authenticated_at, row.expires_at) == (
        logins.QR, logins.digest(secret), scene, None, None, NOW + timedelta(minutes=5))
    # Not scanned yet: the page keeps polling.
    assert logins.redeem(session, secret, kind=logins.QR, now=NOW + timedelta(minutes=1)) == (logins.UNKNOWN, None)
    volunteer = person(session, "v1", ",volunteer,", village.id)
    assert logins.mark_scanned(session, scene, volunteer, now=NOW) == logins.NOT_COORDINATOR
    scanned = NOW + timedelta(minutes=5, seconds=-1)
    assert logins.mark_scanned(session, scene, admin, now=scanned) == logins.OK
    row = session.exec(select(logins.ConsoleLogin)).one()
    assert (row.user_id, row.authenticated_at) == (admin.id, scanned)
    other = person(session, "a2", ",admin,", village.id)
    assert logins.mark_scanned(session, scene, other, now=scanned) == logins.USED  # the code is taken
    assert logins.redeem(session, secret, kind=logins.LINK, now=scanned) == (logins.UNKNOWN, None)
    assert logins.redeem(session, secret, kind=logins.QR, now=scanned) == (logins.OK, admin)
    assert logins.redeem(session, secret, kind=logins.QR, now=scanned) == (logins.USED, None)


def test_a_qr_code_scanned_or_redeemed_at_its_expiry_is_expired(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    scene, secret = logins.start_qr(session, now=NOW)
    assert logins.mark_scanned(session, scene, admin, now=NOW + timedelta(minutes=5)) == logins.EXPIRED
    assert logins.redeem(session, secret, kind=logins.QR, now=NOW + timedelta(minutes=5)) == (logins.EXPIRED, None)
    assert logins.mark_scanned(session, "login_unknown", admin, now=NOW) == logins.UNKNOWN
    scene, secret = logins.start_qr(session, now=NOW)
    logins.mark_scanned(session, scene, admin, now=NOW + timedelta(minutes=4))
    assert logins.redeem(session, secret, kind=logins.QR, now=NOW + timedelta(minutes=5)) == (logins.EXPIRED, None)


# Sessions


def test_a_session_lives_while_used_and_ends_when_idle_to_the_second(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    opened = logins.open_session(session, admin, now=NOW)
    assert opened.token != opened.csrf_token and len(opened.csrf_token) >= 40
    row = session.exec(select(logins.ConsoleSession)).one()
    assert (row.token_hash, row.user_id, row.csrf_token, row.created_at, row.last_seen_at, row.ended_at) == (
        logins.digest(opened.token), admin.id, opened.csrf_token, NOW, NOW, None)
    later = NOW + IDLE - timedelta(seconds=1)
    live, user = logins.resume_session(session, opened.token, now=later, idle=IDLE)
    assert user == admin and live.last_seen_at == later  # each request restarts the idle clock
    assert logins.resume_session(session, opened.token, now=later + IDLE - timedelta(seconds=1), idle=IDLE)
    last = later + IDLE - timedelta(seconds=1)
    assert logins.resume_session(session, opened.token, now=last + IDLE, idle=IDLE) is None
    assert logins.resume_session(session, "unknown", now=NOW, idle=IDLE) is None


def test_logout_ends_the_session_at_once_and_once(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    opened, other = logins.open_session(session, admin, now=NOW), logins.open_session(session, admin, now=NOW)
    assert logins.end_session(session, opened.token, now=NOW + timedelta(minutes=1))
    assert not logins.end_session(session, opened.token, now=NOW + timedelta(minutes=2))
    assert logins.resume_session(session, opened.token, now=NOW + timedelta(minutes=1), idle=IDLE) is None
    assert logins.resume_session(session, other.token, now=NOW + timedelta(minutes=1), idle=IDLE) is not None
    session.expire_all()
    ended = session.exec(select(logins.ConsoleSession).where(
        logins.ConsoleSession.token_hash == logins.digest(opened.token))).one()
    assert ended.ended_at == NOW + timedelta(minutes=1)


def test_a_session_stops_when_its_person_stops_coordinating(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    opened = logins.open_session(session, admin, now=NOW)
    admin.roles = ",family,"
    session.flush()
    assert logins.resume_session(session, opened.token, now=NOW, idle=IDLE) is None


def test_old_login_attempts_and_sessions_are_purged(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    start = NOW - timedelta(days=31)
    logins.issue_link(session, admin, now=start)  # expires 30 days 23:50 ago: gone
    logins.start_qr(session, now=NOW - timedelta(days=30, minutes=5))  # expires exactly 30 days ago: kept
    ended = logins.open_session(session, admin, now=start)
    logins.end_session(session, ended.token, now=start)
    idle = logins.open_session(session, admin, now=start)  # never ended, last seen 31 days ago: gone
    kept = logins.open_session(session, admin, now=NOW - timedelta(days=30))
    recent = logins.open_session(session, admin, now=start)
    logins.resume_session(session, recent.token, now=NOW - timedelta(days=30, seconds=-1), idle=timedelta(days=5))
    assert logins.purge(session, now=NOW) == 3
    left = {row.token_hash for row in session.exec(select(logins.ConsoleSession))}
    assert left == {logins.digest(kept.token), logins.digest(recent.token)}
    assert logins.digest(idle.token) not in left
    assert [row.kind for row in session.exec(select(logins.ConsoleLogin))] == [logins.QR]
    assert logins.purge(session, now=NOW, keep=timedelta(days=1)) == 3


def test_a_session_ended_exactly_at_the_cutoff_is_kept(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    cutoff = NOW - timedelta(days=30)
    opened = logins.open_session(session, admin, now=cutoff)
    logins.end_session(session, opened.token, now=cutoff)
    assert logins.purge(session, now=NOW) == 0
    assert logins.purge(session, now=NOW + timedelta(seconds=1)) == 1


# Long jobs


def test_a_job_shows_its_progress_to_its_owner_only(session, village):
    admin, other = person(session, "a1", ",admin,", village.id), person(session, "a2", ",admin,", village.id)
    job = jobs.start(session, admin.id, "export", subject="s" * 70, total=200, now=NOW)
    assert (job.status, job.subject, job.done, job.total, job.created_at, job.updated_at) == (
        jobs.RUNNING, "s" * 64, 0, 200, NOW, NOW)
    assert len(job.token) == 43  # unguessable, and it fits its column (PostgreSQL would refuse a longer one)
    assert jobs.owned(session, job.token, admin.id) == job
    assert jobs.owned(session, job.token, other.id) is None
    assert jobs.percent(job) == 0
    assert jobs.advance(session, job.token, 50, now=NOW + timedelta(seconds=5))
    session.refresh(job)
    assert (job.done, job.total, job.updated_at, jobs.percent(job)) == (50, 200, NOW + timedelta(seconds=5), 25)
    assert jobs.advance(session, job.token, 199, total=199, now=NOW)
    session.refresh(job)
    assert (job.done, job.total, jobs.percent(job)) == (199, 199, 99)  # 100 only when done
    assert jobs.advance(session, job.token, -3, total=-1, now=NOW)
    session.refresh(job)
    assert (job.done, job.total, jobs.percent(job)) == (0, 0, 0)
    assert jobs.start(session, admin.id, "export", total=-5, now=NOW).total == 0


def test_two_jobs_of_one_coordinator_each_keep_their_own_progress(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    first = jobs.start(session, admin.id, "export", total=3, now=NOW)
    second = jobs.start(session, admin.id, "export", total=3, now=NOW)
    assert jobs.advance(session, second.token, 2, now=NOW)
    assert jobs.owned(session, second.token, admin.id) == second
    session.refresh(first)
    session.refresh(second)
    assert (first.done, jobs.percent(first)) == (0, 0)
    assert (second.done, jobs.percent(second)) == (2, 66)  # two thirds, in whole percent
    jobs.advance(session, first.token, 1, now=NOW)
    session.refresh(first)
    assert jobs.percent(first) == 33


def test_a_finished_export_keeps_its_file_and_counts_as_complete(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    job = jobs.start(session, admin.id, "export", total=10, now=NOW)
    jobs.advance(session, job.token, 4, now=NOW)
    assert jobs.finish(session, job.token, now=NOW + timedelta(minutes=1), filename="f" * 130 + ".csv",
                       result=b"id,name\n")
    session.refresh(job)
    assert (job.status, job.done, job.filename, job.result, job.updated_at, jobs.percent(job)) == (
        jobs.DONE, 10, "f" * 120, b"id,name\n", NOW + timedelta(minutes=1), 100)
    assert not jobs.finish(session, job.token, now=NOW)
    assert not jobs.advance(session, job.token, 5, now=NOW)
    assert not jobs.fail(session, job.token, "late", now=NOW)
    # A job that did more than it expected keeps its count.
    over = jobs.start(session, admin.id, "export", total=3, now=NOW)
    jobs.advance(session, over.token, 5, now=NOW)
    jobs.finish(session, over.token, now=NOW)
    session.refresh(over)
    assert over.done == 5


def test_a_failed_job_says_why(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    job = jobs.start(session, admin.id, "broadcast", subject="broadcast:12", now=NOW)
    assert jobs.fail(session, job.token, "e" * 250, now=NOW + timedelta(minutes=1))
    session.refresh(job)
    assert (job.status, job.error, job.updated_at) == (jobs.FAILED, "e" * 200, NOW + timedelta(minutes=1))
    assert not jobs.fail(session, job.token, "again", now=NOW)
    assert not jobs.finish(session, job.token, now=NOW)


def test_finished_jobs_are_dropped_two_hours_after_their_last_change(session, village):
    admin = person(session, "a1", ",admin,", village.id)
    running = jobs.start(session, admin.id, "export", now=NOW - timedelta(days=1))
    done, recent, failed = (jobs.start(session, admin.id, "export", now=NOW) for _ in range(3))
    jobs.finish(session, done.token, now=NOW - timedelta(hours=2, seconds=1))
    jobs.finish(session, recent.token, now=NOW - timedelta(hours=2))
    jobs.fail(session, failed.token, "x", now=NOW - timedelta(hours=3))
    assert jobs.purge(session, now=NOW) == 2
    session.expire_all()
    assert {job.token for job in session.exec(select(jobs.ConsoleJob))} == {running.token, recent.token}


# Lost pushes


def _push(session: Session, n: int, openid: str, status: str) -> int:
    outbox.enqueue(session, key=f"k{n}", openid=openid, kind="help", text=f"text {n}", now=NOW, status=status)
    return session.exec(select(outbox.OutboxMessage).where(outbox.OutboxMessage.key == f"k{n}")).one().id


def test_lost_pushes_to_a_coordinators_people_until_handled(session, village):
    elsewhere = Village(code="v2", name="二村", created_at=NOW)
    session.add(elsewhere)
    session.flush()
    admin = person(session, "a1", ",admin,", village.id)
    mine, theirs = person(session, "e1", ",elder,", village.id), person(session, "e2", ",elder,", elsewhere.id)
    failed = _push(session, 1, mine.openid, outbox.FAILED)
    _push(session, 2, mine.openid, outbox.SENT)
    _push(session, 3, theirs.openid, outbox.UNDELIVERABLE)
    uncertain = _push(session, 4, mine.openid, outbox.UNCERTAIN)
    stranger = _push(session, 5, "gone", outbox.UNDELIVERABLE)
    undeliverable = _push(session, 6, mine.openid, outbox.UNDELIVERABLE)
    _push(session, 7, mine.openid, outbox.PENDING)
    lost = handled.lost_for(session, admin)
    assert [(row.id, who) for row, who in lost] == [(undeliverable, mine), (uncertain, mine), (failed, mine)]
    assert [row.id for row, _ in handled.lost_for(session, admin, limit=2)] == [undeliverable, uncertain]
    county = person(session, "c1", ",county_admin,")
    assert [(row.id, who is None) for row, who in handled.lost_for(session, county)][:2] == [
        (undeliverable, False), (stranger, True)]
    assert len(handled.lost_for(session, county)) == 5

    later = NOW + timedelta(hours=1)
    assert handled.mark_handled(session, admin, uncertain, now=later)
    assert [row.id for row, _ in handled.lost_for(session, admin)] == [undeliverable, failed]
    assert not handled.mark_handled(session, admin, uncertain, now=later)  # once
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.handled")).one()
    assert (entry.at, entry.actor, entry.target, entry.detail) == (later, "a1", str(uncertain), {"status": "uncertain"})


def test_only_a_lost_push_in_reach_can_be_marked_handled(session, village):
    elsewhere = Village(code="v2", name="二村", created_at=NOW)
    session.add(elsewhere)
    session.flush()
    admin, county = person(session, "a1", ",admin,", village.id), person(session, "c1", ",county_admin,")
    mine, theirs = person(session, "e1", ",elder,", village.id), person(session, "e2", ",elder,", elsewhere.id)
    sent = _push(session, 1, mine.openid, outbox.SENT)
    other = _push(session, 2, theirs.openid, outbox.FAILED)
    stranger = _push(session, 3, "gone", outbox.FAILED)
    assert not handled.mark_handled(session, admin, sent, now=NOW)
    assert not handled.mark_handled(session, admin, other, now=NOW)
    assert not handled.mark_handled(session, admin, stranger, now=NOW)
    assert not handled.mark_handled(session, admin, 999, now=NOW)
    assert handled.mark_handled(session, county, stranger, now=NOW)
    assert handled.mark_handled(session, county, other, now=NOW)
    assert handled.reaches(county, None) and not handled.reaches(admin, None)



def test_two_coordinators_logging_in_at_once_each_get_their_own_session(session, village):
    first, second = person(session, "a1", ",admin,", village.id), person(session, "a2", ",admin,", village.id)
    _, token1 = logins.issue_link(session, first, now=NOW)
    _, token2 = logins.issue_link(session, second, now=NOW)
    assert logins.redeem(session, token2, kind=logins.LINK, now=NOW) == (logins.OK, second)
    assert logins.redeem(session, token1, kind=logins.LINK, now=NOW) == (logins.OK, first)
