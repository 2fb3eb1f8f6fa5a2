"""Domain rules of the People feature: phones, binding codes, who may see an elder's details, parsing answers."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from app.db import make_engine
from bots import acting
from bots.flows.people import parse
from bots.forms import Invalid
from models.core import outbox
from models.core.audit import AuditEntry
from models.core.notify import Notice
from models.core.outbox import OutboxMessage
from models.help.alarms import family_of
from models.people import binding, membership, volunteering
from models.people.membership import BindingCode, contact_card, normalize_mobile
from models.people.users import FamilyLink, User, Village, get_or_create_user, grant_roles
from models.people.volunteers import PENDING, REJECTED, Volunteer
from models.seed import seed_demo

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def session(db_url):
    engine = make_engine(db_url)
    with Session(engine) as s:
        seed_demo(s, now=NOW)
        s.commit()
        yield s
    engine.dispose()


def person(session, openid: str, *roles: str) -> User:
    user = get_or_create_user(session, openid, now=NOW)
    if roles:
        grant_roles(user, roles, now=NOW)
    session.add(user)
    session.flush()
    return user


def by_openid(session, openid: str) -> User:
    return session.exec(select(User).where(User.openid == openid)).one()


@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("138-1234-5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"), ("+86 13812345678", "13812345678"), ("8613812345678", "13812345678"),
    ("12812345678", None), ("1381234567", None), ("138123456789", None), ("电话13812345678", None), ("", None),
])
def test_mainland_mobiles(raw, expected):
    assert normalize_mobile(raw) == expected


def test_a_code_is_six_digits_valid_a_day_and_works_once(session):
    elder, family, other = by_openid(session, "demo-elder-2"), person(session, "f1"), person(session, "f2")
    code = binding.issue_code(session, elder, elder, now=NOW)
    assert len(code.code) == 6 and code.code.isdigit() and code.expires_at == NOW + timedelta(hours=24)
    asked = binding.redeem(session, family, code.code, "女儿", now=NOW + timedelta(hours=23))
    assert asked.status == binding.ASKED
    assert binding.decide(session, asked.pending.id, elder, True, now=NOW + timedelta(hours=23)).status == \
        binding.ACCEPTED
    assert membership.is_bound(session, elder, family)
    assert binding.redeem(session, other, code.code, "儿子", now=NOW).status == binding.USED
    late = binding.issue_code(session, elder, elder, now=NOW)
    assert binding.lookup(session, late.code, now=NOW + timedelta(hours=24))[0] == binding.EXPIRED
    assert binding.redeem(session, other, late.code, "儿子", now=NOW + timedelta(hours=24)).status == binding.EXPIRED


def test_colliding_digits_are_drawn_again_and_expired_digits_reissued(session):
    elder = by_openid(session, "demo-elder-3")
    first = binding.issue_code(session, elder, elder, now=NOW, rng=random.Random(7))
    second = binding.issue_code(session, elder, elder, now=NOW, rng=random.Random(7))  # same first draw
    assert second.code != first.code
    later = NOW + timedelta(hours=25)
    again = binding.issue_code(session, elder, elder, now=later, rng=random.Random(7))
    assert again.code == first.code  # the expired code's digits are free again
    assert binding.lookup(session, first.code, now=later) == (binding.OK, again)
    rows = session.exec(select(BindingCode).where(BindingCode.code == first.code)).all()
    assert len(rows) == 2 and sum(1 for r in rows if r.live_code) == 1


@pytest.mark.postgres_only
def test_two_people_racing_for_one_code_only_one_binds(session, rt):
    import threading

    from app.db import session_scope

    elder = by_openid(session, "demo-elder-2")
    code = binding.issue_code(session, elder, elder, now=NOW)
    a, b = person(session, "racer-a"), person(session, "racer-b")
    assert binding.check(session, a, code.code, now=NOW).status == binding.OK
    assert binding.check(session, b, code.code, now=NOW).status == binding.OK
    digits = code.code  # read before committing: the threads must not touch this session
    session.commit()
    results, barrier = {}, threading.Barrier(2)

    def redeem(openid):
        barrier.wait()
        with session_scope(rt.engine) as own:
            results[openid] = binding.redeem(own, by_openid(own, openid), digits, "", now=NOW).status

    threads = [threading.Thread(target=redeem, args=(o,)) for o in ("racer-a", "racer-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values()) == sorted([binding.ASKED, binding.USED])
    winner = next(o for o, r in results.items() if r == binding.ASKED)
    session.expire_all()
    [pending] = binding.asked_of(session, elder, now=NOW)
    assert binding.decide(session, pending.id, elder, True, now=NOW).status == binding.ACCEPTED
    assert [f.openid for f in family_of(session, elder)] == [winner]


def stale(engine, load):
    """What a racer read before another committed: its session's objects keep those values
    (expire_on_commit=False), so only the conditional UPDATE, which reads the database, can stop it."""
    late = Session(engine, expire_on_commit=False)
    loaded = load(late)
    late.commit()  # ends the read (SQLite: lets the other writer in); the objects stay as read
    return late, loaded


def test_a_code_used_meanwhile_cannot_be_redeemed_by_someone_who_saw_it_unused(session):
    elder = by_openid(session, "demo-elder-2")
    digits = binding.issue_code(session, elder, elder, now=NOW).code
    for openid in ("racer-a", "racer-b"):
        person(session, openid)
    session.commit()
    engine = session.get_bind()
    late, (seen, b) = stale(engine, lambda s: (binding.lookup(s, digits, now=NOW), by_openid(s, "racer-b")))
    assert seen[0] == binding.OK
    with Session(engine) as first:
        assert binding.redeem(first, by_openid(first, "racer-a"), digits, "", now=NOW).status == binding.ASKED
        first.commit()
    with late:
        assert binding.redeem(late, b, digits, "", now=NOW).status == binding.USED
        late.commit()
    session.expire_all()
    assert [session.get(User, p.family_id).openid for p in binding.asked_of(session, elder, now=NOW)] == ["racer-a"]


def test_a_binding_decided_meanwhile_cannot_be_decided_again(session):
    """The elder says no; a coordinator who read the request while it was pending then says yes: still no."""
    elder, family = by_openid(session, "demo-elder-2"), person(session, "claims-to-be-son")
    code = binding.issue_code(session, elder, elder, now=NOW)
    pending_id = binding.redeem(session, family, code.code, "儿子", now=NOW).pending.id
    session.commit()
    engine = session.get_bind()
    late, (row, admin) = stale(engine, lambda s: (s.get(binding.PendingBinding, pending_id),
                                                  by_openid(s, "demo-admin")))
    assert row.status == binding.PENDING
    with Session(engine) as first:
        assert binding.decide(first, pending_id, by_openid(first, "demo-elder-2"), False, now=NOW).status == \
            binding.REFUSED
        first.commit()
    with late:
        second = binding.decide(late, pending_id, admin, True, now=NOW + timedelta(minutes=1))
        late.commit()
    assert (second.status, second.notices) == (binding.DECIDED, [])
    session.expire_all()
    assert not membership.is_bound(session, by_openid(session, "demo-elder-2"), by_openid(session, "claims-to-be-son"))


def test_a_sign_up_decided_meanwhile_cannot_be_decided_again(session):
    """One coordinator rejects; another, who read the sign-up while it was pending, then approves: still
    rejected, no volunteer role, and the volunteer told once."""
    newbie = person(session, "newbie")
    answers = volunteering.SignUp("李小红", "13812345678", 1, ["errand"], ["weekend_morning"])
    record_id = volunteering.submit(session, newbie, answers, now=NOW, alert=lambda v: f"#{v.id}").id
    session.commit()
    engine = session.get_bind()
    late, (record, admin) = stale(engine, lambda s: (s.get(Volunteer, record_id), by_openid(s, "demo-admin")))
    assert record.status == PENDING
    with Session(engine) as first:
        status, _, _ = volunteering.review(first, by_openid(first, "demo-admin"), record_id, approve=False,
                                           reason="人手够了", now=NOW, outcome=lambda v, u: v.status)
        assert status == volunteering.DONE
        first.commit()
    with late:
        status, seen, _ = volunteering.review(late, admin, record_id, approve=True, reason="",
                                              now=NOW + timedelta(minutes=1), outcome=lambda v, u: v.status)
        late.commit()
    assert (status, seen.status, seen.reject_reason) == (volunteering.HANDLED, REJECTED, "人手够了")
    session.expire_all()
    assert not by_openid(session, "newbie").has_role("volunteer")
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "volunteer_review")).all()
    assert [row.text for row in told] == [REJECTED]


def test_an_elder_verified_meanwhile_is_not_verified_again(session):
    daughter = person(session, "daughter")
    registration = membership.Registration(name="赵奶奶", age=80, village_id=1, address="西头3号", phone="",
                                           lives_alone=True, health_notes="", emergency_contacts=[],
                                           relationship="女儿")
    elder_id = membership.register_elder(session, daughter, registration, now=NOW).user_id
    session.commit()
    engine = session.get_bind()
    late, (profile, admin) = stale(engine, lambda s: (membership.profile_of(s, s.get(User, elder_id)),
                                                      by_openid(s, "demo-admin")))
    assert profile.needs_verification
    with Session(engine) as first:
        assert membership.verify_elder(first, by_openid(first, "demo-admin"), elder_id, now=NOW, text="ok")
        first.commit()
    with late:
        assert membership.verify_elder(late, admin, elder_id, now=NOW + timedelta(hours=1), text="again") is None
        late.commit()
    session.expire_all()
    assert membership.profile_of(session, session.get(User, elder_id)).verified_at == NOW
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "elder_verified")).all()
    assert [row.text for row in told] == ["ok"]


def test_bindings_waiting_for_a_coordinator_are_theirs_and_live_only(session):
    elder = person(session, "offline-9-1", "elder")
    elder.village_id = 1
    nephew, niece, admin = person(session, "nephew"), person(session, "niece"), by_openid(session, "demo-admin")
    # Codes made by the very people who use them: nobody on the elder's side can answer, so the coordinators are.
    asked = [binding.redeem(session, who, binding.issue_code(session, elder, who, now=NOW).code, "侄子",
                            now=NOW + timedelta(hours=hours)).pending for who, hours in ((nephew, 0), (niece, 2))]
    assert [p.asked_id for p in asked] == [None, None]
    # A code the coordinator made for the elder without WeChat: that coordinator is asked by name.
    made = binding.issue_code(session, elder, admin, now=NOW)
    by_name = binding.redeem(session, person(session, "cousin"), made.code, "表亲",
                             now=NOW + timedelta(hours=3)).pending
    assert by_name.asked_id == admin.id
    # One the elder (who has WeChat) answers: not the coordinators' to list.
    elders = binding.redeem(session, person(session, "grandson"),
                            binding.issue_code(session, by_openid(session, "demo-elder-2"), admin, now=NOW).code,
                            "孙子", now=NOW).pending
    assert elders.asked_id == by_openid(session, "demo-elder-2").id
    waiting = binding.awaiting_coordinator(session, admin, now=NOW + timedelta(hours=4))
    assert [p.id for p in waiting] == [asked[0].id, asked[1].id, by_name.id]
    assert binding.awaiting_coordinator(session, person(session, "elsewhere", "admin"), now=NOW) == []
    assert binding.awaiting_coordinator(session, nephew, now=NOW) == []  # never the one asking to bind
    later = NOW + timedelta(hours=24, minutes=1)
    assert [p.id for p in binding.awaiting_coordinator(session, admin, now=later)] == [asked[1].id, by_name.id]


def test_guessing_is_limited_per_day(session):
    guesser = person(session, "guesser")
    for n in range(binding.MAX_FAILURES):
        assert binding.check(session, guesser, f"99999{n}", now=NOW).status == binding.NOT_FOUND
    assert binding.check(session, guesser, "123456", now=NOW).status == binding.TOO_MANY
    assert binding.check(session, guesser, "123456", now=NOW + timedelta(hours=25)).status == binding.NOT_FOUND


def test_a_correct_code_alone_binds_nobody_until_the_elder_says_yes(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "claims-to-be-son")
    code = binding.issue_code(session, elder, elder, now=NOW)
    asked = binding.redeem(session, family, code.code, "儿子", now=NOW)
    assert asked.status == binding.ASKED and not membership.is_bound(session, elder, family)
    [question] = asked.notices
    assert (question.openid, question.text_key, question.params["relation"]) == (
        "demo-elder-2", "people_bind_ask_elder", "儿子")
    assert binding.check(session, family, code.code, now=NOW).status == binding.USED
    stranger = person(session, "nosy")
    assert binding.decide(session, asked.pending.id, stranger, True, now=NOW).status == binding.NOT_FOUND
    refused = binding.decide(session, asked.pending.id, elder, False, now=NOW)
    assert refused.status == binding.REFUSED and [n.openid for n in refused.notices] == ["claims-to-be-son"]
    assert not membership.is_bound(session, elder, family)
    assert binding.decide(session, asked.pending.id, elder, True, now=NOW).status == binding.DECIDED


def test_a_binding_nobody_confirms_lapses_after_a_day(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "slow")
    code = binding.issue_code(session, elder, elder, now=NOW)
    pending = binding.redeem(session, family, code.code, "女儿", now=NOW).pending
    assert binding.asked_of(session, elder, now=NOW + timedelta(hours=23)) != []
    later = NOW + timedelta(hours=24, seconds=1)
    assert binding.asked_of(session, elder, now=later) == []
    assert binding.decide(session, pending.id, elder, True, now=later).status == binding.LAPSED
    assert not membership.is_bound(session, elder, family)


def test_for_an_elder_without_wechat_the_codes_maker_or_a_coordinator_confirms(session):
    elder = person(session, "offline-1-1", "elder")
    elder.village_id = 1
    daughter, son, admin = person(session, "daughter"), person(session, "son"), by_openid(session, "demo-admin")
    binding.link(session, elder, daughter, "女儿", now=NOW)
    code = binding.issue_code(session, elder, daughter, now=NOW)
    asked = binding.redeem(session, son, code.code, "儿子", now=NOW)
    assert asked.pending.asked_id == daughter.id and asked.notices[0].text_key == "people_bind_ask_maker"
    # The maker is no longer bound: the village's coordinators are asked instead, and answer by number.
    other = binding.issue_code(session, elder, daughter, now=NOW)
    session.delete(session.exec(select(FamilyLink).where(FamilyLink.family_id == daughter.id)).one())
    session.flush()
    nephew = person(session, "nephew")
    asked = binding.redeem(session, nephew, other.code, "侄子", now=NOW)
    assert asked.pending.asked_id is None
    assert [(n.openid, n.text_key) for n in asked.notices] == [("demo-admin", "people_bind_ask_coordinator")]
    assert binding.decide(session, asked.pending.id, admin, True, now=NOW).status == binding.ACCEPTED
    assert membership.is_bound(session, elder, nephew)


def test_many_accounts_guessing_pause_binding_for_everyone_and_alert_coordinators(session):
    limits = binding.Limits(per_hour=3)
    elder = by_openid(session, "demo-elder-2")
    code = binding.issue_code(session, elder, elder, now=NOW)
    wrong = "000000" if code.code != "000000" else "000001"
    alerts = []
    for n in range(3):  # three accounts, one wrong guess each: far under the per-person limit
        attempt = binding.check(session, person(session, f"bot-{n}"), wrong, now=NOW + timedelta(minutes=n),
                                limits=limits)
        assert attempt.status == binding.NOT_FOUND
        alerts += attempt.notices
    assert [(n.openid, n.kind) for n in alerts] == [("demo-admin", "binding_lockdown")]
    honest = person(session, "honest")
    during = NOW + timedelta(minutes=30)
    assert binding.check(session, honest, code.code, now=during, limits=limits).status == binding.LOCKED
    assert binding.redeem(session, honest, code.code, "儿子", now=during, limits=limits).status == binding.LOCKED
    after = NOW + timedelta(minutes=2, hours=1, seconds=1)
    assert binding.check(session, honest, code.code, now=after, limits=limits).status == binding.OK


def test_binding_limits_come_from_the_configuration():
    limits = binding.limits_from_config({"binding": {"max_failures_per_hour": 12, "lockout_minutes": 90,
                                                     "max_failures_per_person": 4, "confirm_hours": 12}})
    assert limits == binding.Limits(per_person=4, per_hour=12, lockout=timedelta(minutes=90),
                                    confirm_within=timedelta(hours=12))


def test_unbinding_needs_to_be_a_side_and_tells_the_other(session):
    elder, family, stranger = by_openid(session, "demo-elder-1"), by_openid(session, "demo-family-1"), person(
        session, "stranger")
    link = session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder.id)).one()
    assert binding.unbind(session, stranger, link.id, now=NOW, notice="n") is None
    assert binding.unbind(session, family, link.id, now=NOW, notice="n").id == elder.id
    assert not membership.is_bound(session, elder, family)


def test_only_the_elder_family_and_their_coordinators_see_personal_details(session):
    elder = by_openid(session, "demo-elder-1")
    for openid in ("demo-elder-1", "demo-family-1", "demo-admin"):
        card = contact_card(session, elder, by_openid(session, openid))
        assert card.address == "示范村东头12号" and card.phone == "13800000001"
    county = person(session, "county", "county_admin")
    assert contact_card(session, elder, county).lives_alone
    for openid in ("demo-volunteer-1", "demo-elder-2"):
        with pytest.raises(PermissionError):
            contact_card(session, elder, by_openid(session, openid))
    other_admin = person(session, "other-admin", "admin")  # an admin of no (or another) village
    with pytest.raises(PermissionError):
        contact_card(session, elder, other_admin)
    assert contact_card(session, elder, by_openid(session, "demo-volunteer-1"), granted=True).address


def test_seeded_elders_have_profiles_and_emergency_contacts(session):
    profile = membership.profile_of(session, by_openid(session, "demo-elder-1"))
    assert profile.age == 78 and profile.lives_alone and not profile.needs_verification
    assert profile.emergency_contacts == [{"name": "王建国", "phone": "13900000001"}]
    seed_demo(session, now=NOW)  # idempotent
    assert len(session.exec(select(membership.ElderProfile)).all()) == 3


def test_acting_for_self_first_then_bound_elders(session):
    family = by_openid(session, "demo-family-1")
    assert [e.openid for e in acting.elders_for(session, family)] == ["demo-elder-1"]
    elder2 = by_openid(session, "demo-elder-2")
    binding.link(session, elder2, family, "女婿", now=NOW)
    binding.link(session, elder2, by_openid(session, "demo-elder-1"), "老伴", now=NOW)
    assert [e.openid for e in acting.elders_for(session, family)] == ["demo-elder-1", "demo-elder-2"]
    both = acting.elders_for(session, by_openid(session, "demo-elder-1"))
    assert [e.openid for e in both] == ["demo-elder-1", "demo-elder-2"]
    assert acting.may_act_for(session, family, elder2)
    assert not acting.may_act_for(session, by_openid(session, "demo-volunteer-1"), elder2)


def test_pending_lists_respect_the_coordinators_village(session):
    newbie = person(session, "newbie")
    answers = volunteering.SignUp("李小红", "13812345678", by_openid(session, "demo-admin").village_id,
                                  ["errand"], ["weekend_morning"])
    record = volunteering.submit(session, newbie, answers, now=NOW, alert=lambda v: f"#{v.id}")
    assert [v.id for v, _ in volunteering.pending(session, by_openid(session, "demo-admin"))] == [record.id]
    assert volunteering.pending(session, person(session, "elsewhere", "admin")) == []
    assert [v.id for v, _ in volunteering.pending(session, person(session, "cty", "county_admin"))] == [record.id]


def turn(text: str, intent: str = "out_of_scope"):
    return SimpleNamespace(text=text, understanding=SimpleNamespace(intent=intent, slots={}))


@pytest.mark.parametrize("text, expected", [
    ("1 3", ["errand", "medical"]), ("1、3、7", ["errand", "medical", "companionship"]), ("137", ["errand", "medical",
     "companionship"]), ("一三", ["errand", "medical"]), ("都可以", list(parse.SKILLS)),
    ("我会修东西和跑腿", ["errand", "repair"]), ("做饭", ["meal"]), ("１ ２", ["errand", "meal"]),
])
def test_skills_multi_choice(text, expected):
    assert parse.skills(turn(text)) == expected


@pytest.mark.parametrize("text", ["8", "0", "18", "随便", ""])
def test_skills_refuse_what_is_not_an_option(text):
    with pytest.raises(Invalid):
        parse.skills(turn(text))


@pytest.mark.parametrize("text, expected", [
    ("1 4", ["weekday_morning", "weekend_morning"]), ("周末都行", ["weekend_morning", "weekend_afternoon",
     "weekend_evening"]), ("每天晚上", ["weekday_evening", "weekend_evening"]),
    ("周末上午", ["weekend_morning"]), ("下午", ["weekday_afternoon", "weekend_afternoon"]),
])
def test_availability(text, expected):
    assert parse.availability(turn(text)) == expected


def test_contacts_names_and_phones():
    found = parse.contacts(turn("儿子王建国 139-0000-0001，女儿：王芳 电话13900000002"))
    assert found == [{"name": "儿子王建国", "phone": "13900000001"}, {"name": "女儿 王芳", "phone": "13900000002"}]
    with pytest.raises(Invalid):
        parse.contacts(turn("13900000001"))
    with pytest.raises(Invalid):
        parse.contacts(turn("王建国"))


@pytest.mark.parametrize("text, expected", [("78", 78), ("七十八岁", 78), ("今年82了", 82)])
def test_ages(text, expected):
    assert parse.age(turn(text)) == expected


@pytest.mark.parametrize("text", ["8", "300", "不知道"])
def test_ages_refused(text):
    with pytest.raises(Invalid):
        parse.age(turn(text))


def test_a_card_names_the_elders_acts_for_names_in_one_statement(session):
    """GET /me reads `card_of`, not `acts_for`: both must name the same elders in the same order."""
    elder1, elder2, elder3 = (by_openid(session, f"demo-elder-{n}") for n in (1, 2, 3))
    family = person(session, "card-family")
    binding.link(session, elder3, family, "女儿", now=NOW)
    binding.link(session, elder2, family, "儿子", now=NOW)
    binding.link(session, elder2, elder1, "邻居", now=NOW)  # an elder who also acts for another
    profiled = person(session, "card-profiled")  # registered as an elder, the role not granted
    session.add(membership.ElderProfile(user_id=profiled.id, consent_at=NOW, consent_by_user_id=profiled.id,
                                        registered_by_user_id=profiled.id, created_at=NOW, updated_at=NOW))
    volunteer, nobody = person(session, "card-volunteer", "volunteer"), person(session, "card-nobody")
    session.flush()
    for user in (elder1, elder2, family, profiled, volunteer, nobody):
        card = binding.card_of(session, user.id)
        assert card is not None
        assert list(card.elders) == [(e.id, e.name) for e in binding.acts_for(session, user)], user.openid
        assert (card.id, card.name, card.roles) == (user.id, user.name, tuple(sorted(user.role_set)))
    assert [name for _, name in binding.card_of(session, family.id).elders] == ["赵桂兰", "李德福"]
    assert [name for _, name in binding.card_of(session, elder1.id).elders] == ["王秀英", "李德福"]
    assert binding.card_of(session, profiled.id).elders == ((profiled.id, profiled.name),)
    assert binding.card_of(session, volunteer.id).elders == ()
    assert binding.card_of(session, elder1.id).village == "示范村"
    assert binding.card_of(session, nobody.id).village is None
    assert binding.card_of(session, 10**6) is None


def test_the_token_check_reads_the_same_card(session):
    """The API's token check brings the caller's card in its own statement: the same as `card_of`."""
    from models.api import identity as ids

    family = person(session, "token-family")
    binding.link(session, by_openid(session, "demo-elder-2"), family, "儿子", now=NOW)
    binding.link(session, by_openid(session, "demo-elder-1"), family, "女儿", now=NOW)
    for n, user in enumerate((by_openid(session, "demo-elder-1"), family, person(session, "token-nobody"))):
        identity, token = ids.login(session, f"mini-{n}", None, "", now=NOW, lifetime=timedelta(hours=1))
        identity.user_id = user.id
        session.flush()
        who, _ = ids.caller_of(session, token, now=NOW)
        assert who.card == binding.card_of(session, user.id) and who.user_id == user.id
    _, unlinked = ids.login(session, "mini-unlinked", "union-x", "", now=NOW, lifetime=timedelta(hours=1))
    who, unionid = ids.caller_of(session, unlinked, now=NOW)
    assert (who.user_id, who.card, unionid) == (None, None, "union-x")
    assert ids.caller_of(session, unlinked, now=NOW + timedelta(hours=2)) is None  # expired


# Registration, verification, sign-ups and duty (the rules the first mutation pass found without a domain test)


def _registration(name: str = "赵奶奶", *, age: int = 80, phone: str = "", relationship: str = "女儿",
                  village_id: int = 1, notes: str = "") -> membership.Registration:
    return membership.Registration(name=name, age=age, village_id=village_id, address="西头3号", phone=phone,
                                   lives_alone=True, health_notes=notes,
                                   emergency_contacts=[{"name": "赵芳", "phone": "13900000009"}],
                                   relationship=relationship)


def elsewhere_admin(session) -> User:
    """A coordinator of another village."""
    village = Village(code="elsewhere", name="别村", created_at=NOW)
    session.add(village)
    session.flush()
    admin = person(session, "elsewhere-admin", "admin")
    admin.village_id = village.id
    session.flush()
    return admin


def audits(session, action: str) -> list[tuple[str, str, dict | None]]:
    rows = session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    return [(row.actor, row.target, row.detail) for row in rows]


def test_an_elder_registering_themself_is_an_elder_with_their_answers(session):
    me = person(session, "self-elder")
    me.phone = "13812345678"
    later = NOW + timedelta(hours=1)
    profile = membership.register_elder(session, me, _registration("钱大爷", phone="", relationship="", notes="高血压"),
                                        now=later)
    assert profile.user_id == me.id and me.has_role("elder") and not me.has_role("family")
    assert (me.name, me.village_id, me.phone, me.updated_at) == ("钱大爷", 1, "13812345678", later)  # phone kept
    assert (profile.age, profile.address, profile.phone, profile.lives_alone, profile.health_notes) == (
        80, "西头3号", "", True, "高血压")
    assert profile.emergency_contacts == [{"name": "赵芳", "phone": "13900000009"}]
    assert (profile.consent_at, profile.consent_by_user_id, profile.consent_relationship) == (later, me.id, "")
    assert (profile.registered_by_user_id, profile.created_at, profile.updated_at) == (me.id, later, later)
    assert not profile.needs_verification and profile.verified_at is None
    assert audits(session, "elder.register")[-1] == ("self-elder", str(me.id), {"relationship": ""})
    # Registering again updates the same profile, and a phone given replaces the old one.
    again = membership.register_elder(session, me, _registration("钱大爷", age=81, phone="13900000000",
                                                                 relationship=""), now=later + timedelta(days=1))
    assert again.id == profile.id and again.age == 81 and me.phone == "13900000000"
    assert again.created_at == later and again.updated_at == later + timedelta(days=1)


def test_family_registering_an_elder_without_wechat_binds_them_and_waits_for_a_check(session):
    daughter = person(session, "daughter")
    first = membership.register_elder(session, daughter, _registration("赵奶奶"), now=NOW)
    second = membership.register_elder(session, daughter, _registration("赵爷爷"), now=NOW)
    elder = session.get(User, first.user_id)
    assert elder.openid == f"offline-{daughter.id}-1" and membership.is_offline(elder) and not elder.subscribed
    assert session.get(User, second.user_id).openid == f"offline-{daughter.id}-2"
    assert elder.has_role("elder") and elder.name == "赵奶奶" and daughter.has_role("family")
    link = session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder.id)).one()
    assert (link.family_id, link.relationship, link.created_at) == (daughter.id, "女儿", NOW)
    assert (first.consent_by_user_id, first.consent_relationship, first.registered_by_user_id) == (
        daughter.id, "女儿", daughter.id)
    assert first.needs_verification and first.verified_at is None
    assert audits(session, "elder.register")[0] == ("daughter", str(elder.id), {"relationship": "女儿"})


def test_a_coordinator_registering_an_elder_of_their_village_has_checked_them(session):
    admin = by_openid(session, "demo-admin")
    registration = _registration(village_id=admin.village_id, relationship="村干部")
    profile = membership.register_elder(session, admin, registration, now=NOW)
    assert (profile.verified_at, profile.verified_by_user_id) == (NOW, admin.id)
    elsewhere = elsewhere_admin(session)
    other = membership.register_elder(session, elsewhere, _registration(village_id=1, relationship="村干部"), now=NOW)
    assert other.verified_at is None and other.verified_by_user_id is None


def test_a_coordinator_checks_a_registration_of_their_village_once_and_the_registrant_hears(session):
    daughter, admin = person(session, "daughter"), by_openid(session, "demo-admin")
    profile = membership.register_elder(session, daughter, _registration(), now=NOW)
    elder_id = profile.user_id
    elsewhere = elsewhere_admin(session)
    assert [u.id for u, _ in membership.pending_elders(session, admin)] == [elder_id]
    assert membership.pending_elders(session, elsewhere) == []
    assert membership.verify_elder(session, elsewhere, elder_id, now=NOW, text="ok") is None
    assert membership.verify_elder(session, admin, 10**6, now=NOW, text="ok") is None
    later = NOW + timedelta(hours=2)
    assert membership.verify_elder(session, admin, elder_id, now=later, text="已核实").id == elder_id
    session.refresh(profile)
    assert (profile.verified_at, profile.verified_by_user_id, profile.updated_at) == (later, admin.id, later)
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "elder_verified")).one()
    assert (told.key, told.openid, told.text, told.template_data) == (
        f"elder_verified:{elder_id}", "daughter", "已核实", {"title": "已核实"})
    assert audits(session, "elder.verify") == [("demo-admin", str(elder_id), None)]
    assert membership.pending_elders(session, admin) == []
    assert membership.verify_elder(session, admin, elder_id, now=later, text="again") is None
    # A self-registered elder needs no check.
    seeded = by_openid(session, "demo-elder-1").id
    assert membership.verify_elder(session, admin, seeded, now=later, text="x") is None


def test_pending_elders_are_listed_oldest_first_for_a_county_admin_too(session):
    daughter, son = person(session, "daughter"), person(session, "son")
    first = membership.register_elder(session, daughter, _registration("甲"), now=NOW).user_id
    elsewhere = _registration("乙", village_id=elsewhere_admin(session).village_id)
    second = membership.register_elder(session, son, elsewhere, now=NOW).user_id
    county = person(session, "county", "county_admin")
    assert [u.id for u, _ in membership.pending_elders(session, county)] == [first, second]


def test_an_elder_already_registered_is_found_by_name_village_phone_and_age(session):
    daughter = person(session, "daughter")
    registered = membership.register_elder(session, daughter, _registration("赵奶奶", age=80, phone="13800000099"),
                                           now=NOW).user_id

    def found(**changes) -> int | None:
        user = membership.find_registered(session, _registration(**{"name": "赵奶奶", **changes}))
        return user.id if user else None
    assert found(age=80, phone="13800000099") == registered
    assert found(age=81, phone="") == registered  # no phone given, a year apart: the same person
    assert found(age=79) == registered
    assert found(age=82) is None  # two years apart: another person of that name
    assert found(phone="13800000098") is None
    assert found(name="赵奶") is None
    assert found(village_id=elsewhere_admin(session).village_id) is None


def test_an_elder_registered_without_age_or_phone_matches_by_name(session):
    elder = by_openid(session, "demo-elder-3")
    profile = membership.profile_of(session, elder)
    profile.age, profile.phone = None, ""
    session.flush()
    assert membership.find_registered(session, _registration("赵桂兰", age=60, phone="13900000001")).id == elder.id


def test_coordinators_hear_of_each_registration_of_an_elder(session):
    elder = person(session, "self-elder")
    membership.register_elder(session, elder, _registration(relationship=""), now=NOW)
    assert membership.tell_coordinators_of_elder(session, elder, text="新老人", now=NOW) == 1
    membership.register_elder(session, elder, _registration(age=81, relationship=""), now=NOW)  # told again
    assert membership.tell_coordinators_of_elder(session, elder, text="更新", now=NOW) == 1
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "elder_registered")
                        .order_by(OutboxMessage.id)).all()
    assert [(m.key, m.openid, m.text) for m in told] == [
        (f"elder_registered:{elder.id}:1:demo-admin", "demo-admin", "新老人"),
        (f"elder_registered:{elder.id}:2:demo-admin", "demo-admin", "更新")]


def test_withdrawn_health_consent_deletes_the_notes_and_nothing_else(session):
    elder = by_openid(session, "demo-elder-1")
    profile = membership.profile_of(session, elder)
    profile.health_notes = "糖尿病"
    elder.profile = {**elder.profile, "health_notes": "糖尿病"}
    session.flush()
    later = NOW + timedelta(days=1)
    membership.forget_health_notes(session, elder, now=later)
    session.flush()
    session.expire_all()
    profile, elder = membership.profile_of(session, elder), by_openid(session, "demo-elder-1")
    assert (profile.health_notes, profile.updated_at, profile.address) == ("", later, "示范村东头12号")
    assert "health_notes" not in elder.profile and elder.profile["age"] == 78
    membership.forget_health_notes(session, elder, now=later + timedelta(days=1))  # nothing to delete
    assert membership.profile_of(session, elder).updated_at == later


def test_a_coordinator_manages_the_elders_of_their_village_after_their_own(session):
    admin = by_openid(session, "demo-admin")
    elder2 = by_openid(session, "demo-elder-2")
    binding.link(session, elder2, admin, "邻居", now=NOW)
    managed = [e.openid for e in binding.managed_by(session, admin)]
    assert managed == ["demo-elder-2", "demo-elder-1", "demo-elder-3"]
    assert [e.openid for e in binding.managed_by(session, by_openid(session, "demo-family-1"))] == ["demo-elder-1"]
    assert binding.managed_by(session, by_openid(session, "demo-volunteer-1")) == []


def test_a_sign_up_waits_for_the_coordinator_who_hears_of_each(session):
    newbie = person(session, "newbie")
    answers = volunteering.SignUp("李小红", "13812345678", 1, ["errand"], ["weekend_morning"])
    record = volunteering.submit(session, newbie, answers, now=NOW, alert=lambda v: f"#{v.id}")
    assert (newbie.name, newbie.phone, newbie.village_id) == ("李小红", "13812345678", 1)
    assert (record.status, record.skills, record.availability, record.consent_at) == (
        PENDING, ["errand"], ["weekend_morning"], NOW)
    volunteering.submit(session, newbie, answers, now=NOW + timedelta(hours=1), alert=lambda v: "again")
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "volunteer_pending")
                        .order_by(OutboxMessage.id)).all()
    assert [(m.key, m.openid, m.text) for m in told] == [
        (f"volunteer_pending:{record.id}:1:demo-admin", "demo-admin", f"#{record.id}"),
        (f"volunteer_pending:{record.id}:2:demo-admin", "demo-admin", "again")]
    assert audits(session, "volunteer.submit") == [("newbie", str(record.id), {"status": "pending"})] * 2


def test_an_approved_volunteer_editing_their_sign_up_stays_approved_unannounced(session):
    volunteer = by_openid(session, "demo-volunteer-1")
    answers = volunteering.SignUp("张志强", "13700000001", 1, ["repair"], ["weekday_evening"])
    record = volunteering.submit(session, volunteer, answers, now=NOW, alert=lambda v: "x")
    assert (record.status, record.skills) == ("approved", ["repair"])
    assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "volunteer_pending")).all() == []


def test_a_rejected_volunteer_signing_up_again_waits_again_without_the_old_reason(session):
    newbie = person(session, "newbie")
    answers = volunteering.SignUp("李小红", "13812345678", 1, ["errand"], ["weekend_morning"])
    record = volunteering.submit(session, newbie, answers, now=NOW, alert=lambda v: "x")
    admin = by_openid(session, "demo-admin")
    volunteering.review(session, admin, record.id, approve=False, reason="电话打不通", now=NOW,
                        outcome=lambda v, u: "no")
    assert volunteering.submit(session, newbie, answers, now=NOW, alert=lambda v: "x").reject_reason == ""
    assert record.status == PENDING


def test_a_coordinator_approves_a_sign_up_and_the_volunteer_hears_it(session):
    newbie, admin = person(session, "newbie"), by_openid(session, "demo-admin")
    answers = volunteering.SignUp("李小红", "13812345678", 1, ["errand"], ["weekend_morning"])
    record = volunteering.submit(session, newbie, answers, now=NOW, alert=lambda v: "x")
    elsewhere = elsewhere_admin(session)
    assert volunteering.review(session, elsewhere, record.id, approve=True, reason="", now=NOW,
                               outcome=lambda v, u: "ok") == (volunteering.NOT_FOUND, None, None)
    assert volunteering.review(session, admin, 10**6, approve=True, reason="", now=NOW,
                               outcome=lambda v, u: "ok") == (volunteering.NOT_FOUND, None, None)
    later = NOW + timedelta(hours=3)
    status, volunteer, user = volunteering.review(session, admin, record.id, approve=True, reason="ignored",
                                                  now=later, outcome=lambda v, u: f"{u.name}:{v.status}")
    assert (status, volunteer.status, volunteer.reject_reason, volunteer.updated_at) == (
        volunteering.DONE, "approved", "", later)
    assert user.id == newbie.id and newbie.has_role("volunteer")
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "volunteer_review")).one()
    assert (told.key, told.openid, told.text, told.template_data) == (
        f"volunteer_review:{record.id}:1", "newbie", "李小红:approved", {"title": "李小红:approved"})
    assert audits(session, "volunteer.approved") == [("demo-admin", str(record.id), {"reason": ""})]
    assert volunteering.review(session, admin, record.id, approve=False, reason="", now=later,
                               outcome=lambda v, u: "no")[0] == volunteering.HANDLED


def test_a_rejection_keeps_its_reason_cut_to_the_column_and_grants_nothing(session):
    newbie, admin = person(session, "newbie"), by_openid(session, "demo-admin")
    answers = volunteering.SignUp("李小红", "13812345678", 1, ["errand"], ["weekend_morning"])
    record = volunteering.submit(session, newbie, answers, now=NOW, alert=lambda v: "x")
    status, volunteer, _ = volunteering.review(session, admin, record.id, approve=False, reason="理" * 250, now=NOW,
                                               outcome=lambda v, u: v.reject_reason[:3])
    assert (status, volunteer.status, volunteer.reject_reason) == (volunteering.DONE, REJECTED, "理" * 200)
    assert not newbie.has_role("volunteer")
    assert audits(session, "volunteer.rejected") == [("demo-admin", str(record.id), {"reason": "理" * 200})]


def test_a_volunteer_pauses_and_resumes_taking_tasks(session):
    volunteer = by_openid(session, "demo-volunteer-1")
    later = NOW + timedelta(hours=5)
    record = volunteering.set_on_duty(session, volunteer, False, now=later)
    assert (record.on_duty, record.updated_at) == (False, later)
    session.flush()
    session.expire_all()
    assert not session.get(Volunteer, record.id).on_duty
    assert volunteering.set_on_duty(session, volunteer, True, now=later).on_duty
    session.flush()
    assert audits(session, "volunteer.duty") == [("demo-volunteer-1", str(record.id), {"on_duty": False}),
                                                 ("demo-volunteer-1", str(record.id), {"on_duty": True})]
    assert volunteering.set_on_duty(session, person(session, "not-a-volunteer"), False, now=later) is None


# The demo village an operator, a newcomer or a test client plays (models/seed.py)


def test_the_demo_village_has_its_personas_with_their_roles_and_details(session):
    village = session.exec(select(Village).where(Village.code == "demo")).one()
    assert (village.name, village.county, village.created_at) == ("示范村", "示范县", NOW)
    people = {u.openid: u for u in session.exec(select(User))}
    assert set(people) == {"demo-elder-1", "demo-elder-2", "demo-elder-3", "demo-family-1", "demo-admin",
                           *(f"demo-volunteer-{n}" for n in range(1, 6))}
    assert all(u.village_id == village.id for u in people.values())
    elder = people["demo-elder-1"]
    assert (elder.name, elder.phone, elder.roles) == ("王秀英", "13800000001", ",elder,")
    assert elder.profile == {"age": 78, "lives_alone": True, "address": "示范村东头12号"}
    family = people["demo-family-1"]
    assert (family.name, family.phone, family.roles) == ("王建国", "13900000001", ",family,")
    link = session.exec(select(FamilyLink)).one()
    assert (link.elder_id, link.family_id, link.relationship, link.created_at) == (elder.id, family.id, "儿子", NOW)
    admin = people["demo-admin"]
    assert (admin.name, admin.phone, admin.roles) == ("孙主任", "13600000001", ",admin,")


def test_the_demo_volunteers_are_approved_on_duty_and_trained_as_listed(session):
    from models.people.volunteers import SLOTS, TrainingRecord, volunteer_of

    doctor = by_openid(session, "demo-volunteer-4")
    assert (doctor.name, doctor.roles) == ("杨丽", ",volunteer,")
    assert doctor.profile == {"skills": ["medical", "daily_care", "companionship"], "volunteer_status": "approved",
                              "on_duty": True}
    record = volunteer_of(session, doctor)
    assert (record.status, record.skills, record.availability, record.on_duty, record.partner_org) == (
        "approved", ["medical", "daily_care", "companionship"], list(SLOTS), True, "乡镇卫生院")
    assert (record.consent_at, record.created_at) == (NOW, NOW)
    assert volunteer_of(session, by_openid(session, "demo-volunteer-1")).partner_org == ""
    trained = {(r.user_id, r.qualification, r.source, r.granted_at, r.expires_at)
               for r in session.exec(select(TrainingRecord))}
    carer = by_openid(session, "demo-volunteer-2")
    assert trained == {(carer.id, "daily_care", "seed", NOW, None), (doctor.id, "medical", "seed", NOW, None),
                       (doctor.id, "daily_care", "seed", NOW, None)}


def test_seeding_the_demo_again_keeps_what_people_added(session):
    elder = by_openid(session, "demo-elder-1")
    elder.profile = {**elder.profile, "note": "kept"}
    grant_roles(elder, ["volunteer"], now=NOW)
    session.flush()
    later = NOW + timedelta(days=1)
    village = seed_demo(session, now=later)
    assert village.code == "demo" and village.created_at == NOW
    assert len(session.exec(select(Village)).all()) == 1 and len(session.exec(select(FamilyLink)).all()) == 1
    session.refresh(elder)
    assert elder.profile["note"] == "kept" and elder.profile["age"] == 78
    assert elder.role_set == {"elder", "volunteer"} and elder.created_at == NOW


def test_seeding_the_demo_again_binds_its_son_back_though_each_of_them_has_other_family_now(session):
    elder, son = by_openid(session, "demo-elder-1"), by_openid(session, "demo-family-1")
    session.delete(session.exec(select(FamilyLink)).one())  # unbound by hand
    session.add(FamilyLink(elder_id=by_openid(session, "demo-elder-2").id, family_id=son.id, relationship="侄子",
                           created_at=NOW))
    session.add(FamilyLink(elder_id=elder.id, family_id=by_openid(session, "demo-volunteer-5").id,
                           relationship="女儿", created_at=NOW))
    session.flush()
    seed_demo(session, now=NOW + timedelta(days=1))
    links = {(link.elder_id, link.relationship) for link in session.exec(select(FamilyLink).where(
        FamilyLink.family_id == son.id))}
    assert links == {(elder.id, "儿子"), (by_openid(session, "demo-elder-2").id, "侄子")}


def test_configured_admins_are_granted_the_role_once(session):
    from models.seed import ensure_admins

    later = NOW + timedelta(hours=1)
    assert ensure_admins(session, ["demo-admin", "new-admin", "demo-volunteer-1"], now=later) == 2
    new, volunteer = by_openid(session, "new-admin"), by_openid(session, "demo-volunteer-1")
    assert new.role_set == {"admin"} and volunteer.role_set == {"admin", "volunteer"}
    assert volunteer.updated_at == later
    assert ensure_admins(session, ["new-admin", "demo-volunteer-1"], now=later) == 0
    assert ensure_admins(session, [], now=later) == 0


# Binding: what each side is told, and the audit trail


def test_binding_limits_default_when_not_configured():
    assert binding.limits_from_config({}) == binding.limits_from_config({"binding": None}) == binding.Limits()
    assert binding.Limits() == binding.Limits(per_person=5, per_hour=30, lockout=timedelta(hours=1),
                                              confirm_within=timedelta(hours=24))
    assert binding.limits_from_config({"binding": {"confirm_hours": 2}}).lockout == timedelta(minutes=60)


def test_a_request_to_bind_asks_the_elder_urgently_with_who_asks_and_how_they_are_related(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "claims-to-be-son")
    family.name = "李强"
    code = binding.issue_code(session, elder, elder, now=NOW)
    assert audits(session, "binding.issue")[-1] == ("demo-elder-2", str(elder.id), None)
    asked = binding.redeem(session, family, code.code, "儿" * 40, now=NOW + timedelta(minutes=5),
                           limits=binding.Limits(confirm_within=timedelta(hours=2)))
    pending = asked.pending
    assert (asked.status, asked.elder) == (binding.ASKED, elder)
    assert (pending.code_id, pending.elder_id, pending.family_id, pending.relationship, pending.asked_id) == (
        code.id, elder.id, family.id, "儿" * 32, elder.id)
    assert (pending.status, pending.created_at, pending.expires_at) == (
        binding.PENDING, NOW + timedelta(minutes=5), NOW + timedelta(hours=2, minutes=5))
    [question] = asked.notices
    assert question == Notice("demo-elder-2", "family_consent", f"family_consent:{pending.id}", "people_bind_ask_elder",
                              {"number": pending.id, "relation": "儿" * 32, "who": "李强", "name": "李德福"},
                              outbox.URGENT)
    session.refresh(code)
    assert (code.used_at, code.used_by, code.live_code) == (NOW + timedelta(minutes=5), family.id, None)
    assert audits(session, "binding.request") == [("claims-to-be-son", str(elder.id), None)]
    assert [p.id for p in binding.asked_of(session, elder, now=NOW)] == [pending.id]
    assert binding.asked_of(session, family, now=NOW) == []


def test_a_second_request_while_one_waits_is_refused_and_the_same_code_cannot_bind_oneself(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "f1")
    binding.redeem(session, family, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    again = binding.issue_code(session, elder, elder, now=NOW)
    assert binding.redeem(session, family, again.code, "儿子", now=NOW).status == binding.WAITING
    assert binding.check(session, family, again.code, now=NOW).status == binding.WAITING
    assert binding.redeem(session, elder, again.code, "自己", now=NOW).status == binding.SELF
    bound = by_openid(session, "demo-family-1")
    assert binding.redeem(session, bound, binding.issue_code(session, by_openid(session, "demo-elder-1"), bound,
                                                             now=NOW).code, "儿子", now=NOW).status == binding.ALREADY
    assert binding.lookup(session, again.code, now=NOW)[0] == binding.OK  # refusals leave the code usable
    # Once the first request lapsed, another may be made.
    later = NOW + timedelta(hours=24)
    fresh = binding.issue_code(session, elder, elder, now=later)
    assert binding.redeem(session, family, fresh.code, "儿子", now=later).status == binding.ASKED


def test_a_wrong_code_is_recorded_against_the_person_for_a_day(session):
    guesser = person(session, "guesser")
    attempt = binding.check(session, guesser, "999999", now=NOW)
    assert (attempt.status, attempt.elder, attempt.notices) == (binding.NOT_FOUND, None, [])
    assert audits(session, "binding.fail") == [("guesser", "999999", {"status": "not_found"})]
    assert binding.failures(session, guesser, now=NOW + timedelta(hours=24, seconds=-1)) == 1
    assert binding.failures(session, guesser, now=NOW + timedelta(hours=24)) == 0
    assert binding.failures(session, person(session, "other"), now=NOW) == 0
    elder = by_openid(session, "demo-elder-2")
    code = binding.issue_code(session, elder, elder, now=NOW)
    used = binding.check(session, guesser, code.code, now=NOW + timedelta(hours=24))
    assert (used.status, used.elder) == (binding.EXPIRED, elder)
    ok = binding.check(session, guesser, binding.issue_code(session, elder, elder, now=NOW).code, now=NOW)
    assert (ok.status, ok.elder, ok.notices) == (binding.OK, elder, [])
    assert len(audits(session, "binding.fail")) == 2  # a valid code is no failure


def test_a_lockdown_alerts_county_admins_first_once_a_minute_with_the_count(session):
    county = person(session, "county", "county_admin")
    limits = binding.Limits(per_hour=2, lockout=timedelta(minutes=90))
    first = binding.check(session, person(session, "bot-1"), "999990", now=NOW, limits=limits)
    assert first.notices == []
    second = binding.check(session, person(session, "bot-2"), "999991", now=NOW + timedelta(seconds=30), limits=limits)
    assert second.notices == [Notice("county", "binding_lockdown", f"binding_lockdown:{NOW:%Y%m%dT%H%M}:{county.id}",
                                     "people_bind_lockdown_alert", {"count": 2, "minutes": 90}, outbox.URGENT)]
    assert audits(session, "binding.lockdown") == [("", "", {"wrong": 2})]
    assert binding.locked(session, now=NOW + timedelta(minutes=90), limits=limits)
    assert not binding.locked(session, now=NOW + timedelta(minutes=90, seconds=30), limits=limits)
    # Guesses older than an hour do not count towards the next lockdown.
    later = NOW + timedelta(hours=2)
    assert binding.check(session, person(session, "bot-3"), "999992", now=later, limits=limits).notices == []


def test_an_accepted_binding_tells_the_family_member_and_the_rest_of_the_elders_side(session):
    elder = by_openid(session, "demo-elder-2")
    maker, family = person(session, "maker"), person(session, "newcomer")
    family.name = "李强"
    binding.link(session, elder, maker, "女儿", now=NOW)
    asked = binding.redeem(session, family, binding.issue_code(session, elder, maker, now=NOW).code, "儿子", now=NOW)
    pending = asked.pending
    later = NOW + timedelta(hours=1)
    accepted = binding.decide(session, pending.id, elder, True, now=later)
    params = {"name": "李德福", "who": "李强", "relation": "儿子"}
    assert (accepted.status, accepted.elder) == (binding.ACCEPTED, elder)
    assert accepted.notices == [
        Notice("newcomer", "family_bound", f"family_bound:{pending.id}:newcomer", "people_bound", params),
        Notice("maker", "family_bound", f"family_bound:{pending.id}:maker", "people_bound_notice", params)]
    link = session.exec(select(FamilyLink).where(FamilyLink.family_id == family.id)).one()
    assert (link.elder_id, link.relationship, link.created_at) == (elder.id, "儿子", later)
    assert family.has_role("family")
    session.refresh(pending)
    assert (pending.status, pending.decided_at, pending.decided_by) == (binding.ACCEPTED, later, elder.id)
    assert audits(session, "binding.accepted") == [("demo-elder-2", f"{elder.id}:{family.id}", None)]


def test_when_a_coordinator_accepts_the_elder_and_the_maker_are_told(session):
    elder = by_openid(session, "demo-elder-2")
    maker, family = person(session, "maker"), person(session, "newcomer")
    binding.link(session, elder, maker, "女儿", now=NOW)
    asked = binding.redeem(session, family, binding.issue_code(session, elder, maker, now=NOW).code, "儿子", now=NOW)
    accepted = binding.decide(session, asked.pending.id, by_openid(session, "demo-admin"), True, now=NOW)
    assert [(n.openid, n.text_key) for n in accepted.notices] == [
        ("newcomer", "people_bound"), ("demo-elder-2", "people_bound_notice"), ("maker", "people_bound_notice")]


def test_when_the_maker_accepts_for_an_elder_without_wechat_only_the_family_member_is_told(session):
    elder = person(session, "offline-9-1", "elder")
    maker, family = person(session, "maker"), person(session, "newcomer")
    binding.link(session, elder, maker, "女儿", now=NOW)
    asked = binding.redeem(session, family, binding.issue_code(session, elder, maker, now=NOW).code, "儿子", now=NOW)
    accepted = binding.decide(session, asked.pending.id, maker, True, now=NOW)
    assert [(n.openid, n.text_key) for n in accepted.notices] == [("newcomer", "people_bound")]


def test_a_refused_binding_tells_the_family_member_only_and_binds_nobody(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "newcomer")
    family.name = "李强"
    asked = binding.redeem(session, family, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    refused = binding.decide(session, asked.pending.id, elder, False, now=NOW)
    assert refused.notices == [Notice("newcomer", "family_refused", f"family_refused:{asked.pending.id}",
                                      "people_bind_refused", {"name": "李德福", "who": "李强", "relation": "儿子"})]
    assert audits(session, "binding.refused") == [("demo-elder-2", f"{elder.id}:{family.id}", None)]
    assert not family.has_role("family")


def test_the_coordinators_asked_for_an_elder_without_wechat_hear_urgently_by_number(session):
    elder = person(session, "offline-9-1", "elder")
    elder.village_id = 1
    nephew = person(session, "nephew")
    asked = binding.redeem(session, nephew, binding.issue_code(session, elder, nephew, now=NOW).code, "侄子", now=NOW)
    admin = by_openid(session, "demo-admin")
    key = f"family_consent:{asked.pending.id}"
    assert [(n.openid, n.key, n.text_key, n.priority) for n in asked.notices] == [
        ("demo-admin", f"{key}:{admin.id}", "people_bind_ask_coordinator", outbox.URGENT)]
    assert binding.may_decide(session, asked.pending, admin)
    assert not binding.may_decide(session, asked.pending, nephew)
    assert not binding.may_decide(session, asked.pending, by_openid(session, "demo-volunteer-1"))


def test_unbinding_tells_the_other_side_with_the_text_given_and_is_recorded(session):
    elder, family = by_openid(session, "demo-elder-1"), by_openid(session, "demo-family-1")
    link = session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder.id)).one()
    assert binding.unbind(session, elder, link.id, now=NOW, notice="已解除绑定").id == family.id
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "family_unbound")).one()
    assert (told.key, told.openid, told.text, told.template_data) == (
        f"family_unbound:{link.id}:demo-family-1", "demo-family-1", "已解除绑定", {"title": "已解除绑定"})
    assert audits(session, "binding.unbind") == [("demo-elder-1", f"{elder.id}:{family.id}", None)]
    assert binding.unbind(session, elder, link.id, now=NOW, notice="again") is None


def test_an_elder_without_wechat_is_not_messaged_when_unbound(session):
    daughter = person(session, "daughter")
    elder = session.get(User, membership.register_elder(session, daughter, _registration(), now=NOW).user_id)
    [(link, other, side)] = binding.links_of(session, daughter)
    assert (other.id, side) == (elder.id, "elder")
    assert [(o.id, s) for _, o, s in binding.links_of(session, elder)] == [(daughter.id, "family")]
    assert binding.unbind(session, daughter, link.id, now=NOW, notice="x").id == elder.id
    assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "family_unbound")).all() == []


# Who sees an elder's details, coordinators' reach, roles and qualifications


def test_the_details_card_shows_the_profile_phone_or_else_the_account_phone_and_notes_only_with_consent(session):
    from models.privacy import consent

    elder, admin = by_openid(session, "demo-elder-1"), by_openid(session, "demo-admin")
    profile = membership.profile_of(session, elder)
    profile.phone, profile.health_notes = "", "糖尿病"
    session.flush()
    card = contact_card(session, elder, admin)
    assert card == membership.ContactCard("王秀英", 78, "示范村东头12号", "13800000001", True, "",
                                          [{"name": "王建国", "phone": "13900000001"}])
    consent.record(session, elder.id, consent.HEALTH_NOTES, granted=True, given_by=elder.id, now=NOW)
    profile.phone = "0571-1234567"
    session.flush()
    card = contact_card(session, elder, admin)
    assert (card.phone, card.health_notes) == ("0571-1234567", "糖尿病")
    assert membership.health_notes_of(session, elder) == "糖尿病"
    # Someone with the elder role but no registration: their name and account phone, nothing else.
    bare = person(session, "bare-elder", "elder")
    bare.name, bare.phone, bare.village_id = "孙婆婆", "13811112222", admin.village_id
    session.flush()
    assert contact_card(session, bare, admin) == membership.ContactCard("孙婆婆", None, "", "13811112222", False, "",
                                                                        [])
    consent.record(session, bare.id, consent.HEALTH_NOTES, granted=True, given_by=bare.id, now=NOW)
    assert membership.health_notes_of(session, bare) == ""


def test_the_elder_themself_and_bound_family_may_see_but_not_a_stranger(session):
    elder, family = by_openid(session, "demo-elder-1"), by_openid(session, "demo-family-1")
    assert membership.may_see(session, elder, elder) and membership.may_see(session, elder, family)
    assert not membership.may_see(session, elder, by_openid(session, "demo-elder-2"))
    assert not membership.may_see(session, by_openid(session, "demo-elder-2"), family)


def test_a_coordinator_reaches_their_village_a_county_admin_every_village(session):
    admin, county = by_openid(session, "demo-admin"), person(session, "county", "county_admin")
    nowhere = person(session, "nowhere-admin", "admin")  # a coordinator without a village reaches none
    volunteer = by_openid(session, "demo-volunteer-1")
    assert membership.reaches_village(admin, admin.village_id) and not membership.reaches_village(admin, None)
    assert not membership.reaches_village(admin, admin.village_id + 1)
    assert membership.reaches_village(county, None) and membership.reaches_village(county, 99)
    assert not membership.reaches_village(nowhere, None)
    assert not membership.reaches_village(volunteer, volunteer.village_id)  # a villager is no coordinator
    assert membership.is_coordinator(admin) and membership.is_coordinator(county)
    assert not membership.is_coordinator(volunteer)


def test_a_coordinators_elders_in_id_order_with_their_profiles(session):
    admin = by_openid(session, "demo-admin")
    bare = person(session, "bare-elder", "elder")
    bare.village_id = admin.village_id
    elsewhere = elsewhere_admin(session)
    far = person(session, "far-elder", "elder")
    far.village_id = elsewhere.village_id
    session.flush()
    found = membership.elders_in_scope(session, admin)
    assert [(u.openid, p is not None) for u, p in found] == [
        ("demo-elder-1", True), ("demo-elder-2", True), ("demo-elder-3", True), ("bare-elder", False)]
    assert all(p.user_id == u.id for u, p in found if p is not None)
    assert [u.openid for u, _ in membership.elders_in_scope(session, elsewhere)] == ["far-elder"]
    county = person(session, "county", "county_admin")
    assert len(membership.elders_in_scope(session, county)) == 5


def test_someone_is_registered_by_any_role_or_an_elder_profile(session):
    follower = person(session, "follower")
    assert not membership.is_registered(session, follower) and not membership.is_elder(session, follower)
    assert membership.is_registered(session, person(session, "partner", "partner"))
    profiled = person(session, "profiled")
    session.add(membership.ElderProfile(user_id=profiled.id, consent_at=NOW, consent_by_user_id=profiled.id,
                                        registered_by_user_id=profiled.id, created_at=NOW, updated_at=NOW))
    session.flush()
    assert membership.is_registered(session, profiled) and membership.is_elder(session, profiled)


def test_roles_are_stored_comma_wrapped_and_only_known_ones(session):
    from models.people.users import roles_text, set_subscribed, users_with_role, village_by_code

    assert roles_text(["volunteer", "elder", "elder"]) == ",elder,volunteer,"
    assert roles_text([]) == ","
    with pytest.raises(ValueError, match="doctor"):
        roles_text(["elder", "doctor"])
    user = person(session, "newcomer")
    assert (user.roles, user.created_at, user.updated_at, user.subscribed) == (",", NOW, NOW, True)
    assert get_or_create_user(session, "newcomer", now=NOW + timedelta(days=1)) is user
    grant_roles(user, ["family"], now=NOW + timedelta(hours=1))
    grant_roles(user, ["volunteer"], now=NOW + timedelta(hours=2))
    assert (user.roles, user.updated_at) == (",family,volunteer,", NOW + timedelta(hours=2))
    assert user.has_role("family") and not user.has_role("famil")
    later = NOW + timedelta(days=2)
    assert set_subscribed(session, "newcomer", False, now=later) is user
    assert (user.subscribed, user.updated_at) == (False, later)
    assert set_subscribed(session, "brand-new", False, now=later).subscribed is False
    village = village_by_code(session, "demo")
    assert village is not None and village_by_code(session, "nope") is None
    volunteers = users_with_role(session, "volunteer", village.id)
    assert [u.openid for u in volunteers] == [f"demo-volunteer-{n}" for n in range(1, 6)]
    assert [u.openid for u in users_with_role(session, "volunteer")][-1] == "newcomer"  # no village: everyone's
    assert users_with_role(session, "volunteer", village.id + 1) == []


def test_a_qualification_counts_until_it_expires_to_the_second(session):
    from models.people.volunteers import grant_training, qualifications

    first, second = by_openid(session, "demo-volunteer-1"), by_openid(session, "demo-volunteer-3")
    expiry = NOW + timedelta(days=365)
    record = grant_training(session, first, "first_aid", now=NOW, expires_at=expiry, source="training:7")
    assert (record.user_id, record.qualification, record.source, record.granted_at, record.expires_at) == (
        first.id, "first_aid", "training:7", NOW, expiry)
    grant_training(session, second, "repair", now=NOW)
    held = qualifications(session, [first.id, second.id], now=expiry - timedelta(seconds=1))
    assert held == {first.id: {"first_aid"}, second.id: {"repair"}}
    assert qualifications(session, [first.id, second.id], now=expiry) == {first.id: set(), second.id: {"repair"}}
    # Granted again from the same source: the same record, its expiry moved.
    again = grant_training(session, first, "first_aid", now=expiry, expires_at=None, source="training:7")
    assert again.id == record.id and again.granted_at == NOW
    assert qualifications(session, [first.id], now=expiry + timedelta(days=1)) == {first.id: {"first_aid"}}


def test_seeding_the_demo_again_puts_its_volunteers_back_on_duty(session):
    from models.people.volunteers import volunteer_of

    volunteer = by_openid(session, "demo-volunteer-2")
    volunteering.set_on_duty(session, volunteer, False, now=NOW)
    session.flush()
    seed_demo(session, now=NOW + timedelta(days=1))
    assert volunteer_of(session, volunteer).on_duty


def test_a_mobile_written_with_0086_is_that_mobile():
    assert normalize_mobile("0086 138 1234 5678") == "13812345678"


def test_withdrawing_health_consent_of_an_elder_registered_by_family_works(session):
    daughter = person(session, "daughter")
    profile = membership.register_elder(session, daughter, _registration(notes="心脏病"), now=NOW)
    elder = session.get(User, profile.user_id)
    assert elder.profile is None  # registered in the chat form: no free-form profile
    membership.forget_health_notes(session, elder, now=NOW)
    assert profile.health_notes == "" and elder.profile is None


def test_each_elders_registrations_are_numbered_on_their_own(session):
    first, second = person(session, "self-1"), person(session, "self-2")
    membership.register_elder(session, first, _registration("甲", relationship=""), now=NOW)
    membership.register_elder(session, second, _registration("乙", relationship=""), now=NOW)
    binding.issue_code(session, second, second, now=NOW)  # audited with the elder as its target too
    membership.tell_coordinators_of_elder(session, second, text="新老人", now=NOW)
    told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "elder_registered")).one()
    assert told.key == f"elder_registered:{second.id}:1:demo-admin"


def test_a_card_lists_an_elder_by_role_without_a_registration_first(session):
    bare = person(session, "bare-elder", "elder")
    assert binding.card_of(session, bare.id).elders == ((bare.id, bare.name),)


def test_pending_elders_come_with_their_registration(session):
    daughter = person(session, "daughter")
    profile = membership.register_elder(session, daughter, _registration(), now=NOW)
    [(elder, registration)] = membership.pending_elders(session, by_openid(session, "demo-admin"))
    assert (elder.id, registration.id, registration.address) == (profile.user_id, profile.id, "西头3号")


def test_verifying_someone_never_registered_as_an_elder_does_nothing(session):
    admin = by_openid(session, "demo-admin")
    assert membership.verify_elder(session, admin, by_openid(session, "demo-volunteer-1").id, now=NOW, text="x") is None


def test_a_decided_or_lapsed_binding_is_no_longer_waiting_for_anyone(session):
    elder, admin = by_openid(session, "demo-elder-2"), by_openid(session, "demo-admin")
    offline = person(session, "offline-9-1", "elder")
    offline.village_id = admin.village_id
    son, nephew = person(session, "son"), person(session, "nephew")
    asked = binding.redeem(session, son, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    theirs = binding.redeem(session, nephew, binding.issue_code(session, offline, nephew, now=NOW).code, "侄子",
                            now=NOW)
    day = NOW + timedelta(hours=24)
    assert binding.asked_of(session, elder, now=day - timedelta(seconds=1)) == [asked.pending]
    assert binding.awaiting_coordinator(session, admin, now=day - timedelta(seconds=1)) == [theirs.pending]
    assert binding.asked_of(session, elder, now=day) == []  # lapsed at the day, to the second
    assert binding.awaiting_coordinator(session, admin, now=day) == []
    binding.decide(session, asked.pending.id, elder, False, now=NOW)
    binding.decide(session, theirs.pending.id, admin, True, now=NOW)
    assert binding.asked_of(session, elder, now=NOW) == []
    assert binding.awaiting_coordinator(session, admin, now=NOW) == []


def test_a_wrong_code_an_hour_old_no_longer_counts_towards_a_lockdown(session):
    limits = binding.Limits(per_hour=2)
    binding.check(session, person(session, "bot-1"), "999990", now=NOW, limits=limits)
    late = binding.check(session, person(session, "bot-2"), "999991", now=NOW + timedelta(hours=1), limits=limits)
    assert late.notices == [] and not binding.locked(session, now=NOW + timedelta(hours=1), limits=limits)


# Survivors of the fifth mutation pass (docs/testing.md "`people`, fifth session")


def test_deciding_one_sign_up_leaves_the_others_waiting(session):
    admin = by_openid(session, "demo-admin")
    first, second = person(session, "newbie-1"), person(session, "newbie-2")
    records = [volunteering.submit(session, user, volunteering.SignUp(name, "13812345678", 1, ["errand"],
                                                                      ["weekend_morning"]), now=NOW,
                                   alert=lambda v: "x")
               for user, name in ((first, "李小红"), (second, "王小明"))]
    status, volunteer, _ = volunteering.review(session, admin, records[0].id, approve=True, reason="", now=NOW,
                                               outcome=lambda v, u: "ok")
    assert (status, volunteer.status) == (volunteering.DONE, "approved")
    session.refresh(records[1])
    assert records[1].status == PENDING and not second.has_role("volunteer")
    assert [v.id for v, _ in volunteering.pending(session, admin)] == [records[1].id]
    rejected = volunteering.review(session, admin, records[1].id, approve=False, reason="电话打不通", now=NOW,
                                   outcome=lambda v, u: "no")
    assert (rejected[0], rejected[1].status) == (volunteering.DONE, REJECTED)
    session.refresh(records[0])
    assert (records[0].status, records[0].reject_reason) == ("approved", "")


def test_only_wrong_codes_count_towards_the_daily_limit_not_other_things_a_person_did(session):
    daughter = person(session, "busy-daughter")
    membership.register_elder(session, daughter, _registration(), now=NOW)  # audited: elder.register
    answers = volunteering.SignUp("赵芳", "13900000009", 1, ["errand"], ["weekend_morning"])
    volunteering.submit(session, daughter, answers, now=NOW, alert=lambda v: "x")  # audited: volunteer.submit
    elder = by_openid(session, "demo-elder-2")
    binding.issue_code(session, elder, elder, now=NOW)
    for n in range(binding.MAX_FAILURES - 1):
        assert binding.check(session, daughter, f"99999{n}", now=NOW).status == binding.NOT_FOUND
    assert binding.failures(session, daughter, now=NOW) == binding.MAX_FAILURES - 1
    code = binding.issue_code(session, elder, elder, now=NOW)
    assert binding.check(session, daughter, code.code, now=NOW).status == binding.OK


def test_a_refusal_names_the_elder_it_was_for(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "newcomer")
    asked = binding.redeem(session, family, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    refused = binding.decide(session, asked.pending.id, elder, False, now=NOW)
    assert (refused.status, refused.elder) == (binding.REFUSED, elder)  # the chat's answer names them


def test_a_binding_answered_at_the_moment_it_lapses_is_lapsed(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "late")
    asked = binding.redeem(session, family, binding.issue_code(session, elder, elder, now=NOW).code, "女儿", now=NOW)
    day = NOW + timedelta(hours=24)
    assert binding.decide(session, asked.pending.id, elder, True, now=day).status == binding.LAPSED
    assert not membership.is_bound(session, elder, family)


def test_the_coordinators_asked_about_an_elder_without_wechat_hear_who_asks_for_whom(session):
    elder = person(session, "offline-9-1", "elder")
    elder.name, elder.village_id = "赵奶奶", 1
    nephew = person(session, "nephew")
    nephew.name = "赵明"
    asked = binding.redeem(session, nephew, binding.issue_code(session, elder, nephew, now=NOW).code, "侄子", now=NOW)
    admin = by_openid(session, "demo-admin")
    number = asked.pending.id
    assert asked.notices == [Notice("demo-admin", "family_consent", f"family_consent:{number}:{admin.id}",
                                    "people_bind_ask_coordinator",
                                    {"number": number, "relation": "侄子", "who": "赵明", "name": "赵奶奶"},
                                    outbox.URGENT)]


def test_a_code_made_in_the_name_of_an_elder_without_wechat_is_confirmed_by_their_coordinators(session):
    elder = person(session, "offline-9-1", "elder")
    elder.village_id = 1
    son = person(session, "son")
    asked = binding.redeem(session, son, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    assert asked.pending.asked_id is None  # never the elder, who cannot be messaged
    assert [(n.openid, n.text_key) for n in asked.notices] == [("demo-admin", "people_bind_ask_coordinator")]


def test_a_coordinator_binding_themself_with_a_code_they_made_does_not_answer_their_own_request(session):
    elder = person(session, "offline-9-1", "elder")
    admin = by_openid(session, "demo-admin")
    elder.village_id = admin.village_id
    asked = binding.redeem(session, admin, binding.issue_code(session, elder, admin, now=NOW).code, "儿子", now=NOW)
    assert asked.pending.asked_id is None  # the elder's coordinators, not the maker asking for themself
    assert binding.decide(session, asked.pending.id, admin, True, now=NOW).status == binding.NOT_FOUND


def test_a_refused_request_to_bind_names_the_elder_in_its_answer(session):
    elder, family = by_openid(session, "demo-elder-2"), person(session, "f1")
    binding.redeem(session, family, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    waiting = binding.redeem(session, family, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    assert (waiting.status, waiting.elder) == (binding.WAITING, elder)  # 您绑定{name}的请求还在等对方确认
    old, bound = by_openid(session, "demo-elder-1"), by_openid(session, "demo-family-1")
    already = binding.redeem(session, bound, binding.issue_code(session, old, bound, now=NOW).code, "儿子", now=NOW)
    assert (already.status, already.elder) == (binding.ALREADY, old)  # 您已经绑定了{name}


def test_using_a_code_leaves_every_other_code_usable(session):
    elder, other_elder = by_openid(session, "demo-elder-2"), by_openid(session, "demo-elder-3")
    mine, theirs = binding.issue_code(session, elder, elder, now=NOW), binding.issue_code(session, other_elder,
                                                                                          other_elder, now=NOW)
    assert binding.redeem(session, person(session, "son"), mine.code, "儿子", now=NOW).status == binding.ASKED
    assert binding.lookup(session, theirs.code, now=NOW)[0] == binding.OK
    session.refresh(theirs)
    assert (theirs.used_at, theirs.used_by, theirs.live_code) == (None, None, theirs.code)
    assert binding.redeem(session, person(session, "niece"), theirs.code, "侄女", now=NOW).status == binding.ASKED


def test_a_code_may_be_any_of_a_million_six_digit_numbers(session):
    elder = by_openid(session, "demo-elder-2")
    highest = binding.issue_code(session, elder, elder, now=NOW, rng=SimpleNamespace(randrange=lambda n: n - 1))
    lowest = binding.issue_code(session, elder, elder, now=NOW, rng=SimpleNamespace(randrange=lambda n: 0))
    assert (highest.code, lowest.code) == ("999999", "000000")


def test_an_expired_codes_digits_are_free_again_at_the_moment_it_expires(session):
    elder = by_openid(session, "demo-elder-2")
    same = SimpleNamespace(randrange=lambda n: 424242)  # every draw the same digits
    first = binding.issue_code(session, elder, elder, now=NOW, rng=same)
    day = NOW + timedelta(hours=24)
    assert binding.lookup(session, first.code, now=day)[0] == binding.EXPIRED
    again = binding.issue_code(session, elder, elder, now=day, rng=same)  # not "no free code after 50 tries"
    assert again.code == first.code == "424242" and again.id != first.id


def test_the_card_of_an_elder_who_registered_later_shows_their_notes_once_they_consent(session):
    from models.privacy import consent

    me, admin = person(session, "late-elder"), by_openid(session, "demo-admin")
    membership.register_elder(session, me, _registration("钱大爷", relationship="", notes="高血压"), now=NOW)
    assert contact_card(session, me, admin).health_notes == ""
    consent.record(session, me.id, consent.HEALTH_NOTES, granted=True, given_by=me.id, now=NOW)
    assert contact_card(session, me, admin).health_notes == "高血压"


def test_seeding_the_demo_again_registers_nobody_of_another_village(session):
    admin = elsewhere_admin(session)
    stranger = person(session, "elsewhere-elder", "elder")  # an elder by role, never registered
    stranger.village_id = admin.village_id
    session.flush()
    seed_demo(session, now=NOW + timedelta(days=1))
    assert membership.profile_of(session, stranger) is None  # no consent given in their name


def test_an_elder_added_to_the_demo_village_without_details_is_seeded_with_empty_ones(session):
    village = session.exec(select(Village).where(Village.code == "demo")).one()
    newcomer = person(session, "demo-elder-new", "elder")
    newcomer.village_id, newcomer.phone = village.id, "13800000009"
    session.flush()
    seed_demo(session, now=NOW + timedelta(days=1))
    profile = membership.profile_of(session, newcomer)
    assert (profile.age, profile.address, profile.phone, profile.lives_alone, profile.emergency_contacts) == (
        None, "", "13800000009", False, [])
    assert not profile.needs_verification


def test_a_qualification_from_two_sources_counts_while_either_does(session):
    from models.people.volunteers import TrainingRecord, grant_training, qualifications

    volunteer = by_openid(session, "demo-volunteer-1")
    lasting = grant_training(session, volunteer, "first_aid", now=NOW, source="manual")
    course = grant_training(session, volunteer, "first_aid", now=NOW, expires_at=NOW + timedelta(days=365),
                            source="event:7")
    assert course.id != lasting.id and lasting.expires_at is None
    assert len(session.exec(select(TrainingRecord).where(TrainingRecord.user_id == volunteer.id,
                                                         TrainingRecord.qualification == "first_aid")).all()) == 2
    assert qualifications(session, [volunteer.id], now=NOW + timedelta(days=400))[volunteer.id] >= {"first_aid"}


def test_someone_with_the_elder_role_but_no_registration_acts_for_themself(session):
    bare = person(session, "bare-elder", "elder")
    assert membership.is_elder(session, bare) and membership.profile_of(session, bare) is None
    assert binding.acts_for(session, bare) == [bare]
    assert not membership.is_elder(session, person(session, "bare-family", "family"))


def test_a_request_waiting_for_one_elder_does_not_hold_up_a_request_for_another(session):
    son = person(session, "son")
    first, second = by_openid(session, "demo-elder-2"), by_openid(session, "demo-elder-3")
    assert binding.redeem(session, son, binding.issue_code(session, first, first, now=NOW).code, "儿子",
                          now=NOW).status == binding.ASKED
    assert binding.redeem(session, son, binding.issue_code(session, second, second, now=NOW).code, "儿子",
                          now=NOW).status == binding.ASKED


def test_after_a_refusal_the_elder_may_give_a_new_code_that_works_at_once(session):
    elder, son = by_openid(session, "demo-elder-2"), person(session, "son")
    asked = binding.redeem(session, son, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    binding.decide(session, asked.pending.id, elder, False, now=NOW)  # pressed 2 by mistake
    again = binding.redeem(session, son, binding.issue_code(session, elder, elder, now=NOW).code, "儿子", now=NOW)
    assert again.status == binding.ASKED
