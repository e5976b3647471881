"""Test helpers around the Telegram emulator: a running bot, forged presses, subprocess env.

``Emulator`` adds what tests of the bot need and ``fake_telegram.FakeTelegram`` does not offer:
a callback query with arbitrary data (a forged or stale button; ``press_button`` only presses
buttons that exist). Everything else is the emulator as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fake_telegram import FakeTelegram
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import BotSettings

ROOT = Path(__file__).resolve().parents[2]
BOT_USERNAME = "liqcalc_test_bot"
PRIVATE = 42
GROUP = -1001234567890
ADMIN = 7
MEMBER = 8


class Emulator(FakeTelegram):
    """``FakeTelegram`` plus forged button presses."""

    def forge_button_press(self, chat_id: int, message_id: int, data: str, user_id: int | None = None) -> str:
        """Like ``press_button``, but with any ``callback_data`` (what a modified client can send)."""
        return self.press_button(chat_id, message_id, data, user_id=user_id, must_exist=False)


def settings_for(emu: FakeTelegram, db: Path | str, **overrides: Any) -> BotSettings:
    """Bot settings pointing at the emulator (per-user limit off unless asked)."""
    values: dict[str, Any] = {
        "token": emu.token,
        "api_base_url": emu.base_url,
        "db": str(db),
        "poll_timeout": 5,
        "user_rate_limit": 0,
        "mode": "polling",
        "market_db": "off",  # no venue is reachable here; the market tests point it at the exchange emulator
    }
    values.update(overrides)
    return BotSettings(**values)


@contextlib.asynccontextmanager
async def running_bot(settings: BotSettings) -> AsyncIterator[Application]:
    """The production application, long polling the emulator in this event loop."""
    async with polling(build_application(settings), settings) as application:
        yield application


@contextlib.asynccontextmanager
async def polling(application: Application, settings: BotSettings) -> AsyncIterator[Application]:
    """Run ``application`` as ``run_polling`` would, in this event loop, until the block ends."""
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        await application.updater.start_polling(
            timeout=settings.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            # as run_polling does: polling errors go to the application's error handler
            error_callback=lambda exc: application.create_task(application.process_error(None, exc)),
        )
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_shutdown(application)  # type: ignore[misc]


async def until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait in the event loop until ``predicate()`` holds (checked every 50 ms)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("not ready in time")
        await asyncio.sleep(0.05)


async def ask(emu: FakeTelegram, chat_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    """A user sends ``text``; the parameters of the bot's sendMessage to that chat."""
    delivered = emu.user_sends(chat_id, text, **kwargs)
    assert delivered is not None, f"Telegram would not deliver {text!r}"
    call = await emu.async_expect("sendMessage", chat_id=chat_id)
    return call.params


def buttons(params: dict[str, Any]) -> dict[str, str]:
    """Button text → callback_data of a sent or edited message's keyboard."""
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Until something listens on 127.0.0.1:``port`` (a bot process's webhook server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def webhook_env(port: int, secret: str) -> dict[str, str]:
    """The variables that run ``python -m bot`` as a webhook on 127.0.0.1:``port`` (path /telegram)."""
    return {
        "LIQCALC_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "LIQCALC_WEBHOOK_SECRET": secret,
        "LIQCALC_WEBHOOK_PORT": str(port),
    }


def forged_settings_update(update_id: int) -> dict[str, Any]:
    """A POST body a forger would send to a webhook: user 777 changing their settings."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": int(time.time()), "text": "/settings venue okx",
            "chat": {"id": 777, "type": "private"}, "from": {"id": 777, "is_bot": False, "first_name": "M"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
        },
    }  # fmt: skip


def bot_env(emu: FakeTelegram, db: Path, **extra: str) -> dict[str, str]:
    """Environment for ``python -m bot`` as a subprocess against the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIQCALC_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_API_BASE_URL=emu.base_url,
        LIQCALC_DB=str(db),
        LIQCALC_POLL_TIMEOUT="2",
        LIQCALC_MARKET_DB="off",
        PTB_TIMEDELTA="1",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.update(extra)
    return env


BOT_COMMAND = [sys.executable, "-m", "bot"]


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m bot`` as a subprocess with ``env``, its output (stdout and stderr) in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(BOT_COMMAND, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> int:
    """POST JSON to a URL on 127.0.0.1; the HTTP status."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request(
            "POST", "/" + path, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
