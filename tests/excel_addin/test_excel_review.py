"""``LIQ_REVIEW`` called as Excel calls it: a posted trade call → a spilled (label, value) table.

Expected values are worked by hand below each case; the textbook venue ("textbook": MM at entry, flat
MMR 0.5 %) is the FORMULAS §9 formula ``EP·(1 − 1/L + 0.005)``; Binance uses the USDⓈ-M formula
(https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93) on the bundled 2024-09-26
ETHUSDT bracket 1 (MMR 0.4 %, cum 0, tick 0.01). A call states no size: without a balance the core
reviews a nominal 1,000 USDT position; with one it sizes the trade so the stop loses the risk limit.
Tolerances: exact formulas to 1e-9 relative; tick-rounded prices exactly (the core rounds them).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import CallReview, parse_trade_call, review_call
from excel_addin import udfs
from excel_addin._cells import ERROR
from tests.excel_addin.shown import shown

BTC_CALL = "BTC long 50000 10x SL 48500 TP 54000 / 56000"
ETH_CALL = "ETH short 3000 50x SL 3100 TP 2800"
CORNIX_LINES = [
    ["#SOL/USDT"],
    ["Signal Type: Regular (Long)"],
    ["Leverage: Cross 20x"],
    ["Entry Targets: 1) 140 2) 150"],
    ["Take-Profit Targets: 1) 160 2) 170"],
    ["Stop Targets: 1) 132"],
]


def table(*args: Any) -> list[list[Any]]:
    """Call LIQ_REVIEW and check the shape: rows of exactly (label, value), finite numbers, no NaN."""
    result = shown(udfs.LIQ_REVIEW, *args)
    for row in result:
        assert len(row) == 2
        assert isinstance(row[0], str)
        assert isinstance(row[1], str | int | float)
        if isinstance(row[1], float):
            assert math.isfinite(row[1])
    return result


def values(result: list[list[Any]]) -> dict[str, Any]:
    """Label → value for the labels that occur once; ``warning`` and ``note`` → lists of texts."""
    found: dict[str, Any] = {"warning": [], "note": []}
    for label, value in result:
        if label in ("warning", "note"):
            found[label].append(value)
        else:
            assert label not in found, f"{label!r} twice"
            found[label] = value
    return found


def only(result: list[list[Any]]) -> Any:
    assert len(result) == 1
    assert len(result[0]) == 1
    return result[0][0]


class TestWorkedCalls:
    def test_btc_long_on_the_textbook_venue(self) -> None:
        expected = [
            ("read as", "BTC long · entry 50,000 · stop 48,500 · TP 54,000 / 56,000 · 10x"),
            ("side", "long"),
            ("symbol", "BTC"),
            ("venue", "Textbook"),
            ("entry", 50_000.0),
            ("leverage", 10.0),
            ("stop", 48_500.0),
            ("stop move", -0.03),  # 48,500/50,000 − 1
            ("TP 1", 54_000.0),
            ("TP 1 move", 0.08),
            ("TP 1 reward:risk", 4_000 / 1_500),  # 2.667: (54,000 − 50,000)/(50,000 − 48,500)
            ("TP 2", 56_000.0),
            ("TP 2 move", 0.12),
            ("TP 2 reward:risk", 4.0),  # 6,000/1,500
            ("isolated liquidation", 45_250.0),  # 50,000·(1 − 1/10 + 0.005)
            ("isolated move", -0.095),
            # (48,500 − 45,250)/50,000 = 6.5% of entry between the stop and liquidation
            ("stop vs isolated liquidation", "stop fires 6.5% of entry before liquidation"),
            ("risk at stop", 30.0),  # nominal 1,000 USDT = 0.02 BTC; 0.02·1,500
            # S_b = 48,500·0.995 = 48,257.5; W = 0.02·50,000·0.005 + 0.02·(50,000 − 48,257.5) = 39.85
            ("highest safe leverage", 1_000 / 39.85),  # 25.09
            ("sizing", "nominal"),
            ("position (notional)", 1_000.0),
            ("margin", 100.0),
            ("note", "no size given: a 1,000 USDT position reviewed"),
        ]
        got = table(BTC_CALL)
        # the whole layout, row by row: no balance, so no cross or risk-share rows; no warning
        assert [label for label, _ in got] == [label for label, _ in expected]
        for (label, value), (_, cell) in zip(expected, got, strict=True):
            assert cell == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), label

    def test_eth_short_on_binance_stop_beyond_liquidation(self) -> None:
        got = values(table(ETH_CALL, "binance"))
        # nominal 1,000 USDT: q = 1/3 ETH, margin 20; short: LP = (20 + q·3,000)/(q·(1 + 0.004))
        # = 3,060/1.004 = 3,047.8088 → down to the 0.01 tick: 3,047.80
        assert got["isolated liquidation"] == 3_047.80
        assert got["isolated move"] == pytest.approx(47.80 / 3_000, rel=1e-9)  # +1.59 %
        assert got["stop move"] == pytest.approx(100 / 3_000, rel=1e-9)
        assert got["TP 1 reward:risk"] == pytest.approx(2.0, rel=1e-9)  # 200/100
        assert got["risk at stop"] == pytest.approx(100 / 3, rel=1e-9)
        # −(3,100 − 3,047.80)/3,000 = −1.74 %: the stop is beyond liquidation
        verdict = "stop is 1.74% of entry beyond the liquidation price: you are liquidated first"
        assert got["stop vs isolated liquidation"] == verdict
        assert got["warning"] == [
            f"isolated: {verdict}",
            "isolated liquidation only 1.59% from entry (warning under 5%)",
            f"50x is above the highest safe leverage {math.floor(got['highest safe leverage'])}x for this stop",
        ]
        assert got["highest safe leverage"] < 50

    def test_balance_adds_cross_and_the_risk_share(self) -> None:
        # margin 1,000 at 10x: q = 0.2 BTC. Cross with 2,000: 50,000 − (2,000 − 0.2·50,000·0.005)/0.2 = 40,250
        got = values(table(BTC_CALL, None, 2000, 1000, "5%"))
        assert got["sizing"] == "margin given"
        assert got["isolated liquidation"] == 45_250.0
        assert got["cross liquidation"] == pytest.approx(40_250.0, rel=1e-9)
        assert got["cross move"] == pytest.approx(-0.195, rel=1e-9)
        assert got["stop vs cross liquidation"] == "stop fires 16.5% of entry before liquidation"  # 8,250/50,000
        assert got["risk at stop"] == pytest.approx(300.0, rel=1e-9)  # 0.2·1,500
        assert got["risk share of account"] == pytest.approx(0.15, rel=1e-9)  # 300/2,000
        assert got["warning"] == ["the stop loses 15% of the account (limit 5%)"]

    def test_sized_for_risk_from_the_balance(self) -> None:
        # no margin: the size loses 2 % of 10,000 = 200 at the stop, q = 200/1,500 BTC
        got = values(table(BTC_CALL, None, 10000))
        assert got["sizing"] == "sized for risk"
        assert got["position (notional)"] == pytest.approx(200 / 1_500 * 50_000, rel=1e-9)
        assert got["risk share of account"] == pytest.approx(0.02, rel=1e-9)
        assert got["cross liquidation"].startswith("no liquidation: the wallet covers the whole position")
        assert got["cross move"] == ""
        assert got["stop vs cross liquidation"] == "no liquidation price: the stop is the only exit"

    def test_entry_range_from_a_range_of_lines(self) -> None:
        """A Cornix signal pasted into Excel lands one line per cell: the range is read as one message."""
        got = values(table(CORNIX_LINES, "binance"))
        # equal amounts at 140 and 150 average to 2/(1/140 + 1/150) = 144.8276 (derivations.md D13)
        assert (got["entry low"], got["entry high"]) == (140.0, 150.0)
        assert got["entry (average)"] == pytest.approx(2 / (1 / 140 + 1 / 150), rel=1e-12)
        assert got["symbol"] == "SOL"
        assert got["leverage"] == 20.0
        assert "entries averaged as filled with equal amounts" in got["note"]
        one_cell = table("\n".join(line for (line,) in CORNIX_LINES), "binance")
        assert table(CORNIX_LINES, "binance") == one_cell
        assert table([[line for (line,) in CORNIX_LINES]], "binance") == one_cell  # a row of lines as well

    def test_no_stop(self) -> None:
        got = values(table("BTC long 50000 10x TP 54000"))
        assert got["stop"] == "none"
        assert "stop move" not in got
        for label in ("TP 1 reward:risk", "stop vs isolated liquidation", "risk at stop", "highest safe leverage"):
            assert got[label] == "no stop"
        assert got["warning"] == ["no stop: the liquidation price is the only exit"]

    def test_every_figure_comes_from_core(self) -> None:
        review: CallReview = review_call(
            parse_trade_call(ETH_CALL), venue="binance", account_balance=5000, risk_limit=0.01, taker_fee_rate=0.0005
        )
        got = values(table(ETH_CALL, "binance", 5000, None, 0.01, 0.0005))
        assert got["isolated liquidation"] == review.isolated.liquidation_price
        assert got["highest safe leverage"] == review.max_safe_leverage
        assert got["risk at stop"] == review.risk_amount
        assert got["position (notional)"] == review.notional
        assert got["warning"] == [w.text for w in review.warnings]
        assert got["note"] == list(review.notes)


class TestCells:
    @pytest.mark.parametrize(
        "args",
        [
            pytest.param((BTC_CALL, None, None, None, None, None), id="classic None"),
            pytest.param((BTC_CALL, 0, 0, 0, 0, 0), id="Office.js empty cells as 0"),
            pytest.param((BTC_CALL, "", "", "", "", ""), id="empty strings"),
            pytest.param(([[BTC_CALL]], [[None]], [[None]], [[None]], [[None]], [[None]]), id="2-D lists"),
            pytest.param((BTC_CALL, "textbook", None, None, 0.02), id="risk limit 0.02"),
            pytest.param((BTC_CALL, "textbook", None, None, "2%"), id="risk limit as text, venue alias"),
        ],
    )
    def test_empty_means_not_given(self, args) -> None:
        assert table(*args) == table(BTC_CALL)

    def test_risk_limit_default_is_two_percent(self) -> None:
        assert table(BTC_CALL, None, 10000) == table(BTC_CALL, None, 10000, None, 0.02)
        assert table(BTC_CALL, None, 10000) != table(BTC_CALL, None, 10000, None, 0.01)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            pytest.param(("hello there",), "I couldn't find a trade in that message; a call looks like: BTC long",
                         id="not a call"),
            pytest.param(("BTC long 50000 SL 52000",), "a long's stop must be below its entry: stop 52,000 is above",
                         id="contradictory"),
            pytest.param((None,), "call_text is empty; type a trade call like BTC long", id="empty"),
            pytest.param(("#N/A",), "call_text is the error #N/A; fix that cell", id="error cell"),
            pytest.param((BTC_CALL, "nyse"), "venue 'nyse' is unknown", id="unknown venue"),
            pytest.param((BTC_CALL, None, -5), "account balance -5.0 must be above 0", id="negative balance"),
            pytest.param((BTC_CALL, None, None, "abc"), "margin 'abc' is not a number", id="bad margin"),
            pytest.param((BTC_CALL, None, None, None, "0%"), "risk limit 0.0 is not a share of the account",
                         id="zero risk limit"),
            pytest.param((BTC_CALL, None, None, None, None, "50%"), "fee 50% is 1% or more: did you mean 0.5%?", id="fee too high"),
            pytest.param((BTC_CALL, None, [[1000], [2000]]), "LIQ_REVIEW reviews one call", id="balance range"),
        ],
    )  # fmt: skip
    def test_a_bad_call_is_one_error_cell(self, args, message) -> None:
        cell = only(shown(udfs.LIQ_REVIEW, *args))
        assert cell.startswith(ERROR)
        assert message in cell


cells = st.one_of(st.none(), st.booleans(), st.integers(-5, 100_000), st.floats(allow_nan=True), st.text(max_size=8))


@settings(max_examples=80, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from([BTC_CALL, ETH_CALL, "SOL long 140-150 SL 120 TP 170 x20", "ETH short 3k lev 200 SL 3.1k"]),
        cells,
    ),
    st.sampled_from([None, "binance", "okx", "hyperliquid", "gate", "bybit", 0, "x"]),
    cells,
    cells,
    cells,
    cells,
)
def test_garbage_never_raises_or_returns_nan(text, venue, balance, margin, risk_limit, fee) -> None:
    result = shown(udfs.LIQ_REVIEW, text, venue, balance, margin, risk_limit, fee)
    if len(result[0]) == 1:  # a bad call or bad cell: one error cell
        assert only(result).startswith(ERROR)
    else:
        table(text, venue, balance, margin, risk_limit, fee)  # rows of (label, value), finite numbers
