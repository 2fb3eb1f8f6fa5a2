"""Configuration: defaults, LINLI_CONFIG, environment names, validation that names the key."""
from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings
from tests.message_support import templates_env

# An unset LINLI_ENV means production, which refuses config.yaml's development placeholders.
DEV = {"LINLI_ENV": "development"}


def test_defaults_load_with_asia_shanghai():
    settings = load_settings(environ=DEV)
    assert settings["timezone"] == "Asia/Shanghai"
    assert settings["webhook.max_body_bytes"] == 65536
    assert settings["webhook.timestamp_window"] == 300
    assert settings["wechat.api_base_url"] == "https://api.weixin.qq.com"
    assert settings["database_url"].startswith("sqlite:///") and settings["database_url"].endswith(
        "instance/linli.sqlite3")


def test_the_operator_names_override_config():
    env = {**DEV, "WECHAT_TOKEN": "tok", "WECHAT_APP_ID": "wxabc", "WECHAT_APP_SECRET": "sec",
           "WECHAT_AES_KEY": "a" * 43, "WECHAT_API_BASE_URL": "http://127.0.0.1:9", "DATABASE_URL": "sqlite:///x.db",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "LINLI_ADMIN_OPENIDS": "o1, o2,,o3"}
    s = load_settings(environ=env)
    assert (s["wechat.token"], s["wechat.app_id"], s["wechat.app_secret"]) == ("tok", "wxabc", "sec")
    assert s["wechat.aes_key"] == "a" * 43 and s["wechat.api_base_url"] == "http://127.0.0.1:9"
    assert s["database_url"] == "sqlite:///x.db" and s["redis_url"] == "redis://127.0.0.1:6379/0"
    assert s["admin_openids"] == ["o1", "o2", "o3"]


def test_any_key_can_be_set_with_a_generic_variable():
    s = load_settings(environ={**DEV, "LINLI__WEBHOOK__TIME_BUDGET": "2.5", "LINLI__DELIVERY__BATCH_SIZE": "7"})
    assert s["webhook.time_budget"] == 2.5 and s["delivery.batch_size"] == 7


def test_linli_config_file_is_merged(tmp_path):
    extra = tmp_path / "village.yaml"
    extra.write_text("webhook:\n  time_budget: 3\ncontacts:\n  doctor_phone: '0731-1234'\n", encoding="utf-8")
    s = load_settings(environ={**DEV, "LINLI_CONFIG": str(extra)})
    assert s["webhook.time_budget"] == 3 and s["contacts.doctor_phone"] == "0731-1234"
    assert s["webhook.max_body_bytes"] == 65536  # untouched keys keep their defaults


def test_overrides_win_over_the_environment():
    s = load_settings({"webhook": {"time_budget": 1.5}}, environ={**DEV, "LINLI__WEBHOOK__TIME_BUDGET": "2.5"})
    assert s["webhook.time_budget"] == 1.5


@pytest.mark.parametrize("env, key", [
    ({"WECHAT_AES_KEY": "short"}, "wechat.aes_key"),
    ({"WECHAT_TOKEN": ""}, "wechat.token"),
    ({"LINLI__WEBHOOK__TIME_BUDGET": "soon"}, "webhook.time_budget"),
    ({"LINLI__WEBHOOK__MAX_BODY_BYTES": "0"}, "webhook.max_body_bytes"),
    ({"LINLI_TIMEZONE": "Mars/Olympus"}, "timezone"),
    ({"WECHAT_API_BASE_URL": "ftp://x"}, "wechat.api_base_url"),
    ({"LINLI_ENV": "staging"}, "env"),
    ({"LINLI_CONFIG": "/nonexistent/linli.yaml"}, "LINLI_CONFIG"),
])
def test_invalid_values_stop_start_up_naming_the_key(env, key):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={**DEV, **env})
    assert key in str(info.value)


def test_production_refuses_placeholder_secrets():
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"LINLI_ENV": "production"})
    assert "WECHAT_" in str(info.value)
    ok = load_settings(environ={"LINLI_ENV": "production", "WECHAT_TOKEN": "t0k3n-Vq8ZpL2mWx",
                                "WECHAT_APP_ID": "wxreal1", "WECHAT_APP_SECRET": "f3a9c07d5e1b4a6c8d2e0f7a9b3c5d1e",
                                "LINLI__TEMPLATES": templates_env()})
    assert ok["env"] == "production" and not ok.is_dev


def test_importing_the_app_package_reads_no_config_and_opens_nothing():
    import subprocess
    import sys

    code = ("import sys, app; print('app.runtime' in sys.modules, 'app.db' in sys.modules, "
            "'app.config' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"LINLI_CONFIG": "/nonexistent.yaml", "PATH": ""}, cwd=str(__import__("pathlib").Path(
                             __file__).resolve().parent.parent))
    assert out.stdout.split() == ["False", "False", "False"]


def test_the_local_run_gives_every_volunteer_push_a_template_form():
    from app.dev.launcher import child_env

    settings = load_settings(environ=child_env(8901, {}))
    assert settings["wechat.api_base_url"] == "http://127.0.0.1:8901" and settings["env"] == "development"
    assert {"task_offer", "help_claimed_volunteer", "help_claimed", "help_done"} <= set(settings["templates"])
