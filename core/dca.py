"""DCA ladder: the isolated position after each add — average entry, margin, liquidation price.

Every add ``(price, quantity)`` brings ``price · quantity / leverage`` of margin, so the position
stays at the stated leverage on its average entry; the liquidation price of each step is the
venue's formula and tiers applied to the averaged position (:func:`core.calculator.calculate`).
A step whose fill lies beyond the previous step's liquidation price is flagged: the position
would be liquidated before that add is reached.

Usage::

    plan = parse_dca("10x long binance; 0.1 @ 50000; 0.1 @ 48000; 0.2 @ 46000")
    for step in dca_ladder(plan.request, plan.fills):
        print(step.step, step.average_entry, step.liquidation_price)
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from core.calculator import calculate
from core.enums import ContractType, MarginMode, Side
from core.errors import InvalidInputError
from core.liquidation import _check_positive
from core.models import MAX_DCA_FILLS, TradeRequest
from core.tier_data import TierBook

__all__ = ["DcaStep", "dca_ladder"]


class DcaStep(BaseModel):
    """The position after one more fill of a DCA ladder (isolated, margin = notional / leverage)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: int
    fill_price: float
    fill_quantity: float
    total_quantity: float
    average_entry: float
    margin: float  # total margin after this fill, settlement currency
    liquidation_price: float | None  # rounded to the venue's tick (conservative); None: no liquidation
    move_from_fill: float | None  # liquidation / this fill's price − 1, signed fraction
    liquidated_before_fill: bool  # this fill lies beyond the previous step's liquidation price
    caveat: str  # core's one line on why the exchange may show a slightly different number
    tick_size: float | None = None  # the price step the liquidation price was rounded to (None: not rounded)


def dca_ladder(
    request: TradeRequest,
    fills: Sequence[tuple[float, float]],
    side: Side | None = None,
    *,
    book: TierBook | None = None,
) -> tuple[DcaStep, ...]:
    """Average entry, margin and liquidation price after each add of an isolated DCA ladder.

    Args:
        request: the trade: leverage (required), venue, symbol, ``mmr``, fees; its entry and size
            are replaced by each step's averaged position.
        fills: ``(price, quantity)`` in the order they fill; at most 25.
        side: overrides ``request.side`` (default long).

    Raises:
        InvalidInputError: no leverage, cross margin, an inverse contract, no fills or too many, a
            price or quantity that is not a positive number.

    >>> steps = dca_ladder(TradeRequest(entry_price=50_000, leverage=10, quantity=0.2), [(50_000, 0.2), (45_000, 0.2)])
    >>> [(s.average_entry, s.margin, s.liquidation_price) for s in steps]
    [(50000.0, 1000.0, 45250.0), (47500.0, 1900.0, 42987.5)]
    """
    if request.leverage is None:
        raise InvalidInputError("a DCA ladder needs the leverage, like 10x", field="leverage")
    if request.margin_mode is not MarginMode.ISOLATED:
        raise InvalidInputError("a DCA ladder is isolated (each add brings its own margin)", field="margin_mode")
    if request.contract is not ContractType.LINEAR:
        raise InvalidInputError("a DCA ladder is for USDT-margined (linear) contracts", field="contract")
    if not 1 <= len(fills) <= MAX_DCA_FILLS:
        raise InvalidInputError(f"give 1 to {MAX_DCA_FILLS} fills, like 0.1 @ 48000; got {len(fills)}", field="fills")
    chosen = side or request.side or Side.LONG
    steps: list[DcaStep] = []
    total = notional = 0.0
    previous_liquidation: float | None = None
    for number, (price, quantity) in enumerate(fills, start=1):
        _check_positive("fill price", price)
        _check_positive("fill quantity", quantity)
        total += quantity
        notional += price * quantity
        avg = notional / total  # the quantity-weighted average entry (core.pnl.average_entry, linear)
        margin = notional / request.leverage
        result = calculate(
            request.with_changes(entry_price=avg, quantity=total, margin=margin, notional=None, leverage=None),
            chosen,
            book=book,
        )
        liquidation = result.liquidation_price
        beyond = previous_liquidation is not None and (
            price <= previous_liquidation if chosen is Side.LONG else price >= previous_liquidation
        )
        steps.append(
            DcaStep(
                step=number,
                fill_price=price,
                fill_quantity=quantity,
                total_quantity=total,
                average_entry=avg,
                margin=margin,
                liquidation_price=liquidation,
                tick_size=result.tick_size,
                move_from_fill=None if liquidation is None else liquidation / price - 1,
                liquidated_before_fill=beyond,
                caveat=result.caveat,
            )
        )
        previous_liquidation = liquidation
    return tuple(steps)
