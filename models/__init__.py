"""Linli's domain: tables and the rules that change them. No Flask, no WeChat, no clock reads."""
from sqlmodel import SQLModel

# Every module with tables is imported here so the metadata (and Alembic) sees it; the imports are the
# point, hence F401 is off for this file (pyproject.toml).
from models.canteen import canteen
from models.checkin import rules as checkin
from models.core import audit, conversation, inbound, leases, outbox, tokens, windows
from models.events import events
from models.help import alarms, complaints, dispatch
from models.help import requests as help_requests
from models.notices import broadcasts as notices
from models.people import binding, membership, volunteers
from models.people import users as people
from models.speech import clips as speech_clips
from models.timebank import ledger as timebank

metadata = SQLModel.metadata
