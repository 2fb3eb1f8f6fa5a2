"""Linli's domain: tables and the rules that change them. No Flask, no WeChat, no clock reads."""
from models import alarms, audit, complaints, conversation, inbound, leases, outbox, people, tokens, windows  # noqa: F401  (register tables)

from sqlmodel import SQLModel

metadata = SQLModel.metadata
