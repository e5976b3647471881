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
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.watch_store import Lease, Watch, WatchStore
from bot.watch_texts import watch_alert_text
from core.watch import MAX_LEVELS, BoolArray, Crossing, FloatArray, WatchArrays, watch_step
from market.service import MarketData

__all__ = ["DEFAULT_INTERVAL", "Watcher"]

_logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 10.0
STALE_INTERVALS = 2.0  # quotes older than this many intervals step no watch
CLOSE_WAIT = 10.0  # seconds a stopping bot waits for alerts still queued
SAVE_EVERY = 300.0  # seconds between writes of the funding accrual alone (alert state is written at once)


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
        self._loaded = _Loaded.of([])
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
        """Give queued alerts a few seconds to go out, then stop and release the lease.

        An alert still queued then (a long Telegram flood wait) is cancelled without writing its state:
        the next poller, after the restart or on another instance, sends it again.
        """
        tasks = list(self._sending.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=CLOSE_WAIT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.lease.release()

    @property
    def watches(self) -> list[Watch]:
        """Every loaded watch with its current state."""
        return [self._loaded.at(row) for row in range(len(self._loaded.watches))]

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
        if version != self._version:  # added or removed: reload, keeping the state of the watches kept
            self._loaded = _Loaded.of(await self.store.every(), previous=self._loaded)
            self._version = version
        loaded = self._loaded
        if not loaded.watches:
            return []
        now = self.clock()
        marks, rates, intervals = await self._quotes(loaded)
        for watch_id in self._sending:  # an alert still queued: not stepped again until it is sent
            row = loaded.row_of.get(watch_id)
            if row is not None:
                marks[row] = np.nan
        elapsed = np.where(np.isnan(loaded.stepped_at), 0.0, np.maximum(0.0, now - loaded.stepped_at))
        stepped, crossings = watch_step(loaded.arrays, marks, rates, intervals, elapsed)
        keep = np.isfinite(marks)
        alerting = np.zeros(len(keep), dtype=bool)
        alerting[[c.row for c in crossings]] = True
        quiet = keep & ~alerting
        changed = quiet & (
            (stepped.fired != loaded.arrays.fired).any(axis=1) | (stepped.liquidated != loaded.arrays.liquidated)
        )
        loaded.take(stepped, quiet, now)
        due = now - self._saved_at >= SAVE_EVERY  # the funding accrual now and then; alert state at once
        rows = np.flatnonzero(quiet if due else changed)
        if rows.size:  # a re-armed level is written now: a restart must not miss its next crossing
            await self.store.save_states([loaded.at(row) for row in rows.tolist()])
        if due:
            self._saved_at = now
        for crossing in crossings:
            alerted = loaded.at(crossing.row, stepped, now)
            assert alerted.id is not None
            self._sending[alerted.id] = asyncio.create_task(self._send(alerted, crossing))
        return crossings

    async def _quotes(self, loaded: _Loaded) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per watch: its mark, funding rate and funding interval (NaN where unknown or stale)."""
        sources = sorted({source for source, _ in loaded.by_market})
        fetched = await asyncio.gather(*(self.market.prices(s, fresher_than=self.interval / 2) for s in sources))
        book = self.market.book
        n = len(loaded.watches)
        marks, rates, intervals = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        fresh = {s for s, ok in zip(sources, fetched, strict=True) if self._fresh(s, ok, book.quotes_age(s))}
        for (source, market), rows in loaded.by_market.items():
            if source not in fresh:
                continue
            found = book.quote(source, market)
            if found is None:
                continue
            quote = found[0]
            marks[rows] = quote.mark_price
            if quote.funding_rate is not None:
                rates[rows] = quote.funding_rate
                # the quote's funding period, else the instrument spec's the watch took when it started
                hours = quote.funding_interval_hours or loaded.funding_hours[rows]
                intervals[rows] = hours * 3600.0
        return marks, rates, intervals

    def _fresh(self, source: str, fetched: bool, age: float | None) -> bool:
        """Whether ``source``'s quotes may step watches (younger than two intervals); outages logged once."""
        if age is not None and age <= STALE_INTERVALS * self.interval:
            if source in self._down:
                self._down.discard(source)
                _logger.info("watch poller: %s prices are back; its watches are stepped again", source)
            return True
        if source not in self._down:
            self._down.add(source)
            state = "missing" if age is None else f"{age:.0f} s old"
            _logger.warning("watch poller: %s prices are %s; its alerts wait for fresh ones (fetched: %s)", source,
                            state, fetched)  # fmt: skip
        return False

    async def _send(self, alerted: Watch, crossing: Crossing) -> None:
        assert alerted.id is not None
        try:
            try:
                await self.bot.send_message(alerted.chat_id, watch_alert_text(alerted, crossing))
            except Forbidden:
                removed = await self.store.remove_chat(alerted.chat_id)
                _logger.info("watch poller: chat %s blocked the bot; its %d watches are removed", alerted.chat_id,
                             removed)  # fmt: skip
                return
            except TelegramError as exc:
                _logger.warning("watch poller: alert for watch %s not sent (%s); it is tried again", alerted.id, exc)
                return
            await self.store.save_states([alerted])  # after Telegram accepted it: a crash before this repeats it
            self._loaded.put(alerted)
        finally:
            self._sending.pop(alerted.id, None)  # only now is the watch stepped again


@dataclass(slots=True)
class _Loaded:
    """The watches as arrays (their state kept here between cycles) and where each venue's marks go."""

    watches: list[Watch]
    arrays: WatchArrays
    stepped_at: FloatArray
    row_of: dict[int, int]
    by_market: dict[tuple[str, str], npt.NDArray[np.intp]]
    funding_hours: FloatArray  # each watch's funding period from its instrument spec (NaN: unknown)

    @classmethod
    def of(cls, watches: list[Watch], previous: _Loaded | None = None) -> _Loaded:
        if previous is not None:  # the state in memory is newer than the stored one (funding accrues)
            watches = [previous.at(previous.row_of[w.id]) if w.id in previous.row_of else w for w in watches]
        groups: dict[tuple[str, str], list[int]] = {}
        for row, watch in enumerate(watches):
            groups.setdefault((watch.source, watch.market), []).append(row)
        return cls(
            watches=watches, arrays=_arrays(watches),
            stepped_at=np.array([np.nan if w.stepped_at is None else w.stepped_at for w in watches], dtype=np.float64),
            row_of={w.id: row for row, w in enumerate(watches) if w.id is not None},
            by_market={key: np.asarray(rows, dtype=np.intp) for key, rows in groups.items()},
            funding_hours=np.array([w.funding_interval_hours or np.nan for w in watches], dtype=np.float64),
        )  # fmt: skip

    def take(self, stepped: WatchArrays, rows: BoolArray, now: float) -> None:
        """Adopt the stepped state for ``rows``."""
        self.arrays.fired[rows] = stepped.fired[rows]
        self.arrays.liquidated[rows] = stepped.liquidated[rows]
        self.arrays.funding_paid[rows] = stepped.funding_paid[rows]
        self.stepped_at[rows] = now

    def at(self, row: int, stepped: WatchArrays | None = None, now: float | None = None) -> Watch:
        """The watch of ``row`` with its state (or with the ``stepped`` state, as of ``now``)."""
        source = stepped if stepped is not None else self.arrays
        at = now if now is not None else (None if np.isnan(self.stepped_at[row]) else float(self.stepped_at[row]))
        return self.watches[row].with_state(
            fired=tuple(bool(x) for x in source.fired[row]), liquidated=bool(source.liquidated[row]),
            funding_paid=float(source.funding_paid[row]), stepped_at=at,
        )  # fmt: skip

    def put(self, watch: Watch) -> None:
        """A watch's state after its alert went out (skipped when it was removed meanwhile)."""
        row = self.row_of.get(watch.id or -1)
        if row is None:
            return
        self.arrays.fired[row, : len(watch.fired)] = watch.fired
        self.arrays.liquidated[row] = watch.liquidated
        self.arrays.funding_paid[row] = watch.funding_paid
        self.stepped_at[row] = np.nan if watch.stepped_at is None else watch.stepped_at


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
