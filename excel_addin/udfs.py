"""The ``LIQ_…`` Excel functions: liquidation maths on cells and whole columns.

One module for every xlwings runtime, in the portable decorator subset (``shared/EXCEL.md`` §2):
classic Windows UDFs (``UDF Modules = excel_addin.udfs``), xlwings Lite (paste this file into
``main.py``, with liqcalc in ``requirements.txt``) and xlwings Server (import it from
``custom_functions``). Each function is a thin wrapper: ``excel_addin._cells`` reads the cells,
the core computes (ranges in one call of its numpy twins), and a 2-D list comes back and spills.

Every argument takes one cell or a range; ranges broadcast like Excel's own functions. Empty
optional cells mean "not given" (an empty MMR uses the venue's tiers). A bad row shows ``#VALUE!``
and what to type; the other rows compute. Parameter names avoid VBA keywords (``exit``, ``stop``,
``text``) because classic xlwings writes them into a VBA wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xlwings as xw

from excel_addin import _cells, _dca, _review, skip_pyodide_import_scan

__all__ = [
    "LIQ_BANKRUPTCY",
    "LIQ_COMPARE",
    "LIQ_CROSS",
    "LIQ_CROSS_MOVE",
    "LIQ_DCA",
    "LIQ_DISTANCE",
    "LIQ_FUNDING",
    "LIQ_INITIAL_MARGIN",
    "LIQ_MAINT_MARGIN",
    "LIQ_MARK",
    "LIQ_MAX_LEVERAGE",
    "LIQ_MAX_LOSS",
    "LIQ_PNL",
    "LIQ_PRICE",
    "LIQ_REVIEW",
    "LIQ_ROE",
    "LIQ_SIZE",
    "LIQ_STOP_CHECK",
    "LIQ_TARGET_PRICE",
    "LIQ_TEXT",
    "LIQ_TIERS",
]

skip_pyodide_import_scan()  # xlwings Server on CPython only; a no-op in Lite, classic and tests

CATEGORY = "liqcalc"  # classic: the function wizard's category (ignored by Office.js)

ARG_DOCS = {
    "entry": "Entry price, like 50000 or 50k. A cell or a column.",
    "leverage": "Leverage, like 10 or 10x. Give two of leverage, margin and quantity.",
    "margin": "Margin put up, like 1000 (USDT). For a trade, give two of leverage, margin and quantity.",
    "side": "long or short (L / S, buy / sell, 1 / -1).",
    "mode": "isolated (default) or cross.",
    "venue": "Exchange rules: textbook (default), binance, bybit, bybit-classic, okx, gate, bitget, mexc, hyperliquid.",
    "symbol": "Symbol for the venue's tiers, like BTC or ETHUSDT (default BTC).",
    "mmr": "MMR override as a % cell (0.5%) or 0.005. Empty: the venue's tier table.",
    "balance": "Wallet (account) balance, like 10000; needed for cross and for the risk share of the account.",
    "quantity": "Position size in coins, like 0.2, instead of the margin or the leverage.",
    "stop_price": "Stop-loss price, like 48000.",
    "funding_rate": "Funding rate per period as a % cell (0.01%) or 0.0001; positive: longs pay.",
    "periods": "Number of funding periods, like 21 (7 days of 8 h).",
    "exit_price": "Exit price, like 55000.",
    "pnl_leverage": "Optional leverage, like 25: an exit past the isolated liquidation price loses the margin only.",
    "fee": "Taker fee per fill as a % cell (0.05%) or 0.0005. Empty: none (liquidation maths: the exchange's own).",
    "roe": "Target return on margin as a % cell (50%) or 0.5.",
    "risk": "Share of the account to lose at the stop, as a % cell (1%) or 0.01.",
    "account": "Account balance, like 10000.",
    "buffer": "Room kept between liquidation and stop, % of the stop (default 0.5%).",
    "trade": 'A trade as one line of text, like "50000 10x 1000 isolated long".',
    "positions": "Range of positions: symbol, side, quantity, entry and optional mark columns.",
    "wallet": "Cross wallet balance, like 20000.",
    "call_text": "A posted trade call, like BTC long 50000 10x SL 48500 TP 54000: one cell, or a range of its lines.",
    "risk_limit": "Most of the account to lose at the stop, as a % cell (2%) or 0.02. Empty: 2%.",
    "fill_prices": "Fill prices of the ladder in order, like 50000, 48000, 46000: a column or a row (up to 25).",
    "fill_quantities": "Quantity of each fill in coins, like 0.1: a range the same size as fill_prices.",
    "mark_symbol": "Symbol, like BTC, ETHUSDT or 1000PEPE: a cell or a column.",
    "mark_venue": "Exchange whose mark price to fetch: binance (default), bybit, okx, gate, bitget, hyperliquid, mexc.",
}


def _described(*names: str) -> Callable[[Any], Any]:
    """Apply ``@xw.arg(name, ndim=2, doc=...)`` for each argument: ranges arrive as 2-D lists."""

    def decorate(function: Any) -> Any:
        for entry in reversed(names):
            name, _, doc_key = entry.partition(":")  # "leverage:pnl_leverage": the argument, its own help
            function = xw.arg(name, ndim=2, doc=ARG_DOCS[doc_key or name])(function)
        return function

    return decorate


_TRADE = ("entry", "leverage", "margin", "side", "mode", "venue", "symbol", "mmr", "balance", "quantity")


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_PRICE(
    entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None, mmr=None, balance=None,
    quantity=None,
):  # fmt: skip
    """Liquidation price of a futures position on the venue's rules, rounded to its tick."""
    return _cells.liquidation_prices((entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity))


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_BANKRUPTCY(
    entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None, mmr=None, balance=None,
    quantity=None,
):  # fmt: skip
    """Bankruptcy price: where the position's whole margin (cross: the wallet) is lost."""
    args = (entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity)
    return _cells.trade_values("bankruptcy", args)


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_DISTANCE(
    entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None, mmr=None, balance=None,
    quantity=None,
):  # fmt: skip
    """Signed move from entry to liquidation as a fraction (-0.095 = a 9.5 % drop); format as %."""
    args = (entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity)
    return _cells.trade_values("distance", args)


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_INITIAL_MARGIN(
    entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None, mmr=None, balance=None,
    quantity=None,
):  # fmt: skip
    """Initial margin of the position: notional / leverage (USDT)."""
    args = (entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity)
    return _cells.trade_values("initial_margin", args)


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_MAINT_MARGIN(
    entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None, mmr=None, balance=None,
    quantity=None,
):  # fmt: skip
    """Maintenance margin at entry on the venue's bracket (USDT)."""
    args = (entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity)
    return _cells.trade_values("maintenance_margin", args)


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_MAX_LOSS(
    entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None, mmr=None, balance=None,
    quantity=None,
):  # fmt: skip
    """Most you can lose: isolated, the position's margin; cross, the whole wallet."""
    args = (entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity)
    return _cells.trade_values("max_loss", args)


@xw.func(category=CATEGORY)
@_described("stop_price", *_TRADE)
def LIQ_STOP_CHECK(
    stop_price, entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None, mmr=None,
    balance=None, quantity=None,
):  # fmt: skip
    """Whether the stop fires before liquidation, and the room between them, as a sentence."""
    return _cells.stop_checks(stop_price, (entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity))


@xw.func(category=CATEGORY)
@_described("funding_rate", "periods", *_TRADE)
def LIQ_FUNDING(
    funding_rate, periods, entry, leverage=None, margin=None, side=None, mode=None, venue=None, symbol=None,
    mmr=None, balance=None, quantity=None,
):  # fmt: skip
    """Isolated liquidation price after N funding payments at a constant rate, price unchanged."""
    args = (entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity)
    return _cells.funding_prices(funding_rate, periods, args)


@xw.func(category=CATEGORY)
@_described("entry", "leverage", "margin", "side", "balance", "venue", "symbol", "mmr", "quantity")
def LIQ_COMPARE(
    entry, leverage=None, margin=None, side=None, balance=None, venue=None, symbol=None, mmr=None, quantity=None
):
    """The same trade isolated and cross for one wallet balance, as a spilled 6 x 3 table."""
    return _cells.compare_table((entry, leverage, margin, side, balance, venue, symbol, mmr, quantity))


@xw.func(category=CATEGORY)
@_described("venue", "symbol")
def LIQ_TIERS(venue=None, symbol=None):
    """The venue's maintenance-margin tiers for a symbol (the table LIQ_PRICE uses), spilled."""
    return _cells.tier_rows(venue, symbol)


@xw.func(category=CATEGORY)
@_described("symbol:mark_symbol", "venue:mark_venue")
def LIQ_MARK(symbol, venue=None):
    """The venue's live mark price for a symbol (classic xlwings; Lite cannot reach the exchanges)."""
    return _cells.marks(symbol, venue)


@xw.func(category=CATEGORY)
@_described("trade", "side")
def LIQ_TEXT(trade, side=None):
    """Liquidation price of a trade typed as one line; without a side, long and short side by side."""
    return _cells.text_prices(trade, side)


@xw.func(category=CATEGORY)
@_described("entry", "exit_price", "quantity", "side", "fee", "leverage:pnl_leverage")
def LIQ_PNL(entry, exit_price, quantity, side=None, fee=None, leverage=None):
    """Realised PnL at the exit price, fees deducted; with a leverage, no more than the margin (liquidation)."""
    return _cells.pnls(entry, exit_price, quantity, side, fee, leverage)


@xw.func(category=CATEGORY)
@_described("entry", "exit_price", "leverage", "side", "fee")
def LIQ_ROE(entry, exit_price, leverage, side=None, fee=None):
    """Return on the initial margin (a fraction; format as %) of a trade closed at the exit price."""
    return _cells.roes(entry, exit_price, leverage, side, fee)


@xw.func(category=CATEGORY)
@_described("entry", "roe", "leverage", "side", "fee")
def LIQ_TARGET_PRICE(entry, roe, leverage, side=None, fee=None):
    """Exit price that returns the target ROE on the initial margin."""
    return _cells.target_prices(entry, roe, leverage, side, fee)


@xw.func(category=CATEGORY)
@_described("account", "risk", "entry", "stop_price", "fee")
def LIQ_SIZE(account, risk, entry, stop_price, fee=None):
    """Position size (coins) that loses the risk share of the account if the stop fills."""
    return _cells.position_sizes(account, risk, entry, stop_price, fee)


@xw.func(category=CATEGORY)
@_described("entry", "stop_price", "side", "quantity", "venue", "symbol", "mmr", "buffer", "fee")
def LIQ_MAX_LEVERAGE(
    entry, stop_price, side=None, quantity=None, venue=None, symbol=None, mmr=None, buffer=None, fee=None
):
    """Highest isolated leverage whose liquidation stays beyond the stop (round down on the exchange)."""
    return _cells.max_leverages((entry, stop_price, side, quantity, venue, symbol, mmr, buffer, fee))


@xw.func(category=CATEGORY)
@_described("positions", "wallet", "venue", "mmr")
def LIQ_CROSS(positions, wallet, venue=None, mmr=None):
    """Each position's liquidation price in a cross account, one per row of the positions range."""
    return _cells.cross_prices(positions, wallet, venue, mmr)


@xw.func(category=CATEGORY)
@_described("positions", "wallet", "venue", "mmr")
def LIQ_CROSS_MOVE(positions, wallet, venue=None, mmr=None):
    """The one % move of every price that liquidates the cross account (-0.23 = all 23 % lower)."""
    return _cells.cross_move(positions, wallet, venue, mmr)


@xw.func(category=CATEGORY)
@_described("call_text", "venue", "balance", "margin", "risk_limit", "fee")
def LIQ_REVIEW(call_text, venue=None, balance=None, margin=None, risk_limit=None, fee=None):
    """Risk review of a posted trade call (stop vs liquidation, risk, reward:risk), spilled as label | value."""
    return _review.review_table(call_text, venue, balance, margin, risk_limit, fee)


@xw.func(category=CATEGORY)
@_described("fill_prices", "fill_quantities", "leverage", "side", "venue", "symbol", "mmr")
def LIQ_DCA(fill_prices, fill_quantities, leverage, side=None, venue=None, symbol=None, mmr=None):
    """DCA ladder: average entry, margin and liquidation price after each isolated add, as a spilled table."""
    return _dca.dca_table(fill_prices, fill_quantities, leverage, side, venue, symbol, mmr)
