"""Invariants of the liquidation condition on random valid inputs (Hypothesis)."""

from __future__ import annotations

import math

from hypothesis import assume, given
from hypothesis import strategies as st

from core import (
    liquidation_price,
    liquidation_price_bulk,
    liquidation_price_tiered,
    pnl,
    position_size,
    tier_table,
)
from tests.strategies import bases, entry_prices, fee_models, leverages, mmrs, quantities, sides, taker_fees


def _equity_minus_mm(side, entry, qty, wallet, price, mmr, basis, fee_rate):
    sign = 1 if side == "long" else -1
    basis_price = price if basis == "liquidation" else entry
    return wallet + sign * qty * (price - entry) - qty * basis_price * (mmr + fee_rate)


@given(sides, entry_prices, quantities, leverages, mmrs, bases, fee_models, taker_fees)
def test_equity_equals_maintenance_at_liquidation(side, entry, qty, lev, mmr, basis, fees, taker) -> None:
    wallet = entry * qty / lev
    price = liquidation_price(side, entry, qty, wallet, mmr=mmr, mm_basis=basis, fee_model=fees, taker_fee_rate=taker)
    assume(price is not None)
    fee_rate = taker if fees == "taker_in_mmr" else 0.0
    gap = _equity_minus_mm(side, entry, qty, wallet, price, mmr, basis, fee_rate)
    assert math.isclose(gap, 0.0, abs_tol=1e-9 * entry * qty)


@given(sides, entry_prices, quantities, leverages, mmrs, bases)
def test_liquidation_is_on_the_losing_side_when_margin_covers_maintenance(side, entry, qty, lev, mmr, basis) -> None:
    assume(1 / lev > mmr * 1.01 + 1e-6)  # initial margin above maintenance: not liquidated at entry
    price = liquidation_price(side, entry, qty, entry * qty / lev, mmr=mmr, mm_basis=basis)
    if side == "long":
        assert price is None or price < entry
    else:
        assert price is not None and price > entry


@given(sides, entry_prices, quantities, leverages, st.floats(1.01, 5), mmrs)
def test_higher_leverage_moves_liquidation_toward_entry(side, entry, qty, lev, factor, mmr) -> None:
    assume(1 / (lev * factor) > mmr * 1.01 + 1e-6)
    low = liquidation_price(side, entry, qty, entry * qty / lev, mmr=mmr)
    high = liquidation_price(side, entry, qty, entry * qty / (lev * factor), mmr=mmr)
    assume(low is not None and high is not None)
    assert abs(high - entry) <= abs(low - entry) * (1 + 1e-12)


@given(sides, entry_prices, quantities, leverages, st.floats(1.0, 50.0), mmrs, bases)
def test_cross_never_closer_than_isolated_with_more_wallet(side, entry, qty, lev, extra, mmr, basis) -> None:
    assume(1 / lev > mmr * 1.01 + 1e-6)  # the isolated position is not liquidated at entry
    margin = entry * qty / lev
    isolated = liquidation_price(side, entry, qty, margin, mmr=mmr, mm_basis=basis)
    cross = liquidation_price(side, entry, qty, margin * extra, mmr=mmr, mm_basis=basis)
    assume(isolated is not None)
    if cross is None:
        return  # no positive price liquidates the cross position: as far as it gets
    assert abs(cross - entry) >= abs(isolated - entry) * (1 - 1e-12)


@given(sides, entry_prices, quantities, leverages, st.floats(0.0, 0.05))
def test_monotonic_in_mmr(side, entry, qty, lev, bump) -> None:
    assume(1 / lev > (0.004 + bump) * 1.01 + 1e-6)  # still above maintenance at entry with the higher rate
    wallet = entry * qty / lev
    low = liquidation_price(side, entry, qty, wallet, mmr=0.004)
    high = liquidation_price(side, entry, qty, wallet, mmr=0.004 + bump)
    assume(low is not None and high is not None)
    assert abs(high - entry) <= abs(low - entry) * (1 + 1e-12)


@given(sides, entry_prices, quantities, leverages, mmrs, bases)
def test_bulk_equals_scalar(side, entry, qty, lev, mmr, basis) -> None:
    wallet = entry * qty / lev
    scalar = liquidation_price(side, entry, qty, wallet, mmr=mmr, mm_basis=basis)
    bulk = float(liquidation_price_bulk(side, entry, qty, wallet, mmr=mmr, mm_basis=basis))
    if scalar is None:
        assert math.isnan(bulk)
    else:
        assert math.isclose(bulk, scalar, rel_tol=1e-9)


@given(sides, st.floats(100, 5e8), st.floats(1.0, 20.0))
def test_tiered_price_lies_in_its_bracket(side, notional, lev) -> None:
    table = tier_table("binance", "BTC")
    entry = 50_000.0
    result = liquidation_price_tiered(side, entry, notional / entry, notional / lev, table=table)
    assume(result.price is not None)
    size = notional / entry * result.price
    assert result.tier.floor <= size < result.tier.cap or result.tier_index == len(table.tiers) - 1


@given(sides, entry_prices, entry_prices, quantities)
def test_pnl_long_is_minus_pnl_short(side, entry, exit_, qty) -> None:
    assert pnl("long", entry, exit_, qty) == -pnl("short", entry, exit_, qty)


@given(st.floats(100, 1e7), st.floats(0.001, 0.2), entry_prices, st.floats(0.5, 0.999))
def test_sizing_round_trip_loses_exactly_the_risk(balance, risk, entry, stop_ratio) -> None:
    stop = entry * stop_ratio
    qty = position_size(balance, risk, entry, stop)
    assert math.isclose(-pnl("long", entry, stop, qty), balance * risk, rel_tol=1e-9)
