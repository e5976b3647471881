"""Cross-margin accounts: several positions in several symbols sharing one wallet, hedge mode included.

Each position's liquidation price holds the others at their mark prices (Binance TMM1/UPNL1): the
account totals are computed once and each symbol's own share subtracted, so all N prices cost O(N).
Two opposite legs of one symbol are a hedge: they share one liquidation price (Binance cross hedge
mode). The account-wide move is the single percentage change of every mark at which the account's
margin balance meets its maintenance margin.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from core.bulk import liquidation_price_tiered_bulk
from core.calculator import DEFAULT_VENUE, tier_used
from core.enums import FeeModel, MMBasis, Side
from core.liquidation import PositionLeg
from core.models import CrossAccountRequest, CrossPositionInput, TierUsed
from core.ticks import round_to_tick
from core.tier_data import TierBook, tier_table
from core.tiers import TierTable, liquidation_price_tiered
from core.venues import Venue, get_venue

__all__ = [
    "CrossAccountRequest",
    "CrossAccountResult",
    "CrossPositionInput",
    "CrossPositionResult",
    "account_move",
    "cross_account",
]


class CrossPositionResult(NamedTuple):
    """One position's figures inside the account.

    A named tuple, immutable like the other results but built three times faster than a frozen
    dataclass: 10,000 of them are built per call (``make bench``: cross account, 10,000 positions).
    """

    symbol: str
    side: Side
    quantity: float
    entry_price: float
    mark_price: float
    notional_at_mark: float
    unrealized_pnl: float
    maintenance_margin: float  # at mark
    liquidation_price: float | None  # others held at mark; None: no positive price liquidates
    move_from_mark: float | None  # signed fraction from mark to the liquidation price
    hedged: bool  # shares its price with the opposite leg of the same symbol
    tier: TierUsed | None


@dataclass(frozen=True, slots=True)
class CrossAccountResult:
    """The account: equity, maintenance margin, each position, and the account-wide move."""

    venue: str
    venue_name: str
    wallet_balance: float
    equity: float  # wallet + unrealized PnL at mark
    maintenance_margin: float  # at mark
    margin_ratio: float  # maintenance margin / equity (liquidation at 100 %)
    positions: tuple[CrossPositionResult, ...]
    account_move: float | None  # same signed % change of every mark that liquidates the account
    notes: tuple[str, ...]
    already_liquidated: bool = False  # equity at the marks is at or below the maintenance margin


def cross_account(request: CrossAccountRequest, *, book: TierBook | None = None) -> CrossAccountResult:
    """Every position's liquidation price and the account-wide move, in O(N).

    Raises:
        CoreError: unknown venue or symbol without an MMR, a size beyond the last bracket.
    """
    venue = get_venue(request.venue or DEFAULT_VENUE)
    taker = venue.taker_fee_rate if request.taker_fee_rate is None else request.taker_fee_rate
    fee_in_mmr = taker if venue.fee_model is FeeModel.TAKER_IN_MMR else 0.0
    legs = _merge_legs(request.positions)
    tables = [_table(venue, leg, request.mmr, book) for leg in legs]
    n = len(legs)
    sign = np.array([1.0 if leg.side is Side.LONG else -1.0 for leg in legs])
    qty = np.array([leg.quantity for leg in legs])
    entry = np.array([leg.entry_price for leg in legs])
    mark = np.array([leg.mark_price or leg.entry_price for leg in legs])
    by_table: dict[int, list[int]] = defaultdict(list)
    table_of: dict[int, TierTable] = {}
    for i, table in enumerate(tables):
        by_table[id(table)].append(i)
        table_of[id(table)] = table
    mm = np.empty(n)
    tier_index = np.empty(n, dtype=np.intp)
    for key, rows in by_table.items():
        idx = np.asarray(rows)
        mm[idx], tier_index[idx] = _mm_at(table_of[key], qty[idx], mark[idx], fee_in_mmr, clamp=False)
    upnl = sign * qty * (mark - entry)
    total_mm, total_upnl = float(mm.sum()), float(upnl.sum())

    groups: dict[str, list[int]] = defaultdict(list)
    for i, leg in enumerate(legs):
        groups[leg.symbol].append(i)
    liq = np.full(n, np.nan)
    liq_tier = tier_index.copy()
    single: dict[int, list[int]] = defaultdict(list)
    for rows in groups.values():
        if len(rows) == 1:
            single[id(tables[rows[0]])].append(rows[0])
            continue
        _solve_hedge(
            rows, legs, tables, request.wallet_balance, total_mm, total_upnl, mm, upnl, taker, venue, liq, liq_tier
        )
    for key, rows in single.items():
        idx = np.asarray(rows)
        account = request.wallet_balance - (total_mm - mm[idx]) + (total_upnl - upnl[idx])
        liq[idx], liq_tier[idx] = liquidation_price_tiered_bulk(
            sign[idx],
            entry[idx],
            qty[idx],
            account,
            table=table_of[key],
            taker_fee_rate=taker,
            fee_model=venue.fee_model,
            mm_basis=venue.mm_basis,
            return_tier=True,
        )
    equity = request.wallet_balance + total_upnl
    hedged = {symbol for symbol, rows in groups.items() if len(rows) > 1}
    net: dict[str, float] = {}  # hedged legs share one price: round it for the net side
    for leg in legs:
        if leg.symbol in hedged:
            net[leg.symbol] = net.get(leg.symbol, 0.0) + (leg.quantity if leg.side is Side.LONG else -leg.quantity)
    results = []
    tier_cache: dict[tuple[int, int], TierUsed | None] = {}
    mark_list, qty_list, upnl_list, mm_list = mark.tolist(), qty.tolist(), upnl.tolist(), mm.tolist()
    liq_list, liq_tier_list = liq.tolist(), liq_tier.tolist()
    for i, leg in enumerate(legs):
        price = None if math.isnan(liq_list[i]) else liq_list[i]
        if price is not None and venue.rounds_to_tick:
            rounding_side = leg.side if leg.symbol not in hedged else Side.LONG if net[leg.symbol] >= 0 else Side.SHORT
            price, _ = round_to_tick(price, tables[i].tick_size, rounding_side, leg.entry_price)
        results.append(
            CrossPositionResult(
                symbol=leg.symbol,
                side=leg.side,
                quantity=leg.quantity,
                entry_price=leg.entry_price,
                mark_price=mark_list[i],
                notional_at_mark=qty_list[i] * mark_list[i],
                unrealized_pnl=upnl_list[i],
                maintenance_margin=mm_list[i],
                liquidation_price=price,
                move_from_mark=None if price is None else price / mark_list[i] - 1,
                hedged=leg.symbol in hedged,
                tier=_tier_used(tables[i], liq_tier_list[i], tier_cache),
            )
        )
    already = equity <= total_mm
    move = None
    if not already:  # under maintenance already, the "move" found would be the one that helps
        move = account_move(
            request.wallet_balance, sign, qty, entry, mark, tables, by_table, table_of, fee_in_mmr, venue.mm_basis
        )
    notes = (
        f"{venue.name} rules; each price holds the other positions at their marks",
        "the account move shifts every mark by the same % at once",
        "fees, funding and partial liquidation not included",
    )
    return CrossAccountResult(
        venue=venue.key,
        venue_name=venue.name,
        wallet_balance=request.wallet_balance,
        equity=equity,
        maintenance_margin=total_mm,
        margin_ratio=total_mm / equity if equity > 0 else math.inf,
        positions=tuple(results),
        account_move=move,
        notes=notes,
        already_liquidated=already,
    )


def account_move(
    wallet_balance: float,
    sign: np.ndarray,
    qty: np.ndarray,
    entry: np.ndarray,
    mark: np.ndarray,
    tables: list[TierTable],
    by_table: dict[int, list[int]],
    table_of: dict[int, TierTable],
    fee_in_mmr: float,
    mm_basis: MMBasis,
) -> float | None:
    """The one fraction ``x`` with every mark at ``mark·(1 + x)`` where equity equals maintenance margin.

    Formula (brackets fixed, re-checked at the moved marks until they agree)::

        WB + Σ s·q·(mark·(1+x) − EP) = Σ (q·B·(mmr + fee) − cum),  B = mark·(1+x) (or EP: MM at entry)

    Returns:
        ``x`` (−0.23: every price 23 % lower), or None when no move above −100 % liquidates the account.
    """
    x = 0.0
    for _ in range(len(max(table_of.values(), key=lambda t: len(t.tiers)).tiers) + 2):
        moved = mark * (1.0 + x)
        rate = np.empty_like(mark)
        amount = np.empty_like(mark)
        for key, rows in by_table.items():
            idx = np.asarray(rows)
            table = table_of[key]
            basis_price = entry[idx] if mm_basis is MMBasis.ENTRY else moved[idx]
            tier_idx = _indices(table, qty[idx], basis_price)
            rate[idx] = np.array([t.mmr for t in table.tiers])[tier_idx] + fee_in_mmr
            amount[idx] = np.array([t.maintenance_amount for t in table.tiers])[tier_idx]
        pnl_const = float(np.sum(sign * qty * (mark - entry)))
        slope_pnl = float(np.sum(sign * qty * mark))
        if mm_basis is MMBasis.ENTRY:
            mm_const, mm_slope = float(np.sum(qty * entry * rate - amount)), 0.0
        else:
            mm_const, mm_slope = float(np.sum(qty * mark * rate - amount)), float(np.sum(qty * mark * rate))
        denominator = slope_pnl - mm_slope
        if denominator == 0.0:
            return None
        new_x = (mm_const - wallet_balance - pnl_const) / denominator
        if not math.isfinite(new_x) or new_x <= -1.0:
            return None
        if math.isclose(new_x, x, rel_tol=1e-12, abs_tol=1e-15):
            return new_x
        x = new_x
    return x


# ---------------------------------------------------------------------------------------------------


def _merge_legs(positions: tuple[CrossPositionInput, ...]) -> list[CrossPositionInput]:
    """One leg per (symbol, side): same-side entries are one position (average entry, summed quantity)."""
    merged: dict[tuple[str, Side], CrossPositionInput] = {}
    for pos in positions:
        symbol = pos.symbol.strip().upper()
        key = (symbol, pos.side)
        prev = merged.get(key)
        if prev is None:
            merged[key] = pos if pos.symbol == symbol else pos.model_copy(update={"symbol": symbol})
            continue
        qty = prev.quantity + pos.quantity
        avg = (prev.entry_price * prev.quantity + pos.entry_price * pos.quantity) / qty
        merged[key] = prev.model_copy(
            update={"quantity": qty, "entry_price": avg, "mark_price": pos.mark_price or prev.mark_price}
        )
    return list(merged.values())


_TABLE_CACHE: dict[tuple[str, str, float | None], TierTable] = {}


def _table(venue: Venue, leg: CrossPositionInput, account_mmr: float | None, book: TierBook | None) -> TierTable:
    mmr = leg.mmr if leg.mmr is not None else account_mmr
    if mmr is None and venue.tier_venue is None:
        mmr = venue.flat_mmr
    if book is not None and mmr is None:
        assert venue.tier_venue is not None
        return book.table(venue.tier_venue, leg.symbol)
    key = (venue.key, leg.symbol if mmr is None else "*", mmr)
    table = _TABLE_CACHE.get(key)
    if table is None:
        if mmr is not None:
            table = TierTable.flat(mmr, venue=venue.key, source="your MMR" if venue.tier_venue else "flat MMR")
        else:
            assert venue.tier_venue is not None
            table = tier_table(venue.tier_venue, leg.symbol)
        if len(_TABLE_CACHE) < 1024:
            _TABLE_CACHE[key] = table
    return table


def _indices(table: TierTable, qty: np.ndarray, price: np.ndarray, *, clamp: bool = True) -> np.ndarray:
    floors = np.array(table.floors)
    caps = np.array([t.cap for t in table.tiers])
    size = qty * price if table.bound_unit.value == "quote_notional" else qty
    index = np.clip(np.searchsorted(floors, size, side="right") - 1, 0, len(floors) - 1)
    if not clamp and np.any(size >= caps[index]):
        table.index_at(float(np.max(size)))  # raises TierNotFoundError with the table's message
    return index


def _mm_at(
    table: TierTable, qty: np.ndarray, price: np.ndarray, fee_in_mmr: float, *, clamp: bool
) -> tuple[np.ndarray, np.ndarray]:
    index = _indices(table, qty, price, clamp=clamp)
    rates = np.array([t.mmr for t in table.tiers])[index] + fee_in_mmr
    amounts = np.array([t.maintenance_amount for t in table.tiers])[index]
    return qty * price * rates - amounts, index


def _solve_hedge(
    rows: list[int],
    legs: list[CrossPositionInput],
    tables: list[TierTable],
    wallet: float,
    total_mm: float,
    total_upnl: float,
    mm: np.ndarray,
    upnl: np.ndarray,
    taker: float,
    venue: Venue,
    liq: np.ndarray,
    liq_tier: np.ndarray,
) -> None:
    """Both legs of a hedged symbol share one price: one equation with both legs' terms."""
    first, second = rows[0], rows[1]
    a, b = legs[first], legs[second]
    account = wallet - (total_mm - mm[first] - mm[second]) + (total_upnl - upnl[first] - upnl[second])
    hedge = PositionLeg(b.side, b.quantity, b.entry_price, b.mark_price or b.entry_price, 0.0)
    solved = liquidation_price_tiered(
        a.side,
        a.entry_price,
        a.quantity,
        account,
        table=tables[first],
        hedge=hedge,
        taker_fee_rate=taker,
        fee_model=venue.fee_model,
        mm_basis=venue.mm_basis,
    )
    for row in rows:
        liq[row] = np.nan if solved.price is None else solved.price
        liq_tier[row] = solved.tier_index


def _tier_used(table: TierTable, index: int, cache: dict[tuple[int, int], TierUsed | None]) -> TierUsed | None:
    key = (id(table), index)
    if key not in cache:
        cache[key] = None if index < 0 else tier_used(table, index)
    return cache[key]
