"""Bot memory under a mixed workload (issue 11): resident memory < 150 MB after 10,000 commands.

One ``python -m bot`` process, long polling the Bot API emulator, gets 10,000 updates of the kinds a
busy bot sees: ``/liq`` cards, edited commands, inline queries, ``/pnl``, ``/cross``, and ``/review``
with its chart (a PNG each). RSS is read after 5,000 and after 10,000: the second figure must stay
under the target, and the growth between the two shows whether memory keeps climbing.

Usage: ``python3 -m benchmarks.bench_memory``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._exchange import exchange_env
from benchmarks.bench_bot import ROOT, _emulator, _rss_mb

COMMANDS = 10_000
USERS = 500
CHART_EVERY = 25  # 400 reviews with a chart: ~60 ms each of one core


def _command(i: int) -> str:
    kind = i % CHART_EVERY
    if kind == 0:
        return f"/review BTC long {50_000 + i} 10x SL {48_500 + i} TP {54_000 + i}"
    if kind in (1, 2):
        return f"/pnl {40_000 + i} 10x 1000 long exit {44_000 + i}"
    if kind == 3:
        return f"/cross bal 20000; BTC long 0.5 @ {60_000 + i}; ETH short 10 @ 3000 mark 2900"
    return f"/liq {40_000 + i} {5 + i % 20}x 1000"


def _wait(emu, count: int, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = sum(len(emu.calls(m)) for m in ("sendMessage", "sendPhoto", "editMessageText", "answerInlineQuery"))
        if answered >= count:
            return
        time.sleep(0.1)


def _run(folder: Path, **extra_env: str) -> tuple[float, float, int]:
    emu = _emulator()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIQCALC_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token, TELEGRAM_API_BASE_URL=emu.base_url, LIQCALC_DB=str(folder / "m.sqlite3"),
        LIQCALC_TELEGRAM_OVERALL_RATE="0", LIQCALC_TELEGRAM_GROUP_RATE="0", LIQCALC_USER_RATE_LIMIT="0",
        LIQCALC_LOG_LEVEL="WARNING", PTB_TIMEDELTA="1", PYTHONPATH=str(ROOT), LIQCALC_CONNECTION_POOL="4",
    )  # fmt: skip
    env.update(exchange_env())  # as in production: the market data (every venue's tables) in memory
    env.update(extra_env)
    log = folder / "bot.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, stdout=out, stderr=subprocess.STDOUT)
    rss_half = rss_full = 0.0
    try:
        emu.wait_until_polling(timeout=30)
        sent: dict[int, int] = {}
        expected = 0
        for i in range(COMMANDS):
            user = 80_000 + i % USERS
            if i % 10 == 7 and user in sent:  # an edited command: its answer is edited
                emu.user_edits(user, sent[user], f"/liq {41_000 + i} 10x 1000 short")
            elif i % 10 == 8:
                emu.inline_query(f"{42_000 + i} 10x 1000", user_id=user)
            else:
                message = emu.user_sends(user, _command(i))
                sent[user] = message["message_id"]
            expected += 1
            if i + 1 == COMMANDS // 2:
                _wait(emu, expected, 180)
                time.sleep(0.5)
                rss_half = _rss_mb(process.pid)
        _wait(emu, expected, 240)
        time.sleep(0.5)
        rss_full = _rss_mb(process.pid)
        global CHART_RSS, PHOTOS
        CHART_RSS = sum(_rss_mb(child) for child in _children(process.pid))
        PHOTOS = len(emu.calls("sendPhoto"))
        answered = sum(len(emu.calls(m)) for m in ("sendMessage", "sendPhoto", "editMessageText", "answerInlineQuery"))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        emu.stop()
    return rss_half, rss_full, answered


CHART_RSS = 0.0
PHOTOS = 0


def _children(pid: int) -> list[int]:
    """The chart process (and any other child) of the bot."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        rss_half, rss_full, answered = _run(Path(folder))
    return [
        {"name": f"bot RSS after {COMMANDS // 2:,} mixed commands", "value": rss_half, "unit": "MB", "target": "—",
         "ok": True},
        {"name": f"bot RSS after {COMMANDS:,} mixed commands ({answered:,} answers)", "value": rss_full, "unit": "MB",
         "target": "< 150 MB", "ok": rss_full < 150 and answered >= COMMANDS and PHOTOS == COMMANDS // CHART_EVERY},
        {"name": f"its chart process ({PHOTOS} charts drawn; replaced every 500)", "value": CHART_RSS, "unit": "MB",
         "target": "—", "ok": True},
    ]  # fmt: skip


if __name__ == "__main__":
    for row in run():
        print(row)
