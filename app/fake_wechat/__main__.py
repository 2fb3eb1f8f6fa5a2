"""Run the fake WeChat API as a standalone process: python -m app.fake_wechat --port 8901."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from app.logs import configure as configure_logs

from .server import FakeWeChatServer

# Like the sandbox, the fake is a development tool: it runs only where development was asked for.
REQUIRED_ENV = ("LINLI_ENV", "development")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m app.fake_wechat", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--appid", default="wxdemo")
    parser.add_argument("--secret", default="demosecret")
    parser.add_argument("--templates", default=None,
                        help="comma-separated template ids to accept (default: any)")
    parser.add_argument("--banned", default="",
                        help="comma-separated words msg_sec_check calls risky")
    parser.add_argument("--auto-follow", action="store_true",
                        help="treat every openid as a follower")
    return parser.parse_args(argv)


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> None:
    """Start the server in the foreground until Ctrl-C."""
    args = parse_args(argv)
    if os.environ.get(REQUIRED_ENV[0]) != REQUIRED_ENV[1]:
        sys.exit("python -m app.fake_wechat is a development tool: set LINLI_ENV=development to run it")
    configure_logs(logging.INFO)
    server = FakeWeChatServer(appid=args.appid, secret=args.secret,
                              templates=_split(args.templates),
                              banned_words=_split(args.banned) or (),
                              auto_follow=args.auto_follow, host=args.host, port=args.port)
    base = f"http://{args.host}:{args.port}"
    print(f"Fake WeChat API on {base}  (appid={args.appid})")
    print(f"  point the WeChat client at {base}/cgi-bin/ ; sandbox page: {base}/_fake/")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
