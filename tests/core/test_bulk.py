"""The numpy twins against their scalar references (the scalar is the truth)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import (
    InvalidInputError,
    TierTable,
    liquidation_price,
    liquidation_price_bulk,
    liquidation_price_tiered,
    liquidation_price_tiered_bulk,
    pnl,
    pnl_bulk,
    position_size,
    position_size_bulk,
    tier_table,
)
from core.errors import TierNotFoundError
from tests.core.cases import CASES

SINGLE = [c for c in CASES if not c.others and c.hedge is None]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in SINGLE])
def test_bulk_equals_scalar_on_case_table(case) -> None:
    expected = liquidation_price(**case.kwargs)
    got = liquidation_price_bulk(**case.kwargs)
    if expected is None:
        assert math.isnan(float(got))
    else:
        assert float(got) == pytest.approx(expected, rel=1e-9)


def test_bulk_vector_matches_scalar_loop() -> None:
    rng = np.random.default_rng(7)
    n = 2_000
    side = rng.choice(["long", "short"], n)
    entry = rng.uniform(100, 100_000, n)
    qty = rng.uniform(0.01, 10, n)
    wallet = entry * qty / rng.uniform(1, 100, n)
    mmr = rng.uniform(0, 0.05, n)
    for basis in ("liquidation", "entry"):
        bulk = liquidation_price_bulk(side, entry, qty, wallet, mmr=mmr, mm_basis=basis)
        scalar = [
            liquidation_price(s, e, q, w, mmr=m, mm_basis=basis)
            for s, e, q, w, m in zip(side, entry, qty, wallet, mmr, strict=True)
        ]
        expected = np.array([np.nan if v is None else v for v in scalar])
        np.testing.assert_allclose(bulk, expected, rtol=1e-9, equal_nan=True)


@pytest.mark.parametrize("table_name", ["BTC", "ETH", "SOL"])
def test_tiered_bulk_matches_scalar_across_brackets(table_name: str) -> None:
    table = tier_table("binance", table_name)
    rng = np.random.default_rng(11)
    n = 400
    entry = {"BTC": 50_000.0, "ETH": 3_000.0, "SOL": 150.0}[table_name]
    notional = np.exp(rng.uniform(np.log(100), np.log(table.tiers[-1].cap * 0.9), n))
    qty = notional / entry
    leverage = rng.uniform(1, 20, n)
    side = rng.choice(["long", "short"], n)
    prices, tiers = liquidation_price_tiered_bulk(side, entry, qty, notional / leverage, table=table, return_tier=True)
    for i in range(n):
        try:
            ref = liquidation_price_tiered(side[i], entry, qty[i], notional[i] / leverage[i], table=table)
        except TierNotFoundError:  # beyond the last bracket at the liquidation price: refused by both
            assert math.isnan(prices[i])
            continue
        if ref.price is None:
            assert math.isnan(prices[i])
        else:
            assert prices[i] == pytest.approx(ref.price, rel=1e-9)
            assert tiers[i] == ref.tier_index


def test_tiered_bulk_cycle_takes_price_closer_to_entry() -> None:
    # No maintenance amounts: MM jumps at 10,000 notional (1 % → 20 %), so the solution flips between brackets.
    table = TierTable.from_rows([(10_000, 0.01, 100, 0), (1e9, 0.2, 5, 0)])
    scalar = liquidation_price_tiered("long", 100, 101, 1_500, table=table)
    bulk = liquidation_price_tiered_bulk("long", 100, 101, 1_500, table=table)
    assert float(bulk) == pytest.approx(scalar.price, rel=1e-12)


def test_bulk_marks_bad_rows_nan_and_keeps_good_rows() -> None:
    got = liquidation_price_bulk(
        ["long", "sideways", "long"], [50_000, 50_000, -1], 0.2, 1_000, mmr=0.005, mm_basis="entry"
    )
    assert got[0] == pytest.approx(45_250.0)
    assert np.isnan(got[1]) and np.isnan(got[2])


def test_bulk_raise_errors_names_the_row() -> None:
    with pytest.raises(InvalidInputError, match=r"row 2: entry_price must be a positive price"):
        liquidation_price_bulk("long", [50_000, 1, 0], 0.2, 1_000, mmr=0.005, raise_errors=True)


def test_tiered_bulk_rejects_size_beyond_last_bracket() -> None:
    table = tier_table("binance", "BTC")
    got = liquidation_price_tiered_bulk("long", 50_000, [1, 1e6], 10_000, table=table)
    assert np.isfinite(got[0]) and np.isnan(got[1])
    with pytest.raises(InvalidInputError, match="row 1: the size at entry is beyond the last bracket"):
        liquidation_price_tiered_bulk("long", 50_000, [1, 1e6], 10_000, table=table, raise_errors=True)


@pytest.mark.parametrize(
    ("side", "entry", "exit_", "qty", "kwargs"),
    [
        pytest.param("long", 50_000, 55_000, 0.2, {}, id="linear-long"),
        pytest.param("short", 50_000, 55_000, 0.2, {"taker_fee_rate": 0.0005}, id="linear-short-fee"),
        pytest.param("long", 40_000, 44_000, 100, {"contract": "inverse", "contract_size": 100}, id="inverse"),
    ],
)
def test_pnl_bulk_equals_scalar(side, entry, exit_, qty, kwargs) -> None:
    assert float(pnl_bulk(side, entry, exit_, qty, **kwargs)) == pytest.approx(
        pnl(side, entry, exit_, qty, **kwargs), rel=1e-12
    )


def test_position_size_bulk_equals_scalar() -> None:
    expected = position_size(10_000, 0.01, 50_000, 48_500, taker_fee_rate=0.0005)
    got = position_size_bulk([10_000, 10_000], 0.01, 50_000, [48_500, 50_000], taker_fee_rate=0.0005)
    assert got[0] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(got[1])  # stop equals entry


def test_round_price_bulk_equals_scalar() -> None:
    from core import Side, round_price_bulk
    from core.venues import round_price

    rng = np.random.default_rng(5)
    prices = rng.uniform(1, 100_000, 3_000)
    prices[:10] = np.round(prices[:10], 1)  # already on the tick
    sides = rng.choice(["long", "short"], prices.size)
    got = round_price_bulk(prices, 0.1, sides)
    expected = [round_price(p, 0.1, Side(s)) for p, s in zip(prices, sides, strict=True)]
    np.testing.assert_array_equal(got, expected)


def test_position_size_bulk_overflow_is_nan_not_inf() -> None:
    got = position_size_bulk([1e308, 10_000], [1.0, 0.01], [1.0, 50_000], [1.0 - 1e-12, 48_500])
    assert np.isnan(got[0]) and got[1] == pytest.approx(100 / 1_500)
