"""Linli's domain: tables and the rules that change them. No Flask, no WeChat, no clock reads."""
from sqlmodel import SQLModel

# Every module with tables is imported here so the metadata (and Alembic) sees it; one per line.
from models.help import alarms  # noqa: F401
from models.core import audit  # noqa: F401
from models.people import binding  # noqa: F401
from models.canteen import canteen  # noqa: F401
from models.checkin import rules as checkin  # noqa: F401
from models.help import complaints  # noqa: F401
from models.core import conversation  # noqa: F401
from models.help import dispatch  # noqa: F401
from models.events import events  # noqa: F401
from models.help import requests as help_requests  # noqa: F401
from models.core import inbound  # noqa: F401
from models.core import leases  # noqa: F401
from models.notices import broadcasts as notices  # noqa: F401
from models.people import membership  # noqa: F401
from models.core import outbox  # noqa: F401
from models.people import users as people  # noqa: F401
from models.timebank import ledger as timebank  # noqa: F401
from models.core import tokens  # noqa: F401
from models.people import volunteers  # noqa: F401
from models.core import windows  # noqa: F401

metadata = SQLModel.metadata
