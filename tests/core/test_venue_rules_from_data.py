"""What the market data exposed in core's venue rules (issue 12), against the venues' published examples.

Sources:
- Bybit inverse (UTA, newer text; FORMULAS.md §3.2): long 60,000 contracts of 1 USD at 50,000 with
  0.12 BTC, MMR 0.5 %, MM at the liquidation price: LP = 60,000·(1 + 0.005)/(1.2 + 0.12) = 45,681.82.
- Bybit classic inverse cross (FORMULAS.md §3.3, help.bybit.com 360039261334): 0.5 BTC, long 10,000
  contracts at 8,000, MMR 0.5 %, fee to close 0.075 % at the bankruptcy price: BP = 1.00075·10,000/
  (1.25 + 0.5) = 5,718.57; Qty·(1/EP − 1/LP) = −(0.5 − 1.25·0.005 − 10,000·0.00075/BP) gives LP =
  5,739.08 exactly, shown 5,739.50 on the page (rounded up to the 0.5 tick).
- Binance COIN-M contract sizes (exchangeInfo contractSize): BTCUSD 100 USD, others 10 USD.
- Bitget (MARKET.md, new positions since 2025-11-10): MM = Σ slice × (tier MMR + 0.06 % taker);
  330k on [0–200k 0.4 %, 200k–1M 0.5 %] → 200k·0.0046 + 130k·0.0056 = 1,648.
- MEXC (blog.mexc.fm/liquidation-in-futures-2): 0.1 BTC at 50,000, 25x, MMR 0.4 %, MM at entry:
  (20 − 200 + 5,000)/0.1 = 48,200.
"""

from __future__ import annotations

import pytest

from core import ContractType, calculate, parse_trade
from core.models import MarketPrice
from core.tiers import Tier, TierTable


class OneTable:
    """A TierBook holding one table (what a front end's market data hands to core)."""

    def __init__(self, table: TierTable) -> None:
        self._table = table

    def table(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> TierTable:
        return self._table

    def mark(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> MarketPrice | None:
        return None

    def symbols(self) -> frozenset[str]:
        return frozenset({self._table.symbol})


@pytest.mark.parametrize(
    ("trade", "exact", "shown", "tolerance"),
    [
        pytest.param("50000 qty 60000 long cross bal 0.12 inverse bybit mmr 0.5%", 45_681.818181, 45_681.9, 1e-5,
                     id="bybit-inverse-uta-1-usd-contracts"),
        pytest.param("8000 qty 10000 long cross bal 0.5 inverse bybit-classic mmr 0.5%", 5_739.0835, 5_739.09, 1e-4,
                     id="bybit-classic-inverse-close-fee"),
        pytest.param("50000 qty 0.1 25x long mexc mmr 0.4%", 48_200.0, 48_200.0, 1e-9, id="mexc-mm-at-entry"),
    ],
)  # fmt: skip
def test_published_examples(trade: str, exact: float, shown: float, tolerance: float) -> None:
    result = calculate(parse_trade(trade))
    assert result.liquidation_price_exact == pytest.approx(exact, abs=tolerance)
    assert result.liquidation_price == pytest.approx(shown, abs=1e-9)  # 6 significant figures without a tick


def test_bybit_classic_inverse_bankruptcy_includes_the_close_fee() -> None:
    result = calculate(parse_trade("8000 qty 10000 long cross bal 0.5 inverse bybit-classic mmr 0.5%"))
    # 1.00075·10,000/1.75 = 5,718.571, rounded up (a long's, towards entry) to 6 significant figures
    assert result.bankruptcy_price == 5_718.58
    assert "0.075 % fee to close" in result.notes[0]


def test_with_the_instruments_tick_the_page_value_is_reproduced() -> None:
    table = TierTable.flat(0.005, venue="bybit", symbol="BTC", contract=ContractType.INVERSE, contract_size=1.0)
    ticked = table.model_copy(update={"tick_size": 0.5, "market": "BTCUSD"})
    request = parse_trade("8000 qty 10000 long cross bal 0.5 inverse bybit-classic")
    assert calculate(request, book=OneTable(ticked)).liquidation_price == 5_739.5


@pytest.mark.parametrize(
    ("venue", "symbol", "usd"),
    [
        ("binance", "BTC", 100.0),
        ("binance", "ETH", 10.0),
        ("bybit", "BTC", 1.0),
        ("okx", "BTC", 100.0),
        ("okx", "ETH", 10.0),
    ],
)
def test_inverse_contract_size_without_data_follows_the_venue(venue: str, symbol: str, usd: float) -> None:
    entry = 60_000 if symbol == "BTC" else 3_000
    result = calculate(parse_trade(f"{entry} qty 1000 10x long inverse {venue} sym {symbol} mmr 0.5%"))
    assert result.position.contract_size == usd
    # 1,000 contracts of `usd` USD: the notional in coin is 1,000·usd/entry
    assert result.position.notional_settle == pytest.approx(1_000 * usd / entry, rel=1e-12)


def test_bitget_maintenance_margin_is_slices_plus_the_taker_fee() -> None:
    tiers = (Tier(floor=0, cap=200_000, mmr=0.004, max_leverage=125),
             Tier(floor=200_000, cap=1_000_000, mmr=0.005, max_leverage=100, maintenance_amount=200))  # fmt: skip
    table = TierTable(venue="bitget", symbol="BTC", market="BTCUSDT", tiers=tiers, as_of="test", source="test")
    result = calculate(parse_trade("100000 qty 3.3 10x long bitget"), book=OneTable(table))
    assert result.maintenance_margin_at_entry == pytest.approx(1_648.0, abs=1e-9)


@pytest.mark.parametrize(
    ("typed", "hint"),
    [("binanse", "did you mean binance? "), ("bybitt", "did you mean bybit? "), ("hyperliq", "did you mean hyperliquid? "),
     ("nasdaq", "")],
)  # fmt: skip
def test_a_mistyped_venue_gets_the_likely_one(typed: str, hint: str) -> None:
    """Excel's venue cell and /settings go through get_venue: a typo is answered with the closest venue."""
    from core import InvalidInputError, get_venue

    with pytest.raises(InvalidInputError) as refused:
        get_venue(typed)
    assert refused.value.message.startswith(f"venue {typed!r} is unknown; {hint}type one of: textbook, binance")
