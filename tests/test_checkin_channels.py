"""Which channel the morning greeting takes: customer-service inside the 48-hour window, else the template."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.delivery import Delivery
from models.core.outbox import OutboxMessage
from tests.checkin_support import ELDER, TUESDAY, at, build_bot, clock, enrol, rows, run_job, say_at  # noqa: F401  (clock is a fixture)

TEMPLATES = {"checkin_prompt": {"template_id": "TPL_CHECKIN", "fields": {"thing1": "title"}}}


def _deliver(bot) -> OutboxMessage:
    Delivery(bot.rt).drain_once()
    [prompt] = rows(bot.rt, "checkin_prompt")
    with Session(bot.rt.engine) as session:
        return session.get(OutboxMessage, prompt.id)


def test_yesterdays_answer_keeps_the_window_open_so_the_greeting_is_a_plain_message(make_app, signer, clock,  # noqa: F811  (clock: the fixture imported above)
                                                                                    fake_wechat):
    bot = build_bot(make_app, signer, clock, templates=TEMPLATES)
    enrol(bot)
    say_at(bot, at(TUESDAY - timedelta(days=1), "09:00"), ELDER, "你好")  # yesterday's message
    fake_wechat.record_interaction(ELDER, "message")
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    row = _deliver(bot)
    assert (row.status, row.channel) == ("sent", "custom")
    texts = [m["payload"]["text"]["content"] for m in fake_wechat.sent(ELDER, "custom")]
    assert "王秀英早上好！今天身体还好吗？回复1报平安" in texts


def test_a_closed_window_falls_back_to_the_check_in_template(make_app, signer, clock, fake_wechat):  # noqa: F811  (clock: the fixture imported above)
    bot = build_bot(make_app, signer, clock, templates=TEMPLATES)
    enrol(bot)
    fake_wechat.follow(ELDER)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    row = _deliver(bot)
    assert (row.status, row.channel) == ("sent", "template")
    [call] = fake_wechat.calls("/cgi-bin/message/template/send")
    assert call["body"]["template_id"] == "TPL_CHECKIN" and call["body"]["touser"] == ELDER


def test_without_a_template_a_closed_window_holds_the_greeting_for_the_next_message(make_app, signer, clock,  # noqa: F811  (clock: the fixture imported above)
                                                                                     fake_wechat):
    bot = build_bot(make_app, signer, clock)
    enrol(bot)
    run_job(bot, "checkin.round", at(TUESDAY, "08:30"))
    row = _deliver(bot)
    assert row.status == "held" and not fake_wechat.calls("/cgi-bin/message/template/send")
