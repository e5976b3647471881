"""Risk review of a posted trade call: liquidation vs stop, risk at the stop, reward:risk, safe leverage.

The three classic ways to lose an account are checked in place: a stop placed beyond the liquidation
price, leverage too high for the stop, and risk far above what the account can take.

Sizing assumption (said in the review's notes): a call rarely states its size. When the margin is
given it is used; otherwise, when the account balance is known, the review sizes the trade so that
the stop loses ``risk_limit`` of the account; otherwise it reviews a nominal 1,000 USDT position
(liquidation prices then depend only on the leverage, as long as the size stays in the first bracket).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from core.calculator import DEFAULT_SYMBOL, DEFAULT_VENUE, calculate, table_for
from core.dca import DcaStep, dca_ladder
from core.enums import MarginMode, Side
from core.errors import CoreError, InvalidInputError, TierNotFoundError
from core.liquidation import _check_fee
from core.models import LiquidationResult, TradeRequest
from core.numbers import fmt_num, fmt_percent
from core.sizing import DEFAULT_BUFFER, StopCheck, max_safe_leverage, position_size, stop_check, whole_leverage
from core.tier_data import TierBook
from core.trade_call import TradeCall
from core.venues import get_venue

__all__ = ["CallReview", "ReviewWarning", "TargetReview", "review_call"]

DEFAULT_RISK_LIMIT = 0.02  # 2 % of the account at the stop
DEFAULT_LIQ_WARNING = 0.05  # warn when liquidation is within 5 % of entry
DEFAULT_LEVERAGE = 10.0  # reviewed when the call states none
NOMINAL_NOTIONAL = 1_000.0
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ReviewWarning(BaseModel):
    """One finding: a stable ``code`` for machines, a sentence for people."""

    model_config = _FROZEN

    code: str
    text: str


class TargetReview(BaseModel):
    """A take-profit: its move from entry and its reward per unit of risk (None without a stop)."""

    model_config = _FROZEN

    price: float
    move: float  # signed fraction from entry
    reward_risk: float | None


class CallReview(BaseModel):
    """Everything the review card shows, computed by core; front ends only format it."""

    model_config = _FROZEN

    call: TradeCall
    venue: str
    venue_name: str
    symbol: str
    side: Side
    entry_price: float
    leverage: float
    leverage_stated: bool
    quantity: float
    notional: float
    margin: float
    sizing: str  # "margin given" | "sized for risk" | "nominal"
    account_balance: float | None
    risk_limit: float
    isolated: LiquidationResult
    cross: LiquidationResult | None
    stop_move: float | None  # signed fraction from entry to the stop
    stop_vs_isolated: StopCheck | None
    stop_vs_cross: StopCheck | None
    risk_amount: float | None  # loss at the stop, quote currency
    risk_fraction: float | None  # of the account
    targets: tuple[TargetReview, ...]
    max_safe_leverage: float | None
    # several entries: the position after each fills, in the order price reaches them (equal amounts)
    entry_ladder: tuple[DcaStep, ...] = ()
    warnings: tuple[ReviewWarning, ...]
    notes: tuple[str, ...]


def review_call(
    call: TradeCall,
    *,
    venue: str | None = None,
    account_balance: float | None = None,
    margin: float | None = None,
    risk_limit: float = DEFAULT_RISK_LIMIT,
    liquidation_warning: float = DEFAULT_LIQ_WARNING,
    taker_fee_rate: float | None = None,
    buffer_fraction: float = DEFAULT_BUFFER,
    book: TierBook | None = None,
) -> CallReview:
    """Review a trade call on a venue's rules for an account.

    Raises:
        InvalidInputError: a non-positive balance or margin, or a risk limit outside (0, 1].
    """
    _check_inputs(account_balance, margin, risk_limit, taker_fee_rate)
    rules = get_venue(call.venue or venue or DEFAULT_VENUE)
    entry = _ladder_average(call)
    leverage = call.leverage or DEFAULT_LEVERAGE
    notes: list[str] = []
    if call.venue is not None:
        notes.append(f"{rules.name} rules: the venue named in the call")
    if call.symbol is None:
        notes.append(f"no symbol in the call: {DEFAULT_SYMBOL} brackets used")
    if len(call.entries) > 1:
        notes.append("entries averaged as filled with equal amounts")
    if call.leverage is None:
        notes.append(f"no leverage in the call: {fmt_num(leverage)}x reviewed")

    if margin is not None:
        quantity, sizing = margin * leverage / entry, "margin given"
    elif account_balance is not None and call.stop_price is not None:
        quantity = position_size(
            account_balance, risk_limit, entry, call.stop_price, taker_fee_rate=taker_fee_rate or 0.0
        )
        sizing = "sized for risk"
        notes.append(f"size chosen so the stop loses {fmt_percent(risk_limit)} of the account")
    else:
        quantity, sizing = NOMINAL_NOTIONAL / entry, "nominal"
        notes.append(f"no size given: a {NOMINAL_NOTIONAL:,.0f} USDT position reviewed")

    base = TradeRequest(
        entry_price=entry,
        side=call.side,
        leverage=leverage,
        quantity=quantity,
        venue=rules.key,
        symbol=call.symbol,
        taker_fee_rate=taker_fee_rate,
    )
    base, table_note = _with_table(base, book)
    if table_note:
        notes.append(table_note)
    capped = _venue_leverage_cap(base, book)
    if capped is not None:
        notes.append(
            f"{fmt_num(leverage)}x is above {rules.name}'s {fmt_num(capped)}x maximum for this size: reviewed at {fmt_num(capped)}x"
        )
        leverage = capped
        base = base.with_changes(leverage=capped)
    isolated = calculate(base, book=book)
    cross = None
    if account_balance is not None and account_balance >= (isolated.position.initial_margin or 0.0):
        cross = calculate(base.with_changes(margin_mode=MarginMode.CROSS, wallet_balance=account_balance), book=book)
    elif account_balance is not None:
        notes.append("the account is smaller than the margin: cross not reviewed")

    stop = call.stop_price
    stop_move = None if stop is None else stop / entry - 1
    vs_iso = None if stop is None else stop_check(call.side, entry, stop, isolated.liquidation_price)
    vs_cross = None if stop is None or cross is None else stop_check(call.side, entry, stop, cross.liquidation_price)
    risk_amount = None
    if stop is not None:
        fee = taker_fee_rate or 0.0
        risk_amount = quantity * abs(entry - stop) + fee * quantity * (entry + stop)
    risk_fraction = None if risk_amount is None or account_balance is None else risk_amount / account_balance
    targets = tuple(
        TargetReview(
            price=tp,
            move=tp / entry - 1,
            reward_risk=None if stop is None else call.side.sign * (tp - entry) / abs(entry - stop),
        )
        for tp in call.take_profit_prices
    )
    safe = None
    if stop is not None:
        safe = max_safe_leverage(
            call.side,
            entry,
            stop,
            quantity=quantity,
            table=table_for(base, rules, book),
            venue=rules,
            taker_fee_rate=taker_fee_rate,
            buffer_fraction=buffer_fraction,
        )
    entry_ladder = _entry_ladder(call, base, quantity * entry, book)
    if taker_fee_rate:
        notes.append(f"risk at the stop includes the taker fee {fmt_percent(taker_fee_rate)} on both fills")
    warnings = _warnings(call, isolated, vs_iso, risk_fraction, risk_limit, liquidation_warning, safe, leverage, sizing)
    partial = _partial_fill_warning(call, entry_ladder) if vs_iso is None or vs_iso.stop_first else None
    if partial is not None:
        warnings = (*warnings, partial)
    return CallReview(
        call=call,
        venue=rules.key,
        venue_name=rules.name,
        symbol=isolated.symbol,
        side=call.side,
        entry_price=entry,
        leverage=leverage,
        leverage_stated=call.leverage is not None,
        quantity=quantity,
        notional=quantity * entry,
        margin=quantity * entry / leverage,
        sizing=sizing,
        account_balance=account_balance,
        risk_limit=risk_limit,
        isolated=isolated,
        cross=cross,
        stop_move=stop_move,
        stop_vs_isolated=vs_iso,
        stop_vs_cross=vs_cross,
        risk_amount=risk_amount,
        risk_fraction=risk_fraction,
        targets=targets,
        max_safe_leverage=safe,
        entry_ladder=entry_ladder,
        warnings=warnings,
        notes=tuple(notes),
    )


def _entry_ladder(call: TradeCall, base: TradeRequest, notional: float, book: TierBook | None) -> tuple[DcaStep, ...]:
    """The isolated position after each entry fills, in the order price reaches them; ``()`` for one entry.

    The reviewed notional is split equally over the entries (as signal bots like Cornix do by
    default), each add margined at the reviewed leverage.
    """
    prices = sorted(call.entries, reverse=call.side is Side.LONG)  # a long fills from the top down
    if len(prices) < 2:
        return ()
    fills = [(price, notional / len(prices) / price) for price in prices]
    try:
        start = base.with_changes(entry_price=prices[0], quantity=fills[0][1])
        return dca_ladder(start, fills, call.side, book=book)
    except CoreError:
        return ()  # a step the venue would refuse (bracket leverage): the averaged review stands


def _ladder_average(call: TradeCall) -> float:
    """The entry reviewed: the one entry, or the average of equal amounts filled at every entry.

    Equal quote amounts at prices p₁…pₙ average to the harmonic mean n / Σ(1/pᵢ): the same average the
    entry ladder reaches at its last step, so the full fill has one liquidation price, not two.
    """
    entries = call.entries
    if len(entries) < 2:
        return call.entry_price
    return len(entries) / sum(1 / price for price in entries)


def _partial_fill_warning(call: TradeCall, ladder: tuple[DcaStep, ...]) -> ReviewWarning | None:
    """A warning when liquidation comes before the stop while only the first entries are filled.

    Price is walked in the losing direction from each fill: whichever comes first of the stop, the
    next entry and this step's liquidation decides. A step's liquidation beyond the next entry is
    never reached with that step alone (the next entry fills first and moves it).
    """
    stop = call.stop_price
    if stop is None:
        return None
    sign = call.side.sign
    for index, step in enumerate(ladder[:-1]):
        liquidation = step.liquidation_price
        if liquidation is None:
            continue
        next_fill = ladder[index + 1].fill_price
        # distance travelled against the position from this fill: larger = reached later
        reached = {"stop": sign * (step.fill_price - stop), "liq": sign * (step.fill_price - liquidation)}
        if reached["liq"] < sign * (step.fill_price - next_fill) and reached["liq"] < reached["stop"]:
            return ReviewWarning(
                code="stop_beyond_partial_liquidation",
                text=f"with {step.step} of {len(ladder)} entries filled, liquidation at {fmt_num(liquidation)} "
                f"comes before the stop {fmt_num(stop)} and before the next entry {fmt_num(next_fill)}",
            )
    return None


def _venue_leverage_cap(request: TradeRequest, book: TierBook | None) -> float | None:
    """The bracket's maximum leverage when the request exceeds it (the exchange would refuse the order)."""
    rules = get_venue(request.venue or DEFAULT_VENUE)
    table = table_for(request, rules, book)
    tier = table.tier_at(request.quantity or 0.0, request.entry_price, clamp=True)
    leverage = request.leverage or 0.0
    return tier.max_leverage if leverage > tier.max_leverage * (1 + 1e-12) else None


def _with_table(request: TradeRequest, book: TierBook | None) -> tuple[TradeRequest, str | None]:
    """The request as is, or with the venue's flat rate when the venue has no table for the symbol."""
    rules = get_venue(request.venue or DEFAULT_VENUE)
    try:
        table_for(request, rules, book)
    except TierNotFoundError:
        fallback = request.with_changes(mmr=rules.flat_mmr)
        return (
            fallback,
            f"no {rules.name} bracket table for {request.symbol}: flat MMR {fmt_percent(rules.flat_mmr)} assumed",
        )
    return request, None


def _warnings(
    call: TradeCall,
    isolated: LiquidationResult,
    vs_iso: StopCheck | None,
    risk_fraction: float | None,
    risk_limit: float,
    liquidation_warning: float,
    safe: float | None,
    leverage: float,
    sizing: str,
) -> tuple[ReviewWarning, ...]:
    found: list[ReviewWarning] = []
    if call.stop_price is None:
        found.append(ReviewWarning(code="no_stop", text="no stop: the liquidation price is the only exit"))
    elif vs_iso is not None and not vs_iso.stop_first:
        found.append(ReviewWarning(code="stop_beyond_liquidation", text=f"isolated: {vs_iso.message}"))
    move = isolated.move_to_liquidation
    if move is not None and abs(move) < liquidation_warning:
        found.append(
            ReviewWarning(
                code="liquidation_close",
                text=f"isolated liquidation only {fmt_percent(abs(move))} from entry (warning under "
                f"{fmt_percent(liquidation_warning)})",
            )
        )
    if safe is not None and leverage > safe:
        found.append(
            ReviewWarning(
                code="leverage_above_safe",
                text=f"{fmt_num(leverage)}x is above the highest safe leverage {whole_leverage(safe)} for this stop",
            )
        )
    if risk_fraction is not None and sizing != "sized for risk" and risk_fraction > risk_limit:
        found.append(
            ReviewWarning(
                code="risk_above_limit",
                text=f"the stop loses {fmt_percent(risk_fraction)} of the account (limit {fmt_percent(risk_limit)})",
            )
        )
    return tuple(found)


def _check_inputs(
    account_balance: float | None, margin: float | None, risk_limit: float, taker_fee_rate: float | None
) -> None:
    if taker_fee_rate is not None:
        _check_fee(taker_fee_rate)
    if account_balance is not None and not account_balance > 0:
        raise InvalidInputError(
            f"account balance {account_balance!r} must be above 0; type it like bal 10000", field="account_balance"
        )
    if margin is not None and not margin > 0:
        raise InvalidInputError(f"margin {margin!r} must be above 0; type it like margin 500", field="margin")
    if not 0 < risk_limit <= 1:
        raise InvalidInputError(
            f"risk limit {risk_limit!r} is not a share of the account; give a fraction like 0.02 (2 %)",
            field="risk_limit",
        )
