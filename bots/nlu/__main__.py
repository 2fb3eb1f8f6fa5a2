"""CLI: one JSON object per input line, `echo 明天上午想找人陪我去医院 | python -m bots.nlu`."""
from __future__ import annotations

import io
import json
import sys
from datetime import datetime

from . import understand
from .timewords import SHANGHAI


def main() -> int:
    """Read UTF-8 lines from stdin and print one understanding per line."""
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    for line in stdin:
        result = understand(line.rstrip("\r\n"), datetime.now(SHANGHAI))
        print(json.dumps(result.to_dict(), ensure_ascii=False), file=stdout)
    stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
