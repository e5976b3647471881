"""Fixtures for the bot's tests: the emulator and the production application polling it.

Also the whole-run token check: every log record of the bot test session (at DEBUG, httpx and httpcore
at WARNING as in production), formatted as production formats it, must be free of the bot token;
the emulator fails any test whose requests carry the token anywhere but the URL path.
"""

from __future__ import annotations

import logging
import os
import re

os.environ.setdefault("PTB_TIMEDELTA", "1")

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from botharness import Emulator, running_bot, settings_for
from reliability_helpers import QUIET_LOGGERS, SECRETS, record_texts
from telegram.ext import Application

from bot.__main__ import RedactingFormatter
from tests.market.exchange_emulator import ExchangeEmulator


class _TokenWatch(logging.Handler):
    """Formats every record as production does and keeps the ones that still show the token."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s", list(SECRETS)))
        self.printed_leaks: list[str] = []
        self.raw_leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        if any(secret in line for secret in SECRETS):
            self.printed_leaks.append(line[:300])
        for text in record_texts([record]):
            if any(secret in text for secret in SECRETS):
                self.raw_leaks.append(f"{record.name} {record.levelname}: {text[-300:]}")


# Records that carry the token before the formatter scrubs it: PTB's own DEBUG line with the API URL,
# and the test that raises an exception mentioning the token on purpose (test_bot_e2e_limits).
_KNOWN_RAW = re.compile(
    r"telegram\.(ext\.Ext)?Bot DEBUG: Set Bot API (File )?URL: |bot\.errors ERROR: .*RuntimeError: bug near ", re.S
)


@pytest.fixture(scope="session", autouse=True)
def token_never_printed() -> Iterator[None]:
    """The whole bot test run's logs, checked for the token at the end."""
    root = logging.getLogger()
    watch = _TokenWatch()
    saved = root.level, {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    root.setLevel(logging.DEBUG)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    root.addHandler(watch)
    try:
        yield
    finally:
        root.removeHandler(watch)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)
    assert watch.printed_leaks == [], watch.printed_leaks[:5]
    assert [leak for leak in watch.raw_leaks if not _KNOWN_RAW.match(leak)] == []


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh Bot API emulator on 127.0.0.1."""
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def exchange() -> Iterator[ExchangeEmulator]:
    """A fresh exchange emulator on 127.0.0.1 (every venue's public endpoints)."""
    with ExchangeEmulator() as emulator:
        yield emulator


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the bot keeps its settings in this test."""
    return tmp_path / "settings.sqlite3"


@pytest.fixture
async def bot(emu: Emulator, db_path: Path) -> AsyncIterator[Application]:
    """The production application, polling the emulator (per-user limit off)."""
    async with running_bot(settings_for(emu, db_path)) as application:
        yield application
