"""Sans-IO price parsers: documented ticker shapes (../shared/MARKET.md) → quotes; unusable rows left out."""

from __future__ import annotations

import pytest

from market import TableRejected
from market import prices as parse


def test_binance_premium_index() -> None:
    payload = [
        {"symbol": "BTCUSDT", "markPrice": "97123.40", "indexPrice": "97110.00", "lastFundingRate": "0.00010000",
         "nextFundingTime": 1796275200000},
        {"symbol": "DEADUSDT", "markPrice": "0", "indexPrice": "0", "lastFundingRate": ""},
    ]  # fmt: skip
    quotes = parse.binance(payload)
    assert list(quotes) == ["BTCUSDT"]  # a zero mark is never passed on
    assert quotes["BTCUSDT"] == parse.Quote(97_123.4, 97_110.0, None, 0.0001, 8.0)


def test_bybit_okx_gate_bitget_shapes() -> None:
    bybit = {"retCode": 0, "result": {"category": "linear", "list": [
        {"symbol": "ETHUSDT", "lastPrice": "3187.10", "markPrice": "3187.35", "indexPrice": "3186.90", "fundingRate": "0.0001"}]}}  # fmt: skip
    okx = {"code": "0", "data": [{"instType": "SWAP", "instId": "BTC-USDT-SWAP", "markPx": "97120.5", "ts": "1"}]}
    gate = [
        {
            "contract": "BTC_USDT",
            "last": "97100",
            "mark_price": "97101.2",
            "index_price": "97099",
            "funding_rate": "0.0001",
        }
    ]
    bitget = {"code": "00000", "data": [{"symbol": "BTCUSDT", "lastPr": "97100", "markPrice": "97102", "indexPrice": "97098", "fundingRate": "0.0001"}]}  # fmt: skip
    assert parse.bybit(bybit)["ETHUSDT"].mark_price == 3_187.35
    assert parse.okx(okx)["BTC-USDT-SWAP"] == parse.Quote(97_120.5, None, None, None, None)
    assert parse.gate(gate)["BTC_USDT"].index_price == 97_099.0
    assert parse.bitget(bitget)["BTCUSDT"].last_price == 97_100.0


def test_hyperliquid_contexts_follow_the_universe_order() -> None:
    meta = {"universe": [{"name": "BTC", "maxLeverage": 40}, {"name": "ETH", "maxLeverage": 25}]}
    contexts = [{"markPx": "97000.0", "oraclePx": "96990.0", "midPx": "97001.0", "funding": "0.0000125"},
                {"markPx": "3190.5", "oraclePx": "3190.0", "midPx": "3190.6", "funding": "-0.00001"}]  # fmt: skip
    quotes = parse.hyperliquid([meta, contexts])
    assert quotes["ETH"] == parse.Quote(3_190.5, 3_190.0, 3_190.6, -0.00001, 1.0)


@pytest.mark.parametrize(
    ("parser", "payload"),
    [
        pytest.param(parse.binance, {"code": -1003, "msg": "Too many requests"}, id="binance-error"),
        pytest.param(parse.bybit, {"retCode": 10006, "retMsg": "Too many visits"}, id="bybit-error"),
        pytest.param(parse.okx, {"code": "50011", "msg": "Rate limit"}, id="okx-error"),
        pytest.param(parse.hyperliquid, {"error": "bad"}, id="hyperliquid-shape"),
    ],
)
def test_errors_are_refused_whole(parser, payload) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TableRejected):
        parser(payload)
