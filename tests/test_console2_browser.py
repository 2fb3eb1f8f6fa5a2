"""Broadcast composing and the sandbox in a real browser (Playwright + Debian's Chromium), desktop and 375 px.

Compose → preview (as the villager sees it, with the channel plan) → send → progress until the fake WeChat
API has every push; and in the sandbox, send a message as a persona and see the reply bubble.
LINLI_SCREENSHOTS=docs/console saves the screenshots of docs/console.md.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.console_support import LINK, login_link
from tests.test_console_browser import CHROMIUM, browser, served, shot  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is absent (apt-get install -y chromium)"),
    pytest.mark.slow,
]
BODY = "本周六上午9点在村委会免费量血压，请带上医保卡。"


def log_in(page, town) -> None:
    code, out = login_link(town.app)
    assert code == 0
    page.goto(town.base + LINK.search(out).group(0))
    page.click("#use-link")
    page.wait_for_url(town.base + "/console/")


@pytest.mark.parametrize("width", [1280, 375])
def test_compose_preview_send_and_the_volunteers_get_the_notice(served, browser, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())  # the "send to N people?" confirmation
    log_in(page, served)
    page.click("#nav-broadcast")
    page.wait_for_url(served.base + "/console/broadcast")
    page.check("input[name=audience][value='role:volunteer']")
    page.fill("textarea[name=body]", BODY)
    page.click("#preview-button")
    page.wait_for_selector("#channel-plan")
    assert BODY in page.inner_text("#preview-text")
    assert "共 5 人" in page.inner_text("#preview")
    assert page.inner_text("#channel-plan tr[data-channel=custom] td.num") == "5"
    shot(page, "broadcast-preview", width)
    page.click("#send-button")
    page.wait_for_selector("#broadcast-progress")
    page.wait_for_function("document.querySelector('#broadcast-progress').dataset.status === 'sending'",
                           timeout=20_000)
    served.deliver()
    page.wait_for_function("document.querySelector('#broadcast-progress') && "
                           "document.querySelector('#broadcast-progress').innerText.includes('发送完毕')",
                           timeout=20_000)
    assert "已送达 5" in page.inner_text("#broadcast-progress")
    shot(page, "broadcast-sent", width)
    for i in range(1, 6):
        assert BODY in served.inbox(f"demo-volunteer-{i}")[-1]
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_publish_an_event_from_the_web(served, browser, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, served)
    page.click("#nav-event")
    page.fill("input[name=title]", "冬季防跌倒讲座")
    page.fill("input[name=starts]", "2026-12-05T09:30")
    page.fill("input[name=place]", "村委会二楼")
    page.fill("input[name=capacity]", "30")
    shot(page, "event-new", width)
    page.click("#publish-event")
    page.wait_for_selector("#signups")
    assert "冬季防跌倒讲座" in page.inner_text("#event") and "村委会二楼" in page.inner_text("#event")
    shot(page, "event", width)
    page.close()


@pytest.fixture
def sandbox(make_app):
    app = make_app(env="development")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("width", [1280, 375])
def test_sandbox_send_as_a_persona_and_see_the_reply_bubble(sandbox, browser, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(sandbox + "/sandbox")
    pane = page.locator(".pane[data-openid='demo-elder-1']")
    pane.locator(".content").fill("你好")
    pane.locator(".send").click()
    reply = pane.locator(".row.bot .bubble.reply")
    reply.wait_for()
    assert "您好" in reply.inner_text()
    assert "被动回复" not in pane.inner_text()  # the protocol waits behind 详情
    pane.locator(".row.bot details.detail summary").first.click()
    assert "被动回复" in pane.inner_text()
    page.click("#people button[data-openid='demo-admin']")
    admin = page.locator(".pane[data-openid='demo-admin']")
    admin.locator(".content").fill("你好")
    admin.locator(".send").click()
    admin.locator(".row.bot .bubble.reply").wait_for()
    assert page.locator(".pane").count() == 2  # one chat pane per persona
    shot(page, "sandbox", width)
    page.close()
