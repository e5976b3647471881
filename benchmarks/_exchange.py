"""The exchange emulator for benchmarks that run the bot as production does: market data on, from 127.0.0.1."""

from __future__ import annotations

from functools import cache

from tests.market.exchange_emulator import ExchangeEmulator


@cache
def exchange_env() -> dict[str, str]:
    """``LIQCALC_*_URL`` of one emulator started for this process (it stops with the process)."""
    return ExchangeEmulator().start().env()
