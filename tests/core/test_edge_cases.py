"""Issue 11, the edge cases that broke answers: one table per class, each expected value derived below.

Ticks: with no instrument tick known (a user's MMR, or a table whose tick cannot fit the price) a
price is rounded to six significant figures, conservatively (longs up, shorts down), never across the
entry or to zero; a relative change of at most 1e-5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import (
    VENUES,
    InvalidInputError,
    Side,
    TierNotFoundError,
    calculate,
    cross_account,
    parse_cross_account,
    parse_trade,
    size_for_risk,
    tier_table,
)
from core.bulk import round_to_tick_bulk
from core.ticks import round_to_tick
from core.venues import get_venue

SMALL_PRICES = [0.15, 0.0000123, 0.00000001]  # DOGE-, PEPE- and SHIB-sized


@pytest.mark.parametrize("venue", sorted(VENUES))
@pytest.mark.parametrize("entry", SMALL_PRICES)
@pytest.mark.parametrize("side", [Side.LONG, Side.SHORT])
def test_coins_under_a_dollar_on_every_venue(venue: str, entry: float, side: Side) -> None:
    result = calculate(parse_trade(f"{entry} 10x 1000 mmr 0.5% ex {venue}"), side)
    shown, exact = result.liquidation_price, result.liquidation_price_exact
    assert shown is not None and exact is not None and shown > 0
    assert side.sign * (shown - entry) < 0  # still on the losing side of the entry
    assert side.sign * (shown - exact) >= -1e-12 * exact  # conservative (a price on the step within float noise)
    assert abs(shown / exact - 1) <= 1e-5  # six significant figures, never a fixed step


@pytest.mark.parametrize(
    ("price", "tick", "side", "entry", "expected"),
    [
        pytest.param(45_180.72, 0.1, Side.LONG, 50_000, 45_180.8, id="instrument-tick"),
        pytest.param(0.1478129, None, Side.LONG, 0.15, 0.147813, id="doge-six-figures-up"),
        pytest.param(0.0010945, 0.01, Side.SHORT, 0.001, 0.0010945, id="tick-too-coarse-for-the-price"),
        pytest.param(0.14999999, 0.1, Side.LONG, 0.15, 0.14999999, id="would-reach-entry: exact kept"),
        pytest.param(1.0000004e-8, None, Side.SHORT, 2e-8, 1.0e-8, id="shib-down"),
    ],
)
def test_rounding_belongs_to_the_instrument(
    price: float, tick: float | None, side: Side, entry: float, expected: float
) -> None:
    rounded, _ = round_to_tick(price, tick, side, entry)
    assert rounded == pytest.approx(expected, rel=1e-12)


@settings(max_examples=300, deadline=None)
@given(
    price=st.floats(1e-9, 1e9),
    tick=st.one_of(st.none(), st.sampled_from([0.00001, 0.01, 0.1, 0.5, 1.0])),
    side=st.sampled_from([Side.LONG, Side.SHORT]),
    gap=st.floats(1e-7, 0.9),
)
def test_rounded_prices_never_cross_entry_or_zero_and_bulk_agrees(
    price: float, tick: float | None, side: Side, gap: float
) -> None:
    entry = price / (1 - gap) if side is Side.LONG else price / (1 + gap)
    rounded, _ = round_to_tick(price, tick, side, entry)
    assert rounded > 0 and side.sign * (rounded - entry) < 0
    bulk = round_to_tick_bulk([price], tick, [side.value], [entry])[0]
    assert bulk == pytest.approx(rounded, rel=1e-12)


# --- already past liquidation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "past"),
    [
        pytest.param("50000 10x 1000 long mark 40000", True, id="long-mark-below-liq"),  # liq 45,250
        pytest.param("50000 10x 1000 long mark 46000", False, id="long-mark-above-liq"),
        pytest.param("50000 10x 1000 short mark 56000", True, id="short-mark-above-liq"),  # liq 54,750
        pytest.param("50000 10x 1000 short mark 54000", False, id="short-mark-below-liq"),
    ],
)
def test_liquidated_at_the_mark(text: str, past: bool) -> None:
    assert calculate(parse_trade(text)).liquidated_at_mark is past


def test_a_cross_account_under_maintenance_is_already_liquidated_and_has_no_move() -> None:
    # equity 1,000 + 0.1·(40,100 − 50,000) = 10 < MM 0.1·40,100·0.5 % = 20.05 (issue 11's account)
    result = cross_account(parse_cross_account("bal 1000; BTC long 0.1 @ 50000 mark 40100"))
    assert result.already_liquidated and result.account_move is None
    assert result.equity == pytest.approx(10.0) and result.maintenance_margin == pytest.approx(20.05)
    healthy = cross_account(parse_cross_account("bal 1000; BTC long 0.1 @ 50000 mark 49000"))
    assert not healthy.already_liquidated and healthy.account_move is not None and healthy.account_move < 0


# --- never past the last bracket ---------------------------------------------------------------------


def test_a_size_beyond_the_last_bracket_at_the_liquidation_price_is_refused() -> None:
    # short 25 BTC from 60,000 at 1x on Bybit: liquidation ≈ 119,423, where 25 BTC are 2.99M > the 2.6M cap
    with pytest.raises(TierNotFoundError, match="beyond the last bybit BTC bracket"):
        calculate(parse_trade("60000 1x 1500000 short bybit"))


@pytest.mark.parametrize("quantity", [pytest.param(1_100, id="55M-bybit"), pytest.param(100_000, id="5B")])
def test_safe_leverage_is_not_extrapolated(quantity: float) -> None:
    with pytest.raises(TierNotFoundError, match="beyond the last"):
        size_for_risk(
            Side.LONG, None, None, 50_000, 48_000,
            table=tier_table("bybit", "BTC"), venue=get_venue("bybit"), risk_amount=quantity * 2_000,
        )  # fmt: skip


# --- overflow, underflow, types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("2e306 10x 1000", "too large for any market", id="huge-entry"),
        pytest.param("50000 10x 1e300", "too large for any market", id="huge-margin"),
        pytest.param("50000 10x 1e-320", "too small to price", id="underflowing-margin"),
    ],
)
def test_huge_and_tiny_inputs_are_core_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        calculate(parse_trade(text), Side.LONG)


def test_bulk_never_returns_infinity() -> None:
    from core import liquidation_price_bulk, pnl_bulk

    prices = liquidation_price_bulk(["long", "long"], [1e308, 50_000], [1e10, 0.2], 1_000, mmr=0.005)
    pnls = pnl_bulk(["long", "long"], [1e308, 50_000], [1, 55_000], [1e10, 0.2])
    assert np.isnan(prices[0]) and prices[1] == pytest.approx(45_226.13, abs=0.01)
    assert np.isnan(pnls[0]) and pnls[1] == pytest.approx(1_000.0)
    assert not np.isinf(prices).any() and not np.isinf(pnls).any()
    assert math.isfinite(calculate(parse_trade("1e12 10x 1000"), Side.LONG).liquidation_price or 0)
