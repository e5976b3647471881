"""The one Application factory: production (polling, webhook), the console chat and the tests.

Usage::

    app = build_application(BotSettings())      # TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, LIQCALC_*
    app.run_polling(allowed_updates=ALLOWED_UPDATES)

``TELEGRAM_API_BASE_URL`` (a local Bot API server, or the test emulator) becomes ``base_url`` and
the file URL is derived from it. Tests and the console pass their own ``request`` object instead of
HTTP; everything else (handlers, limiter, error handler, commands) is the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

import httpx
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import errors, handlers, inline, keyboards, review_handlers, watch_handlers
from bot.config import BotSettings
from bot.context import CONTEXT_TYPES, BotData
from bot.flood import PatientRateLimiter
from bot.inbox import Inbox, InboxProcessor, answer_accepted
from bot.ratelimit import UserRateLimiter
from bot.store import SettingsStore, open_store
from bot.texts import COMMANDS
from bot.watch_store import open_lease, open_watch_store
from bot.watcher import Watcher
from bot.wheel_host import WheelHost
from market.cache import open_cache
from market.catalog import urls_from
from market.service import MarketData
from market.sources import Credentials

__all__ = ["ALLOWED_UPDATES", "build_application", "set_commands"]

_logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
COMMAND_HANDLERS = {
    "start": handlers.start,
    "help": handlers.help_command,
    "liq": handlers.liq,
    "compare": handlers.compare,
    "review": review_handlers.review,
    "cross": handlers.cross,
    "dca": handlers.dca,
    "pnl": handlers.pnl,
    "target": handlers.target,
    "size": handlers.size,
    "tiers": handlers.tiers,
    "settings": handlers.settings,
    "watch": watch_handlers.watch,
    "watches": watch_handlers.watches,
    "unwatch": watch_handlers.unwatch,
}


SERVER_ERROR_RETRIES = (0.25, 0.5)  # pauses before retrying a request answered 5xx
_SERVER_ERRORS = frozenset({0, 500, 502, 503, 504})  # 0: connection closed, no answer


class GatedHTTPXRequest(HTTPXRequest):
    """HTTPX with a semaphore in front of its connection pool.

    With hundreds of concurrent handlers, requests would otherwise queue inside httpcore's pool,
    whose bookkeeping scans every waiting request on each event (quadratic CPU under load); an
    asyncio semaphore lets them wait in O(1) instead, so a busy bot spends its time answering.
    """

    def __init__(self, connection_pool_size: int, **kwargs: Any) -> None:
        """``connection_pool_size`` requests at once; the rest wait their turn."""
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        self._gate = asyncio.Semaphore(connection_pool_size)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """One request, once a connection is free; a 5xx answer, or none, is retried twice after a pause.

        Telegram's front answers 500/502/503/504 when its backend did not take the request; without
        the retry the user's answer would be lost (PTB retries neither these nor time-outs).
        """
        for pause in SERVER_ERROR_RETRIES:
            try:
                async with self._gate:
                    code, payload = await super().do_request(*args, **kwargs)
            except NetworkError as exc:
                if not isinstance(exc.__cause__, httpx.RemoteProtocolError):
                    raise  # a time-out may have been delivered: never sent twice
                code, payload = 0, b""  # closed without an answer: the request was not taken
            if code not in _SERVER_ERRORS:
                break
            _logger.warning("Telegram answered %s; retrying in %.2f s", code or "nothing", pause)
            await asyncio.sleep(pause)
        else:
            async with self._gate:
                code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            url = str(kwargs.get("url", args[0] if args else ""))
            answer_accepted(url.rsplit("/", 1)[-1])  # the update is answered: out of the journal now
        return code, payload


def build_application(
    settings: BotSettings,
    *,
    store: SettingsStore | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    market: MarketData | None = None,
) -> Application:  # type: ignore[type-arg]
    """Build the bot: HTML defaults, rate limits, handlers, the error handler, start/stop hooks.

    Args:
        settings: the process settings (token, API base URL, database, limits).
        store: settings storage; default ``open_store(settings.db)``, started in ``post_init``.
        request: a custom ``BaseRequest`` (the console); default :class:`GatedHTTPXRequest` with
            ``settings.connection_pool`` connections.
        updates_request: the ``BaseRequest`` for ``getUpdates``; default ``request``.
        market: the market data; default one on ``settings.market_location`` (none when ``off``) with
            the venues' URLs from the ``LIQCALC_*_URL`` variables.
    """
    token = settings.token.get_secret_value() if settings.token is not None else "0:console"
    limiter = PatientRateLimiter(
        overall_max_rate=settings.telegram_overall_rate,
        overall_time_period=1,
        group_max_rate=settings.telegram_group_rate,
        group_time_period=60,
        max_wait=settings.flood_wait,
    )
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True))
        .rate_limiter(limiter)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.inbox_path is not None:  # updates journaled until answered: a crash loses no command
        # at most two rounds of concurrent updates wait in memory; the rest wait at Telegram (backpressure)
        inbox = Inbox(settings.inbox_path, backlog=2 * settings.concurrency)
        builder = builder.update_queue(inbox).concurrent_updates(InboxProcessor(inbox, settings.concurrency))
    else:
        builder = builder.update_queue(asyncio.Queue(maxsize=2 * settings.concurrency))
        builder = builder.concurrent_updates(settings.concurrency)
    if request is None:
        request = GatedHTTPXRequest(settings.connection_pool, pool_timeout=30.0)
        updates_request = updates_request or HTTPXRequest(connection_pool_size=1)  # PTB adds the poll timeout
    builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    data: BotData = application.bot_data
    data.settings = settings
    data.store = store if store is not None else open_store(settings.db)
    data.limiter = UserRateLimiter(settings.user_rate_limit, settings.user_rate_window)
    data.market = market if market is not None else open_market(settings)
    if data.market is not None and settings.run_mode != "console":  # watches follow live marks, in Telegram
        data.watches = open_watch_store(settings.db)

    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    for name, callback in COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(review_handlers.chart_button, pattern=keyboards.CHART_PATTERN))
    application.add_handler(CallbackQueryHandler(watch_handlers.unwatch_button, pattern=watch_handlers.UNWATCH_PATTERN))
    application.add_handler(CallbackQueryHandler(watch_handlers.watch_button, pattern=watch_handlers.WATCH_PATTERN))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(inline.inline_query))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.migrate))
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGES
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.liq))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    application.add_error_handler(errors.on_error)
    return application


def open_market(settings: BotSettings, environ: dict[str, str] | None = None) -> MarketData | None:
    """The market data for ``settings`` (``None`` when ``LIQCALC_MARKET_DB=off``)."""
    location = settings.market_location
    if location is None:
        return None
    keys = None
    if settings.binance_api_key is not None and settings.binance_api_secret is not None:
        keys = Credentials(settings.binance_api_key.get_secret_value(), settings.binance_api_secret.get_secret_value())
    return MarketData(
        open_cache(location), urls_from(dict(os.environ) if environ is None else environ), binance_keys=keys
    )


async def _refresh_forever(market: MarketData, hours: float) -> None:
    """The daily refresh of every venue (the first at start); failures are logged and the old data kept."""
    while True:
        outcomes = await market.refresh()
        for outcome in outcomes:
            _logger.info(
                "market data: %s %s (%d requests, %.1f s)",
                outcome.source,
                outcome.note,
                outcome.requests,
                outcome.seconds,
            )
        await asyncio.sleep(hours * 3600)


async def set_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menu: everything in private chats and for admins; no /start in groups."""
    everything = [BotCommand(c.name, c.summary) for c in COMMANDS]
    in_groups = [BotCommand(c.name, c.summary) for c in COMMANDS if c.name != "start"]
    bot = application.bot
    await bot.set_my_commands(everything, scope=BotCommandScopeDefault())
    await bot.set_my_commands(everything, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(in_groups, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(in_groups, scope=BotCommandScopeAllChatAdministrators())


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Open the settings store, queue the updates a crash left unanswered, publish the commands.

    A failure to publish the command menu is logged, not fatal.
    """
    await application.bot_data.store.start()
    market = application.bot_data.market
    if market is not None:
        await market.start()  # the cached tables: answers use them while the refresh runs
        if application.bot_data.settings.run_mode != "console":
            hours = application.bot_data.settings.market_refresh_hours
            application.bot_data.market_task = asyncio.create_task(_refresh_forever(market, hours))
    data = application.bot_data
    if data.watches is not None and data.market is not None:
        await data.watches.start()
        data.watcher = Watcher(
            data.watches, open_lease(data.settings.db), data.market, application.bot,
            interval=data.settings.watch_interval,
        )  # fmt: skip
        data.watcher_task = asyncio.create_task(data.watcher.run())
    wheel = application.bot_data.settings.wheel
    if wheel is not None:
        application.bot_data.wheel_host = WheelHost(wheel)
        await application.bot_data.wheel_host.start()
    if isinstance(application.update_queue, Inbox):
        application.update_queue.replay(application.bot)
    try:
        await set_commands(application)
    except TelegramError as exc:
        _logger.warning("could not publish the command menu: %s", exc)
    _logger.info("liqcalc bot @%s is ready", application.bot.username)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has stopped."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    """Stop the watch poller and the market refresh; close what they used, the settings store and the journal."""
    data = application.bot_data
    await _cancel(data.watcher_task)
    if data.watcher is not None:
        await data.watcher.close()
    if data.watches is not None:
        await data.watches.close()
    if data.wheel_host is not None:
        await data.wheel_host.close()
    await _cancel(data.market_task)
    if data.market is not None:
        await data.market.close()
    await data.store.close()
    if isinstance(application.update_queue, Inbox):
        application.update_queue.close()
