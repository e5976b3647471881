"""Cell coercion for the ``LIQ_…`` functions: Excel's cells → core inputs, core answers → cells.

What Excel hands over depends on the runtime (``shared/EXCEL.md`` §3): classic sends floats and
``None`` for empty cells; Office.js (xlwings Lite and Server) keeps ints and sends ``0`` for an empty
scalar cell and ``None`` inside arrays. Every function declares its arguments ``ndim=2``, so each
argument arrives as a 2-D list; called directly (tests, Python) a bare scalar is accepted as well.

The rules, the same for every function:

* **Ranges broadcast as in Excel.** Each argument is one cell or a range; a 1×1 argument repeats, a
  column repeats across columns, a row across rows. The answer has the broadcast shape and is always
  a 2-D list (it spills). Ranges of different sizes are one error for the whole call.
* **Empty means "not given".** ``None``, ``""`` and — for optional numbers — ``0`` (Office.js's empty
  cell) mean the argument is absent: an empty MMR uses the venue's tiers, never a 0 % MMR. Type the
  text ``0%`` to force a zero rate.
* **Numbers as sheets hold them.** ``int`` or ``float``, or text as traders type it (``50k``,
  ``$50,000``); leverage also as ``10x``; rates as Excel's percent cells store them (``0.5%`` is the
  number 0.005) or as text with a ``%`` sign; sides ``long/short/L/S/buy/sell`` or ``1/-1``.
* **A bad cell spoils only its own row.** It shows :data:`ERROR` followed by what is wrong and what to
  type (:func:`error_text`, the one place that turns core errors into cell text); the other rows
  compute. At the edge, ``excel_addin._errors.for_excel`` makes that cell Excel's own ``#VALUE!`` error
  and ``LIQ_WHY`` shows the sentence. ``NaN`` and infinities never reach a cell.

Ranges of trades, PnLs and sizes go through the core's numpy twins in one call
(:func:`liquidation_prices`, :func:`pnls`, :func:`position_sizes`); rows the twins cannot price (bad
input, no liquidation price) are re-run through the scalar core, which supplies the exact message.
Functions without a bulk twin in the core loop over the rows with the scalar core (:func:`cells`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from core import (
    CoreError,
    CrossAccountRequest,
    CrossPositionInput,
    InvalidInputError,
    LiquidationResult,
    MarginMode,
    Side,
    TierTable,
    TradeRequest,
    calculate,
    compare_margin_modes,
    cross_account,
    get_venue,
    liquidation_after_funding,
    liquidation_price_tiered_bulk,
    max_safe_leverage,
    parse_trade,
    pnl,
    pnl_bulk,
    pnl_report,
    position_size,
    position_size_bulk,
    stop_check,
    table_for,
    target_report,
)
from core.bulk import round_to_tick_bulk
from core.calculator import DEFAULT_VENUE
from core.grammar import parse_number, parse_trade_fields
from core.models import MAX_AMOUNT, MAX_PRICE, MAX_QUANTITY, validation_message
from core.numbers import fmt_num, fmt_percent
from core.pnl import NOMINAL_MARGIN
from core.sizing import DEFAULT_BUFFER
from core.venues import Venue
from excel_addin import _errors
from excel_addin._market import book as market_book
from excel_addin._market import mark as market_mark

__all__ = [
    "ERROR",
    "NO_LIQUIDATION",
    "Arg",
    "Grid",
    "Spec",
    "cells",
    "compare_table",
    "cross_move",
    "cross_prices",
    "error_text",
    "funding_prices",
    "grid",
    "liquidation_prices",
    "max_leverages",
    "one_row",
    "pnls",
    "position_sizes",
    "roes",
    "stop_checks",
    "target_prices",
    "text_prices",
    "tier_rows",
    "trade_values",
]

Grid = list[list[Any]]
FloatArray = npt.NDArray[np.float64]

ERROR = _errors.ERROR
NO_LIQUIDATION = "no liquidation"
_FAST_TYPES = frozenset({float, int, type(None)})
_REL_TOL = 1e-6  # core.calculator's tolerance: a cross balance may fall short of the margin by this much


# --- shapes ----------------------------------------------------------------------------------------------


def grid(value: Any) -> Grid:
    """Any argument as a 2-D list: a scalar → ``[[x]]``, a 1-D list → a column, arrays → lists.

    >>> grid(5), grid([1, 2]), grid([[1, 2]])
    ([[5]], [[1], [2]], [[1, 2]])
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if type(value) is list and value and set(map(type, value)) == {list}:
        widths = set(map(len, value))
        if len(widths) == 1 and 0 not in widths:
            return value  # already 2-D and rectangular: the common case, kept as it is (no copy)
    if isinstance(value, list | tuple):
        if not value:
            return [[None]]
        if all(isinstance(row, list | tuple) for row in value):
            rows = [list(row) if row else [None] for row in value]
            width = max(len(row) for row in rows)
            return [row + [None] * (width - len(row)) for row in rows]
        return [[item] for item in value]
    return [[value]]


def _broadcast_shape(shapes: Sequence[tuple[int, int]], names: Sequence[str]) -> tuple[int, int]:
    rows = max(r for r, _ in shapes)
    cols = max(c for _, c in shapes)
    for (r, c), name in zip(shapes, names, strict=True):
        if r not in (1, rows) or c not in (1, cols):
            raise InvalidInputError(
                f"{name} is {r}×{c} cells but the other ranges are {rows}×{cols}; "
                "give ranges of the same size, or single cells",
                field=name,
            )
    return rows, cols


# --- errors and results -------------------------------------------------------------------------------


def error_text(error: BaseException | str) -> str:
    """The cell text for a problem: ``#VALUE!`` and what is wrong and what to type.

    The one place that turns core errors (``CoreError``, pydantic ``ValidationError``) into cell text.

    >>> error_text(InvalidInputError("leverage 'ten' is not a leverage; type it like 10x"))
    "#VALUE! leverage 'ten' is not a leverage; type it like 10x"
    """
    if isinstance(error, ValidationError):
        error = validation_message(error)
    message = error.message if isinstance(error, CoreError) else str(error)
    return f"{ERROR} {message}"


def _out(value: Any) -> Any:
    """One result as a cell value: floats stay floats, NaN/inf become error text, None an empty cell."""
    if value is None or isinstance(value, str | bool | int):
        return "" if value is None else value
    number = float(value)
    if not math.isfinite(number):
        return error_text("the result is not a finite number; check the inputs")
    return number


def _no_liquidation(reason: str | None) -> str:
    return f"{NO_LIQUIDATION}: {reason}" if reason else NO_LIQUIDATION


# --- single-cell coercers ---------------------------------------------------------------------------------


def _empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _blank(cell: Any) -> bool:
    """Empty, or a numeric 0: how Office.js passes an empty cell to a scalar argument."""
    return _empty(cell) or (type(cell) in (int, float) and cell == 0)


def _all_blank(value: Any) -> bool:
    """An argument (a cell or a 2-D range) with nothing in it."""
    if isinstance(value, list | tuple):
        return all(_all_blank(item) for item in value)
    return _blank(value)


def _shown(cell: Any) -> str:
    return repr(cell.strip()) if isinstance(cell, str) else repr(cell)


@dataclass(frozen=True, slots=True)
class Number:
    """A number cell: ``50000``, ``50k``, ``$50,000``. Empty → None (or an error when required).

    ``zero_is_empty``: a ``0`` counts as an empty cell (Office.js sends 0 for empty scalar cells).
    """

    field: str
    example: str
    required: bool = False
    zero_is_empty: bool = True

    def __call__(self, cell: Any) -> float | None:
        """The cell as a float, or None when empty; raises ``InvalidInputError`` with what to type."""
        if _empty(cell):
            self._missing()
            return None
        if isinstance(cell, bool | dt.date | dt.time):
            raise InvalidInputError(
                f"{self.field} {_shown(cell)} is not a number; type {self.example}", field=self.field
            )
        if isinstance(cell, str):
            value = self._text(cell.strip())
        else:
            try:
                value = float(cell)
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"{self.field} {_shown(cell)} is not a number; type {self.example}", field=self.field
                ) from None
        if not math.isfinite(value):
            raise InvalidInputError(
                f"{self.field} {_shown(cell)} is not a finite number; type {self.example}", field=self.field
            )
        if value == 0 and self.zero_is_empty and not isinstance(cell, str):
            self._missing()
            return None
        return value

    def _missing(self) -> None:
        """An empty cell: fine when optional, an error saying what to type when required."""
        if self.required:
            raise InvalidInputError(f"{self.field} is empty; type {self.example}", field=self.field)

    def _text(self, text: str) -> float:
        if text.startswith("#"):
            raise InvalidInputError(
                f"{self.field} is the error {text}; fix that cell, then type {self.example}", field=self.field
            )
        try:
            return parse_number(text, field=self.field)
        except CoreError:
            raise InvalidInputError(
                f"{self.field} {text!r} is not a number; type {self.example}", field=self.field
            ) from None


@dataclass(frozen=True, slots=True)
class Rate(Number):
    """A rate: a fraction as Excel's % cells hold it (``0.5%`` = 0.005), or text with ``%`` (``"0.5%"``).

    ``below``: rates at or above it are refused as a percent typed as a plain number (``0.05`` for a
    0.05 % fee is 5 %), with "did you mean …?" (issue 13's guards on units).
    """

    below: float | None = None

    def __call__(self, cell: Any) -> float | None:
        """The rate, or None when empty; a rate at or above ``below`` is refused with the likely one."""
        value = Number.__call__(self, cell)
        if value is not None and self.below is not None and value >= self.below:
            raise InvalidInputError(
                f"{self.field} {fmt_percent(value)} is {fmt_percent(self.below)} or more: did you mean "
                f"{fmt_percent(value / 100)}? a percent typed as a plain number is taken as a fraction; "
                f"type {self.example}",
                field=self.field,
            )
        return value

    def _text(self, text: str) -> float:
        if text.endswith("%"):
            return Number._text(self, text[:-1].strip()) / 100.0
        return Number._text(self, text)


@dataclass(frozen=True, slots=True)
class Leverage(Number):
    """A leverage: ``10``, ``10x``, ``x10``."""

    def _text(self, text: str) -> float:
        body = text.lower().replace("×", "x")
        body = body[:-1] if body.endswith("x") else body[1:] if body.startswith("x") else body
        try:
            return Number._text(self, body.strip())
        except InvalidInputError:
            raise InvalidInputError(
                f"leverage {text!r} is not a leverage; type it like 10x or 10", field=self.field
            ) from None


@dataclass(frozen=True, slots=True)
class SideArg:
    """``long/short/L/S/buy/sell`` in any case, or ``1/-1``."""

    field: str = "side"
    required: bool = True

    def __call__(self, cell: Any) -> Side | None:
        """The side, or None when empty and optional."""
        if _blank(cell):
            if self.required:
                raise InvalidInputError("side is empty; type long or short (or L / S)", field=self.field)
            return None
        if isinstance(cell, int | float) and not isinstance(cell, bool) and cell in (1, -1):
            return Side.LONG if cell == 1 else Side.SHORT
        try:
            return Side.parse(str(cell))
        except ValueError as exc:
            raise InvalidInputError(str(exc), field=self.field) from None


@dataclass(frozen=True, slots=True)
class ModeArg:
    """``isolated/iso/i`` or ``cross/c``; empty → isolated."""

    field: str = "mode"

    def __call__(self, cell: Any) -> MarginMode:
        """The margin mode (isolated when empty)."""
        if _blank(cell):
            return MarginMode.ISOLATED
        try:
            return MarginMode.parse(str(cell))
        except ValueError as exc:
            raise InvalidInputError(str(exc), field=self.field) from None


@dataclass(frozen=True, slots=True)
class VenueArg:
    """A venue name (``binance``, ``okx``, ``hl``…); empty → the core's default (the textbook formula)."""

    field: str = "venue"

    def __call__(self, cell: Any) -> str | None:
        """The venue key, or None when empty."""
        if _blank(cell):
            return None
        if not isinstance(cell, str):
            raise InvalidInputError(
                f"venue {_shown(cell)} is not a venue name; type one like binance or okx", field=self.field
            )
        return get_venue(cell).key


@dataclass(frozen=True, slots=True)
class TextArg:
    """A text cell: a symbol (``BTC``, ``ETHUSDT``) or a trade line; empty → None unless required."""

    field: str
    example: str
    required: bool = False

    def __call__(self, cell: Any) -> str | None:
        """The stripped text, or None when empty."""
        if _blank(cell):
            if self.required:
                raise InvalidInputError(f"{self.field} is empty; type {self.example}", field=self.field)
            return None
        if not isinstance(cell, str):
            raise InvalidInputError(f"{self.field} {_shown(cell)} is not text; type {self.example}", field=self.field)
        return cell.strip()


Coercer = Callable[[Any], Any]
Spec = tuple[str, Any, Coercer]  # an Excel argument: its name, what Excel passed, how to read it


# --- arguments: one coerced grid per Excel argument -----------------------------------------------------


class _Bad:
    """A cell that could not be read: the error, and the text to show."""

    __slots__ = ("error", "text")

    def __init__(self, error: CoreError | ValidationError) -> None:
        self.error = error
        self.text = error_text(error)


class Arg:
    """One Excel argument, coerced cell by cell (each distinct cell value once).

    ``values`` holds the coerced values row by row, flattened (``_Bad`` for unreadable cells);
    numeric arguments whose cells are all ints, floats or empty take a vectorised path and keep
    ``numbers`` (float64, NaN = not given) instead.
    """

    __slots__ = ("coerce", "has_bad", "name", "numbers", "shape", "values")

    def __init__(self, name: str, value: Any, coerce: Coercer) -> None:
        """Read ``value`` (a cell, a 1-D or 2-D list) with ``coerce``."""
        self.name = name
        self.coerce = coerce
        rows = grid(value)
        self.shape = (len(rows), len(rows[0]))
        self.numbers: FloatArray | None = None
        self.values: list[Any] = []
        self.has_bad = False
        flat = [cell for row in rows for cell in row] if self.shape[1] > 1 else [row[0] for row in rows]
        types = set(map(type, flat))
        if isinstance(coerce, Number) and len(flat) > 1 and types <= _FAST_TYPES:
            numbers = np.array(flat, dtype=np.float64)
            if coerce.zero_is_empty:
                numbers[numbers == 0] = np.nan
            given = numbers[~np.isnan(numbers)]
            if not (coerce.required and given.size < numbers.size) and np.isfinite(given).all():
                self.numbers = numbers
                return
        if bool not in types:  # True == 1 == 1.0 would share a memo entry; bools take the slow path
            try:
                memo = {cell: self._read(cell) for cell in set(flat)}
            except TypeError:  # an unhashable cell
                pass
            else:
                self.values = list(map(memo.__getitem__, flat))
                self.has_bad = any(isinstance(v, _Bad) for v in memo.values())
                return
        self.values = [self._read(cell) for cell in flat]
        self.has_bad = any(isinstance(v, _Bad) for v in self.values)

    def _read(self, cell: Any) -> Any:
        try:
            return self.coerce(cell)
        except (CoreError, ValidationError) as exc:
            return _Bad(exc)

    def at(self, row: int, col: int) -> Any:
        """The coerced value for output cell ``(row, col)`` (broadcast)."""
        r = row if self.shape[0] > 1 else 0
        c = col if self.shape[1] > 1 else 0
        index = r * self.shape[1] + c
        if self.numbers is not None:
            number = float(self.numbers[index])
            return None if math.isnan(number) else number
        return self.values[index]

    @property
    def single(self) -> bool:
        """One cell only."""
        return self.shape == (1, 1)

    def _spread(self, own: npt.NDArray[Any], shape: tuple[int, int]) -> npt.NDArray[Any]:
        if self.shape == shape:
            return own
        return np.broadcast_to(own.reshape(self.shape), shape).ravel()

    def floats(self, shape: tuple[int, int]) -> FloatArray:
        """Numeric values broadcast to ``shape`` and flattened (NaN: not given or unreadable)."""
        if self.numbers is not None:
            return self._spread(self.numbers, shape)
        own = np.array(
            [v if isinstance(v, float | int) and not isinstance(v, bool) else np.nan for v in self.values],
            dtype=np.float64,
        )
        return self._spread(own, shape)

    def objects(self, shape: tuple[int, int]) -> npt.NDArray[np.object_]:
        """Coerced values broadcast to ``shape`` and flattened (object array; None: not given)."""
        own = np.empty(self.shape[0] * self.shape[1], dtype=object)
        if self.numbers is not None:
            own[:] = [None if math.isnan(v) else v for v in self.numbers.tolist()]
        else:
            own[:] = self.values
        return self._spread(own, shape)

    def bad(self, shape: tuple[int, int]) -> npt.NDArray[np.object_] | None:
        """Error texts broadcast to ``shape`` and flattened, or None when every cell was readable."""
        if not self.has_bad:
            return None
        own = np.empty(len(self.values), dtype=object)
        own[:] = [v.text if isinstance(v, _Bad) else None for v in self.values]
        return self._spread(own, shape)


def _args(specs: Sequence[Spec]) -> tuple[list[Arg], tuple[int, int]]:
    args = [Arg(name, value, coerce) for name, value, coerce in specs]
    return args, _broadcast_shape([a.shape for a in args], [a.name for a in args])


def _first_bad(args: Sequence[Arg], shape: tuple[int, int]) -> npt.NDArray[np.object_] | None:
    """Per output cell, the first argument's error text (None: all readable); None when no error at all."""
    found: npt.NDArray[np.object_] | None = None
    for arg in args:
        bad = arg.bad(shape)
        if bad is None:
            continue
        found = bad.copy() if found is None else np.where(found == None, bad, found)  # noqa: E711
    return found


def _reshape(flat: list[Any], shape: tuple[int, int]) -> Grid:
    rows, cols = shape
    if cols == 1:
        return [[cell] for cell in flat]
    return [flat[i * cols : (i + 1) * cols] for i in range(rows)]


def cells(compute: Callable[..., Any], specs: Sequence[Spec]) -> Grid:
    """Apply ``compute`` to each output cell's coerced arguments: the scalar core, row by row.

    Identical rows are computed once. A row with an unreadable cell shows that cell's error text;
    a ``CoreError`` or ``ValidationError`` from ``compute`` shows as the row's error text.
    """
    try:
        args, shape = _args(specs)
    except CoreError as exc:
        return [[error_text(exc)]]
    memo: dict[tuple[Any, ...], Any] = {}
    out: Grid = []
    for i in range(shape[0]):
        row = []
        for j in range(shape[1]):
            values = tuple(arg.at(i, j) for arg in args)
            bad = next((v for v in values if isinstance(v, _Bad)), None)
            if bad is not None:
                row.append(bad.text)
                continue
            if values not in memo:
                try:
                    memo[values] = _out(compute(*values))
                except (CoreError, ValidationError) as exc:
                    memo[values] = error_text(exc)
            row.append(memo[values])
        out.append(row)
    return out


def one_row(specs: Sequence[Spec], ranges_message: str) -> list[Any]:
    """The coerced cells of a function that answers for one set of single cells (a table).

    Raises:
        InvalidInputError: with ``ranges_message`` when an argument is a range; the first unreadable
            cell's own error otherwise.
    """
    args, shape = _args(specs)
    if shape != (1, 1):
        raise InvalidInputError(ranges_message)
    row = [arg.at(0, 0) for arg in args]
    bad = next((value for value in row if isinstance(value, _Bad)), None)
    if bad is not None:
        raise bad.error
    return row


# --- trades -----------------------------------------------------------------------------------------------

ENTRY = Number("entry", "a price like 50000 or 50k", required=True)
LEVERAGE = Leverage("leverage", "a leverage like 10x or 10")
MARGIN = Number("margin", "an amount like 1000")
QUANTITY = Number("quantity", "a quantity like 0.2")
BALANCE = Number("balance", "a balance like 10000")
MMR = Rate("mmr", "a rate like 0.5% (or the number 0.005)")
SIDE = SideArg()
MODE = ModeArg()
VENUE = VenueArg()
SYMBOL = TextArg("symbol", "a symbol like BTC or ETHUSDT")

TRADE_COERCERS: tuple[Coercer, ...] = (ENTRY, LEVERAGE, MARGIN, SIDE, MODE, VENUE, SYMBOL, MMR, BALANCE, QUANTITY)
TRADE_NAMES = ("entry", "leverage", "margin", "side", "mode", "venue", "symbol", "mmr", "balance", "quantity")


def _request(
    entry: float, leverage: float | None, margin: float | None, side: Side | None, mode: MarginMode,
    venue: str | None, symbol: str | None, mmr: float | None, balance: float | None, quantity: float | None,
    *, fee: float | None = None,
) -> TradeRequest:  # fmt: skip
    """The core's validated request: its checks and messages apply to every trade argument.

    An MMR at or above the initial margin rate (1/leverage) would liquidate the position as it opens:
    almost always a percent typed as a plain number (0.5 for 0.5 %), so it is refused with the likely one.
    """
    lev = leverage if leverage else (entry * quantity / margin if quantity and margin else None)
    if mmr is not None and lev and mmr >= 1 / lev:
        raise InvalidInputError(
            f"mmr {fmt_percent(mmr)} is at or above the initial margin rate {fmt_percent(1 / lev)} (1/{fmt_num(lev)}x): "
            f"the position would be liquidated as it opens; did you mean {fmt_percent(mmr / 100)}? type 0.5% or 0.005",
            field="mmr",
        )
    fields: dict[str, Any] = {
        "entry_price": entry, "leverage": leverage, "margin": margin, "side": side, "margin_mode": mode,
        "venue": venue, "symbol": symbol, "mmr": mmr, "wallet_balance": balance, "quantity": quantity,
        "taker_fee_rate": fee,
    }  # fmt: skip
    return TradeRequest(**{k: v for k, v in fields.items() if v is not None})


def _card(*values: Any) -> LiquidationResult:
    request = _request(*values)
    if request.side is None:
        raise InvalidInputError("side is empty; type long or short (or L / S)", field="side")
    return calculate(request, book=market_book())


def _trade_specs(values: Sequence[Any]) -> list[Spec]:
    return list(zip(TRADE_NAMES, values, TRADE_COERCERS, strict=True))


def _pick_price(card: LiquidationResult) -> Any:
    if card.liquidation_price is None:
        return _no_liquidation(card.no_liquidation_reason)
    position = card.position
    if position.side.sign * (card.liquidation_price - position.entry_price) >= 0:
        raise InvalidInputError(
            f"already liquidated at entry: a {position.side.value} at {fmt_num(position.entry_price)} would be "
            f"liquidated at {fmt_num(card.liquidation_price)}, the margin does not cover the maintenance margin; "
            "type a lower leverage or a larger margin",
            field="leverage",
        )
    return card.liquidation_price


def _pick_bankruptcy(card: LiquidationResult) -> Any:
    if card.bankruptcy_price is None:
        return "no bankruptcy price: no price above 0 wipes out the wallet"
    return card.bankruptcy_price


def _pick_distance(card: LiquidationResult) -> Any:
    if card.move_to_liquidation is None:
        return _no_liquidation(card.no_liquidation_reason)
    return card.move_to_liquidation


def _pick_initial_margin(card: LiquidationResult) -> Any:
    if card.position.initial_margin is None:
        return "no initial margin: give the leverage or the margin"
    return card.position.initial_margin


PICKERS: dict[str, Callable[[LiquidationResult], Any]] = {
    "price": _pick_price,
    "bankruptcy": _pick_bankruptcy,
    "distance": _pick_distance,
    "initial_margin": _pick_initial_margin,
    "maintenance_margin": lambda card: card.maintenance_margin_at_entry,
    "max_loss": lambda card: card.max_loss,
}


def trade_values(what: str, values: Sequence[Any]) -> Grid:
    """One figure of the answer card per trade row (scalar core per row): see :data:`PICKERS`."""
    pick = PICKERS[what]
    return cells(lambda *row: pick(_card(*row)), _trade_specs(values))


def liquidation_prices(values: Sequence[Any], *, bulk_from: int = 2) -> Grid:
    """``LIQ_PRICE``: the liquidation price per trade row; ranges in one call of the bulk twin.

    A single trade goes through ``core.calculate``. From ``bulk_from`` cells on, the rows that are
    plainly sized (two of leverage, margin and quantity; cross with a balance) are priced per venue
    table by ``core.liquidation_price_tiered_bulk`` and rounded to the venue's tick like
    ``calculate`` does; every other row — unreadable, contradictory, above the bracket's leverage,
    not liquidatable — goes through ``calculate`` for its exact answer or message.
    """
    try:
        args, shape = _args(_trade_specs(values))
    except CoreError as exc:
        return [[error_text(exc)]]
    size = shape[0] * shape[1]
    if size < bulk_from:
        return cells(lambda *row: _pick_price(_card(*row)), _trade_specs(values))
    out: list[Any] = [None] * size
    bad = _first_bad(args, shape)
    entry, lev, margin, side, mode, venue, symbol, mmr, balance, qty = args
    floats = {a.name: a.floats(shape) for a in (entry, lev, margin, mmr, balance, qty)}
    sign = _sides(side, shape)
    cross = _modes(mode, shape)
    pending = np.ones(size, dtype=bool)  # rows still without an answer
    if bad is not None:
        for flagged in np.flatnonzero(bad != None).tolist():  # noqa: E711
            out[flagged] = bad[flagged]
            pending[flagged] = False
    groups = _table_groups((venue, symbol, mmr), shape, pending)
    for (venue_key, symbol_text, mmr_value), rows in groups:
        _price_group(rows, venue_key, symbol_text, mmr_value, floats, sign, cross, out)
    # everything not priced by the twin: the scalar core
    for i in range(size):
        if out[i] is None:
            r, c = divmod(i, shape[1])
            row = tuple(a.at(r, c) for a in args)
            try:
                out[i] = _out(_pick_price(_card(*row)))
            except (CoreError, ValidationError) as exc:
                out[i] = error_text(exc)
    return _reshape(out, shape)


def _sides(side: Arg, shape: tuple[int, int]) -> FloatArray:
    """+1 / −1 per output cell; NaN where the side is missing or unreadable."""
    if side.single:
        value = side.at(0, 0)
        return np.full(shape[0] * shape[1], value.sign if isinstance(value, Side) else np.nan, dtype=np.float64)
    lookup = {v: v.sign if isinstance(v, Side) else np.nan for v in set(side.values)}
    return side._spread(np.array(list(map(lookup.__getitem__, side.values)), dtype=np.float64), shape)


def _modes(mode: Arg, shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    if mode.single:
        return np.full(shape[0] * shape[1], mode.at(0, 0) is MarginMode.CROSS)
    return mode._spread(np.array([v is MarginMode.CROSS for v in mode.values], dtype=bool), shape)


def _table_groups(
    keys: tuple[Arg, Arg, Arg], shape: tuple[int, int], pending: npt.NDArray[np.bool_]
) -> list[tuple[tuple[Any, Any, Any], npt.NDArray[np.intp]]]:
    """Rows sharing venue, symbol and MMR override (one tier table each), among pending rows."""
    if all(arg.single for arg in keys):
        key = tuple(arg.at(0, 0) for arg in keys)
        if any(isinstance(k, _Bad) for k in key):
            return []
        return [(key, np.flatnonzero(pending))]
    columns = [arg.objects(shape) for arg in keys]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i in np.flatnonzero(pending):
        key = tuple(col[i] for col in columns)
        if not any(isinstance(k, _Bad) for k in key):
            groups.setdefault(key, []).append(int(i))
    return [(k, np.asarray(v, dtype=np.intp)) for k, v in groups.items()]


def _venue_table(venue_key: str | None, symbol: str | None, mmr: float | None = None) -> tuple[Venue, TierTable]:
    """The venue and the bracket table ``calculate`` uses for its trades (``core.table_for`` takes a request)."""
    venue = get_venue(venue_key or DEFAULT_VENUE)
    probe = TradeRequest(entry_price=1.0, leverage=1.0, margin=1.0, venue=venue_key, symbol=symbol, mmr=mmr)
    return venue, table_for(probe, venue, market_book())


def _price_group(
    rows: npt.NDArray[np.intp], venue_key: str | None, symbol: str | None, mmr: float | None,
    floats: dict[str, FloatArray], sign: FloatArray, cross: npt.NDArray[np.bool_], out: list[Any],
) -> None:  # fmt: skip
    """Price the plainly sized rows of one table with the bulk twin; leave the rest for ``calculate``."""
    try:
        venue, table = _venue_table(venue_key, symbol, mmr)
    except (CoreError, ValidationError):
        return  # the scalar core says why
    e, lev, mar, qty, bal = (floats[k][rows] for k in ("entry", "leverage", "margin", "quantity", "balance"))
    s, is_cross = sign[rows], cross[rows]
    has_l, has_m, has_q = ~np.isnan(lev), ~np.isnan(mar), ~np.isnan(qty)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # the sizing cases resolve_position handles without a consistency check
        by_margin = has_l & has_m & ~has_q
        by_qty_lev = has_l & has_q & ~has_m
        by_qty_margin = has_m & has_q & ~has_l
        cross_qty = is_cross & has_q & ~has_l & ~has_m
        notional = np.where(by_margin, mar * lev, qty * e)
        quantity = notional / e
        margin = np.where(by_qty_lev, notional / lev, mar)
        leverage = np.where(by_qty_margin, notional / mar, lev)
        plain = (by_margin | by_qty_lev | by_qty_margin | cross_qty) & (np.abs(s) == 1)
        plain &= np.isfinite(e) & (e > 0) & np.isfinite(quantity) & (quantity > 0)
        # the model's bounds (a price above 1e12 is "too large"): such rows get the scalar core's refusal
        plain &= (e <= MAX_PRICE) & (quantity <= MAX_QUANTITY) & ~(margin > MAX_AMOUNT) & ~(bal > MAX_AMOUNT)
        plain &= ~has_l | ((lev > 0) & (lev <= 1000))
        plain &= ~has_m | (mar > 0)
        plain &= ~has_q | (qty > 0)
        plain &= ~by_qty_margin | (leverage >= 1 - _REL_TOL)  # margin above the position: core asks
        if mmr is not None:  # an MMR at or above 1/leverage: _request refuses it with "did you mean"
            plain &= np.isnan(leverage) | (mmr * leverage < 1)
        # cross: the balance must cover the margin (given or derived); isolated: a balance, if given, > 0
        covered = np.isnan(margin) | (bal >= margin * (1 - _REL_TOL))
        plain &= np.where(is_cross, (bal > 0) & covered, np.isnan(bal) | (bal > 0))
        wallet = np.where(is_cross, bal, margin)
        plain &= np.isfinite(wallet) & (wallet > 0)
        # the bracket at entry must hold the size and allow the leverage (TierTable.check_leverage)
        floors = np.array(table.floors)
        caps = np.array([t.cap for t in table.tiers])
        max_lev = np.array([t.max_leverage for t in table.tiers])
        size = np.asarray(table.size(quantity, e), dtype=np.float64)  # type: ignore[arg-type]  # broadcasts
        index = np.clip(np.searchsorted(floors, size, side="right") - 1, 0, len(floors) - 1)
        plain &= size < caps[index]
        plain &= np.where(np.isnan(leverage), True, leverage <= max_lev[index] * (1 + 1e-12))
    picked = np.flatnonzero(plain)
    if picked.size == 0:
        return
    prices = liquidation_price_tiered_bulk(
        s[picked], e[picked], quantity[picked], wallet[picked], table=table,
        taker_fee_rate=venue.taker_fee_rate, fee_model=venue.fee_model, mm_basis=venue.mm_basis,
    )  # fmt: skip
    # NaN: not liquidatable or refused by the twin; at or past entry: already liquidated. calculate() explains
    priced = ~np.isnan(prices) & (s[picked] * (prices - e[picked]) < 0)
    values = prices[priced]
    if venue.rounds_to_tick:  # as calculate(): towards entry, on the table's tick
        values = round_to_tick_bulk(values, table.tick_size, s[picked][priced], e[picked][priced])
    for row, price in zip(rows[picked][priced].tolist(), values.tolist(), strict=True):
        out[row] = price


# --- the trade one-liner ----------------------------------------------------------------------------------

TEXT = TextArg("trade", "a trade like 50000 10x 1000 isolated long", required=True)
OPTIONAL_SIDE = SideArg(required=False)


def text_prices(text: Any, side: Any) -> Grid:
    """``LIQ_TEXT``: each one-liner's liquidation price; texts without a side spill long and short.

    When any text names no side (and ``side`` is empty) every input cell takes two output columns,
    long then short; a one-sided text fills its own column and leaves the other empty.

    Each distinct text is read once (``core.grammar.parse_trade_fields``). Plainly sized trades are then
    priced like ``LIQ_PRICE``'s ranges, one bulk-twin call per tier table; the rest (a live-mark entry,
    fees, anything the twin cannot price) go through ``parse_trade`` and ``calculate`` for the exact
    answer or message.
    """
    try:
        args, shape = _args([("trade", text, TEXT), ("side", side, OPTIONAL_SIDE)])
    except CoreError as exc:
        return [[error_text(exc)]]
    book = market_book()
    known = book.symbols()
    fields_of: dict[str, dict[str, Any] | _Bad] = {}
    cells_in: list[tuple[Any, Any]] = []
    for i in range(shape[0]):
        for j in range(shape[1]):
            line, chosen = args[0].at(i, j), args[1].at(i, j)
            cells_in.append((line, chosen))
            if isinstance(line, str) and line not in fields_of:
                try:
                    fields_of[line] = parse_trade_fields(line, known_symbols=known, allow_market=True)
                except (CoreError, ValidationError) as exc:
                    fields_of[line] = _Bad(exc)
    # (cell, side) pairs to price: one per cell with a side, long and short for a cell without one
    pairs: list[tuple[int, Side, dict[str, Any] | None]] = []
    answers: list[Any] = [None] * len(cells_in)
    for index, (line, chosen) in enumerate(cells_in):
        bad = next((v for v in (line, chosen) if isinstance(v, _Bad)), None)
        fields = fields_of.get(line) if isinstance(line, str) else None
        if bad is not None or isinstance(fields, _Bad):
            answers[index] = (bad or fields).text  # type: ignore[union-attr]
            continue
        assert fields is not None
        named = fields.get("side") or chosen
        for one in (named,) if named else (Side.LONG, Side.SHORT):
            pairs.append((index, one, fields if set(fields) <= _PLAIN_TEXT_FIELDS else None))
    prices = _price_text_pairs(pairs)
    for (index, one, _), price in zip(pairs, prices, strict=True):
        if isinstance(answers[index], str):  # the text itself was refused for the other side already
            continue
        if price is None:  # the scalar core: the exact answer, or what is wrong
            line, chosen = cells_in[index]
            try:
                request = parse_trade(line, defaults={"side": chosen} if chosen else None, book=book)
            except (CoreError, ValidationError) as exc:
                answers[index] = error_text(exc)  # the text is wrong, whatever the side: one error, first column
                continue
            try:
                price = _out(_pick_price(calculate(request, one, book=book)))
            except (CoreError, ValidationError) as exc:
                price = error_text(exc)
        slot = answers[index] if isinstance(answers[index], dict) else {}
        slot[one] = price
        answers[index] = slot
    two = any(isinstance(a, dict) and len(a) == 2 for a in answers)
    out: list[Any] = []
    for answer in answers:
        if not isinstance(answer, dict):  # an error: the first column, the other empty
            out.append([answer, ""] if two else [answer])
        elif two:
            out.append([answer.get(Side.LONG, ""), answer.get(Side.SHORT, "")])
        else:
            out.append([next(iter(answer.values()))])
    rows, cols = shape
    return [[cell for pair in out[r * cols : (r + 1) * cols] for cell in pair] for r in range(rows)]


# what a one-liner may say and still be priced by the bulk twin (a live-mark entry, a fee or a notional: scalar)
_PLAIN_TEXT_FIELDS = frozenset(
    {"entry_price", "leverage", "margin", "quantity", "side", "margin_mode", "venue", "symbol", "mmr", "wallet_balance"}
)


def _price_text_pairs(pairs: Sequence[tuple[int, Side, dict[str, Any] | None]]) -> list[Any]:
    """The bulk-twin price of each plain (cell, side) pair; None where the scalar core must answer."""
    plain = [
        (k, side, fields) for k, (_, side, fields) in enumerate(pairs) if fields is not None and "entry_price" in fields
    ]
    out: list[Any] = [None] * len(pairs)
    if not plain:
        return out

    def column(name: str) -> FloatArray:
        return np.array([f.get(name, np.nan) for _, _, f in plain], dtype=np.float64)

    floats = {
        "entry": column("entry_price"), "leverage": column("leverage"), "margin": column("margin"),
        "quantity": column("quantity"), "balance": column("wallet_balance"),
    }  # fmt: skip
    sign = np.array([side.sign for _, side, _ in plain], dtype=np.float64)
    cross = np.array([f.get("margin_mode") is MarginMode.CROSS for _, _, f in plain], dtype=bool)
    groups: dict[tuple[Any, Any, Any], list[int]] = {}
    for k, (_, _, fields) in enumerate(plain):
        groups.setdefault((fields.get("venue"), fields.get("symbol"), fields.get("mmr")), []).append(k)
    priced: list[Any] = [None] * len(plain)
    for (venue_key, symbol, mmr), rows in groups.items():
        _price_group(np.asarray(rows, dtype=np.intp), venue_key, symbol, mmr, floats, sign, cross, priced)
    for (k, _, _), price in zip(plain, priced, strict=True):
        out[k] = price
    return out


# --- tables: tiers, isolated vs cross -------------------------------------------------------------------

TIER_HEADER = ["tier", "floor", "cap", "mmr", "max leverage", "maintenance amount"]


def tier_rows(venue: Any, symbol: Any) -> Grid:
    """``LIQ_TIERS``: the bracket table ``LIQ_PRICE`` uses for a venue and symbol, with a header row.

    The last row names the market and the date the bundled table was valid.
    """
    try:
        venue_key, symbol_text = one_row(
            [("venue", venue, VENUE), ("symbol", symbol, SYMBOL)],
            "LIQ_TIERS shows one table: give one venue cell and one symbol cell",
        )
        venue_obj, table = _venue_table(venue_key, symbol_text)
    except (CoreError, ValidationError) as exc:
        return [[error_text(exc)]]
    rows: Grid = [list(TIER_HEADER)]
    for number, tier in enumerate(table.tiers, start=1):
        cap: Any = tier.cap if math.isfinite(tier.cap) else "no cap"
        rows.append([number, tier.floor, cap, tier.mmr, tier.max_leverage, tier.maintenance_amount])
    as_of = f"as of {table.as_of}" if table.as_of else table.source
    rows.append([f"{venue_obj.name} {table.market}", as_of, "", "", "", ""])
    return rows


def marks(symbol: Any, venue: Any) -> Grid:
    """``LIQ_MARK``: each symbol's live mark price on the venue (classic xlwings; Lite says to type the price)."""

    def one(symbol_text: str | None, venue_key: str | None) -> Any:
        if not symbol_text:
            raise InvalidInputError("symbol is empty; type one like BTC or ETHUSDT", field="symbol")
        return market_mark(symbol_text, venue_key or "binance").price

    return cells(one, [("symbol", symbol, SYMBOL), ("venue", venue, VENUE)])


COMPARE_FIELDS = {
    "liquidation price": "liquidation_price",
    "move to liquidation": "move_to_liquidation",
    "bankruptcy price": "bankruptcy_price",
    "at risk (max loss)": "max_loss",
    "effective leverage": "effective_leverage",
}
COMPARE_LABELS = tuple(COMPARE_FIELDS)


def compare_table(values: Sequence[Any]) -> Grid:
    """``LIQ_COMPARE``: the same trade isolated and cross for one balance, as a 6×3 table."""
    names = ("entry", "leverage", "margin", "side", "balance", "venue", "symbol", "mmr", "quantity")
    coercers = (ENTRY, LEVERAGE, MARGIN, SIDE, BALANCE, VENUE, SYMBOL, MMR, QUANTITY)
    try:
        specs: list[Spec] = list(zip(names, values, coercers, strict=True))
        row = one_row(specs, "LIQ_COMPARE compares one trade: give single cells, not ranges")
        entry, lev, margin, side, balance, venue, symbol, mmr, qty = row
        if balance is None:
            raise InvalidInputError("comparing needs the account balance; type a balance like 10000", field="balance")
        request = _request(entry, lev, margin, side, MarginMode.ISOLATED, venue, symbol, mmr, None, qty)
        if request.side is None:
            raise InvalidInputError("side is empty; type long or short (or L / S)", field="side")
        comparison = compare_margin_modes(request, balance, book=market_book())
    except (CoreError, ValidationError) as exc:
        return [[error_text(exc)]]
    table: Grid = [["", "isolated", "cross"]]
    for label, field in COMPARE_FIELDS.items():
        figures = (getattr(card, field) for card in (comparison.isolated, comparison.cross))
        table.append([label, *("none" if value is None else _out(value) for value in figures)])
    return table


# --- stop, funding ----------------------------------------------------------------------------------------

STOP = Number("stop", "a stop price like 48000", required=True)


def stop_checks(stop: Any, values: Sequence[Any]) -> Grid:
    """``LIQ_STOP_CHECK``: per trade row, whether the stop fires before liquidation (a sentence)."""

    def check(stop_price: float, *trade: Any) -> str:
        card = _card(*trade)
        side = card.position.side
        return stop_check(side, card.position.entry_price, stop_price, card.liquidation_price).message

    return cells(check, [("stop", stop, STOP), *_trade_specs(values)])


FUNDING_RATE = Rate("funding_rate", "a rate per period like 0.01% (or the number 0.0001)", zero_is_empty=False)
PERIODS = Number("periods", "a number of funding periods like 21", required=True, zero_is_empty=False)


def funding_prices(rate: Any, periods: Any, values: Sequence[Any]) -> Grid:
    """``LIQ_FUNDING``: the isolated liquidation price after ``periods`` funding payments."""

    def after(rate_value: float | None, count: float, *trade: Any) -> Any:
        request = _request(*trade)
        if request.side is None:
            raise InvalidInputError("side is empty; type long or short (or L / S)", field="side")
        card = liquidation_after_funding(request, request.side, rate_value or 0.0, count, book=market_book())
        return _pick_price(card)

    return cells(after, [("funding_rate", rate, FUNDING_RATE), ("periods", periods, PERIODS), *_trade_specs(values)])


# --- PnL, ROE, target ------------------------------------------------------------------------------------

EXIT = Number("exit", "a price like 55000", required=True)
FEE = Rate("fee", "a taker fee like 0.05% (or the number 0.0005)", below=0.01)
ROE = Rate("roe", "a return like 50% (or the number 0.5)", required=True, zero_is_empty=False)
SIZE_QUANTITY = Number("quantity", "a quantity like 0.2", required=True)
REQUIRED_LEVERAGE = Leverage("leverage", "a leverage like 10x or 10", required=True)


OPTIONAL_LEVERAGE = Leverage("leverage", "a leverage like 10x or 10")


def pnls(
    entry: Any, exit_price: Any, quantity: Any, side: Any, fee: Any, leverage: Any = None, *, bulk_from: int = 2
) -> Grid:
    """``LIQ_PNL``: realised PnL per row (fees on both fills); ranges in one call of ``core.pnl_bulk``.

    With a ``leverage`` the position is isolated with margin = notional / leverage, and an exit beyond
    its liquidation price gives the loss at liquidation (the margin), as the exchange would.
    """
    specs: list[Spec] = [("entry", entry, ENTRY), ("exit", exit_price, EXIT), ("quantity", quantity, SIZE_QUANTITY),
             ("side", side, SIDE), ("fee", fee, FEE)]  # fmt: skip
    if not _all_blank(leverage):
        specs.append(("leverage", leverage, OPTIONAL_LEVERAGE))

        def capped(e: float, x: float, q: float, s: Side, f: float | None, lev: float | None) -> float:
            if lev is None:
                return pnl(s, e, x, q, taker_fee_rate=f or 0.0)
            request = _request(e, lev, None, s, MarginMode.ISOLATED, None, None, None, None, q, fee=f)
            return pnl_report(request, x, s, book=market_book()).pnl

        return cells(capped, specs)

    def scalar(e: float, x: float, q: float, s: Side, f: float | None) -> float:
        return pnl(s, e, x, q, taker_fee_rate=f or 0.0)

    return _bulk_or_cells(
        specs, scalar, bulk_from,
        lambda a, shape: pnl_bulk(
            _sides(a[3], shape), a[0].floats(shape), a[1].floats(shape), a[2].floats(shape),
            taker_fee_rate=np.nan_to_num(a[4].floats(shape), nan=0.0),
        ),
    )  # fmt: skip


def roes(entry: Any, exit_price: Any, leverage: Any, side: Any, fee: Any) -> Grid:
    """``LIQ_ROE``: return on the initial margin (a fraction); −100 % when liquidated before the exit."""

    def roe(e: float, x: float, lev: float, s: Side, f: float | None) -> Any:
        request = _request(e, lev, None, s, MarginMode.ISOLATED, None, None, None, None, 1.0, fee=f)
        report = pnl_report(request, x, s, book=market_book())
        return report.roe

    specs: list[Spec] = [("entry", entry, ENTRY), ("exit", exit_price, EXIT), ("leverage", leverage, REQUIRED_LEVERAGE),
             ("side", side, SIDE), ("fee", fee, FEE)]  # fmt: skip
    return cells(roe, specs)


def target_prices(entry: Any, roe: Any, leverage: Any, side: Any, fee: Any) -> Grid:
    """``LIQ_TARGET_PRICE``: the exit price that returns ``roe`` on the initial margin (none past liquidation)."""

    def target(e: float, r: float, lev: float, s: Side, f: float | None) -> Any:
        request = _request(e, lev, NOMINAL_MARGIN, s, MarginMode.ISOLATED, None, None, None, None, None, fee=f)
        report = target_report(request, r, s, nominal_size=True, book=market_book())
        if report.liquidated_first and report.liquidation_price is not None:
            return error_text(
                f"roe {r:.2%} lies past liquidation at {fmt_num(report.liquidation_price)}: an isolated {s.value} at "
                f"{fmt_num(lev)}x loses at most its margin (−100%); type a roe above −100%"
            )
        if report.exit_price is None:
            return error_text(
                f"no price gives a {s.value} an ROE of {fmt_percent(r)} at {fmt_num(lev)}x (the exit would be at or "
                f"below 0): did you mean {fmt_percent(r / 100)}? type a return like 50% or 0.5"
            )
        return report.exit_price

    specs: list[Spec] = [("entry", entry, ENTRY), ("roe", roe, ROE), ("leverage", leverage, REQUIRED_LEVERAGE),
             ("side", side, SIDE), ("fee", fee, FEE)]  # fmt: skip
    return cells(target, specs)


# --- sizing ----------------------------------------------------------------------------------------------

ACCOUNT = Number("account", "an account balance like 10000", required=True)
RISK = Rate("risk", "a share of the account like 1% (or the number 0.01)", required=True, below=1.0)
STOP_PRICE = Number("stop", "a stop price like 48500", required=True)
# An explicit 0 means no buffer; only a left-out argument takes the default 0.5 %. A buffer of a fifth of
# the stop or more is a percent typed as a plain number (0.5 for 0.5 %).
BUFFER = Rate("buffer", "a buffer like 0.5% (or the number 0.005), or 0 for none", zero_is_empty=False, below=0.2)


def position_sizes(
    balance: Any, risk: Any, entry: Any, stop: Any, fee: Any, *, bulk_from: int = 2
) -> Grid:  # fmt: skip
    """``LIQ_SIZE``: the quantity that loses ``risk`` of the balance at the stop (fees in)."""
    specs: list[Spec] = [("balance", balance, ACCOUNT), ("risk", risk, RISK), ("entry", entry, ENTRY),
             ("stop", stop, STOP_PRICE), ("fee", fee, FEE)]  # fmt: skip

    def scalar(b: float, r: float, e: float, s: float, f: float | None) -> float:
        return position_size(b, r, e, s, taker_fee_rate=f or 0.0)

    return _bulk_or_cells(
        specs, scalar, bulk_from,
        lambda a, shape: position_size_bulk(
            a[0].floats(shape), a[1].floats(shape), a[2].floats(shape), a[3].floats(shape),
            taker_fee_rate=np.nan_to_num(a[4].floats(shape), nan=0.0),
        ),
    )  # fmt: skip


def max_leverages(values: Sequence[Any]) -> Grid:
    """``LIQ_MAX_LEVERAGE``: the highest isolated leverage whose liquidation stays beyond the stop."""

    def highest(
        e: float, stop: float, s: Side, q: float, venue_key: str | None, symbol: str | None,
        mmr: float | None, buffer: float | None, fee: float | None,
    ) -> Any:  # fmt: skip
        venue = get_venue(venue_key or DEFAULT_VENUE)
        probe = _request(e, 1.0, None, s, MarginMode.ISOLATED, venue_key, symbol, mmr, None, q)
        table = table_for(probe, venue, market_book())
        found = max_safe_leverage(
            s, e, stop, quantity=q, table=table, venue=venue, taker_fee_rate=fee,
            buffer_fraction=DEFAULT_BUFFER if buffer is None else buffer,
        )  # fmt: skip
        if found is None:
            where = "below" if s is Side.LONG else "above"
            return error_text(
                f"a {s.value}'s stop must be {where} its entry: stop {fmt_num(stop)} vs entry {fmt_num(e)}"
            )
        return found

    names = ("entry", "stop", "side", "quantity", "venue", "symbol", "mmr", "buffer", "fee")
    coercers = (ENTRY, STOP_PRICE, SIDE, SIZE_QUANTITY, VENUE, SYMBOL, MMR, BUFFER, FEE)
    return cells(highest, list(zip(names, values, coercers, strict=True)))


def _bulk_or_cells(
    specs: Sequence[Spec],
    scalar: Callable[..., Any],
    bulk_from: int,
    bulk: Callable[[list[Arg], tuple[int, int]], FloatArray],
) -> Grid:
    """One bulk-twin call for ranges; rows it marks NaN (and single cells) go through ``scalar``."""
    try:
        args, shape = _args(specs)
    except CoreError as exc:
        return [[error_text(exc)]]
    size = shape[0] * shape[1]
    if size < bulk_from:
        return cells(scalar, specs)
    bad = _first_bad(args, shape)
    result = bulk(args, shape)
    out: list[Any] = result.tolist()
    redo = np.isnan(result)  # the twin's bad rows: the scalar core says why
    if bad is not None:
        flagged = bad != None  # noqa: E711
        for i in np.flatnonzero(flagged):
            out[i] = bad[i]
        redo &= ~flagged
    for i in np.flatnonzero(redo):
        r, c = divmod(int(i), shape[1])
        try:
            out[i] = _out(scalar(*(a.at(r, c) for a in args)))
        except (CoreError, ValidationError) as exc:
            out[i] = error_text(exc)
    return _reshape(out, shape)


# --- cross accounts --------------------------------------------------------------------------------------

WALLET = Number("wallet", "a wallet balance like 20000", required=True)
_POSITION_FIELDS = ("symbol", "side", "quantity", "entry_price", "mark_price")
_POSITION_COERCERS: tuple[Coercer, ...] = (
    TextArg("symbol", "a symbol like BTC", required=True),
    SideArg(),
    Number("quantity", "a quantity like 0.5", required=True),
    Number("entry", "an entry price like 60000", required=True),
    Number("mark", "a mark price like 59000 (empty: the entry)"),
)


def _positions(positions: Any) -> list[tuple[int, CrossPositionInput | str | None]]:
    """Read a positions range (symbol, side, quantity, entry[, mark]) row by row.

    Returns one entry per row: a position, an error text, or None for an empty or header row.
    """
    rows = grid(positions)
    if len(rows[0]) not in (4, 5):
        raise InvalidInputError(
            f"the positions range has {len(rows[0])} columns; give 4 or 5: symbol, side, quantity, entry[, mark]",
            field="positions",
        )
    read: list[tuple[int, CrossPositionInput | str | None]] = []
    for number, row in enumerate(rows):
        if all(_empty(cell) for cell in row):
            read.append((number, None))
            continue
        if number == 0 and isinstance(row[2], str) and _is_header(row):
            read.append((number, None))
            continue
        try:
            values = (coerce(cell) for coerce, cell in zip(_POSITION_COERCERS, row, strict=False))
            position = CrossPositionInput(**dict(zip(_POSITION_FIELDS, values, strict=False)))
        except (CoreError, ValidationError) as exc:
            read.append((number, error_text(exc)))
            continue
        read.append((number, position))
    return read


def _single(name: str, value: Any, coerce: Coercer) -> Any:
    """One argument that must be a single cell, coerced; a range is an error saying so."""
    rows = grid(value)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise InvalidInputError(f"{name} is one cell, not a range; type {name} in a single cell", field=name)
    return coerce(rows[0][0])


def _is_header(row: list[Any]) -> bool:
    try:
        SideArg()(row[1])
    except CoreError:
        return True
    return False


def _account(positions: Any, wallet: Any, venue: Any, mmr: Any) -> tuple[Any, list[Any], int]:
    """The cross result (None when a row is unreadable), each row's entry and the first bad row (1-based)."""
    read = _positions(positions)
    wallet_value, venue_key, mmr_value = (
        _single(name, value, coerce) for name, value, coerce in (("wallet", wallet, WALLET),
                                                                  ("venue", venue, VENUE), ("mmr", mmr, MMR))
    )  # fmt: skip
    errors = [(n, entry) for n, entry in read if isinstance(entry, str)]
    if errors:
        first = errors[0][0] + 1
        return None, [entry for _, entry in read], first
    found = [entry for _, entry in read if isinstance(entry, CrossPositionInput)]
    if not found:
        raise InvalidInputError("no positions given; fill rows of symbol, side, quantity, entry[, mark]")
    request = CrossAccountRequest(wallet_balance=wallet_value, positions=tuple(found), venue=venue_key, mmr=mmr_value)
    return cross_account(request, book=market_book()), [entry for _, entry in read], 0


def cross_prices(positions: Any, wallet: Any, venue: Any, mmr: Any) -> Grid:
    """``LIQ_CROSS``: each position's liquidation price in the cross account, one per input row.

    The column lines up with the positions range; empty and header rows stay empty. An unreadable
    row shows its error and every other row says which row to fix (prices depend on every position).
    """
    try:
        result, entries, bad_row = _account(positions, wallet, venue, mmr)
    except (CoreError, ValidationError) as exc:
        return [[error_text(exc)]]
    if result is None:
        pointer = error_text(f"fix row {bad_row} of the positions first; cross prices depend on every position")
        return [[entry if isinstance(entry, str) else pointer if entry is not None else ""] for entry in entries]
    prices = {(p.symbol, p.side): p for p in result.positions}
    out: Grid = []
    for entry in entries:
        if not isinstance(entry, CrossPositionInput):
            out.append([""])
            continue
        leg = prices[(entry.symbol, entry.side)]
        out.append([_out(leg.liquidation_price) if leg.liquidation_price is not None else NO_LIQUIDATION])
    return out


def cross_move(positions: Any, wallet: Any, venue: Any, mmr: Any) -> Grid:
    """``LIQ_CROSS_MOVE``: the one % move of every mark that liquidates the cross account."""
    try:
        result, entries, bad_row = _account(positions, wallet, venue, mmr)
    except (CoreError, ValidationError) as exc:
        return [[error_text(exc)]]
    if result is None:
        first = next(entry for entry in entries if isinstance(entry, str))
        return [[error_text(f"row {bad_row} of the positions: {first.removeprefix(ERROR).strip()}")]]
    if result.account_move is None:
        return [[f"{NO_LIQUIDATION}: no move of every price above -100 % liquidates the account"]]
    return [[_out(result.account_move)]]
