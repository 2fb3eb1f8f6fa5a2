"""Alembic, driven from our settings (used by `flask --app app db ...` and the tests)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.config import ROOT
from app.db import normalise_url

# APScheduler creates and owns its job table; autogenerate must not drop it.
IGNORED_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave tables we do not own out of autogenerate."""
    return not (type_ == "table" and name in IGNORED_TABLES)


def alembic_config(database_url: str) -> Config:
    """Alembic configuration pointing at migrations/ and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Apply migrations up to a revision (idempotent)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "-1") -> None:
    """Revert migrations down to a revision."""
    command.downgrade(alembic_config(database_url), revision)
