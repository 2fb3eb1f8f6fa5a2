"""The characters a regular expression's match can begin with, to skip patterns a message cannot match.

The safety classifier searches a few hundred sign patterns in every message; most begin with a handful of
characters that an everyday message does not contain. Reading those characters from the parsed pattern
(`re._parser`, the parser `re` itself uses) lets a message skip the search for the rest. `None` means "could
begin with anything" (`.`, a class such as `\\w`, a negated set, or a pattern that can match the empty
string), and such patterns are always searched.
"""
from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]  # re's own parser and its opcodes, see above
from re import _parser as parser  # type: ignore[attr-defined]
from typing import Any


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The set of characters a match of `pattern` can start with, or None when it cannot be bounded."""
    if pattern.flags & re.IGNORECASE:
        return None
    chars, nullable = _sequence(parser.parse(pattern.pattern, pattern.flags))
    return None if nullable or chars is None else frozenset(chars)


def _sequence(items: Any) -> tuple[set[str] | None, bool]:
    """First characters of a sequence of parsed items, and whether the whole sequence can match nothing."""
    found: set[str] = set()
    for op, arg in items:
        chars, nullable = _item(op, arg)
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _item(op: Any, arg: Any) -> tuple[set[str] | None, bool]:
    if op is c.LITERAL:
        return {chr(arg)}, False
    if op is c.IN:
        chars: set[str] = set()
        for kind, value in arg:
            if kind is c.LITERAL:
                chars.add(chr(value))
            elif kind is c.RANGE and value[1] - value[0] < 256:
                chars.update(chr(code) for code in range(value[0], value[1] + 1))
            else:  # a category (\d, \w), a negation or a wide range
                return None, False
        return chars, False
    if op is c.BRANCH:
        union: set[str] = set()
        nullable = False
        for branch in arg[1]:
            chars_, empty = _sequence(branch)
            if chars_ is None:
                return None, False
            union |= chars_
            nullable = nullable or empty
        return union, nullable
    if op is c.SUBPATTERN:
        return _sequence(arg[-1])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, inner = arg
        chars_, empty = _sequence(inner)
        return chars_, empty or low == 0
    if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
        return set(), True  # a lookaround or an anchor consumes nothing
    return None, False  # ., a back reference, a negated literal: anything
