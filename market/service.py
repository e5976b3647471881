"""Keeps the book filled: refreshes from the venues into the cache, marks on demand, one refresh per unknown symbol.

Front ends hold one :class:`MarketData`. Tables are served from memory (loaded from the cache at
start) while a refresh runs: stale-while-revalidate. A refresh validates every table before it is
stored; a venue that fails keeps its previous tables, and the failure is recorded with its reason.
Marks are fetched in one bulk request per source and kept for :data:`PRICE_TTL` seconds; concurrent
askers share one request. A symbol a venue's tables do not list triggers at most one refresh of that
venue per :data:`UNKNOWN_COOLDOWN` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from core.enums import ContractType
from market.book import MarketBook
from market.cache import MarketCache, Run
from market.catalog import CORE_VENUE, SOURCES, price_sources, source_of
from market.sources import Credentials, fetch_quotes, fetch_tables
from market.transport import Http, VenueUnavailable
from market.validate import TableRejected

__all__ = ["PRICE_TTL", "UNKNOWN_COOLDOWN", "MarketData", "Outcome", "as_of_now"]

_logger = logging.getLogger(__name__)

PRICE_TTL = 10.0
UNKNOWN_COOLDOWN = 60.0


def as_of_now(now: float) -> str:
    """``2026-12-03 05:40 UTC``: how every fetched table states when it was read."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M UTC")


class Outcome(NamedTuple):
    """One source's refresh, for ``liq data refresh``."""

    source: str
    ok: bool
    symbols: int
    tiers: int
    rejected: int
    requests: int
    seconds: float
    as_of: str
    note: str


class MarketData:
    """The book, the cache behind it, and the venues behind that."""

    def __init__(
        self,
        cache: MarketCache,
        urls: Mapping[str, str],
        *,
        http: Http | None = None,
        binance_keys: Credentials | None = None,
        sources: Iterable[str] = SOURCES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing is fetched until :meth:`start` and :meth:`refresh`."""
        self.cache, self.urls = cache, dict(urls)
        self.http = http or Http()
        self.binance_keys = binance_keys
        self.sources = tuple(sources)
        self.book = MarketBook(clock=clock)
        self._clock = clock
        self._price_locks: dict[str, asyncio.Lock] = {}
        self._unknown_at: dict[str, float] = {}

    async def start(self) -> None:
        """Open the cache and load every stored table into the book."""
        await self.cache.start()
        self.book.add_tables(await self.cache.tables())

    async def close(self) -> None:
        """Close the cache and the connection pool."""
        await self.cache.close()
        await self.http.close()

    # --- tables ------------------------------------------------------------------------------------------

    async def refresh(
        self, sources: Iterable[str] | None = None, *, only: Iterable[str] | None = None
    ) -> list[Outcome]:
        """Fetch, validate and store each source's tables (all venues at once, each at its own pace)."""
        chosen = list(sources) if sources is not None else list(self.sources)
        return list(await asyncio.gather(*(self._refresh_one(source, only) for source in chosen)))

    async def _refresh_one(self, source: str, only: Iterable[str] | None, http: Http | None = None) -> Outcome:
        started, before = self._clock(), self.http.requests.get(source, 0)
        monotonic = time.monotonic()
        as_of = as_of_now(started)
        try:
            fetched = await fetch_tables(
                http or self.http, source, self.urls, as_of=as_of, binance_keys=self.binance_keys, only=only
            )
        except (VenueUnavailable, TableRejected) as exc:
            requests = self._requests_since(source, before)
            _logger.warning("market data: %s refresh failed, keeping the previous tables: %s", source, exc)
            await self.cache.record(Run(source, None, started, False, str(exc)[:300], 0, 0, requests))
            return Outcome(source, False, 0, 0, 0, requests, time.monotonic() - monotonic, as_of, str(exc)[:300])
        for market, reason in fetched.rejected:
            _logger.warning("market data: %s %s refused, the previous table stays: %s", source, market, reason)
        tiers = sum(len(t.tiers) for t in fetched.tables)
        requests = self._requests_since(source, before)
        note = f"{len(fetched.tables)} symbols, {tiers} tiers" + (
            f", {len(fetched.rejected)} refused" if fetched.rejected else ""
        )
        await self.cache.save(
            fetched.tables, Run(source, started, started, True, note, len(fetched.tables), tiers, requests)
        )
        self.book.add_tables(fetched.tables)
        return Outcome(
            source, True, len(fetched.tables), tiers, len(fetched.rejected), requests, time.monotonic() - monotonic,
            as_of, note,
        )  # fmt: skip

    def _requests_since(self, source: str, before: int) -> int:
        return self.http.requests.get(source, 0) - before

    # --- on demand -----------------------------------------------------------------------------------

    @staticmethod
    def _tables_source(venue: str | None, contract: ContractType) -> str | None:
        """The source whose tables the venue's trades use; ``None`` for the textbook (no tables)."""
        source = source_of(venue or "textbook", contract)
        return source if source in SOURCES else None

    def _unlisted(self, source: str | None, symbol: str | None, contract: ContractType) -> bool:
        """Whether ``source``'s tables lack ``symbol`` (never for the textbook or a trade without a symbol)."""
        if source is None or not symbol:
            return False
        return not self.book.knows(CORE_VENUE[source], symbol, contract)

    def has_what_it_needs(
        self, venue: str | None, symbol: str | None, contract: ContractType = ContractType.LINEAR, *, price: bool
    ) -> bool:
        """Whether :meth:`ready` would fetch nothing (a trade with an entry on a symbol the book lists)."""
        return not price and not self._unlisted(self._tables_source(venue, contract), symbol, contract)

    async def ready(
        self, venue: str | None, symbol: str | None, contract: ContractType = ContractType.LINEAR, *, price: bool
    ) -> None:
        """Make ``venue``'s table for ``symbol`` (and, with ``price``, a fresh mark) available when possible.

        Never raises: a venue that is down leaves the previous data, whose age the answer states.
        """
        source = self._tables_source(venue, contract)
        if source is not None and symbol and self._unlisted(source, symbol, contract):
            await self._unknown(source, symbol)  # not fetched yet, or newly listed: one refresh a minute
        if price:
            for candidate in price_sources(venue or "textbook", contract):
                await self.prices(candidate)
                if self.book.mark(CORE_VENUE[candidate], symbol or "BTC", contract) is not None:
                    return

    async def _unknown(self, source: str, symbol: str) -> None:
        now = self._clock()
        if now - self._unknown_at.get(source, -1e12) < UNKNOWN_COOLDOWN:
            return
        self._unknown_at[source] = now
        only = [symbol] if source in ("okx", "bitget") else None  # asked per symbol: just this one
        await self._refresh_one(source, only, self.http.impatient())  # a user is waiting

    async def prices(self, source: str, *, fresher_than: float = PRICE_TTL) -> bool:
        """Fetch ``source``'s bulk quotes unless the book's are younger than ``fresher_than`` seconds.

        True when the book then holds quotes of that age or younger; errors are logged, never raised.
        """
        if source not in self.sources:
            return False
        lock = self._price_locks.setdefault(source, asyncio.Lock())
        async with lock:  # concurrent askers wait for one request, then find it fresh
            age = self.book.quotes_age(source)
            if age is not None and age < fresher_than:
                return True
            try:
                quotes = await fetch_quotes(self.http.impatient(), source, self.urls)
            except (VenueUnavailable, TableRejected) as exc:
                _logger.warning("market data: %s prices unavailable, the last ones stay: %s", source, exc)
                return False
            self.book.set_quotes(source, quotes, self._clock())
            return True

    async def runs(self) -> list[Run]:
        """Each source's last refresh (``liq data status``)."""
        return await self.cache.runs()
