"""Button data: stateless, at most 64 bytes, round-trips exactly, refuses anything forged."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.keyboards import (
    MAX_DATA_BYTES,
    ButtonDataError,
    SettingsButton,
    TradeButton,
    decode,
    encode_settings,
    encode_trade,
    leverage_step,
    settings_keyboard,
    trade_keyboard,
)
from core.enums import ContractType, MarginMode, Side
from core.grammar import parse_trade
from core.models import TradeRequest

positive = st.floats(min_value=1e-8, max_value=1e12, allow_nan=False, allow_infinity=False)


@st.composite
def requests(draw: st.DrawFn) -> TradeRequest:
    fields = {
        "entry_price": draw(positive),
        "side": draw(st.sampled_from([None, Side.LONG, Side.SHORT])),
        "margin_mode": draw(st.sampled_from(list(MarginMode))),
        "leverage": draw(st.floats(min_value=0.01, max_value=1000)),
        "margin": draw(positive),
        "wallet_balance": draw(st.none() | positive),
        "venue": draw(st.sampled_from([None, "textbook", "binance", "bybit", "okx", "gate", "hyperliquid"])),
        "symbol": draw(st.sampled_from([None, "BTC", "ETH", "PEPE"])),
        "mmr": draw(st.none() | st.floats(min_value=0, max_value=0.5)),
        "taker_fee_rate": draw(st.none() | st.floats(min_value=0, max_value=0.01)),
        "mark_price": draw(st.none() | positive),
        "contract": draw(st.sampled_from(list(ContractType))),
    }
    return TradeRequest(**fields)


class TestTradeData:
    def test_the_common_trade_is_short(self):
        request = parse_trade("50000 10x 1000 short")
        assert encode_trade(request) == "1l|S|i|50000|10|1000"
        assert encode_trade(parse_trade("3000 10x 1000 cross bal 10000 binance ETH mmr 0.4%"), "compare") == (
            "1c||c|3000|10|1000|||10000|b|ETH|0.004"
        )
        # the stop and an exchange that is not a venue yet ride along, after every older field
        assert encode_trade(parse_trade("50000 10x 1000 sl 48000 phemex")).endswith("|48000|Phemex")

    @settings(max_examples=300, deadline=None)
    @given(requests(), st.sampled_from(["liq", "compare"]))
    def test_round_trip_or_refused_when_too_long(self, request, view):
        data = encode_trade(request, view)
        if data is None:
            return
        assert len(data.encode()) <= MAX_DATA_BYTES
        decoded = decode(data)
        assert isinstance(decoded, TradeButton) and decoded.view == view
        assert decoded.request() == request

    def test_round_trip_keeps_floats_exact(self):
        request = parse_trade("123456.789 12.5x 333.33 long")
        assert decode(encode_trade(request)).request() == request  # :g would round 123456.789

    def test_too_long_data_is_refused_when_built(self):
        request = parse_trade(
            "0.000012345678901 12.345678901x 1234.5678901 long cross bal 98765.4321098 PEPE mmr 0.123456789%"
        )
        assert encode_trade(request) is None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
        pytest.param("x" * 65, id="too-long"),
        pytest.param("0l|L|i|50000", id="old-version"),
        pytest.param("1q|L|i|50000", id="unknown-view"),
        pytest.param("1l|L", id="truncated"),
        pytest.param("1l|B|i|50000|10|1000", id="bad-side"),
        pytest.param("1l|L|x|50000|10|1000", id="bad-mode"),
        pytest.param("1l|L|i|abc|10|1000", id="not-a-number"),
        pytest.param("1l|L|i|inf|10|1000", id="infinite"),
        pytest.param("1l|L|i|nan|10|1000", id="nan"),
        pytest.param("1l|L|i|50000|10|1000|||||<b>", id="bad-symbol"),
        pytest.param("1l|L|i|50000|10|1000||||||||||||x", id="bad-contract"),
        pytest.param("1l|L|i|1|1|1|1|1|1|1|1|1|1|1|1|1|1|1|1|1|1|1", id="too-many-fields"),
        pytest.param("1s|v|nowhere", id="settings-unknown-venue"),
        pytest.param("1s|x", id="settings-unknown-action"),
    ],
)
def test_forged_data_is_refused(data):
    with pytest.raises(ButtonDataError):
        decode(data)


def test_settings_buttons():
    assert decode(encode_settings("v", "binance")) == SettingsButton("venue", "binance")
    assert decode(encode_settings("r")) == SettingsButton("reset", None)
    rows = settings_keyboard().inline_keyboard
    # one button per venue (textbook, Binance, Bybit, Bybit classic, OKX, Gate, Bitget, MEXC, Hyperliquid) and reset
    assert len([b for row in rows for b in row]) == 10
    with pytest.raises(ValueError, match="longer than 64 bytes"):
        encode_settings("v", "x" * 64)


@pytest.mark.parametrize(
    ("leverage", "direction", "expected"),
    [(10, 1, 15), (10, -1, 5), (7, 1, 10), (7, -1, 5), (1, -1, None), (125, 1, None), (0.5, 1, 1), (200, -1, 125)],
)
def test_leverage_steps(leverage, direction, expected):
    assert leverage_step(leverage, direction) == expected


class TestKeyboards:
    def _data(self, request, leverage, view="liq"):
        markup = trade_keyboard(request, leverage, view)
        return {b.text: decode(b.callback_data) for row in markup.inline_keyboard for b in row}

    def test_both_sides_card(self):
        # no balance: ⇄ cross cannot compute, so it is not offered (issue 10)
        buttons = self._data(parse_trade("50000 10x 1000"), 10.0)
        assert list(buttons) == ["📈 long only", "📉 short only", "➖ 5x", "➕ 15x", "📈 chart"]
        chart = buttons["📈 chart"]
        assert chart.view == "liq_chart" and "side" not in chart.fields and chart.fields["leverage"] == 10
        assert buttons["📉 short only"].fields["side"] is Side.SHORT
        buttons = self._data(parse_trade("50000 10x 1000 bal 5000"), 10.0)
        assert buttons["⇄ cross"].fields["margin_mode"] is MarginMode.CROSS

    def test_leverage_keeps_the_margin_or_the_explicit_size(self):
        buttons = self._data(parse_trade("50000 10x 1000 long"), 10.0)
        assert buttons["➕ 15x"].request().margin == 1000
        sized = parse_trade("50000 qty 0.2 margin 1000 long")
        buttons = self._data(sized, 10.0)
        assert buttons["➕ 15x"].request().quantity == 0.2 and buttons["➕ 15x"].request().margin is None

    def test_compare_card_has_no_mode_toggle_and_no_leverage_without_one(self):
        buttons = self._data(parse_trade("50000 10x 1000 long bal 10000"), 10.0, "compare")
        assert list(buttons) == ["⇅ short", "➖ 5x", "➕ 15x", "📈 chart"]
        assert buttons["📈 chart"].view == "compare_chart"
        assert list(self._data(parse_trade("50000 qty 1 cross bal 100000 short"), None)) == [
            "⇅ long",
            "⇆ both sides",
            "⇄ isolated",
            "📈 chart",
        ]
