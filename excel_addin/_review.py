"""``LIQ_REVIEW``: the risk review of a posted trade call as a spilled two-column table (label, value).

``core.parse_trade_call`` reads the call and ``core.review_call`` reviews it; this module only reads
the cells and lays the ``CallReview`` out as rows. Prices and amounts are numbers, moves and the share
of the account are fractions (format them as %), verdicts, warnings and notes are the core's sentences.

The rows, top to bottom (a row is left out when its condition does not hold):

====================================  ==========================================================
label                                 value
====================================  ==========================================================
read as                               the call as read (``TradeCall.summary``)
side, symbol, venue                   text
entry                                 price; an entry range gives ``entry low``, ``entry high``
                                      and ``entry (average)`` (the price reviewed: equal amounts at each entry)
leverage                              the leverage reviewed (a note says when the call has none)
stop                                  price, or ``none``
stop move                             fraction from entry (with a stop)
TP n, TP n move, TP n reward:risk     per take-profit: price, fraction, ratio (``no stop``)
isolated liquidation, isolated move   price (or ``no liquidation: …``), fraction
cross liquidation, cross move         with a balance (``not reviewed: …`` when it is too small)
entry n fills at, … average entry,    several entries: the isolated position after each fills, in
entry n isolated liquidation          the order price reaches them (equal amounts per entry)
stop vs isolated liquidation          the core's verdict, or ``no stop``
stop vs cross liquidation             with a balance and a stop
risk at stop                          quote amount lost at the stop (fees in), or ``no stop``
risk share of account                 fraction (with a balance and a stop)
highest safe leverage                 for the stop, or ``no stop``
sizing, position (notional), margin   the sizing basis and what it gives
warning                               one row per warning
note                                  one row per note
====================================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import ValidationError

from core import CallReview, CoreError, InvalidInputError, LiquidationResult, parse_trade_call, review_call
from excel_addin._cells import (
    BALANCE,
    FEE,
    MARGIN,
    NO_LIQUIDATION,
    VENUE,
    Grid,
    Rate,
    _no_liquidation,
    _out,
    error_text,
    grid,
    one_row,
)
from excel_addin._market import book as market_book

__all__ = ["NO_STOP", "review_table"]

NO_STOP = "no stop"
CALL_EXAMPLE = "a trade call like BTC long 50000 10x SL 48500 TP 54000"
RISK_LIMIT = Rate("risk_limit", "a share of the account like 2% (or the number 0.02)")
_EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"})


def review_table(call_text: Any, venue: Any, balance: Any, margin: Any, risk_limit: Any, fee: Any) -> Grid:
    """``LIQ_REVIEW``: the review of one call as rows of (label, value); a bad call is one error cell."""
    try:
        text = _call_text(call_text)
        venue_key, account, margin_value, limit, fee_rate = one_row(
            [("venue", venue, VENUE), ("balance", balance, BALANCE), ("margin", margin, MARGIN),
             ("risk_limit", risk_limit, RISK_LIMIT), ("fee", fee, FEE)],
            "LIQ_REVIEW reviews one call: give venue, balance, margin, risk_limit and fee as single cells",
        )  # fmt: skip
        options = {} if limit is None else {"risk_limit": limit}  # empty: the core's default (2 %)
        review = review_call(
            parse_trade_call(text), venue=venue_key, account_balance=account, margin=margin_value,
            taker_fee_rate=fee_rate, book=market_book(), **options,
        )  # fmt: skip
    except (CoreError, ValidationError) as exc:
        return [[error_text(exc)]]
    return [[label, _out(value)] for label, value in _rows(review)]


def _call_text(value: Any) -> str:
    """The call from one cell, or from a range holding its lines (a pasted multi-line signal)."""
    lines = [_line(cell) for row in grid(value) for cell in row]
    text = "\n".join(line for line in lines if line)
    if not text:
        raise InvalidInputError(f"call_text is empty; type {CALL_EXAMPLE}", field="call_text")
    return text


def _line(cell: Any) -> str:
    """One line of the call: text as it is, a number as typed (``52000``, ``0.00001234``), else nothing."""
    if isinstance(cell, str):
        if cell.strip().upper() in _EXCEL_ERRORS:
            raise InvalidInputError(f"call_text is the error {cell.strip()}; fix that cell", field="call_text")
        return cell.strip()
    if isinstance(cell, int | float) and not isinstance(cell, bool):  # a line Excel read as a number
        return str(np.format_float_positional(float(cell), trim="-"))
    return ""


def _rows(review: CallReview) -> Iterator[tuple[str, Any]]:
    call = review.call
    stop = call.stop_price
    yield "read as", call.summary()
    yield "side", review.side.value
    yield "symbol", review.symbol
    yield "venue", review.venue_name
    if call.entry_low == call.entry_high:
        yield "entry", review.entry_price
    else:
        yield "entry low", call.entry_low
        yield "entry high", call.entry_high
        yield "entry (average)", review.entry_price
    yield "leverage", review.leverage
    yield "stop", "none" if stop is None else stop
    if review.stop_move is not None:
        yield "stop move", review.stop_move
    for number, target in enumerate(review.targets, start=1):
        yield f"TP {number}", target.price
        yield f"TP {number} move", target.move
        yield f"TP {number} reward:risk", NO_STOP if target.reward_risk is None else target.reward_risk
    yield from _liquidation("isolated", review.isolated)
    if review.account_balance is not None:
        if review.cross is None:
            yield "cross liquidation", "not reviewed: the account is smaller than the margin"
        else:
            yield from _liquidation("cross", review.cross)
    for step in review.entry_ladder:
        yield f"entry {step.step} fills at", step.fill_price
        yield f"entry {step.step} average entry", step.average_entry
        liquidation = step.liquidation_price
        yield f"entry {step.step} isolated liquidation", NO_LIQUIDATION if liquidation is None else liquidation
    verdict = review.stop_vs_isolated
    yield "stop vs isolated liquidation", NO_STOP if verdict is None else verdict.message
    if review.stop_vs_cross is not None:
        yield "stop vs cross liquidation", review.stop_vs_cross.message
    yield "risk at stop", NO_STOP if review.risk_amount is None else review.risk_amount
    if review.risk_fraction is not None:
        yield "risk share of account", review.risk_fraction
    safe = review.max_safe_leverage
    yield "highest safe leverage", NO_STOP if stop is None else "none" if safe is None else safe
    yield "sizing", review.sizing
    yield "position (notional)", review.notional
    yield "margin", review.margin
    for warning in review.warnings:
        yield "warning", warning.text
    for note in review.notes:
        yield "note", note


def _liquidation(mode: str, card: LiquidationResult) -> Iterator[tuple[str, Any]]:
    if card.liquidation_price is None:
        yield f"{mode} liquidation", _no_liquidation(card.no_liquidation_reason)
        yield f"{mode} move", ""
    else:
        yield f"{mode} liquidation", card.liquidation_price
        yield f"{mode} move", card.move_to_liquidation
