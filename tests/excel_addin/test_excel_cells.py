"""Cell coercion (``excel_addin._cells``): what each runtime hands a function → core inputs.

The shapes and values come from ``shared/EXCEL.md`` §3: classic sends floats and ``None`` for empty
cells; Office.js keeps ints, sends ``0`` for an empty scalar cell and ``None`` inside arrays;
``ndim=2`` makes every argument a 2-D list.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from core import InvalidInputError, MarginMode, Side
from excel_addin import _cells
from excel_addin._cells import (
    ENTRY,
    ERROR,
    LEVERAGE,
    MARGIN,
    MMR,
    MODE,
    SIDE,
    SYMBOL,
    VENUE,
    Arg,
    error_text,
    grid,
)


class TestGrid:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(5, [[5]], id="scalar"),
            pytest.param(None, [[None]], id="omitted"),
            pytest.param([1, 2], [[1], [2]], id="1-D list is a column"),
            pytest.param([[1, 2]], [[1, 2]], id="row"),
            pytest.param([[1], [2]], [[1], [2]], id="column"),
            pytest.param(((1,), (2,)), [[1], [2]], id="tuples"),
            pytest.param([[1, 2], [3]], [[1, 2], [3, None]], id="ragged rows are padded"),
            pytest.param([], [[None]], id="empty list"),
            pytest.param(np.array([[1.0, 2.0]]), [[1.0, 2.0]], id="ndarray"),
        ],
    )
    def test_shapes(self, value, expected) -> None:
        assert grid(value) == expected


class TestNumber:
    @pytest.mark.parametrize(
        ("cell", "expected"),
        [
            pytest.param(50000.0, 50000.0, id="classic float"),
            pytest.param(50000, 50000.0, id="Office.js int"),
            pytest.param("50k", 50000.0, id="k suffix"),
            pytest.param("$50,000", 50000.0, id="dollar and commas"),
            pytest.param(" 50000 ", 50000.0, id="spaces"),
            pytest.param("1.5m", 1_500_000.0, id="m suffix"),
        ],
    )
    def test_reads(self, cell, expected) -> None:
        value = ENTRY(cell)
        assert value == expected
        assert isinstance(value, float)

    @pytest.mark.parametrize("cell", [None, "", "   ", 0, 0.0], ids=["None", "empty", "blank", "int 0", "float 0"])
    def test_empty_optional_is_not_given(self, cell) -> None:
        assert MARGIN(cell) is None

    def test_text_zero_is_a_real_zero(self) -> None:
        assert MARGIN("0") == 0.0

    @pytest.mark.parametrize("cell", [None, "", 0], ids=["None", "empty", "Office.js empty 0"])
    def test_empty_required_says_what_to_type(self, cell) -> None:
        with pytest.raises(InvalidInputError, match=r"^entry is empty; type a price like 50000 or 50k$"):
            ENTRY(cell)

    @pytest.mark.parametrize(
        ("cell", "message"),
        [
            pytest.param("abc", "entry 'abc' is not a number; type a price like 50000 or 50k", id="word"),
            pytest.param(True, "entry True is not a number; type a price like 50000 or 50k", id="TRUE"),
            pytest.param(dt.datetime(2026, 1, 2), "is not a number", id="date"),
            pytest.param(math.nan, "is not a finite number", id="nan"),
            pytest.param(math.inf, "is not a finite number", id="inf"),
            pytest.param("#N/A", "entry is the error #N/A; fix that cell", id="error text"),
        ],
    )
    def test_bad_cells(self, cell, message) -> None:
        with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            ENTRY(cell)


class TestRateAndLeverage:
    @pytest.mark.parametrize(
        ("cell", "expected"),
        [
            pytest.param(0.005, 0.005, id="percent cell holds a fraction"),
            pytest.param("0.5%", 0.005, id="text with %"),
            pytest.param("0.5 %", 0.005, id="text with space and %"),
            pytest.param("0.005", 0.005, id="numeric text is the number"),
            pytest.param("0%", 0.0, id="text 0% forces zero"),
            pytest.param(0, None, id="0 is an empty cell"),
            pytest.param(None, None, id="empty uses the tiers"),
        ],
    )
    def test_mmr(self, cell, expected) -> None:
        value = MMR(cell)
        if expected is None:
            assert value is None
        else:
            assert value == pytest.approx(expected, rel=1e-15)

    @pytest.mark.parametrize(
        ("cell", "expected"),
        [(10, 10.0), (10.0, 10.0), ("10x", 10.0), ("10X", 10.0), ("x10", 10.0), ("10", 10.0), ("12.5x", 12.5)],
    )
    def test_leverage(self, cell, expected) -> None:
        assert LEVERAGE(cell) == expected

    def test_bad_leverage(self) -> None:
        with pytest.raises(InvalidInputError, match=r"^leverage 'tenx' is not a leverage; type it like 10x or 10$"):
            LEVERAGE("tenx")


class TestWords:
    @pytest.mark.parametrize(
        ("cell", "expected"),
        [("long", Side.LONG), ("L", Side.LONG), ("Buy", Side.LONG), (1, Side.LONG), (1.0, Side.LONG),
         ("short", Side.SHORT), ("s", Side.SHORT), ("SELL", Side.SHORT), (-1, Side.SHORT)],
    )  # fmt: skip
    def test_side(self, cell, expected) -> None:
        assert SIDE(cell) is expected

    @pytest.mark.parametrize("cell", ["up", 2, True])
    def test_bad_side(self, cell) -> None:
        with pytest.raises(InvalidInputError, match="type long or short"):
            SIDE(cell)

    def test_missing_side(self) -> None:
        with pytest.raises(InvalidInputError, match=r"^side is empty; type long or short \(or L / S\)$"):
            SIDE(None)

    @pytest.mark.parametrize(
        ("cell", "expected"),
        [(None, MarginMode.ISOLATED), (0, MarginMode.ISOLATED), ("iso", MarginMode.ISOLATED),
         ("Cross", MarginMode.CROSS), ("c", MarginMode.CROSS)],
    )  # fmt: skip
    def test_mode(self, cell, expected) -> None:
        assert MODE(cell) is expected

    def test_venue(self) -> None:
        assert VENUE("OKEX") == "okx"
        assert VENUE(None) is None
        with pytest.raises(InvalidInputError, match="venue 'nasdaq' is unknown; type one of: textbook, binance"):
            VENUE("nasdaq")
        with pytest.raises(InvalidInputError, match="venue 5 is not a venue name"):
            VENUE(5)

    def test_symbol(self) -> None:
        assert SYMBOL(" ETHUSDT ") == "ETHUSDT"
        assert SYMBOL("") is None
        with pytest.raises(InvalidInputError, match="symbol 42 is not text; type a symbol like BTC"):
            SYMBOL(42)


class TestArg:
    def test_numeric_column_takes_the_vector_path(self) -> None:
        arg = Arg("entry", [[50000], [60000.0], [None]], MARGIN)
        assert arg.numbers is not None
        assert [arg.at(i, 0) for i in range(3)] == [50000.0, 60000.0, None]

    def test_mixed_column_is_read_cell_by_cell(self) -> None:
        arg = Arg("entry", [[50000], ["50k"], ["abc"]], ENTRY)
        assert arg.numbers is None
        assert arg.at(0, 0) == arg.at(1, 0) == 50000.0
        bad = arg.bad((3, 1))
        assert bad is not None
        assert bad.tolist() == [None, None, f"{ERROR} entry 'abc' is not a number; type a price like 50000 or 50k"]

    def test_bools_are_not_merged_with_ones(self) -> None:
        arg = Arg("side", [[1], [True]], SIDE)
        assert arg.at(0, 0) is Side.LONG
        assert arg.bad((2, 1)) is not None

    def test_broadcast_of_a_single_cell(self) -> None:
        arg = Arg("leverage", 10, LEVERAGE)
        assert arg.floats((3, 1)).tolist() == [10.0, 10.0, 10.0]


def test_error_text_is_the_one_translation() -> None:
    expected = "#VALUE! leverage 'ten' is not a leverage; type it like 10x"
    assert error_text(InvalidInputError("leverage 'ten' is not a leverage; type it like 10x")) == expected
    assert error_text("plain words") == "#VALUE! plain words"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float64("nan")])
def test_no_nan_reaches_a_cell(value) -> None:
    cell = _cells._out(value)
    assert isinstance(cell, str)
    assert cell.startswith(ERROR)


def test_results_are_plain_python_numbers() -> None:
    assert type(_cells._out(np.float64(1.5))) is float
    assert _cells._out(None) == ""
