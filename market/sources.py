"""Which documented requests fill each source's data, and in what order (I/O through :class:`market.transport.Http`).

:func:`fetch_tables` returns the validated tables with the contract specs applied (tick, contract
size, linear or inverse) and the markets refused with why; :func:`fetch_quotes` one bulk price
request. Sources and URLs: :mod:`market.catalog`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.enums import ContractType
from core.tiers import TierTable
from market import prices, specs, tiers
from market.prices import Quote
from market.specs import Spec
from market.transport import Http
from market.validate import TableRejected

__all__ = ["Credentials", "Fetched", "fetch_quotes", "fetch_tables"]

_GATE_PAGE = 100
_BYBIT_PAGE_LIMIT = 200  # pages per category at most: a cursor that never ends is a fault, not data


@dataclass
class Fetched:
    """One source's tables (specs applied) and the markets refused, with why."""

    tables: list[TierTable] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Credentials:
    """A read-only Binance API key for the signed bracket endpoints (optional)."""

    key: str
    secret: str

    def sign(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` with ``timestamp`` and the HMAC-SHA256 ``signature`` Binance checks."""
        signed = {**params, "timestamp": int(time.time() * 1000)}
        query = urllib.parse.urlencode(signed)
        signed["signature"] = hmac.new(self.secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        return signed


def _with_specs(parsed: tiers.Parsed, found: Mapping[str, Spec], *, by_family: bool = False) -> Fetched:
    """Tables of listed markets only, with each instrument's tick, contract size and base name."""
    out = Fetched(rejected=list(parsed.rejected))
    if by_family:  # OKX tiers name the instFamily
        index = {spec.family or "": spec for spec in found.values()}
    else:  # COIN-M brackets name the pair (BTCUSD), exchangeInfo the perpetual (BTCUSD_PERP)
        index = {**{m.removesuffix("_PERP"): s for m, s in found.items()}, **found}
    for market, table in parsed.tables.items():
        spec = index.get(market)
        if spec is None:
            continue  # delisted, pre-launch or another settle currency: not a tradable perpetual here
        update: dict[str, Any] = {"tick_size": spec.tick_size, "symbol": spec.base.upper()}
        if spec.contract is ContractType.INVERSE:
            update["contract_size"] = spec.contract_size
        if spec.funding_interval_hours:
            update["funding_interval_hours"] = spec.funding_interval_hours
        out.tables.append(table.model_copy(update=update))
    return out


async def _pages_by_cursor(http: Http, url: str, params: Mapping[str, Any]) -> list[Any]:
    pages, cursor = [], ""
    for _ in range(_BYBIT_PAGE_LIMIT):
        page = await http.get("bybit", url, {**params, **({"cursor": cursor} if cursor else {})})
        pages.append(page)
        cursor = (page.get("result") or {}).get("nextPageCursor") or "" if isinstance(page, dict) else ""
        if not cursor:
            return pages
    raise TableRejected(f"bybit {url}: more than {_BYBIT_PAGE_LIMIT} pages")


async def _binance(http: Http, urls: Mapping[str, str], as_of: str, keys: Credentials | None, coinm: bool) -> Fetched:
    source = "binance-coinm" if coinm else "binance"
    base, path = (urls["binance-coinm"], "/dapi") if coinm else (urls["binance"], "/fapi")
    found = specs.binance(
        await http.get(source, f"{base}{path}/v1/exchangeInfo"),
        contract=ContractType.INVERSE if coinm else ContractType.LINEAR,
    )
    sizes = {m.removesuffix("_PERP"): s.contract_size for m, s in found.items()} if coinm else None
    if keys is not None:
        endpoint = f"{base}{path}/{'v2' if coinm else 'v1'}/leverageBracket"
        payload = await http.get(source, endpoint, keys.sign({}), headers={"X-MBX-APIKEY": keys.key})
        parsed = tiers.binance_signed(payload, as_of=as_of, contract_sizes=sizes)
    else:
        kind = "delivery" if coinm else "future"
        payload = await http.post(source, f"{urls['binance-web']}/bapi/futures/v1/friendly/{kind}/common/brackets", {})
        parsed = tiers.binance_web(payload, as_of=as_of, contract_sizes=sizes)
    return _with_specs(parsed, found)


async def _bybit(http: Http, urls: Mapping[str, str], as_of: str) -> Fetched:
    out = Fetched()
    for category, contract in (("linear", ContractType.LINEAR), ("inverse", ContractType.INVERSE)):
        info = await _pages_by_cursor(
            http, f"{urls['bybit']}/v5/market/instruments-info", {"category": category, "limit": 1000}
        )
        limits = await _pages_by_cursor(http, f"{urls['bybit']}/v5/market/risk-limit", {"category": category})
        part = _with_specs(tiers.bybit(limits, as_of=as_of, contract=contract), specs.bybit(info))
        out.tables += part.tables
        out.rejected += part.rejected
    return out


async def _okx(http: Http, urls: Mapping[str, str], as_of: str, only: Iterable[str] | None) -> Fetched:
    found = specs.okx(await http.get("okx", f"{urls['okx']}/api/v5/public/instruments", {"instType": "SWAP"}))
    linear = {s.family: s for s in found.values() if s.contract is ContractType.LINEAR and s.family}
    wanted = {f for f in linear if only is None or linear[f].base.upper() in only}
    out = Fetched()
    for family in sorted(wanted):
        params = {"instType": "SWAP", "tdMode": "isolated", "instFamily": family}
        payload = await http.get("okx", f"{urls['okx']}/api/v5/public/position-tiers", params)
        part = _with_specs(
            tiers.okx(payload, contract_values={family: linear[family].contract_size}, as_of=as_of),
            linear,
            by_family=True,
        )
        out.tables += part.tables
        out.rejected += part.rejected
    return out


async def _gate(http: Http, urls: Mapping[str, str], as_of: str) -> Fetched:
    found = specs.gate(await http.get("gate", f"{urls['gate']}/api/v4/futures/usdt/contracts"))
    pages, offset = [], 0
    while True:
        page = await http.get(
            "gate", f"{urls['gate']}/api/v4/futures/usdt/risk_limit_tiers", {"limit": _GATE_PAGE, "offset": offset}
        )
        if not isinstance(page, list) or not page:
            if not isinstance(page, list):
                pages.append(page)  # the parser says what shape came back
            break
        pages.append(page)
        if len(page) < _GATE_PAGE:
            break
        offset += _GATE_PAGE
    return _with_specs(tiers.gate(pages, as_of=as_of), found)


async def _bitget(http: Http, urls: Mapping[str, str], as_of: str, only: Iterable[str] | None) -> Fetched:
    product = {"productType": "USDT-FUTURES"}
    found = specs.bitget(await http.get("bitget", f"{urls['bitget']}/api/v2/mix/market/contracts", product))
    wanted = sorted(m for m, s in found.items() if only is None or s.base.upper() in only)
    payloads = {}
    for market in wanted:
        url = f"{urls['bitget']}/api/v2/mix/market/query-position-lever"
        payloads[market] = await http.get("bitget", url, {"symbol": market, **product})
    return _with_specs(tiers.bitget(payloads, as_of=as_of), found)


async def _hyperliquid(http: Http, urls: Mapping[str, str], as_of: str) -> Fetched:
    payload = await http.post("hyperliquid", f"{urls['hyperliquid']}/info", {"type": "metaAndAssetCtxs"})
    return _with_specs(tiers.hyperliquid(payload, as_of=as_of), specs.hyperliquid(payload))


async def _mexc(http: Http, urls: Mapping[str, str], as_of: str) -> Fetched:
    payload = await http.get("mexc", f"{urls['mexc']}/api/v1/contract/detail")
    return _with_specs(tiers.mexc(payload, as_of=as_of), specs.mexc(payload))


async def fetch_tables(
    http: Http,
    source: str,
    urls: Mapping[str, str],
    *,
    as_of: str,
    binance_keys: Credentials | None = None,
    only: Iterable[str] | None = None,
) -> Fetched:
    """Every table of ``source`` (``only``: just these base assets, where the venue is asked per symbol).

    Raises:
        market.transport.VenueUnavailable: the venue gave no usable answer.
        market.validate.TableRejected: a whole response has another shape (no table of it is usable).
    """
    wanted = None if only is None else {s.upper() for s in only}
    fetchers: dict[str, Callable[[], Awaitable[Fetched]]] = {
        "binance": lambda: _binance(http, urls, as_of, binance_keys, coinm=False),
        "binance-coinm": lambda: _binance(http, urls, as_of, binance_keys, coinm=True),
        "bybit": lambda: _bybit(http, urls, as_of),
        "okx": lambda: _okx(http, urls, as_of, wanted),
        "gate": lambda: _gate(http, urls, as_of),
        "bitget": lambda: _bitget(http, urls, as_of, wanted),
        "hyperliquid": lambda: _hyperliquid(http, urls, as_of),
        "mexc": lambda: _mexc(http, urls, as_of),
    }
    return await fetchers[source]()


_QUOTE_REQUESTS: dict[str, tuple[str, dict[str, Any] | None, Callable[[Any], dict[str, Quote]]]] = {
    "binance": ("/fapi/v1/premiumIndex", None, prices.binance),
    "binance-coinm": ("/dapi/v1/premiumIndex", None, prices.binance),
    "okx": ("/api/v5/public/mark-price", {"instType": "SWAP"}, prices.okx),
    "gate": ("/api/v4/futures/usdt/tickers", None, prices.gate),
    "bitget": ("/api/v2/mix/market/tickers", {"productType": "USDT-FUTURES"}, prices.bitget),
    "mexc": ("/api/v1/contract/ticker", None, prices.mexc),
}


async def fetch_quotes(http: Http, source: str, urls: Mapping[str, str]) -> dict[str, Quote]:
    """Every market's mark (and index, last, funding) of ``source`` in one request (Bybit: one per category).

    Raises:
        market.transport.VenueUnavailable: the venue gave no usable answer.
        market.validate.TableRejected: the response has another shape.
    """
    if source == "bybit":
        quotes: dict[str, Quote] = {}
        for category in ("linear", "inverse"):
            payload = await http.get("bybit", f"{urls['bybit']}/v5/market/tickers", {"category": category})
            quotes.update(prices.bybit(payload))
        return quotes
    if source == "hyperliquid":
        payload = await http.post("hyperliquid", f"{urls['hyperliquid']}/info", {"type": "metaAndAssetCtxs"})
        return prices.hyperliquid(payload)
    path, params, parse = _QUOTE_REQUESTS[source]
    return parse(await http.get(source, f"{urls[source]}{path}", params))
