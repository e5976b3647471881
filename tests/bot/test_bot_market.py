"""Issue 12 end to end: the unmodified bot, with market data from the exchange emulator through the URL variables.

The bot refreshes every venue at start (as in production, at production pace) into its own cache,
fetches marks on demand, and names the data on each card. Prices and brackets: the emulator's
fixtures (tests/market/fixtures/README.md); liquidation prices are checked in tests/market.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botharness import PRIVATE, ask, running_bot, settings_for, until
from telegram.ext import Application

from core import ContractType


@pytest.fixture
async def market_bot(emu, exchange, tmp_path: Path, monkeypatch) -> AsyncIterator[Application]:
    for name, value in exchange.env().items():
        monkeypatch.setenv(name, value)
    settings = settings_for(emu, tmp_path / "settings.sqlite3", market_db=str(tmp_path / "market.sqlite3"))
    async with running_bot(settings) as application:
        book = application.bot_data.market.book
        # the start refresh runs in the background; Binance, Bybit and Gate take a few requests each
        await until(lambda: all(book.has_tables(v) for v in ("binance", "bybit", "gate")))
        yield application


async def test_a_trade_without_an_entry_is_priced_at_the_live_mark_and_names_its_data(market_bot, emu):
    sent = await ask(emu, PRIVATE, "/liq eth 20x 500 long bybit")
    text = sent["text"]
    assert "Entry 3,187.35 · margin 500 USDT" in text
    assert "📡 Bybit ETHUSDT tiers as of " in text and "· mark 3,187.35 (0 s ago)" in text
    # textbook check of the number is in tests/market; here: the venue line covers every venue with a table
    assert "Venues: " in text and "Gate " in text


async def test_a_symbol_only_the_live_tables_have_lands_in_tier_2(market_bot, emu):
    sent = await ask(emu, PRIVATE, "/liq doge 10x 3000 short gate")
    assert "Tier 2 · MMR 0.7% · max 50x · cum 20" in sent["text"]
    assert "📡 Gate DOGE_USDT tiers as of " in sent["text"]


async def test_an_unknown_symbol_gets_the_closest_names(market_bot, emu, exchange):
    sent = await ask(emu, PRIVATE, "/liq #dogg 0.15 10x 100 long bybit")
    assert "Bybit lists no perpetual &#x27;DOGG&#x27;; did you mean DOGEUSDT" in sent["text"] or (
        "Bybit lists no perpetual 'DOGG'; did you mean DOGEUSDT" in sent["text"]
    )
    typo = await ask(emu, PRIVATE, "/liq wdl 1.85 10x 100 long bybit")
    assert "is not a symbol the venues list: did you mean WLD" in typo["text"]


async def test_a_venue_that_is_down_answers_from_cached_data_with_its_age(market_bot, emu, exchange):
    market = market_bot.bot_data.market
    exchange.fault("bybit", "503", times=1000)
    sent = await ask(emu, PRIVATE, "/liq wld 1.85 10x 100 long bybit")
    assert "📡 Bybit WLDUSDT tiers as of " in sent["text"]  # the tables fetched at start
    no_mark = await ask(emu, PRIVATE, "/liq wld 10x 100 long bybit @ market")
    assert "there is no live price for WLD on Bybit here; type the entry price" in no_mark["text"]
    assert market.book.has_tables("bybit", ContractType.LINEAR)


async def test_tiers_lists_what_each_venue_gave(market_bot, emu):
    await until(lambda: market_bot.bot_data.market.book.has_tables("mexc"))
    sent = await ask(emu, PRIVATE, "/tiers")
    assert "Binance: 318 symbols" in sent["text"] and "Bybit: 32 symbols" in sent["text"]
    one = await ask(emu, PRIVATE, "/tiers gate doge")
    assert "DOGE" in one["text"] and "Gate" in one["text"]
