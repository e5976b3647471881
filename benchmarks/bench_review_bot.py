"""``/review`` in the bot (issue 5): review text under 5 ms per call; ``/liq`` answers within 50 ms
while 10 charts render.

- review text: parse + core review + the card (``bot.review_card.review_card``) for every call of
  the corpus (``tests/core/data/trade_calls.json``), no Telegram: median and p95 per call.
- ``/liq`` under chart load: as in ``bench_bot``, the production application handles updates in
  this process (``process_update``) and talks HTTP to the emulator, which runs in its own process
  on loopback. Each round starts 10 ``/review`` updates (each renders a chart in a worker thread,
  ``CHART_RENDERS`` at a time) and, once the charts are rendering, times one ``/liq`` from update
  in to its ``sendMessage`` answered. The figure is the worst of the rounds.

Usage: ``python3 -m benchmarks.bench_review_bot``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_bot import command_update, emulator_process
from bot.review_card import review_card
from core import CoreError, parse_trade_call, review_call

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "core" / "data" / "trade_calls.json"
CHARTS, ROUNDS = 10, 10
CHAT = 20_000


def _calls() -> list[str]:
    return [entry["text"] for entry in json.loads(CORPUS.read_text(encoding="utf-8")) if entry["expected"]]


def _text_times() -> list[float]:
    texts = _calls()
    times: list[float] = []
    for _ in range(5):
        for text in texts:
            start = time.perf_counter()
            try:
                review_card(review_call(parse_trade_call(text), venue="binance", account_balance=10_000))
            except CoreError:
                continue
            times.append(time.perf_counter() - start)
    return times


async def _liq_under_charts(token: str, base_url: str, db: Path) -> tuple[list[float], int]:
    from telegram import Update

    from bot import review_handlers
    from bot.app import build_application
    from bot.config import BotSettings

    rendered, busy = [0], [0]
    render = review_handlers._render  # charts are drawn in the chart process; count them around the await

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        busy[0] += 1
        try:
            return await render(*args, **kwargs)
        finally:
            busy[0] -= 1
            rendered[0] += 1

    review_handlers._render = counting  # type: ignore[assignment]

    settings = BotSettings(
        token=token, api_base_url=base_url, db=str(db), user_rate_limit=0, telegram_overall_rate=0,
        telegram_group_rate=0, market_db="off",  # the review handlers' time; market data: bench_market
    )  # fmt: skip
    application = build_application(settings)
    texts = _calls()
    ids = iter(range(1, 1_000_000))
    times: list[float] = []
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        await application.process_update(
            Update.de_json(command_update(next(ids), CHAT, "/liq 50000 10x 1000"), application.bot)
        )
        for round_ in range(ROUNDS):
            reviews = [
                asyncio.create_task(
                    application.process_update(
                        Update.de_json(
                            command_update(next(ids), CHAT, "/review " + texts[(round_ * CHARTS + i) % len(texts)]),
                            application.bot,
                        )
                    )
                )
                for i in range(CHARTS)
            ]
            await asyncio.sleep(0.03)  # the reviews are sent or rendering
            update = Update.de_json(
                command_update(next(ids), CHAT, f"/liq {40_000 + round_} 10x 1000"), application.bot
            )
            assert busy[0] > 0, "no chart was rendering when /liq arrived"
            start = time.perf_counter()
            await application.process_update(update)
            times.append(time.perf_counter() - start)
            await asyncio.gather(*reviews)
        await application.post_shutdown(application)  # type: ignore[misc]
    review_handlers._render = render  # type: ignore[assignment]
    return times, rendered[0]


def _load_bench(db: Path) -> tuple[list[float], int]:
    with emulator_process([CHAT]) as (token, base_url):
        return asyncio.run(_liq_under_charts(token, base_url, db))


def run() -> list[dict]:
    """Review text time, and /liq latency while charts render."""
    text = _text_times()
    text_ms = statistics.median(text) * 1e3
    text_p95 = sorted(text)[int(len(text) * 0.95)] * 1e3
    with tempfile.TemporaryDirectory() as folder:
        liq, charts = _load_bench(Path(folder) / "bench.sqlite3")
    worst = max(liq) * 1e3
    return [
        {
            "name": f"review text (parse + core + card), median of {len(text)}",
            "value": text_ms,
            "unit": "ms",
            "target": "< 5 ms",
            "ok": text_ms < 5,
        },
        {"name": "review text, p95", "value": text_p95, "unit": "ms", "target": "< 5 ms", "ok": text_p95 < 5},
        {
            "name": f"/liq while {CHARTS} charts render, worst of {len(liq)} ({charts} charts)",
            "value": worst,
            "unit": "ms",
            "target": "< 50 ms",
            "ok": worst < 50,
        },
        {
            "name": "/liq while charts render, median",
            "value": statistics.median(liq) * 1e3,
            "unit": "ms",
            "target": "(info)",
            "ok": True,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
