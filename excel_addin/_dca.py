"""``LIQ_DCA``: a DCA ladder as a table — the isolated position after each fill (``core.dca_ladder``).

Reads the fills from one column or one row of prices and one of quantities (empty rows at the end
are ignored), the trade from single cells; every number comes from core, this module only lays the
steps out, one row each, under a header row.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from core import CoreError, InvalidInputError, MarginMode, dca_ladder
from core.models import MAX_DCA_FILLS
from excel_addin._cells import (
    MMR,
    NO_LIQUIDATION,
    OPTIONAL_SIDE,
    REQUIRED_LEVERAGE,
    SYMBOL,
    VENUE,
    Grid,
    Number,
    _blank,
    _out,
    _request,
    _shown,
    error_text,
    grid,
    one_row,
)
from excel_addin._market import book as market_book

__all__ = ["DCA_HEADER", "LIQUIDATED_BEFORE_ADD", "dca_table"]

DCA_HEADER = ["step", "fill price", "fill qty", "total qty", "avg entry", "margin", "liq price", "move from fill",
              "note"]  # fmt: skip
LIQUIDATED_BEFORE_ADD = "liquidated before this add"
FILL_PRICE = Number("fill price", "a price like 48000", required=True, zero_is_empty=False)
FILL_QUANTITY = Number("fill quantity", "a quantity like 0.1", required=True, zero_is_empty=False)


def dca_table(
    fill_prices: Any, fill_quantities: Any, leverage: Any, side: Any, venue: Any, symbol: Any, mmr: Any
) -> Grid:  # fmt: skip
    """``LIQ_DCA``: the isolated position after each fill of a DCA ladder, as a table with a header row.

    One row per fill (``core.dca_ladder``): step, fill price and quantity, total quantity, average
    entry, margin, liquidation price (``no liquidation`` text when there is none), the signed move
    from the fill to it (a fraction) and a note when the position is liquidated before that add fills.
    """
    try:
        lev, chosen, venue_key, symbol_text, mmr_value = one_row(
            [("leverage", leverage, REQUIRED_LEVERAGE), ("side", side, OPTIONAL_SIDE), ("venue", venue, VENUE),
             ("symbol", symbol, SYMBOL), ("mmr", mmr, MMR)],
            "LIQ_DCA builds one ladder: give leverage, side, venue, symbol and mmr as single cells",
        )  # fmt: skip
        fills = _fills(fill_prices, fill_quantities)
        first_price, first_quantity = fills[0]
        request = _request(
            first_price, lev, None, chosen, MarginMode.ISOLATED, venue_key, symbol_text, mmr_value, None,
            first_quantity,
        )  # fmt: skip
        steps = dca_ladder(request, fills, chosen, book=market_book())
    except (CoreError, ValidationError) as exc:
        return [[error_text(exc)]]
    table: Grid = [list(DCA_HEADER)]
    for step in steps:
        liquidation = step.liquidation_price
        table.append([
            step.step, _out(step.fill_price), _out(step.fill_quantity), _out(step.total_quantity),
            _out(step.average_entry), _out(step.margin), NO_LIQUIDATION if liquidation is None else _out(liquidation),
            _out(step.move_from_fill), LIQUIDATED_BEFORE_ADD if step.liquidated_before_fill else "",
        ])  # fmt: skip
    return table


def _fill_cells(name: str, value: Any) -> list[Any]:
    """The cells of a fills argument in order: one column or one row (a single cell is one fill)."""
    rows = grid(value)
    if len(rows) > 1 and len(rows[0]) > 1:
        raise InvalidInputError(
            f"{name} is {len(rows)}×{len(rows[0])} cells; type the fills in one column or one row", field=name
        )
    return [row[0] for row in rows] if len(rows[0]) == 1 else list(rows[0])


def _fills(prices: Any, quantities: Any) -> list[tuple[float, float]]:
    """The ``(price, quantity)`` fills in order; empty rows at the end are ignored.

    Raises:
        InvalidInputError: ranges of different lengths, no fill, more than ``MAX_DCA_FILLS``, an
            empty row between fills, or a cell that is empty, not a number or not above 0 (named by
            its fill number).
    """
    price_cells = _fill_cells("fill_prices", prices)
    quantity_cells = _fill_cells("fill_quantities", quantities)
    if len(price_cells) != len(quantity_cells):
        raise InvalidInputError(
            f"fill_prices has {len(price_cells)} cells but fill_quantities has {len(quantity_cells)}; "
            "type one quantity next to each price (ranges of the same size)",
            field="fill_quantities",
        )
    pairs = list(zip(price_cells, quantity_cells, strict=True))
    while pairs and _blank(pairs[-1][0]) and _blank(pairs[-1][1]):
        pairs.pop()  # people select a longer range than they fill
    if not pairs:
        raise InvalidInputError(
            "no fills given; type fill prices like 50000 and fill quantities like 0.1", field="fill_prices"
        )
    if len(pairs) > MAX_DCA_FILLS:
        raise InvalidInputError(
            f"{len(pairs)} fills given, more than {MAX_DCA_FILLS}; type at most {MAX_DCA_FILLS} fills in one ladder",
            field="fill_prices",
        )
    fills: list[tuple[float, float]] = []
    for number, (price_cell, quantity_cell) in enumerate(pairs, start=1):
        if _blank(price_cell) and _blank(quantity_cell):
            raise InvalidInputError(
                f"fill {number} is empty but later fills are given; type the fills from the top, without gaps",
                field="fill_prices",
            )
        try:
            fills.append((_above_zero(FILL_PRICE, price_cell), _above_zero(FILL_QUANTITY, quantity_cell)))
        except InvalidInputError as exc:
            raise InvalidInputError(f"fill {number}: {exc.message}", field=exc.field) from None
    return fills


def _above_zero(coerce: Number, cell: Any) -> float:
    """A required number cell that must be above 0 (a fill's price or quantity)."""
    value = coerce(cell)
    if value is None or value <= 0:
        raise InvalidInputError(
            f"{coerce.field} {_shown(cell)} is not above 0; type {coerce.example}", field=coerce.field
        )
    return value
