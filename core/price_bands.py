"""Plausible price ranges per symbol: used only to ask "did you mean …?", never to compute.

A trader who types ``/liq 500 25x 97k long btc`` (numbers swapped) or ``/liq 97.000 …`` (a European
thousands dot) gets a question instead of a silent answer for an entry of 500 or 97. Each band is the
symbol's traded range over 2022-06 … 2025-10 (cycle low to all-time high, approximate, as widely
reported; written down from the developers' knowledge, not fetched here), widened three times each way
so that the approximation cannot matter and no real price of the coming years falls outside. A live
mark price, where the front end has one, is the better reference: :func:`plausible` takes it as
``reference_price`` (band ×/÷ 5).
"""

from __future__ import annotations

import math

__all__ = ["BANDS_AS_OF", "PRICE_BANDS", "plausible", "price_band"]

BANDS_AS_OF = "2025-10"
_WIDEN = 3.0
_LIVE_WIDEN = 5.0

# symbol: (cycle low, all-time high) over 2022-06 … 2025-10, quote USD(T)
PRICE_BANDS: dict[str, tuple[float, float]] = {
    "BTC": (15_500.0, 126_000.0),
    "ETH": (880.0, 4_950.0),
    "SOL": (8.0, 295.0),
    "BNB": (180.0, 1_370.0),
    "XRP": (0.30, 3.65),
    "DOGE": (0.05, 0.74),
    "ADA": (0.24, 3.10),
    "LTC": (40.0, 140.0),
    "LINK": (5.0, 53.0),
    "AVAX": (8.6, 146.0),
    "DOT": (3.5, 55.0),
    "TON": (1.0, 8.3),
    "SUI": (0.36, 5.4),
    "HYPE": (3.0, 60.0),
}


def price_band(symbol: str | None, reference_price: float | None = None) -> tuple[float, float] | None:
    """The widened band for ``symbol`` (around ``reference_price`` when given), or None when unknown.

    >>> price_band("BTC")
    (5166.666666666667, 378000.0)
    >>> price_band("ETH", reference_price=3000.0)
    (600.0, 15000.0)
    """
    if reference_price is not None and math.isfinite(reference_price) and reference_price > 0:
        return reference_price / _LIVE_WIDEN, reference_price * _LIVE_WIDEN
    if symbol is None or symbol.upper() not in PRICE_BANDS:
        return None
    low, high = PRICE_BANDS[symbol.upper()]
    return low / _WIDEN, high * _WIDEN


def plausible(symbol: str | None, price: float, reference_price: float | None = None) -> bool:
    """Whether ``price`` could be ``symbol``'s price (True when nothing is known about the symbol).

    >>> plausible("BTC", 97_000), plausible("BTC", 500), plausible("PEPE", 0.0000123)
    (True, False, True)
    """
    band = price_band(symbol, reference_price)
    return band is None or band[0] <= price <= band[1]
