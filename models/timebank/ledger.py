"""The time bank's books: accounts, movements (one per idempotency key) and their balanced lines.

Every movement's lines sum to zero, so all balances together always sum to zero: minutes a volunteer
earns are minutes the village pool issued (the pool is the only account that may go negative). Each
account keeps its balance next to its lines, and that balance changes only through one conditional
UPDATE per line (`_apply`): a debit that would take a person below zero, or a credit past the storage
cap, matches no row, so two concurrent gifts from one account cannot both spend the same minutes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import as_utc, insert_ignore, rowcount, table_of, utc_field

# Account kinds.
PERSON = "person"
POOL = "pool"  # the village pool: issues the minutes volunteers earn, may go negative
DONATED = "donated"  # minutes donated (and capped excess) waiting to pay for elders' visits
HONOUR = "honour"  # minutes earned beyond the cap, kept as a record of honour and never spent
NEGATIVE_ALLOWED = frozenset({POOL})

# Movement kinds.
VISIT = "visit"
GIFT = "gift"
DONATION = "donation"
EXPIRY = "expiry"
OPENING = "opening"  # minutes carried over from a paper passbook (coordinator)


class Account(SQLModel, table=True):
    __tablename__ = "timebank_accounts"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # person:<user>, pool:<village>, donated:<village>, honour:<user>
    kind: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    village_id: int | None = Field(default=None, index=True)
    # The sum of the account's lines, changed only together with them (see `_apply`).
    balance: int = Field(default=0)
    created_at: datetime = utc_field()


class Movement(SQLModel, table=True):
    __tablename__ = "timebank_movements"

    id: int | None = Field(default=None, primary_key=True)
    # Idempotency: a retried confirmation, gift or donation finds its key and posts nothing.
    key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=16, index=True)
    minutes: int  # the size of the movement (a visit: minutes served)
    request_id: int | None = Field(default=None, index=True)
    category: str = Field(default="", max_length=32)
    provider_id: int | None = Field(default=None, foreign_key="users.id", index=True)  # who helped
    served_id: int | None = Field(default=None, foreign_key="users.id", index=True)  # who was helped
    by_user_id: int | None = Field(default=None, foreign_key="users.id")  # who asked for it (gift, donation)
    village_id: int | None = Field(default=None, index=True)
    created_at: datetime = utc_field()


class Line(SQLModel, table=True):
    __tablename__ = "timebank_lines"

    id: int | None = Field(default=None, primary_key=True)
    movement_id: int = Field(foreign_key="timebank_movements.id", index=True)
    account_id: int = Field(foreign_key="timebank_accounts.id", index=True)
    minutes: int
    # Why this account moved: earned, paid, pool_paid, donation_paid, gift_out, gift_in, donated,
    # donation_in, cap_excess, honour, expired, opening.
    reason: str = Field(max_length=16)
    created_at: datetime = utc_field()


@dataclass(frozen=True)
class Leg:
    """One line to post: an account, signed minutes, and why."""

    account: Account
    minutes: int
    reason: str
    cap: int | None = None  # most the account may hold after this line (None: no cap)


class Refused(Exception):
    """A line would take an account below zero or past its cap; nothing of the movement was posted."""

    def __init__(self, account: Account, reason: str) -> None:
        super().__init__(f"{reason}: {account.code}")
        self.account, self.reason = account, reason


def ident(row: SQLModel) -> int:
    """The id of a row read from the database (always set; the models declare it optional for new rows)."""
    value = getattr(row, "id", None)
    assert isinstance(value, int)
    return value


def person_code(user_id: int) -> str:
    return f"person:{user_id}"


def account(session: Session, code: str, kind: str, *, now: datetime, user_id: int | None = None,
            village_id: int | None = None) -> Account:
    """The account with this code, opened on first use."""
    insert_ignore(session, Account, {"code": code, "kind": kind, "user_id": user_id, "village_id": village_id,
                                     "balance": 0, "created_at": as_utc(now)})
    found = session.exec(select(Account).where(Account.code == code)).one()
    return found


def person_account(session: Session, user_id: int, *, now: datetime, village_id: int | None = None) -> Account:
    """Every person has an account (opened when first needed)."""
    return account(session, person_code(user_id), PERSON, now=now, user_id=user_id, village_id=village_id)


def pool_account(session: Session, village_id: int | None, *, now: datetime) -> Account:
    """The village pool that issues earned minutes."""
    return account(session, f"pool:{village_id or 0}", POOL, now=now, village_id=village_id)


def donated_account(session: Session, village_id: int | None, *, now: datetime) -> Account:
    """The village's donated minutes, spent first on elders living alone."""
    return account(session, f"donated:{village_id or 0}", DONATED, now=now, village_id=village_id)


def honour_account(session: Session, user_id: int, *, now: datetime) -> Account:
    """Minutes a person earned beyond the cap, when the policy keeps them as an honour record."""
    return account(session, f"honour:{user_id}", HONOUR, now=now, user_id=user_id)


def post(session: Session, *, key: str, kind: str, legs: list[Leg], now: datetime, **fields) -> Movement | None:
    """Post one balanced movement under an idempotency key; None when the key was already posted.

    Raises `Refused` (having undone its own changes) when a line would overdraw a person's account or
    pass a cap, so the caller's transaction stays usable.
    """
    if sum(leg.minutes for leg in legs) != 0 or not any(leg.minutes for leg in legs):
        raise ValueError("a movement's lines sum to zero and move something")
    moved = sum(leg.minutes for leg in legs if leg.minutes > 0)
    values = {"key": key, "kind": kind, "minutes": fields.pop("minutes", moved), "created_at": as_utc(now), **fields}
    if not insert_ignore(session, Movement, values):
        return None
    movement = session.exec(select(Movement).where(Movement.key == key)).one()
    done: list[Leg] = []
    # Accounts in id order, so concurrent movements take their row locks in one order (no deadlock).
    for leg in sorted((g for g in legs if g.minutes), key=lambda g: g.account.id or 0):
        if not _apply(session, leg.account, leg.minutes, cap=leg.cap):
            for applied in done:
                _apply(session, applied.account, -applied.minutes, cap=None, check=False)
            session.delete(movement)
            session.flush()
            raise Refused(leg.account, "over_cap" if leg.minutes > 0 else "insufficient")
        done.append(leg)
    for leg in legs:
        if leg.minutes:
            session.add(Line(movement_id=ident(movement), account_id=ident(leg.account), minutes=leg.minutes,
                             reason=leg.reason, created_at=as_utc(now)))
    session.flush()
    session.expire_all()
    return movement


def _apply(session: Session, target: Account, minutes: int, *, cap: int | None, check: bool = True) -> bool:
    """Change one balance, only if it stays at or above zero (except the pool) and within the cap."""
    table = table_of(Account)
    query = sa.update(table).where(table.c.id == target.id).values(balance=table.c.balance + minutes)
    if check and minutes < 0 and target.kind not in NEGATIVE_ALLOWED:
        query = query.where(table.c.balance + minutes >= 0)
    if check and minutes > 0 and cap is not None:
        query = query.where(table.c.balance + minutes <= cap)
    return rowcount(session.execute(query)) == 1


def balance_of(session: Session, code: str) -> int:
    """Minutes in an account (0 for one never opened)."""
    found = session.exec(select(Account.balance).where(Account.code == code)).first()
    return int(found or 0)


def balance(session: Session, user_id: int) -> int:
    """Minutes a person holds."""
    return balance_of(session, person_code(user_id))


def current_balance(session: Session, target: Account, *, lock: bool = False) -> int:
    """Read an account's balance from the database (under a row lock when asked)."""
    query = select(Account.balance).where(Account.id == target.id)
    if lock:
        query = query.with_for_update()
    return int(session.exec(query).one())


def lines_of(session: Session, code: str, limit: int | None = 10, *,
             before: int | None = None) -> list[tuple[Line, Movement]]:
    """An account's latest lines with their movements, newest first (`before`: only lines older than that id)."""
    query = (select(Line, Movement).join(Movement, col(Movement.id) == col(Line.movement_id))
             .join(Account, col(Account.id) == col(Line.account_id)).where(Account.code == code)
             .order_by(col(Line.id).desc()))
    if before is not None:
        query = query.where(col(Line.id) < before)
    return [(line, movement) for line, movement in session.exec(query.limit(limit) if limit else query)]


def total_of_lines(session: Session) -> int:
    """The sum of every line ever posted: zero, always."""
    return int(session.exec(select(sa.func.coalesce(sa.func.sum(Line.minutes), 0))).one())
