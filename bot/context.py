"""What every handler reaches through ``context.bot_data``: settings, store, limiter, answer index.

PTB builds one :class:`BotData` per application (``ContextTypes(bot_data=BotData)``); the factory
in :mod:`bot.app` fills it. Handlers annotate ``context: Context``.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config import BotSettings
from bot.ratelimit import UserRateLimiter
from bot.replies import AnswerIndex
from bot.store import SettingsStore, SQLiteStore

__all__ = ["CONTEXT_TYPES", "BotData", "Context"]


class BotData:
    """Process-wide services; no per-user state lives here except the bounded indexes."""

    def __init__(self) -> None:
        """Placeholders; :func:`bot.app.build_application` sets the real ones."""
        self.settings = BotSettings.model_construct()
        self.store: SettingsStore = SQLiteStore(":memory:")
        self.limiter = UserRateLimiter(0, 60.0)
        self.answers = AnswerIndex()


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
