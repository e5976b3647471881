"""The trade one-liner: what traders type, and the answer to what they mistype."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import CoreError, InvalidInputError, MarginMode, ParseError, Side, parse_cross_account, parse_trade
from core.grammar import parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("50000 10x 1000 isolated", dict(entry_price=50_000, leverage=10, margin=1_000), id="canonical"),
        pytest.param(
            "50k x10 1k iso short", dict(entry_price=50_000, leverage=10, margin=1_000, side=Side.SHORT), id="short-k"
        ),
        pytest.param(
            "$3,000 10x margin 1000 cross bal 10000 ex binance sym ETH",
            dict(
                entry_price=3_000,
                leverage=10,
                margin=1_000,
                margin_mode=MarginMode.CROSS,
                wallet_balance=10_000,
                venue="binance",
                symbol="ETH",
            ),
            id="labelled",
        ),
        pytest.param("50000 10x 1000 mmr 0.4% fee 0.05%", dict(mmr=0.004, taker_fee_rate=0.0005), id="rates-percent"),
        pytest.param("50000 10x 1000 mmr 0.5", dict(mmr=0.005), id="rate-without-percent-sign"),
        pytest.param(
            "3000 20x qty 2 short okx eth", dict(quantity=2, venue="okx", symbol="ETH"), id="qty-venue-symbol"
        ),
        pytest.param("50000 10x 1000 @bybit BTCUSDT", dict(venue="bybit", symbol="BTC"), id="at-venue-ticker"),
        pytest.param("BTC long 0.5 @ 60000 10x", dict(quantity=0.5, entry_price=60_000), id="qty-at-price"),
        pytest.param("1.5m 2x notional 3m", dict(entry_price=1_500_000, notional=3_000_000), id="m-suffix"),
        pytest.param("50000 10x 1000 add 200 mark 49000", dict(added_margin=200, mark_price=49_000), id="add-mark"),
        pytest.param("50000 10X 1000 LONG", dict(side=Side.LONG, leverage=10), id="upper-case"),
        pytest.param("0,5 10x 100", dict(entry_price=0.5), id="decimal-comma"),
        pytest.param("2.5 10x 1000 XRP", dict(symbol="XRP", leverage=10), id="x-ticker-is-not-leverage"),
        pytest.param("2.5 x10 1000 xrpusdt", dict(symbol="XRP", leverage=10), id="lower-case-pair"),
        pytest.param("50000 10x 1000 sym PENGU", dict(symbol="PENGU"), id="labelled-unknown-ticker"),
    ],
)
def test_reads_what_traders_type(text: str, expected: dict) -> None:
    request = parse_trade(text)
    for field, value in expected.items():
        assert getattr(request, field) == pytest.approx(value) if isinstance(value, float | int) else value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("50000 10y 1000", "'10y' is not a leverage; write it like 10x", id="10y"),
        pytest.param("50000 -5x 1000", "must be above 0; write it like 10x", id="negative-leverage"),
        pytest.param("0 10x 1000", "entry price 0: input should be greater than 0; type a price like 50000", id="zero"),
        pytest.param("1e309 10x 1", "too large", id="overflow"),
        pytest.param("NaN 10x 100", "'NaN' is not a number", id="nan"),
        pytest.param("hello", "'hello' is not understood; a trade looks like 50000 10x 1000 isolated", id="word"),
        pytest.param("50000 10x", "the entry price or the margin is missing", id="no-size"),
        pytest.param("50000 10x 1000 5", "label it, like bal 5 or mark 5", id="third-number"),
        pytest.param("50000 10x 1000 long short", "given twice", id="two-sides"),
        pytest.param("50000 10x 1000 nasdaq", "'nasdaq' is not understood", id="unknown-venue-word"),
        pytest.param("50000 10x 1000 ex nasdaq", "venue 'nasdaq' is unknown; type one of", id="unknown-venue"),
        pytest.param("50000 10x 1000 bal", "'bal' needs a value after it, like bal 10000", id="dangling-label"),
        pytest.param("<b>50000 10x 1000", "is not understood", id="html"),
        pytest.param("x" * 600, "a trade is one short line", id="too-long"),
        pytest.param("", "no trade given", id="empty"),
        pytest.param("50000 2000x 1000", "leverage 2,000: input should be less than or equal to 1000", id="absurd-lev"),
    ],
)
def test_mistakes_get_a_sentence_that_says_what_to_type(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_trade(text)
    assert message in str(info.value)


def test_defaults_fill_gaps_and_text_wins() -> None:
    request = parse_trade("50000 10x 1000 okx", defaults={"venue": "binance", "mmr": 0.004, "wallet_balance": 5000})
    assert (request.venue, request.mmr, request.wallet_balance) == ("okx", 0.004, 5000)


@pytest.mark.parametrize(
    ("text", "value"),
    [("50000", 50_000.0), ("50k", 50_000.0), ("$50,000", 50_000.0), ("1.5M", 1_500_000.0), ("0.00001234", 1.234e-5)],
)
def test_numbers(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value, rel=1e-15)


@given(st.text(max_size=300))
def test_any_text_is_a_request_or_a_clear_error(text: str) -> None:
    try:
        parse_trade(text)
    except CoreError as exc:
        assert str(exc)
        assert exc.code in {"parse", "invalid_input", "tier_not_found"}


class TestCrossGrammar:
    def test_reads_an_account(self) -> None:
        account = parse_cross_account("bal 20000; BTC long 0.5 @ 60000; ETH short 10 @ 3000 mark 2900")
        assert account.wallet_balance == 20_000
        assert [(p.symbol, p.side, p.quantity, p.entry_price, p.mark_price) for p in account.positions] == [
            ("BTC", Side.LONG, 0.5, 60_000, None),
            ("ETH", Side.SHORT, 10, 3_000, 2_900),
        ]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            pytest.param("BTC long 0.5 @ 60000", "the wallet balance is missing", id="no-balance"),
            pytest.param("bal 1000", "no positions given", id="no-positions"),
            pytest.param("bal 1000; BTC long", "needs a quantity and an entry", id="no-size"),
            pytest.param("bal 1000; BTC long 1 @ 100 bal 5", "cannot be set per position", id="bal-in-position"),
        ],
    )
    def test_errors(self, text: str, message: str) -> None:
        with pytest.raises(ParseError, match=message):
            parse_cross_account(text)
