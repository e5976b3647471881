"""The poller on its own (fakes for the venue and Telegram): stopping with an alert still queued."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot import watcher as watcher_module
from bot.watch_store import SQLiteWatchStore, Watch
from bot.watcher import Watcher
from market.book import MarketBook
from market.prices import Quote


class _Market:
    def __init__(self, mark: float) -> None:
        self.book = MarketBook()
        self.book.set_quotes("bybit", {"ETHUSDT": Quote(mark, mark, mark, None, None)}, time.time())

    async def prices(self, source: str, *, fresher_than: float = 10.0) -> bool:
        return True


class _Lease:
    released = False

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        self.released = True


class _StuckBot:
    """Telegram making the bot wait (a long flood wait): the send never returns."""

    async def send_message(self, chat_id: int, text: str) -> None:
        await asyncio.Event().wait()


async def test_stopping_with_an_alert_queued_waits_briefly_and_keeps_it_for_the_next_poller(monkeypatch, tmp_path):
    monkeypatch.setattr(watcher_module, "CLOSE_WAIT", 0.2)
    store = SQLiteWatchStore(tmp_path / "w.sqlite3")
    await store.start()
    await store.add(Watch(chat_id=1, user_id=1, label="ETH long (Bybit, 20x)", source="bybit", market="ETHUSDT",
                          side_sign=1.0, quantity=1.0, liquidation_price=3000.0, drift_per_paid=0.0,
                          levels=(0.05, 0.02)))  # fmt: skip
    lease = _Lease()
    poller = Watcher(store, lease, _Market(3030.0), _StuckBot(), interval=10.0)  # type: ignore[arg-type]
    crossings = await poller.cycle()
    assert [c.level for c in crossings] == [0.02]  # 0.99 % from 3,000: one alert, at the closer level
    assert await poller.cycle() == []  # queued: not stepped again, not alerted twice
    started = time.monotonic()
    await poller.close()
    assert time.monotonic() - started < 2 and lease.released
    (kept,) = await store.every()
    assert kept.fired == (False, False, False)  # not recorded: the next poller sends it again
    await store.close()


async def test_funding_drift_uses_the_instrument_spec_where_the_quote_has_no_interval(tmp_path):
    """A Bybit-like quote: rate 0.01 % without its period; the watch took 8 h from the instrument spec.
    1 ETH at 3,400 for 2 h pays 0.0001 × 3,400 × 2/8 = 0.085 USDT; with a drift of 0.05 per USDT the
    liquidation price used is 3,000 + 0.085 × 0.05 = 3,000.00425."""
    now = [1_000_000.0]
    store = SQLiteWatchStore(tmp_path / "w.sqlite3")
    await store.start()
    await store.add(Watch(chat_id=1, user_id=1, label="ETH long (Bybit, 20x)", source="bybit", market="ETHUSDT",
                          side_sign=1.0, quantity=1.0, liquidation_price=3000.0, drift_per_paid=0.05,
                          levels=(0.05, 0.02), funding_interval_hours=8.0))  # fmt: skip
    market = _Market(3400.0)
    market.book = MarketBook(clock=lambda: now[0])
    market.book.set_quotes("bybit", {"ETHUSDT": Quote(3400.0, 3400.0, 3400.0, 0.0001, None)}, now[0])
    poller = Watcher(store, _Lease(), market, _StuckBot(), interval=10.0, clock=lambda: now[0])  # type: ignore[arg-type]
    await poller.cycle()  # the first step: nothing accrued yet
    now[0] += 2 * 3600
    market.book.set_quotes("bybit", {"ETHUSDT": Quote(3400.0, 3400.0, 3400.0, 0.0001, None)}, now[0])
    await poller.cycle()
    (watch,) = poller.watches
    assert watch.funding_paid == pytest.approx(0.085, abs=1e-12)
    await store.close()
