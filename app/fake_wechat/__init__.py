"""A fake WeChat API server (Official Account + mini-program) for tests and local runs.

Self-contained on purpose: it imports nothing else from ``app`` so tests can load it alone.
"""

from .errors import ERRMSG, WeChatError
from .server import FakeWeChatServer, create_app
from .state import FakeWeChatState

__all__ = ["ERRMSG", "FakeWeChatServer", "FakeWeChatState", "WeChatError", "create_app"]
