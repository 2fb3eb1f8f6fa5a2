"""Template values fitted to WeChat's keyword types: shortened meaningfully, never cut mid-number."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from app.fake_wechat.content import check_template_values
from app.template_fields import fill, shorten
from bots.texts import catalog

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text", [
    "时间 12月2日(周三) 08:00-12:00 地点东头", "好消息！求助 #3 有人接了：陈建军，电话13700000003。",
    "志愿者电话13912345678，请联系他，谢谢大家的帮助和支持",
    "【紧急】王秀英可能出事了：“心口痛得很喘不上气”。请立即打电话或上门看看！",
])
def test_a_shortened_thing_fits_and_never_ends_inside_a_number_or_a_time(text):
    shown, whole = shorten(text, 20)
    assert len(shown) <= 20 and not whole and shown.endswith("…")
    head = shown[:-1]
    assert not (head[-1].isdigit() and text[len(head)].isdigit())
    check_template_values({"thing1": {"value": shown}})


def test_a_time_window_is_a_valid_time_and_a_claim_fits_whole_in_typed_fields():
    spec = {"template_id": "T", "fields": {"thing1": "title", "time2": "when", "phone_number3": "phone",
                                           "thing4": "address", "name5": "elder"}}
    values = {"when": "2026-12-02T00:00:00+00:00/2026-12-02T04:00:00+00:00", "phone": "138 0000 0001",
              "address": "示范村东头12号", "elder": "王秀英"}
    filled = fill("help_claimed_volunteer", spec, "【接单成功 #3】谢谢您！\n老人：王秀英", values, TZ)
    assert filled.complete
    assert filled.data == {"thing1": "【接单成功 #3】谢谢您！", "time2": "2026年12月2日 08:00~12:00",
                           "phone_number3": "13800000001", "thing4": "示范村东头12号", "name5": "王秀英"}
    check_template_values({k: {"value": v} for k, v in filled.data.items()})


def test_a_missing_essential_turns_the_title_into_what_happened():
    spec = {"template_id": "T", "fields": {"thing1": "title", "number2": "number"}}
    filled = fill("help_claimed", spec, "好消息！求助 #3 有人接了：陈建军，电话13700000003。",
                  {"phone": "13700000003", "number": "3"}, TZ)
    assert not filled.complete
    assert filled.data == {"thing1": catalog("zh_CN")["template_summary_help_claimed"], "number2": "3"}


def test_every_summary_fits_a_thing():
    summaries = {k: v for k, v in catalog("zh_CN").items() if k.startswith("template_summary")}
    assert summaries and all(len(v) <= 20 for v in summaries.values())
