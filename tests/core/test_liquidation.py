"""The formula layer against published exchange examples and written-out derivations (tests/core/cases.py)."""

from __future__ import annotations

import pytest

from core import (
    InvalidInputError,
    PositionLeg,
    UnsupportedError,
    bankruptcy_price,
    liquidation_price,
)
from core.enums import Side
from core.venues import round_price
from tests.core.cases import CASES, Case


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_liquidation_price_matches_worked_example(case: Case) -> None:
    expected = case.expected
    got = liquidation_price(**case.kwargs, others=case.others, hedge=case.hedge)
    if expected is None:
        assert got is None
        return
    assert got is not None
    if case.id == "bybit-inverse-cross-5739":  # the page shows the price rounded up to the 0.5 tick
        got = round_price(got, 0.5, Side.LONG)
    assert got == pytest.approx(expected, abs=case.abs_tol, rel=case.rel_tol or None)


class TestBankruptcyPrice:
    @pytest.mark.parametrize(
        ("kwargs", "expected", "tol"),
        [
            # Bybit classic inverse cross page: BP = 1.00075·Qty/(Qty/EP + Balance) = 5,718.57
            pytest.param(
                dict(
                    side="long",
                    entry_price=8_000,
                    quantity=10_000,
                    wallet_balance=0.5,
                    contract="inverse",
                    taker_fee_rate=0.00075,
                    fee_model="close_at_bankruptcy",
                ),
                5_718.57,
                0.005,
                id="bybit-inverse-bp",
            ),
            # Bybit v3 sample: ETHUSDT long 0.1 @ 1,198.45 at 4.2x → bust 913.105 (page 913.15 rounded up to 0.05)
            pytest.param(
                dict(side="long", entry_price=1_198.45, quantity=0.1, wallet_balance=0.1 * 1_198.45 / 4.2),
                913.105,
                0.001,
                id="bybit-v3-bust",
            ),
            # isolated long 20,000 @ 50x: EP·(1 − 1/50) = 19,600 (Bybit bankruptcy-price page)
            pytest.param(
                dict(side="long", entry_price=20_000, quantity=1, wallet_balance=400), 19_600.0, 1e-9, id="bybit-bp-50x"
            ),
            pytest.param(
                dict(side="short", entry_price=20_000, quantity=1, wallet_balance=400),
                20_400.0,
                1e-9,
                id="bybit-bp-50x-short",
            ),
        ],
    )
    def test_examples(self, kwargs: dict, expected: float, tol: float) -> None:
        got = bankruptcy_price(**kwargs)
        assert got == pytest.approx(expected, abs=tol)

    def test_long_covering_notional_never_goes_bankrupt(self) -> None:
        assert bankruptcy_price("long", 50_000, 0.2, 10_000) is None


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "field", "fragment"),
        [
            pytest.param(dict(entry_price=0), "entry_price", "must be above 0", id="zero-entry"),
            pytest.param(dict(entry_price=-5), "entry_price", "must be above 0", id="negative-entry"),
            pytest.param(dict(entry_price=float("nan")), "entry_price", "not a finite number", id="nan-entry"),
            pytest.param(dict(quantity=float("inf")), "quantity", "not a finite number", id="inf-qty"),
            pytest.param(dict(mmr=1.2), "mmr", "not a rate", id="mmr-above-1"),
            pytest.param(dict(mmr=-0.01), "mmr", "not a rate", id="negative-mmr"),
            pytest.param(dict(side="sideways"), "side", "not long or short", id="bad-side"),
            pytest.param(dict(contract="inverse", contract_size=0), "contract_size", "above 0", id="inverse-cs-0"),
            pytest.param(dict(contract="perpetual"), "contract", "linear", id="bad-contract"),
            pytest.param(dict(fee_model="maker"), "fee_model", "unknown", id="bad-fee-model"),
            pytest.param(dict(taker_fee_rate=0.5), "taker_fee_rate", "not a fee rate", id="absurd-fee"),
        ],
    )
    def test_domain_errors_name_field_and_fix(self, kwargs: dict, field: str, fragment: str) -> None:
        args = dict(side="long", entry_price=50_000, quantity=0.2, wallet_balance=1_000, mmr=0.005) | kwargs
        with pytest.raises(InvalidInputError) as info:
            liquidation_price(**args)
        assert info.value.field == field
        assert fragment in str(info.value)
        assert info.value.code == "invalid_input"

    def test_mixed_contract_types_in_one_wallet_are_refused(self) -> None:
        other = PositionLeg("long", 100, 50_000, 50_000, 0.005, contract="inverse", contract_size=100)
        with pytest.raises(UnsupportedError, match="one contract type"):
            liquidation_price("long", 50_000, 0.2, 1_000, mmr=0.005, others=[other])

    def test_hedge_on_same_side_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="opposite side"):
            liquidation_price("long", 50_000, 0.2, 1_000, mmr=0.005, hedge=PositionLeg("long", 0.1, 50_000, 50_000, 0))
