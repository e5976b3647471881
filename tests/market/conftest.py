"""Fixtures for the market-data tests: the exchange emulator, and market data pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from market.cache import SQLiteCache
from market.catalog import SOURCES
from market.service import MarketData
from market.transport import Http
from tests.market.exchange_emulator import ExchangeEmulator

NO_PACE = {source: 0.0 for source in (*SOURCES, "binance-web")}


@pytest.fixture(scope="module")
def emu() -> Iterator[ExchangeEmulator]:
    """One emulator for the module; each test starts from the fixtures, without faults or counts."""
    with ExchangeEmulator(enforce_limits=False) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> None:
    if "emu" in request.fixturenames:
        emulator: ExchangeEmulator = request.getfixturevalue("emu")
        emulator.reload()
        emulator.faults.clear()
        emulator.requests.clear()
        emulator.paths.clear()
        emulator.hang_seconds = 15.0


class Recorder:
    """A ``sleep`` for :class:`Http` that records the waits and does not wait (the tests stay fast)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
async def make_market(
    emu: ExchangeEmulator, tmp_path: Path, sleeps: Recorder
) -> AsyncIterator[Callable[..., MarketData]]:
    """``make_market(clock=…, **http)``: market data on a fresh SQLite cache, reaching the emulator, unpaced."""
    made: list[MarketData] = []

    def make(*, clock: Callable[[], float] | None = None, cache: object = None, **http: object) -> MarketData:
        options = {"pace": NO_PACE, "sleep": sleeps, **http}
        market = MarketData(
            cache or SQLiteCache(tmp_path / f"market-{len(made)}.sqlite3"),  # type: ignore[arg-type]
            emu.urls(),
            http=Http(**options),  # type: ignore[arg-type]
            **({"clock": clock} if clock else {}),
        )
        made.append(market)
        return market

    yield make
    for market in made:
        await market.close()
