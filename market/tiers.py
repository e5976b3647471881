"""Sans-IO tier parsers: one documented response of each venue → ``{market: TierTable}``.

Each function takes the decoded JSON (and, where the venue needs them, contract values) and returns
the validated tables; a symbol whose rows fail validation is left out and named in the returned
``rejected`` list, so that one bad table never costs the others (the caller keeps its previous one).
Shapes: ``../shared/MARKET.md``, from the venues' API documentation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from core.enums import ContractType, MarginMode
from core.tiers import BoundUnit, TierTable
from market._build import Row, build_table
from market.validate import TableRejected, number

__all__ = [
    "Parsed",
    "binance_signed",
    "binance_web",
    "bitget",
    "bybit",
    "gate",
    "hyperliquid",
    "mexc",
    "okx",
]


class Parsed(NamedTuple):
    """The tables read from one response, and the markets refused with why."""

    tables: dict[str, TierTable]
    rejected: list[tuple[str, str]]


def _collect(groups: Mapping[str, Iterable[Any]], make: Callable[[str, Iterable[Any]], TierTable]) -> Parsed:
    tables: dict[str, TierTable] = {}
    rejected: list[tuple[str, str]] = []
    for market, rows in groups.items():
        try:
            tables[market] = make(market, rows)
        except TableRejected as exc:
            rejected.append((market, str(exc)))
        except (KeyError, TypeError, ValueError, IndexError, ArithmeticError) as exc:  # a field missing, another shape
            rejected.append((market, f"{market}: malformed bracket ({type(exc).__name__}: {exc})"))
    return Parsed(tables, rejected)


def _check_ok(ok: bool, venue: str, payload: object) -> None:
    if not ok:
        raise TableRejected(f"{venue}: the response is an error or has another shape: {str(payload)[:200]}")


# floor, cap, rate, maximum leverage, maintenance amount: the two Binance responses name them differently
_SIGNED_KEYS = ("notionalFloor", "notionalCap", "maintMarginRatio", "initialLeverage", "cum")
_WEB_KEYS = (
    "bracketNotionalFloor", "bracketNotionalCap", "bracketMaintenanceMarginRate", "maxOpenPosLeverage",
    "cumFastMaintenanceAmount",
)  # fmt: skip


_COINM_SIGNED_KEYS = ("qtyFloor", "qtyCap", "maintMarginRatio", "initialLeverage", "cum")
_COINM_WEB_KEYS = (
    "bracketQtyFloor", "bracketQtyCap", "bracketMaintenanceMarginRate", "maxOpenPosLeverage", "cumFastMaintenanceAmount",
)  # fmt: skip


def _binance(
    groups: Mapping[str, Iterable[Any]],
    keys: tuple[str, ...],
    source: str,
    as_of: str,
    contract_sizes: Mapping[str, float] | None = None,
) -> Parsed:
    """COIN-M when ``contract_sizes`` is given: brackets in coin, USD per contract from exchangeInfo."""

    def make(market: str, brackets: Iterable[Any]) -> TierTable:
        rows = [Row(*(number(bracket[key], key) for key in keys)) for bracket in brackets]
        if contract_sizes is None:
            return build_table(rows, venue="binance", market=market, as_of=as_of, source=source)
        size = contract_sizes.get(market) or contract_sizes.get(f"{market}_PERP")
        if size is None:
            raise TableRejected(f"binance {market}: no contract size (exchangeInfo contractSize)")
        return build_table(
            rows, venue="binance", market=market, as_of=as_of, source=source, contract=ContractType.INVERSE,
            contract_size=size, bound_unit=BoundUnit.COIN_NOTIONAL,
        )  # fmt: skip

    return _collect(groups, make)


def binance_signed(payload: Any, *, as_of: str, contract_sizes: Mapping[str, float] | None = None) -> Parsed:
    """``GET /fapi/v1/leverageBracket`` (signed): ``[{"symbol", "brackets": [{notionalFloor, …, cum}]}]``.

    With ``contract_sizes`` (COIN-M): ``GET /dapi/v2/leverageBracket``, brackets ``qtyFloor``/``qtyCap`` in coin.
    """
    _check_ok(isinstance(payload, list), "binance", payload)
    groups = {item["symbol"]: item["brackets"] for item in payload}
    if contract_sizes is not None:
        return _binance(groups, _COINM_SIGNED_KEYS, "Binance GET /dapi/v2/leverageBracket", as_of, contract_sizes)
    return _binance(groups, _SIGNED_KEYS, "Binance GET /fapi/v1/leverageBracket", as_of)


def binance_web(payload: Any, *, as_of: str, contract_sizes: Mapping[str, float] | None = None) -> Parsed:
    """The website calculator's brackets (keyless): ``{"code":"000000","data":{"brackets":[{symbol, riskBrackets}]}}``.

    With ``contract_sizes`` (COIN-M, ``…/friendly/delivery/common/brackets``): ``bracketQtyFloor``/``bracketQtyCap`` in coin.
    """
    _check_ok(isinstance(payload, dict) and payload.get("code") == "000000", "binance web", payload)
    groups = {b["symbol"]: b["riskBrackets"] for b in payload["data"]["brackets"]}
    if contract_sizes is not None:
        source = "Binance website calculator brackets (bapi friendly/delivery/common/brackets, keyless)"
        return _binance(groups, _COINM_WEB_KEYS, source, as_of, contract_sizes)
    source = "Binance website calculator brackets (bapi friendly/future/common/brackets, keyless)"
    return _binance(groups, _WEB_KEYS, source, as_of)


def _by_cap(
    limits: Iterable[Any], cap_key: str, rate_key: str, leverage_key: str, amount: Callable[[Any], float | None]
) -> list[Row]:
    """Rows of a venue that states only each bracket's cap: sorted by cap, each floor the previous cap."""
    rows, floor = [], 0.0
    for limit in sorted(limits, key=lambda r: number(r[cap_key], cap_key)):
        cap = number(limit[cap_key], cap_key)
        rows.append(Row(floor, cap, number(limit[rate_key], rate_key), number(limit[leverage_key], leverage_key),
                        amount(limit)))  # fmt: skip
        floor = cap
    return rows


def _deduction(limit: Any) -> float | None:
    value = limit.get("mmDeduction")
    return None if value in ("", None) else number(value, "mmDeduction")


def bybit(pages: Iterable[Any], *, as_of: str, contract: ContractType = ContractType.LINEAR) -> Parsed:
    """``GET /v5/market/risk-limit`` pages: rows of many symbols; caps are ``riskLimitValue``, floors the previous cap.

    ``category=inverse``: ``riskLimitValue`` in coin, contracts of 1 USD.
    """
    grouped: dict[str, list[Any]] = defaultdict(list)
    for page in pages:
        _check_ok(isinstance(page, dict) and page.get("retCode") == 0, "bybit", page)
        for row in page["result"]["list"]:
            grouped[row["symbol"]].append(row)

    def make(market: str, limits: Iterable[Any]) -> TierTable:
        rows = _by_cap(limits, "riskLimitValue", "maintenanceMargin", "maxLeverage", _deduction)
        source = f"Bybit GET /v5/market/risk-limit ({'inverse' if contract is ContractType.INVERSE else 'linear'})"
        if contract is ContractType.INVERSE:
            return build_table(
                rows, venue="bybit", market=market, as_of=as_of, source=source, contract=contract,
                bound_unit=BoundUnit.COIN_NOTIONAL,
            )  # fmt: skip
        return build_table(rows, venue="bybit", market=market, as_of=as_of, source=source)

    return _collect(grouped, make)


def okx(payload: Any, *, contract_values: Mapping[str, float], as_of: str) -> Parsed:
    """``GET /api/v5/public/position-tiers`` (one instFamily): sizes in contracts × ``ctVal``; not marginal.

    The tier's MMR applies to the whole position with no deduction: ``marginal=False``, amounts 0.
    ``contract_values`` maps an instFamily to its contract value in base units (``instruments.ctVal``).
    """
    _check_ok(isinstance(payload, dict) and payload.get("code") == "0", "okx", payload)
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in payload["data"]:
        grouped[row["instFamily"]].append(row)

    def make(family: str, tiers: Iterable[Any]) -> TierTable:
        if family not in contract_values:
            raise TableRejected(f"okx {family}: no contract value (instruments ctVal) to turn contracts into size")
        value = contract_values[family]
        rows = [
            Row(number(t["minSz"], "minSz") * value, number(t["maxSz"], "maxSz") * value, number(t["mmr"], "mmr"),
                number(t["maxLever"], "maxLever"), 0.0)
            for t in tiers
        ]  # fmt: skip
        table = build_table(
            rows, venue="okx", market=family, as_of=as_of, source="OKX GET /api/v5/public/position-tiers",
            bound_unit=BoundUnit.BASE_QUANTITY, marginal=False,
        )  # fmt: skip
        return table.model_copy(update={"margin_mode": MarginMode.ISOLATED})  # fetched with tdMode=isolated

    return _collect(grouped, make)


def gate(pages: Iterable[Any], *, as_of: str) -> Parsed:
    """``GET /api/v4/futures/usdt/risk_limit_tiers`` pages: caps ``risk_limit`` (quote), amounts ``deduction``."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for page in pages:
        _check_ok(isinstance(page, list), "gate", page)
        for row in page:
            grouped[row["contract"]].append(row)

    def make(market: str, tiers: Iterable[Any]) -> TierTable:
        rows = _by_cap(
            tiers, "risk_limit", "maintenance_rate", "leverage_max", lambda t: number(t["deduction"], "deduction")
        )
        source = "Gate GET /api/v4/futures/usdt/risk_limit_tiers"
        return build_table(rows, venue="gate", market=market, as_of=as_of, source=source)

    return _collect(grouped, make)


def hyperliquid(payload: Any, *, as_of: str) -> Parsed:
    """``POST /info {"type":"metaAndAssetCtxs"}``: ``marginTables`` by id; MMR = 1/(2 × max leverage).

    A ``marginTableId`` below 50 is one tier at that leverage; the last tier has no cap.
    """
    _check_ok(isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], dict), "hyperliquid", payload)
    meta = payload[0]
    margin_tables = {int(entry[0]): entry[1]["marginTiers"] for entry in meta.get("marginTables", [])}

    def make(name: str, asset: Iterable[Any]) -> TierTable:
        (coin,) = asset
        table_id = int(coin.get("marginTableId", coin["maxLeverage"]))
        if table_id < 50:
            bounds = [(0.0, number(table_id, "marginTableId"))]
        elif table_id in margin_tables:
            bounds = [(number(t["lowerBound"], "lowerBound"), number(t["maxLeverage"], "maxLeverage"))
                      for t in margin_tables[table_id]]  # fmt: skip
        else:
            raise TableRejected(f"hyperliquid {name}: margin table {table_id} is not in marginTables")
        rows = []
        for i, (lower, leverage) in enumerate(bounds):
            cap = bounds[i + 1][0] if i + 1 < len(bounds) else lower + 1.0
            rows.append(Row(lower, cap, 1.0 / (2.0 * leverage), leverage, None))
        return build_table(
            rows, venue="hyperliquid", market=name, as_of=as_of, last_cap_open=True,
            source="Hyperliquid POST /info metaAndAssetCtxs marginTables",
        )  # fmt: skip

    return _collect({coin["name"]: [coin] for coin in meta["universe"] if not coin.get("isDelisted")}, make)


def bitget(payloads: Mapping[str, Any], *, as_of: str) -> Parsed:
    """``GET /api/v2/mix/market/query-position-lever`` per symbol: slices ``startUnit``–``endUnit``, continuity amounts."""

    def make(market: str, payload: Any) -> TierTable:
        _check_ok(isinstance(payload, dict) and payload.get("code") == "00000", "bitget", payload)
        rows = [
            Row(number(t["startUnit"], "startUnit"), number(t["endUnit"], "endUnit"),
                number(t["keepMarginRate"], "keepMarginRate"), number(t["leverage"], "leverage"), None)
            for t in payload["data"]
        ]  # fmt: skip
        source = "Bitget GET /api/v2/mix/market/query-position-lever"
        return build_table(rows, venue="bitget", market=market, as_of=as_of, source=source)

    return _collect(payloads, make)


def mexc(payload: Any, *, as_of: str) -> Parsed:
    """``GET /api/v1/contract/detail``: no tier list; risk levels built from the detail's risk fields.

    Level ``k`` (0-based, ``k < riskLevelLimit``) holds up to ``riskBaseVol + k·riskIncrVol`` contracts at
    ``maintenanceMarginRate + k·riskIncrMmr`` and ``1/(initialMarginRate + k·riskIncrImr)`` leverage; the
    level's rate applies to the whole position (MEXC's published example: MM = value × MMR), so the
    table is not marginal. Sizes in contracts × ``contractSize`` (base units).
    """
    _check_ok(isinstance(payload, dict) and payload.get("success") is True, "mexc", payload)

    def make(market: str, details: Iterable[Any]) -> TierTable:
        (detail,) = details
        size = number(detail["contractSize"], "contractSize")
        base, step = number(detail["riskBaseVol"], "riskBaseVol"), number(detail["riskIncrVol"], "riskIncrVol")
        mmr, imr = (
            number(detail["maintenanceMarginRate"], "maintenanceMarginRate"),
            number(detail["initialMarginRate"], "initialMarginRate"),
        )
        mmr_step, imr_step = number(detail["riskIncrMmr"], "riskIncrMmr"), number(detail["riskIncrImr"], "riskIncrImr")
        levels = int(number(detail.get("riskLevelLimit", 1), "riskLevelLimit"))
        if not 1 <= levels <= 100 or imr <= 0:
            raise TableRejected(f"mexc {market}: riskLevelLimit {levels} or initialMarginRate {imr} out of range")
        rows, floor = [], 0.0
        for k in range(levels):
            cap = (base + k * step) * size
            rows.append(Row(floor, cap, mmr + k * mmr_step, 1.0 / (imr + k * imr_step), 0.0))
            floor = cap
        return build_table(
            rows, venue="mexc", market=market, as_of=as_of, source="MEXC GET /api/v1/contract/detail (risk fields)",
            bound_unit=BoundUnit.BASE_QUANTITY, marginal=False,
        )  # fmt: skip

    live = {d["symbol"]: [d] for d in payload["data"] if d.get("state", 0) == 0 and d.get("quoteCoin") == "USDT"}
    return _collect(live, make)
