"""Free text forwarded before a claim: phones, ID numbers and house numbers are masked, the rest survives."""
from __future__ import annotations

import pytest

from models.people.redact import MASK, redact

M = MASK


@pytest.mark.parametrize("text, expected", [
    # The issue's own example, and the addresses it names.
    ("我家住东头18号，电话139 1234 5678", f"我家住东头{M}，电话{M}"),
    ("3组12号王家", f"3组{M}王家"),
    ("幸福路8号院", f"幸福路{M}"),
    ("5栋2单元301", M),
    ("幸福小区5栋2单元301室", f"幸福小区{M}"),
    ("老人住3号楼2单元502", f"老人住{M}"),
    ("村东18-2号", f"村东{M}"),
    ("新村18号", f"新村{M}"),
    ("东头十八号", f"东头{M}"),
    ("三组十二号后面那家", f"三组{M}后面那家"),
    ("门牌18号", f"门牌{M}"),
    ("住在东头8号后面那家", f"住在东头{M}后面那家"),
    ("幸福路108号", f"幸福路{M}"),
    # Mobiles however they are typed.
    ("电话13800000001", f"电话{M}"),
    ("13800000001", M),
    ("打138-0000-0001找我", f"打{M}找我"),
    ("手机号码是 138 0000 0001", f"手机号码是 {M}"),
    ("电话１３９１２３４５６７８", f"电话{M}"),
    ("+86 139-1234-5678", M),
    ("8613912345678", M),
    ("电话是一三九一二三四五六七八", f"电话是{M}"),
    ("幺三九一二三四五六七八九", M),
    # Landlines and local numbers.
    ("0571-88123456", M),
    ("（0571）8812 3456", M),
    ("打010 12345678找我", f"打{M}找我"),
    ("电话：0571-8812-3456转8", f"电话：{M}转8"),
    ("我家电话 88123", f"我家电话 {M}"),
    ("座机8812345", f"座机{M}"),
    # Identity and bank card numbers, coordinates.
    ("身份证110105194912310021", f"身份证{M}"),
    ("11010519491231002X", M),
    ("身份证号码 110105 19491231 002X", f"身份证号码 {M}"),
    ("１１０１０５１９４９１２３１００２ｘ", M),
    ("卡号6222 0212 3456 7890", f"卡号{M}"),
    ("30.27415,120.15515", M),
    # Everything at once, as an elder would write it.
    ("帮我修一下水管，地址东头12号，电话13700000000，我姓王", f"帮我修一下水管，地址东头{M}，电话{M}，我姓王"),
])
def test_personal_numbers_and_house_numbers_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "明天8:30", "早上8点30分去", "下午3点到5点", "12月3号去医院", "18号去医院", "我73岁，3号要去医院",
    "请在12月18号前帮我买2袋米（每袋50斤）", "2026-12-01", "2026年12月1日", "12-01上午", "50元", "带100块钱",
    "1000元", "求助#12", "编号#12", "接单 12", "第3组", "1组", "镇医院3楼", "血压160/100", "体温38.5度", "75岁",
    "买3斤肉", "两袋米", "电话坏了", "身份证丢了", "帮我买降压药", "三十二", "村口", "", "0.5公斤",
    "08:00-12:00", "一天三次每次2片",
])
def test_times_dates_amounts_and_request_numbers_survive(text):
    assert redact(text) == text


def test_the_village_and_rough_place_stay_readable():
    shown = redact("示范村东头18号，家里水管坏了，电话139 1234 5678，王秀英")
    assert shown.startswith("示范村东头") and "水管坏了" in shown and "王秀英" in shown
    assert "18" not in shown and "1234" not in shown


@pytest.mark.parametrize("text, expected", [
    # A house number is a house number however the place before it is separated from it.
    ("东头 18号", f"东头 {M}"), ("东头\u300018号", f"东头\u3000{M}"), ("我住东头\n18号", f"我住东头\n{M}"),
    ("东头\t18号", f"东头\t{M}"),
    # A sure unit, or a chain, is an address even after a word that is no place.
    ("老人在3号楼", f"老人在{M}"), ("我在5栋", f"我在{M}"), ("我家18号2单元", f"我家{M}"),
])
def test_house_numbers_after_spaces_line_breaks_or_any_word(text, expected):
    assert redact(text) == expected
