"""Sans-IO contract-spec parsers: each venue's instrument list → ``{market: Spec}`` of live perpetuals.

A spec carries what core needs beside the brackets: linear or inverse, the contract size (linear:
base units per contract, where the venue counts in contracts; inverse: USD per contract), the price
tick, the maximum leverage and the funding interval. Instruments that are not trading perpetuals
(delivery futures, delisted, pre-launch) are left out. Shapes: ``../shared/MARKET.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from core.enums import ContractType
from market._build import base_of
from market.validate import TableRejected, number

__all__ = ["Spec", "binance", "bitget", "bybit", "gate", "hyperliquid", "mexc", "okx"]


class Spec(NamedTuple):
    """One instrument's contract specification."""

    market: str
    base: str
    contract: ContractType
    contract_size: float  # linear: base units per contract; inverse: USD per contract
    tick_size: float | None  # None: the venue has no fixed tick (Hyperliquid: 5 significant figures)
    max_leverage: float | None
    funding_interval_hours: float | None
    family: str | None = None  # OKX instFamily (tiers are per family)


def _optional(value: object, what: str) -> float | None:
    if value in (None, ""):
        return None
    positive = number(value, what)
    return positive if positive > 0 else None


def _expect(ok: bool, venue: str, payload: object) -> None:
    if not ok:
        raise TableRejected(f"{venue} instruments: an error or another shape: {str(payload)[:200]}")


def _filter(filters: Iterable[Any], kind: str, key: str) -> float | None:
    for item in filters:
        if item.get("filterType") == kind:
            return _optional(item.get(key), key)
    return None


def binance(payload: Any, *, contract: ContractType = ContractType.LINEAR) -> dict[str, Spec]:
    """``GET /fapi/v1/exchangeInfo`` (USDⓈ-M) or ``/dapi/v1/exchangeInfo`` (COIN-M, ``contractSize`` in USD).

    >>> info = {"symbols": [{"symbol": "BTCUSDT", "contractType": "PERPETUAL", "status": "TRADING",
    ...     "baseAsset": "BTC", "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.10"}]}]}
    >>> binance(info)["BTCUSDT"].tick_size
    0.1
    """
    _expect(isinstance(payload, dict) and isinstance(payload.get("symbols"), list), "binance", payload)
    inverse = contract is ContractType.INVERSE
    specs = {}
    for item in payload["symbols"]:
        status = item.get("contractStatus" if inverse else "status")
        if item.get("contractType") != "PERPETUAL" or status != "TRADING":
            continue
        if not inverse and item.get("quoteAsset", "USDT") != "USDT":
            continue  # USDC-margined pairs share the base name: USDT-M only
        size = number(item.get("contractSize", 1), "contractSize") if inverse else 1.0
        specs[item["symbol"]] = Spec(
            item["symbol"], str(item.get("baseAsset") or base_of(item["symbol"])), contract, size,
            _filter(item.get("filters", []), "PRICE_FILTER", "tickSize"), None, 8.0,
        )  # fmt: skip
    return specs


def bybit(pages: Iterable[Any]) -> dict[str, Spec]:
    """``GET /v5/market/instruments-info?category=linear|inverse`` pages (inverse contracts are 1 USD)."""
    specs = {}
    for page in pages:
        _expect(isinstance(page, dict) and page.get("retCode") == 0, "bybit", page)
        for item in page["result"]["list"]:
            kind = item.get("contractType")
            if kind not in ("LinearPerpetual", "InversePerpetual") or item.get("status") != "Trading":
                continue
            if kind == "LinearPerpetual" and item.get("settleCoin", "USDT") != "USDT":
                continue  # USDC perpetuals (BTCPERP) share the base name: USDT only
            inverse = kind == "InversePerpetual"
            minutes = _optional(item.get("fundingInterval"), "fundingInterval")
            specs[item["symbol"]] = Spec(
                item["symbol"], item["baseCoin"], ContractType.INVERSE if inverse else ContractType.LINEAR, 1.0,
                _optional(item["priceFilter"]["tickSize"], "tickSize"),
                _optional(item["leverageFilter"]["maxLeverage"], "maxLeverage"),
                None if minutes is None else minutes / 60,
            )  # fmt: skip
    return specs


def okx(payload: Any) -> dict[str, Spec]:
    """``GET /api/v5/public/instruments?instType=SWAP``: ``ctVal`` (base per contract, linear; USD, inverse)."""
    _expect(isinstance(payload, dict) and payload.get("code") == "0", "okx", payload)
    specs = {}
    for item in payload["data"]:
        inverse = item.get("ctType") == "inverse"
        if item.get("state") != "live" or (not inverse and item.get("settleCcy", "USDT") != "USDT"):
            continue
        value = number(item["ctVal"], "ctVal") * number(item.get("ctMult") or 1, "ctMult")
        specs[item["instId"]] = Spec(
            item["instId"], item["instFamily"].split("-")[0], ContractType.INVERSE if inverse else ContractType.LINEAR,
            value, _optional(item.get("tickSz"), "tickSz"), _optional(item.get("lever"), "lever"), 8.0,
            item["instFamily"],
        )  # fmt: skip
    return specs


def gate(payload: Any) -> dict[str, Spec]:
    """``GET /api/v4/futures/usdt/contracts``: ``quanto_multiplier`` base per contract, ``funding_interval`` s."""
    _expect(isinstance(payload, list), "gate", payload)
    specs = {}
    for item in payload:
        if item.get("in_delisting") or item.get("status", "trading") != "trading":
            continue
        seconds = _optional(item.get("funding_interval"), "funding_interval")
        specs[item["name"]] = Spec(
            item["name"], base_of(item["name"]), ContractType.LINEAR, number(item["quanto_multiplier"], "quanto_multiplier"),
            _optional(item.get("order_price_round"), "order_price_round"), _optional(item.get("leverage_max"), "leverage_max"),
            None if seconds is None else seconds / 3600,
        )  # fmt: skip
    return specs


def bitget(payload: Any) -> dict[str, Spec]:
    """``GET /api/v2/mix/market/contracts?productType=USDT-FUTURES``: tick = priceEndStep × 10^−pricePlace."""
    _expect(isinstance(payload, dict) and payload.get("code") == "00000", "bitget", payload)
    specs = {}
    for item in payload["data"]:
        if item.get("symbolStatus", "normal") != "normal":
            continue
        places = int(number(item.get("pricePlace", 0), "pricePlace"))
        step = number(item.get("priceEndStep") or 1, "priceEndStep")
        specs[item["symbol"]] = Spec(
            item["symbol"], item.get("baseCoin") or base_of(item["symbol"]), ContractType.LINEAR, 1.0,
            round(step * 10.0**-places, places + 2), _optional(item.get("maxLever"), "maxLever"),
            _optional(item.get("fundInterval"), "fundInterval"),
        )  # fmt: skip
    return specs


def hyperliquid(payload: Any) -> dict[str, Spec]:
    """``POST /info metaAndAssetCtxs``: ``universe`` names and maximum leverage; hourly funding, no fixed tick."""
    _expect(isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], dict), "hyperliquid", payload)
    specs = {}
    for coin in payload[0]["universe"]:
        if coin.get("isDelisted"):
            continue
        specs[coin["name"]] = Spec(
            coin["name"], coin["name"], ContractType.LINEAR, 1.0, None, _optional(coin.get("maxLeverage"), "maxLeverage"),
            1.0,
        )  # fmt: skip
    return specs


def mexc(payload: Any) -> dict[str, Spec]:
    """``GET /api/v1/contract/detail``: ``contractSize`` base per contract, ``priceUnit`` tick; state 0 trades."""
    _expect(isinstance(payload, dict) and payload.get("success") is True, "mexc", payload)
    specs = {}
    for item in payload["data"]:
        if item.get("state", 0) != 0 or item.get("quoteCoin") != "USDT":
            continue
        specs[item["symbol"]] = Spec(
            item["symbol"], item.get("baseCoin") or base_of(item["symbol"]), ContractType.LINEAR,
            number(item["contractSize"], "contractSize"), _optional(item.get("priceUnit"), "priceUnit"),
            _optional(item.get("maxLeverage"), "maxLeverage"), 8.0,
        )  # fmt: skip
    return specs
