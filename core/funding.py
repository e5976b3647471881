"""Funding drift: how funding payments move an isolated liquidation price over time.

Funding is paid every period (8 h on most venues) as ``rate × notional``: longs pay when the rate is
positive, shorts receive (and the reverse when negative). Paid funding comes out of the isolated
wallet, so the liquidation price creeps toward the entry even when the price does not move.
Implementation note: the notional is taken at entry (a flat market) and the rate as constant.
"""

from __future__ import annotations

import math

from core.calculator import DEFAULT_VENUE, calculate, card, resolve_position, table_for
from core.enums import MarginMode, Side
from core.errors import InvalidInputError
from core.models import LiquidationResult, TradeRequest
from core.tier_data import TierBook
from core.venues import get_venue

__all__ = ["funding_paid", "liquidation_after_funding", "periods_until_liquidation"]


def funding_paid(side: Side, notional: float, funding_rate: float, periods: float) -> float:
    """Funding the position pays over ``periods`` (negative: it receives).

    >>> funding_paid(Side.SHORT, 10_000, 0.0005, 3)
    -15.0
    """
    return side.sign * notional * funding_rate * periods


def liquidation_after_funding(
    request: TradeRequest, side: Side, funding_rate: float, periods: float, *, book: TierBook | None = None
) -> LiquidationResult:
    """The answer card after ``periods`` funding payments at ``funding_rate`` (isolated, flat market).

    Raises:
        InvalidInputError: cross mode, a negative period count or a rate outside ±1 %.
    """
    _check(request, funding_rate, periods)
    venue = get_venue(request.venue or DEFAULT_VENUE).for_contract(request.contract)
    table = table_for(request, venue, book)
    position = resolve_position(request, side, table)
    paid = funding_paid(side, position.notional_settle, funding_rate, periods)
    # a wallet emptied by funding keeps a token balance: the card then shows "already liquidated"
    wallet = max(position.wallet_balance - paid, position.wallet_balance * 1e-9)
    return card(position.model_copy(update={"wallet_balance": wallet}), request, venue=venue, table=table)


def periods_until_liquidation(
    request: TradeRequest, side: Side, funding_rate: float, *, book: TierBook | None = None
) -> float | None:
    """Funding periods until a flat market liquidates the isolated position, or None if it never does.

    Formula:
        ``n = (wallet − MM at entry) / (side·rate·notional)`` — the wallet minus the maintenance margin is
        what funding may eat before equity meets maintenance at the entry price.

    >>> from core.grammar import parse_trade
    >>> periods_until_liquidation(parse_trade("50000 20x 500 short"), Side.SHORT, -0.0005)
    90.0
    """
    _check(request, funding_rate, 0)
    now = calculate(request, side, book=book)
    per_period = funding_paid(side, now.position.notional_settle, funding_rate, 1)
    if per_period <= 0:
        return None
    room = now.position.wallet_balance - now.maintenance_margin_at_entry
    return max(0.0, room / per_period)


def _check(request: TradeRequest, funding_rate: float, periods: float) -> None:
    if request.margin_mode is not MarginMode.ISOLATED:
        raise InvalidInputError("funding drift is computed for isolated positions; use iso", field="margin_mode")
    if not (math.isfinite(funding_rate) and abs(funding_rate) <= 0.01):
        raise InvalidInputError(
            f"funding rate {funding_rate!r} is out of range; give a rate per period like 0.01% (at most ±1 %)",
            field="funding_rate",
        )
    if not (math.isfinite(periods) and periods >= 0):
        raise InvalidInputError(f"periods {periods!r} must be 0 or more, like 21 (7 days of 8 h)", field="periods")
