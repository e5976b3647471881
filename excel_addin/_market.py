"""Where the Excel functions get brackets and marks: the market-data cache (classic), the bundled snapshot (Lite).

Classic xlwings runs on the trader's own Python: the functions read the cache ``liq data refresh``
and the bot fill (``LIQCALC_MARKET_DB``, default ``~/.liqcalc-market.sqlite3``), looked at again at
most once a minute, and ``LIQ_MARK`` fetches a venue's marks (one bulk request, kept 10 s). xlwings
Lite runs in the browser, where the exchanges' APIs cannot be called (CORS): the functions use the
bundled snapshot, whose date ``LIQ_TIERS`` and ``LIQ_TEXT`` show, and ``LIQ_MARK`` says to type the
price.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

from core.enums import ContractType
from core.errors import InvalidInputError
from core.models import MarketPrice
from core.tier_data import BUNDLED, TierBook

__all__ = ["IN_BROWSER", "book", "cache_path", "mark"]

IN_BROWSER = sys.platform == "emscripten"  # xlwings Lite (Pyodide)
RECHECK_SECONDS = 60.0
PRICE_SECONDS = 10.0


class _State:
    book: Any = None  # market.book.MarketBook once a cache was read
    checked = -1e18
    stamp: tuple[float, ...] = ()


_state = _State()


def cache_path() -> str | None:
    """The SQLite cache the classic functions read (``None``: off, a PostgreSQL URL, or Lite): ``liq``'s."""
    if IN_BROWSER:
        return None
    from market.catalog import cache_location

    location = cache_location(os.environ.get("LIQCALC_MARKET_DB"), "~/.liqcalc.sqlite3")
    if location is None or location.startswith(("postgresql://", "postgres://")):
        return None
    return os.path.expanduser(location)


def _stamp(path: str) -> tuple[float, ...]:
    return tuple(os.path.getmtime(p) if os.path.exists(p) else 0.0 for p in (path, f"{path}-wal"))


def book() -> TierBook:
    """The tables (and marks fetched by ``LIQ_MARK``) the functions hand to core.

    Called for every row of a column: between two looks at the cache (a minute apart) it only reads
    the clock.
    """
    now = time.monotonic()
    if now - _state.checked < RECHECK_SECONDS and _state.book is not None:
        return _state.book  # type: ignore[no-any-return]
    _state.checked = now
    path = cache_path()
    if path is None:
        _state.book = BUNDLED
        return BUNDLED
    from market.book import MarketBook
    from market.cache import read_sqlite_tables

    stamp, previous = _stamp(path), _state.book
    if not isinstance(previous, MarketBook) or stamp != _state.stamp:
        fresh = MarketBook()
        fresh.add_tables(read_sqlite_tables(path))
        if isinstance(previous, MarketBook):
            fresh.adopt_quotes(previous)  # the marks already fetched stay
        _state.book, _state.stamp = fresh, stamp
    return _state.book  # type: ignore[no-any-return]


def mark(symbol: str, venue: str) -> MarketPrice:
    """The venue's mark for ``symbol`` (fetched unless younger than 10 s).

    Raises:
        InvalidInputError: in the browser (Lite), for a venue without prices, or when none is to be had.
    """
    from core.venues import get_venue

    rules = get_venue(venue)
    if IN_BROWSER:
        raise InvalidInputError(
            "xlwings Lite cannot reach the exchanges (the browser blocks their APIs: CORS); type the price, "
            "or use classic xlwings",
            field="venue",
        )
    if os.environ.get("LIQCALC_MARKET_DB", "").strip().lower() == "off":
        raise InvalidInputError("market data is off here (LIQCALC_MARKET_DB=off); type the price", field="venue")
    from market.book import MarketBook
    from market.catalog import CORE_VENUE, price_sources, urls_from

    current = book()
    if not isinstance(current, MarketBook):
        current = _state.book = MarketBook()
        _state.checked = time.monotonic()
    for source in price_sources(rules.tier_venue or rules.key, ContractType.LINEAR):
        age = current.quotes_age(source)
        if age is None or age >= PRICE_SECONDS:
            _fetch(current, source, urls_from(dict(os.environ)))
        found = current.mark(CORE_VENUE[source], symbol)
        if found is not None:
            return found
    raise InvalidInputError(
        f"no {rules.name} mark price for {symbol!r} is to be had now; type the price", field="symbol"
    )


def _fetch(current: Any, source: str, urls: dict[str, str]) -> None:
    from market.sources import fetch_quotes
    from market.transport import Http, VenueUnavailable
    from market.validate import TableRejected

    async def run() -> Any:
        http = Http(retries=1)
        try:
            return await fetch_quotes(http.impatient(), source, urls)
        finally:
            await http.close()

    try:
        quotes = asyncio.run(run())
    except (VenueUnavailable, TableRejected):
        return  # the last marks (if any) stay, with their age
    current.set_quotes(source, quotes, time.time())
