"""The sources of market data, their URLs and the core venue each feeds (no I/O, no httpx).

A *source* is one family of a venue's endpoints: ``binance`` (USDⓈ-M), ``binance-coinm``, ``bybit``
(linear and inverse), ``okx``, ``gate``, ``bitget``, ``hyperliquid``, ``mexc``. Base URLs come from
the ``LIQCALC_*_URL`` variables (:func:`urls_from` reads a mapping the front end passes), so an
operator can put a proxy in front and the tests an emulator.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.enums import ContractType

__all__ = ["CORE_VENUE", "DEFAULT_URLS", "NAMES", "SOURCES", "URL_VARIABLES", "source_of", "urls_from"]

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


NAMES = {
    "binance": "Binance", "binance-coinm": "Binance COIN-M", "bybit": "Bybit", "okx": "OKX", "gate": "Gate",
    "bitget": "Bitget", "hyperliquid": "Hyperliquid", "mexc": "MEXC",
}  # fmt: skip
