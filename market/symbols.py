"""A symbol in any venue's spelling → that venue's instrument name, or the closest names when unknown.

Traders type ``BTC``, ``btcusdt``, ``BTC-USDT-SWAP``, ``BTC_USDT``, ``1000PEPE`` or ``kPEPE``; each venue
names the same perpetual its own way (Binance/Bybit/Bitget ``BTCUSDT``, OKX ``BTC-USDT-SWAP`` with
family ``BTC-USDT``, Gate/MEXC ``BTC_USDT``, Hyperliquid ``BTC`` and ``kPEPE`` for 1,000 PEPE).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from market._build import base_of

__all__ = ["SymbolIndex", "UnknownSymbol", "resolve"]

_THOUSAND = re.compile(r"^(?:1000|K)(?P<base>[A-Z0-9]+)$")


class UnknownSymbol(LookupError):
    """No instrument of the venue matches; ``suggestions`` are the closest names."""

    def __init__(self, venue: str, text: str, suggestions: list[str]) -> None:
        """Keep what was asked and the closest names."""
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"{venue} has no perpetual {text!r}{hint}")
        self.suggestions = suggestions


def _key(text: str) -> str:
    """One spelling for comparing: base asset in upper case, a 1,000-unit prefix as 1000."""
    base = base_of(text.strip().lstrip("#$").upper().replace("/", ""))
    match = _THOUSAND.match(base)
    return f"1000{match.group('base')}" if match else base


class SymbolIndex:
    """A venue's instrument names, indexed once for look-ups in any spelling."""

    __slots__ = ("_by_key", "_exact", "venue")

    def __init__(self, venue: str, markets: Iterable[str]) -> None:
        """Index ``markets`` (the venue's names); the first of two names with one key wins."""
        self.venue = venue
        self._exact: dict[str, str] = {}
        self._by_key: dict[str, str] = {}
        for name in markets:
            self._exact.setdefault(name.upper(), name)
            self._by_key.setdefault(_key(name), name)

    def lookup(self, text: str) -> tuple[str, float]:
        """The instrument ``text`` means, and its unit against what was typed (1000: the venue's is per 1,000).

        Raises:
            UnknownSymbol: none matches; the message lists up to three close names.
        """
        exact = self._exact.get(text.strip().upper())
        if exact is not None:
            return exact, 1.0
        wanted = _key(text)
        found = self._by_key.get(wanted)
        if found is not None:
            return found, 1.0
        if wanted.startswith("1000") and wanted[4:] in self._by_key:
            return self._by_key[wanted[4:]], 0.001  # typed per 1,000, the venue prices one
        if f"1000{wanted}" in self._by_key:
            return self._by_key[f"1000{wanted}"], 1000.0  # typed per one, the venue prices 1,000
        close = difflib.get_close_matches(wanted, list(self._by_key), n=3, cutoff=0.6)
        raise UnknownSymbol(self.venue, text, [self._by_key[k] for k in close])


def resolve(venue: str, text: str, markets: Iterable[str]) -> str:
    """The instrument of ``markets`` (a venue's names) that ``text`` means.

    >>> resolve("okx", "btc", ["BTC-USDT-SWAP", "ETH-USDT-SWAP"])
    'BTC-USDT-SWAP'
    >>> resolve("hyperliquid", "1000PEPEUSDT", ["BTC", "kPEPE"])
    'kPEPE'
    >>> resolve("binance", "pepe", ["BTCUSDT", "1000PEPEUSDT"])
    '1000PEPEUSDT'

    Raises:
        UnknownSymbol: none matches; the message lists up to three close names.
    """
    return SymbolIndex(venue, markets).lookup(text)[0]
