"""Bot speed and load targets (issue 3), against the Bot API emulator on loopback.

- ``/liq`` handler time, update in → request out (and Telegram's answer back): median < 5 ms.
  The production application handles a ``/liq`` update in this process (``process_update``:
  settings read, parse, core, format, ``sendMessage`` over HTTP to the emulator, which runs in its
  own process on loopback). Both sides and the venue line: the default ``/liq`` card.
- sustained ``/liq`` throughput of one ``python -m bot`` process, long polling: ≥ 300/s, no errors.
  10,000 commands from 1,000 private chats are queued; the figure is commands answered per second
  until the last answer arrives. Telegram's own flood limits are switched off for this run
  (``LIQCALC_TELEGRAM_OVERALL_RATE=0``, ``LIQCALC_TELEGRAM_GROUP_RATE=0``, no per-user limit):
  the point is the bot's headroom, not Telegram's 30 messages/s. Every trade is distinct (no
  repeated computation). The pool is 4 connections, enough on loopback (see ``EXTRA_ENV``).
- resident memory of that process after the 10,000 commands: < 150 MB.

Usage: ``python3 -m benchmarks.bench_bot``.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks._exchange import exchange_env

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = 10_000
USERS = 1_000
WARMUP, SAMPLES = 200, 1_000
# Loopback answers in ~0.3 ms, so 4 connections carry any rate this process can produce; fewer
# connections mean less httpcore bookkeeping per request (production default: 8, for ~50 ms RTT).
EXTRA_ENV: dict[str, str] = {"LIQCALC_CONNECTION_POOL": "4"}


def _emulator():  # type: ignore[no-untyped-def]
    from tests.bot.fake_telegram import FakeTelegram

    return FakeTelegram().start()


def command_update(update_id: int, chat_id: int, text: str) -> dict:
    """A private-chat message update carrying a command, as Telegram sends it."""
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "B"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "B"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


def _serve(chats: list[int], ready: Any, stop: Any) -> None:
    """An emulator in its own process (so its CPU does not share the bot's interpreter lock)."""
    emu = _emulator()
    try:
        for chat in chats:
            emu.user_sends(chat, "/start")  # the chats exist
        ready.put((emu.token, emu.base_url))
        stop.wait(600)
    finally:
        emu.stop()


async def _handler_times(token: str, base_url: str, db: Path) -> list[float]:
    from telegram import Update

    from bot.app import build_application
    from bot.config import BotSettings

    settings = BotSettings(
        token=token, api_base_url=base_url, db=str(db), user_rate_limit=0, telegram_overall_rate=0,
        telegram_group_rate=0, market_db="off",  # the handlers' time; market data: bench_market, _load
    )  # fmt: skip
    application = build_application(settings)
    times: list[float] = []
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        for i in range(WARMUP + SAMPLES):
            update = Update.de_json(
                command_update(i + 1, 10_000 + i % 50, f"/liq {40_000 + i} 10x 1000"), application.bot
            )
            start = time.perf_counter()
            await application.process_update(update)
            if i >= WARMUP:
                times.append(time.perf_counter() - start)
        await application.post_shutdown(application)  # type: ignore[misc]
    return times


@contextlib.contextmanager
def emulator_process(chats: list[int]) -> Iterator[tuple[str, str]]:
    """An emulator with ``chats`` in a spawned process for the block: its (token, base URL)."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(chats, ready, stop), daemon=True)
    server.start()
    try:
        yield ready.get(timeout=60)
    finally:
        stop.set()
        server.join(timeout=10)


def _handler_bench(db: Path) -> list[float]:
    with emulator_process(list(range(10_000, 10_050))) as (token, base_url):
        return asyncio.run(_handler_times(token, base_url, db))


LAST_CPU = (0.0, 0.0)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _load(emu, db: Path, log: Path) -> tuple[float, int, float, int]:  # type: ignore[no-untyped-def]
    """(commands per second, errors, RSS MB after, answers) for one ``python -m bot`` process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIQCALC_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token, TELEGRAM_API_BASE_URL=emu.base_url, LIQCALC_DB=str(db),
        LIQCALC_TELEGRAM_OVERALL_RATE="0", LIQCALC_TELEGRAM_GROUP_RATE="0", LIQCALC_USER_RATE_LIMIT="0",
        LIQCALC_LOG_LEVEL="WARNING", PTB_TIMEDELTA="1", PYTHONPATH=str(ROOT),
    )  # fmt: skip
    env.update(exchange_env())  # as in production: market data refreshed at start, from the exchange emulator
    env.update(EXTRA_ENV)
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        emu.wait_until_polling(timeout=30)
        for user in range(USERS):
            emu.user_sends(50_000 + user, "/start")
        deadline = time.monotonic() + 60
        while len(emu.calls("sendMessage")) < USERS and time.monotonic() < deadline:
            time.sleep(0.01)
        baseline = len(emu.calls("sendMessage"))
        cpu_before = _cpu_seconds(process.pid)
        start = time.perf_counter()
        for i in range(COMMANDS):
            emu.user_sends(50_000 + i % USERS, f"/liq {40_000 + i} {5 + i % 20}x 1000")  # all distinct
        deadline = time.monotonic() + 120
        while len(emu.calls("sendMessage")) < baseline + COMMANDS and time.monotonic() < deadline:
            time.sleep(0.05)  # each look copies the call log under the emulator lock
        elapsed = time.perf_counter() - start
        global LAST_CPU
        LAST_CPU = (_cpu_seconds(process.pid) - cpu_before, elapsed)
        answered = len(emu.calls("sendMessage")) - baseline
        time.sleep(0.5)
        rss = _rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    cards = sum("<b>Long</b> liq" in c.params.get("text", "") for c in emu.calls("sendMessage"))
    errors = abs(answered - COMMANDS) + max(0, COMMANDS - cards) + (code != 0) + len(emu.errors)
    errors += sum(" ERROR " in line or " CRITICAL " in line for line in log.read_text().splitlines())
    return answered / elapsed, errors, rss, answered


def _compute_ms() -> float:
    """Parse, core and card for one distinct /liq (no Telegram): the part that is liqcalc's own."""
    from bot.handlers import liq_answer
    from core import parse_trade

    start = time.perf_counter()
    for i in range(SAMPLES):
        liq_answer(parse_trade(f"{40_000 + i} 10x 1000"))
    return (time.perf_counter() - start) / SAMPLES * 1000


def run() -> list[dict]:
    """The three figures, each with its target, and where the time goes."""
    compute_ms = _compute_ms()
    with tempfile.TemporaryDirectory() as folder:
        times = _handler_bench(Path(folder) / "handler.sqlite3")
        emu = _emulator()
        try:
            rate, errors, rss, answered = _load(emu, Path(folder) / "load.sqlite3", Path(folder) / "bot.log")
        finally:
            emu.stop()
    cpu_seconds, _ = LAST_CPU
    median_ms = statistics.median(times) * 1000
    p95_ms = statistics.quantiles(times, n=20)[-1] * 1000
    return [
        {
            "name": "/liq handler time, median",
            "value": median_ms,
            "unit": "ms",
            "target": "< 5 ms",
            "ok": median_ms < 5,
        },
        {"name": "/liq handler time, p95", "value": p95_ms, "unit": "ms", "target": "(info)", "ok": True},
        {
            "name": f"/liq throughput, {answered:,} answers, {errors} errors",
            "value": rate,
            "unit": "/s",
            "target": "≥ 300/s",
            "ok": rate >= 300 and errors == 0,
        },
        {"name": "parse + core + card per /liq", "value": compute_ms, "unit": "ms", "target": "(info)", "ok": True},
        {
            "name": "bot CPU per /liq under load",
            "value": cpu_seconds / max(answered, 1) * 1000,
            "unit": "ms",
            "target": "(info)",
            "ok": True,
        },
        {
            "name": f"bot RSS after {COMMANDS:,} commands",
            "value": rss,
            "unit": "MB",
            "target": "< 150 MB",
            "ok": rss < 150,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
