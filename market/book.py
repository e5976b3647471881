"""The market data a front end hands to core: fetched tables and marks, as a :class:`core.tier_data.TierBook`.

In memory and synchronous (core calls it in the middle of a calculation): tables by venue and
contract, indexed for any spelling of a symbol; the latest bulk quotes of each source with the time
they arrived. A venue with no fetched table at all falls back to the bundled snapshot; a venue with
fetched tables that do not list the symbol refuses it with the closest names (a stale snapshot is
not a substitute for a listing). :class:`market.service.MarketData` fills the book.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping

from core.enums import ContractType
from core.errors import TierNotFoundError
from core.models import MarketPrice
from core.tier_data import BUNDLED
from core.tiers import BoundUnit, TierTable
from market._build import base_of
from market.catalog import CORE_VENUE, NAMES, price_sources, source_of
from market.prices import Quote
from market.symbols import SymbolIndex, UnknownSymbol

__all__ = ["MAX_PRICE_AGE", "MarketBook"]

MAX_PRICE_AGE = 15 * 60.0  # seconds: an older mark is not used for an entry at all
_QUOTE_SUFFIXES = ("", "-SWAP", "_PERP")  # OKX quotes name the instrument, tables the family; COIN-M the pair


class MarketBook:
    """Fetched tables and quotes; implements :class:`core.tier_data.TierBook`."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        """An empty book: every venue answers from the bundled snapshot until tables arrive."""
        self._clock = clock
        self._tables: dict[tuple[str, ContractType], dict[str, TierTable]] = {}
        self._index: dict[tuple[str, ContractType], SymbolIndex] = {}
        self._quotes: dict[str, tuple[Mapping[str, Quote], float]] = {}
        self._symbols: frozenset[str] = BUNDLED.symbols()  # type: ignore[assignment]

    # --- filling -------------------------------------------------------------------------------------

    def add_tables(self, tables: Iterable[TierTable]) -> None:
        """Store ``tables`` (each replaces the one of its venue, contract and market)."""
        touched = set()
        for table in tables:
            key = (table.venue, table.contract)
            self._tables.setdefault(key, {})[table.market] = table
            touched.add(key)
        for key in touched:
            self._index[key] = SymbolIndex(key[0], self._tables[key])
        self._symbols = frozenset(
            {t.symbol.upper() for markets in self._tables.values() for t in markets.values()} | set(BUNDLED.symbols())
        )

    def set_quotes(self, source: str, quotes: Mapping[str, Quote], received_at: float) -> None:
        """The latest bulk quotes of ``source``, received at ``received_at`` (epoch seconds)."""
        self._quotes[source] = (quotes, received_at)

    def adopt_quotes(self, other: MarketBook) -> None:
        """Keep ``other``'s quotes (a book rebuilt from the cache keeps the marks already fetched)."""
        self._quotes.update(other._quotes)

    def quote(self, source: str, market: str) -> tuple[Quote, float] | None:
        """One instrument's quote from ``source``'s last bulk answer, and when that answer arrived."""
        entry = self._quotes.get(source)
        if entry is None or market not in entry[0]:
            return None
        return entry[0][market], entry[1]

    def mark_source(
        self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR
    ) -> tuple[str, MarketPrice] | None:
        """Like :meth:`mark`, with the source whose quote answered (what a watch follows)."""
        for source in price_sources(venue, contract):
            found = self._mark(source, symbol, contract)
            if found is not None:
                return source, found
        return None

    def quotes_age(self, source: str) -> float | None:
        """Seconds since ``source``'s quotes arrived; ``None``: never."""
        entry = self._quotes.get(source)
        return None if entry is None else self._clock() - entry[1]

    def has_tables(self, venue: str, contract: ContractType = ContractType.LINEAR) -> bool:
        """Whether any table of ``venue`` was fetched."""
        return (venue, contract) in self._tables

    def count(self) -> dict[tuple[str, ContractType], int]:
        """Tables per venue and contract."""
        return {key: len(markets) for key, markets in self._tables.items()}

    # --- TierBook ------------------------------------------------------------------------------------

    def table(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> TierTable:
        """The fetched table of ``venue`` for ``symbol`` in any spelling; bundled when the venue has none.

        Raises:
            TierNotFoundError: the venue's fetched list has no such perpetual (the closest names), or a
                per-1,000 instrument whose brackets count units (typed per one).
        """
        index = self._index.get((venue, contract))
        if index is None:
            return BUNDLED.table(venue, symbol, contract)
        try:
            market, scale = index.lookup(symbol)
        except UnknownSymbol as exc:
            hint = f"did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else "check the symbol"
            name = NAMES.get(source_of(venue, contract), venue)
            raise TierNotFoundError(f"{name} lists no perpetual {symbol!r}; {hint}", field="symbol") from None
        table = self._tables[(venue, contract)][market]
        if scale != 1.0 and table.bound_unit is BoundUnit.BASE_QUANTITY:
            raise TierNotFoundError(
                f"{venue} prices {market} per {'1,000' if scale > 1 else 'one'} coin, not as {symbol} was typed; "
                f"type {table.symbol} with its price",
                field="symbol",
            )
        return table

    def mark(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> MarketPrice | None:
        """The venue's mark for ``symbol`` (the textbook venue: the first venue that has one), with its age."""
        found = self.mark_source(venue, symbol, contract)
        return None if found is None else found[1]

    def _mark(self, source: str, symbol: str, contract: ContractType) -> MarketPrice | None:
        entry = self._quotes.get(source)
        if entry is None:
            return None
        quotes, received = entry
        age = max(0.0, self._clock() - received)
        if age > MAX_PRICE_AGE:
            return None
        index = self._index.get((CORE_VENUE[source], contract))
        if index is None:  # prices without tables (nothing refreshed yet): the quotes' own names
            try:
                name, _ = SymbolIndex(source, quotes).lookup(symbol)
            except UnknownSymbol:
                return None
            return MarketPrice(
                price=quotes[name].mark_price, symbol=base_of(name).upper(), venue_name=NAMES[source], market=name,
                age_seconds=age,
            )  # fmt: skip
        try:
            market, _ = index.lookup(symbol)
        except UnknownSymbol:
            return None
        for suffix in _QUOTE_SUFFIXES:
            quote = quotes.get(market + suffix)
            if quote is not None:
                table = self._tables[(CORE_VENUE[source], contract)][market]
                return MarketPrice(
                    price=quote.mark_price, symbol=table.symbol, venue_name=NAMES[source], market=market + suffix,
                    age_seconds=age,
                )  # fmt: skip
        return None

    def symbols(self) -> Collection[str]:
        """Every base asset of a fetched or bundled table."""
        return self._symbols

    def knows(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> bool:
        """Whether ``venue``'s fetched tables list ``symbol``."""
        index = self._index.get((venue, contract))
        if index is None:
            return False
        try:
            index.lookup(symbol)
        except UnknownSymbol:
            return False
        return True
