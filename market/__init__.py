"""Market data for liqcalc (issue 12, in progress): the venues' public responses turned into core's types.

Sans-IO: every parser takes the decoded JSON of one documented response and returns core
:class:`~core.tiers.TierTable` objects (or raises :class:`market.validate.TableRejected`); nothing here
opens a socket, reads the environment or logs. ``core`` never imports this package; front ends fetch,
parse here, and hand the tables to core.

Done so far: tier-table parsers for Binance (signed and website), Bybit, OKX, Gate, Hyperliquid and
Bitget (:mod:`market.tiers`), all-symbols price parsers for the same venues (:mod:`market.prices`), and
the validation every table passes before it may be stored (:mod:`market.validate`). Not yet: contract
specs, COIN-M and MEXC, transport (httpx, pacing, 429/418), the cache, the emulator and the front ends
(issue 12 stays open).
"""

from market.validate import TableRejected, continuity_amounts, validate_table

__all__ = ["TableRejected", "continuity_amounts", "validate_table"]
