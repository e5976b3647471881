"""Position sizing from risk, the highest safe leverage for a stop, and the stop-vs-liquidation check."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from core.enums import FeeModel, MMBasis, Side
from core.errors import InvalidInputError
from core.liquidation import _check_fee, _check_positive, _side
from core.models import StopCheck
from core.numbers import fmt_num, fmt_percent, plain_numbers
from core.tiers import TierTable
from core.venues import Venue

__all__ = [
    "DEFAULT_BUFFER",
    "SizingResult",
    "StopCheck",
    "max_safe_leverage",
    "position_size",
    "size_for_risk",
    "stop_check",
    "whole_leverage",
]

DEFAULT_BUFFER = 0.005  # liquidation must sit 0.5 % of the stop price beyond the stop (mark/last gap, wicks)
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SizingResult(BaseModel):
    """The size that risks a chosen share of the account at the stop, and how far leverage may go."""

    model_config = _FROZEN

    side: Side
    entry_price: float
    stop_price: float
    account_balance: float | None  # None: a money risk was given without the balance
    risk_fraction: float | None  # of the account; None without a balance
    risk_amount: float  # what is lost at the stop, fees included
    quantity: float  # base units
    notional: float  # quote, at entry
    max_safe_leverage: float | None  # highest leverage whose liquidation stays beyond the stop (+ buffer)
    buffer_fraction: float
    account_leverage: float | None  # notional / account balance
    taker_fee_rate: float = 0.0  # the fee on both fills counted in the loss at the stop


def whole_leverage(leverage: float) -> str:
    """A safe leverage as exchanges take it: whole, rounded down (``25.09`` → ``25x``); below 1x, 0.01 steps.

    >>> whole_leverage(25.09), whole_leverage(17.51), whole_leverage(0.456)
    ('25x', '17x', '0.45x')
    """
    if leverage >= 1:
        return f"{math.floor(leverage + 1e-9)}x"
    return f"{math.floor(leverage * 100 + 1e-9) / 100:g}x"


@plain_numbers
def position_size(
    account_balance: float, risk_fraction: float, entry_price: float, stop_price: float, *, taker_fee_rate: float = 0.0
) -> float:
    """Base quantity that loses ``risk_fraction`` of the account when the stop fills (taker fees in).

    Formula:
        ``Q = balance·risk / (|EP − SL| + fee·(EP + SL))``.

    >>> round(position_size(10_000, 0.01, 50_000, 48_500), 6)
    0.066667
    """
    _check_positive("account_balance", account_balance)
    _check_positive("entry_price", entry_price)
    _check_positive("stop_price", stop_price)
    _check_fee(taker_fee_rate)
    if not (math.isfinite(risk_fraction) and 0 < risk_fraction <= 1):
        raise InvalidInputError(
            f"risk {risk_fraction!r} is not a share of the account; give a fraction above 0 and at most 1 (0.01 = 1 %)",
            field="risk_fraction",
        )
    if stop_price == entry_price:
        raise InvalidInputError("the stop equals the entry; put the stop away from the entry", field="stop_price")
    return (
        account_balance * risk_fraction / (abs(entry_price - stop_price) + taker_fee_rate * (entry_price + stop_price))
    )


@plain_numbers
def max_safe_leverage(
    side: Side | str,
    entry_price: float,
    stop_price: float,
    *,
    quantity: float,
    table: TierTable,
    venue: Venue,
    taker_fee_rate: float | None = None,
    buffer_fraction: float = DEFAULT_BUFFER,
) -> float | None:
    """The highest isolated leverage whose liquidation price stays beyond the stop by the buffer.

    The wallet that puts the liquidation exactly at ``S_b = stop·(1 − side·buffer)`` is
    ``W = MM(S_b) − side·Q·(S_b − EP)`` (the liquidation condition solved for the wallet, bracket at
    ``S_b``); any smaller margin liquidates before the stop. The answer is ``Q·EP / W``, capped by the
    bracket's maximum leverage at entry. DERIVED from the condition in ``core.liquidation``.

    Returns:
        The leverage (not rounded; exchanges take whole or 0.01 steps: round down), or None when the
        stop is on the wrong side of the entry.
    """
    sign = _side(side).sign
    _check_positive("quantity", quantity)
    _check_positive("entry_price", entry_price)
    _check_positive("stop_price", stop_price)
    fee = venue.taker_fee_rate if taker_fee_rate is None else taker_fee_rate
    _check_fee(fee)
    if not (math.isfinite(buffer_fraction) and 0 <= buffer_fraction < 1):
        raise InvalidInputError(
            f"buffer {buffer_fraction!r} is not a fraction; give one from 0 to below 1 (0.005 = 0.5 %)",
            field="buffer_fraction",
        )
    if sign * (entry_price - stop_price) <= 0:
        return None
    target = stop_price * (1 - sign * buffer_fraction)
    if target <= 0:
        return None
    rate_fee = fee if venue.fee_model is FeeModel.TAKER_IN_MMR else 0.0
    basis_price = target if venue.mm_basis is MMBasis.LIQUIDATION else entry_price
    # beyond the table's last bracket there is no answer: refused (TierNotFoundError), never extrapolated
    tier = table.tier_at(quantity, basis_price)
    maintenance = quantity * basis_price * (tier.mmr + rate_fee) - tier.maintenance_amount
    wallet = maintenance - sign * quantity * (target - entry_price)
    cap = table.tier_at(quantity, entry_price).max_leverage
    if wallet <= 0:
        return cap
    return min(cap, quantity * entry_price / wallet)


@plain_numbers
def stop_check(side: Side | str, entry_price: float, stop_price: float, liquidation_price: float | None) -> StopCheck:
    """Whether the stop fires before liquidation, and the room between them.

    >>> stop_check("long", 50_000, 48_000, 45_250).stop_first
    True

    Raises:
        InvalidInputError: a stop that is not a positive price, or on the wrong side of the entry.
    """
    chosen = _side(side)
    sign = chosen.sign
    _check_positive("stop_price", stop_price)
    if sign * (entry_price - stop_price) <= 0:
        where = "below" if chosen is Side.LONG else "above"
        raise InvalidInputError(
            f"a {chosen.value}'s stop must be {where} its entry: stop {fmt_num(stop_price)} vs entry "
            f"{fmt_num(entry_price)}; type a stop {where} {fmt_num(entry_price)}",
            field="stop_price",
        )
    if liquidation_price is None:
        return StopCheck(stop_first=True, gap=None, message="no liquidation price: the stop is the only exit")
    gap = sign * (stop_price - liquidation_price) / entry_price
    if gap > 0:
        return StopCheck(stop_first=True, gap=gap, message=f"stop fires {fmt_percent(gap)} of entry before liquidation")
    return StopCheck(
        stop_first=False,
        gap=gap,
        message=f"stop is {fmt_percent(-gap)} of entry beyond the liquidation price: you are liquidated first",
    )


@plain_numbers
def size_for_risk(
    side: Side | str,
    account_balance: float | None,
    risk_fraction: float | None,
    entry_price: float,
    stop_price: float,
    *,
    table: TierTable,
    venue: Venue,
    taker_fee_rate: float | None = None,
    buffer_fraction: float = DEFAULT_BUFFER,
    risk_amount: float | None = None,
) -> SizingResult:
    """Size from the risk (a share of the account, or ``risk_amount`` in quote) and the stop.

    With ``risk_amount`` (``risk $50``) the balance is optional and ``risk_fraction`` is derived;
    otherwise the balance and ``risk_fraction`` are required.

    Raises:
        InvalidInputError: the stop is on the wrong side of the entry, or the risk is out of range.
    """
    chosen = _side(side)
    if chosen.sign * (entry_price - stop_price) <= 0:
        where = "below" if chosen is Side.LONG else "above"
        raise InvalidInputError(
            f"a {chosen.value}'s stop must be {where} its entry: stop {fmt_num(stop_price)} vs entry {fmt_num(entry_price)}",
            field="stop_price",
        )
    fee = venue.taker_fee_rate if taker_fee_rate is None else taker_fee_rate
    if risk_amount is not None:
        _check_positive("risk_amount", risk_amount)
        if account_balance is not None:
            _check_positive("account_balance", account_balance)
            if risk_amount >= account_balance:
                raise InvalidInputError(
                    f"risk {fmt_num(risk_amount)} is the whole account of {fmt_num(account_balance)} or more; "
                    "type a smaller amount, like risk $50, or a share, like risk 1%",
                    field="risk_amount",
                )
            risk_fraction = risk_amount / account_balance
        else:
            risk_fraction = None
        quantity = position_size(1.0, 1.0, entry_price, stop_price, taker_fee_rate=fee) * risk_amount
    else:
        if account_balance is None or risk_fraction is None:
            raise InvalidInputError(
                "sizing by a share of the account needs the balance: add bal 10000, or risk an amount like risk $50",
                field="account_balance",
            )
        quantity = position_size(account_balance, risk_fraction, entry_price, stop_price, taker_fee_rate=fee)
        risk_amount = account_balance * risk_fraction
    leverage = max_safe_leverage(
        chosen,
        entry_price,
        stop_price,
        quantity=quantity,
        table=table,
        venue=venue,
        taker_fee_rate=fee,
        buffer_fraction=buffer_fraction,
    )
    return SizingResult(
        side=chosen,
        entry_price=entry_price,
        stop_price=stop_price,
        account_balance=account_balance,
        risk_fraction=risk_fraction,
        risk_amount=risk_amount,
        quantity=quantity,
        notional=quantity * entry_price,
        max_safe_leverage=leverage,
        buffer_fraction=buffer_fraction,
        account_leverage=None if account_balance is None else quantity * entry_price / account_balance,
        taker_fee_rate=fee,
    )
