"""Entry point of the conversation: one message in, one reply out."""
from __future__ import annotations

from bots import handlers
from bots.message import Context, Message, Reply


def handle(message: Message, ctx: Context) -> Reply:
    """Decide what a message means and answer it."""
    return handlers.route(message, ctx)
