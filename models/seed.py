"""The demo village: fixed personas an operator, a newcomer or a test client can play."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from models.base import id_of
from models.checkin.reports import seed_checkin
from models.events.seed import seed_events
from models.people.membership import seed_people
from models.people.users import FamilyLink, User, Village, get_or_create_user, grant_roles, village_by_code
from models.people.volunteers import APPROVED, SLOTS, grant_training, upsert_volunteer

DEMO_VILLAGE = {"code": "demo", "name": "示范村", "county": "示范县"}
ELDERS = [
    ("demo-elder-1", "王秀英", "13800000001", {"age": 78, "lives_alone": True, "address": "示范村东头12号"}),
    ("demo-elder-2", "李德福", "13800000002", {"age": 82, "lives_alone": False, "address": "示范村北街3号"}),
    ("demo-elder-3", "赵桂兰", "13800000003", {"age": 74, "lives_alone": True, "address": "示范村西坡7号"}),
]
FAMILY = ("demo-family-1", "王建国", "13900000001", "demo-elder-1", "儿子")
# (openid, name, phone, skills, qualifications from training, partner organisation)
VOLUNTEERS = [
    ("demo-volunteer-1", "张志强", "13700000001", ["errand", "repair"], [], ""),
    ("demo-volunteer-2", "刘美华", "13700000002", ["companionship", "meal", "daily_care"], ["daily_care"], ""),
    ("demo-volunteer-3", "陈建军", "13700000003", ["farm_work", "repair", "errand"], [], ""),
    ("demo-volunteer-4", "杨丽", "13700000004", ["medical", "daily_care", "companionship"],
     ["medical", "daily_care"], "乡镇卫生院"),
    ("demo-volunteer-5", "周大勇", "13700000005", ["errand", "meal", "farm_work"], [], ""),
]
ADMIN = ("demo-admin", "孙主任", "13600000001")


def seed_demo(session: Session, *, now: datetime) -> Village:
    """Create or refresh the demo village and its personas (idempotent)."""
    village = village_by_code(session, DEMO_VILLAGE["code"])
    if village is None:
        village = Village(created_at=now, code=DEMO_VILLAGE["code"], name=DEMO_VILLAGE["name"],
                          county=DEMO_VILLAGE["county"])
        session.add(village)
        session.flush()
    for openid, name, phone, profile in ELDERS:
        _person(session, openid, name, phone, village, ["elder"], profile, now)
    fam_openid, fam_name, fam_phone, elder_openid, relation = FAMILY
    family = _person(session, fam_openid, fam_name, fam_phone, village, ["family"], {}, now)
    _bind(session, elder_openid, family, relation, now)
    for openid, name, phone, skills, trained, partner in VOLUNTEERS:
        user = _person(session, openid, name, phone, village, ["volunteer"],
                       {"skills": skills, "volunteer_status": "approved", "on_duty": True}, now)
        session.flush()
        upsert_volunteer(session, user, now=now, status=APPROVED, skills=skills, availability=list(SLOTS),
                         on_duty=True, partner_org=partner, consent_at=now)
        for qualification in trained:
            grant_training(session, user, qualification, now=now, source="seed")
    _person(session, ADMIN[0], ADMIN[1], ADMIN[2], village, ["admin"], {}, now)
    seed_people(session, village, now=now)
    seed_events(session, village, now=now)
    seed_checkin(session, village, now=now)
    return village


def _person(session: Session, openid: str, name: str, phone: str, village: Village, roles: list[str],
            profile: dict, now: datetime) -> User:
    user = get_or_create_user(session, openid, now=now)
    user.name, user.phone, user.village_id = name, phone, village.id
    user.profile = {**(user.profile or {}), **profile}
    grant_roles(user, roles, now=now)
    session.add(user)
    return user


def _bind(session: Session, elder_openid: str, family: User, relation: str, now: datetime) -> None:
    elder = session.exec(select(User).where(User.openid == elder_openid)).one()
    exists = session.exec(select(FamilyLink).where(FamilyLink.elder_id == elder.id,
                                                   FamilyLink.family_id == family.id)).first()
    if exists is None:
        session.add(FamilyLink(elder_id=id_of(elder), family_id=id_of(family), relationship=relation, created_at=now))


def ensure_admins(session: Session, openids: list[str], *, now: datetime) -> int:
    """Grant the admin role to configured openids; return how many were new admins."""
    granted = 0
    for openid in openids:
        user = get_or_create_user(session, openid, now=now)
        if not user.has_role("admin"):
            grant_roles(user, ["admin"], now=now)
            session.add(user)
            granted += 1
    return granted
