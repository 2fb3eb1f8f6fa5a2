"""A coordinator scans the console's login QR code: the browser that shows it is let in."""
from __future__ import annotations

from bots.message import Context, Message
from bots.registry import Feature
from bots.state import Conversation
from bots.texts import t
from models.console import logins

ANSWERS = {logins.OK: "console_web_scan_ok", logins.NOT_COORDINATOR: "console_web_scan_refused",
           logins.UNKNOWN: "console_web_scan_stale", logins.EXPIRED: "console_web_scan_stale",
           logins.USED: "console_web_scan_used"}


def on_login_scan(message: Message, ctx: Context, user, conv: Conversation) -> str:
    """Mark the login attempt of this scene authenticated when the scanner coordinates."""
    result = logins.mark_scanned(ctx.session, message.event_key, user, now=ctx.now)
    return t(ANSWERS[result])


FEATURE = Feature(name="console_login", scenes={logins.SCENE_PREFIX: on_login_scan})
