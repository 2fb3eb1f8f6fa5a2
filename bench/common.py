"""What several benchmarks share: a throwaway database on either backend."""
from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from app.db import normalise_url

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_database(backend: str, label: str) -> tuple[str, Callable[[], None]]:
    """A new empty database (SQLite file or PostgreSQL database) and a function that removes it."""
    if backend == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix=f'linli-{label}-bench-')}/bench.sqlite3", lambda: None
    name = f"linli_{label}_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalise_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return f"postgresql://postgres@127.0.0.1:5432/{name}", drop
