"""Market data (issue 12), each figure beside its floor measured in the same run.

- ``/liq`` on fetched tables (a :class:`market.book.MarketBook` holding the very tables of the bundled
  snapshot, so the work is the same) against the same ``/liq`` on the bundled snapshot: ≤ 1.1×;
- a full refresh of every venue from the exchange emulator at the production pace, in a fresh
  process: wall time, requests, peak RSS (and the same refresh unpaced: the parsing and validation);
- a cold ``/liq`` on a symbol the venue's tables do not list yet (one refresh of that venue, then
  the answer), with the emulator answering after 50 ms: ≤ 1.5 s plus the emulator's latency.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_core import _best

ROOT = Path(__file__).resolve().parents[1]
LATENCY = 0.05  # seconds the emulator takes per answer in the cold-symbol figure
N_LIQ = 300


def _liq_rows() -> list[dict]:
    from bot.handlers import liq_answer
    from core import bundled_tier_tables, parse_trade
    from core.tier_data import BUNDLED
    from market.book import MarketBook

    fetched = MarketBook()
    fetched.add_tables(bundled_tier_tables())
    trades = [f"{40_000 + i} 10x 1000 binance" for i in range(N_LIQ)]

    def run(book: object) -> None:
        for text in trades:
            liq_answer(parse_trade(text, book=book), book=book)  # type: ignore[arg-type]

    live, bundled = float("inf"), float("inf")
    for _ in range(5):  # alternate, keep each one's best
        live = min(live, _best(lambda: run(fetched), 1))
        bundled = min(bundled, _best(lambda: run(BUNDLED), 1))
    ratio = live / bundled
    per = 1e3 / N_LIQ
    return [
        {"name": "/liq on fetched tables", "value": live * per, "unit": "ms", "target": "—", "ok": True},
        {"name": "/liq on the bundled snapshot (floor)", "value": bundled * per, "unit": "ms", "target": "—", "ok": True},
        {"name": "/liq fetched / bundled", "value": ratio, "unit": "×", "target": "≤ 1.1", "ok": ratio <= 1.1},
    ]  # fmt: skip


_REFRESH = """
import asyncio, json, resource, sys, tempfile, time
from tests.market.exchange_emulator import ExchangeEmulator
from market.cache import SQLiteCache
from market.catalog import SOURCES
from market.service import MarketData
from market.transport import Http

paced = sys.argv[1] == "paced"

async def main(emu):
    with tempfile.TemporaryDirectory() as folder:
        http = Http() if paced else Http(pace={s: 0.0 for s in (*SOURCES, "binance-web")})
        market = MarketData(SQLiteCache(folder + "/m.sqlite3"), emu.urls(), http=http)
        await market.start()
        started = time.perf_counter()
        outcomes = await market.refresh()
        seconds = time.perf_counter() - started
        await market.close()
    return outcomes, seconds

with ExchangeEmulator(enforce_limits=paced) as emu:
    outcomes, seconds = asyncio.run(main(emu))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "requests": sum(o.requests for o in outcomes), "ok": all(o.ok for o in outcomes),
                      "tables": sum(o.symbols for o in outcomes), "rss_mb": rss,
                      "slowest": max(outcomes, key=lambda o: o.seconds).source}))
"""


def _refresh(paced: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _REFRESH, "paced" if paced else "unpaced"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _refresh_rows() -> list[dict]:
    paced, unpaced = _refresh(True), _refresh(False)
    return [
        {"name": f"full refresh, production pace ({paced['tables']} tables; slowest: {paced['slowest']})",
         "value": paced["seconds"], "unit": "s", "target": "(info)", "ok": paced["ok"]},
        {"name": "full refresh, requests", "value": paced["requests"], "unit": "req", "target": "(info)", "ok": True},
        {"name": "full refresh, peak RSS of the process (emulator included)", "value": paced["rss_mb"], "unit": "MB",
         "target": "(info)", "ok": True},
        {"name": "full refresh unpaced (parse + validate + store)", "value": unpaced["seconds"], "unit": "s",
         "target": "(info)", "ok": unpaced["ok"]},
    ]  # fmt: skip


def _cold_rows() -> list[dict]:
    from core import parse_trade
    from market.cache import SQLiteCache
    from market.service import MarketData
    from tests.market.exchange_emulator import ExchangeEmulator

    rows = []

    async def cold(emu: ExchangeEmulator, folder: str, source: str, symbol: str) -> tuple[float, int]:
        from bot.handlers import liq_answer

        market = MarketData(SQLiteCache(f"{folder}/{source}.sqlite3"), emu.urls())  # production pace
        await market.start()  # an empty cache: the venue's first refresh comes with this /liq
        before = emu.count(source)
        started = time.perf_counter()
        await market.ready(source, symbol, price=True)
        request = parse_trade(f"{symbol.lower()} 10x 100 long {source}", book=market.book)
        liq_answer(request, book=market.book)
        seconds = time.perf_counter() - started
        await market.close()
        return seconds, emu.count(source) - before

    import tempfile

    with ExchangeEmulator(latency=LATENCY) as emu, tempfile.TemporaryDirectory() as folder:
        for source, symbol in (("bybit", "WLD"), ("okx", "XRP"), ("gate", "LINK"), ("bitget", "ADA")):
            seconds, requests = asyncio.run(cold(emu, folder, source, symbol))
            budget = 1.5 + requests * LATENCY
            rows.append({
                "name": f"cold /liq, unknown symbol on {source} ({requests} requests × {LATENCY * 1e3:.0f} ms latency)",
                "value": seconds, "unit": "s", "target": f"≤ {budget:.2f}", "ok": seconds <= budget,
            })  # fmt: skip
    return rows


def run() -> list[dict]:
    return _liq_rows() + _refresh_rows() + _cold_rows()


if __name__ == "__main__":
    for row in run():
        print(row)
