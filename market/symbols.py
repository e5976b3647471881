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

__all__ = ["UnknownSymbol", "resolve"]

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


def resolve(venue: str, text: str, markets: Iterable[str]) -> str:
    """The instrument of ``markets`` (a venue's names) that ``text`` means.

    >>> resolve("okx", "btc", ["BTC-USDT-SWAP", "ETH-USDT-SWAP"])
    'BTC-USDT-SWAP'
    >>> resolve("hyperliquid", "1000PEPEUSDT", ["BTC", "kPEPE"])
    'kPEPE'

    Raises:
        UnknownSymbol: none matches; the message lists up to three close names.
    """
    names = list(markets)
    exact = {name.upper(): name for name in names}
    if text.strip().upper() in exact:
        return exact[text.strip().upper()]
    wanted = _key(text)
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(_key(name), name)
    if wanted in by_key:
        return by_key[wanted]
    close = difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.6)
    raise UnknownSymbol(venue, text, [by_key[k] for k in close])
