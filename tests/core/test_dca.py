"""DCA ladders: the grammar and the averaged isolated position after each add.

Worked examples are derived in derivations.md D12 (tolerances: exact formulas to 1e-9 relative,
Binance prices to their 0.1 tick); properties check the averaging on random ladders.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import (
    CoreError,
    DcaPlan,
    InvalidInputError,
    MarginMode,
    ParseError,
    Side,
    TradeRequest,
    calculate,
    dca_ladder,
    parse_dca,
)

LADDERS = [
    pytest.param(
        "10x long; 0.1 @ 50000; 0.1 @ 44000",
        [(50_000.0, 500.0, 45_250.0, False), (47_000.0, 940.0, 42_535.0, True)],
        id="textbook-long-add-beyond-liquidation",  # D12
    ),
    pytest.param(
        "10x short; 0.5 @ 3000; 0.5 @ 3150",
        [(3_000.0, 150.0, 3_285.0, False), (3_075.0, 307.5, 3_367.125, False)],
        id="textbook-short",  # D12
    ),
    pytest.param(
        "10x long binance; 0.1 @ 50000; 0.1 @ 48000; 0.2 @ 46000",
        [(50_000.0, 500.0, 45_180.8, False), (49_000.0, 980.0, 44_277.2, False), (47_500.0, 1_900.0, 42_921.7, False)],
        id="binance-tier-1",  # D12
    ),
]


@pytest.mark.parametrize(("text", "expected"), LADDERS)
def test_worked_ladders(text: str, expected: list[tuple[float, float, float, bool]]) -> None:
    plan = parse_dca(text)
    steps = dca_ladder(plan.request, plan.fills)
    assert [s.step for s in steps] == list(range(1, len(expected) + 1))
    for step, (average, margin, liquidation, beyond) in zip(steps, expected, strict=True):
        assert step.average_entry == pytest.approx(average, rel=1e-12)
        assert step.margin == pytest.approx(margin, rel=1e-12)
        assert step.liquidation_price == pytest.approx(liquidation, rel=1e-9)
        assert step.liquidated_before_fill is beyond
        assert step.move_from_fill == pytest.approx(liquidation / step.fill_price - 1, rel=1e-9)


class TestGrammar:
    def test_dollar_value_fills_and_trade_words_anywhere(self) -> None:
        plan = parse_dca("ETH short 5x; $3000 @ 3000\n$3150 @ 3150 bybit")
        assert plan.fills == ((3000.0, 1.0), (3150.0, 1.0))
        request = plan.request
        assert (request.symbol, request.side, request.leverage, request.venue) == ("ETH", Side.SHORT, 5.0, "bybit")
        assert (request.entry_price, request.quantity) == (3000.0, 1.0)

    def test_chat_defaults_apply_but_not_balance_or_cross(self) -> None:
        defaults = {"venue": "binance", "wallet_balance": 10_000, "margin_mode": MarginMode.CROSS}
        plan = parse_dca("10x; 0.1 @ 50000", defaults=defaults)
        assert plan.request.venue == "binance"
        assert plan.request.wallet_balance is None and plan.request.margin_mode is MarginMode.ISOLATED

    @pytest.mark.parametrize(
        ("text", "field", "hint"),
        [
            ("10x long", "fills", "0.1 @ 50000"),
            ("long; 0.1 @ 50000", "leverage", "10x"),
            ("10x cross; 0.1 @ 50000", "margin_mode", "/cross"),
            ("10x; 0.1", "fills", "quantity @ price"),
            ("10x; 50000 1000", "fills", "quantity @ price"),
            ("10x; 0.1 @ 50000; 20x", "leverage", "given twice"),
            ("10x; " + "; ".join(["0.1 @ 50000"] * 26), "fills", "at most 25"),
            ("10x; 0 @ 50000", "quantity", "greater than 0"),
            ("10x long " + "x" * 5000, "text", "characters"),
            ("10x long inverse; 100 @ 50000", "contract", "linear"),
        ],
    )
    def test_mistakes_name_the_field_and_what_to_type(self, text: str, field: str, hint: str) -> None:
        with pytest.raises(
            ParseError if field in ("fills", "leverage", "margin_mode", "text", "contract") else CoreError
        ) as info:
            parse_dca(text)
        assert info.value.field == field and hint in str(info.value)


def test_the_ladder_itself_refuses_what_it_cannot_do() -> None:
    request = TradeRequest(entry_price=50_000, leverage=10, quantity=0.1)
    with pytest.raises(InvalidInputError, match="1 to 25 fills"):
        dca_ladder(request, [])
    with pytest.raises(InvalidInputError, match="isolated"):
        dca_ladder(request.with_changes(margin_mode="cross"), [(50_000, 0.1)])
    with pytest.raises(InvalidInputError, match="linear"):
        dca_ladder(request.with_changes(contract="inverse"), [(50_000, 100)])
    with pytest.raises(InvalidInputError, match="fill price"):
        dca_ladder(request, [(50_000, 0.1), (-1, 0.1)])


fills = st.lists(
    st.tuples(st.floats(1_000, 100_000, allow_nan=False), st.floats(0.001, 10, allow_nan=False)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(fills, st.sampled_from([Side.LONG, Side.SHORT]), st.sampled_from([2.0, 5.0, 10.0, 25.0]))
def test_each_step_is_the_averaged_position_at_the_same_leverage(ladder, side, leverage) -> None:
    plan = DcaPlan(
        request=TradeRequest(entry_price=ladder[0][0], quantity=ladder[0][1], leverage=leverage), fills=ladder
    )
    steps = dca_ladder(plan.request, plan.fills, side)
    previous = None
    for step in steps:
        prices = [p for p, _ in ladder[: step.step]]
        assert min(prices) * (1 - 1e-12) <= step.average_entry <= max(prices) * (1 + 1e-12)
        assert step.margin * leverage == pytest.approx(sum(p * q for p, q in ladder[: step.step]), rel=1e-9)
        same = calculate(
            TradeRequest(entry_price=step.average_entry, quantity=step.total_quantity, margin=step.margin), side
        )
        assert step.liquidation_price == same.liquidation_price
        if previous is not None and previous.liquidation_price is not None:
            beyond = (
                step.fill_price <= previous.liquidation_price
                if side is Side.LONG
                else step.fill_price >= previous.liquidation_price
            )
            assert step.liquidated_before_fill is beyond
        previous = step
