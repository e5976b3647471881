"""The checks every fetched tier table passes before it may replace a stored one.

Floors ascend from 0 and each floor is the previous cap; rates lie in (0, 1); maximum leverages are
positive; maintenance amounts agree with the continuity rule (``amount_n = amount_(n−1) +
floor_n·(mmr_n − mmr_(n−1))``) for a marginal table. A table that fails raises :class:`TableRejected`
with the reason; the caller keeps the previous table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.tiers import TierTable

__all__ = ["AMOUNT_TOLERANCE", "TableRejected", "continuity_amounts", "number", "validate_table"]

AMOUNT_TOLERANCE = 1e-6  # relative, against the bracket's maintenance margin at its floor (rounding in the feeds)


class TableRejected(ValueError):
    """A response that must not become a stored table; the message says which check failed where."""


def number(value: object, what: str) -> float:
    """A finite number from a JSON number or numeric string (venues send both); "" and None are refused.

    >>> number("0.004", "mmr"), number(125, "leverage")
    (0.004, 125.0)
    """
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise TableRejected(f"{what} is missing")
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TableRejected(f"{what} {value!r} is not a number") from None
    if not math.isfinite(result):
        raise TableRejected(f"{what} {value!r} is not finite")
    return result


def continuity_amounts(floors: Sequence[float], rates: Sequence[float]) -> list[float]:
    """Maintenance amounts that keep maintenance margin continuous across brackets (Binance ``cum``).

    >>> continuity_amounts([0, 300_000, 800_000], [0.004, 0.005, 0.0065])
    [0.0, 300.0, 1500.0]
    """
    amounts = [0.0]
    for i in range(1, len(floors)):
        amounts.append(amounts[-1] + floors[i] * (rates[i] - rates[i - 1]))
    return [round(a, 10) for a in amounts]


def validate_table(table: TierTable) -> TierTable:
    """``table`` when every check passes.

    Raises:
        TableRejected: naming the bracket and the check.
    """
    tiers = table.tiers
    where = f"{table.venue} {table.market}"
    if tiers[0].floor != 0:
        raise TableRejected(f"{where}: the first bracket starts at {tiers[0].floor}, not 0")
    for i, tier in enumerate(tiers, start=1):
        if not 0 < tier.mmr < 1:
            raise TableRejected(f"{where} bracket {i}: maintenance rate {tier.mmr} is not in (0, 1)")
        if not tier.max_leverage > 0:
            raise TableRejected(f"{where} bracket {i}: maximum leverage {tier.max_leverage} is not positive")
        if i > 1 and tier.mmr < tiers[i - 2].mmr:
            raise TableRejected(f"{where} bracket {i}: the rate falls from {tiers[i - 2].mmr} to {tier.mmr}")
    if table.marginal:
        expected = continuity_amounts([t.floor for t in tiers], [t.mmr for t in tiers])
        for i, (tier, amount) in enumerate(zip(tiers, expected, strict=True), start=1):
            scale = max(1.0, tier.floor * tier.mmr)
            if abs(tier.maintenance_amount - amount) > AMOUNT_TOLERANCE * scale + 1e-9:
                raise TableRejected(
                    f"{where} bracket {i}: maintenance amount {tier.maintenance_amount} breaks the continuity "
                    f"rule (expected {amount})"
                )
    return table
