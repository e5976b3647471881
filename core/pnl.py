"""PnL and ROE at an exit price, the exit price for a target ROE, average entry of several fills."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from core.calculator import DEFAULT_VENUE, resolve_position, table_for
from core.enums import ContractType, Side
from core.errors import InvalidInputError
from core.liquidation import _check_fee, _check_positive, _side
from core.models import TradeRequest
from core.venues import get_venue

__all__ = ["PnlResult", "average_entry", "pnl", "pnl_report", "target_price"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class PnlResult(BaseModel):
    """Profit and loss of a trade closed at ``exit_price`` (settlement currency, fees deducted)."""

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


def pnl_report(request: TradeRequest, exit_price: float, side: Side | None = None) -> PnlResult:
    """PnL and ROE of the request's position closed at ``exit_price``."""
    chosen = side or request.side or Side.LONG
    venue = get_venue(request.venue or DEFAULT_VENUE)
    position = resolve_position(request, chosen, table_for(request, venue))
    fee = request.taker_fee_rate or 0.0
    value = pnl(
        chosen,
        position.entry_price,
        exit_price,
        position.quantity,
        contract=position.contract,
        contract_size=position.contract_size,
        taker_fee_rate=fee,
    )
    gross = pnl(
        chosen,
        position.entry_price,
        exit_price,
        position.quantity,
        contract=position.contract,
        contract_size=position.contract_size,
    )
    margin = position.initial_margin
    return PnlResult(
        side=chosen,
        entry_price=position.entry_price,
        exit_price=exit_price,
        quantity=position.quantity,
        initial_margin=margin,
        pnl=value,
        fees=gross - value,
        roe=None if not margin else value / margin,
        price_move=exit_price / position.entry_price - 1,
    )


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
