"""Linli's domain: tables and the rules that change them. No Flask, no WeChat, no clock reads."""
from sqlmodel import SQLModel

# Every module with tables is imported here so the metadata (and Alembic) sees it; one per line.
from models import alarms  # noqa: F401
from models import audit  # noqa: F401
from models import binding  # noqa: F401
from models import canteen  # noqa: F401
from models import checkin  # noqa: F401
from models import complaints  # noqa: F401
from models import conversation  # noqa: F401
from models import dispatch  # noqa: F401
from models import events  # noqa: F401
from models import help_requests  # noqa: F401
from models import inbound  # noqa: F401
from models import leases  # noqa: F401
from models import notices  # noqa: F401
from models import membership  # noqa: F401
from models import outbox  # noqa: F401
from models import people  # noqa: F401
from models import timebank  # noqa: F401
from models import tokens  # noqa: F401
from models import volunteers  # noqa: F401
from models import windows  # noqa: F401

metadata = SQLModel.metadata
