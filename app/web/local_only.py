"""Whether a request comes from this machine itself (development tools are served to nobody else)."""
from __future__ import annotations

import ipaddress

# A reverse proxy on the same machine connects from loopback on behalf of anyone: a request it
# forwarded says so in one of these headers, and is not local.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP", "X-Forwarded-Host")


def from_loopback(request) -> bool:
    """True for a request whose peer is a loopback address and which no proxy forwarded."""
    try:
        local = ipaddress.ip_address((request.remote_addr or "").split("%")[0]).is_loopback
    except ValueError:
        return False
    return local and not any(name in request.headers for name in FORWARDING_HEADERS)
