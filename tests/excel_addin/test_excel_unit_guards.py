"""Guards on units (issue 13): a percent typed as a plain number is refused with the likely value.

Excel-shaped arguments (2-D lists, floats, text). Each row: the input a trader types, what it would
have been taken as, and the answer now. Expected numbers: the textbook formula EP·(1 − 1/lev + MMR)
(derivations.md D1), position size = account·risk/|entry − stop|, the target exit EP·(1 ∓ roe/lev)
without fees. Tolerance 1e-9 relative.
"""

from __future__ import annotations

import pytest

from excel_addin import udfs
from excel_addin._cells import ERROR
from tests.excel_addin.shown import shown


def only(grid: list[list[object]]) -> object:
    (row,) = grid
    (cell,) = row
    return cell


@pytest.mark.parametrize(
    ("call", "refused"),
    [
        # MMR 0.5 is 50 %: at 10x (initial margin 10 %) a long would liquidate above its entry (70,000 on 50,000)
        pytest.param(lambda: shown(udfs.LIQ_PRICE, [[50000.0]], [["long"]], [[10.0]], [[1000.0]], None, None, None, None, [[0.5]]),
                     "mmr 50% is at or above the initial margin rate 10% (1/10x): the position would be liquidated as "
                     "it opens; did you mean 0.5%?", id="mmr-0.5"),
        pytest.param(lambda: shown(udfs.LIQ_PRICE, [[50000.0]], [["long"]], None, [[1000.0]], [[0.2]], None, None, None, [[0.2]], None),
                     "mmr 20% is at or above the initial margin rate 10% (1/10x)", id="mmr-from-margin-and-quantity"),
        # fee 0.05 is 5 %
        pytest.param(lambda: shown(udfs.LIQ_PNL, [[50000.0]], [["long"]], [[55000.0]], [[0.2]], [[0.05]]),
                     "fee 5% is 1% or more: did you mean 0.05%?", id="fee-0.05"),
        # risk 1 is 100 %: 6.67 BTC on a 10,000 account
        pytest.param(lambda: shown(udfs.LIQ_SIZE, [[50000.0]], [[48500.0]], [[10000.0]], [[1.0]]),
                     "risk 100% is 100% or more: did you mean 1%?", id="risk-1"),
        # ROE 50 is 5,000 %: a short's exit at 50,000·(1 − 50/10) < 0
        pytest.param(lambda: shown(udfs.LIQ_TARGET_PRICE, [[50000.0]], [["short"]], [[50.0]], [[10.0]]),
                     "no price gives a short an ROE of 5,000% at 10x (the exit would be at or below 0): did you mean "
                     "50%?", id="roe-50"),
    ],
)  # fmt: skip
def test_a_percent_typed_as_a_number_is_asked(call, refused: str) -> None:
    cell = only(call())
    assert isinstance(cell, str) and cell.startswith(f"{ERROR} {refused}"), cell


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(lambda: shown(udfs.LIQ_PRICE, [[50000.0]], [["long"]], [[10.0]], [[1000.0]], None, None, None, None, [["0.5%"]]),
                     50000 * (1 - 0.1 + 0.005), id="mmr-0.5%"),
        pytest.param(lambda: shown(udfs.LIQ_PRICE, [[50000.0]], [["long"]], [[10.0]], [[1000.0]], None, None, None, None, [[0.005]]),
                     50000 * (1 - 0.1 + 0.005), id="mmr-0.005"),
        pytest.param(lambda: shown(udfs.LIQ_SIZE, [[50000.0]], [[48500.0]], [[10000.0]], [[0.01]]), 10000 * 0.01 / 1500,
                     id="risk-0.01"),
        pytest.param(lambda: shown(udfs.LIQ_SIZE, [[50000.0]], [[48500.0]], [[10000.0]], [["1%"]]), 10000 * 0.01 / 1500,
                     id="risk-1%"),
        pytest.param(lambda: shown(udfs.LIQ_TARGET_PRICE, [[50000.0]], [["short"]], [[0.5]], [[10.0]]), 50000 * (1 - 0.05),
                     id="roe-0.5"),
        pytest.param(lambda: shown(udfs.LIQ_PNL, [[50000.0]], [["long"]], [[55000.0]], [[0.2]], [["0.05%"]]),
                     0.2 * 5000 - 0.0005 * 0.2 * (50000 + 55000), id="fee-0.05%"),
    ],
)  # fmt: skip
def test_the_right_units_compute(call, expected: float) -> None:
    assert only(call()) == pytest.approx(expected, rel=1e-9)


def test_one_bad_row_leaves_the_others_computing() -> None:
    grid = shown(
        udfs.LIQ_PRICE,
        [[50000.0], [50000.0]],
        [["long"]],
        [[10.0]],
        [[1000.0]],
        None,
        None,
        None,
        None,
        [[0.5], [0.005]],
    )
    assert isinstance(grid[0][0], str) and grid[0][0].startswith(f"{ERROR} mmr 50%")
    assert grid[1][0] == pytest.approx(45_250.0, rel=1e-12)
