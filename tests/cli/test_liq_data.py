"""``liq data refresh|status`` and live trades from the terminal, against the exchange emulator (issue 12).

A real ``liq`` process; the venues are reached through the ``LIQCALC_*_URL`` variables, at the
production pace (the emulator keeps each venue's documented limit).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_liq_command import run
from tests.market.exchange_emulator import ExchangeEmulator


@pytest.fixture(scope="module")
def exchange() -> Iterator[ExchangeEmulator]:
    with ExchangeEmulator() as emulator:
        yield emulator


def liq(args: list[str], exchange: ExchangeEmulator, tmp_path: Path):
    extra = {**exchange.env(), "LIQCALC_MARKET_DB": str(tmp_path / "market.sqlite3")}
    return run(args, tmp_path=tmp_path, extra=extra)


def test_refresh_prints_each_venue_and_status_shows_the_cache(exchange, tmp_path):
    refreshed = liq(["data", "refresh", "bybit", "gate", "hyperliquid"], exchange, tmp_path)
    assert refreshed.returncode == 0, refreshed.stderr
    lines = refreshed.stdout.splitlines()
    assert re.search(r"^Bybit +32 symbols +293 tiers +as of \d{4}-\d\d-\d\d \d\d:\d\d UTC +\(5 requests", lines[1])
    assert re.search(r"^Gate +30 symbols +285 tiers", lines[2]) and re.search(
        r"^Hyperliquid +30 symbols +60 tiers", lines[3]
    )
    status = liq(["data", "status"], exchange, tmp_path)
    assert status.returncode == 0
    assert re.search(r"Bybit +32 symbols +293 tiers +as of .* \(\d+ s ago\)", status.stdout)
    assert "OKX             never fetched: answers use the bundled snapshot" in status.stdout


def test_a_failed_venue_exits_1_and_keeps_its_tables(exchange, tmp_path):
    assert liq(["data", "refresh", "gate"], exchange, tmp_path).returncode == 0
    exchange.fault("gate", "418", times=1)
    failed = liq(["data", "refresh", "gate"], exchange, tmp_path)
    assert failed.returncode == 1
    assert (
        "Gate            FAILED: gate: HTTP 418 (rate limit)" in failed.stdout
        and "previous tables are kept" in failed.stdout
    )
    status = liq(["data", "status"], exchange, tmp_path).stdout
    assert re.search(r"Gate +30 symbols", status) and "failed: gate: HTTP 418" in status


def test_misuse_exits_2_with_a_suggestion(exchange, tmp_path):
    typo = liq(["data", "refresh", "okk"], exchange, tmp_path)
    assert typo.returncode == 2 and "'okk' is not a venue; did you mean okx?" in typo.stderr


def test_a_live_trade_from_the_terminal_names_its_data(exchange, tmp_path):
    assert liq(["data", "refresh", "bybit"], exchange, tmp_path).returncode == 0
    answer = liq(["eth", "20x", "500", "long", "bybit"], exchange, tmp_path)
    assert answer.returncode == 0, answer.stdout
    assert "Entry 3,187.35 · margin 500 USDT" in answer.stdout
    assert re.search(r"📡 Bybit ETHUSDT tiers as of .* · mark 3,187.35 \(\d s ago\)", answer.stdout)


def test_snapshot_writes_dated_sourced_tables_and_refuses_local_data_by_default(exchange, tmp_path):
    from core.tiers import TierTable

    folder = tmp_path / "tier_tables"
    refused = liq(["data", "snapshot", str(folder)], exchange, tmp_path)
    assert refused.returncode == 2 and "point at a local address" in refused.stderr and not folder.exists()
    written = liq(["data", "snapshot", str(folder), "--allow-local"], exchange, tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    files = sorted(p.name for p in folder.glob("*.json"))
    assert "gate_DOGE_USDT.json" in files and "binance_coinm_BTCUSD.json" in files and "hyperliquid_BTC.json" in files
    table = TierTable.model_validate_json((folder / "okx_ETH-USDT.json").read_text())
    assert table.source.startswith("OKX GET /api/v5/public/position-tiers at http://127.0.0.1:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", table.as_of)


def test_watch_in_the_terminal_says_where_watches_work(exchange, tmp_path):
    """``liq`` answers once and exits: a watch there could never alert, so it is refused with the reason."""
    done = liq(["/watch", "eth", "3200", "20x", "500", "long", "bybit"], exchange, tmp_path)
    assert "watches alert you in Telegram: the console chat and liq do not keep running" in done.stdout
    off = run(["/watches"], tmp_path=tmp_path)  # market data off (the tests' default)
    assert "this bot runs without market data (LIQCALC_MARKET_DB=off)" in off.stdout
