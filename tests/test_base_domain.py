"""The shared column types and row helpers of models/base.py: every table's timestamps and unique keys go through them.

A moment is stored and read back as the same instant in UTC whatever zone it was given in (a coordinator in
Shanghai and the database in UTC agree on when something happened); a naive time is refused rather than
guessed; an insert that meets a unique key is skipped, not an error."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from models.base import (
    as_utc,
    bulk_insert_ignore,
    id_of,
    insert_ignore,
    row_of,
    rowcount,
    table_of,
    utc_from_db,
)
from models.core.audit import AuditEntry
from models.people.users import User, Village

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
MORNING = datetime(2026, 12, 1, 16, 0, tzinfo=SH)  # the same instant as NOW
NAIVE = NOW.replace(tzinfo=None)  # as SQLite hands it back


def test_a_moment_is_the_same_instant_in_utc():
    assert as_utc(MORNING) == NOW and as_utc(MORNING).tzinfo == UTC
    with pytest.raises(ValueError):
        as_utc(NAIVE)


def test_a_timestamp_read_back_naive_is_utc_and_an_aware_one_the_same_instant():
    naive = utc_from_db(NAIVE)
    assert naive == NOW and naive.tzinfo == UTC
    aware = utc_from_db(MORNING)
    assert aware == NOW and aware.tzinfo == UTC and aware.hour == 8


def test_a_time_given_in_shanghai_is_stored_and_read_as_the_same_utc_instant(session):
    session.add(Village(code="v1", name="一村", created_at=MORNING))
    session.commit()
    session.expire_all()
    village = session.exec(select(Village)).one()
    assert village.created_at == NOW and village.created_at.tzinfo == UTC and village.created_at.hour == 8
    # A Core select of the column reads it the same way.
    stored = session.execute(sa.select(table_of(Village).c.created_at)).scalar_one()
    assert utc_from_db(stored) == NOW
    # An empty optional timestamp stays empty.
    assert session.exec(select(User)).all() == []


def test_a_naive_time_is_refused_when_stored(session):
    session.add(Village(code="v1", name="一村", created_at=NAIVE))
    with pytest.raises(sa.exc.StatementError, match="naive"):
        session.flush()


def test_a_row_has_an_id_once_flushed_and_a_missing_row_is_an_error(session):
    village = Village(code="v1", name="一村", created_at=NOW)
    with pytest.raises(ValueError):
        id_of(village)
    session.add(village)
    session.flush()
    assert id_of(village) == village.id and row_of(session, Village, village.id) is village
    with pytest.raises(LookupError):
        row_of(session, Village, village.id + 1)


def test_an_insert_meeting_a_unique_key_is_skipped(session):
    values = {"code": "v1", "name": "一村", "created_at": NOW}
    assert insert_ignore(session, Village, values)
    assert not insert_ignore(session, Village, {**values, "name": "another"})
    assert [v.name for v in session.exec(select(Village))] == ["一村"]


def test_many_inserts_skip_those_meeting_a_unique_key(session):
    session.add(Village(code="v1", name="一村", created_at=NOW))
    session.flush()
    bulk_insert_ignore(session, Village, [])
    # Every column given: on PostgreSQL the rows go through COPY, which fills in no Python-side default.
    rows = [{"code": code, "name": name, "county": "", "created_at": NOW + timedelta(hours=n)}
            for n, (code, name) in enumerate([("v1", "again"), ("v2", "二村"), ("v3", "三村")])]
    bulk_insert_ignore(session, Village, rows)
    session.expire_all()
    found = {v.code: (v.name, v.created_at) for v in session.exec(select(Village))}
    assert found == {"v1": ("一村", NOW), "v2": ("二村", NOW + timedelta(hours=1)),
                     "v3": ("三村", NOW + timedelta(hours=2))}


def test_an_update_says_how_many_rows_it_changed(session):
    session.add_all([Village(code=f"v{n}", name="村", created_at=NOW) for n in range(3)])
    session.flush()
    table = table_of(Village)
    assert rowcount(session.execute(sa.update(table).where(table.c.code != "v0").values(county="县"))) == 2
    assert rowcount(session.execute(sa.delete(table).where(table.c.code == "none"))) == 0


def test_a_bulk_insert_keeps_json_values_whole_and_takes_a_single_row(session):
    """The outbox's template data goes in this way (models/notices/plan.py): on PostgreSQL through COPY."""
    entry = {"at": NOW, "actor": "plan", "action": "notice", "target": ""}
    bulk_insert_ignore(session, AuditEntry, [{**entry, "detail": {"name": "王秀英", "days": [1, 2]}}])  # one row alone
    bulk_insert_ignore(session, AuditEntry, [{**entry, "detail": None}, {**entry, "detail": {"text": "已报平安"}}])
    session.expire_all()
    found = [(e.at, e.detail) for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]
    assert found == [(NOW, {"name": "王秀英", "days": [1, 2]}), (NOW, None), (NOW, {"text": "已报平安"})]


def test_a_timestamp_reads_back_the_same_instant_whatever_the_servers_own_zone(session, monkeypatch):
    """A server set to China time (as a county's machine may well be) must not shift what the database holds."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert as_utc(MORNING).tzinfo == UTC and as_utc(MORNING).hour == 8
        if session.get_bind().dialect.name == "postgresql":  # and a database server set to China time
            session.execute(sa.text("SET TIME ZONE 'Asia/Shanghai'"))
        session.add(Village(code="v1", name="一村", created_at=MORNING))
        session.commit()
        session.expire_all()
        created = session.exec(select(Village)).one().created_at
        assert created == NOW and created.tzinfo == UTC and created.hour == 8
    finally:
        monkeypatch.undo()
        time.tzset()
