"""The characters a pattern's match can begin with (bots/nlu/first_chars.py), used to skip sign patterns."""
import json
import re
from pathlib import Path

import pytest

from bots.nlu import emergency
from bots.nlu.first_chars import first_chars

DATA = Path(__file__).parent / "data" / "nlu"


@pytest.mark.parametrize("pattern, expected", [
    (r"(好|这|两)(几)?天", {"好", "这", "两"}),
    (r"(?<!听)不见(人|他)?", {"不"}),          # a lookbehind consumes nothing
    (r"a?b", {"a", "b"}),                      # an optional first item lets the next one begin
    (r"(躺|倒)(在)?.{0,4}地", {"躺", "倒"}),
    (r"[0-2]+次", {"0", "1", "2"}),
    (r"lives? alone|alone", {"l", "a"}),
])
def test_the_first_characters_are_read_from_the_pattern(pattern, expected):
    assert first_chars(re.compile(pattern)) == frozenset(expected)


@pytest.mark.parametrize("pattern", [r"x*", r".{0,3}药", r"\d+次", r"[^a]b", r"(?i)abc", r"(a|)b?"])
def test_a_pattern_that_can_begin_anywhere_is_always_searched(pattern):
    assert first_chars(re.compile(pattern)) is None


def test_no_sign_pattern_matches_where_its_first_characters_say_it_cannot():
    texts = [json.loads(line)["text"] for path in sorted(DATA.glob("**/*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = "\n".join(emergency.prepare(text).chars for text in texts)
    for _, pattern, first in emergency._patterns():
        if first is None:
            continue
        starts = {corpus[m.start()] for m in pattern.finditer(corpus) if m.end() > m.start()}
        assert starts <= first, pattern.pattern
