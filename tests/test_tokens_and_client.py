"""The access token is shared and refreshed once; token errors retry exactly once; calls time out."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from app.wechat_api import WeChatAPIError
from tests.conftest import settings_overrides

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_first_call_fetches_one_stable_token_and_reuses_it(rt, fake_wechat):
    fake_wechat.follow("u1")
    for _ in range(3):
        assert rt.wechat.user_info("u1")["subscribe"] == 1
    assert sum(fake_wechat.stable_token_calls.values()) == 1


def test_an_expired_token_is_refreshed_once_and_the_call_retried(rt, fake_wechat):
    fake_wechat.follow("u1")
    rt.wechat.user_info("u1")
    fake_wechat.expire_tokens()
    assert rt.wechat.user_info("u1")["subscribe"] == 1
    assert sum(fake_wechat.stable_token_calls.values()) >= 2
    user_info_calls = [c for c in fake_wechat.calls("/cgi-bin/user/info")]
    assert [c["errcode"] for c in user_info_calls][-2:] == [42001, 0]


def test_a_persistent_40001_is_retried_once_not_forever(rt, fake_wechat):
    fake_wechat.follow("u1")
    fake_wechat.inject_fault("/cgi-bin/user/info", errcode=40001, times=50)
    with pytest.raises(WeChatAPIError) as info:
        rt.wechat.user_info("u1")
    assert info.value.errcode == 40001
    assert len(fake_wechat.calls("/cgi-bin/user/info")) == 2


@pytest.mark.slow
def test_a_slow_api_times_out_instead_of_hanging(make_app, fake_wechat):
    rt = make_app(wechat__api_timeout=0.3).extensions["linli"]
    fake_wechat.follow("u1")
    rt.wechat.user_info("u1")
    fake_wechat.inject_fault("/cgi-bin/user/info", delay=1.0)
    with pytest.raises(WeChatAPIError) as info:
        rt.wechat.user_info("u1")
    assert info.value.errcode is None


def test_a_wrong_secret_surfaces_the_errcode(make_app, fake_wechat):
    rt = make_app(wechat__app_secret="wrong-secret").extensions["linli"]
    with pytest.raises(WeChatAPIError) as info:
        rt.wechat.user_info("u1")
    assert info.value.errcode == 40125


def test_classic_token_endpoint_when_stable_token_is_off(make_app, fake_wechat):
    rt = make_app(wechat__use_stable_token=False).extensions["linli"]
    fake_wechat.follow("u1")
    rt.wechat.user_info("u1")
    rt.wechat.user_info("u1")
    assert fake_wechat.token_fetches == 1


CHILD = textwrap.dedent("""
    import json, sys, threading
    from app import create_app
    overrides = json.loads(sys.argv[1])
    rt = create_app(overrides).extensions["linli"]
    start = threading.Barrier(1)
    results = [rt.wechat.user_info("u1")["subscribe"] for _ in range(3)]
    print(json.dumps(results))
""")


@pytest.mark.slow
@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_processes_share_one_token(db_url, fake_wechat, store):
    if store == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL not set")
    fake_wechat.follow("u1")
    overrides = settings_overrides(db_url, fake_wechat.base_url)
    if store == "redis":
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).delete("linli:token:" + overrides["wechat"]["app_id"])
        overrides["redis_url"] = os.environ["REDIS_URL"]
    env = dict(os.environ, PYTHONPATH=ROOT)
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(overrides)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all(json.loads(out.strip().splitlines()[-1]) == [1, 1, 1] for out, _ in outputs)
    assert sum(fake_wechat.stable_token_calls.values()) == 1
