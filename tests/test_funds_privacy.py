"""The public ledger and personal information rights: an anonymous donor stays anonymous whoever cancels
their account, a named donor who cancels (or withdraws the publication consent) is named no more, and a
named gift from a registered person is recorded as that person's publication consent."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.db import session_scope
from models.funds import ledger
from models.people.users import User, village_by_code
from models.privacy import consent
from tests.fakes.dialogue import build_town
from tests.funds_support import add_coordinator, run

ADMIN, FAMILY, VOLUNTEER = "demo-admin", "demo-family-1", "demo-volunteer-1"
NAMED = "王建国"  # demo-family-1's name: the CLI finds the person by it


@pytest.fixture
def town(make_app, signer, clock, fake_wechat):
    say = build_town(make_app, signer, clock, fake_wechat)
    add_coordinator(say.rt, now=clock())
    for openid in (ADMIN, FAMILY, VOLUNTEER):
        say(openid, "你好")
    return say


def person(rt, openid: str) -> User:
    with Session(rt.engine) as session:
        return session.exec(select(User).where(User.openid == openid)).one()


def public_views(town) -> tuple[str, str, str]:
    client = town.app.test_client()
    return (client.get("/public/demo/funds").get_data(as_text=True),
            client.get("/public/demo/funds.json").get_data(as_text=True),
            client.get("/public/demo/funds.csv").get_data().decode("utf-8-sig"))


def donors_in_json(town) -> list[tuple[str | None, bool]]:
    data = town.app.test_client().get("/public/demo/funds.json").get_json()
    return [(row["donor"], row["anonymous"]) for row in data["entries"] if row["kind"] == "donation"]


def shown_as_anonymous(town, hidden: str, named: str) -> None:
    """The page and the CSV say 匿名 where the JSON has no donor; the hidden name is in none of them."""
    page, data, sheet = public_views(town)
    for view in (page, data, sheet):
        assert hidden not in view and named in view
    assert "匿名" in page and "匿名" in sheet and '"anonymous": true' in data


def cancel(town, openid: str) -> None:
    assert "回复1 确认注销" in town(openid, "注销")
    assert "已注销" in town(openid, "1")


def anonymous_gift_recorded_by_the_coordinator(town) -> str:
    """A volunteer gives anonymously; demo-admin records it (the entry's actor). Returns the giver's name."""
    giver = person(town.rt, VOLUNTEER)
    with session_scope(town.rt.engine) as session:
        village = village_by_code(session, "demo")
        gift = ledger.Gift(donor=giver.name, amount_fen=20000, consent=False, donor_openid=VOLUNTEER)
        ledger.donate(session, village, gift, actor=ADMIN, now=town.clock())
    return giver.name


def test_an_anonymous_donor_stays_anonymous_after_the_recorder_and_the_donor_cancel(town):
    hidden = anonymous_gift_recorded_by_the_coordinator(town)
    assert run(town.app.test_cli_runner(), "donate", "--village", "demo", "--donor", NAMED, "--amount", "500",
               ).exit_code == 0
    shown_as_anonymous(town, hidden, NAMED)
    assert sorted(donors_in_json(town), key=str) == sorted([(None, True), (NAMED, False)], key=str)

    cancel(town, ADMIN)  # the coordinator who recorded the anonymous gift
    assert run(town.app.test_cli_runner(), "verify").exit_code == 0  # the chain is untouched by the erasure
    shown_as_anonymous(town, hidden, NAMED)

    cancel(town, VOLUNTEER)  # the anonymous donor
    for view in public_views(town):
        assert hidden not in view and NAMED in view
    assert (None, True) in donors_in_json(town)


def test_a_named_donor_who_cancels_is_anonymous_on_every_public_view(town):
    assert run(town.app.test_cli_runner(), "donate", "--village", "demo", "--donor", NAMED, "--amount", "500",
               ).exit_code == 0
    family_id = person(town.rt, FAMILY).id
    with Session(town.rt.engine) as session:  # the named gift is kept as the person's publication consent
        [given] = [c for c in consent.history(session, family_id) if c.purpose == consent.PUBLICATION]
        assert given.granted and given.given_by_user_id == family_id and given.text_version == "funds-named-gift"
    assert donors_in_json(town) == [(NAMED, False)]
    cancel(town, FAMILY)
    page, data, sheet = public_views(town)
    for view in (page, data, sheet):
        assert NAMED not in view, view[:200]
    assert "匿名" in page and "匿名" in sheet
    assert donors_in_json(town) == [(None, True)]


def test_withdrawing_the_publication_consent_makes_past_gifts_anonymous(town):
    run(town.app.test_cli_runner(), "donate", "--village", "demo", "--donor", NAMED, "--amount", "100",
        "--in-kind", "大米5袋")
    data = town.app.test_client().get("/public/demo/funds.json").get_json()
    assert data["in_kind"][0]["donor"] == NAMED
    listing = town(FAMILY, "撤回同意")
    number = next(line.split()[0] for line in listing.splitlines() if "公开感谢或故事" in line)
    assert "已撤回" in town(FAMILY, f"撤回同意 {number}")
    data = town.app.test_client().get("/public/demo/funds.json").get_json()
    assert data["in_kind"][0]["donor"] is None and data["in_kind"][0]["anonymous"] is True
    assert NAMED not in "".join(public_views(town))


def test_a_named_donor_who_is_no_registered_person_is_named_with_the_consent_of_the_gift(town):
    run(town.app.test_cli_runner(), "donate", "--village", "demo", "--donor", "县商会", "--amount", "1000")
    assert donors_in_json(town) == [("县商会", False)]
