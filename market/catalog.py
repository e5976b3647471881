"""The sources of market data, their URLs and the core venue each feeds (no I/O, no httpx).

A *source* is one family of a venue's endpoints: ``binance`` (USDⓈ-M), ``binance-coinm``, ``bybit``
(linear and inverse), ``okx``, ``gate``, ``bitget``, ``hyperliquid``, ``mexc``. Base URLs come from
the ``LIQCALC_*_URL`` variables (:func:`urls_from` reads a mapping the front end passes), so an
operator can put a proxy in front and the tests an emulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from core.enums import ContractType

__all__ = [
    "CORE_VENUE",
    "DEFAULT_URLS",
    "NAMES",
    "PRICE_VENUES",
    "SOURCES",
    "URL_VARIABLES",
    "cache_location",
    "price_sources",
    "source_of",
    "urls_from",
]

SOURCES = ("binance", "binance-coinm", "bybit", "okx", "gate", "bitget", "hyperliquid", "mexc")
CORE_VENUE = {s: "binance" if s.startswith("binance") else s for s in SOURCES}  # whose rules the tables feed

URL_VARIABLES = {
    "binance": "LIQCALC_BINANCE_URL",
    "binance-coinm": "LIQCALC_BINANCE_COINM_URL",
    "binance-web": "LIQCALC_BINANCE_WEB_URL",
    "bybit": "LIQCALC_BYBIT_URL",
    "okx": "LIQCALC_OKX_URL",
    "gate": "LIQCALC_GATE_URL",
    "bitget": "LIQCALC_BITGET_URL",
    "hyperliquid": "LIQCALC_HYPERLIQUID_URL",
    "mexc": "LIQCALC_MEXC_URL",
}
DEFAULT_URLS = {
    "binance": "https://fapi.binance.com",
    "binance-coinm": "https://dapi.binance.com",
    "binance-web": "https://www.binance.com",
    "bybit": "https://api.bybit.com",
    "okx": "https://www.okx.com",
    "gate": "https://api.gateio.ws",
    "bitget": "https://api.bitget.com",
    "hyperliquid": "https://api.hyperliquid.xyz",
    "mexc": "https://contract.mexc.com",
}


def urls_from(environ: Mapping[str, str]) -> dict[str, str]:
    """Each source's base URL: its ``LIQCALC_*_URL`` variable when set, else the venue's public host."""
    return {key: environ.get(var, "").rstrip("/") or DEFAULT_URLS[key] for key, var in URL_VARIABLES.items()}


def source_of(venue: str, contract: ContractType) -> str:
    """The source that feeds core venue ``venue`` (``bybit-classic`` reads Bybit's tables)."""
    if venue == "binance" and contract is ContractType.INVERSE:
        return "binance-coinm"
    return "bybit" if venue == "bybit-classic" else venue


PRICE_VENUES = ("binance", "bybit", "okx", "gate", "bitget", "hyperliquid", "mexc")  # for the textbook venue


def price_sources(venue: str, contract: ContractType) -> list[str]:
    """Whose marks answer for core venue ``venue``: its own source; the textbook's, each venue in turn.

    >>> price_sources("bybit-classic", ContractType.LINEAR), price_sources("textbook", ContractType.LINEAR)[:2]
    (['bybit'], ['binance', 'bybit'])
    """
    source = source_of(venue, contract)
    return [source] if source in SOURCES else list(PRICE_VENUES)


def cache_location(chosen: str | None, db: str) -> str | None:
    """Where the market-data cache lives: ``LIQCALC_MARKET_DB`` (``chosen``), else beside the settings ``db``.

    ``off``: nowhere (bundled tables only). A PostgreSQL ``db`` (or ``:memory:``) is shared as it is.

    >>> cache_location(None, "liqcalc.sqlite3"), cache_location("off", "x"), cache_location("", "~/.liqcalc.sqlite3")
    ('liqcalc-market.sqlite3', None, '~/.liqcalc-market.sqlite3')
    """
    wanted = (chosen or "").strip()
    if wanted.lower() == "off":
        return None
    if wanted:
        return wanted
    db = db.strip().removeprefix("sqlite:///")
    if db.startswith(("postgresql://", "postgres://")) or db == ":memory:":
        return db
    path = PurePath(db or "liqcalc.sqlite3")
    return str(path.with_name(f"{path.stem}-market.sqlite3"))


NAMES = {
    "binance": "Binance", "binance-coinm": "Binance COIN-M", "bybit": "Bybit", "okx": "OKX", "gate": "Gate",
    "bitget": "Bitget", "hyperliquid": "Hyperliquid", "mexc": "MEXC",
}  # fmt: skip
