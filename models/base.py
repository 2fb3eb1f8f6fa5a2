"""Shared column types and small database helpers for the domain tables."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel


class UTCDateTime(sa.types.TypeDecorator):
    """Store aware datetimes as UTC; read them back aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_field(*, nullable: bool = False, index: bool = False, default: Any = ...) -> Any:
    """Declare a UTC timestamp column."""
    column: sa.Column[datetime] = sa.Column(UTCDateTime(), nullable=nullable, index=index)
    if default is ...:
        return Field(sa_column=column) if not nullable else Field(default=None, sa_column=column)
    return Field(default=default, sa_column=column)


def json_field(*, nullable: bool = True) -> Any:
    """Declare a JSON column (JSONB on PostgreSQL)."""
    kind = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    return Field(default=None, sa_column=sa.Column(kind, nullable=nullable))


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model: `model.__table__`, which SQLModel's stubs do not declare."""
    return model.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared in SQLModel's stubs


class _Keyed(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Keyed) -> int:
    """The primary key of a stored row. SQLModel declares `id` as `int | None` because it is None
    until the INSERT; a row that reaches here without one is a programming error, said as such."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add it to the session and flush first")
    return row.id


Row = TypeVar("Row", bound=SQLModel)


def row_of(session: Session, model: type[Row], key: int) -> Row:
    """The row a stored foreign key points at. The database guarantees it exists, so a missing one is a
    programming error, raised as such rather than as an AttributeError on None further on."""
    row = session.get(model, key)
    if row is None:
        raise LookupError(f"no {model.__name__} with id {key}")
    return row


def id_column(model: type[SQLModel]) -> sa.ColumnElement[int]:
    """A table model's `id` for a SELECT list, typed as the `int` a stored row's key is (the model's
    attribute says `int | None`, for rows not yet inserted)."""
    return table_of(model).c.id


def rowcount(result: sa.Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched: `Session.execute` is typed as returning `Result`, which is a
    `CursorResult` for these statements."""
    return cast(sa.CursorResult[Any], result).rowcount


def insert_ignore(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """Insert a row unless it conflicts with a unique key; True when inserted."""
    dialect = session.get_bind().dialect.name
    table = table_of(model)
    stmt: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two tested backends are supported
        raise RuntimeError(f"unsupported database dialect {dialect}")
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    key = list(table.primary_key.columns)[0]
    return session.execute(stmt.returning(key)).first() is not None


def bulk_insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Insert many rows (all with the same keys), skipping those that hit a unique key.

    PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING.
    An executemany sends one INSERT per row, and multi-row VALUES statements of thousands of
    parameters cost psycopg more to parse than PostgreSQL to run. SQLite: executemany, which is
    a loop inside the sqlite3 module.
    """
    if not rows:
        return
    table = table_of(model)
    if session.get_bind().dialect.name != "postgresql":
        session.connection().execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
        return
    conn = session.connection()
    names = list(rows[0])
    processors = [_copy_processor(table.c[name].type, conn.dialect) for name in names]
    raw: Any = conn.connection.driver_connection
    columns = ", ".join(f'"{name}"' for name in names)
    scratch = f"bulk_{table.name}"
    with raw.cursor() as cursor:
        cursor.execute(f'CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {columns} FROM "{table.name}" '
                       "WITH NO DATA")
        with cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True)])
        cursor.execute(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM {scratch} '
                       "ON CONFLICT DO NOTHING")
        cursor.execute(f"DROP TABLE {scratch}")


def _copy_processor(kind: Any, dialect: Any) -> Any:
    """How a value goes into COPY: JSON as its text (psycopg adapts no dict), others as the column binds it."""
    if isinstance(kind.dialect_impl(dialect), sa.JSON):
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    return kind.bind_processor(dialect)


def as_utc(value: datetime) -> datetime:
    """Return an aware datetime in UTC, refusing naive ones."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware 'now'")
    return value.astimezone(UTC)


def utc_from_db(moment: datetime) -> datetime:
    """A timestamp read by a Core select, as aware UTC.

    Core selects skip `UTCDateTime`, so SQLite hands back naive UTC; PostgreSQL gives an aware value.
    """
    return as_utc(moment) if moment.tzinfo else moment.replace(tzinfo=UTC)

