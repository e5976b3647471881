"""The one poller behind every watch: one bulk mark request per venue per interval, alerts sent once.

Each cycle (``LIQCALC_WATCH_INTERVAL`` seconds, default 10) the instance that holds the lease
(:mod:`bot.watch_store`) reloads the watches when they changed, asks each venue they follow for its
bulk quotes (the same request ``/liq`` uses, one per venue whoever watches), steps every watch with
``core.watch_step`` and sends the alerts. A venue whose quotes are older than two intervals (down,
rate limited) steps no watch: its alerts wait, and its outage is logged once. An alert's new state
is written once Telegram has accepted it, so an alert is never lost; a chat that blocked the bot
(403) loses its watches. Sends go through the bot's rate limiter (30 messages/s overall, 20 a
minute per group), which queues rather than drops; a watch whose alert is still queued is not
stepped again until it is sent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.watch_store import Lease, Watch, WatchStore
from bot.watch_texts import watch_alert_text
from core.watch import MAX_LEVELS, Crossing, WatchArrays, watch_step
from market.service import MarketData

__all__ = ["DEFAULT_INTERVAL", "Watcher"]

_logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 10.0
STALE_INTERVALS = 2.0  # quotes older than this many intervals step no watch
SAVE_EVERY = 60.0  # seconds between writes of the funding accrual alone (alert state is written at once)


class Watcher:
    """Polls the marks and sends the alerts, while this instance holds the lease."""

    def __init__(
        self, store: WatchStore, lease: Lease, market: MarketData, bot: Bot, *, interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.store, self.lease, self.market, self.bot = store, lease, market, bot
        self.interval = interval
        self.clock = clock
        self.holding = False
        self.cycles = 0
        self._version = -1
        self._watches: list[Watch] = []
        self._sending: dict[int, asyncio.Task[None]] = {}
        self._down: set[str] = set()
        self._saved_at = 0.0

    async def run(self) -> None:
        """Poll until cancelled; a failing cycle is logged and the next one runs on time."""
        while True:
            started = time.monotonic()
            try:
                await self.cycle()
            except Exception:
                _logger.exception("watch poller: a cycle failed; the next one runs in %.0f s", self.interval)
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def close(self) -> None:
        """Let queued alerts finish (their state is written when Telegram accepts them), then release."""
        if self._sending:
            await asyncio.gather(*self._sending.values(), return_exceptions=True)
        await self.lease.release()

    async def cycle(self) -> list[Crossing]:
        """One poll: the alerts it started sending (empty when another instance holds the lease)."""
        held = await self.lease.acquire()
        if held != self.holding:
            _logger.info("watch poller: %s", "this instance polls now" if held else "another instance polls")
            self.holding = held
        if not held:
            return []
        self.cycles += 1
        version = await self.store.version()
        if version != self._version:
            self._watches, self._version = await self.store.every(), version
        watches = [w for w in self._watches if w.id not in self._sending]
        if not watches:
            return []
        now = self.clock()
        marks, rates, intervals = await self._quotes(watches, now)
        arrays = _arrays(watches)
        elapsed = np.array([0.0 if w.stepped_at is None else max(0.0, now - w.stepped_at) for w in watches])
        stepped, crossings = watch_step(arrays, marks, rates, intervals, elapsed)
        alerting = {c.row for c in crossings}
        changed: list[Watch] = []
        fresh: list[Watch] = []
        for row, watch in enumerate(watches):
            if not math.isfinite(marks[row]):
                continue
            new = watch.with_state(
                fired=tuple(bool(x) for x in stepped.fired[row]), liquidated=bool(stepped.liquidated[row]),
                funding_paid=float(stepped.funding_paid[row]), stepped_at=now,
            )  # fmt: skip
            if row in alerting:
                continue  # written once the alert is sent
            fresh.append(new)
            if new.fired != watch.fired or new.liquidated != watch.liquidated:
                changed.append(new)  # a level re-armed: written now, or a restart would miss its next crossing
        self._remember(fresh)
        due = now - self._saved_at >= SAVE_EVERY  # the funding accrual: now and then; alert state: at once
        if due or changed:
            await self.store.save_states(fresh if due else changed)
            if due:
                self._saved_at = now
        for crossing in crossings:
            watch = watches[crossing.row]
            new = watch.with_state(
                fired=tuple(bool(x) for x in stepped.fired[crossing.row]),
                liquidated=bool(stepped.liquidated[crossing.row]), funding_paid=crossing.funding_paid, stepped_at=now,
            )  # fmt: skip
            assert watch.id is not None
            self._sending[watch.id] = asyncio.create_task(self._send(watch, new, crossing))
        return crossings

    async def _quotes(self, watches: list[Watch], now: float) -> tuple[Any, Any, Any]:
        """Per watch: its mark, funding rate and funding interval (NaN where unknown or stale)."""
        sources = sorted({w.source for w in watches})
        fetched = await asyncio.gather(*(self.market.prices(s, fresher_than=self.interval / 2) for s in sources))
        book = self.market.book
        too_old = STALE_INTERVALS * self.interval
        fresh_sources = set()
        for source, ok in zip(sources, fetched, strict=True):
            age = book.quotes_age(source)
            fresh = age is not None and age <= too_old
            if fresh:
                fresh_sources.add(source)
                if source in self._down:
                    self._down.discard(source)
                    _logger.info("watch poller: %s prices are back; its watches are stepped again", source)
            elif source not in self._down:
                self._down.add(source)
                _logger.warning(
                    "watch poller: %s prices are %s; its alerts wait until fresh prices come (fetched: %s)",
                    source, "missing" if age is None else f"{age:.0f} s old", ok,
                )  # fmt: skip
        n = len(watches)
        marks, rates, intervals = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        for row, watch in enumerate(watches):
            if watch.source not in fresh_sources:
                continue
            found = book.quote(watch.source, watch.market)
            if found is None:
                continue
            quote = found[0]
            marks[row] = quote.mark_price
            if quote.funding_rate is not None and quote.funding_interval_hours:
                rates[row] = quote.funding_rate
                intervals[row] = quote.funding_interval_hours * 3600.0
        return marks, rates, intervals

    def _remember(self, updated: list[Watch]) -> None:
        by_id = {w.id: w for w in updated}
        self._watches = [by_id.get(w.id, w) for w in self._watches]

    async def _send(self, watch: Watch, new: Watch, crossing: Crossing) -> None:
        assert watch.id is not None
        try:
            try:
                await self.bot.send_message(watch.chat_id, watch_alert_text(watch, crossing))
            except Forbidden:
                removed = await self.store.remove_chat(watch.chat_id)
                _logger.info(
                    "watch poller: chat %s blocked the bot; its %d watches are removed", watch.chat_id, removed
                )
                return
            except TelegramError as exc:
                _logger.warning("watch poller: alert for watch %s not sent (%s); it is tried again", watch.id, exc)
                return
            await self.store.save_states([new])  # after Telegram accepted it: a crash before this repeats it
            self._remember([new])
        finally:
            self._sending.pop(watch.id, None)  # only now is the watch stepped again


def _arrays(watches: list[Watch]) -> WatchArrays:
    n = len(watches)
    levels = np.full((n, MAX_LEVELS), np.nan)
    fired = np.zeros((n, MAX_LEVELS), dtype=bool)
    for row, watch in enumerate(watches):
        levels[row, : len(watch.levels)] = watch.levels
        fired[row, : len(watch.fired)] = watch.fired
    return WatchArrays(
        side_sign=np.array([w.side_sign for w in watches]),
        liquidation_price=np.array([w.liquidation_price for w in watches]),
        drift_per_paid=np.array([w.drift_per_paid for w in watches]),
        quantity=np.array([w.quantity for w in watches]), levels=levels, fired=fired,
        liquidated=np.array([w.liquidated for w in watches], dtype=bool),
        funding_paid=np.array([w.funding_paid for w in watches]),
    )  # fmt: skip
