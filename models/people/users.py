"""Villages, users and the links between elders and their families."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import json_field, utc_field

ROLES = ("elder", "family", "volunteer", "admin", "county_admin", "partner")


class Village(SQLModel, table=True):
    __tablename__ = "villages"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=64)
    county: str = Field(default="", max_length=64)
    created_at: datetime = utc_field()


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(max_length=64, unique=True, index=True)
    unionid: str | None = Field(default=None, max_length=64, index=True)
    name: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    # Comma-wrapped role names (",elder,volunteer,") so a LIKE query finds one role.
    roles: str = Field(default=",", max_length=200)
    village_id: int | None = Field(default=None, foreign_key="villages.id", index=True)
    profile: dict[str, Any] | None = json_field()
    subscribed: bool = Field(default=True)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()

    def has_role(self, role: str) -> bool:
        """Tell whether the user holds a role."""
        return f",{role}," in self.roles

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(",") if r}


class FamilyLink(SQLModel, table=True):
    """A family member bound to an elder; either side may have several."""

    __tablename__ = "family_links"
    __table_args__ = (sa.UniqueConstraint("elder_id", "family_id", name="uq_family_link"),)

    id: int | None = Field(default=None, primary_key=True)
    elder_id: int = Field(foreign_key="users.id", index=True)
    family_id: int = Field(foreign_key="users.id", index=True)
    relationship: str = Field(default="", max_length=32)
    created_at: datetime = utc_field()


def roles_text(roles: Iterable[str]) -> str:
    """Render a role set in the stored comma-wrapped form."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return "," + ",".join(sorted(set(roles))) + ("," if roles else "")


_USER_BY_OPENID = select(User).where(User.openid == sa.bindparam("openid"))


def get_or_create_user(session: Session, openid: str, *, now: datetime) -> User:
    """Return the user with this openid, creating a bare record on first contact."""
    # One prepared ORM select (every message runs this); the insert only on first contact.
    user = session.execute(_USER_BY_OPENID, {"openid": openid}).scalars().first()
    if user is None:
        user = User(openid=openid, created_at=now, updated_at=now)
        session.add(user)
        session.flush()
    return user


def grant_roles(user: User, roles: Iterable[str], *, now: datetime) -> None:
    """Add roles to a user, keeping the ones it has."""
    user.roles = roles_text(user.role_set | set(roles))
    user.updated_at = now


def users_with_role(session: Session, role: str, village_id: int | None = None) -> list[User]:
    """List users holding a role, optionally in one village."""
    query = select(User).where(col(User.roles).contains(f",{role},"))
    if village_id is not None:
        query = query.where(User.village_id == village_id)
    return list(session.exec(query.order_by(col(User.id))))


def set_subscribed(session: Session, openid: str, subscribed: bool, *, now: datetime) -> User:
    """Record a follow or an unfollow."""
    user = get_or_create_user(session, openid, now=now)
    user.subscribed = subscribed
    user.updated_at = now
    return user


def village_by_code(session: Session, code: str) -> Village | None:
    """Find a village by its short code (used in QR scenes)."""
    return session.exec(select(Village).where(Village.code == code)).first()
