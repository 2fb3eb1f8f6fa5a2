"""Notices in models/ with an explicit clock and no app: what a notice may say and to whom, who may manage it,
the weekly digest and its success stories, and following a broadcast after planning (batches, outbox outcomes,
WeChat's job events, the villagers' list)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.db import make_engine
from models.core import outbox
from models.core.audit import AuditEntry
from models.help import requests as hr
from models.notices import digest, plan, track
from models.notices.broadcasts import (
    SYSTEM,
    AudienceTag,
    Broadcast,
    Content,
    Limits,
    MassBatch,
    NoticeDelivery,
    NoticeError,
    NoticeOptOut,
    SuccessStory,
    check_audience,
    check_content,
    compose,
    domain_allowed,
    get_for,
    opt_in,
    opt_out,
    village_name,
    village_scope,
)
from models.people.users import User, Village
from models.privacy import consent, publication

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SECOND = timedelta(seconds=1)
LIMITS = Limits(max_text=40, max_title=4, allowed_domains=("gov.cn", ".Example.org"))
WORDING = publication.Wording("一位老人", ("奶奶",))


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


@pytest.fixture
def town(session) -> dict:
    """Two villages; east has a coordinator, an elder and her son; a county admin of no village."""
    east = Village(code="east", name="东村", created_at=NOW)
    west = Village(code="west", name="西村", created_at=NOW)
    session.add_all([east, west])
    session.flush()
    people = {
        "admin": User(openid="admin", roles=",admin,", village_id=east.id),
        "west-admin": User(openid="west-admin", roles=",admin,", village_id=west.id),
        "county": User(openid="county", roles=",county_admin,"),
        "elder": User(openid="elder", name="王秀英", roles=",elder,", village_id=east.id),
        "son": User(openid="son", roles=",family,", village_id=east.id),
        "stray-admin": User(openid="stray-admin", roles=",admin,"),
    }
    for user in people.values():
        user.created_at = user.updated_at = NOW
    session.add_all(people.values())
    session.flush()
    return {"east": east, "west": west, **people}


def _compose(session, actor, body="通知", *, village_id=None, audience="all", send_at=NOW, urgent=False,
             title="", now=NOW) -> Broadcast:
    return compose(session, actor, Content(body=body, title=title), audience=audience, village_id=village_id,
                   send_at=send_at, urgent=urgent, limits=Limits(), now=now)


# --- what a notice may say -----------------------------------------------------------------------------------

@pytest.mark.parametrize("content, problem", [
    (Content(body=" \n "), "notices_err_empty"),
    (Content(body="一" * 40), None),
    (Content(body="一" * 41), "notices_err_too_long"),
    (Content(body="讲座", title="健康讲座"), None),
    (Content(body="讲座", title="健康讲座啊"), "notices_err_title_too_long"),
    (Content(body="看https://gov.cn/a，"), None),
    (Content(body="看http://www.gov.cn/a"), None),
    (Content(body="看 https://news.example.org/a"), None),
    (Content(body="看 https://notgov.cn/a"), "notices_err_domain"),
    (Content(body="看 https://gov.cn.evil.com/a"), "notices_err_domain"),
    (Content(body="讲座", title="讲座", url="https://gov.cn/1"), None),
    (Content(body="讲座", title="讲座", url="https://evil.com/1"), "notices_err_domain"),
    (Content(body="讲座", title="讲座", cover_url="https://evil.com/1.jpg"), "notices_err_domain"),
])
def test_what_a_notice_may_say(content, problem):
    assert check_content(content, LIMITS) == problem


def test_a_link_must_be_web_on_an_allowed_domain():
    assert domain_allowed(" HTTPS://WWW.GOV.CN/a ", ("gov.cn",))
    assert not domain_allowed("ftp://gov.cn/a", ("gov.cn",))
    assert not domain_allowed("https:///a", ("gov.cn",))
    assert not domain_allowed("https://gov.cn/a", ())
    assert Content(body="x").kind == "text" and Content(body="x", title="t").kind == "news"


def test_who_may_address_which_village(town):
    east, west = town["east"].id, town["west"].id
    assert village_scope(town["county"], None) is None
    assert village_scope(town["county"], west) == west
    assert village_scope(town["admin"], None) == east
    assert village_scope(town["admin"], east) == east
    for actor, village, code in ((town["admin"], west, "notices_err_other_village"),
                                 (town["elder"], east, "notices_err_not_admin"),
                                 (town["stray-admin"], None, "notices_err_not_admin")):
        with pytest.raises(NoticeError) as refused:
            village_scope(actor, village)
        assert refused.value.code == code


def test_an_audience_is_everyone_a_role_the_check_in_or_a_known_tag(session):
    session.add(AudienceTag(tag="党员", openid="elder"))
    session.flush()
    for audience in ("all", "role:elder", "role:family", "role:volunteer", "checkin:elder", "checkin:family",
                     "tag:党员"):
        assert check_audience(session, audience) == audience
    for audience in ("role:admin", "checkin:volunteer", "tag:低保户", "tag:", "党员", "village:east"):
        with pytest.raises(NoticeError) as refused:
            check_audience(session, audience)
        assert (refused.value.code, refused.value.params) == ("notices_err_audience", {"audience": audience})


def test_a_composed_notice_is_due_when_asked_never_in_the_past_and_audited(session, town):
    later = NOW + timedelta(hours=3)
    row = compose(session, town["admin"], Content(body="讲座", title="健康", url="https://gov.cn/1",
                                                   cover_url="https://gov.cn/1.jpg"),
                  audience="role:elder", village_id=None, send_at=later, urgent=True,
                  limits=Limits(allowed_domains=("gov.cn",)), now=NOW)
    assert (row.village_id, row.author_openid, row.kind, row.title, row.body, row.url, row.cover_url) == (
        town["east"].id, "admin", "news", "健康", "讲座", "https://gov.cn/1", "https://gov.cn/1.jpg")
    assert (row.audience, row.urgent, row.send_at, row.created_at, row.status) == ("role:elder", True, later, NOW,
                                                                                   "scheduled")
    past = _compose(session, town["county"], send_at=NOW - timedelta(hours=1))
    assert past.send_at == NOW and past.village_id is None and past.urgent is False
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action, e.target, e.detail) for e in entries] == [
        ("admin", "notice.compose", str(row.id), {"audience": "role:elder", "village_id": town["east"].id,
                                                  "send_at": later.isoformat()}),
        ("county", "notice.compose", str(past.id), {"audience": "all", "village_id": None,
                                                    "send_at": NOW.isoformat()})]


def test_a_notice_breaking_a_rule_is_not_created(session, town):
    with pytest.raises(NoticeError) as refused:
        compose(session, town["admin"], Content(body="x" * 41), audience="all", village_id=None, send_at=NOW,
                urgent=False, limits=LIMITS, now=NOW)
    assert (refused.value.code, refused.value.params) == ("notices_err_too_long", {"limit": 40})
    with pytest.raises(NoticeError):
        _compose(session, town["admin"], audience="tag:nobody")
    assert session.exec(select(Broadcast)).all() == []


def test_a_coordinator_manages_their_villages_notices_a_county_admin_any(session, town):
    east = _compose(session, town["admin"])
    county_wide = _compose(session, town["county"])
    assert get_for(session, town["admin"], east.id) is east
    assert get_for(session, town["county"], east.id) is east
    assert get_for(session, town["county"], county_wide.id) is county_wide
    for actor, number in ((town["west-admin"], east.id), (town["admin"], county_wide.id),
                          (town["stray-admin"], county_wide.id), (town["elder"], east.id)):
        with pytest.raises(NoticeError) as refused:
            get_for(session, actor, number)
        assert refused.value.code == "notices_err_other_village"
    with pytest.raises(NoticeError) as missing:
        get_for(session, town["county"], 999)
    assert (missing.value.code, missing.value.params) == ("notices_err_no_such", {"number": 999})
    assert village_name(session, town["east"].id) == "东村"
    assert village_name(session, None) == "" and village_name(session, 999) == ""


def test_a_villager_opts_out_of_the_digest_and_back_in(session):
    assert opt_out(session, "elder", "digest", now=NOW)
    assert not opt_out(session, "elder", "digest", now=NOW + SECOND)
    session.flush()
    assert session.get(NoticeOptOut, ("elder", "digest")).created_at == NOW
    assert not opt_in(session, "elder", "other")
    assert opt_in(session, "elder", "digest")
    session.flush()
    assert not opt_in(session, "elder", "digest")
    assert session.get(NoticeOptOut, ("elder", "digest")) is None


# --- the weekly digest and its stories -------------------------------------------------------------------------

def _request(session, town, *, status=hr.CONFIRMED, rating=5, village="east") -> str:
    row = hr.HelpRequest(source_key=f"s{session.exec(select(hr.HelpRequest)).all().__len__()}",
                         elder_id=town["elder"].id, requested_by_id=town["elder"].id, village_id=town[village].id,
                         category="chat", window_start=NOW, window_end=NOW, status=status, rating=rating,
                         created_at=NOW, updated_at=NOW)
    session.add(row)
    session.flush()
    return str(row.id)


def test_a_story_comes_from_a_finished_request_rated_four_or_more(session, town):
    assert digest.story_worthy(session, _request(session, town, status=hr.DONE, rating=4))
    assert digest.story_worthy(session, _request(session, town, status=hr.CONFIRMED, rating=5))
    assert not digest.story_worthy(session, _request(session, town, rating=3))
    assert not digest.story_worthy(session, _request(session, town, rating=None))
    assert not digest.story_worthy(session, _request(session, town, status=hr.OPEN))
    assert not digest.story_worthy(session, "999")
    assert not digest.story_worthy(session, "#1")


def test_marking_a_story_records_the_elders_consent_the_coordinator_reports(session, town):
    ref = _request(session, town)
    story = digest.mark_story(session, town["admin"], request_ref=ref, text="  王秀英的水管修好了  " + "好" * 300,
                              elder_consent=True, now=NOW)
    assert (story.village_id, story.request_ref, story.marked_by, story.created_at) == (town["east"].id, ref, "admin",
                                                                                          NOW)
    assert story.text == ("王秀英的水管修好了  " + "好" * 300)[:300] and story.elder_consent is True
    [given] = [c for c in consent.history(session, town["elder"].id) if c.purpose == consent.PUBLICATION]
    assert (given.granted, given.given_by_user_id, given.relationship, given.text_version) == (
        True, town["admin"].id, publication.VIA_COORDINATOR, publication.STORY_TEXT_VERSION)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "notice.story")).one()
    assert (entry.actor, entry.target, entry.detail) == ("admin", str(story.id), {"request": ref})


def test_an_elder_who_declined_is_not_named_whatever_the_coordinator_says(session, town):
    consent.record(session, town["elder"].id, consent.PUBLICATION, granted=False, given_by=town["elder"].id, now=NOW)
    story = digest.mark_story(session, town["admin"], request_ref=_request(session, town), text="王秀英",
                              elder_consent=True, now=NOW)
    assert story.elder_consent is False
    assert [c.granted for c in consent.history(session, town["elder"].id)] == [False]
    unasked = digest.mark_story(session, town["admin"], request_ref=_request(session, town), text="王秀英",
                                elder_consent=False, now=NOW)
    assert unasked.elder_consent is False


def test_a_county_admin_of_a_village_marks_stories_for_that_village(session, town):
    town["county"].village_id = town["west"].id
    story = digest.mark_story(session, town["county"], request_ref=_request(session, town, village="west"), text="x",
                              elder_consent=False, now=NOW)
    assert story.village_id == town["west"].id


def test_a_story_needs_a_village_and_a_worthy_request(session, town):
    with pytest.raises(NoticeError) as refused:
        digest.mark_story(session, town["county"], request_ref=_request(session, town), text="x",
                          elder_consent=False, now=NOW)
    assert refused.value.code == "notices_err_story_village"
    with pytest.raises(NoticeError) as refused:
        digest.mark_story(session, town["admin"], request_ref="999", text="x", elder_consent=False, now=NOW)
    assert (refused.value.code, refused.value.params) == ("notices_story_check_failed", {"request": "999"})


def _story(session, town, text="王秀英奶奶家的水管修好了", *, village="east", ref=None, featured=None) -> SuccessStory:
    story = SuccessStory(village_id=town[village].id, request_ref=ref or _request(session, town), text=text,
                         elder_consent=False, marked_by="admin", created_at=NOW, featured_at=featured)
    session.add(story)
    session.flush()
    return story


def test_the_digest_features_the_oldest_story_not_yet_told_in_its_village(session, town):
    west = _story(session, town, village="west")
    _story(session, town, featured=NOW)
    first = _story(session, town)
    _story(session, town)
    assert digest.next_story(session, town["east"].id) is first
    assert digest.next_story(session, town["west"].id) is west


def test_a_story_as_the_village_reads_it(session, town):
    story = _story(session, town, "王秀英奶奶家的水管修好了，电话13800001111")
    shown = digest.public(session, story, WORDING)
    assert shown.text == "一位老人家的水管修好了，电话***" and shown.id == story.id
    assert story.text.endswith("13800001111")  # the stored story is unchanged
    consent.record(session, town["elder"].id, consent.PUBLICATION, granted=True, given_by=town["elder"].id, now=NOW)
    assert digest.public(session, story, WORDING).text == "王秀英奶奶家的水管修好了，电话***"
    assert digest.public(session, None, WORDING) is None


def _facts(calls):
    def provider(session, village_id, start, end):
        calls.append((village_id, start, end))
        return digest.WeekFacts(requests_served=len(session.exec(select(hr.HelpRequest)).all()))
    return provider


def test_the_weekly_digest_is_composed_once_a_week_and_tells_a_story(session, town):
    story = _story(session, town)
    calls, told = [], []

    def render(village, facts, shown):
        told.append((village.name, facts.requests_served, shown.text if shown else None))
        return "周报" * 600

    row = digest.compose_digest(session, town["east"], provider=_facts(calls), render=render, wording=WORDING,
                                now=NOW)
    assert calls == [(town["east"].id, NOW - timedelta(days=7), NOW)]
    assert told == [("东村", 1, "一位老人家的水管修好了")]
    assert (row.village_id, row.author_openid, row.audience, row.use_mass, row.topic, row.send_at, row.created_at) == (
        town["east"].id, SYSTEM, "all", False, "digest", NOW, NOW)
    assert row.body == ("周报" * 600)[:1000] and row.id is not None
    assert story.featured_at == NOW and digest.next_story(session, town["east"].id) is None
    for later in (NOW + SECOND, NOW + timedelta(days=6)):
        assert digest.compose_digest(session, town["east"], provider=_facts(calls), render=render, wording=WORDING,
                                     now=later) is None
    assert digest.compose_digest(session, town["west"], provider=_facts(calls), render=render, wording=WORDING,
                                 now=NOW) is not None
    next_week = digest.compose_digest(session, town["east"], provider=_facts(calls), render=render, wording=WORDING,
                                      now=NOW + timedelta(days=6, seconds=1))
    assert next_week is not None and told[-1][2] is None
    assert [v.code for v in digest.villages(session)] == ["east", "west"]


def test_a_notice_of_a_coordinator_is_not_a_digest(session, town):
    _compose(session, town["admin"])
    assert not digest.already_sent(session, town["east"].id, now=NOW)


# --- planning: when, to whom, on which channel ------------------------------------------------------------------

def _beijing(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=plan.BEIJING)


def test_quiet_hours_run_from_nine_in_the_evening_to_seven_in_the_morning():
    rules = plan.PlanRules()
    quiet = {moment: plan.in_quiet_hours(moment, rules) for moment in (
        _beijing(1, 20, 59, 59), _beijing(1, 21), _beijing(2, 6, 59, 59), _beijing(2, 7))}
    assert list(quiet.values()) == [False, True, True, False]
    assert plan.quiet_until(_beijing(1, 20, 59, 59), rules) is None
    assert plan.quiet_until(_beijing(1, 22), rules) == _beijing(2, 7).astimezone(UTC)
    assert plan.quiet_until(_beijing(2, 3), rules) == _beijing(2, 7).astimezone(UTC)
    assert plan.quiet_until(_beijing(2, 3), rules).tzinfo == UTC


def test_a_quiet_window_within_one_day():
    from datetime import time
    rules = plan.PlanRules(quiet_start=time(12, 0), quiet_end=time(14, 0))
    assert [plan.in_quiet_hours(_beijing(1, h, m), rules) for h, m in ((11, 59), (12, 0), (13, 59), (14, 0))] == [
        False, True, True, False]
    assert plan.quiet_until(_beijing(1, 13), rules) == _beijing(1, 14).astimezone(UTC)


def test_quiet_hours_starting_and_ending_at_the_same_time_are_none(session, town):
    from datetime import time
    rules = plan.PlanRules(quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert not any(plan.in_quiet_hours(_beijing(1, h), rules) for h in (0, 7, 12, 23))
    night = _beijing(1, 23)
    b = _compose(session, town["admin"], now=night, send_at=night)
    assert not plan.defer_if_quiet(b, rules, now=night) and b.send_at == night  # it was deferred day after day


def test_mass_messages_are_counted_in_the_beijing_month():
    assert plan.mass_month(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-12"
    assert plan.mass_month(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-11"


def test_broadcasts_due_for_planning_soonest_first(session, town):
    late = _compose(session, town["admin"], send_at=NOW + timedelta(hours=1))
    now_1 = _compose(session, town["admin"])
    now_2 = _compose(session, town["admin"])
    planning = _compose(session, town["admin"])
    planning.status, planning.send_at = "planning", NOW - timedelta(hours=1)
    for status in ("sending", "done", "cancelled", "rejected"):
        _compose(session, town["admin"]).status = status
    session.flush()
    assert plan.due(session, now=NOW) == [planning.id, now_1.id, now_2.id]
    assert plan.due(session, now=NOW + timedelta(hours=1))[-1] == late.id


def _everyone(session, town) -> None:
    """Subscribed followers of both villages, with roles, tags, a check-in and an opt-out."""
    from models.checkin.rules import CheckinEnrolment
    from models.people.users import FamilyLink
    extra = [User(openid="west-elder", roles=",elder,", village_id=town["west"].id),
             User(openid="elder-2", roles=",elder,", village_id=town["east"].id),
             User(openid="elder-3", roles=",elder,", village_id=town["east"].id),
             User(openid="daughter", roles=",family,", village_id=town["east"].id),
             User(openid="volunteer", roles=",volunteer,", village_id=town["east"].id)]
    for user in extra:
        user.created_at = user.updated_at = NOW
    session.add_all(extra)
    session.flush()
    ids = {u.openid: u.id for u in session.exec(select(User))}
    for elder, status in (("elder", "active"), ("elder-2", "paused"), ("elder-3", "closed")):
        session.add(CheckinEnrolment(elder_id=ids[elder], status=status, prompt_minute=510, deadline_minute=600,
                                     enrolled_by_id=ids["admin"], created_at=NOW, updated_at=NOW))
    session.add_all([FamilyLink(elder_id=ids["elder"], family_id=ids["son"], created_at=NOW),
                     FamilyLink(elder_id=ids["elder-3"], family_id=ids["daughter"], created_at=NOW),
                     AudienceTag(tag="党员", openid="elder-2"), AudienceTag(tag="党员", openid="west-elder"),
                     AudienceTag(tag="其他", openid="elder"),
                     NoticeOptOut(openid="elder-2", topic="digest", created_at=NOW)])
    session.flush()


def _audience(session, b: Broadcast, after: int | None = None) -> list[str]:
    query = plan.recipients_query(b) if after is None else plan.recipients_query(b, after)
    return [row.openid for row in session.execute(query)]


def test_who_a_broadcast_addresses(session, town):
    _everyone(session, town)
    east = town["east"].id
    every_east = ["admin", "elder", "son", "elder-2", "elder-3", "daughter", "volunteer"]
    assert _audience(session, Broadcast(village_id=east, audience="all")) == every_east
    assert _audience(session, Broadcast(village_id=None, audience="all")) == [
        "admin", "west-admin", "elder", "son", "west-elder", "elder-2", "elder-3", "daughter", "volunteer"]
    assert _audience(session, Broadcast(village_id=east, audience="role:elder")) == ["elder", "elder-2", "elder-3"]
    assert _audience(session, Broadcast(village_id=east, audience="checkin:elder")) == ["elder", "elder-2"]
    assert _audience(session, Broadcast(village_id=east, audience="checkin:family")) == ["son"]
    assert _audience(session, Broadcast(village_id=east, audience="tag:党员")) == ["elder-2"]
    assert _audience(session, Broadcast(village_id=east, audience="all", topic="digest")) == [
        o for o in every_east if o != "elder-2"]
    after_son = session.exec(select(User.id).where(User.openid == "son")).one()
    assert _audience(session, Broadcast(village_id=east, audience="all"), after_son) == every_east[3:]


def _window(openid: str, *, used: int = 0) -> plan.ServiceWindow:
    return plan.ServiceWindow(openid=openid, message_at=NOW, message_used=used)


def test_each_recipient_gets_a_channel_or_a_reason(session):
    from types import SimpleNamespace
    people = [SimpleNamespace(openid=o, subscribed=o != "gone") for o in ("gone", "open", "reserve", "mass", "spent")]
    wins = {"open": _window("open", used=2), "reserve": _window("reserve", used=3)}
    used = {"mass": 3, "spent": 4}
    b = Broadcast(body="x", use_mass=True)
    rules = plan.PlanRules(reserve=2)
    channels = [(p.openid, c, s, r) for p, c, s, r in plan.classify(people, wins, used, b, rules, NOW)]
    assert channels == [("gone", "none", "skipped", "unsubscribed"), ("open", "custom", "pending", ""),
                        ("reserve", "mass", "pending", ""), ("mass", "mass", "pending", ""),
                        ("spent", "mass", "skipped", "mass_quota")]
    templated = plan.classify(people[2:], wins, used, b, plan.PlanRules(reserve=2, has_template=True), NOW)
    assert [c for _, c, _, _ in templated] == ["template"] * 3
    first_of_the_month = plan.classify(people[3:], wins, {}, b, plan.PlanRules(mass_per_month=1), NOW)
    assert [(c, s) for _, c, s, _ in first_of_the_month] == [("mass", "pending")] * 2
    no_mass = plan.classify(people[3:], wins, used, Broadcast(body="x", use_mass=False), rules, NOW)
    assert [(c, s, r) for _, c, s, r in no_mass] == [("none", "skipped", "no_channel")] * 2


def test_the_quota_warning_counts_each_outcome(session, town):
    _everyone(session, town)
    session.add(_window("elder"))
    session.add(plan.MassQuota(openid="elder-2", month="2026-12", used=4))
    town["elder-3"] = session.exec(select(User).where(User.openid == "elder-3")).one()
    town["elder-3"].subscribed = False
    b = Broadcast(village_id=town["east"].id, author_openid="admin", body="x", audience="role:elder", send_at=NOW,
                  created_at=NOW)
    assert plan.estimate(session, b, plan.PlanRules(chunk=1), now=NOW) == {
        "custom": 1, "mass_quota": 1, "unsubscribed": 1, "total": 3}
    assert plan.estimate(session, b, plan.PlanRules(has_template=True), now=NOW) == {
        "custom": 1, "template": 1, "unsubscribed": 1, "total": 3}
    assert session.exec(select(NoticeDelivery)).all() == []


def test_balanced_mass_batches():
    assert list(plan.split_batches([], 3)) == []
    assert plan.split_batches([1, 2, 3, 4, 5, 6, 7], 3) == [(1, 3), (4, 5), (6, 7)]
    assert plan.split_batches([1, 2, 3, 4, 5, 6], 3) == [(1, 3), (4, 6)]
    assert plan.split_batches([2, 4, 6, 8], 4) == [(2, 8)]
    assert plan.split_batches([2, 4, 6, 8, 10], None) == [(2, 10)]


def _plan_all(session, b: Broadcast, rules: plan.PlanRules, now=NOW) -> list[int]:
    sizes = []
    while (size := plan.plan_step(session, b.id, rules, now=now)) or b.status == "planning":
        sizes.append(size)
    return sizes


def _rows(session, b: Broadcast) -> dict[str, NoticeDelivery]:
    return {r.openid: r for r in session.exec(select(NoticeDelivery).where(NoticeDelivery.broadcast_id == b.id))}


def test_planning_writes_each_recipients_row_and_message_then_the_batches(session, town):
    _everyone(session, town)
    session.add(plan.ServiceWindow(openid="elder", event_at=NOW, event_used=2))  # tapped the menu just now
    session.add(plan.ServiceWindow(openid="elder-3", event_at=NOW, event_used=3))  # and spent that minute's three
    session.add(plan.MassQuota(openid="son", month="2026-12", used=4))
    b = _compose(session, town["admin"], "明天停水", audience="role:elder", urgent=True)
    rules = plan.PlanRules(chunk=2, batch_size=1, render=lambda b: f"【通知】{b.body}",
                           template_data=lambda b: {"thing1": b.body})
    assert _plan_all(session, b, rules, now=NOW + SECOND) == [2, 1]
    assert (b.status, b.plan_cursor, b.recipients, b.planned_at) == (
        "sending", session.exec(select(User.id).where(User.openid == "elder-3")).one(), 3, NOW + SECOND)
    rows = _rows(session, b)
    assert {o: (r.channel, r.status, r.outbox_key, r.updated_at) for o, r in rows.items()} == {
        "elder": ("custom", "pending", f"notice:{b.id}:elder", NOW + SECOND),
        "elder-2": ("mass", "pending", None, NOW + SECOND), "elder-3": ("mass", "pending", None, NOW + SECOND)}
    message = session.exec(select(outbox.OutboxMessage).where(outbox.OutboxMessage.openid == "elder")).one()
    assert (message.key, message.openid, message.kind, message.text, message.template_data, message.priority,
            message.status, message.not_before) == (f"notice:{b.id}:elder", "elder", "notice", "【通知】明天停水",
                                                    {"thing1": "明天停水"}, outbox.URGENT, "pending", NOW + SECOND)
    assert (message.attempts, message.created_at) == (0, NOW + SECOND)  # every retry still ahead of it
    batches = session.exec(select(MassBatch).order_by(MassBatch.batch_no)).all()
    stamp = int(b.created_at.timestamp())
    assert [(m.batch_no, m.size, m.tag_id, m.clientmsgid) for m in batches] == [
        (1, 1, None, f"linli-{b.id}-{stamp}-1"), (2, 1, None, f"linli-{b.id}-{stamp}-2")]
    assert [rows["elder-2"].batch_no, rows["elder-3"].batch_no] == [1, 2]
    quota = dict(session.exec(select(plan.MassQuota.openid, plan.MassQuota.used)).all())
    assert quota == {"son": 4, "elder-2": 1, "elder-3": 1}
    assert plan.plan_step(session, b.id, rules, now=NOW) == 0  # planned: nothing more


def test_two_broadcasts_planned_side_by_side_batch_their_own_recipients(session, town):
    _everyone(session, town)
    rules = plan.PlanRules(chunk=2, batch_size=3)
    first = _compose(session, town["admin"], audience="role:elder")
    second = _compose(session, town["admin"], audience="role:elder")
    plan.plan_step(session, first.id, rules, now=NOW)
    plan.plan_step(session, second.id, rules, now=NOW)  # its rows fall between the first's
    _plan_all(session, first, rules)
    assert {r.batch_no for r in _rows(session, second).values()} == {None}
    _plan_all(session, second, rules)
    sizes = {m.broadcast_id: m.size for m in session.exec(select(MassBatch))}
    assert sizes == {first.id: 3, second.id: 3}
    quota = dict(session.exec(select(plan.MassQuota.openid, plan.MassQuota.used)).all())
    assert quota == {"elder": 2, "elder-2": 2, "elder-3": 2}  # one mass message each per broadcast


def test_someone_without_mass_messages_left_takes_no_place_in_a_batch(session, town):
    _everyone(session, town)
    session.add(plan.MassQuota(openid="elder-2", month="2026-12", used=4))
    b = _compose(session, town["admin"], audience="all")
    _plan_all(session, b, plan.PlanRules(batch_size=6))
    assert [m.size for m in session.exec(select(MassBatch))] == [6]
    assert _rows(session, b)["elder-2"].reason == "mass_quota"


def test_a_routine_notice_is_a_low_priority_message(session, town):
    session.add(_window("elder"))
    b = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, b, plan.PlanRules())
    assert session.exec(select(outbox.OutboxMessage.priority)).one() == outbox.LOW


def _tagged(session, tag: str, tag_ids: dict[str, int | None]) -> None:
    """Local tag `tag` on the given people, synced to a WeChat tag id (None: not synced)."""
    session.add_all([AudienceTag(tag=tag, openid=o, wechat_tag_id=i) for o, i in tag_ids.items()])
    session.flush()


@pytest.mark.parametrize("tag", ["村:党员", "党员2"])
@pytest.mark.parametrize("people", [("elder-2", "elder-3"), ("elder-2",)])
def test_a_notice_to_a_synced_tag_goes_in_one_call_to_the_tag(session, town, tag, people):
    _everyone(session, town)
    _tagged(session, tag, {**{o: 7 for o in people}, "west-elder": 7})
    b = _compose(session, town["admin"], audience=f"tag:{tag}")
    _plan_all(session, b, plan.PlanRules(batch_size=1))
    assert [(m.batch_no, m.tag_id, m.size) for m in session.exec(select(MassBatch))] == [(1, 7, len(people))]


@pytest.mark.parametrize("tag_ids, custom", [((7, None), False), ((7, 8), False), ((7, 7), True)])
def test_a_tag_not_wholly_synced_or_not_wholly_mass_is_sent_by_openid(session, town, tag_ids, custom):
    _everyone(session, town)
    _tagged(session, "村干部", {"elder-2": tag_ids[0], "elder-3": tag_ids[1], "west-elder": tag_ids[1]})
    if custom:
        session.add(_window("elder-3"))
    b = _compose(session, town["admin"], audience="tag:村干部")
    _plan_all(session, b, plan.PlanRules(batch_size=1))
    assert [m.tag_id for m in session.exec(select(MassBatch))] == [None] * (1 if custom else 2)


def test_a_role_is_never_sent_to_a_tag_of_the_same_name(session, town):
    _everyone(session, town)
    _tagged(session, "elder", {"elder": 7, "elder-2": 7, "elder-3": 7})
    b = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, b, plan.PlanRules())
    assert [(m.tag_id, m.size) for m in session.exec(select(MassBatch))] == [(None, 3)]


def test_planning_counts_and_plans_nothing_for_a_broadcast_no_longer_scheduled(session, town):
    b = _compose(session, town["admin"])
    b.status = "cancelled"
    assert plan.plan_step(session, b.id, plan.PlanRules(), now=NOW) == 0
    assert _rows(session, b) == {} and b.status == "cancelled"


def test_cancelling_stops_what_has_not_left_and_keeps_what_has(session, town):
    _everyone(session, town)
    for openid in ("elder", "elder-2"):
        session.add(_window(openid))
    b = _compose(session, town["admin"], audience="role:elder")
    other = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, b, plan.PlanRules(batch_size=1))
    _plan_all(session, other, plan.PlanRules(batch_size=1))
    claimed = outbox.claim_due(session, worker="w", now=NOW, limit=1, lease=30)
    assert [m.key for m in claimed] == [f"notice:{b.id}:elder"]
    assert plan.cancel_broadcast(session, b, now=NOW + SECOND) == {"outbox": 1, "deliveries": 2}
    session.flush()
    session.expire_all()
    rows = _rows(session, b)
    assert {o: (r.status, r.reason) for o, r in rows.items()} == {
        "elder": ("pending", ""), "elder-2": ("cancelled", "cancelled"), "elder-3": ("cancelled", "cancelled")}
    assert rows["elder-2"].updated_at == NOW + SECOND
    assert (b.status, b.finished_at) == ("cancelled", NOW + SECOND)
    assert {m.batch_no: m.status for m in session.exec(select(MassBatch).where(MassBatch.broadcast_id == b.id))} == {
        1: "cancelled"}
    assert {r.status for r in _rows(session, other).values()} == {"pending"}
    assert {m.status for m in session.exec(select(MassBatch).where(MassBatch.broadcast_id == other.id))} == {
        "pending"}
    assert session.exec(select(outbox.OutboxMessage.status).where(
        outbox.OutboxMessage.key == f"notice:{other.id}:elder-2")).one() == "pending"


def test_cancelling_leaves_a_batch_already_leaving_and_other_broadcasts_alone(session, town):
    _everyone(session, town)
    first = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, first, plan.PlanRules(batch_size=1))
    plan.cancel_broadcast(session, first, now=NOW)  # its batch 1 is cancelled
    b = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, b, plan.PlanRules(batch_size=1))
    batches = {m.batch_no: m for m in session.exec(select(MassBatch).where(MassBatch.broadcast_id == b.id))}
    track.start_batch(session, batches[1].id, now=NOW)  # the call to WeChat may already have left
    track.batch_sent(session, batches[2].id, "m2", now=NOW)
    session.flush()
    assert plan.cancel_broadcast(session, b, now=NOW) == {"outbox": 0, "deliveries": 1}
    session.flush()
    session.expire_all()
    assert {n: m.status for n, m in batches.items()} == {1: "started", 2: "sent", 3: "cancelled"}
    rows = _rows(session, b)
    assert [rows[o].status for o in ("elder", "elder-2", "elder-3")] == ["pending", "sent", "cancelled"]
    assert plan.cancel_broadcast(session, b, now=NOW + SECOND) == {"outbox": 0, "deliveries": 0}  # nothing more


def test_a_cancelled_notice_not_yet_planned_stops_its_unbatched_mass_rows(session, town):
    _everyone(session, town)
    b = _compose(session, town["admin"], audience="role:elder")
    plan.plan_step(session, b.id, plan.PlanRules(), now=NOW)
    assert plan.cancel_broadcast(session, b, now=NOW) == {"outbox": 0, "deliveries": 3}


def test_a_routine_notice_falling_in_quiet_hours_waits_for_the_morning(session, town):
    night = _beijing(1, 22)
    b = _compose(session, town["admin"], now=night, send_at=night)
    assert plan.defer_if_quiet(b, plan.PlanRules(), now=night)
    assert b.send_at == _beijing(2, 7).astimezone(UTC)
    urgent = _compose(session, town["admin"], now=night, send_at=night, urgent=True)
    planning = _compose(session, town["admin"], now=night, send_at=night)
    planning.status = "planning"
    day = _compose(session, town["admin"])
    for kept in (urgent, planning):
        assert not plan.defer_if_quiet(kept, plan.PlanRules(), now=night) and kept.send_at == night
    assert not plan.defer_if_quiet(day, plan.PlanRules(), now=NOW) and day.send_at == NOW


def test_a_people_written_notice_is_checked_once_and_anything_but_pass_rejects_it(session, town):
    b = _compose(session, town["admin"])
    assert plan.needs_content_check(b)
    assert plan.record_verdict(b, "pass") and (b.status, b.sec_check) == ("scheduled", "pass")
    assert not plan.needs_content_check(b)
    for verdict in ("review", "risky"):
        checked = _compose(session, town["admin"])
        assert not plan.record_verdict(checked, verdict)
        assert (checked.status, checked.sec_check, checked.reason) == ("rejected", verdict, f"msg_sec_check: {verdict}")
    assert not plan.needs_content_check(Broadcast(author_openid=SYSTEM, body="周报"))
    started = _compose(session, town["admin"])
    started.status = "planning"
    assert not plan.needs_content_check(started)


def test_template_messages_sent_today_count_against_the_daily_quota(session):
    for key, channel, sent in (("a", outbox.TEMPLATE, NOW), ("b", outbox.TEMPLATE, NOW - SECOND),
                               ("c", outbox.CUSTOM, NOW), ("d", outbox.TEMPLATE, None)):
        outbox.enqueue(session, key=key, openid="u", kind="notice", text="x", now=NOW, channel=channel)
        row = session.exec(select(outbox.OutboxMessage).where(outbox.OutboxMessage.key == key)).one()
        row.sent_at = sent
    session.flush()
    assert plan.template_day_use(session, since=NOW) == 1
    assert plan.template_day_use(session, since=NOW - SECOND) == 2
    assert plan.template_overflow(30, 80, 100) == 10
    assert plan.template_overflow(20, 80, 100) == 0
    assert plan.template_overflow(30, 80, 0) == 0
    assert plan.template_overflow(3, 0, 1) == 2


# --- following a broadcast ------------------------------------------------------------------------------------

def _massed(session, town, *, batch_size=10) -> Broadcast:
    _everyone(session, town)
    b = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, b, plan.PlanRules(batch_size=batch_size))
    return b


def test_open_batches_are_those_of_sending_broadcasts_still_to_go(session, town):
    b = _massed(session, town, batch_size=1)
    ids = [m.id for m in session.exec(select(MassBatch).order_by(MassBatch.id))]
    assert track.open_batches(session) == ids
    assert track.open_batches(session, limit=2) == ids[:2]
    started = track.start_batch(session, ids[0], now=NOW)
    assert (started.status, started.attempts, started.started_at) == ("started", 1, NOW)
    assert track.start_batch(session, ids[0], now=NOW + SECOND).attempts == 2  # a crash: sent again
    track.batch_sent(session, ids[1], "m1", now=NOW)
    assert track.start_batch(session, ids[1], now=NOW) is None
    assert track.open_batches(session) == [ids[0], ids[2]]
    b.status = "cancelled"
    session.flush()
    assert track.open_batches(session) == []


def test_the_sender_takes_twenty_batches_at_a_time(session, town):
    b = _compose(session, town["admin"])
    b.status = "sending"
    session.add_all([MassBatch(broadcast_id=b.id, batch_no=n, clientmsgid=f"c{n}") for n in range(1, 22)])
    session.flush()
    assert len(track.open_batches(session)) == 20


def test_a_batch_sent_marks_its_own_recipients_sent(session, town):
    b = _massed(session, town)
    other = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, other, plan.PlanRules(batch_size=1))
    [batch] = session.exec(select(MassBatch).where(MassBatch.broadcast_id == b.id)).all()
    assert track.batch_openids(session, batch) == ["elder", "elder-2", "elder-3"]
    batch.errcode = -1
    track.batch_sent(session, batch.id, "m1", now=NOW + SECOND)
    assert (batch.status, batch.msg_id, batch.finished_at, batch.errcode) == ("sent", "m1", NOW + SECOND, None)
    session.expire_all()
    assert {o: (r.status, r.reason, r.updated_at) for o, r in _rows(session, b).items()} == {
        o: ("sent", "", NOW + SECOND) for o in ("elder", "elder-2", "elder-3")}
    assert {r.status for r in _rows(session, other).values()} == {"pending"}
    first = session.exec(select(MassBatch).where(MassBatch.broadcast_id == other.id, MassBatch.batch_no == 1)).one()
    assert track.batch_openids(session, first) == ["elder"]
    track.batch_failed(session, first.id, 40003, "rejected", retry=False, now=NOW)
    session.expire_all()
    assert [_rows(session, other)[o].status for o in ("elder", "elder-2", "elder-3")] == ["failed", "pending",
                                                                                         "pending"]


def test_a_failed_batch_is_retried_or_fails_its_recipients(session, town):
    b = _massed(session, town)
    [batch] = session.exec(select(MassBatch)).all()
    track.batch_failed(session, batch.id, -1, "busy", retry=True, now=NOW)
    assert (batch.status, batch.errcode, batch.reason, batch.finished_at) == ("pending", -1, "busy", None)
    assert {r.status for r in _rows(session, b).values()} == {"pending"}
    track.batch_failed(session, batch.id, 45028, "x" * 300, retry=False, now=NOW + SECOND)
    assert (batch.status, batch.errcode, batch.reason, batch.finished_at) == ("failed", 45028, "x" * 200, NOW + SECOND)
    session.expire_all()
    assert {(r.status, r.reason) for r in _rows(session, b).values()} == {("failed", "x" * 200)}


def test_wechats_mass_job_report_fails_the_batch_after_the_fact(session, town):
    b = _massed(session, town)
    [batch] = session.exec(select(MassBatch)).all()
    track.batch_sent(session, batch.id, "m1", now=NOW)
    assert not track.on_mass_job_finish(session, "m2", "send success", sent=3, errors=0, now=NOW)
    assert track.on_mass_job_finish(session, "m1", " Send Success ", sent=3, errors=0, now=NOW)
    assert (batch.job_status, batch.sent_count, batch.error_count) == (" Send Success ", 3, 0)
    session.expire_all()
    assert {r.status for r in _rows(session, b).values()} == {"sent"}
    assert track.on_mass_job_finish(session, "m1", "err(10001)" + "x" * 100, sent=0, errors=3, now=NOW + SECOND)
    session.expire_all()
    batch = session.get(MassBatch, batch.id)
    assert batch.job_status == ("err(10001)" + "x" * 100)[:64]
    assert {(r.status, r.reason[:21]) for r in _rows(session, b).values()} == {("failed", "mass job: err(10001)x")}


def _templated(session, town) -> Broadcast:
    b = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, b, plan.PlanRules(has_template=True))
    for row in session.exec(select(outbox.OutboxMessage)):
        outbox.mark_sent(row, now=NOW, msgid=f"t-{row.openid}")
        row.channel = outbox.TEMPLATE
    session.flush()
    return b


def test_wechats_template_job_report_settles_one_recipient(session, town):
    b = _templated(session, town)
    outbox.enqueue(session, key="help:1", openid="elder", kind="help_done", text="x", now=NOW)
    session.exec(select(outbox.OutboxMessage).where(outbox.OutboxMessage.key == "help:1")).one().wechat_msgid = "h1"
    session.flush()
    assert not track.on_template_finish(session, "elder", "h1", "success", now=NOW)  # not a notice
    assert not track.on_template_finish(session, "elder", "t-other", "success", now=NOW)
    assert not track.on_template_finish(session, "other", "t-elder", "success", now=NOW)
    assert track.on_template_finish(session, "elder", "t-elder", "failed:user block", now=NOW + SECOND)
    row = _rows(session, b)["elder"]
    assert (row.status, row.channel, row.reason, row.updated_at) == ("failed", "template",
                                                                     "template job: failed:user block", NOW + SECOND)
    long = "failed:" + "x" * 300
    assert track.on_template_finish(session, "elder", "t-elder", long, now=NOW)
    assert row.reason == f"template job: {long}"[:200]
    assert track.on_template_finish(session, "elder", "t-elder", " SUCCESS ", now=NOW)
    assert (row.status, row.reason) == ("sent", "")


def test_a_template_report_for_a_notice_row_without_a_delivery_is_not_ours(session):
    outbox.enqueue(session, key="notice:9:elder", openid="elder", kind="notice", text="x", now=NOW)
    session.exec(select(outbox.OutboxMessage)).one().wechat_msgid = "t1"
    session.flush()
    assert not track.on_template_finish(session, "elder", "t1", "success", now=NOW)


def test_outbox_outcomes_are_copied_into_the_delivery_rows(session, town):
    _everyone(session, town)
    for openid in ("elder", "elder-2", "elder-3"):
        session.add(_window(openid))
    b = _compose(session, town["admin"], audience="role:elder")
    _plan_all(session, b, plan.PlanRules())
    messages = {m.openid: m for m in session.exec(select(outbox.OutboxMessage))}
    outbox.mark_sent(messages["elder"], now=NOW)
    messages["elder"].channel = outbox.TEMPLATE
    refused = "rejected by WeChat (40003)" + "x" * 300
    outbox.apply_decision(messages["elder-2"], outbox.Decision("failed", refused), errcode=40003, now=NOW)
    still = _compose(session, town["admin"], audience="role:elder")  # sending, its recipients not yet served
    _plan_all(session, still, plan.PlanRules())
    waiting = _compose(session, town["admin"], send_at=NOW + timedelta(hours=1))
    session.flush()
    assert track.sync_outbox(session, now=NOW + SECOND) == 2
    session.expire_all()
    rows = _rows(session, b)
    assert {o: (r.status, r.channel, r.reason) for o, r in rows.items()} == {
        "elder": ("sent", "template", ""), "elder-2": ("failed", "custom", refused[:200]),
        "elder-3": ("pending", "custom", "")}
    assert rows["elder"].updated_at == NOW + SECOND
    assert track.sync_outbox(session, now=NOW) == 0
    assert track.finish_done(session, now=NOW) == []
    messages = {m.openid: m for m in session.exec(select(outbox.OutboxMessage).where(
        outbox.OutboxMessage.key.startswith(f"notice:{b.id}:")))}
    outbox.apply_decision(messages["elder-3"], outbox.Decision("uncertain", "no answer"), errcode=None, now=NOW)
    session.flush()
    assert track.sync_outbox(session, now=NOW, broadcast_id=b.id) == 1
    assert track.finish_done(session, now=NOW + SECOND) == [b.id]
    session.flush()
    session.expire_all()
    assert (b.status, b.finished_at) == ("done", NOW + SECOND)
    assert (still.status, waiting.status) == ("sending", "scheduled")
    assert _rows(session, b)["elder-3"].status == "uncertain"
    stats = track.stats(session, b.id)
    assert stats == {"channels": {"template": {"sent": 1}, "custom": {"failed": 1, "uncertain": 1}},
                     "reasons": {refused[:200]: 1, "no answer": 1}}


def test_outcomes_of_a_broadcast_still_scheduled_are_not_copied_unless_named(session, town):
    _everyone(session, town)
    session.add(_window("elder"))
    b = _compose(session, town["admin"], audience="role:elder")
    plan.plan_step(session, b.id, plan.PlanRules(), now=NOW)
    assert b.status == "planning"
    outbox.mark_sent(session.exec(select(outbox.OutboxMessage)).one(), now=NOW)
    session.flush()
    assert track.sync_outbox(session, now=NOW) == 0
    assert track.sync_outbox(session, now=NOW, broadcast_id=b.id) == 1


def test_stats_count_channels_and_the_reasons_of_what_did_not_go(session):
    for i, (channel, status, reason) in enumerate([
            ("mass", "sent", ""), ("mass", "sent", ""), ("custom", "sent", ""), ("mass", "pending", ""),
            ("mass", "skipped", "mass_quota"), ("none", "skipped", "unsubscribed"), ("none", "skipped", "no_channel"),
            ("custom", "failed", "rejected"), ("template", "failed", "rejected"), ("custom", "sent", "stale"),
            ("none", "skipped", "unsubscribed")]):
        session.add(NoticeDelivery(broadcast_id=1, openid=f"u{i}", channel=channel, status=status, reason=reason,
                                   updated_at=NOW))
    session.add(NoticeDelivery(broadcast_id=2, openid="x", channel="mass", status="sent", updated_at=NOW))
    session.add(Broadcast(id=1, author_openid="a", body="x", send_at=NOW, created_at=NOW))
    session.add(Broadcast(id=2, author_openid="a", body="x", send_at=NOW, created_at=NOW))
    session.flush()
    assert track.stats(session, 1) == {
        "channels": {"mass": {"sent": 2, "pending": 1, "skipped": 1}, "none": {"skipped": 3},
                     "custom": {"sent": 2, "failed": 1}, "template": {"failed": 1}},
        "reasons": {"mass_quota": 1, "unsubscribed": 2, "no_channel": 1, "rejected": 2}}


def test_a_villager_sees_the_notices_meant_for_them_newest_first(session, town):
    _everyone(session, town)
    notices = {}
    for name, actor, audience, village, hours in (
            ("all", "admin", "all", "east", 1), ("elders", "admin", "role:elder", "east", 2),
            ("county", "county", "all", None, 3), ("family", "admin", "role:family", "east", 4),
            ("west", "west-admin", "all", "west", 5), ("tag", "admin", "tag:其他", "east", 6),
            ("tie", "admin", "all", "east", 6), ("planned-early", "admin", "all", "east", 0)):
        b = _compose(session, town[actor], audience=audience,
                     village_id=town[village].id if village else None, send_at=NOW + timedelta(hours=hours))
        b.status = "done"
        notices[name] = b
    notices["elders"].status = "sending"
    for status in ("scheduled", "planning", "cancelled"):
        _compose(session, town["admin"], send_at=NOW + timedelta(hours=9)).status = status
    digest_row = _compose(session, town["admin"], send_at=NOW + timedelta(hours=9))
    digest_row.status, digest_row.topic = "done", "digest"
    session.flush()
    elder = town["elder"]
    assert [b.id for b in track.latest_for(session, elder, offset=0, limit=10)] == [
        notices[n].id for n in ("tie", "tag", "county", "elders", "all", "planned-early")]
    assert [b.id for b in track.latest_for(session, elder, offset=1, limit=2)] == [
        notices[n].id for n in ("tag", "county")]
    assert track.latest_for(session, town["county"], offset=0, limit=10) == []
    son = [b.id for b in track.latest_for(session, town["son"], offset=0, limit=10)]
    assert son == [notices[n].id for n in ("tie", "family", "county", "all", "planned-early")]


def test_a_coordinator_sees_their_villages_latest_broadcasts_a_county_admin_all(session, town):
    east = [_compose(session, town["admin"]) for _ in range(6)]
    west = _compose(session, town["west-admin"])
    weekly = _compose(session, town["admin"])
    weekly.topic = "digest"
    session.flush()
    assert [b.id for b in track.recent_for_admin(session, town["admin"])] == [b.id for b in east[::-1][:5]]
    assert [b.id for b in track.recent_for_admin(session, town["county"], limit=2)] == [west.id, east[-1].id]


def test_the_digests_facts_are_the_weeks_visits_their_hours_and_the_next_three_events(session, town):
    from models.events.events import Event
    from models.notices.facts import week_facts
    from models.timebank.ledger import VISIT, Movement
    start, end = NOW - timedelta(days=7), NOW
    for i, (done, village, minutes) in enumerate(((start, "east", 50), (end - SECOND, "east", 50),
                                                  (end, "east", 600), (start - SECOND, "east", 600),
                                                  (end - SECOND, "west", 600))):
        ref = _request(session, town, village=village)
        request = session.get(hr.HelpRequest, int(ref))
        request.done_at = done
        session.add(Movement(key=f"visit:{i}", kind=VISIT, minutes=minutes, request_id=request.id, created_at=done))
        session.add(Movement(key=f"gift:{i}", kind="gift", minutes=600, request_id=request.id, created_at=done))
    for village, hours in (("east", 5), (None, 2), ("west", 1), ("east", 3), ("east", 4), ("east", 0)):
        session.add(Event(village_id=town[village].id if village else None, kind="lecture", title=f"活动{hours}",
                          starts_at=end + timedelta(hours=hours), ends_at=end + timedelta(hours=hours + 1),
                          capacity=10, signup_deadline=end, created_at=end, updated_at=end))
    session.flush()
    facts = week_facts(session, town["east"].id, start, end)
    assert facts == digest.WeekFacts(requests_served=2, volunteer_hours=1.7,
                                     upcoming_events=["活动2", "活动3", "活动4"])
    assert week_facts(session, town["east"].id, end + timedelta(days=1), end + timedelta(days=2)) == digest.WeekFacts(
        requests_served=0, volunteer_hours=0, upcoming_events=[])
