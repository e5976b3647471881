"""Sans-IO price parsers: each venue's all-symbols ticker response → ``{market: Quote}``.

A quote carries the mark, index and last price, the funding rate per interval and the interval in
hours, each as the venue sends it; ``None`` where the response has no such field. Rows with a missing
or non-positive mark are left out (a price that cannot be used is never passed on).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from market.validate import TableRejected, number

__all__ = ["Quote", "binance", "bitget", "bybit", "gate", "hyperliquid", "mexc", "okx"]


class Quote(NamedTuple):
    """One instrument's prices (quote currency) and funding (a fraction per interval)."""

    mark_price: float
    index_price: float | None
    last_price: float | None
    funding_rate: float | None
    funding_interval_hours: float | None


def _optional(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    try:
        return number(value, key)
    except TableRejected:
        return None


def _quotes(
    rows: Iterable[dict[str, Any]], key: str, fields: tuple[str, str, str, str], hours: float | None
) -> dict[str, Quote]:
    mark_key, index_key, last_key, funding_key = fields
    quotes = {}
    for row in rows:
        mark = _optional(row, mark_key)
        if mark is None or mark <= 0 or key not in row:
            continue
        quotes[str(row[key])] = Quote(
            mark, _optional(row, index_key), _optional(row, last_key), _optional(row, funding_key), hours
        )
    return quotes


def binance(payload: Any) -> dict[str, Quote]:
    """``GET /fapi/v1/premiumIndex`` (no symbol): ``[{symbol, markPrice, indexPrice, lastFundingRate, …}]``; 8 h funding."""
    if not isinstance(payload, list):
        raise TableRejected(f"binance premiumIndex: not a list: {str(payload)[:200]}")
    return _quotes(payload, "symbol", ("markPrice", "indexPrice", "lastPrice", "lastFundingRate"), 8.0)


def bybit(payload: Any) -> dict[str, Quote]:
    """``GET /v5/market/tickers?category=linear``: ``result.list`` of markPrice, indexPrice, lastPrice, fundingRate."""
    if not (isinstance(payload, dict) and payload.get("retCode") == 0):
        raise TableRejected(f"bybit tickers: an error or another shape: {str(payload)[:200]}")
    return _quotes(payload["result"]["list"], "symbol", ("markPrice", "indexPrice", "lastPrice", "fundingRate"), None)


def okx(payload: Any) -> dict[str, Quote]:
    """``GET /api/v5/public/mark-price?instType=SWAP``: ``data`` of instId, markPx (no index or funding here)."""
    if not (isinstance(payload, dict) and payload.get("code") == "0"):
        raise TableRejected(f"okx mark-price: an error or another shape: {str(payload)[:200]}")
    return _quotes(payload["data"], "instId", ("markPx", "idxPx", "last", "fundingRate"), None)


def gate(payload: Any) -> dict[str, Quote]:
    """``GET /api/v4/futures/usdt/tickers``: ``[{contract, mark_price, index_price, last, funding_rate}]``."""
    if not isinstance(payload, list):
        raise TableRejected(f"gate tickers: not a list: {str(payload)[:200]}")
    return _quotes(payload, "contract", ("mark_price", "index_price", "last", "funding_rate"), None)


def bitget(payload: Any) -> dict[str, Quote]:
    """``GET /api/v2/mix/market/tickers?productType=USDT-FUTURES``: ``data`` of markPrice, indexPrice, lastPr, fundingRate."""
    if not (isinstance(payload, dict) and payload.get("code") == "00000"):
        raise TableRejected(f"bitget tickers: an error or another shape: {str(payload)[:200]}")
    return _quotes(payload["data"], "symbol", ("markPrice", "indexPrice", "lastPr", "fundingRate"), None)


def hyperliquid(payload: Any) -> dict[str, Quote]:
    """``POST /info metaAndAssetCtxs``: ``[meta, assetCtxs]``, contexts in the order of ``meta.universe``; hourly funding."""
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], dict)):
        raise TableRejected(f"hyperliquid metaAndAssetCtxs: another shape: {str(payload)[:200]}")
    meta, contexts = payload
    rows = [{"name": coin["name"], **ctx} for coin, ctx in zip(meta["universe"], contexts, strict=False)]
    return _quotes(rows, "name", ("markPx", "oraclePx", "midPx", "funding"), 1.0)


def mexc(payload: Any) -> dict[str, Quote]:
    """``GET /api/v1/contract/ticker``: ``data`` of symbol, fairPrice (the mark), indexPrice, lastPrice, fundingRate."""
    if not (isinstance(payload, dict) and payload.get("success") is True):
        raise TableRejected(f"mexc ticker: an error or another shape: {str(payload)[:200]}")
    return _quotes(payload["data"], "symbol", ("fairPrice", "indexPrice", "lastPrice", "fundingRate"), 8.0)
