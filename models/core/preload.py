"""Rows loaded with a person at the start of a turn, found again without another round trip.

A turn reads the user, their conversation and the one-row-per-person tables of some features in a
single statement (bots/person.py). Rows that were found sit in the session's identity map; this
memo adds what the identity map cannot hold: the rows that were NOT found (a miss is not cached by
`session.get`), and rows looked up by another key than their primary key (an enrolment by elder).

The memo belongs to one session and one transaction. Any flush forgets it (a new or changed row
may now answer differently), and so do commit and rollback; a caller that writes with Core
statements forgets the entry itself.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

KEY = "linli_preloaded"
_MISSING = object()


def remember(session: Session, model: type, key: Any, row: Any) -> None:
    """Record what a preload found for (model, key): the row, or None when there is none."""
    session.info.setdefault(KEY, {})[(model, key)] = row


def recall(session: Session, model: type, key: Any) -> tuple[bool, Any]:
    """(True, row or None) when the preload looked this up and nothing has been flushed since."""
    found = session.info.get(KEY, {}).get((model, key), _MISSING)
    return (False, None) if found is _MISSING else (True, found)


def forget(session: Session, model: type, key: Any) -> None:
    """Drop one entry (its row is about to change outside the unit of work)."""
    session.info.get(KEY, {}).pop((model, key), None)


def _forget_all(session: Session, *_: Any) -> None:
    session.info.pop(KEY, None)


for _event in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    sa.event.listen(Session, _event, _forget_all)
