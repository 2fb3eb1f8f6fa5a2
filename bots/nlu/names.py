"""Which person a message names: a relative (我妈), or an elder of the village (王秀英, 王奶奶, 老王)."""
from __future__ import annotations

import re
from collections.abc import Sequence

# How people name an elder in a village: 王大爷, 老王, 王奶奶, 刘婶, 陈伯.
_HONORIFICS = "大爷|大娘|大妈|大伯|大叔|奶奶|爷爷|婶子|婶|叔|伯|阿婆|阿伯|姨|老头|老太|太太|姐|哥|嫂"
_KIN = {"mother": "妈|娘|母亲|老娘|阿妈", "father": "爸|爹|父亲|老爹|阿爸|老汉",
        "grandmother": "奶奶|外婆|姥姥|阿婆", "grandfather": "爷爷|外公|姥爷|阿公",
        "spouse": "老伴|老头子|老婆子|爱人"}
# Words a family member may have given as their relationship when binding (儿子 binds a mother or father).
_RELATIONSHIP_WORDS = {"mother": ("儿", "女", "母", "妈", "娘"), "father": ("儿", "女", "父", "爸", "爹"),
                       "grandmother": ("孙", "外孙", "奶", "婆", "姥"), "grandfather": ("孙", "外孙", "爷", "公", "姥"),
                       "spouse": ("老伴", "夫", "妻", "爱人", "配偶")}


def kin_named(text: str) -> str | None:
    """The relative a message speaks of (我妈 → mother), if any."""
    for kin, words in _KIN.items():
        if re.search(rf"(我|俺|咱|阿)({words})", text):
            return kin
    return None


def relationship_fits(relationship: str, kin: str) -> bool:
    """Whether a binding's stated relationship fits the relative named (儿子 fits 我妈)."""
    return any(word in relationship for word in _RELATIONSHIP_WORDS.get(kin, ()))


def person_named(text: str, people: Sequence[tuple[int, Sequence[str]]]) -> int | None:
    """The one person (id, names) whose full name, call name, or surname with an honorific the text uses."""
    by_name = [pid for pid, names in people if any(len(n) >= 2 and n in text for n in names)]
    if by_name:
        return by_name[0] if len(by_name) == 1 else None
    by_surname = [pid for pid, names in people if names and names[0] and re.search(
        rf"(老{re.escape(names[0][0])}|{re.escape(names[0][0])}({_HONORIFICS}))", text)]
    return by_surname[0] if len(by_surname) == 1 else None
