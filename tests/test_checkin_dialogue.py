"""Check-in transcripts through the real webhook; job runs through the CLI with an explicit --now."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models.help import requests as hr
from tests.checkin_support import (  # noqa: F401  (pytest fixtures among them)
    ADMIN,
    ELDER,
    FAMILY,
    TUESDAY,
    at,
    build_bot,
    clock,
    converse,
    day_status,
    enrol,
    requests,
    rows,
    run_job,
    say_at,
)
from tests.fakes import pushes

WEDNESDAY = TUESDAY + timedelta(days=1)


@pytest.fixture
def bot(make_app, signer, clock):  # noqa: F811  (clock: the fixture imported above)
    return build_bot(make_app, signer, clock)


def test_family_enrols_with_a_read_back_and_the_elder_is_told(bot):
    converse(bot, FAMILY, [("开启签到", ["为王秀英开启每日报平安", "每天08:30", "10:30还没回复", "回复1确认"]),
                           ("1", ["已开启", "签到时间 8:00"]),
                           ("开启签到", "已经开启了")])
    [note] = rows(bot.rt, "checkin_enrolled")
    assert note.openid == ELDER and "08:30" in note.text


def test_the_elder_answers_1_after_the_greeting_and_it_means_safe_not_help(bot):
    enrol(bot)
    assert run_job(bot, "checkin.round", at(TUESDAY, "08:30"))["prompted"] == 1
    [prompt] = rows(bot.rt, "checkin_prompt")
    assert prompt.openid == ELDER and prompt.text == "王秀英早上好！今天身体还好吗？回复1报平安"
    reply = say_at(bot, at(TUESDAY, "08:41"), ELDER, "1")
    assert reply == "谢谢您报平安！祝您今天顺顺当当。"
    assert day_status(bot.rt, ELDER, TUESDAY) == "on_time"
    assert run_job(bot, "checkin.round", at(TUESDAY, "08:45"))["prompted"] == 0  # once a day
    assert run_job(bot, "checkin.escalate", at(TUESDAY, "10:31"))["notices"] == 0


def test_any_message_counts_and_a_help_request_still_starts_the_help_flow(bot):
    enrol(bot)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    reply = say_at(bot, at(TUESDAY, "09:02"), ELDER, "帮我买点降压药")
    assert reply.startswith("谢谢您报平安！祝您今天顺顺当当。\n什么时候需要")
    assert day_status(bot.rt, ELDER, TUESDAY) == "on_time"
    converse(bot, ELDER, [("取消", "已取消"), ("平安", "今天已经报过平安")])


def test_a_whole_silent_morning_driven_from_the_cli_then_family_confirms(bot):
    enrol(bot)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    assert run_job(bot, "checkin.escalate", at(TUESDAY, "10:29"))["notices"] == 0
    assert run_job(bot, "checkin.escalate", at(TUESDAY, "10:30"))["reminded"] == 1
    second = rows(bot.rt, "checkin_prompt")[-1]
    assert second.openid == ELDER and "还没报平安" in second.text
    run_job(bot, "checkin.escalate", at(TUESDAY, "11:00"))
    [family] = rows(bot.rt, "checkin_alert")
    assert family.openid == FAMILY and "请打电话或上门看看" in family.text and "已确认 平安" in family.text
    [task] = requests(bot.rt, "daily_care")
    assert task.status == hr.OPEN and task.elder_id and task.urgency == hr.URGENT
    [offer] = rows(bot.rt, "task_offer")
    assert offer.openid in ("demo-volunteer-2", "demo-volunteer-4")  # qualified for daily care, nearest first
    assert not rows(bot.rt, "checkin_escalated")
    run_job(bot, "checkin.escalate", at(TUESDAY, "11:30"))
    [admin] = rows(bot.rt, "checkin_escalated")
    assert admin.openid == ADMIN and "13800000001" in admin.text and f"#{task.id}" in admin.text
    assert run_job(bot, "checkin.escalate", at(TUESDAY, "11:45"))["notices"] == 0  # each step once
    converse(bot, FAMILY, [("已确认 平安 王秀英", "已记下王秀英今天平安")])
    assert day_status(bot.rt, ELDER, TUESDAY) == "confirmed_safe"
    assert requests(bot.rt, "daily_care")[0].status == hr.CANCELLED
    clear = {r.openid: r.text for r in rows(bot.rt, "checkin_all_clear")}
    assert ADMIN in clear and "王建国确认" in clear[ADMIN] and FAMILY not in clear


def test_the_volunteer_who_took_the_visit_confirms_and_keeps_the_task_for_hours(bot):
    enrol(bot)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    run_job(bot, "checkin.escalate", at(TUESDAY, "11:00"))
    [offer] = rows(bot.rt, "task_offer")
    [task] = requests(bot.rt, "daily_care")
    bot.clock.now = at(TUESDAY, "11:05")
    converse(bot, offer.openid, [(f"接单 {task.id}", "接单成功")])
    bot.clock.now = at(TUESDAY, "11:20")
    converse(bot, offer.openid, [("已确认 平安", "已记下王秀英今天平安")])
    assert day_status(bot.rt, ELDER, TUESDAY) == "confirmed_safe"
    assert requests(bot.rt, "daily_care")[0].status == hr.CLAIMED  # the visit still earns hours on 完成
    assert [r.openid for r in rows(bot.rt, "checkin_all_clear")] == [FAMILY]


def test_a_late_answer_calls_off_the_visit_and_tells_family(bot):
    enrol(bot)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    run_job(bot, "checkin.escalate", at(TUESDAY, "11:00"))
    reply = say_at(bot, at(TUESDAY, "11:10"), ELDER, "我挺好的，刚才在地里")
    assert reply.startswith("谢谢您报平安！刚才没等到您回复")
    assert day_status(bot.rt, ELDER, TUESDAY) == "late"
    [clear] = rows(bot.rt, "checkin_all_clear")
    assert clear.openid == FAMILY and "11:10报平安了" in clear.text
    assert requests(bot.rt, "daily_care")[0].status == hr.CANCELLED


def test_an_incident_reported_by_the_volunteer_is_an_emergency_for_the_elder(bot):
    enrol(bot)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    run_job(bot, "checkin.escalate", at(TUESDAY, "11:00"))
    [offer] = rows(bot.rt, "task_offer")
    reply = say_at(bot, at(TUESDAY, "11:15"), offer.openid, "出事了 王秀英摔倒了起不来")
    assert "已记下：王秀英出事了" in reply and "120" in reply
    [emergency] = requests(bot.rt, "emergency")
    assert emergency.elder_id == requests(bot.rt, "daily_care")[0].elder_id  # the elder, not the reporter
    assert day_status(bot.rt, ELDER, TUESDAY) == "incident"
    alerted = {r.openid for r in rows(bot.rt, "emergency_alert")}
    assert {FAMILY, ADMIN} <= alerted and offer.openid not in alerted
    assert run_job(bot, "checkin.escalate", at(TUESDAY, "11:30"))["notices"] == 0  # the chain stopped


def test_family_reports_an_incident_in_words_the_emergency_detector_misses(bot):
    enrol(bot)
    converse(bot, FAMILY, [("出事了 敲门没人应，邻居说昨晚没开灯", ["王秀英出事了", "急救求助#"])])
    assert day_status(bot.rt, ELDER, TUESDAY) == "incident"
    assert len(requests(bot.rt, "emergency")) == 1


def test_pause_three_days_then_greetings_come_back(bot):
    enrol(bot)
    converse(bot, FAMILY, [("暂停签到 3天", ["暂停3天", "12月4日起恢复"])])
    for offset, expected in ((1, 0), (2, 0), (3, 1)):
        day = TUESDAY + timedelta(days=offset)
        assert run_job(bot, "checkin.round", at(day, "08:35"))["prompted"] == expected
    assert day_status(bot.rt, ELDER, WEDNESDAY) == "paused"
    assert run_job(bot, "checkin.escalate", at(WEDNESDAY, "12:00"))["notices"] == 0


def test_resume_early_greets_again_the_same_morning(bot):
    enrol(bot)
    converse(bot, FAMILY, [("暂停签到 一周", "暂停7天")])
    run_job(bot, "checkin.round", at(WEDNESDAY, "08:30"))
    assert day_status(bot.rt, ELDER, WEDNESDAY) == "paused"
    bot.clock.now = at(WEDNESDAY, "08:40")
    converse(bot, FAMILY, [("恢复签到", "已恢复"), ("恢复签到", "没有暂停")])
    assert run_job(bot, "checkin.round", at(WEDNESDAY, "08:45"))["prompted"] == 1


def test_the_elder_moves_the_time_and_a_bare_help_menu_1_still_works_on_other_days(bot):
    enrol(bot)
    converse(bot, ELDER, [("签到时间 早上7点半", ["07:30问候", "09:30前回复"])])
    assert run_job(bot, "checkin.round", at(WEDNESDAY, "07:25"))["prompted"] == 0
    assert run_job(bot, "checkin.round", at(WEDNESDAY, "07:30"))["prompted"] == 1
    converse(bot, FAMILY, [("签到时间 25:00", "请告诉我几点问候")])


def test_an_unsubscribed_elder_is_skipped_and_the_coordinator_told_once(bot):
    enrol(bot)
    bot(pushes.event(ELDER, "unsubscribe"))
    assert run_job(bot, "checkin.round", at(TUESDAY, "08:30"))["unsubscribed"] == 1
    assert run_job(bot, "checkin.round", at(WEDNESDAY, "08:30"))["unsubscribed"] == 1
    assert not rows(bot.rt, "checkin_prompt")
    [told] = rows(bot.rt, "checkin_unsubscribed")
    assert told.openid == ADMIN and "王秀英" in told.text
    assert run_job(bot, "checkin.escalate", at(WEDNESDAY, "12:00"))["notices"] == 0
    assert day_status(bot.rt, ELDER, WEDNESDAY) == "unsubscribed"


def test_family_daily_line_and_coordinator_figures(bot):
    enrol(bot)
    converse(bot, FAMILY, [("每日平安提醒 开", "王秀英每天报平安后会告诉您")])
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    say_at(bot, at(TUESDAY, "08:52"), ELDER, "好着呢")
    assert run_job(bot, "checkin.family_daily", at(TUESDAY, "08:55")) == 1
    assert run_job(bot, "checkin.family_daily", at(TUESDAY, "09:00")) == 0
    [line] = rows(bot.rt, "checkin_daily")
    assert line.openid == FAMILY and line.text == "王秀英今天08:52已报平安。"
    bot.clock.now = at(TUESDAY, "09:30")
    converse(bot, ADMIN, [("签到统计", ["示范村：开启1人", "今天按时1", "近7天签到率100%"])])
    converse(bot, ELDER, [("签到统计", "不能用这个功能")])


def test_weekly_summary_to_family_on_monday(bot):
    enrol(bot)
    for offset in range(6):  # Tuesday..Sunday: answers on four days, silence on two
        day = TUESDAY + timedelta(days=offset)
        run_job(bot, "checkin.round", at(day, "08:30"))
        if offset not in (2, 4):
            say_at(bot, at(day, "09:00"), ELDER, "平安")
    assert run_job(bot, "checkin.weekly", at(TUESDAY + timedelta(days=6), "09:05")) == 1
    [summary] = rows(bot.rt, "checkin_weekly")
    assert summary.openid == FAMILY and "按时4天" in summary.text and "未报2天" in summary.text


def test_a_sticker_or_photo_counts_as_the_check_in(bot):
    enrol(bot)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    bot.clock.now = at(TUESDAY, "08:50")
    bot(pushes.message(ELDER, "image", PicUrl="http://example.invalid/a.jpg", MediaId="media-img-1"))
    assert day_status(bot.rt, ELDER, TUESDAY) == "on_time"
