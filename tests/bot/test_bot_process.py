"""The real process: ``python -m bot`` as a subprocess against the emulator.

Polling with SIGTERM and a restart (settings survive, nothing is delivered twice), webhook mode
refusing forged updates, the console chat on piped input, and configuration errors.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from botharness import (
    BOT_COMMAND,
    PRIVATE,
    ROOT,
    bot_env,
    forged_settings_update,
    free_port,
    post_json,
    start_bot,
    wait_for_port,
    webhook_env,
)

pytestmark = pytest.mark.slow


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()


def test_sigterm_exits_zero_and_settings_survive_a_restart(emu, tmp_path):
    db = tmp_path / "bot.sqlite3"
    env = bot_env(emu, db, LIQCALC_LOG_LEVEL="DEBUG")
    first = start_bot(env, tmp_path / "first.log")
    try:
        emu.wait_until_polling(timeout=20)
        emu.user_sends(PRIVATE, "/settings venue binance bal 10000")
        saved = emu.expect("sendMessage", chat_id=PRIVATE, timeout=15)
        assert "✅ Saved." in saved.params["text"]
    finally:
        assert _stop(first) == 0
    assert emu.pending_updates() == [] and len(emu.acknowledged_update_ids()) == 1

    second = start_bot(env, tmp_path / "second.log")
    try:
        emu.user_sends(PRIVATE, "/liq 50000 10x 1000 short")
        card = emu.expect("sendMessage", chat_id=PRIVATE, timeout=20)
        assert "· Binance" in card.params["text"] and "54,780.8" in card.params["text"]
    finally:
        assert _stop(second) == 0
    assert sum("Saved" in c.params["text"] for c in emu.calls("sendMessage")) == 1  # no re-delivery
    logs = (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
    assert "is ready" in logs and "stopped" in logs
    assert emu.token not in logs and emu.token.split(":")[1] not in logs


def test_webhook_mode_refuses_forged_updates_and_serves_real_ones(emu, tmp_path):
    port = free_port()
    secret = "s3cret-Token_42"
    hook = webhook_env(port, secret)
    url = hook["LIQCALC_WEBHOOK_URL"]
    env = bot_env(emu, tmp_path / "hook.sqlite3", **hook)
    process = start_bot(env, tmp_path / "hook.log")
    try:
        emu.expect("setWebhook", timeout=20, url=url, secret_token=secret)
        wait_for_port(port)
        forged = forged_settings_update(1)
        assert post_json(url, forged) == 403
        assert post_json(url, forged, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
        emu.user_sends(PRIVATE, "/liq 50000 10x 1000 long")
        card = emu.expect("sendMessage", chat_id=PRIVATE, timeout=15)
        assert "45,250" in card.params["text"]
        assert all(d["status"] == 200 for d in emu.webhook_deliveries())
    finally:
        assert _stop(process) == 0
    assert all(c.params["chat_id"] != 777 for c in emu.calls("sendMessage"))
    assert secret not in (tmp_path / "hook.log").read_text()


def test_console_answers_piped_commands_and_exits_on_end_of_input(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIQCALC_", "TELEGRAM_"))}
    env.update(LIQCALC_DB=str(tmp_path / "console.sqlite3"), PYTHONPATH=str(ROOT))
    script = "/liq 50000 10x 1000\n2\n/settings bal 5000\n/compare 50000 10x 1000 long\n50000 10x 1000 <b>\n"
    done = subprocess.run(BOT_COMMAND, input=script, env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "📈 Long liq 45,250 (−9.50%)" in out  # the HTML card, rendered as plain text
    assert "↻ (updated)\n📉 BTC short" in out  # button 2 pressed
    assert "Balance: 5,000 USDT" in out and "Cross liq" in out
    assert "⚠️ '<b>' is not understood" in out and "<code>" not in out
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param({"LIQCALC_MODE": "webhook"}, "webhook mode needs LIQCALC_WEBHOOK_URL", id="webhook-without-url"),
        pytest.param(
            {"LIQCALC_WEBHOOK_URL": "https://x.example/hook", "LIQCALC_WEBHOOK_SECRET": "bad secret!"},
            "LIQCALC_WEBHOOK_SECRET", id="bad-secret",
        ),
        pytest.param(
            {"LIQCALC_DB": "postgresql://nobody@127.0.0.1:1/liqcalc?connect_timeout=2"}, "check LIQCALC_DB",
            id="postgres-unreachable",
        ),
        pytest.param({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:1/api"}, "/bot", id="base-url-without-bot"),
        pytest.param({"LIQCALC_INBOX": "/proc/liqcalc-inbox.sqlite3"}, "set LIQCALC_INBOX", id="inbox-unwritable"),
    ],
)  # fmt: skip
def test_bad_configuration_exits_2_with_a_clear_message(emu, tmp_path, extra, message):
    env = bot_env(emu, tmp_path / "x.sqlite3", **{"LIQCALC_INBOX": str(tmp_path / "inbox.sqlite3"), **extra})
    done = subprocess.run(BOT_COMMAND, env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2 and message in done.stderr
    assert emu.token not in done.stderr
