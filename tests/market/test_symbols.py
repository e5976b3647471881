"""Symbols in any venue's spelling resolve to that venue's instrument (issue 12)."""

from __future__ import annotations

import pytest

from market.symbols import UnknownSymbol, resolve

BINANCE = ["BTCUSDT", "ETHUSDT", "1000PEPEUSDT", "DOGEUSDT"]
OKX = ["BTC-USDT-SWAP", "ETH-USDT-SWAP", "PEPE-USDT-SWAP"]
GATE = ["BTC_USDT", "ETH_USDT", "PEPE_USDT"]
HYPERLIQUID = ["BTC", "ETH", "kPEPE"]


@pytest.mark.parametrize(
    ("venue", "markets", "text", "expected"),
    [
        pytest.param("binance", BINANCE, "BTC", "BTCUSDT", id="binance-base"),
        pytest.param("binance", BINANCE, "btc-usdt-swap", "BTCUSDT", id="binance-okx-spelling"),
        pytest.param("binance", BINANCE, "kPEPE", "1000PEPEUSDT", id="binance-k-prefix"),
        pytest.param("binance", BINANCE, "#ETH/USDT", "ETHUSDT", id="binance-slash-hash"),
        pytest.param("okx", OKX, "ETHUSDT", "ETH-USDT-SWAP", id="okx-from-binance-spelling"),
        pytest.param("gate", GATE, "btc", "BTC_USDT", id="gate-base"),
        pytest.param("hyperliquid", HYPERLIQUID, "1000PEPE", "kPEPE", id="hl-thousand"),
        pytest.param("hyperliquid", HYPERLIQUID, "BTCUSDT", "BTC", id="hl-from-pair"),
    ],
)
def test_any_spelling_resolves(venue: str, markets: list[str], text: str, expected: str) -> None:
    assert resolve(venue, text, markets) == expected


def test_an_unknown_symbol_lists_the_closest_names() -> None:
    with pytest.raises(UnknownSymbol, match="binance has no perpetual 'DOG'; did you mean DOGEUSDT") as caught:
        resolve("binance", "DOG", BINANCE)
    assert caught.value.suggestions[0] == "DOGEUSDT"
    with pytest.raises(UnknownSymbol) as nothing_close:
        resolve("gate", "ZZZZZZ", GATE)
    assert nothing_close.value.suggestions == []
