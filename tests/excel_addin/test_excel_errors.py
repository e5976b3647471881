"""Issue 13: a bad row is a real Excel error value, and ``LIQ_WHY`` says what is wrong, one step away.

Sources: ``xlwings.pro._xlofficejs.errorstr_to_errortype`` (Office.js sends the string ``"#VALUE!"`` as
``{"type": "Error", "errorType": "Value"}``) and Excel's ``CVErr(xlErrValue)`` = 2015, which COM carries as
``VT_ERROR`` with scode ``0x800A07DF`` (``xlwings._xlwindows.cell_errors`` reads it back as -2146826273).
What IFERROR, ISERROR and SUM do with the error value in a sheet: ``test_excel_workbook.py``
(``test_harness_aliases_errors_and_ranges``), evaluated by the formulas engine.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import Side, calculate, parse_trade
from core.errors import CoreError
from excel_addin import _errors, udfs
from excel_addin._cells import _pick_price
from excel_addin._errors import ALL_FINE, ERROR


class TestErrorValues:
    def test_a_bad_row_is_the_error_value_and_the_others_compute(self) -> None:
        got = udfs.LIQ_PRICE([[50000], ["abc"], [60000]], "long", 10, 1000)
        assert got == [[45_250.0], [ERROR], [pytest.approx(54_300.0, abs=1e-9)]]  # 60,000·(1 − 0.1 + 0.005)

    def test_a_whole_call_problem_is_one_error_cell(self) -> None:
        assert udfs.LIQ_PRICE([[50000], [60000]], "long", [[10], [20], [30]], 1000) == [[ERROR]]

    def test_text_answers_are_not_errors(self) -> None:
        cell = udfs.LIQ_PRICE(50000, "long", 10, 1000, None, "binance", None, 10000, None, "cross")[0][0]
        assert cell.startswith("no liquidation")  # an answer in words, not a problem

    def test_classic_gets_a_com_error_variant(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On Windows without XLWINGS_ON_SERVER (classic xlwings), the error is VARIANT(VT_ERROR, xlErrValue)."""
        made: list[tuple[int, int]] = []
        pythoncom = types.ModuleType("pythoncom")
        pythoncom.VT_ERROR = 10  # type: ignore[attr-defined]  # the VARENUM value
        client = types.ModuleType("win32com.client")
        client.VARIANT = lambda vt, value: made.append((vt, value)) or ("VARIANT", vt, value)  # type: ignore[attr-defined]
        win32com = types.ModuleType("win32com")
        win32com.client = client  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "pythoncom", pythoncom)
        monkeypatch.setitem(sys.modules, "win32com", win32com)
        monkeypatch.setitem(sys.modules, "win32com.client", client)
        monkeypatch.setattr(sys, "platform", "win32")
        monkeypatch.delenv("XLWINGS_ON_SERVER", raising=False)
        _errors.error_value.cache_clear()
        try:
            got = udfs.LIQ_PRICE([[50000], ["abc"]], "long", 10, 1000)
        finally:
            _errors.error_value.cache_clear()
        assert made == [(10, -2146826273)]  # 0x800A07DF: CVErr(2015), #VALUE!
        assert got == [[45_250.0], [("VARIANT", 10, -2146826273)]]

    @pytest.mark.parametrize("on_server", ["true", None])
    def test_office_js_and_python_get_the_string(self, monkeypatch: pytest.MonkeyPatch, on_server) -> None:
        monkeypatch.setattr(sys, "platform", "emscripten" if on_server else "linux")
        _errors.error_value.cache_clear()
        try:
            assert _errors.error_value() == "#VALUE!"
        finally:
            _errors.error_value.cache_clear()


class TestWhy:
    @pytest.mark.parametrize("name", ["LIQ_PRICE", "liq_price", "price", " Price ", [["LIQ_PRICE"]]])
    def test_names(self, name: Any) -> None:
        assert udfs.LIQ_WHY(name, [[50000], ["abc"]], "long", 10, 1000) == [
            [""],
            ["entry 'abc' is not a number; type a price like 50000 or 50k"],
        ]

    def test_ok_when_nothing_is_wrong(self) -> None:
        assert udfs.LIQ_WHY("LIQ_PRICE", [[50000], [60000]], "long", 10, 1000) == [[ALL_FINE]]

    @pytest.mark.parametrize(
        ("name", "args", "message"),
        [
            pytest.param("prise", (50000,), 'did you mean "LIQ_PRICE"?', id="typo"),
            pytest.param("liq_why", (50000,), 'type a name like "LIQ_PRICE"', id="itself"),
            pytest.param("", (), 'function_name is empty; type a name like "LIQ_PRICE"', id="empty"),
            pytest.param("tiers", (1, 2, 3), "LIQ_TIERS takes at most 2 arguments, and 3 follow its name", id="extra"),
        ],
    )  # fmt: skip
    def test_bad_names_and_counts_say_what_to_type(self, name: str, args: tuple, message: str) -> None:
        (cell,) = udfs.LIQ_WHY(name, *args)[0]
        assert message in cell

    @pytest.mark.parametrize(
        ("function", "args", "reason"),
        [
            pytest.param("LIQ_SIZE", (50000, 50000, 10000, 0.01), "the stop equals the entry", id="size"),
            pytest.param("LIQ_ROE", (50000, "long", 55000, "ten"), "leverage 'ten' is not a leverage", id="roe"),
            pytest.param("LIQ_MARK", ("BTC", "binance"), "market data is off here", id="mark"),
            pytest.param("LIQ_REVIEW", ("nonsense",), "", id="review"),
            pytest.param("LIQ_TEXT", ("50000 10x 1000 lonng",), "did you mean long?", id="text typo"),
        ],
    )
    def test_every_function_explains_through_it(self, function: str, args: tuple, reason: str) -> None:
        value = getattr(udfs, function)(*args)
        (why,) = udfs.LIQ_WHY(function, *args)[0][:1]
        assert value[0][0] == ERROR
        assert why and reason in why


class TestBuffer:
    """Issue 13: 'A buffer of 0 silently becomes the 0.5 % default.' Derivation: a long at 50,000 with
    its stop at 48,000 and 0.1 BTC on the textbook rules (MMR 0.5 %, no fee): the liquidation price is
    50,000·(1 − 1/L + 0.005); with a buffer b it must sit at or below 48,000·(1 − b).
    b = 0:      1/L = 1.005 − 0.96       → L = 22.222…
    b = 0.5 %:  1/L = 1.005 − 0.9552     → L = 20.080…"""

    ARGS = (50000, "long", 48000, 0.1)

    @pytest.mark.parametrize("zero", [0, 0.0, [[0]], [[0.0]], "0%", [["0"]]], ids=repr)
    def test_zero_means_zero(self, zero: Any) -> None:
        """Office.js ints, classic floats, 2-D ranges and text: an explicit 0 is no buffer."""
        got = udfs.LIQ_MAX_LEVERAGE(*self.ARGS, None, None, None, zero)[0][0]
        assert got == pytest.approx(1 / 0.045, rel=1e-9)

    @pytest.mark.parametrize("left_out", [None, "", [[None]]])
    def test_left_out_is_the_default(self, left_out: Any) -> None:
        got = udfs.LIQ_MAX_LEVERAGE(*self.ARGS, None, None, None, left_out)[0][0]
        assert got == pytest.approx(1 / 0.0498, rel=1e-9)

    def test_a_percent_typed_as_a_number_is_asked(self) -> None:
        assert udfs.LIQ_MAX_LEVERAGE(*self.ARGS, None, None, None, 0.5) == [[ERROR]]
        (why,) = udfs.LIQ_WHY("LIQ_MAX_LEVERAGE", *self.ARGS, None, None, None, 0.5)[0]
        assert why.startswith("buffer 50% is 20% or more: did you mean 0.5%?")


_TEXTS = st.builds(
    lambda entry, lev, margin, side, extra: " ".join(p for p in (entry, lev, margin, side, extra) if p),
    st.sampled_from(["50000", "$50,000", "3000.5", "0.15", "60k", "abc"]),
    st.sampled_from(["10x", "x25", "150x", "", "1x"]),
    st.sampled_from(["1000", "$300", "1k usdt", "", "5"]),
    st.sampled_from(["long", "short", "L", "sell", "", "lonng"]),
    st.sampled_from(
        ["", "binance", "bybit eth", "cross balance 10000", "cross", "hyperliquid", "mmr 0.4%", "fee 0.05%"]
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXTS, min_size=1, max_size=10), st.sampled_from([None, "long", "short"]))
def test_liq_text_column_equals_core_row_by_row(texts: list[str], side: str | None) -> None:
    """LIQ_TEXT prices plain rows with the bulk twin: each cell equals core.calculate on that text (one tick)."""
    got = udfs.LIQ_TEXT([[t] for t in texts], side)
    why = udfs.LIQ_WHY("LIQ_TEXT", [[t] for t in texts], side)
    two = len(got[0]) == 2
    for row, text in enumerate(texts):
        try:
            request = parse_trade(text, defaults={"side": Side(side)} if side else None)
        except (CoreError, ValueError):
            assert got[row][0] == ERROR
            continue
        sides = [request.side] if request.side else [Side.LONG, Side.SHORT]
        for one in sides:
            column = (0 if one is Side.LONG else 1) if two else 0
            try:
                expected = _pick_price(calculate(request, one))
            except (CoreError, ValueError):
                assert got[row][column] == ERROR
                assert why != [[ALL_FINE]] and why[row][column]
                continue
            cell = got[row][column]
            if isinstance(expected, str):
                assert cell == expected
            else:
                assert cell == pytest.approx(expected, abs=0.1, rel=1e-9)
