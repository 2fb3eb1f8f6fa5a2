"""One contract for every conversation store: the SQL one used in production and the in-memory one."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from bots.state import Conversation, MemoryStore, SqlStore

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["sql", "memory"])
def store(request, rt):
    if request.param == "memory":
        yield MemoryStore()
        return
    session = Session(rt.engine)
    yield SqlStore(session)
    session.rollback()
    session.close()


def test_an_unknown_user_has_no_conversation(store):
    conv = store.load("nobody")
    assert conv == Conversation() and not conv.active


def test_saved_conversations_load_back_with_their_time(store):
    store.save("u", Conversation("complaint", "about", {"about": "饭凉了", "_retries": 1}, ["confirm"]), NOW)
    conv = store.load("u")
    assert (conv.flow, conv.step, conv.data, conv.choices) == ("complaint", "about", {"about": "饭凉了", "_retries": 1},
                                                                ["confirm"])
    assert conv.updated_at == NOW


def test_loaded_conversations_are_copies(store):
    store.save("u", Conversation("complaint", "about", {"k": 1}), NOW)
    store.load("u").data["k"] = 2
    assert store.load("u").data == {"k": 1}


def test_clear_and_idle_saves_forget(store):
    store.save("u", Conversation("complaint", "about", {}), NOW)
    store.clear("u")
    assert not store.load("u").active
    store.save("v", Conversation("complaint", "about", {}), NOW)
    store.save("v", Conversation(), NOW)
    assert store.load("v") == Conversation()


def test_expiry_is_judged_on_the_last_update(store):
    store.save("u", Conversation("complaint", "about", {}), NOW)
    conv = store.load("u")
    assert not conv.expired(NOW + timedelta(minutes=30), timedelta(minutes=30))
    assert conv.expired(NOW + timedelta(minutes=31), timedelta(minutes=30))
