"""PnL and ROE at an exit price, the exit price for a target ROE, average entry of several fills."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from core.calculator import DEFAULT_VENUE, calculate, resolve_position, table_for
from core.enums import ContractType, Side
from core.errors import CoreError, InvalidInputError
from core.liquidation import _check_fee, _check_positive, _side
from core.models import TradeRequest
from core.numbers import plain_numbers
from core.tier_data import TierBook
from core.venues import get_venue

__all__ = [
    "NOMINAL_MARGIN",
    "PnlResult",
    "TargetResult",
    "average_entry",
    "pnl",
    "pnl_report",
    "target_price",
    "target_report",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class PnlResult(BaseModel):
    """Profit and loss of a trade closed at ``exit_price`` (settlement currency, fees deducted).

    A position is liquidated before price reaches an exit beyond its liquidation price: then
    ``liquidated_first`` is set and ``pnl`` is the loss at liquidation, the whole margin backing it
    (isolated: its margin and added margin; cross: the wallet), never more.
    """

    model_config = _FROZEN

    side: Side
    entry_price: float
    exit_price: float
    quantity: float
    initial_margin: float | None
    pnl: float
    fees: float
    roe: float | None  # pnl / initial margin, a fraction (0.5 = +50 %)
    price_move: float  # exit / entry − 1
    liquidation_price: float | None = None  # None: no margin given, or no price liquidates it
    liquidated_first: bool = False
    max_loss: float | None = None  # what backs the position: isolated margin (+ added) or the cross wallet
    pnl_at_exit: float | None = None  # the formula's value at the exit when liquidated first (not realisable)
    liquidation_note: str | None = None  # why liquidation was not checked, when it was not


class TargetResult(BaseModel):
    """The exit price for a target ROE, checked against the liquidation price."""

    model_config = _FROZEN

    side: Side
    entry_price: float
    leverage: float
    roe: float
    exit_price: float | None  # None: no positive price, or liquidation comes first
    liquidation_price: float | None
    liquidated_first: bool
    nominal_size: bool  # no size given: a first-bracket position was checked


@plain_numbers
def pnl(
    side: Side | str,
    entry_price: float,
    exit_price: float,
    quantity: float,
    *,
    contract: ContractType | str = ContractType.LINEAR,
    contract_size: float = 1.0,
    taker_fee_rate: float = 0.0,
) -> float:
    """Realised PnL in the settlement currency, taker fees on both fills deducted.

    Formula:
        linear ``s·Q·(X − EP) − fee·Q·(EP + X)``; inverse (coin)
        ``s·N·CS·(1/EP − 1/X) − fee·N·CS·(1/EP + 1/X)``.

    >>> pnl("long", 50_000, 55_000, 0.2)
    1000.0
    >>> round(pnl("short", 50_000, 55_000, 1_000, contract="inverse", contract_size=10), 8)
    -0.01818182
    """
    sign = _side(side).sign
    for field, value in (("entry_price", entry_price), ("exit_price", exit_price), ("quantity", quantity)):
        _check_positive(field, value)
    _check_positive("contract_size", contract_size)
    _check_fee(taker_fee_rate)
    if ContractType(contract) is ContractType.LINEAR:
        return sign * quantity * (exit_price - entry_price) - taker_fee_rate * quantity * (entry_price + exit_price)
    scale = quantity * contract_size
    return sign * scale * (1 / entry_price - 1 / exit_price) - taker_fee_rate * scale * (
        1 / entry_price + 1 / exit_price
    )


def pnl_report(
    request: TradeRequest, exit_price: float, side: Side | None = None, *, book: TierBook | None = None
) -> PnlResult:
    """PnL and ROE of the request's position closed at ``exit_price``, stopped at its liquidation.

    Without a margin or leverage (``eth 3200 qty 2 short exit 3000``) the PnL needs none: ROE and the
    liquidation check are left out and ``liquidation_note`` says so.
    """
    chosen = side or request.side or Side.LONG
    venue = get_venue(request.venue or DEFAULT_VENUE)
    table = table_for(request, venue, book)
    margined = request.margin is not None or request.leverage is not None or request.wallet_balance is not None
    if margined:
        position = resolve_position(request, chosen, table)
        entry, quantity, cs, contract = (
            position.entry_price,
            position.quantity,
            position.contract_size,
            position.contract,
        )
        margin, backing = position.initial_margin, position.wallet_balance
    else:
        entry, contract = request.entry_price, request.contract
        cs = table.contract_size if contract is ContractType.INVERSE else 1.0
        quantity = _quantity(request, cs)
        margin = backing = None
    fee = request.taker_fee_rate or 0.0
    value = pnl(chosen, entry, exit_price, quantity, contract=contract, contract_size=cs, taker_fee_rate=fee)
    gross = pnl(chosen, entry, exit_price, quantity, contract=contract, contract_size=cs)
    liquidation, note = None, None
    if margined:
        try:
            liquidation = calculate(request, chosen, book=book).liquidation_price
        except CoreError as exc:
            note = f"liquidation not checked: {exc.message}"
    else:
        note = "no margin or leverage given: ROE and the liquidation price need one (add 10x)"
    first = liquidation is not None and chosen.sign * (exit_price - liquidation) <= 0
    shown = -backing if first and backing is not None else value
    return PnlResult(
        side=chosen,
        entry_price=entry,
        exit_price=exit_price,
        quantity=quantity,
        initial_margin=margin,
        pnl=shown,
        fees=0.0 if first else gross - value,
        roe=None if not margin else shown / margin,
        price_move=exit_price / entry - 1,
        liquidation_price=liquidation,
        liquidated_first=first,
        max_loss=backing,
        pnl_at_exit=value if first else None,
        liquidation_note=note,
    )


def _quantity(request: TradeRequest, contract_size: float) -> float:
    """Base quantity (linear) or contracts (inverse) from the request's quantity or notional."""
    if request.quantity is not None:
        return request.quantity
    if request.notional is None:
        raise InvalidInputError("the size is missing: add qty 0.2 or 10x and a margin", field="quantity")
    if request.contract is ContractType.INVERSE:
        return request.notional / contract_size
    return request.notional / request.entry_price


NOMINAL_MARGIN = 100.0  # settlement currency: a first-bracket position when /target gets no size


def target_report(
    request: TradeRequest,
    roe: float,
    side: Side | None = None,
    *,
    nominal_size: bool = False,
    book: TierBook | None = None,
) -> TargetResult:
    """The exit price for ``roe`` on the request's margin, or none when liquidation comes first.

    A loss target beyond liquidation (``roe -150%`` at 25x) has no exit: the isolated position is
    liquidated at a smaller loss. The request needs an entry and a leverage. A front end that got no
    size passes a nominal first-bracket margin (:data:`NOMINAL_MARGIN`) and ``nominal_size=True``,
    which the result repeats: with brackets, a larger position liquidates closer to entry.

    Raises:
        InvalidInputError: no leverage, or a non-finite ROE.
    """
    chosen = side or request.side or Side.LONG
    if request.leverage is None:
        raise InvalidInputError("the leverage is missing; add it like 10x", field="leverage")
    price = target_price(
        chosen,
        request.entry_price,
        roe=roe,
        leverage=request.leverage,
        contract=request.contract,
        taker_fee_rate=request.taker_fee_rate or 0.0,
    )
    liquidation = calculate(request, chosen, book=book).liquidation_price
    first = liquidation is not None and (price is None or chosen.sign * (price - liquidation) <= 0) and roe < 0
    return TargetResult(
        side=chosen,
        entry_price=request.entry_price,
        leverage=request.leverage,
        roe=roe,
        exit_price=None if first else price,
        liquidation_price=liquidation,
        liquidated_first=first,
        nominal_size=nominal_size,
    )


@plain_numbers
def target_price(
    side: Side | str,
    entry_price: float,
    *,
    roe: float,
    leverage: float,
    contract: ContractType | str = ContractType.LINEAR,
    taker_fee_rate: float = 0.0,
) -> float | None:
    """Exit price at which the trade returns ``roe`` (a fraction) on its initial margin.

    Formula:
        linear, fees on both fills: ``X = EP·(s + fee + roe/L) / (s − fee)`` (``EP·(1 ± roe/L)`` without
        fees); inverse ``X = EP / (1 − s·roe/L)`` (fees ignored). DERIVED from ``pnl = roe·Q·EP/L``.

    Returns:
        The exit price, or None when no positive price gives that ROE (a short cannot make +100 %·L).

    >>> target_price("long", 50_000, roe=0.5, leverage=10)
    52500.0
    """
    sign = _side(side).sign
    _check_positive("entry_price", entry_price)
    _check_positive("leverage", leverage)
    _check_fee(taker_fee_rate)
    if not math.isfinite(roe):
        raise InvalidInputError(f"roe {roe!r} is not a number; give a fraction like 0.5 for +50 %", field="roe")
    if ContractType(contract) is ContractType.LINEAR:
        price = entry_price * (sign + taker_fee_rate + roe / leverage) / (sign - taker_fee_rate)
    else:
        denominator = 1 - sign * roe / leverage
        price = entry_price / denominator if denominator > 0 else -1.0
    return price if price > 0 else None


def average_entry(
    prices: Sequence[float], quantities: Sequence[float], *, contract: ContractType | str = ContractType.LINEAR
) -> float:
    """Average entry of several fills: quantity-weighted (linear), harmonic by contracts (inverse).

    >>> average_entry([50_000, 45_000], [0.1, 0.1])
    47500.0
    """
    if len(prices) != len(quantities) or not prices:
        raise InvalidInputError("give one quantity per fill price, at least one fill", field="fills")
    for price, qty in zip(prices, quantities, strict=True):
        _check_positive("fill price", price)
        _check_positive("fill quantity", qty)
    total = sum(quantities)
    if ContractType(contract) is ContractType.LINEAR:
        return sum(p * q for p, q in zip(prices, quantities, strict=True)) / total
    return total / sum(q / p for p, q in zip(prices, quantities, strict=True))
