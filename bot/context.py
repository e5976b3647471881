"""What every handler reaches through ``context.bot_data``: settings, store, limiter, answer indexes.

PTB builds one :class:`BotData` per application (``ContextTypes(bot_data=BotData)``); the factory
in :mod:`bot.app` fills it. Handlers annotate ``context: Context``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config import BotSettings
from bot.ratelimit import UserRateLimiter
from bot.replies import AnswerIndex
from bot.store import SettingsStore, SQLiteStore
from bot.watch_store import WatchStore
from bot.wheel_host import WheelHost
from core.tier_data import BUNDLED, TierBook
from market.service import MarketData

if TYPE_CHECKING:
    from bot.watcher import Watcher

__all__ = ["CHARTS_PER_PROCESS", "CHART_RENDERS", "CONTEXT_TYPES", "BotData", "Context"]

CHART_RENDERS = 1  # charts drawn at once (in the chart process); the rest wait their turn
CHARTS_PER_PROCESS = 500  # the chart process is replaced after this many (matplotlib's caches go with it)


class BotData:
    """Process-wide services; no per-user state lives here except the bounded indexes."""

    def __init__(self) -> None:
        """Placeholders; :func:`bot.app.build_application` sets the real ones."""
        self.settings = BotSettings.model_construct()
        self.store: SettingsStore = SQLiteStore(":memory:")
        self.limiter = UserRateLimiter(0, 60.0)
        self.answers = AnswerIndex()
        self.reviews = AnswerIndex()  # (chat id, call message id) → our review of that call
        self.chart_gate = asyncio.Semaphore(CHART_RENDERS)
        self.market: MarketData | None = None  # None: LIQCALC_MARKET_DB=off, bundled tables only
        self.market_task: asyncio.Task[None] | None = None
        self.wheel_host: WheelHost | None = None  # LIQCALC_WHEEL_PORT: the wheel for xlwings Lite
        self.watches: WatchStore | None = None  # None without market data: watches follow live marks
        self.watcher: Watcher | None = None
        self.watcher_task: asyncio.Task[None] | None = None

    @property
    def book(self) -> TierBook:
        """The tables and marks handed to core: the market data's book, or the bundled snapshot."""
        return self.market.book if self.market is not None else BUNDLED


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
