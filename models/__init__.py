"""Linli's domain: tables and the rules that change them. No Flask, no WeChat, no clock reads."""
from sqlmodel import SQLModel

# Every module with tables is imported here so the metadata (and Alembic) sees it; the imports are the
# point, hence F401 is off for this file (pyproject.toml).
from models.api import identity as api_identity
from models.api import subscriptions as api_subscriptions
from models.canteen import canteen
from models.checkin import rules as checkin
from models.console import jobs as console_jobs
from models.console import logins
from models.core import audit, conversation, inbound, leases, outbox, tokens, windows
from models.events import events
from models.funds import chain as funds_chain
from models.funds import receipts as funds_receipts
from models.funds import subscribers as funds_subscribers
from models.help import alarms, complaints, dispatch
from models.help import requests as help_requests
from models.notices import broadcasts as notices
from models.people import binding, membership, volunteers
from models.people import users as people
from models.privacy import access as privacy_access
from models.privacy import consent as privacy_consent
from models.privacy import erasure as privacy_erasure
from models.speech import clips as speech_clips
from models.timebank import ledger as timebank

metadata = SQLModel.metadata
