"""Watches across ``kill -9`` and across instances: ``python -m bot`` processes, unmodified, against the
Bot API emulator and the exchange emulator (issue 14).

* ``kill -9`` between two crossings, then a restart on the same SQLite file: the alert of the first
  crossing is not repeated, the one that happened while the bot was down arrives once.
* Two instances on one PostgreSQL database (webhook mode, so they do not compete for getUpdates):
  exactly one polls and alerts; ``kill -9`` on it and the other takes over within 30 s.

The liquidation price is read from the bot's confirmation (or set on the stored watch), and marks are
placed at chosen distances from it: mark = liq / (1 − d) for a long.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from botharness import PRIVATE, bot_env, free_port, start_bot, wait_for_port, webhook_env

from bot.watch_store import PostgresWatchStore, Watch
from tests.bot.pg_server import clean_url

pytestmark = pytest.mark.slow

INTERVAL = "0.3"


def _alerts(emu, chat_id: int = PRIVATE) -> list[str]:
    return [m["text"] for m in emu.sent_messages(chat_id) if "from liquidation at" in m["text"]]


def _wait(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - started


def _env(emu, exchange, db: str, market_db: Path, **extra: str) -> dict[str, str]:
    return bot_env(emu, Path(db) if "://" not in db else Path("unused"), **exchange.env(), LIQCALC_DB=db,
                   LIQCALC_MARKET_DB=str(market_db), LIQCALC_WATCH_INTERVAL=INTERVAL, **extra)  # fmt: skip


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_kill_9_between_two_crossings_loses_nothing_and_repeats_nothing(emu, exchange, tmp_path: Path) -> None:
    exchange.set_mark("bybit", "ETHUSDT", 3400)  # far from liquidation when the watch starts
    env = _env(emu, exchange, str(tmp_path / "bot.sqlite3"), tmp_path / "market.sqlite3")
    first = start_bot(env, tmp_path / "first.log")
    try:
        emu.wait_until_polling(timeout=30)
        emu.user_sends(PRIVATE, "/watch eth 3200 20x 500 long bybit")
        started = emu.expect("sendMessage", chat_id=PRIVATE, timeout=20)
        liq = float(re.search(r"liquidation at ([0-9,.]+)\.", started.params["text"])[1].replace(",", ""))
        exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - 0.04), 2))  # crossing 1: the 5 % level
        _wait(lambda: len(_alerts(emu)) == 1, 10, "the 5 % alert")
    finally:
        _kill(first)
    exchange.set_mark("bybit", "ETHUSDT", round(liq / (1 - 0.015), 2))  # crossing 2, while the bot is down
    second = start_bot(env, tmp_path / "second.log")
    try:
        _wait(lambda: len(_alerts(emu)) == 2, 30, "the 2 % alert after the restart")
        time.sleep(10 * float(INTERVAL))
        alerts = _alerts(emu)
        assert len(alerts) == 2, alerts  # nothing lost, nothing repeated
        assert "4.0 %" in alerts[0] and "1.5 %" in alerts[1]
    finally:
        _kill(second)


def test_two_instances_one_poller_and_a_takeover(emu, exchange, postgres, tmp_path: Path) -> None:
    url = clean_url(postgres, "liqcalc_watches", "liqcalc_watch_version", "liqcalc_settings")
    exchange.set_mark("bybit", "ETHUSDT", 3400)
    emu.user_sends(PRIVATE, "/start")  # the chat exists on the emulator

    async def add_watch() -> None:
        store = PostgresWatchStore(url)
        await store.start()
        await store.add(Watch(chat_id=PRIVATE, user_id=PRIVATE, label="ETH long (Bybit, 20x)", source="bybit",
                              market="ETHUSDT", side_sign=1.0, quantity=3.125, liquidation_price=3000.0,
                              drift_per_paid=0.0, levels=(0.05, 0.02)))  # fmt: skip
        await store.close()

    asyncio.run(add_watch())
    processes, logs = [], []
    for name in ("a", "b"):
        port = free_port()
        env = _env(emu, exchange, url, tmp_path / f"market-{name}.sqlite3", **webhook_env(port, "s3cret"))
        logs.append(tmp_path / f"{name}.log")
        processes.append(start_bot(env, logs[-1]))
        wait_for_port(port, timeout=30)
    try:
        exchange.set_mark("bybit", "ETHUSDT", round(3000 / (1 - 0.04), 2))
        _wait(lambda: len(_alerts(emu)) == 1, 15, "the 5 % alert")
        time.sleep(10 * float(INTERVAL))
        assert len(_alerts(emu)) == 1  # one poller: one alert
        polling = [i for i, log in enumerate(logs) if "this instance polls now" in log.read_text()]
        assert len(polling) == 1, [log.read_text()[-500:] for log in logs]
        holder, other = polling[0], 1 - polling[0]
        _kill(processes[holder])
        exchange.set_mark("bybit", "ETHUSDT", round(3000 / (1 - 0.015), 2))
        took = _wait(lambda: len(_alerts(emu)) == 2, 30, "the other instance's takeover")
        assert "this instance polls now" in logs[other].read_text()
        assert took < 30
        print(f"takeover: the alert {took:.2f} s after kill -9 of the polling instance")  # pytest -s shows it
        time.sleep(10 * float(INTERVAL))
        assert len(_alerts(emu)) == 2
    finally:
        for process in processes:
            if process.poll() is None:
                _kill(process)
