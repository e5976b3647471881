"""Sans-IO tier parsers (issue 12 groundwork): documented response shapes in, validated core tables out.

Shapes: ../shared/MARKET.md (from the venues' API documentation, December 2026). Expected values are
derived in the comments; tolerances are explicit.
"""

from __future__ import annotations

import math

import pytest

from core import Side
from core.tiers import BoundUnit, liquidation_price_tiered
from market import TableRejected, continuity_amounts
from market import tiers as parse

AS_OF = "2026-12-03T09:00Z"

# Binance BTCUSDT since 2025-06-19 (MARKET.md "Known published numbers"): floor, cap, rate, leverage, cum
BINANCE_BTC = [(0, 300_000, 0.004, 150, 0), (300_000, 800_000, 0.005, 100, 300),
               (800_000, 3_000_000, 0.0065, 75, 1_500), (3_000_000, 12_000_000, 0.01, 50, 12_000)]  # fmt: skip


def _web(symbol: str, rows: list[tuple]) -> dict:
    brackets = [
        {"bracketSeq": i + 1, "bracketNotionalFloor": f, "bracketNotionalCap": c, "bracketMaintenanceMarginRate": r,
         "cumFastMaintenanceAmount": a, "maxOpenPosLeverage": lev}
        for i, (f, c, r, lev, a) in enumerate(rows)
    ]  # fmt: skip
    return {"code": "000000", "data": {"brackets": [{"symbol": symbol, "riskBrackets": brackets}]}, "success": True}


def test_binance_web_brackets_become_the_exchange_table() -> None:
    parsed = parse.binance_web(_web("BTCUSDT", BINANCE_BTC), as_of=AS_OF)
    table = parsed.tables["BTCUSDT"]
    assert parsed.rejected == [] and table.symbol == "BTC" and table.as_of == AS_OF
    assert [(t.floor, t.cap, t.mmr, t.max_leverage, t.maintenance_amount) for t in table.tiers] == BINANCE_BTC
    # issue 12's case, 50,000 long 10x, 10,000 margin (Q = 2): bracket 1 at the liquidation price (90k notional),
    # LP = (10,000 − 2·50,000 + 0)/(2·0.004 − 2) = 45,180.72 (Binance USDⓈ-M formula, derivations.md D2)
    result = liquidation_price_tiered(Side.LONG, 50_000, 2, 10_000, table=table)
    assert result.price == pytest.approx(90_000 / 1.992, rel=1e-12) and result.tier_index == 0


def test_binance_signed_shape_and_a_bad_cum_is_refused_alone() -> None:
    payload = [
        {"symbol": "ETHUSDT", "brackets": [{"bracket": 1, "initialLeverage": 75, "notionalCap": 10000,
                                            "notionalFloor": 0, "maintMarginRatio": 0.0065, "cum": 0.0}]},
        # cum 999 breaks the continuity rule: 300,000·(0.005 − 0.004) = 300
        {"symbol": "BTCUSDT", "brackets": [
            {"bracket": 1, "initialLeverage": 150, "notionalCap": 300000, "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0},
            {"bracket": 2, "initialLeverage": 100, "notionalCap": 800000, "notionalFloor": 300000, "maintMarginRatio": 0.005, "cum": 999},
        ]},
    ]  # fmt: skip
    parsed = parse.binance_signed(payload, as_of=AS_OF)
    assert list(parsed.tables) == ["ETHUSDT"] and parsed.tables["ETHUSDT"].tiers[0].mmr == 0.0065
    assert parsed.rejected[0][0] == "BTCUSDT" and "continuity rule (expected 300.0)" in parsed.rejected[0][1]


def test_bybit_pages_are_joined_and_missing_deductions_derived() -> None:
    page1 = {"retCode": 0, "result": {"category": "linear", "nextPageCursor": "2", "list": [
        {"id": 1, "symbol": "ETHUSDT", "riskLimitValue": "900000", "maintenanceMargin": "0.005", "initialMargin": "0.01",
         "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""}]}}  # fmt: skip
    page2 = {"retCode": 0, "result": {"category": "linear", "nextPageCursor": "", "list": [
        {"id": 2, "symbol": "ETHUSDT", "riskLimitValue": "1800000", "maintenanceMargin": "0.0055", "initialMargin": "0.0105",
         "isLowestRisk": 0, "maxLeverage": "95.23", "mmDeduction": "450"}]}}  # fmt: skip
    table = parse.bybit([page1, page2], as_of=AS_OF).tables["ETHUSDT"]
    # floors are the previous caps; 900,000·(0.0055 − 0.005) = 450 (given, and consistent)
    assert [(t.floor, t.cap, t.maintenance_amount) for t in table.tiers] == [(0, 900_000, 0), (900_000, 1_800_000, 450)]


def test_okx_tiers_are_in_contracts_and_not_marginal() -> None:
    payload = {"code": "0", "data": [
        {"instFamily": "BTC-USDT", "tier": "1", "minSz": "0", "maxSz": "1000", "mmr": "0.004", "imr": "0.01", "maxLever": "100"},
        {"instFamily": "BTC-USDT", "tier": "2", "minSz": "1000", "maxSz": "2000", "mmr": "0.005", "imr": "0.0125", "maxLever": "80"},
    ]}  # fmt: skip
    table = parse.okx(payload, contract_values={"BTC-USDT": 0.01}, as_of=AS_OF).tables["BTC-USDT"]
    # 1,000 contracts × 0.01 BTC = 10 BTC: sizes in base quantity; the whole position at the tier's MMR
    assert table.bound_unit is BoundUnit.BASE_QUANTITY and not table.marginal
    assert [(t.floor, t.cap, t.maintenance_amount) for t in table.tiers] == [(0, 10, 0), (10, 20, 0)]
    refused = parse.okx(payload, contract_values={}, as_of=AS_OF)
    assert refused.tables == {} and "no contract value" in refused.rejected[0][1]


def test_gate_deduction_is_the_amount() -> None:
    page = [
        {"contract": "BTC_USDT", "tier": 1, "risk_limit": "1000000", "initial_rate": "0.01", "maintenance_rate": "0.004",
         "leverage_max": "125", "deduction": "0"},
        {"contract": "BTC_USDT", "tier": 2, "risk_limit": "2000000", "initial_rate": "0.0125", "maintenance_rate": "0.005",
         "leverage_max": "100", "deduction": "1000"},
    ]  # fmt: skip
    table = parse.gate([page], as_of=AS_OF).tables["BTC_USDT"]
    # 1,000,000·(0.005 − 0.004) = 1,000: Gate's deduction agrees with continuity
    assert table.symbol == "BTC" and [t.maintenance_amount for t in table.tiers] == [0, 1000]


def test_hyperliquid_margin_tables_and_single_tier_ids() -> None:
    meta = {
        "universe": [
            {"name": "BTC", "szDecimals": 5, "maxLeverage": 40, "marginTableId": 56},
            {"name": "kPEPE", "szDecimals": 0, "maxLeverage": 10, "marginTableId": 10},
            {"name": "OLD", "szDecimals": 0, "maxLeverage": 3, "marginTableId": 3, "isDelisted": True},
        ],
        "marginTables": [[56, {"description": "tiered 40x", "marginTiers": [
            {"lowerBound": "0.0", "maxLeverage": 40}, {"lowerBound": "150000000.0", "maxLeverage": 20}]}]],
    }  # fmt: skip
    parsed = parse.hyperliquid([meta, []], as_of=AS_OF)
    btc, pepe = parsed.tables["BTC"], parsed.tables["kPEPE"]
    # MMR = 1/(2·40) = 1.25 %, then 1/(2·20) = 2.5 %; continuity: 150M·(0.025 − 0.0125) = 1,875,000
    assert [(t.mmr, t.maintenance_amount) for t in btc.tiers] == [(0.0125, 0), (0.025, 1_875_000)]
    assert math.isinf(btc.tiers[-1].cap) and "OLD" not in parsed.tables
    assert [(t.mmr, t.max_leverage) for t in pepe.tiers] == [(0.05, 10)]  # id 10 < 50: one tier at 10x


def test_bitget_published_example() -> None:
    payload = {"code": "00000", "data": [
        {"symbol": "BTCUSDT", "level": "1", "startUnit": "0", "endUnit": "200000", "leverage": "125", "keepMarginRate": "0.004"},
        {"symbol": "BTCUSDT", "level": "2", "startUnit": "200000", "endUnit": "1000000", "leverage": "100", "keepMarginRate": "0.005"},
    ]}  # fmt: skip
    table = parse.bitget({"BTCUSDT": payload}, as_of=AS_OF).tables["BTCUSDT"]
    # Bitget's example (MARKET.md): 330k → MM 1,648 = Σ slice × (rate + 0.06 % taker)
    # = 200k·0.0046 + 130k·0.0056; with the continuity amount 200k·0.001 = 200: 330k·0.005 − 200 + 0.0006·330k
    tier = table.tiers[table.index_at(330_000)]
    assert 330_000 * tier.mmr - tier.maintenance_amount + 0.0006 * 330_000 == pytest.approx(1_648.0, abs=1e-9)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param(
            [(0, 300_000, 0.004, 150, 0), (300_000, 800_000, 0.003, 100, -300)], "the rate falls", id="rate-falls"
        ),
        pytest.param([(0, 300_000, 1.5, 150, 0)], "less than 1", id="rate-out-of-range"),
        pytest.param([(0, 300_000, "NaN", 150, 0)], "not finite", id="nan-string"),
        pytest.param([(0, 300_000, 0.004, 0, 0)], "greater than 0", id="zero-leverage"),
        pytest.param([(0, 300_000, 0.004, 150, 0), (400_000, 800_000, 0.005, 100, 300)], "previous cap", id="gap"),
    ],
)
def test_a_table_that_fails_validation_is_refused(rows: list[tuple], message: str) -> None:
    parsed = parse.binance_web(_web("BTCUSDT", rows), as_of=AS_OF)
    assert parsed.tables == {} and message in parsed.rejected[0][1]


@pytest.mark.parametrize("payload", [{"code": "-1003", "msg": "Too many requests"}, [], "<html>", None])
def test_an_error_or_another_shape_is_refused_whole(payload: object) -> None:
    with pytest.raises(TableRejected, match="binance web"):
        parse.binance_web(payload, as_of=AS_OF)


def test_missing_fields_reject_one_market_not_the_response() -> None:
    good = _web("BTCUSDT", BINANCE_BTC)["data"]["brackets"][0]
    bad = {"symbol": "ETHUSDT", "riskBrackets": [{"bracketSeq": 1}]}
    parsed = parse.binance_web({"code": "000000", "data": {"brackets": [good, bad]}}, as_of=AS_OF)
    assert list(parsed.tables) == ["BTCUSDT"] and "malformed" in parsed.rejected[0][1]


def test_continuity_amounts_match_the_bundled_binance_table() -> None:
    from core import tier_table

    table = tier_table("binance", "BTC")  # its notes: cum satisfies the rule exactly for every bracket
    expected = [t.maintenance_amount for t in table.tiers]
    assert continuity_amounts([t.floor for t in table.tiers], [t.mmr for t in table.tiers]) == pytest.approx(expected)
