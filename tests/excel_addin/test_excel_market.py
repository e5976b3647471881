"""The Excel functions on market data (issue 12): classic reads the cache, LIQ_MARK fetches, Lite uses the snapshot.

Arguments are Excel-shaped 2-D lists. The cache is filled by the same refresh as ``liq data refresh``
from the exchange emulator, reached through the ``LIQCALC_*_URL`` variables; each number is compared
with core's own answer on that table (exact: the functions hand the same table to the same core).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import TradeRequest, calculate
from excel_addin import _market, udfs
from market.book import MarketBook
from market.cache import SQLiteCache, read_sqlite_tables
from market.catalog import SOURCES
from market.service import MarketData
from market.transport import Http
from tests.excel_addin.shown import shown
from tests.market.exchange_emulator import ExchangeEmulator


@pytest.fixture(scope="module")
def exchange() -> Iterator[ExchangeEmulator]:
    with ExchangeEmulator(enforce_limits=False) as emulator:
        yield emulator


@pytest.fixture
def cache(exchange: ExchangeEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache filled from the emulator, and the classic functions pointed at it."""
    path = tmp_path / "market.sqlite3"

    async def fill() -> None:
        market = MarketData(SQLiteCache(path), exchange.urls(), http=Http(pace={s: 0.0 for s in SOURCES}))
        await market.start()
        await market.refresh(["gate", "bybit"])
        await market.close()

    asyncio.run(fill())
    for name, value in exchange.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LIQCALC_MARKET_DB", str(path))
    return path


def book_of(path: Path) -> MarketBook:
    book = MarketBook()
    book.add_tables(read_sqlite_tables(path))
    return book


def test_liq_price_uses_the_venues_fetched_table(cache: Path) -> None:
    # DOGE on Gate: no bundled table; 0.15 short 10x 3,000 margin → 30,000 notional, bracket 2
    got = shown(udfs.LIQ_PRICE, [[0.15]], [["short"]], [[10]], [[3000]], None, [["gate"]], [["DOGE"]])
    request = TradeRequest(entry_price=0.15, leverage=10, margin=3000, side="short", venue="gate", symbol="DOGE")
    expected = calculate(request, book=book_of(cache))
    assert got == [[expected.liquidation_price]] and expected.tier is not None and expected.tier.number == 2


def test_liq_tiers_names_the_market_and_its_date(cache: Path) -> None:
    rows = shown(udfs.LIQ_TIERS, [["gate"]], [["doge"]])
    assert rows[0][0] == "tier" and len(rows) == 2 + len(book_of(cache).table("gate", "DOGE").tiers)
    assert (
        rows[-1][0] == "Gate DOGE_USDT" and str(rows[-1][1]).startswith("as of 20") and str(rows[-1][1]).endswith("UTC")
    )


def test_liq_mark_fetches_each_symbols_mark(cache: Path, exchange: ExchangeEmulator) -> None:
    assert shown(udfs.LIQ_MARK, [["ETH"], ["DOGE"], ["WLDUSDT"]], [["bybit"]]) == [[3187.35], [0.15], [1.85]]
    fetched = exchange.count("bybit")
    exchange.set_mark("bybit", "ETHUSDT", 3200.0)
    assert shown(udfs.LIQ_MARK, [["ETH"]], [["bybit"]]) == [[3187.35]]  # within 10 s: the same bulk answer
    assert exchange.count("bybit") == fetched
    bad = shown(udfs.LIQ_MARK, [["NOPE"]], [["bybit"]])
    assert bad[0][0].startswith("#VALUE!") and "no Bybit mark price for 'NOPE'" in bad[0][0]


def test_lite_uses_the_bundled_snapshot_and_says_it_cannot_fetch(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_market, "IN_BROWSER", True)
    rows = shown(udfs.LIQ_TIERS, [["binance"]], [["BTC"]])
    assert rows[-1] == ["Binance BTCUSDT", "as of 2024-09-26", "", "", "", ""]  # the snapshot's date
    refused = shown(udfs.LIQ_MARK, [["ETH"]], [["bybit"]])
    assert "xlwings Lite cannot reach the exchanges" in refused[0][0] and "CORS" in refused[0][0]
    gate = shown(udfs.LIQ_PRICE, [[0.15]], [["short"]], [[10]], [[3000]], None, [["gate"]], [["DOGE"]])
    assert "no gate USDT-margined tier table for 'DOGE'" in gate[0][0]
