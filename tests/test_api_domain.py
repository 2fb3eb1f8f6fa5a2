"""The mini-program's identities, tokens, link codes and subscription consents in models/, with an explicit clock.

A mini-program login becomes a person only through a verified link (the same unionid, a phone WeChat verified,
or a code from the Official Account chat); a token works until it expires or is revoked; a consent carries one
message."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models.api import identity as ident
from models.api import subscriptions as subs
from models.core.audit import AuditEntry
from models.people.users import FamilyLink, User, Village

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def person(session: Session, openid: str, *, phone: str = "", unionid: str | None = None, roles: str = ",",
           village_id: int | None = None) -> User:
    user = User(openid=openid, name=f"name-{openid}", phone=phone, unionid=unionid, roles=roles,
                village_id=village_id, created_at=NOW, updated_at=NOW)
    session.add(user)
    session.flush()
    return user


def login(session: Session, mini_openid: str, unionid: str | None = None, *, now: datetime = NOW,
          lifetime: timedelta = DAY) -> tuple[ident.ApiIdentity, str]:
    return ident.login(session, mini_openid, unionid, "enc-key", now=now, lifetime=lifetime)


def links(session: Session) -> list[tuple[str, str, dict | None]]:
    rows = session.exec(select(AuditEntry).where(AuditEntry.action == "api.link").order_by(AuditEntry.id))
    return [(row.actor, row.target, row.detail) for row in rows]


# Logins and tokens


def test_a_first_login_creates_the_identity_and_a_second_finds_it(session):
    first, token = login(session, "mini-1")
    assert (first.mini_openid, first.session_key_enc, first.created_at, first.updated_at) == (
        "mini-1", "enc-key", NOW, NOW)
    assert first.user_id is None and first.linked_by == ""
    later = NOW + timedelta(hours=3)
    again, other = ident.login(session, "mini-1", "union-1", "new-key", now=later, lifetime=DAY)
    assert again.id == first.id and other != token
    assert (again.session_key_enc, again.unionid, again.created_at, again.updated_at) == (
        "new-key", "union-1", NOW, later)
    # A login without a unionid (the mini-program was not yet bound to the open platform) keeps the known one.
    assert login(session, "mini-1", None)[0].unionid == "union-1"
    assert len(session.exec(select(ident.ApiIdentity)).all()) == 1


def test_a_token_names_its_identity_until_it_expires_to_the_second(session):
    identity, token = login(session, "mini-1", lifetime=timedelta(hours=2))
    caller, unionid = ident.caller_of(session, token, now=NOW + timedelta(hours=2, seconds=-1))
    assert caller == ident.Caller(identity.id, None, None) and unionid is None
    assert ident.caller_of(session, token, now=NOW + timedelta(hours=2)) is None
    assert ident.caller_of(session, token + "x", now=NOW) is None


def test_the_stored_token_is_only_its_digest(session):
    identity, token = login(session, "mini-1")
    stored = session.exec(select(ident.ApiToken)).one()
    assert stored.token_hash == ident.digest(token) != token and len(stored.token_hash) == 64
    assert (stored.identity_id, stored.created_at, stored.expires_at, stored.revoked_at) == (
        identity.id, NOW, NOW + DAY, None)
    assert len(token) >= 40  # 32 random bytes


def test_a_linked_callers_card_comes_with_the_token(session):
    village = Village(code="v1", name="一村", created_at=NOW)
    session.add(village)
    session.flush()
    elder = person(session, "e1", roles=",elder,", village_id=village.id)
    family = person(session, "f1", unionid="union-f", roles=",family,", village_id=village.id)
    session.add(FamilyLink(elder_id=elder.id, family_id=family.id, relationship="儿子", created_at=NOW))
    identity, token = login(session, "mini-1", "union-f")
    caller, unionid = ident.caller_of(session, token, now=NOW)
    assert (caller.identity_id, caller.user_id, unionid) == (identity.id, family.id, "union-f")
    assert caller.card.name == "name-f1" and caller.card.village == "一村"
    assert caller.card.elders == ((elder.id, "name-e1"),)


def test_logout_revokes_the_token_once(session):
    _, token = login(session, "mini-1")
    _, other = login(session, "mini-1")
    assert ident.revoke(session, token, now=NOW + timedelta(minutes=5))
    assert not ident.revoke(session, token, now=NOW + timedelta(minutes=6))
    assert ident.caller_of(session, token, now=NOW + timedelta(minutes=5)) is None
    assert ident.caller_of(session, other, now=NOW + timedelta(minutes=5)) is not None  # the other device stays
    session.expire_all()
    revoked = session.exec(select(ident.ApiToken).where(ident.ApiToken.token_hash == ident.digest(token))).one()
    assert revoked.revoked_at == NOW + timedelta(minutes=5)


# Linking a login to a person


def test_a_login_with_the_unionid_of_one_follower_is_that_person(session):
    user = person(session, "oa-1", unionid="union-1")
    identity, _ = login(session, "mini-1", "union-1")
    assert (identity.user_id, identity.linked_by, identity.updated_at) == (user.id, "unionid", NOW)
    session.flush()
    assert links(session) == [("oa-1", f"api_identity:{identity.id}", {"how": "unionid"})]
    assert ident.identities_of(session, user.id) == [identity]


def test_a_unionid_two_people_share_links_nobody(session):
    person(session, "oa-1", unionid="union-1")
    person(session, "oa-2", unionid="union-1")
    identity, _ = login(session, "mini-1", "union-1")
    assert identity.user_id is None and identity.linked_by == ""
    assert not ident.link_by_unionid(session, identity, now=NOW)


def test_a_linked_login_is_not_relinked_by_a_unionid(session):
    first = person(session, "oa-1", phone="13800000001")
    person(session, "oa-2", unionid="union-2")
    identity, _ = login(session, "mini-1")
    assert not ident.link_by_unionid(session, identity, now=NOW)  # no unionid: nothing to go by
    assert ident.link_by_verified_phone(session, identity, "13800000001", now=NOW) == "linked"
    identity.unionid = "union-2"
    assert not ident.link_by_unionid(session, identity, now=NOW)
    assert identity.user_id == first.id and identity.linked_by == "phone"


def test_a_verified_phone_links_its_one_owner(session):
    user = person(session, "oa-1", phone="13800000001")
    person(session, "oa-2", phone="13800000002")
    person(session, "oa-3", phone="13800000002")
    identity, _ = login(session, "mini-1")
    assert ident.link_by_verified_phone(session, identity, "13900000000", now=NOW) == "no_match"
    assert ident.link_by_verified_phone(session, identity, "13800000002", now=NOW) == "ambiguous"
    assert identity.user_id is None
    later = NOW + timedelta(minutes=1)
    assert ident.link_by_verified_phone(session, identity, "13800000001", now=later) == "linked"
    assert (identity.user_id, identity.linked_by, identity.updated_at) == (user.id, "phone", later)
    assert ident.link_by_verified_phone(session, identity, "13800000001", now=later) == "already"
    session.flush()
    assert links(session) == [("oa-1", f"api_identity:{identity.id}", {"how": "phone"})]


def test_a_chat_code_links_whoever_types_it_once_within_ten_minutes(session):
    user = person(session, "oa-1")
    code = ident.issue_link_code(session, user, now=NOW)
    assert len(code) == 6 and code.isdigit()
    stored = session.exec(select(ident.LinkCode)).one()
    assert stored.code_hash == ident.digest(code) and stored.expires_at == NOW + timedelta(minutes=10)
    late, _ = login(session, "mini-late")
    assert ident.link_by_code(session, late, code, now=NOW + timedelta(minutes=10)) == "wrong"
    identity, _ = login(session, "mini-1")
    just = NOW + timedelta(minutes=10, seconds=-1)
    assert ident.link_by_code(session, identity, code, now=just) == "linked"
    assert (identity.user_id, identity.linked_by, identity.updated_at) == (user.id, "code", just)
    assert ident.link_by_code(session, identity, code, now=just) == "already"
    other, _ = login(session, "mini-2")
    assert ident.link_by_code(session, other, code, now=just) == "wrong"  # used
    assert other.user_id is None
    session.flush()
    assert links(session) == [("oa-1", f"api_identity:{identity.id}", {"how": "code"})]


def test_a_new_code_voids_the_persons_earlier_ones_only(session):
    user, neighbour = person(session, "oa-1"), person(session, "oa-2")
    theirs = ident.issue_link_code(session, neighbour, now=NOW, rng=random.Random(2))
    old = ident.issue_link_code(session, user, now=NOW, rng=random.Random(1))
    new = ident.issue_link_code(session, user, now=NOW + timedelta(minutes=1), rng=random.Random(3))
    identity, _ = login(session, "mini-1")
    assert ident.link_by_code(session, identity, old, now=NOW + timedelta(minutes=2)) == "wrong"
    assert ident.link_by_code(session, identity, new, now=NOW + timedelta(minutes=2)) == "linked"
    assert identity.user_id == user.id
    other, _ = login(session, "mini-2")
    assert ident.link_by_code(session, other, theirs, now=NOW + timedelta(minutes=2)) == "linked"
    assert other.user_id == neighbour.id


class Scripted(random.Random):
    """Draws the given numbers in turn."""

    def __init__(self, *numbers: int):
        super().__init__()
        self.numbers = list(numbers)

    def randrange(self, *args, **kwargs):  # type: ignore[override]
        return self.numbers.pop(0)


def test_a_new_code_never_equals_another_persons_live_code(session):
    first, second = person(session, "oa-1"), person(session, "oa-2")
    assert ident.issue_link_code(session, first, now=NOW, rng=Scripted(42)) == "000042"
    assert ident.issue_link_code(session, second, now=NOW, rng=Scripted(42, 42, 7)) == "000007"
    # Once the first has expired (or is used) the number may come again.
    later = NOW + timedelta(minutes=10)
    assert ident.issue_link_code(session, second, now=later, rng=Scripted(42)) == "000042"
    identity, _ = login(session, "mini-1")
    assert ident.link_by_code(session, identity, "000042", now=later) == "linked"
    assert identity.user_id == second.id


def test_five_wrong_codes_lock_linking_by_code_for_a_day(session):
    user = person(session, "oa-1")
    identity, _ = login(session, "mini-1")
    for minute in range(5):
        assert ident.link_by_code(session, identity, "999999", now=NOW + timedelta(minutes=minute)) == "wrong"
    assert (identity.link_failures, identity.link_failures_since) == (5, NOW)  # the first failure starts the day
    code = ident.issue_link_code(session, user, now=NOW + timedelta(hours=1))
    assert ident.link_by_code(session, identity, code, now=NOW + timedelta(hours=1)) == "locked"
    assert identity.user_id is None
    code = ident.issue_link_code(session, user, now=NOW + DAY)
    assert ident.link_by_code(session, identity, code, now=NOW + DAY) == "locked"  # exactly a day: still locked
    after = NOW + DAY + timedelta(seconds=1)
    code = ident.issue_link_code(session, user, now=after)
    assert ident.link_by_code(session, identity, code, now=after) == "linked"
    assert (identity.link_failures, identity.link_failures_since) == (0, None)


def test_four_wrong_codes_still_let_the_right_one_through(session):
    user = person(session, "oa-1")
    identity, _ = login(session, "mini-1")
    for _ in range(4):
        ident.link_by_code(session, identity, "999999", now=NOW)
    assert ident.link_by_code(session, identity, ident.issue_link_code(session, user, now=NOW), now=NOW) == "linked"


def test_failures_older_than_a_day_start_a_new_count(session):
    identity, _ = login(session, "mini-1")
    for _ in range(4):
        ident.link_by_code(session, identity, "999999", now=NOW)
    later = NOW + DAY + timedelta(seconds=1)
    assert ident.link_by_code(session, identity, "999999", now=later) == "wrong"
    assert (identity.link_failures, identity.link_failures_since) == (1, later)


# Idempotent answers and unionids


def test_a_repeated_post_finds_the_first_answer_of_the_same_login(session):
    first, _ = login(session, "mini-1")
    second, _ = login(session, "mini-2")
    ident.remember_answer(session, first.id, "key-1", "/requests", 201, '{"id": 5}', now=NOW)
    session.flush()
    answer = ident.first_answer(session, first.id, "key-1")
    assert (answer.route, answer.status, answer.body, answer.created_at) == ("/requests", 201, '{"id": 5}', NOW)
    assert ident.first_answer(session, second.id, "key-1") is None
    assert ident.first_answer(session, first.id, "key-2") is None


def test_answers_are_forgotten_strictly_before_the_given_time(session):
    identity, _ = login(session, "mini-1")
    ident.remember_answer(session, identity.id, "old", "/r", 201, "{}", now=NOW - timedelta(seconds=1))
    ident.remember_answer(session, identity.id, "now", "/r", 201, "{}", now=NOW)
    session.flush()
    assert ident.forget_answers(session, before=NOW) == 1
    assert ident.first_answer(session, identity.id, "old") is None
    assert ident.first_answer(session, identity.id, "now") is not None


def test_a_followers_unionid_is_recorded_when_new_or_changed(session):
    user = person(session, "oa-1")
    later = NOW + timedelta(hours=1)
    assert not ident.unionid_seen(session, user, None, now=later)
    assert not ident.unionid_seen(session, user, "", now=later)
    assert user.unionid is None and user.updated_at == NOW
    assert ident.unionid_seen(session, user, "union-1", now=later)
    assert (user.unionid, user.updated_at) == ("union-1", later)
    assert not ident.unionid_seen(session, user, "union-1", now=later + DAY)
    assert user.updated_at == later


def test_a_persons_logins_in_the_order_they_were_linked(session):
    user = person(session, "oa-1", unionid="union-1")
    first, _ = login(session, "mini-1", "union-1")
    login(session, "mini-other")
    second, _ = login(session, "mini-2", "union-1")
    assert [i.mini_openid for i in ident.identities_of(session, user.id)] == ["mini-1", "mini-2"]
    assert ident.identity_of(session, first.id) is first


# Subscription consents


@pytest.fixture
def linked(session) -> ident.ApiIdentity:
    person(session, "oa-1", unionid="union-1")
    return login(session, "mini-1", "union-1")[0]


def test_consents_are_counted_per_template_up_to_twenty(session, linked):
    assert subs.record(session, linked.id, ["t1", "t2", "t1"], now=NOW) == {"t1": 2, "t2": 1}
    assert subs.outstanding(session, linked.id) == {"t1": 2, "t2": 1}
    assert subs.record(session, linked.id, ["t1"] * 30, now=NOW) == {"t1": 20, "t2": 1}
    assert subs.outstanding(session, linked.id) == {"t1": 20, "t2": 1}
    consent = session.exec(select(subs.SubscriptionConsent)).first()
    assert (consent.identity_id, consent.granted_at, consent.spent_at, consent.spent_how) == (linked.id, NOW, None, "")
    other = login(session, "mini-2")[0]
    assert subs.outstanding(session, other.id) == {}


def test_a_message_takes_the_oldest_consent_of_the_person_once(session, linked):
    subs.record(session, linked.id, ["t1", "t2"], now=NOW)
    subs.record(session, linked.id, ["t1"], now=NOW + timedelta(minutes=1))
    oldest = session.exec(select(subs.SubscriptionConsent).order_by(subs.SubscriptionConsent.id)).first()
    assert subs.available(session, "oa-1", "t1") and not subs.available(session, "oa-2", "t1")
    taken = subs.take(session, "oa-1", "t1", outbox_id=11, now=NOW + timedelta(minutes=2))
    assert taken == subs.Taken(oldest.id, "mini-1", linked.id)
    session.expire_all()
    spent = session.get(subs.SubscriptionConsent, oldest.id)
    assert (spent.spent_at, spent.spent_how, spent.outbox_id) == (NOW + timedelta(minutes=2), subs.USED, 11)
    assert subs.outstanding(session, linked.id) == {"t1": 1, "t2": 1}
    assert subs.take(session, "oa-1", "t1", outbox_id=12, now=NOW) is not None
    assert subs.take(session, "oa-1", "t1", outbox_id=13, now=NOW) is None
    assert not subs.available(session, "oa-1", "t1") and subs.available(session, "oa-1", "t2")
    assert subs.take(session, "oa-2", "t2", outbox_id=14, now=NOW) is None  # nobody else's consent


def test_a_consent_wechat_did_not_use_is_given_back_once(session, linked):
    subs.record(session, linked.id, ["t1"], now=NOW)
    taken = subs.take(session, "oa-1", "t1", outbox_id=11, now=NOW)
    assert subs.give_back(session, taken.consent_id)
    assert not subs.give_back(session, taken.consent_id)
    session.expire_all()
    back = session.get(subs.SubscriptionConsent, taken.consent_id)
    assert (back.spent_at, back.spent_how, back.outbox_id) == (None, "", None)
    assert subs.outstanding(session, linked.id) == {"t1": 1}


def test_none_left_voids_every_open_consent_of_that_template_and_login(session, linked):
    other = login(session, "mini-2")[0]
    subs.record(session, linked.id, ["t1", "t1", "t1", "t2"], now=NOW)
    subs.record(session, other.id, ["t1"], now=NOW)
    taken = subs.take(session, "oa-1", "t1", outbox_id=11, now=NOW)
    assert subs.void_all(session, linked.id, "t1", now=NOW + timedelta(minutes=1)) == 2
    assert subs.outstanding(session, linked.id) == {"t2": 1}
    assert subs.outstanding(session, other.id) == {"t1": 1}
    session.expire_all()
    voided = session.exec(select(subs.SubscriptionConsent).where(subs.SubscriptionConsent.spent_how == subs.VOID)).all()
    assert {c.spent_at for c in voided} == {NOW + timedelta(minutes=1)}
    assert not subs.give_back(session, voided[0].id)  # a void consent carries nothing
    assert session.get(subs.SubscriptionConsent, taken.consent_id).spent_how == subs.USED


def test_erasing_a_person_removes_their_consents_only(session, linked):
    neighbour = person(session, "oa-2", unionid="union-2")
    theirs = login(session, "mini-2", "union-2")[0]
    subs.record(session, linked.id, ["t1", "t2"], now=NOW)
    subs.record(session, theirs.id, ["t1"], now=NOW)
    assert subs.forget(session, linked.user_id) == 2
    assert subs.outstanding(session, linked.id) == {}
    assert subs.outstanding(session, theirs.id) == {"t1": 1} and theirs.user_id == neighbour.id


class Highest(random.Random):
    """Draws the highest number allowed."""

    def randrange(self, *args, **kwargs):  # type: ignore[override]
        return args[0] - 1


def test_the_highest_code_is_999999(session):
    assert ident.issue_link_code(session, person(session, "oa-1"), now=NOW, rng=Highest()) == "999999"


def test_the_digits_of_a_code_already_used_may_be_drawn_again(session):
    first, second = person(session, "oa-1"), person(session, "oa-2")
    code = ident.issue_link_code(session, first, now=NOW, rng=Scripted(42))
    identity, _ = login(session, "mini-1")
    assert ident.link_by_code(session, identity, code, now=NOW) == "linked"
    assert ident.issue_link_code(session, second, now=NOW, rng=Scripted(42)) == "000042"


def test_a_login_from_before_the_person_followed_is_linked_on_a_later_call(session):
    identity, _ = login(session, "mini-1", "union-1")
    assert identity.user_id is None
    user = person(session, "oa-1", unionid="union-1")  # followed the Official Account since
    later = NOW + timedelta(hours=1)
    assert ident.link_by_unionid(session, identity, now=later)
    assert (identity.user_id, identity.linked_by, identity.updated_at) == (user.id, "unionid", later)
    assert not ident.link_by_unionid(session, identity, now=later)  # already linked
