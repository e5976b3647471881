"""Issue 14 end to end: the unmodified bot against the Bot API emulator and the exchange emulator.

The tests move the mark on the exchange emulator (its Bybit ``/v5/market/tickers`` answer) and check
that each alert arrives exactly once. The watch poller runs every 0.3 s here (10 s in production).
Where the liquidation price comes from: the bot's own confirmation (core.calculate on the emulator's
Bybit ETHUSDT table, checked in tests/market); marks are placed at chosen distances from it:
mark = liq / (1 − d) for a long.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botharness import GROUP, PRIVATE, ask, buttons, running_bot, settings_for, until
from telegram.ext import Application

from bot.watch_store import MAX_WATCHES_PER_USER, Watch

INTERVAL = 0.3


@pytest.fixture
async def watch_bot(emu, exchange, tmp_path: Path, monkeypatch) -> AsyncIterator[Application]:
    for name, value in exchange.env().items():
        monkeypatch.setenv(name, value)
    exchange.set_mark("bybit", "ETHUSDT", 3400)  # far from the watches' liquidation: no alert unless a test moves it
    settings = settings_for(
        emu, tmp_path / "settings.sqlite3", market_db=str(tmp_path / "market.sqlite3"), watch_interval=INTERVAL
    )
    async with running_bot(settings) as application:
        await until(lambda: application.bot_data.market.book.has_tables("bybit"))
        yield application


def _liquidation(text: str) -> float:
    found = re.search(r"liquidation at ([0-9,]+(?:\.[0-9]+)?)", text)
    assert found is not None, text
    return float(found[1].replace(",", ""))


def _alerts(emu, chat_id: int) -> list[str]:
    return [
        m["text"] for m in emu.sent_messages(chat_id) if "from liquidation at" in m["text"] or "past liq" in m["text"]
    ]


async def _settle(cycles: int = 4) -> None:
    await asyncio.sleep(cycles * INTERVAL)


async def test_every_crossing_alerts_exactly_once(watch_bot, emu, exchange) -> None:
    exchange.set_mark("bybit", "ETHUSDT", 3400)  # far from liquidation (about 10 %) when the watch starts
    started = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit")
    assert "🔔 Watching <b>ETH long (Bybit, 20x)</b>" in started["text"]
    assert "Alerts at 5 % and 2 % from liquidation" in started["text"]
    liq = _liquidation(started["text"])
    steps = [(0.04, "4.0 %"), (0.035, None), (0.015, "1.5 %"), (0.018, None), (-0.01, "past liquidation")]
    expected = []
    for distance, shown in steps:
        exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - distance), 2))
        await _settle()
        if shown:
            expected.append(shown)
        got = _alerts(emu, PRIVATE)
        assert len(got) == len(expected), (distance, got)
        if shown:
            assert shown in got[-1] and "ETH long (Bybit, 20x)" in got[-1]
    assert "the position would be liquidated now" in _alerts(emu, PRIVATE)[-1]
    # the price stays below: nothing more; back to 3 % re-arms the 2 % level (1.5 × 2 %) and liquidation
    await _settle()
    assert len(_alerts(emu, PRIVATE)) == len(expected)
    exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - 0.031), 2))
    await _settle()
    exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - 0.019), 2))
    await _settle()
    assert len(_alerts(emu, PRIVATE)) == len(expected) + 1 and "1.9 %" in _alerts(emu, PRIVATE)[-1]


async def test_watches_lists_and_unwatch_removes(watch_bot, emu, exchange) -> None:
    await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit alert 3%")
    listed = await ask(emu, PRIVATE, "/watches")
    assert "1. ETH long (Bybit, 20x): liquidation " in listed["text"] and "away" in listed["text"]
    assert buttons(listed) == {"❌ 1": buttons(listed)["❌ 1"]}
    wrong = await ask(emu, PRIVATE, "/unwatch 4")
    assert "there is no watch 4 here: /watches lists 1" in wrong["text"]
    gone = await ask(emu, PRIVATE, "/unwatch 1")
    assert "Removed watch 1: ETH long (Bybit, 20x)." in gone["text"]
    assert "No watches here" in (await ask(emu, PRIVATE, "/watches"))["text"]


async def test_bad_input_gets_the_same_answers_as_liq(watch_bot, emu) -> None:
    for text in ("/watch eth 3200 20x 500 lonng bybit", "/watch 50000 10x"):
        liq = (await ask(emu, PRIVATE, text.replace("/watch", "/liq")))["text"]
        watch = (await ask(emu, PRIVATE, text))["text"]
        # the same refusal; only the example at its end is the command's own
        assert watch.rpartition("<code>")[0] == liq.rpartition("<code>")[0] and "<code>/watch " in watch
    no_side = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 bybit")
    assert "a watch needs a side: add long or short" in no_side["text"]
    bad_alert = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit alert 70%")
    assert "an alert distance of 0.7 is not between 0 and 50 %" in bad_alert["text"]
    script = await ask(emu, PRIVATE, "/unwatch <b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in script["text"]  # escaped, not markup


async def test_at_most_20_watches_per_user(watch_bot, emu) -> None:
    store = watch_bot.bot_data.watches
    for number in range(1, MAX_WATCHES_PER_USER + 1):
        confirmed = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit")
        assert f"Watch {number} of 20" in confirmed["text"]
    refused = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit")
    assert "you have 20 watches, the most one person can have" in refused["text"]
    assert len(await store.for_chat(PRIVATE)) == MAX_WATCHES_PER_USER


async def test_in_groups_only_the_setter_removes(watch_bot, emu) -> None:
    emu.add_bot_to_group(GROUP)
    emu.user_sends(GROUP, "/watch eth 3200 20x 500 long bybit", user_id=501)
    await emu.async_expect("sendMessage", chat_id=GROUP)
    emu.user_sends(GROUP, "/unwatch 1", user_id=502)
    other = await emu.async_expect("sendMessage", chat_id=GROUP)
    assert "only the member who set watch 1 can remove it" in other.params["text"]
    emu.user_sends(GROUP, "/unwatch 1", user_id=501)
    owner = await emu.async_expect("sendMessage", chat_id=GROUP)
    assert "Removed watch 1" in owner.params["text"]


async def test_the_bell_on_a_liq_card_starts_the_same_watch(watch_bot, emu) -> None:
    card = await ask(emu, PRIVATE, "/liq eth 3200 20x 500 long bybit")
    bell = buttons(card)["🔔 watch"]
    sent = emu.sent_messages(PRIVATE)[-1]
    emu.press_button(PRIVATE, sent["message_id"], bell)
    confirmed = await emu.async_expect("sendMessage", chat_id=PRIVATE, text=lambda t: "Watching" in t)
    assert "ETH long (Bybit, 20x)" in confirmed.params["text"]
    assert len(await watch_bot.bot_data.watches.for_chat(PRIVATE)) == 1
    both = await ask(emu, PRIVATE, "/liq eth 3200 20x 500 bybit")
    assert {"🔔 watch long", "🔔 watch short"} <= set(buttons(both))


async def test_a_chat_that_blocked_the_bot_loses_its_watches(watch_bot, emu, exchange) -> None:
    started = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit")
    liq = _liquidation(started["text"])
    emu.block_user(PRIVATE)
    exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - 0.01), 2))
    store = watch_bot.bot_data.watches
    deadline = time.monotonic() + 10
    while await store.for_chat(PRIVATE):  # the alert met 403: the chat's watches are removed
        assert time.monotonic() < deadline, "the watches of a chat that blocked the bot were kept"
        await asyncio.sleep(0.1)
    assert _alerts(emu, PRIVATE) == []


async def test_a_429_storm_delays_alerts_and_loses_none(watch_bot, emu, exchange) -> None:
    exchange.set_mark("bybit", "ETHUSDT", 3400)
    started = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit")
    liq = _liquidation(started["text"])
    emu.inject_error("sendMessage", 429, retry_after=1, times=3)
    exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - 0.015), 2))
    await until(lambda: len(_alerts(emu, PRIVATE)) >= 1, timeout=20)
    await _settle(6)
    assert len(_alerts(emu, PRIVATE)) == 1


async def test_a_venue_that_is_down_sends_no_alert_from_stale_prices(watch_bot, emu, exchange) -> None:
    exchange.set_mark("bybit", "ETHUSDT", 3400)
    started = await ask(emu, PRIVATE, "/watch eth 3200 20x 500 long bybit")
    liq = _liquidation(started["text"])
    exchange.fault("bybit", "503", times=10_000)
    await _settle(8)  # the last quotes are now older than two intervals
    exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - 0.01), 2))
    await _settle(4)
    assert _alerts(emu, PRIVATE) == []
    exchange.faults.clear()
    await until(lambda: len(_alerts(emu, PRIVATE)) == 1, timeout=10)


async def test_the_help_examples_of_the_watch_commands_are_answered(watch_bot, emu) -> None:
    from bot.texts import command

    await ask(emu, PRIVATE, "/watch btc 97000 10x 1000 short bybit")  # /unwatch 2 needs a second watch
    for name in ("watch", "watches", "unwatch"):
        found = command(name)
        assert found is not None
        text = (await ask(emu, PRIVATE, found.example))["text"]
        assert not text.startswith("⚠️"), (found.example, text)


async def test_without_market_data_every_watch_command_says_why(emu, tmp_path) -> None:
    async with running_bot(settings_for(emu, tmp_path / "s.sqlite3")) as application:
        assert application.bot_data.watches is None
        for text in ("/watch eth 3200 20x 500 long bybit", "/watches", "/unwatch 1"):
            answer = (await ask(emu, PRIVATE, text))["text"]
            assert "runs without market data" in answer, (text, answer)


async def test_many_alerts_at_once_are_queued_and_each_arrives_once(watch_bot, emu, exchange) -> None:
    """A crash of the market (here: 120 watches in 120 chats crossing together) queues the alerts behind
    Telegram's 30 messages/s; none is dropped, none repeated."""
    store = watch_bot.bot_data.watches
    chats = [10_000 + i for i in range(120)]
    for chat in chats:
        emu.user_sends(chat, "/start")
        await emu.async_expect("sendMessage", chat_id=chat)
        await store.add(Watch(chat_id=chat, user_id=chat, label="ETH long (Bybit, 20x)", source="bybit",
                              market="ETHUSDT", side_sign=1.0, quantity=1.0, liquidation_price=3000.0,
                              drift_per_paid=0.0, levels=(0.05, 0.02)))  # fmt: skip
    exchange.set_mark("bybit", "ETHUSDT", 3030)  # 0.99 % from 3,000: every watch crosses both levels at once
    await until(lambda: sum(len(_alerts(emu, chat)) for chat in chats) >= len(chats), timeout=30)
    await _settle(6)
    assert [len(_alerts(emu, chat)) for chat in chats] == [1] * len(chats)


async def test_a_watch_typed_without_an_entry_starts_at_the_live_mark(watch_bot, emu) -> None:
    """``/watch eth 20x 500 long bybit``: as ``/liq`` does, the entry is Bybit's mark (3,400 here)."""
    started = await ask(emu, PRIVATE, "/watch eth 20x 500 long bybit")
    assert "🔔 Watching <b>ETH long (Bybit, 20x)</b>" in started["text"]
    assert "Mark now 3,400:" in started["text"]
    (watch,) = await watch_bot.bot_data.watches.for_chat(PRIVATE)
    assert watch.quantity == pytest.approx(500 * 20 / 3400, rel=1e-12)  # margin × leverage / entry at the mark
    # Bybit's tickers carry the funding rate, not its period: the watch took it from instruments-info (480 min)
    assert watch.funding_interval_hours == 8.0
