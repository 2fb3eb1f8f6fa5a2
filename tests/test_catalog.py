"""Every text a user reads comes from the catalogue, and every key the code asks for exists."""
from __future__ import annotations

import re
import string
from pathlib import Path

from bots.texts import catalog, t

ROOT = Path(__file__).resolve().parent.parent
# t("key" ...) calls with a literal key, anywhere in the product code.
LITERAL = re.compile(r"\bt\(\s*\"([a-z0-9_]+)\"")
FSTRING = re.compile(r"\bt\(\s*f\"([a-z0-9_]*)\{")


def product_sources():
    for folder in ("bots", "app", "models"):
        yield from (ROOT / folder).rglob("*.py")


def test_every_literal_key_exists_in_zh_cn():
    zh = catalog("zh_CN")
    missing = {(path.relative_to(ROOT).as_posix(), key) for path in product_sources()
               for key in LITERAL.findall(path.read_text(encoding="utf-8")) if key not in zh}
    assert missing == set()


def test_every_dynamic_key_prefix_has_entries():
    zh = catalog("zh_CN")
    prefixes = {p for path in product_sources() for p in FSTRING.findall(path.read_text(encoding="utf-8"))}
    assert all(any(key.startswith(prefix) for key in zh) for prefix in prefixes), prefixes


def test_english_keys_exist_in_chinese_with_the_same_placeholders():
    zh, en = catalog("zh_CN"), catalog("en")
    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731  (a one-line shorthand local to this function)
    for key, text in en.items():
        assert key in zh, key
        assert fields(text) == fields(zh[key]), key


def test_missing_english_texts_fall_back_to_chinese():
    assert t("help_offer", "en", number=1, category="x", details="d", window="w", village="v", place="p") == \
        t("help_offer", number=1, category="x", details="d", window="w", village="v", place="p")


# Demo data (seed tables and functions) is content, not wording: everything from its first line on is skipped.
DEMO_START = re.compile(r"^(def seed_|[A-Z_]*(DEMO|SEED)[A-Z_]* *[:=])")


def test_models_never_hold_user_facing_chinese():
    chinese = re.compile(r"[\u4e00-\u9fff]")
    offenders = []
    for path in (ROOT / "models").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DEMO_START.match(line) or path.name == "seed.py":
                break
            code = line.split("#")[0]
            if chinese.search(code) and '"""' not in line:
                offenders.append(f"{path.name}:{number}")
    assert offenders == [], "domain code should return keys and values, not wording"
