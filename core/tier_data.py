"""The bundled tier tables: dated snapshots of each venue's published brackets.

The only module of ``core`` that reads files: the JSON snapshots in ``core/tier_tables/``, through
``importlib.resources``, once, on first use. Each file names its source and the date it was valid;
answers that use a table show that date.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from core.enums import ContractType
from core.errors import TierNotFoundError
from core.tiers import TierTable

__all__ = ["bundled_tier_tables", "tier_table"]


@cache
def bundled_tier_tables() -> tuple[TierTable, ...]:
    """Every bundled table, sorted by venue, contract and symbol."""
    folder = resources.files("core").joinpath("tier_tables")
    tables = [
        TierTable.model_validate(json.loads(entry.read_text(encoding="utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return tuple(sorted(tables, key=lambda t: (t.venue, t.contract.value, t.symbol)))


@cache
def _index() -> dict[tuple[str, str, ContractType], TierTable]:
    return {(t.venue, t.symbol, t.contract): t for t in bundled_tier_tables()}


def tier_table(venue: str, symbol: str, contract: ContractType = ContractType.LINEAR) -> TierTable:
    """The bundled table of ``venue`` for ``symbol`` (base asset, e.g. ``"BTC"``).

    Raises:
        TierNotFoundError: no table for that venue, symbol and contract type; the message lists the
            symbols that have one and says how to go on without a table.
    """
    key = (venue.lower(), symbol.upper(), contract)
    found = _index().get(key)
    if found is not None:
        return found
    known = sorted(s for (v, s, c) in _index() if v == key[0] and c is contract)
    kind = "coin-margined" if contract is ContractType.INVERSE else "USDT-margined"
    listing = ", ".join(known) if known else "none"
    raise TierNotFoundError(
        f"no {venue} {kind} tier table for {symbol!r} (bundled: {listing}); "
        "pick one of those or give the rate yourself, like mmr 0.5%",
        field="symbol",
    )
