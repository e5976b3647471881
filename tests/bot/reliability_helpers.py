"""Shared helpers of the fault and abuse tests: a bot with short timeouts, answer accounting, log checks.

``assert_token_absent`` is what every fault and abuse test ends with (through the ``no_token_in_logs``
fixture): the emulator's token, or its secret half, must not occur in any captured log record,
formatted message or exception text. As in production (:func:`bot.__main__.configure_logging`),
httpx and httpcore log only from WARNING; everything else is captured at DEBUG.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botharness import polling, settings_for
from fake_telegram import DEFAULT_TOKEN, FakeTelegram
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bot.__main__ import RedactingFormatter
from bot.app import GatedHTTPXRequest, build_application

SECRETS = (DEFAULT_TOKEN, DEFAULT_TOKEN.split(":", 1)[1])
QUIET_LOGGERS = ("httpx", "httpcore")  # silenced below WARNING in production: they print URLs


def record_texts(records: Iterable[logging.LogRecord]) -> Iterator[str]:
    """Everything a log record could print: logger name, message, exception and stack text."""
    for record in records:
        yield record.name
        yield record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            yield "".join(traceback.format_exception(record.exc_info[1]))
        if record.exc_text:
            yield record.exc_text
        if record.stack_info:
            yield record.stack_info


def assert_token_absent(texts: Iterable[str], what: str = "logs") -> None:
    """No text contains the bot token or its secret half."""
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"the bot token leaked into the {what}: {text[:300]!r}"


@pytest.fixture
def no_token_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every log record at DEBUG (httpx/httpcore as in production) and check them at the end."""
    caplog.set_level(logging.DEBUG)
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield caplog
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    records = [r for phase in ("setup", "call") for r in caplog.get_records(phase)] + caplog.records
    raw_leaks = [r for r in records if any(secret in text for text in record_texts([r]) for secret in SECRETS)]
    # PTB itself logs "Set Bot API URL: …/bot<TOKEN>" at DEBUG; the bot's log formatter scrubs it
    assert all(r.name == "telegram.ext.ExtBot" and r.levelno == logging.DEBUG for r in raw_leaks), [
        f"{r.name}: {r.getMessage()[:200]}" for r in raw_leaks
    ]
    formatter = RedactingFormatter("%(levelname)s %(name)s: %(message)s", list(SECRETS))
    assert_token_absent(formatter.format(r) for r in records)


def bot_errors(records: Iterable[logging.LogRecord]) -> list[str]:
    """ERROR and CRITICAL records of the bot and PTB (what an operator would be paged for)."""
    return [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]


@contextlib.asynccontextmanager
async def quick_bot(
    emu: FakeTelegram, db: Path, read_timeout: float = 1.0, **overrides: Any
) -> AsyncIterator[Application]:
    """The production application with short HTTP read timeouts (so an emulator delay is a timeout).

    Polls with a 1 s long-poll; PTB adds that to ``read_timeout`` for ``getUpdates``.
    """
    settings = settings_for(emu, db, **{"poll_timeout": 1, **overrides})
    request = GatedHTTPXRequest(settings.connection_pool, pool_timeout=30.0, read_timeout=read_timeout)
    updates = HTTPXRequest(connection_pool_size=1, read_timeout=read_timeout)
    application = build_application(settings, request=request, updates_request=updates)
    async with polling(application, settings):
        yield application


def send_from_users(emu: FakeTelegram, users: Iterable[int], text: str) -> dict[int, int]:
    """Each user sends ``text`` in their private chat; user id → message id."""
    sent = {}
    for user in users:
        message = emu.user_sends(user, text)
        assert message is not None
        sent[user] = message["message_id"]
    return sent


async def wait_all_answered(emu: FakeTelegram, chats: Iterable[int], timeout: float = 20.0) -> None:
    """Until every chat holds a message of the bot and no update waits for confirmation."""
    chats = list(chats)
    await emu.async_wait_until(
        lambda: all(emu.sent_messages(c) for c in chats) and not emu.pending_updates(), timeout=timeout
    )


async def assert_exactly_one_answer_each(emu: FakeTelegram, chats: Iterable[int], settle: float = 0.6) -> None:
    """After a pause for stragglers, each chat holds exactly one message of the bot (none lost, none twice)."""
    await asyncio.sleep(settle)
    counts = {chat: len(emu.sent_messages(chat)) for chat in chats}
    assert all(n == 1 for n in counts.values()), f"answers per chat: {counts}"
