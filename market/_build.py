"""One place that turns parsed bracket rows into a validated core TierTable (shared by the venue parsers)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from pydantic import ValidationError

from core.enums import ContractType
from core.tiers import BoundUnit, Tier, TierTable
from market.validate import TableRejected, continuity_amounts, validate_table

__all__ = ["Row", "base_of", "build_table"]

_QUOTES = ("USDT", "USDC", "USD")


class Row(NamedTuple):
    """One bracket as a venue states it: floor and cap in the table's unit, rate, maximum leverage, amount."""

    floor: float
    cap: float
    mmr: float
    max_leverage: float
    amount: float | None  # None: the venue gives none (continuity rule)


def base_of(market: str) -> str:
    """``BTCUSDT``, ``BTC_USDT``, ``BTC-USDT``, ``BTCUSD_PERP`` → ``BTC``; ``1000PEPEUSDT`` → ``1000PEPE``.

    >>> base_of("BTCUSDT"), base_of("BTC_USDT"), base_of("BTC-USDT"), base_of("1000PEPEUSDT"), base_of("kPEPE")
    ('BTC', 'BTC', 'BTC', '1000PEPE', 'kPEPE')
    """
    text = market.removesuffix("_PERP").removesuffix("-SWAP")
    for sep in ("_", "-"):
        if sep in text:
            return text.split(sep)[0]
    for quote in _QUOTES:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)]
    return text


def build_table(
    rows: Sequence[Row],
    *,
    venue: str,
    market: str,
    source: str,
    as_of: str,
    contract: ContractType = ContractType.LINEAR,
    contract_size: float = 1.0,
    bound_unit: BoundUnit = BoundUnit.QUOTE_NOTIONAL,
    marginal: bool = True,
    last_cap_open: bool = False,
) -> TierTable:
    """Rows sorted by floor → a validated table; amounts from the continuity rule where none were given.

    ``last_cap_open``: the venue's last bracket has no cap (Hyperliquid); otherwise the last cap bounds
    the table and larger sizes are refused by core, never extrapolated.

    Raises:
        TableRejected: the rows do not make a valid table (the message says why).
    """
    if not rows:
        raise TableRejected(f"{venue} {market}: no brackets")
    ordered = sorted(rows, key=lambda r: r.floor)
    rates = [r.mmr for r in ordered]
    derived = continuity_amounts([r.floor for r in ordered], rates) if marginal else [0.0] * len(ordered)
    tiers = []
    for i, row in enumerate(ordered):
        cap = math.inf if (last_cap_open and i == len(ordered) - 1) else row.cap
        amount = derived[i] if row.amount is None else row.amount
        try:
            tiers.append(
                Tier(floor=row.floor, cap=cap, mmr=row.mmr, max_leverage=row.max_leverage, maintenance_amount=amount)
            )
        except ValidationError as exc:
            raise TableRejected(f"{venue} {market} bracket {i + 1}: {exc.errors()[0]['msg']}") from None
    try:
        table = TierTable(
            venue=venue, symbol=base_of(market), market=market, contract=contract, contract_size=contract_size,
            bound_unit=bound_unit, marginal=marginal, source=source, as_of=as_of, tiers=tuple(tiers),
        )  # fmt: skip
    except ValidationError as exc:
        raise TableRejected(f"{venue} {market}: {exc.errors()[0]['msg']}") from None
    return validate_table(table)
