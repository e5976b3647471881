"""Issue 10 in Excel: PnL, ROE and target prices stop at liquidation, with Excel-shaped arguments.

Worked example (textbook, MM at entry, MMR 0.5 %): 97,000 long at 25x liquidates at
97,000·(1 − 1/25 + 0.005) = 93,605. A 0.128866 BTC position (margin 97,000·0.128866/25 = 500.0001)
closed at 90,000 would lose 0.128866·7,000 = 902.06 by the formula, but is liquidated first.
"""

from __future__ import annotations

import pytest

from excel_addin import udfs
from tests.excel_addin.shown import shown

QTY = 0.128866
MARGIN = 97_000 * QTY / 25


@pytest.mark.parametrize(
    ("exit_price", "leverage", "expected"),
    [
        pytest.param(90_000, 25, -MARGIN, id="past-liquidation-loses-the-margin"),
        pytest.param(95_000, 25, -2_000 * QTY, id="before-liquidation-the-formula"),
        pytest.param(90_000, None, -7_000 * QTY, id="no-leverage-no-margin-the-formula"),
        pytest.param(99_000, "25x", 2_000 * QTY, id="gain-text-leverage"),
    ],
)
def test_liq_pnl_with_a_leverage_stops_at_liquidation(exit_price: float, leverage: object, expected: float) -> None:
    got = shown(udfs.LIQ_PNL, [[97_000]], [["long"]], [[exit_price]], [[QTY]], [[None]], [[leverage]])
    assert got[0][0] == pytest.approx(expected, rel=1e-9)


def test_liq_pnl_column_with_leverage_mixes_rows() -> None:
    got = shown(
        udfs.LIQ_PNL, [[97_000], [97_000]], [["L"], ["L"]], [[90_000], [95_000]], [[QTY], [QTY]], None, [[25], [25]]
    )
    assert got[0][0] == pytest.approx(-MARGIN, rel=1e-9) and got[1][0] == pytest.approx(-2_000 * QTY, rel=1e-9)


@pytest.mark.parametrize(
    ("exit_price", "expected"),
    [
        pytest.param(90_000, -1.0, id="liquidated-first-minus-100"),
        pytest.param(95_000, -2_000 / 97_000 * 25, id="before-liquidation"),  # −51.5 %
    ],
)
def test_liq_roe_is_at_most_minus_100_percent(exit_price: float, expected: float) -> None:
    got = shown(udfs.LIQ_ROE, [[97_000]], [["long"]], [[exit_price]], [["25x"]], [[None]])
    assert got[0][0] == pytest.approx(expected, rel=1e-9)


def test_liq_target_price_past_liquidation_is_refused() -> None:
    got = shown(
        udfs.LIQ_TARGET_PRICE, [[97_000], [97_000]], [["long"], ["long"]], [["-150%"], ["50%"]], [[25], [25]], None
    )
    assert isinstance(got[0][0], str) and got[0][0].startswith("#VALUE! roe -150.00% lies past liquidation at 93,605")
    assert got[1][0] == pytest.approx(97_000 * (1 + 0.5 / 25), rel=1e-12)  # 98,940


# --- issue 11 in Excel ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "mmr", "expected"),
    [
        # textbook long at 50x, MMR 0.5 %: EP·(1 − 0.02 + 0.005) = 0.98·EP·… exact, no fixed 0.01 step
        pytest.param(0.15, 0.005, 0.15 * 0.985, id="doge"),
        pytest.param(0.0000123, 0.005, 0.0000123 * 0.985, id="pepe"),
        pytest.param(0.00000001, 0.01, 0.00000001 * 0.99, id="shib"),
    ],
)
def test_liq_price_and_compare_for_coins_under_a_dollar(entry: float, mmr: float, expected: float) -> None:
    column = shown(udfs.LIQ_PRICE, [[entry], [entry]], "long", 50, 1000, None, None, None, None, mmr)
    assert [row[0] for row in column] == pytest.approx([expected, expected], rel=1e-12)
    single = shown(udfs.LIQ_PRICE, entry, "long", 50, 1000, None, None, None, None, mmr)
    assert single[0][0] == pytest.approx(expected, rel=1e-12)
    # on Binance's rules with your MMR: six significant figures, never 0 or a fixed step
    binance = shown(udfs.LIQ_PRICE, entry, "long", 50, 1000, None, "binance", None, None, mmr)[0][0]
    assert 0 < binance < entry and binance == pytest.approx(expected, rel=2e-2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param((50000, "long", 250, 200), "#VALUE! already liquidated at entry", id="liq-above-entry"),
        pytest.param(([[1e308], [50000]], "long", 10, 1000), "#VALUE! entry price 1 × 10^308 is too large", id="huge"),
    ],
)
def test_liq_price_refuses_what_cannot_be_shown(args: tuple, message: str) -> None:
    got = shown(udfs.LIQ_PRICE, *args)
    assert isinstance(got[0][0], str) and got[0][0].startswith(message)


@pytest.mark.parametrize(
    ("stop", "message"),
    [
        pytest.param(-1, "#VALUE! stop_price -1.0 must be above 0", id="negative"),
        pytest.param(51_000, "#VALUE! a long's stop must be below its entry", id="long-stop-above-entry"),
    ],
)
def test_stop_check_refuses_impossible_stops(stop: float, message: str) -> None:
    got = shown(udfs.LIQ_STOP_CHECK, stop, 50000, "long", 10, 1000)
    assert got[0][0].startswith(message)
