"""Where core's tier tables and prices come from: a :class:`TierBook`, or the bundled snapshot.

Core never fetches: every calculation that needs a venue's brackets takes a ``book`` argument, any
object with the :class:`TierBook` methods. Front ends pass the market-data layer's book (live
tables and marks, ``market.book``); without one, core uses :data:`BUNDLED`, the dated JSON snapshots
in ``core/tier_tables/`` read through ``importlib.resources`` once, on first use. Each table names
its source and the date it was valid; answers that use a table show that date.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from functools import cache
from importlib import resources
from typing import Protocol

from core.enums import ContractType
from core.errors import TierNotFoundError
from core.models import MarketPrice
from core.tiers import TierTable

__all__ = ["BUNDLED", "BundledBook", "TierBook", "book_or_bundled", "bundled_tier_tables", "tier_table"]


class TierBook(Protocol):
    """A source of bracket tables and mark prices, handed to core by a front end."""

    def table(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> TierTable:
        """The venue's table for ``symbol`` (any spelling); raises :class:`TierNotFoundError` if none."""
        ...

    def mark(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> MarketPrice | None:
        """The venue's current mark price for ``symbol``, or ``None`` when none is known."""
        ...

    def symbols(self) -> Collection[str]:
        """Every base asset the book knows (upper case), so the grammar reads them as symbols."""
        ...


class BundledBook:
    """The bundled snapshot as a :class:`TierBook`: dated tables, no prices."""

    def table(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> TierTable:
        """:func:`tier_table`."""
        return tier_table(venue, symbol, contract)

    def mark(self, venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> MarketPrice | None:
        """The snapshot has no prices."""
        return None

    def symbols(self) -> Collection[str]:
        """The snapshot's symbols."""
        return _bundled_symbols()


BUNDLED = BundledBook()


def book_or_bundled(book: TierBook | None) -> TierBook:
    """``book``, or the bundled snapshot when a caller passes none."""
    return BUNDLED if book is None else book


@cache
def bundled_tier_tables() -> tuple[TierTable, ...]:
    """Every bundled table, sorted by venue, contract and symbol."""
    folder = resources.files("core").joinpath("tier_tables")
    tables = [
        TierTable.model_validate(json.loads(entry.read_text(encoding="utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return tuple(sorted(tables, key=lambda t: (t.venue, t.contract.value, t.symbol)))


@cache
def _bundled_symbols() -> frozenset[str]:
    return frozenset(t.symbol for t in bundled_tier_tables())


@cache
def _index() -> dict[tuple[str, str, ContractType], TierTable]:
    return {(t.venue, t.symbol, t.contract): t for t in bundled_tier_tables()}


def tier_table(venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> TierTable:
    """The bundled table of ``venue`` for ``symbol`` (base asset, e.g. ``"BTC"``).

    Raises:
        TierNotFoundError: no table for that venue, symbol and contract type; the message lists the
            symbols that have one and says how to go on without a table.
    """
    key = (venue.lower(), symbol.upper(), contract)
    found = _index().get(key)
    if found is not None:
        return found
    known = sorted(s for (v, s, c) in _index() if v == key[0] and c is contract)
    kind = "coin-margined" if contract is ContractType.INVERSE else "USDT-margined"
    listing = ", ".join(known) if known else "none"
    raise TierNotFoundError(
        f"no {venue} {kind} tier table for {symbol!r} (bundled: {listing}); "
        "pick one of those or give the rate yourself, like mmr 0.5%",
        field="symbol",
    )
