"""Rounding a liquidation or bankruptcy price as an exchange shows it: on the instrument's tick.

A tick belongs to an instrument (Binance BTCUSDT 0.1, DOGEUSDT 0.00001), never to a venue. Where the
instrument's tick is unknown (a user's MMR, a venue without a table for the symbol), or the known tick
cannot belong to a price this size (a BTC table's 0.1 for an entry of 0.15: fewer than 1,000 ticks in
the price), the price is rounded to :data:`SIGNIFICANT_FIGURES` significant figures instead, never
to a fixed step. Rounding is conservative (longs up, shorts down: the rounded price is reached no
later than the exact one), and a rounded price never crosses the entry nor reaches zero: then the
exact price is shown.

The bulk twin, :func:`core.bulk.round_to_tick_bulk`, lives with the other numpy code (``import core``
does not load numpy).
"""

from __future__ import annotations

import math

from core.enums import Side
from core.venues import round_price

__all__ = ["MIN_TICKS_IN_PRICE", "SIGNIFICANT_FIGURES", "price_step", "round_to_tick"]

SIGNIFICANT_FIGURES = 6  # 45,226.1 and 0.147813: at least the precision exchanges list prices with
MIN_TICKS_IN_PRICE = 1_000  # a tick coarser than 1/1,000 of the price belongs to another instrument


def price_step(price: float, tick_size: float | None) -> tuple[float, bool]:
    """The step ``price`` is rounded to, and whether it is the instrument's tick.

    >>> price_step(45_180.72, 0.1), price_step(0.1478, 0.1), price_step(0.0000123456, None)
    ((0.1, True), (1e-06, False), (1e-10, False))
    """
    size = abs(price)
    if tick_size is not None and 0 < tick_size <= size / MIN_TICKS_IN_PRICE:
        return tick_size, True
    if size == 0 or not math.isfinite(size):
        return 0.0, False
    return 10.0 ** (math.floor(math.log10(size)) - SIGNIFICANT_FIGURES + 1), False


def round_to_tick(price: float, tick_size: float | None, side: Side, entry_price: float) -> tuple[float, float | None]:
    """``price`` rounded for display, and the instrument tick used (None: significant figures, or exact).

    >>> round_to_tick(45_180.72, 0.1, Side.LONG, 50_000)
    (45180.8, 0.1)
    >>> round_to_tick(0.14780241, None, Side.LONG, 0.15)
    (0.147803, None)
    >>> round_to_tick(0.00000001234, 0.01, Side.SHORT, 0.00000001)
    (1.234e-08, None)
    """
    step, is_tick = price_step(price, tick_size)
    if step <= 0 or not math.isfinite(price):
        return price, None
    rounded = round_price(price, step, side)
    crosses = side.sign * (rounded - entry_price) >= 0 > side.sign * (price - entry_price)
    if crosses or rounded <= 0 or not math.isfinite(rounded):
        return price, None
    return rounded, (step if is_tick else None)
