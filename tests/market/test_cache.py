"""The market-data cache on SQLite and on a real PostgreSQL server (issue 12).

Both keep every table with its source and ``as_of``, replace only what a save carries, keep the last
success when an attempt fails, and hand the tables back validated (Hyperliquid's open last tier included).
"""

from __future__ import annotations

import math

import pytest

from core.tiers import Tier, TierTable
from market.cache import PostgresCache, Run, SQLiteCache, open_cache
from tests.bot.pg_server import clean_url


@pytest.fixture
def postgres_url(postgres):
    return clean_url(postgres, "market_tables", "market_runs")


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path):
    return str(tmp_path / "market.sqlite3") if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def table(market: str, mmr: float, *, open_last: bool = False, as_of: str = "2026-12-03 06:00 UTC") -> TierTable:
    tiers = (Tier(floor=0, cap=1_000, mmr=mmr, max_leverage=50), Tier(
        floor=1_000, cap=math.inf if open_last else 5_000, mmr=mmr * 2, max_leverage=20, maintenance_amount=1_000 * mmr,
    ))  # fmt: skip
    return TierTable(venue="gate", symbol=market.split("_")[0], market=market, source="test", as_of=as_of, tiers=tiers)


async def test_tables_and_runs_round_trip(location):
    cache = open_cache(location)
    assert isinstance(cache, PostgresCache if location.startswith("postgresql") else SQLiteCache)
    await cache.start()
    try:
        first = [table("BTC_USDT", 0.004), table("KPEPE_USDT", 0.01, open_last=True)]
        await cache.save(first, Run("gate", 100.0, 100.0, True, "2 symbols", 2, 4, 3))
        assert sorted(await cache.tables(), key=lambda t: t.market) == first
        # a later save replaces what it carries and keeps the rest
        newer = table("BTC_USDT", 0.005, as_of="2026-12-04 06:00 UTC")
        await cache.save([newer], Run("gate", 200.0, 200.0, True, "1 symbol", 1, 2, 3))
        assert {t.market: t for t in await cache.tables()} == {"BTC_USDT": newer, "KPEPE_USDT": first[1]}
        # a failure keeps the last success's time and counts
        await cache.record(Run("gate", None, 300.0, False, "HTTP 503", 0, 0, 4))
        (run,) = await cache.runs()
        assert (run.refreshed_at, run.attempted_at, run.ok, run.note, run.symbols, run.tiers) == (
            200.0, 300.0, False, "HTTP 503", 1, 2,
        )  # fmt: skip
    finally:
        await cache.close()


async def test_two_instances_share_one_postgres_cache(postgres_url):
    writer, reader = PostgresCache(postgres_url), PostgresCache(postgres_url)
    await writer.start()
    await reader.start()
    try:
        await writer.save([table("ETH_USDT", 0.005)], Run("gate", 1.0, 1.0, True, "1 symbol", 1, 2, 1))
        assert [t.market for t in await reader.tables()] == ["ETH_USDT"]
    finally:
        await writer.close()
        await reader.close()


async def test_a_damaged_row_is_left_out_not_fatal(tmp_path):
    cache = SQLiteCache(tmp_path / "m.sqlite3")
    await cache.start()
    await cache.save([table("BTC_USDT", 0.004)], Run("gate", 1.0, 1.0, True, "", 1, 2, 1))
    cache._db().execute("INSERT INTO market_tables VALUES ('gate', 'linear', 'BAD', 'BAD', '', 0, '{not json')")
    assert [t.market for t in await cache.tables()] == ["BTC_USDT"]
    await cache.close()
