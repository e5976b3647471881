"""Process settings from the environment, and the application factory's URL seam."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.__main__ import RedactingFormatter
from bot.app import build_application
from bot.config import BotSettings, file_base_url

TOKEN = "123456:ABC-secret_token"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in [n for n in os.environ if n.startswith("LIQCALC_")]:
        monkeypatch.delenv(name)


def test_no_token_means_console(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    settings = BotSettings()
    assert settings.token is None and settings.run_mode == "console"
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.base_file_url == "https://api.telegram.org/file/bot"


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("LIQCALC_DB", "/var/lib/liqcalc/s.sqlite3")
    monkeypatch.setenv("LIQCALC_USER_RATE_LIMIT", "5")
    settings = BotSettings()
    assert settings.run_mode == "polling" and settings.db == "/var/lib/liqcalc/s.sqlite3"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot" and settings.user_rate_limit == 5
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())


def test_webhook_mode(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("LIQCALC_WEBHOOK_URL", "https://bot.example.com/tg/hook")
    monkeypatch.setenv("LIQCALC_WEBHOOK_SECRET", "abc_DEF-123")
    settings = BotSettings()
    assert settings.run_mode == "webhook" and settings.local_webhook_path == "tg/hook"
    monkeypatch.setenv("LIQCALC_MODE", "polling")
    assert BotSettings().run_mode == "polling"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({"LIQCALC_MODE": "webhook"}, "LIQCALC_WEBHOOK_URL", id="no-url"),
        pytest.param({"LIQCALC_WEBHOOK_URL": "https://x/y"}, "LIQCALC_WEBHOOK_SECRET", id="no-secret"),
        pytest.param({"LIQCALC_WEBHOOK_URL": "https://x/y", "LIQCALC_WEBHOOK_SECRET": "a b"}, "1-256", id="bad-secret"),
        pytest.param({"TELEGRAM_API_BASE_URL": "http://localhost:8081/api"}, "/bot", id="base-url"),
        pytest.param({"LIQCALC_MODE": "carrier-pigeon"}, "mode", id="mode"),
        pytest.param({"LIQCALC_USER_RATE_LIMIT": "-1"}, "user_rate_limit", id="negative-limit"),
    ],
)
def test_bad_settings_are_explained(monkeypatch, env, message):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match=message):
        BotSettings()


def test_file_base_url():
    assert file_base_url("http://h:1/bot") == "http://h:1/file/bot"
    assert file_base_url("http://h/x/bot{token}") == "http://h/x/file/bot{token}"
    with pytest.raises(ValueError, match="no '/bot' part"):
        file_base_url("http://h/api")


def test_the_factory_uses_the_base_url_seam(tmp_path):
    settings = BotSettings(token=TOKEN, api_base_url="http://127.0.0.1:9/bot", db=str(tmp_path / "s.db"))
    application = build_application(settings)
    assert application.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert application.bot.base_file_url == f"http://127.0.0.1:9/file/bot{TOKEN}"
    assert application.bot.defaults.parse_mode == "HTML"
    assert application.concurrent_updates == 256
    assert application.bot_data.settings is settings


def test_log_lines_never_show_the_token():
    formatter = RedactingFormatter("%(message)s", [TOKEN, ""])
    record = logging.LogRecord("httpx", logging.ERROR, __file__, 1, "POST %s failed", (f"/bot{TOKEN}/x",), None)
    assert formatter.format(record) == "POST /bot<redacted>/x failed"


def test_the_pure_modules_load_no_telegram():
    import subprocess
    import sys

    from botharness import ROOT

    pure = "bot, bot.config, bot.store, bot.formatting, bot.texts, bot.ratelimit, bot.parsing"
    code = f"import sys, {pure}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
