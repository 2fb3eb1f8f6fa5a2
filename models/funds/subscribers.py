"""Who asked for the monthly statement: opt-in, per person and village (nobody gets it unasked)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, insert_ignore, utc_field
from models.people.membership import is_offline
from models.people.users import User


class FundSubscriber(SQLModel, table=True):
    __tablename__ = "fund_subscribers"

    openid: str = Field(primary_key=True, max_length=64)
    village_id: int = Field(primary_key=True, foreign_key="villages.id")
    created_at: datetime = utc_field()


def subscribe(session: Session, openid: str, village_id: int, *, now: datetime) -> bool:
    """Opt in; False when already in."""
    return insert_ignore(session, FundSubscriber, {"openid": openid, "village_id": village_id,
                                                    "created_at": as_utc(now)})


def unsubscribe(session: Session, openid: str, village_id: int) -> bool:
    """Opt out; False when not in."""
    row = session.get(FundSubscriber, (openid, village_id))
    if row is None:
        return False
    session.delete(row)
    return True


def followers(session: Session, village_id: int) -> list[User]:
    """Those opted in who still follow the account."""
    query = (select(User).join(FundSubscriber, col(FundSubscriber.openid) == User.openid)
             .where(FundSubscriber.village_id == village_id, col(User.subscribed).is_(True))
             .order_by(col(User.id)))
    return [user for user in session.exec(query) if not is_offline(user)]
