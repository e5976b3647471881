"""Fixtures for the bot's tests: the emulator and the production application polling it."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from botharness import Emulator, running_bot, settings_for
from telegram.ext import Application


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh Bot API emulator on 127.0.0.1."""
    with Emulator() as emulator:
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
