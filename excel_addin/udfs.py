"""The ``LIQ_…`` Excel functions: liquidation maths on cells and whole columns.

One module for every xlwings runtime, in the portable decorator subset (``shared/EXCEL.md`` §2):
classic Windows UDFs (``UDF Modules = excel_addin.udfs``), xlwings Lite (``main.py`` holds the one line
``from excel_addin.udfs import *``, with the liqcalc wheel in ``requirements.txt``) and xlwings Server
(import it from ``custom_functions``). Each function is a thin wrapper: ``excel_addin._cells`` reads the cells,
the core computes (ranges in one call of its numpy twins), and a 2-D list comes back and spills.

Every argument takes one cell or a range; ranges broadcast like Excel's own functions. Empty
optional cells mean "not given" (an empty MMR uses the venue's tiers). A bad row is Excel's own
``#VALUE!`` error (``IFERROR`` catches it) and the other rows compute; ``LIQ_WHY`` with the same
arguments after the function's name says what is wrong and what to type.

Signatures follow one rule: required arguments first and without defaults (shown as required);
every function that takes a trade takes the same ten in the same order, ``entry, side, leverage,
margin, quantity, venue, symbol, balance, mmr, mode``, after its own required ones (the stop, the
funding rate); rates are fractions (a % cell), prices and amounts USDT, quantities coins. Parameter
names avoid VBA keywords (``exit``, ``stop``, ``text``) because classic xlwings writes them into a
VBA wrapper.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import xlwings as xw

from core import InvalidInputError
from excel_addin import _cells, _dca, _review, skip_pyodide_import_scan
from excel_addin._errors import explaining, for_excel

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
    "LIQ_WHY",
]

skip_pyodide_import_scan()  # xlwings Server on CPython only; a no-op in Lite, classic and tests

CATEGORY = "liqcalc"  # classic: the function wizard's category (ignored by Office.js)

ARG_DOCS = {
    "entry": "Entry price in the quote currency (USDT), like 50000 or 50k. A cell or a column.",
    "side": "Required: long or short (L / S, buy / sell, 1 / -1).",
    "leverage": "Leverage as a multiple, like 10 or 10x. Give two of leverage, margin and quantity.",
    "margin": "Margin put up, in USDT, like 1000. Give two of leverage, margin and quantity.",
    "quantity": "Position size in coins (BTC for BTCUSDT), like 0.2. Give two of leverage, margin and quantity.",
    "venue": "Exchange rules: textbook (default), binance, bybit, bybit-classic, okx, gate, bitget, mexc, hyperliquid.",
    "symbol": "Symbol for the venue's tiers, like BTC or ETHUSDT (default BTC).",
    "balance": "Wallet balance in USDT, like 10000: needed for cross margin.",
    "mmr": "MMR override as a fraction: a % cell (0.5%) or 0.005, below 1/leverage. Empty: the venue's tiers.",
    "mode": "isolated (default) or cross.",
    "stop_price": "Stop-loss price in USDT, like 48000.",
    "funding_rate": "Funding rate per period as a fraction: a % cell (0.01%) or 0.0001; positive: longs pay.",
    "periods": "Number of funding periods, like 21 (7 days of 8 h).",
    "exit_price": "Exit price in USDT, like 55000.",
    "pnl_quantity": "Position size in coins, like 0.2.",
    "pnl_leverage": "Optional leverage, like 25: an exit past the isolated liquidation price loses the margin only.",
    "roe_leverage": "Leverage as a multiple, like 10 or 10x.",
    "fee": "Taker fee per fill as a fraction: a % cell (0.05%) or 0.0005, below 1%. Empty: none.",
    "roe": "Target return on margin as a fraction: a % cell (50%) or 0.5; -100% is the whole margin.",
    "risk": "Share of the account to lose at the stop, as a fraction: a % cell (1%) or 0.01, below 100%.",
    "account": "Account balance in USDT, like 10000.",
    "buffer": "Room kept between liquidation and stop, as a fraction of the stop: 0.5% (default when left out), 0 for none.",
    "trade": 'A trade as one line of text, like "50000 10x 1000 isolated long".',
    "text_side": "Optional: long or short. Without it, long and short side by side.",
    "positions": "Range of positions: symbol, side, quantity (coins), entry and optional mark columns.",
    "wallet": "Cross wallet balance in USDT, like 20000.",
    "call_text": "A posted trade call, like BTC long 50000 10x SL 48500 TP 54000: one cell, or a range of its lines.",
    "risk_limit": "Most of the account to lose at the stop, as a fraction: a % cell (2%) or 0.02. Empty: 2%.",
    "fill_prices": "Fill prices of the ladder in USDT, in order, like 50000, 48000, 46000: a column or a row (up to 25).",
    "fill_quantities": "Quantity of each fill in coins, like 0.1: a range the same size as fill_prices.",
    "dca_side": "long or short (default: long).",
    "mark_symbol": "Symbol, like BTC, ETHUSDT or 1000PEPE: a cell or a column.",
    "mark_venue": "Exchange whose mark price to fetch: binance (default), bybit, okx, gate, bitget, hyperliquid, mexc.",
    "function_name": 'The function whose problem to explain, like "LIQ_PRICE" or "price".',
    "args": "The same arguments as that function, in the same order.",
}


def _described(*names: str) -> Callable[[Any], Any]:
    """Apply ``@xw.arg(name, ndim=2, doc=...)`` for each argument: ranges arrive as 2-D lists."""

    def decorate(function: Any) -> Any:
        for entry in reversed(names):
            name, _, doc_key = entry.partition(":")  # "leverage:pnl_leverage": the argument, its own help
            function = xw.arg(name, ndim=2, doc=ARG_DOCS[doc_key or name])(function)
        return function

    return decorate


# Every function that takes a trade takes these ten arguments, in this order, after its own required ones.
_TRADE = ("entry", "side", "leverage", "margin", "quantity", "venue", "symbol", "balance", "mmr", "mode")


def _trade(
    entry: Any, side: Any, leverage: Any, margin: Any, quantity: Any, venue: Any, symbol: Any, balance: Any,
    mmr: Any, mode: Any,
) -> tuple[Any, ...]:  # fmt: skip
    """The Excel order of a trade's arguments → the order ``excel_addin._cells`` reads them in."""
    return entry, leverage, margin, side, mode, venue, symbol, mmr, balance, quantity


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_PRICE(
    entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None, mmr=None,
    mode=None,
):  # fmt: skip
    """Liquidation price (USDT) of a futures position on the venue's rules, rounded to its tick."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.liquidation_prices(trade))


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_BANKRUPTCY(
    entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None, mmr=None,
    mode=None,
):  # fmt: skip
    """Bankruptcy price (USDT): where the position's whole margin (cross: the wallet) is lost."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.trade_values("bankruptcy", trade))


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_DISTANCE(
    entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None, mmr=None,
    mode=None,
):  # fmt: skip
    """Signed move from entry to liquidation as a fraction (-0.095 = a 9.5 % drop); format as %."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.trade_values("distance", trade))


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_INITIAL_MARGIN(
    entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None, mmr=None,
    mode=None,
):  # fmt: skip
    """Initial margin of the position in USDT: notional / leverage."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.trade_values("initial_margin", trade))


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_MAINT_MARGIN(
    entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None, mmr=None,
    mode=None,
):  # fmt: skip
    """Maintenance margin at entry on the venue's bracket, in USDT."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.trade_values("maintenance_margin", trade))


@xw.func(category=CATEGORY)
@_described(*_TRADE)
def LIQ_MAX_LOSS(
    entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None, mmr=None,
    mode=None,
):  # fmt: skip
    """Most you can lose, in USDT: isolated, the position's margin; cross, the whole wallet."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.trade_values("max_loss", trade))


@xw.func(category=CATEGORY)
@_described("stop_price", *_TRADE)
def LIQ_STOP_CHECK(
    stop_price, entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None,
    mmr=None, mode=None,
):  # fmt: skip
    """Whether the stop fires before liquidation, and the room between them, as a sentence."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.stop_checks(stop_price, trade))


@xw.func(category=CATEGORY)
@_described("funding_rate", "periods", *_TRADE)
def LIQ_FUNDING(
    funding_rate, periods, entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None,
    balance=None, mmr=None, mode=None,
):  # fmt: skip
    """Isolated liquidation price (USDT) after N funding payments at a constant rate, price unchanged."""
    trade = _trade(entry, side, leverage, margin, quantity, venue, symbol, balance, mmr, mode)
    return for_excel(_cells.funding_prices(funding_rate, periods, trade))


@xw.func(category=CATEGORY)
@_described(*_TRADE[:-1])
def LIQ_COMPARE(
    entry, side, leverage=None, margin=None, quantity=None, venue=None, symbol=None, balance=None, mmr=None
):
    """The same trade isolated and cross for one wallet balance, as a spilled 6 x 3 table."""
    return for_excel(_cells.compare_table((entry, leverage, margin, side, balance, venue, symbol, mmr, quantity)))


@xw.func(category=CATEGORY)
@_described("venue", "symbol")
def LIQ_TIERS(venue=None, symbol=None):
    """The venue's maintenance-margin tiers for a symbol (the table LIQ_PRICE uses), spilled."""
    return for_excel(_cells.tier_rows(venue, symbol))


@xw.func(category=CATEGORY)
@_described("symbol:mark_symbol", "venue:mark_venue")
def LIQ_MARK(symbol, venue=None):
    """The venue's live mark price in USDT (classic xlwings; Lite cannot reach the exchanges)."""
    return for_excel(_cells.marks(symbol, venue))


@xw.func(category=CATEGORY)
@_described("trade", "side:text_side")
def LIQ_TEXT(trade, side=None):
    """Liquidation price (USDT) of a trade typed as one line; without a side, long and short side by side."""
    return for_excel(_cells.text_prices(trade, side))


@xw.func(category=CATEGORY)
@_described("entry", "side", "exit_price", "quantity:pnl_quantity", "fee", "leverage:pnl_leverage")
def LIQ_PNL(entry, side, exit_price, quantity, fee=None, leverage=None):
    """Realised PnL in USDT at the exit price, fees deducted; with a leverage, no more than the margin."""
    return for_excel(_cells.pnls(entry, exit_price, quantity, side, fee, leverage))


@xw.func(category=CATEGORY)
@_described("entry", "side", "exit_price", "leverage:roe_leverage", "fee")
def LIQ_ROE(entry, side, exit_price, leverage, fee=None):
    """Return on the initial margin (a fraction; format as %) of a trade closed at the exit price."""
    return for_excel(_cells.roes(entry, exit_price, leverage, side, fee))


@xw.func(category=CATEGORY)
@_described("entry", "side", "roe", "leverage:roe_leverage", "fee")
def LIQ_TARGET_PRICE(entry, side, roe, leverage, fee=None):
    """Exit price (USDT) that returns the target ROE on the initial margin."""
    return for_excel(_cells.target_prices(entry, roe, leverage, side, fee))


@xw.func(category=CATEGORY)
@_described("entry", "stop_price", "account", "risk", "fee")
def LIQ_SIZE(entry, stop_price, account, risk, fee=None):
    """Position size in coins that loses the risk share of the account if the stop fills (the side follows the stop)."""
    return for_excel(_cells.position_sizes(account, risk, entry, stop_price, fee))


@xw.func(category=CATEGORY)
@_described("entry", "side", "stop_price", "quantity:pnl_quantity", "venue", "symbol", "mmr", "buffer", "fee")
def LIQ_MAX_LEVERAGE(entry, side, stop_price, quantity, venue=None, symbol=None, mmr=None, buffer=None, fee=None):
    """Highest isolated leverage whose liquidation stays beyond the stop (round down on the exchange)."""
    return for_excel(_cells.max_leverages((entry, stop_price, side, quantity, venue, symbol, mmr, buffer, fee)))


@xw.func(category=CATEGORY)
@_described("positions", "wallet", "venue", "mmr")
def LIQ_CROSS(positions, wallet, venue=None, mmr=None):
    """Each position's liquidation price (USDT) in a cross account, one per row of the positions range."""
    return for_excel(_cells.cross_prices(positions, wallet, venue, mmr))


@xw.func(category=CATEGORY)
@_described("positions", "wallet", "venue", "mmr")
def LIQ_CROSS_MOVE(positions, wallet, venue=None, mmr=None):
    """The one % move of every price that liquidates the cross account (-0.23 = all 23 % lower)."""
    return for_excel(_cells.cross_move(positions, wallet, venue, mmr))


@xw.func(category=CATEGORY)
@_described("call_text", "venue", "balance", "margin", "risk_limit", "fee")
def LIQ_REVIEW(call_text, venue=None, balance=None, margin=None, risk_limit=None, fee=None):
    """Risk review of a posted trade call (stop vs liquidation, risk, reward:risk), spilled as label | value."""
    return for_excel(_review.review_table(call_text, venue, balance, margin, risk_limit, fee))


@xw.func(category=CATEGORY)
@_described("fill_prices", "fill_quantities", "leverage:roe_leverage", "side:dca_side", "venue", "symbol", "mmr")
def LIQ_DCA(fill_prices, fill_quantities, leverage, side=None, venue=None, symbol=None, mmr=None):
    """DCA ladder: average entry, margin and liquidation price after each isolated add, as a spilled table."""
    return for_excel(_dca.dca_table(fill_prices, fill_quantities, leverage, side, venue, symbol, mmr))


@xw.func(category=CATEGORY)
@_described("function_name", "args")
def LIQ_WHY(function_name, *args):
    """What is wrong with a LIQ_ function's #VALUE! cells and what to type: the same arguments after its name."""
    try:
        target = _function_named(function_name)
        most = target.__code__.co_argcount
        if len(args) > most:
            raise InvalidInputError(
                f"{target.__name__} takes at most {most} arguments, and {len(args)} follow its name; "
                f"give LIQ_WHY the same arguments as {target.__name__}",
                field="args",
            )
    except InvalidInputError as exc:
        return [[exc.message]]
    with explaining():
        return target(*args)


def _function_named(name: Any) -> Callable[..., Any]:
    """``"LIQ_PRICE"``, ``"liq_price"`` or ``"price"`` → the function; a typo gets "did you mean …?"."""
    cell = _cells.grid(name)[0][0]
    if cell is None or not str(cell).strip():
        raise InvalidInputError(
            'function_name is empty; type a name like "LIQ_PRICE" or "price"', field="function_name"
        )
    key = str(cell or "").strip().upper().replace(" ", "_")
    key = key if key.startswith("LIQ_") else f"LIQ_{key}"
    names = [n for n in __all__ if n != "LIQ_WHY"]
    if key in names:
        return globals()[key]  # type: ignore[no-any-return]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"?' if close else 'type a name like "LIQ_PRICE" or "price"'
    raise InvalidInputError(f"function_name {_shown(cell)} is not a liqcalc function; {hint}", field="function_name")


def _shown(cell: Any) -> str:
    return repr(cell.strip()) if isinstance(cell, str) else repr(cell)
