"""The LIQ_ functions called as Excel calls them, compared with ``core`` on worked examples.

Arguments are Excel-shaped (``shared/EXCEL.md`` §5.2): 2-D lists (``[[50000.0]]``, columns as
``[[a], [b]]``), ints (Office.js) and floats (classic), ``None``, ``""`` and ``0`` for empty cells,
sides and leverages as text. Every answer must be a 2-D list of the broadcast shape holding floats
or text — never NaN.

Sources of the expected values: PRODUCT.md §6 and FORMULAS.md §9 (the textbook 50,000 / 10x / 1,000
trade), ``tests/core/derivations.md`` D1 (its short), the Binance USDⓈ-M formula
(https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93) applied to the bundled
2024-09-26 BTCUSDT brackets, and the derivations written next to each case. Tolerances: exact
formulas to 1e-9 absolute; prices rounded to an exchange tick to that tick.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import (
    CrossAccountRequest,
    CrossPositionInput,
    Side,
    TradeRequest,
    calculate,
    compare_margin_modes,
    cross_account,
    dca_ladder,
    parse_cross_account,
    pnl,
    position_size,
    tier_table,
)
from excel_addin import _cells, udfs
from excel_addin._cells import ERROR, NO_LIQUIDATION
from tests.excel_addin.shown import shown

TEXTBOOK = (50000, "long", 10, 1000)  # PRODUCT.md §6: 50,000 entry, long, 10x, 1,000 margin


def only(result: list[list[Any]]) -> Any:
    """The single cell of a 1×1 answer."""
    assert len(result) == 1
    assert len(result[0]) == 1
    return result[0][0]


def assert_cells(result: list[list[Any]], shape: tuple[int, int]) -> None:
    """A 2-D list of ``shape`` holding only finite floats, ints and text."""
    assert len(result) == shape[0]
    for row in result:
        assert len(row) == shape[1]
        for cell in row:
            assert isinstance(cell, str | int | float)
            if isinstance(cell, float):
                assert math.isfinite(cell)


# --- worked examples ------------------------------------------------------------------------------------


FEE_ASKED = "fee 50% is 1% or more: did you mean 0.5%?"


class TestLiqPrice:
    @pytest.mark.parametrize(
        ("args", "expected", "tol"),
        [
            pytest.param(TEXTBOOK, 45_250.0, 1e-9, id="textbook long: 50,000·(1 − 1/10 + 0.005)"),
            pytest.param((50000, "short", 10, 1000), 54_750.0, 1e-9, id="textbook short (derivations D1)"),
            pytest.param(
                (50000, "long", 10, 1000, None, None, None, 10000, None, "cross"), 250.0, 1e-9,
                id="textbook cross: 50,000 − (10,000 − 50)/0.2 (FORMULAS §9)",
            ),
            pytest.param(
                # 45,226.1307 to six significant figures, up for a long (no instrument tick with your MMR)
                (50000, "long", 10, 1000, None, "binance", None, None, 0.005), 45_226.2, 1e-9,
                id="Binance formula, MMR 0.5 %: (1,000 − 10,000)/(0.2·0.005 − 0.2) (FORMULAS §9)",
            ),
            pytest.param(
                (50000, "long", 10, 1000, None, "binance"), 45_180.8, 1e-9,
                id="Binance BTC bracket 1 (0.4 %): −9,000/−0.1992 = 45,180.72 → tick 0.1 up",
            ),
            pytest.param(
                (50000, "long", None, None, 0.2), None, 0,
                id="quantity alone does not size an isolated trade",
            ),
        ],
    )  # fmt: skip
    def test_worked_examples(self, args, expected, tol) -> None:
        cell = only(shown(udfs.LIQ_PRICE, *args))
        if expected is None:
            assert cell.startswith(ERROR)
        else:
            assert cell == pytest.approx(expected, abs=tol + 1e-9)  # a tick, plus float noise

    @pytest.mark.parametrize(
        "args",
        [
            pytest.param(([[50000.0]], [["long"]], [[10.0]], [[1000.0]]), id="classic floats in 2-D lists"),
            pytest.param(([[50000]], [["long"]], [[10]], [[1000]]), id="Office.js ints"),
            pytest.param(("50k", "L", "10x", "1k"), id="text as traders type it"),
            pytest.param((50000, "Buy", "x10", "$1,000"), id="more text"),
            pytest.param((50000, 1, 10, 1000), id="side as 1"),
            pytest.param((50000, "long", 10, 1000, "", "", "", "", "", ""), id="empty strings"),
            pytest.param((50000, "long", 10, 1000, 0, 0, 0, 0, 0, 0), id="Office.js empty cells as 0"),
            pytest.param((50000, "long", 10, 1000), id="classic None"),
        ],
    )
    def test_excel_shapes_give_the_same_answer(self, args) -> None:
        assert only(shown(udfs.LIQ_PRICE, *args)) == 45_250.0

    def test_matches_core_calculate(self) -> None:
        request = TradeRequest(entry_price=3000, leverage=20, quantity=2, side="short", venue="binance", symbol="ETH")
        expected = calculate(request).liquidation_price
        assert only(shown(udfs.LIQ_PRICE, 3000, "short", 20, None, 2, "binance", "ETH", None, None, None)) == expected

    def test_empty_mmr_uses_the_tiers_not_zero(self) -> None:
        tiers = only(shown(udfs.LIQ_PRICE, 50000, "long", 10, 1000, None, "binance"))
        assert only(shown(udfs.LIQ_PRICE, 50000, "long", 10, 1000, None, "binance", None, None, 0)) == tiers
        assert only(shown(udfs.LIQ_PRICE, 50000, "long", 10, 1000, None, "binance", None, None, "")) == tiers
        zero = only(shown(udfs.LIQ_PRICE, 50000, "long", 10, 1000, None, "binance", None, None, "0%"))
        assert zero == pytest.approx(45_000.0, abs=0.1)  # MMR 0: liquidation at bankruptcy
        assert zero != tiers

    def test_no_liquidation_is_text(self) -> None:
        cell = only(shown(udfs.LIQ_PRICE, 50000, "long", 10, 1000, None, "binance", None, 10000, None, "cross"))
        assert cell.startswith(f"{NO_LIQUIDATION}: the wallet covers the whole position")

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            pytest.param((50000, None, 10, 1000), "side is empty; type long or short", id="no side"),
            pytest.param((50000, "long", 150, 1000, None, "binance"), "type a leverage of 100x or less",
                         id="above the bracket maximum"),
            pytest.param((50000, "long", 10, 1000, None, None, None, None, None, "cross"), "add the balance", id="cross without a balance"),
            pytest.param((50000, "long", 10, 1000, None, "okx"), "no okx USDT-margined tier table",
                         id="venue without a bundled table"),
            pytest.param((50000, "long", 10, 1000, None, "nyse"), "venue 'nyse' is unknown", id="unknown venue"),
            pytest.param((-5, "long", 10, 1000), "entry price -5:", id="negative entry"),
        ],
    )  # fmt: skip
    def test_errors_say_what_to_type(self, args, message) -> None:
        cell = only(shown(udfs.LIQ_PRICE, *args))
        assert cell.startswith(ERROR)
        assert message in cell


class TestTradeFigures:
    """The other figures of the textbook card: bankruptcy 50,000·(1 − 1/10) = 45,000, distance −9.5 %,
    initial margin 1,000, maintenance 10,000·0.5 % = 50, max loss the margin (cross: the wallet)."""

    @pytest.mark.parametrize(
        ("function", "args", "expected"),
        [
            pytest.param(udfs.LIQ_BANKRUPTCY, TEXTBOOK, 45_000.0, id="bankruptcy"),
            pytest.param(udfs.LIQ_DISTANCE, TEXTBOOK, -0.095, id="distance"),
            pytest.param(udfs.LIQ_INITIAL_MARGIN, TEXTBOOK, 1_000.0, id="initial margin"),
            pytest.param(udfs.LIQ_INITIAL_MARGIN, (50000, "long", 10, None, 0.2),
                         1_000.0, id="initial margin from quantity"),
            pytest.param(udfs.LIQ_MAINT_MARGIN, TEXTBOOK, 50.0, id="maintenance margin"),
            pytest.param(udfs.LIQ_MAX_LOSS, TEXTBOOK, 1_000.0, id="max loss isolated"),
            pytest.param(udfs.LIQ_MAX_LOSS, (*TEXTBOOK, None, None, None, 10000, None, "cross"), 10_000.0,
                         id="max loss cross"),
        ],
    )  # fmt: skip
    def test_worked_examples(self, function, args, expected) -> None:
        assert only(function(*args)) == pytest.approx(expected, abs=1e-9)

    def test_bankruptcy_matches_core(self) -> None:
        request = TradeRequest(entry_price=50000, leverage=10, margin=1000, side="short", venue="binance")
        assert (
            only(shown(udfs.LIQ_BANKRUPTCY, 50000, "short", 10, 1000, None, "binance"))
            == calculate(request).bankruptcy_price
        )

    def test_initial_margin_without_leverage_is_explained(self) -> None:
        cell = only(shown(udfs.LIQ_INITIAL_MARGIN, 50000, "long", None, None, 0.2, None, None, 10000, None, "cross"))
        assert cell == "no initial margin: give the leverage or the margin"


class TestStopAndFunding:
    def test_stop_check(self) -> None:
        # (48,000 − 45,250)/50,000 = 5.5% of entry between stop and liquidation
        assert only(shown(udfs.LIQ_STOP_CHECK, 48000, *TEXTBOOK)) == "stop fires 5.5% of entry before liquidation"

    def test_stop_beyond_liquidation(self) -> None:
        cell = only(shown(udfs.LIQ_STOP_CHECK, 44000, *TEXTBOOK))
        assert cell == "stop is 2.5% of entry beyond the liquidation price: you are liquidated first"

    @pytest.mark.parametrize(
        ("rate", "periods", "expected"),
        [
            pytest.param(0.0001, 21, 45_355.0, id="long pays 21 × 0.01 % × 10,000 = 21: 50,000 − (979 − 50)/0.2"),
            pytest.param("0.01%", 21, 45_355.0, id="rate as text"),
            pytest.param(0.0001, 0, 45_250.0, id="no period: today's price"),
            pytest.param(-0.0001, 21, 45_145.0, id="negative rate: the long receives 21"),
        ],
    )
    def test_funding(self, rate, periods, expected) -> None:
        assert only(shown(udfs.LIQ_FUNDING, rate, periods, *TEXTBOOK)) == pytest.approx(expected, abs=1e-9)

    def test_funding_needs_isolated(self) -> None:
        cell = only(shown(udfs.LIQ_FUNDING, 0.0001, 21, *TEXTBOOK, None, None, None, 10000, None, "cross"))
        assert cell == f"{ERROR} funding drift is computed for isolated positions; use iso"


class TestTables:
    def test_compare_textbook(self) -> None:
        table = shown(udfs.LIQ_COMPARE, *TEXTBOOK, None, None, None, 10000)
        assert_cells(table, (6, 3))
        comparison = compare_margin_modes(TradeRequest(entry_price=50000, leverage=10, margin=1000, side="long"), 10000)
        assert table[0] == ["", "isolated", "cross"]
        assert table[1] == ["liquidation price", 45_250.0, 250.0]  # FORMULAS §9: isolated vs cross
        assert table[1][1:] == [comparison.isolated.liquidation_price, comparison.cross.liquidation_price]
        assert table[3] == ["bankruptcy price", 45_000.0, "none"]
        assert table[4] == ["at risk (max loss)", 1_000.0, 10_000.0]

    def test_compare_needs_one_trade_and_a_balance(self) -> None:
        assert only(shown(udfs.LIQ_COMPARE, *TEXTBOOK)).startswith(f"{ERROR} comparing needs the account balance")
        assert "give single cells" in only(
            shown(udfs.LIQ_COMPARE, [[50000], [60000]], "long", 10, 1000, None, None, None, 10000)
        )

    def test_tiers(self) -> None:
        table = shown(udfs.LIQ_TIERS, "binance", "BTCUSDT")
        expected = tier_table("binance", "BTC")
        assert table[0] == _cells.TIER_HEADER
        assert len(table) == len(expected.tiers) + 2
        assert table[1] == [1, 0.0, 50_000.0, 0.004, 125.0, 0.0]  # bundled 2024-09-26 bracket 1
        assert table[-1][:2] == ["Binance BTCUSDT", "as of 2024-09-26"]

    def test_textbook_tiers_are_flat_without_a_cap(self) -> None:
        table = shown(
            udfs.LIQ_TIERS,
        )
        assert table[1] == [1, 0.0, "no cap", 0.005, 1000.0, 0.0]

    def test_tiers_error(self) -> None:
        assert "no binance USDT-margined tier table for 'DOGE'" in only(shown(udfs.LIQ_TIERS, "binance", "DOGE"))


class TestText:
    def test_no_side_spills_long_and_short(self) -> None:
        assert shown(udfs.LIQ_TEXT, "50000 10x 1000 isolated") == [[45_250.0, 54_750.0]]

    def test_side_from_the_text_or_the_argument(self) -> None:
        assert shown(udfs.LIQ_TEXT, "50k x10 1k iso short") == [[54_750.0]]
        assert shown(udfs.LIQ_TEXT, "50000 10x 1000", "L") == [[45_250.0]]

    def test_a_column_of_lines(self) -> None:
        result = shown(udfs.LIQ_TEXT, [["50000 10x 1000 long"], ["50000 10x 1000"], ["nonsense"]])
        assert result[0] == [45_250.0, ""]
        assert result[1] == [45_250.0, 54_750.0]
        assert result[2][0].startswith(f"{ERROR} 'nonsense' is not understood")
        assert_cells(result, (3, 2))


class TestPnlRoeTarget:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            pytest.param((50000, "long", 55000, 0.2), 1_000.0, id="0.2 × 5,000"),
            pytest.param((50000, "short", 55000, 0.2), -1_000.0, id="short loses"),
            pytest.param((50000, "long", 55000, 0.2, "0.05%"), 989.5, id="fees 0.0005·0.2·105,000 = 10.5"),
        ],
    )
    def test_pnl(self, args, expected) -> None:
        assert only(shown(udfs.LIQ_PNL, *args)) == pytest.approx(expected, abs=1e-9)

    def test_roe(self) -> None:
        # +10 % price move at 10x = +100 % on margin
        assert only(shown(udfs.LIQ_ROE, 50000, "long", 55000, "10x")) == pytest.approx(1.0, abs=1e-12)

    def test_target_price(self) -> None:
        # EP·(1 + roe/L) = 50,000·1.05 (core.pnl.target_price doctest)
        assert only(shown(udfs.LIQ_TARGET_PRICE, 50000, "long", "50%", 10)) == pytest.approx(52_500.0, abs=1e-9)

    def test_target_out_of_reach(self) -> None:
        cell = only(shown(udfs.LIQ_TARGET_PRICE, 50000, "short", 20, 10))
        # issue 13: an ROE whose exit is at or below 0 is asked as a percent typed as a plain number
        assert cell.startswith(
            f"{ERROR} no price gives a short an ROE of 2,000% at 10x (the exit would be at or below 0): did you mean 20%?"
        )


class TestSizing:
    def test_size(self) -> None:
        # 1 % of 10,000 = 100 lost over a 1,500 stop distance: 100/1,500 coins (core.sizing doctest)
        assert only(shown(udfs.LIQ_SIZE, 50000, 48500, 10000, 0.01)) == pytest.approx(100 / 1500, rel=1e-12)

    def test_size_with_fees_matches_core(self) -> None:
        expected = position_size(10000, 0.01, 50000, 48500, taker_fee_rate=0.0005)
        assert only(shown(udfs.LIQ_SIZE, 50000, 48500, 10000, "1%", "0.05%")) == expected

    def test_max_leverage_textbook(self) -> None:
        # MM at entry, flat 0.5 %: S_b = 48,500·0.995 = 48,257.5; W = q·(250 + 1,742.5) → 50,000/1,992.5
        assert only(shown(udfs.LIQ_MAX_LEVERAGE, 50000, "long", 48500, 0.2)) == pytest.approx(50000 / 1992.5, rel=1e-12)

    def test_max_leverage_wrong_side(self) -> None:
        cell = only(shown(udfs.LIQ_MAX_LEVERAGE, 50000, "long", 52000, 0.2))
        assert cell == f"{ERROR} a long's stop must be below its entry: stop 52,000 vs entry 50,000"


class TestCross:
    POSITIONS: ClassVar[list[list[Any]]] = [["BTC", "long", 0.5, 60000, None], ["ETHUSDT", "short", 10, 3000, 2900]]

    def test_matches_core_on_the_grammar_example(self) -> None:
        expected = cross_account(
            parse_cross_account("bal 20000; BTC long 0.5 @ 60000; ETH short 10 @ 3000 mark 2900; binance")
        )
        prices = shown(udfs.LIQ_CROSS, self.POSITIONS, 20000, "binance")
        assert prices == [[p.liquidation_price] for p in expected.positions]
        move = only(shown(udfs.LIQ_CROSS_MOVE, self.POSITIONS, 20000, "binance"))
        if expected.account_move is None:
            assert move.startswith(NO_LIQUIDATION)
        else:
            assert move == expected.account_move

    def test_single_position_is_the_textbook_cross(self) -> None:
        # one position, flat 0.5 %, MM at entry: 50,000 − (10,000 − 50)/0.2 = 250 (FORMULAS §9)
        assert shown(udfs.LIQ_CROSS, [["BTC", "L", 0.2, 50000]], 10000, None, 0.005) == [[250.0]]

    def test_header_and_empty_rows_stay_empty(self) -> None:
        rows = [["symbol", "side", "qty", "entry", "mark"], *self.POSITIONS, [None, None, None, None, None]]
        result = shown(udfs.LIQ_CROSS, rows, 20000, "binance")
        assert result[0] == [""]
        assert result[-1] == [""]
        assert result[1:3] == shown(udfs.LIQ_CROSS, self.POSITIONS, 20000, "binance")

    def test_a_bad_row_points_every_row_at_it(self) -> None:
        rows = [self.POSITIONS[0], ["ETH", "short", "ten", 3000, None]]
        result = shown(udfs.LIQ_CROSS, rows, 20000, "binance")
        assert result[1] == [f"{ERROR} quantity 'ten' is not a number; type a quantity like 0.5"]
        assert result[0] == [f"{ERROR} fix row 2 of the positions first; cross prices depend on every position"]
        move = only(shown(udfs.LIQ_CROSS_MOVE, rows, 20000, "binance"))
        assert move == f"{ERROR} row 2 of the positions: quantity 'ten' is not a number; type a quantity like 0.5"

    def test_whole_account_errors(self) -> None:
        assert "4 or 5" in only(shown(udfs.LIQ_CROSS, [["BTC", "long", 0.5]], 20000))
        assert "wallet is empty" in only(shown(udfs.LIQ_CROSS, self.POSITIONS, None, "binance"))
        assert "wallet is one cell" in only(shown(udfs.LIQ_CROSS, self.POSITIONS, [[1], [2]], "binance"))
        assert "no positions given" in only(shown(udfs.LIQ_CROSS, [[None] * 4], 20000))

    def test_cross_symbols_are_normalised_like_trades(self) -> None:
        request = CrossAccountRequest(
            wallet_balance=20000,
            positions=(CrossPositionInput(symbol="ETH", side=Side.SHORT, quantity=10, entry_price=3000),),
            venue="binance",
        )
        expected = cross_account(request).positions[0].liquidation_price
        assert shown(udfs.LIQ_CROSS, [["ethusdt", "short", 10, 3000]], 20000, "binance") == [[expected]]


class TestLiqDca:
    """DCA ladders (derivations.md D12): each add brings price·qty/L of margin, the average stays at L."""

    HEADER: ClassVar[list[str]] = [
        "step", "fill price", "fill qty", "total qty", "avg entry", "margin", "liq price", "move from fill", "note"
    ]  # fmt: skip
    BINANCE: ClassVar[tuple[Any, ...]] = ([[50000], [48000], [46000]], [[0.1], [0.1], [0.2]], 10, "long", "binance")

    def test_textbook_add_beyond_liquidation_is_flagged(self) -> None:
        # step 1: 50,000·(1 − 0.1 + 0.005) = 45,250, above the 44,000 fill; step 2: average 47,000,
        # margin 9,400/10 = 940, liquidation 47,000·0.905 = 42,535
        table = shown(udfs.LIQ_DCA, [[50000], [44000]], [[0.1], [0.1]], 10)
        assert_cells(table, (3, 9))
        assert table[0] == self.HEADER
        assert table[1][:6] == [1, 50_000.0, 0.1, 0.1, 50_000.0, 500.0]
        assert table[1][6:] == [45_250.0, pytest.approx(45_250 / 50_000 - 1, abs=1e-12), ""]
        step, fill, qty, total, average, margin, liquidation, move, note = table[2]
        assert (step, fill, qty) == (2, 44_000.0, 0.1)
        assert total == pytest.approx(0.2, abs=1e-12)
        assert average == pytest.approx(47_000.0, abs=1e-9)
        assert margin == pytest.approx(940.0, abs=1e-9)
        assert liquidation == pytest.approx(42_535.0, abs=1e-9)
        assert move == pytest.approx(42_535 / 44_000 - 1, abs=1e-12)
        assert note == "liquidated before this add"

    def test_binance_ladder(self) -> None:
        # bracket 1 (MMR 0.4 %): (500 − 5,000)/(−0.0996) = 45,180.72 → 45,180.8; (980 − 9,800)/(−0.1992)
        # = 44,277.11 → 44,277.2; (1,900 − 19,000)/(−0.3984) = 42,921.69 → 42,921.7 (tick 0.1, up for a long)
        table = shown(udfs.LIQ_DCA, *self.BINANCE)
        assert_cells(table, (4, 9))
        assert [row[4] for row in table[1:]] == pytest.approx([50_000.0, 49_000.0, 47_500.0], abs=1e-9)
        assert [row[5] for row in table[1:]] == pytest.approx([500.0, 980.0, 1_900.0], abs=1e-9)
        assert [row[6] for row in table[1:]] == pytest.approx([45_180.8, 44_277.2, 42_921.7], abs=1e-6)
        assert [row[8] for row in table[1:]] == ["", "", ""]

    def test_matches_core_dca_ladder(self) -> None:
        fills = [(3000.0, 0.5), (3150.0, 0.5)]
        request = TradeRequest(entry_price=3000, quantity=0.5, leverage=10, side="short", venue="binance", symbol="ETH")
        steps = dca_ladder(request, fills)
        table = shown(udfs.LIQ_DCA, [[3000, 3150]], [[0.5, 0.5]], "10x", "S", "binance", "ETHUSDT")
        assert table[1:] == [
            [s.step, s.fill_price, s.fill_quantity, s.total_quantity, s.average_entry, s.margin, s.liquidation_price,
             s.move_from_fill, ""]
            for s in steps
        ]  # fmt: skip

    def test_textbook_short(self) -> None:
        # average 3,075, margin 307.5, liquidation 3,075·(1 + 0.1 − 0.005) = 3,367.125 (D12)
        table = shown(udfs.LIQ_DCA, [[3000], [3150]], [[0.5], [0.5]], 10, "short")
        assert table[2][4:7] == pytest.approx([3_075.0, 307.5, 3_367.125], abs=1e-9)

    @pytest.mark.parametrize(
        "args",
        [
            pytest.param(([[50000.0], [48000.0], [46000.0]], [[0.1], [0.1], [0.2]], [[10.0]], [["long"]],
                          [["binance"]]), id="classic floats in 2-D columns"),
            pytest.param(([[50000, 48000, 46000]], [[0.1, 0.1, 0.2]], 10, "L", "binance"), id="row ranges"),
            pytest.param(([[50000], [48000], [46000], [None], [None]], [[0.1], [0.1], [0.2], [None], [None]], 10,
                          "long", "binance"), id="trailing empty rows (None)"),
            pytest.param(([[50000], [48000], [46000], [""], [" "]], [[0.1], [0.1], [0.2], [""], [""]], 10, "long",
                          "binance"), id="trailing empty rows (empty text)"),
            pytest.param(([[50000], ["48k"], ["$46,000"]], [["0.1"], [0.1], [0.2]], "10x", "Buy", "binance", "BTCUSDT"),
                         id="text as traders type it"),
            pytest.param((*BINANCE[:2], "x10", None, "binance", None, None), id="empty side is long"),
            pytest.param((*BINANCE[:2], 10, 1, "binance", 0, 0), id="Office.js empty cells as 0, side as 1"),
            pytest.param((*BINANCE[:2], 10, "long", "binance", "", ""), id="empty strings"),
        ],
    )  # fmt: skip
    def test_excel_shapes_give_the_same_table(self, args) -> None:
        assert shown(udfs.LIQ_DCA, *args) == shown(udfs.LIQ_DCA, *self.BINANCE)

    def test_mmr_as_percent_text_or_number(self) -> None:
        # textbook, MMR 0.5 % given explicitly = the default: 45,250 then 42,535
        for mmr in ("0.5%", 0.005):
            table = shown(udfs.LIQ_DCA, [[50000], [44000]], [[0.1], [0.1]], 10, "long", None, None, mmr)
            assert [row[6] for row in table[1:]] == pytest.approx([45_250.0, 42_535.0], abs=1e-9)
        table = shown(udfs.LIQ_DCA, [[50000], [44000]], [[0.1], [0.1]], 10, "long", "binance", None, "1%")
        # Binance formula, MMR 1 %: (500 − 5,000)/(0.1·0.01 − 0.1) = 45,454.545 → 45,454.6 (an MMR override
        # has no instrument tick: six significant figures, rounded up for a long, as LIQ_PRICE's 45,226.2 above)
        assert table[1][6] == pytest.approx(45_454.6, abs=1e-6)
        assert table[1][6] == only(shown(udfs.LIQ_PRICE, 50000, "long", 10, 500, None, "binance", None, None, "1%"))

    def test_no_liquidation_is_text(self) -> None:
        # 1x long, MMR 0: the margin covers the whole notional, nothing above 0 liquidates it
        table = shown(udfs.LIQ_DCA, [[50000], [40000]], [[0.1], [0.1]], 1, "long", None, None, "0%")
        assert_cells(table, (3, 9))
        assert [row[6:] for row in table[1:]] == [[NO_LIQUIDATION, "", ""], [NO_LIQUIDATION, "", ""]]

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            pytest.param(([[50000], [44000], [42000]], [[0.1], [0.1]], 10),
                         "fill_prices has 3 cells but fill_quantities has 2; type one quantity next to each price",
                         id="mismatched lengths"),
            pytest.param(([[50000], [None]], [[0.1], [0.1]], 10), "fill 2: fill price is empty; type a price like",
                         id="empty price with a quantity"),
            pytest.param(([[50000], [44000]], [[0.1], [""]], 10),
                         "fill 2: fill quantity is empty; type a quantity like 0.1", id="empty quantity with a price"),
            pytest.param(([[50000 - i] for i in range(26)], [[0.1]] * 26, 10),
                         "26 fills given, more than 25; type at most 25 fills", id="26 fills"),
            pytest.param(([[50000], [44000]], [[0.1], [0.1]], None), "leverage is empty; type a leverage like 10x",
                         id="leverage missing"),
            pytest.param(([[50000], [44000]], [[0.1], [0.1]], 0), "leverage is empty; type a leverage like 10x",
                         id="leverage missing (Office.js 0)"),
            pytest.param(([[50000], [-44000]], [[0.1], [0.1]], 10), "fill 2: fill price -44000 is not above 0",
                         id="negative price"),
            pytest.param(([[50000], [44000]], [[0.1], [0]], 10), "fill 2: fill quantity 0 is not above 0",
                         id="zero quantity"),
            pytest.param(([[50000], ["abc"]], [[0.1], [0.1]], 10), "fill 2: fill price 'abc' is not a number",
                         id="price not a number"),
            pytest.param(([[50000], [None], [44000]], [[0.1], [None], [0.1]], 10),
                         "fill 2 is empty but later fills are given", id="gap between fills"),
            pytest.param(([[None], [None]], [[None], [None]], 10), "no fills given; type fill prices like 50000",
                         id="no fills"),
            pytest.param(([[50000, 44000], [1, 2]], [[0.1, 0.1], [1, 2]], 10),
                         "fill_prices is 2×2 cells; type the fills in one column or one row", id="a block"),
            pytest.param(([[50000]], [[0.1]], "ten"), "leverage 'ten' is not a leverage; type it like 10x",
                         id="leverage not a number"),
            pytest.param(([[50000]], [[0.1]], 10, "up"), "side 'up' is not long or short", id="bad side"),
            pytest.param(([[50000]], [[0.1]], [[10], [20]]), "LIQ_DCA builds one ladder: give leverage, side",
                         id="leverage as a range"),
            pytest.param(([[50000]], [[0.1]], 150, "long", "binance"), "type a leverage of 125x or less",
                         id="above the bracket maximum (core's check)"),
            pytest.param(([[50000]], [[0.1]], 10, "long", "nyse"), "venue 'nyse' is unknown", id="unknown venue"),
        ],
    )  # fmt: skip
    def test_errors_are_one_cell_that_says_what_to_type(self, args, message) -> None:
        cell = only(shown(udfs.LIQ_DCA, *args))
        assert cell.startswith(f"{ERROR} ")
        assert message in cell


# --- ranges ---------------------------------------------------------------------------------------------


class TestRanges:
    def test_shape_in_is_shape_out(self) -> None:
        column = shown(udfs.LIQ_PRICE, [[50000], [60000], [70000]], "long", 10, 1000)
        assert_cells(column, (3, 1))
        row = shown(udfs.LIQ_PRICE, [[50000, 60000, 70000]], "long", 10, 1000)
        assert [row[0]] == [[c[0] for c in column]]
        block = shown(udfs.LIQ_PRICE, [[50000, 60000], [70000, 80000]], "long", [[10], [20]], 1000)
        assert_cells(block, (2, 2))
        assert block[1][0] == only(shown(udfs.LIQ_PRICE, 70000, "long", 20, 1000))

    def test_a_bad_row_does_not_break_the_column(self) -> None:
        result = shown(udfs.LIQ_PRICE, [[50000], ["abc"], [None], [60000]], "long", [[10], [10], [10], ["ten"]], 1000)
        assert result[0] == [45_250.0]
        assert result[1] == [f"{ERROR} entry 'abc' is not a number; type a price like 50000 or 50k"]
        assert result[2] == [f"{ERROR} entry is empty; type a price like 50000 or 50k"]
        assert result[3] == [f"{ERROR} leverage 'ten' is not a leverage; type it like 10x or 10"]

    def test_mismatched_ranges_are_one_error(self) -> None:
        result = shown(udfs.LIQ_PRICE, [[50000], [60000], [70000]], "long", [[10], [20]], 1000)
        assert result == [
            [
                f"{ERROR} leverage is 2×1 cells but the other ranges are 3×1; give ranges of the same size, or single cells"
            ]
        ]

    def test_range_rows_needing_the_scalar_core(self) -> None:
        # a row above the bracket maximum and a cross row that cannot be liquidated: both come from calculate()
        result = shown(udfs.LIQ_PRICE, [[50000], [50000], [50000]], "long", [[10], [150], [10]], 1000, None, "binance", None, 10000, None, [["iso"], ["iso"], ["cross"]])  # fmt: skip
        assert result[0] == [45_180.8]
        assert "type a leverage of 100x or less" in result[1][0]
        assert result[2][0].startswith(NO_LIQUIDATION)

    def test_pnl_and_size_columns(self) -> None:
        pnls = shown(udfs.LIQ_PNL, [[50000], [50000], ["x"]], [["long"], ["short"], ["long"]], 55000, 0.2, "0.05%")
        assert pnls[:2] == [[989.5], [-1010.5]]
        assert pnls[2][0].startswith(ERROR)
        sizes = shown(udfs.LIQ_SIZE, 50000, [[48500], [48500], [50000]], 10000, [[0.01], [0.02], [0.01]])
        assert sizes[0][0] == pytest.approx(100 / 1500, rel=1e-12)
        assert sizes[1][0] == pytest.approx(200 / 1500, rel=1e-12)
        assert sizes[2] == [f"{ERROR} the stop equals the entry; put the stop away from the entry"]


rows = st.tuples(
    st.sampled_from([50000, 3000, 150.0, "60k", -1, "abc", None]),
    st.sampled_from(["long", "short", "S", None, "up"]),
    st.sampled_from([10, 25, "20x", 150, None, 0]),
    st.sampled_from([1000, 250.5, None, -3]),
    st.sampled_from([None, 0.2, 2, 5000]),
    st.sampled_from([None, "binance", "hyperliquid", "bybit-classic", "okx"]),
    st.sampled_from([None, "ETH", "SOLUSDT", "DOGE"]),
    st.sampled_from([None, 20000, 500, -1]),
    st.sampled_from([None, 0.005, "0.4%", 2]),
    st.sampled_from(["isolated", "cross", None]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=2, max_size=12))
def test_range_equals_row_by_row(trades) -> None:
    """The vectorised range path gives every row what a single-cell call gives it (one tick at most)."""
    columns = [[[trade[k]] for trade in trades] for k in range(10)]
    ranged = shown(udfs.LIQ_PRICE, *columns)
    assert_cells(ranged, (len(trades), 1))
    for trade, (cell,) in zip(trades, ranged, strict=True):
        single = only(shown(udfs.LIQ_PRICE, *trade))
        if isinstance(single, str):
            assert cell == single
        else:
            assert cell == pytest.approx(single, abs=0.1, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([50000, 3000.5, "abc", None]), st.sampled_from(["long", "short", None]),
            st.sampled_from([55000, 2900, 0]), st.sampled_from([0.2, 3, None]), st.sampled_from([None, 0.0005]),
        ),
        min_size=2, max_size=8,
    )
)  # fmt: skip
def test_pnl_range_equals_row_by_row(trades) -> None:
    columns = [[[trade[k]] for trade in trades] for k in range(5)]
    ranged = shown(udfs.LIQ_PNL, *columns)
    for trade, (cell,) in zip(trades, ranged, strict=True):
        single = only(shown(udfs.LIQ_PNL, *trade))
        if isinstance(single, str):
            assert cell == single
        else:
            expected = pnl(trade[1], float(trade[0]), float(trade[2]), float(trade[3]), taker_fee_rate=trade[4] or 0)
            assert cell == pytest.approx(expected, rel=1e-12, abs=1e-9)
            assert single == pytest.approx(expected, rel=1e-12, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=6)),
        min_size=10, max_size=10,
    )
)  # fmt: skip
def test_garbage_never_raises_or_returns_nan(cells) -> None:
    for function in (udfs.LIQ_PRICE, udfs.LIQ_DISTANCE, udfs.LIQ_STOP_CHECK):
        assert_cells(function(*cells[: function.__code__.co_argcount]), (1, 1))
    assert_cells(shown(udfs.LIQ_PRICE, *[[[c], [c]] for c in cells]), (2, 1))


class TestRegressions:
    def test_overflowing_rows_are_error_text_not_inf(self) -> None:
        sizes = shown(udfs.LIQ_SIZE, 1e300, [[1e-300], [48500]], [[1e300], [10000]], 1e-300)
        assert_cells(sizes, (2, 1))
        # 1e300·1 / (2e-300 − 1e-300) overflows: core.position_size_bulk marks the row NaN, the scalar says why
        sizes = shown(udfs.LIQ_SIZE, [[1e-300], [50000]], [[2e-300], [48500]], [[1e300], [10000]], 0.5)
        assert sizes[0][0].startswith(ERROR)
        assert sizes[1][0] == pytest.approx(10000 * 0.5 / 1500, rel=1e-12)

    def test_fee_equal_to_the_side_sign_is_refused_not_a_crash(self) -> None:
        # core.target_price divides by (side − fee): fee −1 for a short was a ZeroDivisionError
        cell = only(shown(udfs.LIQ_TARGET_PRICE, 150, "short", 0, 10, -1))
        assert cell.startswith(f"{ERROR} taker fee -1.0 is not a fee rate; give one from 0 to below 10 %")

    @pytest.mark.parametrize(
        ("function", "args", "message"),
        [
            pytest.param(udfs.LIQ_PNL, (50000, "long", 55000, 10), FEE_ASKED, id="pnl"),
            pytest.param(udfs.LIQ_ROE, (50000, "long", 55000, 10), FEE_ASKED, id="roe request"),
            pytest.param(udfs.LIQ_TARGET_PRICE, (50000, "long", 0.5, 10), FEE_ASKED, id="target"),
            pytest.param(udfs.LIQ_SIZE, (50000, 48500, 10000, 0.01), FEE_ASKED, id="size"),
            pytest.param(udfs.LIQ_SIZE, ([[50000], [50000]], 48500, 10000, 0.01), FEE_ASKED, id="size range"),
            pytest.param(udfs.LIQ_MAX_LEVERAGE, (50000, "long", 48500, 0.2, None, None, None, None), FEE_ASKED,
                         id="max leverage"),
        ],
    )  # fmt: skip
    def test_fees_are_checked_by_the_core(self, function, args, message) -> None:
        """A 50 % fee is refused before it reaches the core: 1 % or more is asked (issue 13's unit guard)."""
        result = shown(function, *args, "50%")
        assert all(cell.startswith(ERROR) and message in cell for row in result for cell in row)


# --- fuzz: any mix of Excel-ish values, in any nesting, into every function -----------------------------

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "10x", "0.5%", "long", "S", "binance", "okx", "BTC", "1e309", "-0", "#N/A", "50000 10x 1000"]),
    st.text(max_size=12),
)  # fmt: skip
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=10)
_FUNCTIONS = sorted(name for name in dir(udfs) if name.startswith("LIQ_"))


def _cell_ok(cell: Any) -> bool:
    return isinstance(cell, str) or (isinstance(cell, int | float) and math.isfinite(cell))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_FUNCTIONS), st.data())
def test_any_mix_of_values_and_nesting_gives_cells_never_an_exception(name, data) -> None:
    """None, bools, ints, floats (NaN, ±inf), text and lists nested to any depth, ragged or empty.

    Whatever arrives, the answer is a non-empty 2-D list of finite numbers and text (an error cell
    says what to type); nothing raises into Excel and no NaN or inf reaches a cell.
    """
    function = getattr(udfs, name)
    arguments = [
        data.draw(_VALUES, label=parameter)
        for parameter in function.__code__.co_varnames[: function.__code__.co_argcount]
    ]
    if name == "LIQ_WHY":  # a function's name (or garbage), then any number of any arguments
        arguments = [
            data.draw(st.one_of(st.sampled_from(udfs.__all__), _VALUES), label="function_name"),
            *data.draw(st.lists(_VALUES, max_size=12), label="args"),
        ]
    result = function(*arguments)
    assert isinstance(result, list) and result, result
    for row in result:
        assert isinstance(row, list) and row, result
        assert all(_cell_ok(cell) for cell in row), result
