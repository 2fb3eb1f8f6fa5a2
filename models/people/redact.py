"""Personal data in free text: what an elder writes may be forwarded to people who have not claimed the task.

`redact(text)` masks mainland phone numbers (mobile and landline, with +86, spaces, dashes or full-width
digits), 18-digit identity numbers, long digit runs (bank cards, local numbers, old 15-digit IDs), map
coordinates and house numbers, leaving the village and the rough place readable (see the examples in
the comments below and tests/test_redact.py). Times, dates, amounts, ages and request numbers are kept.
It is a pure function: the people entitled to the original (the volunteer who won the claim, the
household, the coordinators) are given the stored text; everyone else gets this.
"""
from __future__ import annotations

import re

MASK = "***"
# Examples: 东头18号 -> 东头***, 3组12号 -> 3组***, 幸福路8号院 -> 幸福路***, 5栋2单元301 -> ***,
# 电话139 1234 5678 -> 电话***; kept: 8:30, 12月3号, 2026-12-01, 50元, #12, 镇医院3楼.

_D = "[0-9０-９]"  # a digit, half- or full-width
_NOT_D = "(?<![0-9０-９])"
_END = "(?![0-9０-９])"
_S = "[ \u3000\\-－—–]?"  # at most one separator between digits: space, ideographic space, dashes
# Chinese numerals, for 十八号
_CN = "[\u96f6〇\u4e00\u4e8c\u4e24\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5341\u767e]"

_ID = re.compile(_NOT_D + "[1-9１-９]" + f"(?:{_S}{_D}){{16}}{_S}[0-9０-９XxＸｘ×]" + "(?![0-9０-９A-Za-z])")
_MOBILE = re.compile(_NOT_D + f"(?:(?:\\+|＋|00)?[8８][6６]{_S})?[1１]{_S}[3-9３-９](?:{_S}{_D}){{9}}" + _END)
_LANDLINE = re.compile(f"(?<![0-9０-９])[(（]?[0０]{_D}{{2,3}}[)）]?{_S}[1-9１-９](?:{_S}{_D}){{6,7}}" + _END)
_CARD = re.compile(_NOT_D + f"{_D}{{4}}(?:[ \\-]{_D}{{4}}){{3,4}}(?:[ \\-]{_D}{{1,3}})?" + _END)
_LONG = re.compile(_NOT_D + f"{_D}{{7,}}" + _END)
_COORDS = re.compile(f"-?{_D}{{1,3}}[.．]{_D}{{4,}}\\s*[,，]\\s*-?{_D}{{1,3}}[.．]{_D}{{4,}}")
_SPOKEN = "[\u96f6〇\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5e7a]"  # digits as spoken: 幺三九…
# A number after a word that announces a phone number, however it is written (5 digits or more).
_PHONE_WORDS = "|".join((
    "\u7535\u8bdd", "\u624b\u673a", "\u53f7\u7801",  # 电话手机号码
    "\u5ea7\u673a", "\u8054\u7cfb\u65b9\u5f0f",  # 座机联系方式
))
_AFTER_PHONE_WORD = re.compile(f"({_PHONE_WORDS})([^0-9０-９]{{0,3}}?)"
                               f"({_D}(?:{_S}{_D}){{4,}}[XxＸｘ]?|{_SPOKEN}{{5,}})")
_SPOKEN_NUMBER = re.compile(f"{_SPOKEN}{{11,}}")  # eleven spoken digits in a row is a phone number

# House numbers: a chain of number+unit, optionally ending in a bare room number (5栋2单元301).
_N = f"(?:{_D}+(?:[-－]{_D}+)?|{_CN}+)"
_SURE_UNITS = "\u53f7\u9662|\u53f7\u697c|\u680b|\u5e62|\u5355\u5143|\u5ba4"  # 号院 号楼 栋 幢 单元 室: never dates
# After a first element, floors and flats too: 号院 号楼 栋 幢 单元 楼 层 室 户 号.
_LATER_UNITS = "\u53f7\u9662|\u53f7\u697c|\u680b|\u5e62|\u5355\u5143|\u697c|\u5c42|\u5ba4|\u6237|\u53f7"
_CHAIN = re.compile(f"{_N}(?P<unit>{_SURE_UNITS}|\u53f7)(?:{_N}(?:{_LATER_UNITS}))*(?:{_D}+{_END})?")  # 号
# Characters that end a place name, so that "<place>18号" is a house and "18号" alone may be a date.
_PLACE_END = set(
    "\u8def\u8857\u5df7\u5f04\u9053\u6751\u7ec4\u961f\u793e\u5c6f\u5e84"  # 路街巷弄道村组队社屯庄
    "\u5934\u5c3e\u8fb9\u5761\u6c9f\u6e7e\u5cad\u576a\u56ed\u533a\u82d1"  # 头尾边坡沟湾岭坪园区苑
    "\u5be8\u5821\u8425\u575d\u5858\u6865\u6d3c\u5c97\u58a9\u53e3"  # 寨堡营坝塘桥洼岗墩口
    "\u4e1c\u897f\u5357\u5317\u4f4f\u724c"  # 东西南北住牌
)
_MONTH = "\u6708"  # 月


def redact(text: str) -> str:
    """The text with phone numbers, ID numbers, long digit runs, coordinates and house numbers masked."""
    if not text:
        return text or ""
    for pattern in (_ID, _CARD, _MOBILE, _LANDLINE, _COORDS, _SPOKEN_NUMBER):
        text = pattern.sub(MASK, text)
    text = _AFTER_PHONE_WORD.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _LONG.sub(MASK, text)
    return _CHAIN.sub(_house_number, text)


def _house_number(found: re.Match) -> str:
    whole = found.group()
    if found.group("unit") != "\u53f7" or len(whole) > found.end("unit") - found.start():  # 号
        return MASK  # a sure unit (号院, 栋, 单元, 室 …) or a chain (18号2单元): an address
    before = found.string[:found.start()].rstrip()  # any space, also a line break: 东头\n18号 is a house
    if before.endswith(_MONTH) or not before or before[-1] not in _PLACE_END:
        return whole  # 12月3号, 18号去医院: a date, not a house
    return MASK
