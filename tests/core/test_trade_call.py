"""Tests for :mod:`core.trade_call`: the corpus of posted calls, worked tables, and properties.

Sources: the corpus (``data/trade_calls.json``) is written for these tests in the formats traders post
(one-liners, Cornix-style signals, emoji and bullet layouts); no real signal is copied. Its ``expected``
objects hold every :class:`TradeCall` field except ``read_back``, which has its own table below.
Expected values live only in the tables; prices are compared with ``rel=1e-12`` (they are read from
decimal text, so the only error is float rounding).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core import trade_call
from core.enums import MarginMode, Side
from core.errors import TradeCallError
from core.trade_call import TradeCall, parse_trade_call

REL = 1e-12
EXAMPLE = "BTC long 50000 SL 48500 TP 54000"
NOT_A_CALL = f"I couldn't find a trade in that message; a call looks like: {EXAMPLE}"
FIELDS = (
    "symbol",
    "side",
    "entry_low",
    "entry_high",
    "stop_price",
    "take_profit_prices",
    "leverage",
    "margin_mode",
)

CORPUS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "trade_calls.json").read_text(encoding="utf-8")
)
VALID_ROWS = [row for row in CORPUS if row["expected"] is not None]
ERROR_ROWS = [row for row in CORPUS if row["expected"] is None]


def assert_call_matches(call: TradeCall, expected: dict[str, Any]) -> None:
    """Compare every field but ``read_back`` with the expected JSON object."""
    assert call.symbol == expected["symbol"]
    assert call.side is Side(expected["side"])
    assert call.entry_low == pytest.approx(expected["entry_low"], rel=REL)
    assert call.entry_high == pytest.approx(expected["entry_high"], rel=REL)
    if expected["stop_price"] is None:
        assert call.stop_price is None
    else:
        assert call.stop_price == pytest.approx(expected["stop_price"], rel=REL)
    assert list(call.take_profit_prices) == pytest.approx(expected["take_profit_prices"], rel=REL)
    if expected["leverage"] is None:
        assert call.leverage is None
    else:
        assert call.leverage == pytest.approx(expected["leverage"], rel=REL)
    expected_mode = None if expected["margin_mode"] is None else MarginMode(expected["margin_mode"])
    assert call.margin_mode is expected_mode


# --------------------------------------------------------------------------------------------------
# The corpus


class TestCorpus:
    """Every call in ``data/trade_calls.json``, by id."""

    def test_shape(self) -> None:
        ids = [row["id"] for row in CORPUS]
        assert len(ids) == len(set(ids))
        assert len(VALID_ROWS) >= 45
        assert sum(row["id"].startswith("noncall-") for row in ERROR_ROWS) >= 10
        for row in CORPUS:
            assert set(row) == {"id", "text", "expected", "error_contains"}, row["id"]
            assert (row["expected"] is None) != (row["error_contains"] is None), row["id"]
            if row["expected"] is not None:
                assert set(row["expected"]) == set(FIELDS), row["id"]

    @pytest.mark.parametrize("row", [pytest.param(row, id=row["id"]) for row in VALID_ROWS])
    def test_valid_call(self, row: dict[str, Any]) -> None:
        call = parse_trade_call(row["text"])
        assert_call_matches(call, row["expected"])

    @pytest.mark.parametrize("row", [pytest.param(row, id=row["id"]) for row in ERROR_ROWS])
    def test_rejected_message(self, row: dict[str, Any]) -> None:
        with pytest.raises(TradeCallError) as caught:
            parse_trade_call(row["text"])
        assert row["error_contains"] in str(caught.value)
        assert caught.value.code == "trade_call"


# --------------------------------------------------------------------------------------------------
# Worked tables


class TestNumbers:
    """Number formats read as the entry of ``XYZ long <number>`` (formats listed in the brief)."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            pytest.param("50000", 50_000.0, id="plain"),
            pytest.param("50k", 50_000.0, id="k-suffix"),
            pytest.param("49.5K", 49_500.0, id="k-suffix-decimal-upper"),
            pytest.param("1.2m", 1_200_000.0, id="m-suffix"),
            pytest.param("50,000", 50_000.0, id="comma-thousands"),
            pytest.param("1,200,000.25", 1_200_000.25, id="comma-thousands-decimal"),
            pytest.param("50 000", 50_000.0, id="space-thousands"),
            pytest.param("1 200 000", 1_200_000.0, id="space-thousands-two-groups"),
            pytest.param("3 200", 3_200.0, id="space-thousands-retried-after-wide-range"),
            pytest.param("$50,000.50", 50_000.5, id="dollar-comma"),
            pytest.param("0.00001234", 0.00001234, id="small-cap"),
            pytest.param("1.2345", 1.2345, id="four-decimals"),
            pytest.param("0,5", 0.5, id="comma-decimal-leading-zero"),
            pytest.param("1,25", 1.25, id="comma-decimal-two-digits"),
            pytest.param("0,500", 0.5, id="comma-decimal-zero-then-three"),
            pytest.param("1,250", 1_250.0, id="comma-three-digits-is-thousands"),
            pytest.param("５００００", 50_000.0, id="fullwidth-digits"),
        ],
    )
    def test_entry_format(self, raw: str, expected: float) -> None:
        call = parse_trade_call(f"XYZ long {raw}")
        assert call.entry_low == pytest.approx(expected, rel=REL)
        assert call.entry_high == pytest.approx(expected, rel=REL)

    @pytest.mark.parametrize(
        ("text", "expected_low", "expected_high"),
        [
            pytest.param("XYZ long 150 160", 150.0, 160.0, id="two-three-digit-numbers-stay-two"),
            pytest.param("XYZ long 52000,54000", 52_000.0, 54_000.0, id="comma-list-without-spaces"),
            pytest.param("XYZ long 50000 (15m chart)", 50_000.0, 50_000.0, id="timeframe-is-not-millions"),
            pytest.param("XYZ long 50000 (+4%)", 50_000.0, 50_000.0, id="percentage-ignored"),
            pytest.param("XYZ long 50000 21.11.2025", 50_000.0, 50_000.0, id="date-ignored"),
            pytest.param("XYZ long\n1. 49500\n2. 50500", 49_500.0, 50_500.0, id="dot-list-markers"),
            pytest.param("XYZ long #1 50000", 50_000.0, 50_000.0, id="hash-number-marker"),
        ],
    )
    def test_entry_reading(self, text: str, expected_low: float, expected_high: float) -> None:
        call = parse_trade_call(text)
        assert call.entry_low == pytest.approx(expected_low, rel=REL)
        assert call.entry_high == pytest.approx(expected_high, rel=REL)


class TestSymbol:
    """Which word is the base asset, and which words are left alone."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            pytest.param("#BTC/USDT long 50000", "BTC", id="hashtag-pair"),
            pytest.param("BTCUSDT long 50000", "BTC", id="glued-pair"),
            pytest.param("BTC-PERP long 50000", "BTC", id="perp-suffix"),
            pytest.param("$BTC long 50000", "BTC", id="cashtag"),
            pytest.param("btc long 50000", "BTC", id="known-ticker-lower-case"),
            pytest.param("long JUP 0.85", "JUP", id="shouted-word-after-side"),
            pytest.param("ETH/BTC long 0.052", "ETH", id="coin-quote"),
            pytest.param("#DYOR long 50000", None, id="hashtag-stopword-not-guessed"),
            pytest.param("jupiter long 0.85", None, id="unknown-lower-case-word-not-guessed"),
            pytest.param("#BTC #ETH long 50000", "BTC", id="first-hashtag"),
            pytest.param("#scalp ETHUSDT long 3200", "ETH", id="pair-beats-hashtag"),
        ],
    )
    def test_symbol(self, text: str, expected: str | None) -> None:
        assert parse_trade_call(text).symbol == expected


class TestReadBack:
    """``read_back`` lists the raw fragments in message order."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            pytest.param(
                "BTC long 49.5k-50.5k 10x SL $48,000 TP 52k / 54k",
                (
                    ("symbol", "BTC"),
                    ("side", "long"),
                    ("entry", "49.5k"),
                    ("entry", "50.5k"),
                    ("leverage", "10x"),
                    ("stop", "$48,000"),
                    ("take-profit", "52k"),
                    ("take-profit", "54k"),
                ),
                id="one-liner",
            ),
            pytest.param(
                "#ETH/USDT\nSignal Type: Regular (Short)\nLeverage: Isolated (20.0X)\n"
                "Entry: 3450 - 3480\nTake-Profit Targets:\n1) 3380\n2) 3320\nStop: 3560",
                (
                    ("symbol", "#ETH/USDT"),
                    ("side", "Short"),
                    ("margin", "Isolated"),
                    ("leverage", "20.0X"),
                    ("entry", "3450"),
                    ("entry", "3480"),
                    ("take-profit", "3380"),
                    ("take-profit", "3320"),
                    ("stop", "3560"),
                ),
                id="cornix",
            ),
            pytest.param(
                "ＢＴＣ ｌｏｎｇ ５０ ０００ ＳＬ ４８ ５００",
                (("symbol", "ＢＴＣ"), ("side", "ｌｏｎｇ"), ("entry", "５０ ０００"), ("stop", "４８ ５００")),
                id="fullwidth-quoted-as-posted",
            ),
            pytest.param(
                "ETH long 3200 SL 3100 SL 3000 lev 5 10x",
                (("symbol", "ETH"), ("side", "long"), ("entry", "3200"), ("stop", "3100"), ("leverage", "10x")),
                id="only-used-stop-and-leverage",
            ),
        ],
    )
    def test_read_back(self, text: str, expected: tuple[tuple[str, str], ...]) -> None:
        assert parse_trade_call(text).read_back == expected


class TestSummary:
    """``summary()`` renders one plain-text line."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            pytest.param(
                "BTC long 49500-50500 SL 48000 TP 52000 / 54000 10x cross",
                "BTC long · entry 49,500–50,500 · stop 48,000 · TP 52,000 / 54,000 · 10x cross",
                id="full",
            ),
            pytest.param("short 3200", "short · entry 3,200", id="no-symbol-entry-only"),
            pytest.param(
                "PEPE long 0.00001234 SL 0.0000110 12.5x",
                "PEPE long · entry 0.00001234 · stop 0.000011 · 12.5x",
                id="small-cap-fractional-leverage",
            ),
            pytest.param("SOL short 172.4 isolated", "SOL short · entry 172.4 · isolated", id="margin-only"),
        ],
    )
    def test_summary(self, text: str, expected: str) -> None:
        assert parse_trade_call(text).summary() == expected


class TestMessages:
    """Exact messages: what the poster reads."""

    @pytest.mark.parametrize(
        ("text", "expected_message", "expected_field"),
        [
            pytest.param("hello there", NOT_A_CALL, None, id="not-a-call"),
            pytest.param(
                "BTC long SL 48000",
                f"I couldn't find the entry price in that message; a call looks like: {EXAMPLE}",
                "entry_low",
                id="missing-entry",
            ),
            pytest.param(
                "BTC entry 50000",
                f"I couldn't find the side (long or short) in that message; a call looks like: {EXAMPLE}",
                "side",
                id="missing-side",
            ),
            pytest.param(
                "BTC long 50000 SL 51000",
                "a long's stop must be below its entry: stop 51,000 is above entry 50,000",
                "stop_price",
                id="long-stop-above",
            ),
            pytest.param(
                "BTC short 50000 SL 50000",
                "a short's stop must be above its entry: stop 50,000 is at entry 50,000",
                "stop_price",
                id="short-stop-at",
            ),
            pytest.param(
                "BTC short 49500-50500 SL 51000 TP 50500",
                "a short's take-profit must be below its entry: "
                "TP 50,500 is at the top of the entry range 49,500–50,500",
                "take_profit_prices",
                id="short-tp-at-range-top",
            ),
            pytest.param(
                "BTC long 49500-50500 SL 49500",
                "a long's stop must be below its entry: stop 49,500 is at the bottom of the entry range 49,500–50,500",
                "stop_price",
                id="long-stop-at-range-bottom",
            ),
            pytest.param(
                "BTC long 50000 201x",
                "leverage 201x is above 200x; type a leverage up to 200x, like 10x",
                "leverage",
                id="leverage-above-200",
            ),
            pytest.param(
                "BTC long 50000 SL 4000",
                "stop 4,000 is 92% below entry 50,000; a stop more than 90% away looks like a typo, check the digits",
                "stop_price",
                id="stop-too-far",
            ),
            pytest.param(
                "BTC long 20000-50000",
                "the entry range 20,000–50,000 is too wide (its high is more than twice its low); "
                "check the digits or post one entry like 50000",
                "entry_high",
                id="range-too-wide",
            ),
            pytest.param(
                "BTC long " + "50000 " * 26,
                f"I read more than 25 entry prices in that message, which is not one call; "
                f"post a single call, like: {EXAMPLE}",
                "entry_low",
                id="more-than-25-entries",
            ),
            pytest.param(
                "BTC long 50000 " + "x10 " * 26,
                f"I read more than 25 leverage values in that message, which is not one call; "
                f"post a single call, like: {EXAMPLE}",
                "leverage",
                id="more-than-25-leverages",
            ),
            pytest.param(
                "BTC long 50000 SL 48000 short",
                f"that message reads as both long and short; post one side, e.g. {EXAMPLE}",
                "side",
                id="both-sides",
            ),
        ],
    )
    def test_message(self, text: str, expected_message: str, expected_field: str | None) -> None:
        with pytest.raises(TradeCallError) as caught:
            parse_trade_call(text)
        assert str(caught.value) == expected_message
        assert caught.value.field == expected_field


class TestLimits:
    """Boundaries of the believable values (leverage 200x, stop 90 % away, range high 2x low)."""

    @pytest.mark.parametrize(
        ("text", "accepted"),
        [
            pytest.param("BTC long 50000 200x", True, id="leverage-200-accepted"),
            pytest.param("BTC long 50000 200.5x", False, id="leverage-200.5-rejected"),
            pytest.param("BTC long 50000 lev 0.5", True, id="leverage-below-1-accepted"),
            pytest.param("BTC long 50000 SL 5000", True, id="stop-exactly-90-percent-accepted"),
            pytest.param("BTC long 50000 SL 4999", False, id="stop-just-over-90-percent-rejected"),
            pytest.param("BTC long 25000-50000", True, id="range-high-exactly-twice-low-accepted"),
            pytest.param("BTC long 24999-50000", False, id="range-high-over-twice-low-rejected"),
            pytest.param("BTC short 50000 SL 95000", True, id="short-stop-90-percent-above-accepted"),
            pytest.param("BTC short 50000 SL 95001", False, id="short-stop-over-90-percent-rejected"),
        ],
    )
    def test_limit(self, text: str, accepted: bool) -> None:
        if accepted:
            assert isinstance(parse_trade_call(text), TradeCall)
        else:
            with pytest.raises(TradeCallError):
                parse_trade_call(text)


class TestLongInput:
    """Long and repetitive input is cut at 4,000 characters and still gives a call or a TradeCallError."""

    def test_call_after_the_first_4000_characters_is_not_read(self) -> None:
        padding = "chatter " * 500  # 4,000 characters
        with pytest.raises(TradeCallError, match="couldn't find a trade"):
            parse_trade_call(padding + "BTC long 50000")

    def test_call_inside_the_first_4000_characters_is_read(self) -> None:
        padding = "chatter " * 498  # 3,984 characters
        assert parse_trade_call(padding + "BTC long 50000").entry_low == pytest.approx(50_000.0, rel=REL)

    @pytest.mark.parametrize(
        ("text", "expected_error"),
        [
            pytest.param("BTC long 50000 " * 700, "more than 25 entry prices", id="repeated-call"),
            pytest.param("ETH long 3200 " + "gm " * 3_000, None, id="call-then-chatter"),
            pytest.param("9" * 10_000, NOT_A_CALL, id="one-long-number"),
            pytest.param("long " + "9" * 9_000, "the entry price is not a finite number", id="huge-entry"),
            pytest.param("1," * 5_000, NOT_A_CALL, id="comma-chain"),
            pytest.param("long " * 2_000, "couldn't find the entry price", id="repeated-side"),
            pytest.param("🚀" * 10_000, NOT_A_CALL, id="emoji"),
            pytest.param("1 " * 5_000, NOT_A_CALL, id="space-groups"),
        ],
    )
    def test_long_input(self, text: str, expected_error: str | None) -> None:
        if expected_error is None:
            assert isinstance(parse_trade_call(text), TradeCall)
        else:
            with pytest.raises(TradeCallError, match=expected_error):
                parse_trade_call(text)


class TestModel:
    """The model itself: frozen, strict about extra fields, checks its values when built directly."""

    def build(self, **changes: Any) -> TradeCall:
        values: dict[str, Any] = {"side": Side.LONG, "entry_low": 49_500.0, "entry_high": 50_500.0}
        values.update(changes)
        return TradeCall(**values)

    @pytest.mark.parametrize(
        ("low", "high", "expected"),
        [
            pytest.param(50_000.0, 50_000.0, 50_000.0, id="single-entry"),
            pytest.param(49_500.0, 50_500.0, 50_000.0, id="range-midpoint-not-weighted"),
            pytest.param(0.00001150, 0.00001200, 0.00001175, id="small-cap"),
        ],
    )
    def test_entry_price_is_the_midpoint(self, low: float, high: float, expected: float) -> None:
        assert self.build(entry_low=low, entry_high=high).entry_price == pytest.approx(expected, rel=REL)

    def test_frozen(self) -> None:
        call = self.build()
        with pytest.raises(ValidationError):
            call.entry_low = 1.0  # type: ignore[misc]

    def test_extra_fields_forbidden(self) -> None:
        with pytest.raises(ValidationError):
            self.build(quantity=1.0)

    def test_symbol_upper_cased(self) -> None:
        assert self.build(symbol=" btc ").symbol == "BTC"

    @pytest.mark.parametrize(
        ("changes", "expected_field"),
        [
            pytest.param({"stop_price": 51_000.0}, "stop_price", id="long-stop-above"),
            pytest.param({"take_profit_prices": (49_000.0,)}, "take_profit_prices", id="long-tp-below"),
            pytest.param({"entry_low": float("nan")}, "entry_low", id="nan-entry"),
            pytest.param({"stop_price": float("inf")}, "stop_price", id="infinite-stop"),
            pytest.param({"entry_low": -1.0}, "entry_low", id="negative-entry"),
            pytest.param({"leverage": 0.0}, "leverage", id="zero-leverage"),
            pytest.param({"leverage": float("inf")}, "leverage", id="infinite-leverage"),
            pytest.param({"entry_low": 51_000.0}, "entry_low", id="low-above-high"),
        ],
    )
    def test_direct_construction_is_checked(self, changes: dict[str, Any], expected_field: str) -> None:
        with pytest.raises(TradeCallError) as caught:
            self.build(**changes)
        assert caught.value.field == expected_field

    def test_public_names(self) -> None:
        assert trade_call.__all__ == ["TradeCall", "parse_trade_call"]


# --------------------------------------------------------------------------------------------------
# Properties

CHATTER = [
    "gm fam ☀️",
    "Not financial advice, DYOR 🙏",
    "join 12k traders in our group",
    "https://t.me/example_channel",
    "follow for more 📊",
    "who else is watching this?",
    "we called the last 3 moves",
    "Binance Futures",
    "good luck everyone",
    "#crypto #signals",
    "",
]
NOISE_EMOJI = ["🚀", "🔥", "💎", "📊", "🐂", "✨", "👀", "💰", "📈", "📉", "✅", "🟢", "🔴", "⚡️"]
LINE_PREFIXES = ["", " ", "   ", "\t", "• ", "- "]
LINE_SUFFIXES = ["", " ", "  ", "\t"]
SETTINGS = settings(max_examples=200, database=None)


@st.composite
def noisy_versions(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    """A valid corpus call with chatter lines, emoji, whitespace and casing added around its lines.

    Whole-message lower-casing is not used: an unknown ticker in lower case (``link long``) is
    deliberately not guessed, so it would change the symbol.
    """
    row = draw(st.sampled_from(VALID_ROWS))
    lines: list[str] = []
    for line in row["text"].split("\n"):
        for chatter in draw(st.lists(st.sampled_from(CHATTER), max_size=2)):
            casing = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
            lines.append(casing(chatter))
        prefix = draw(st.sampled_from(LINE_PREFIXES))
        suffix = draw(st.sampled_from(LINE_SUFFIXES))
        if draw(st.booleans()):
            prefix = draw(st.sampled_from(NOISE_EMOJI)) + " " + prefix
        if draw(st.booleans()):
            suffix = suffix + " " + draw(st.sampled_from(NOISE_EMOJI))
        lines.append(prefix + line + suffix)
    lines.extend(draw(st.lists(st.sampled_from(CHATTER), max_size=2)))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    if draw(st.booleans()):
        text = text.upper()
    return text, row["expected"], row["text"]


@SETTINGS
@given(noisy_versions())
def test_noise_around_a_call_does_not_change_it(case: tuple[str, dict[str, Any], str]) -> None:
    """Chatter, emoji, whitespace, CRLF and upper-casing around a call's lines leave the call as it was."""
    text, expected, original = case
    call = parse_trade_call(text)
    assert_call_matches(call, expected)
    expected_read_back = [
        (label, raw.upper()) for label, raw in parse_trade_call(original).read_back if label != "venue"
    ]
    # chatter may name a venue ("Binance Futures"): read as the call's venue, the rest unchanged
    read_back = [(label, raw.upper()) for label, raw in call.read_back if label != "venue"]
    assert read_back == expected_read_back


FRAGMENTS = [
    "BTC", "long", "SHORT", "buy", "sell", "SL", "TP", "TP1", "Entry", "Targets:", "Stop Targets:", "1)",
    "2)", "50000", "49.5k", "1.2m", "0,5", "50,000", "50 000", "000", "0", "10x", "x20", "(20.0X)",
    "cross", "isolated", "Leverage:", "#ETH/USDT", "$SOL", "🎯", "🛑", "1️⃣", "%", "-", "–", "to",
    "between", "and", "take-profit", "stop", "S/L", "https://t.me/x", "9" * 50, "0.00001234", ":", "#",
    "@", "target", "1", "x", "k", "term", "…", "Coin:", "1000PEPEUSDT", "𝟓", "×", "\u20e3", "\ufe0f",
]  # fmt: skip


@SETTINGS
@given(
    st.one_of(
        st.text(max_size=10_000),
        st.lists(
            st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from([" ", "", "\n", "/", ", ", " - "])),
            max_size=80,
        ).map(lambda pairs: "".join(fragment + sep for fragment, sep in pairs)),
    )
)
def test_any_text_gives_a_call_or_a_trade_call_error(text: str) -> None:
    """Any unicode text (0-10,000 characters) or keyword soup gives a call or a TradeCallError, nothing else."""
    try:
        call = parse_trade_call(text)
    except TradeCallError as error:
        assert error.code == "trade_call"
        assert str(error)
    else:
        assert isinstance(call, TradeCall)
        assert call.summary()


SYMBOLS = [
    ("BTC", "BTC"),
    ("#ETH/USDT", "ETH"),
    ("SOLUSDT", "SOL"),
    ("$PEPE", "PEPE"),
    ("DOGE-PERP", "DOGE"),
    ("btc", "BTC"),
    ("#1000PEPE/USDT", "1000PEPE"),
    ("", None),
]
SIDE_WORDS = {Side.LONG: ["long", "LONG", "Long", "buy", "BUY"], Side.SHORT: ["short", "SHORT", "sell", "Sell"]}


@st.composite
def prices(draw: st.DrawFn, ticks: int, tick: Decimal) -> tuple[str, Decimal]:
    """Format ``ticks × tick`` as a trader might: plain, thousands commas, ``$``, or ``k``."""
    value = Decimal(ticks) * tick
    styles = ["plain", "dollar"] + (["comma", "k"] if value >= 1000 else [])
    style = draw(st.sampled_from(styles))
    if style == "comma":
        return format(value, ",f"), value
    if style == "k":
        return format(value / 1000, "f") + "k", value
    prefix = "$" if style == "dollar" else ""
    return prefix + format(value, "f"), value


@st.composite
def one_liners(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid one-liner built from random values, and the values it was built from."""
    side = draw(st.sampled_from(Side))
    tick = Decimal(1).scaleb(draw(st.integers(-8, 2)))
    low = draw(st.integers(1_000, 900_000))
    high = low + (draw(st.integers(0, low // 10)) if draw(st.booleans()) else 0)
    if side is Side.LONG:
        stop = draw(st.integers(low // 2, low - 1))
        tps = draw(st.lists(st.integers(low + 1, low * 3), max_size=4))
    else:
        stop = draw(st.integers(high + 1, high * 3 // 2))
        tps = draw(st.lists(st.integers(high // 3, high - 1), max_size=4))
    leverage = draw(st.one_of(st.none(), st.integers(1, 200), st.integers(1, 1999).map(lambda t: t / 10)))
    margin = draw(st.one_of(st.none(), st.sampled_from(MarginMode)))
    symbol_text, symbol = draw(st.sampled_from(SYMBOLS))

    low_text, low_value = draw(prices(low, tick))
    entry = low_text
    high_value = low_value
    if high != low:
        high_text, high_value = draw(prices(high, tick))
        entry += draw(st.sampled_from(["-", " - ", " – ", " to ", "~"])) + high_text
    stop_text, stop_value = draw(prices(stop, tick))
    tp_pairs = [draw(prices(tp, tick)) for tp in tps]

    side_word = draw(st.sampled_from(SIDE_WORDS[side]))
    head = f"{symbol_text} {side_word}" if draw(st.booleans()) else f"{side_word} {symbol_text}"
    parts = [draw(st.sampled_from(["SL", "sl", "stop", "Stop:", "SL:", "stop-loss", "S/L"])) + " " + stop_text]
    if tp_pairs:
        label = draw(st.sampled_from(["TP", "tp", "TP:", "targets", "Targets:", "target"]))
        separator = draw(st.sampled_from([" / ", "/", ", ", " "]))
        parts.append(label + " " + separator.join(text for text, _ in tp_pairs))
    if leverage is not None:
        shown = format(Decimal(str(leverage)).normalize(), "f")
        styles = [f"{shown}x", f"{shown}X", f"lev {shown}", f"leverage {shown}x"]
        if float(leverage).is_integer():
            styles.append(f"x{int(leverage)}")
        parts.append(draw(st.sampled_from(styles)))
    if margin is not None:
        parts.append(draw(st.sampled_from([margin.value, margin.value.upper(), margin.value.title()])))
    parts = draw(st.permutations(parts))
    text = " ".join([head.strip(), entry, *parts])
    expected = {
        "symbol": symbol,
        "side": side.value,
        "entry_low": float(low_value),
        "entry_high": float(high_value),
        "stop_price": float(stop_value),
        "take_profit_prices": [float(value) for _, value in tp_pairs],
        "leverage": None if leverage is None else float(leverage),
        "margin_mode": None if margin is None else margin.value,
    }
    return text, expected


@SETTINGS
@given(one_liners())
def test_one_liner_round_trip(case: tuple[str, dict[str, Any]]) -> None:
    """A one-liner written from random valid values reads back as those values (prices within rel=1e-12)."""
    text, expected = case
    assert_call_matches(parse_trade_call(text), expected)
