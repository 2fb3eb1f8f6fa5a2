"""The console in a real browser: Playwright driving Debian's Chromium (`apt-get install chromium`).

Log in with a one-time link, see an open request created through the signed webhook, assign it, and see
the volunteer's push arrive at the fake WeChat API — on a desktop window and on a 375-px wide phone.
With LINLI_SCREENSHOTS=<folder> the main pages are saved there (docs/console/ holds the committed ones).
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, select
from werkzeug.serving import make_server

from models.help import requests as hr
from models.people.users import User
from tests.console_support import ELDER, LINK, login_link, open_request, town

CHROMIUM = os.environ.get("LINLI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright not installed")
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's Chromium is absent (apt-get install -y chromium); Playwright cannot "
                              "download browsers here"),
    pytest.mark.slow,
]
SHOTS = os.environ.get("LINLI_SCREENSHOTS", "")


@pytest.fixture
def served(make_app, signer, clock, fake_wechat):
    """The seeded town's app on a real loopback HTTP port."""
    say = town(make_app, signer, clock, fake_wechat)
    server = make_server("127.0.0.1", 0, say.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    say.base = f"http://127.0.0.1:{server.server_port}"
    yield say
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def shot(page, name: str, width: int) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_log_in_see_the_request_assign_it_and_the_volunteer_is_told(served, browser, width):
    open_request(served)
    with Session(served.rt.engine) as session:
        number = session.exec(select(hr.HelpRequest.id)).one()
        volunteer = session.exec(select(User).where(User.openid == "demo-volunteer-5")).one()
        elder_id = session.exec(select(User.id).where(User.openid == ELDER)).one()
    code, out = login_link(served.app)
    assert code == 0
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(served.base + "/console/")
    assert "/console/login" in page.url
    shot(page, "login", width)
    page.goto(served.base + LINK.search(out).group(0))
    page.click("#use-link")
    page.wait_for_url(served.base + "/console/")
    today = page.locator("#unclaimed")
    assert f"#{number}" in today.inner_text() and "王秀英" in today.inner_text()
    shot(page, "today", width)
    page.click(f"#request-{number} a.btn")
    page.wait_for_url(f"{served.base}/console/requests/{number}")
    assert "派单排序" in page.content()
    shot(page, "request", width)
    page.click(f"button[data-volunteer='{volunteer.id}']")
    page.wait_for_selector("#assign-result .result")
    assert "已把求助" in page.inner_text("#assign-result")
    served.deliver()
    assert "示范村东头12号" in served.inbox("demo-volunteer-5")[-1]
    if SHOTS:
        page.goto(f"{served.base}/console/elders/{elder_id}")
        shot(page, "elder", width)
        page.goto(served.base + "/console/lists/requests")
        shot(page, "list-requests", width)
        page.goto(served.base + "/console/charts")
        page.wait_for_timeout(500)
        shot(page, "charts", width)
    page.click("#logout")
    page.wait_for_url(served.base + "/console/login")
    page.goto(served.base + "/console/")
    assert "/console/login" in page.url
    page.close()
