"""Issue 10, the trader findings: one table per class of problem, in core.

Expected values are derived in the comments (textbook formula: long LP = EP·(1 − 1/L + MMR), MM at
entry; derivations.md D1) or are the grammar's readings of what traders typed on their phones.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import (
    MarginMode,
    ParseError,
    Side,
    TierTable,
    calculate,
    get_venue,
    liquidation_price,
    liquidation_price_bulk,
    parse_cross_account,
    parse_dca,
    parse_trade,
    pnl_report,
    size_for_risk,
    target_report,
    venue_has_table,
)
from core.errors import InvalidInputError
from core.numbers import fmt_num, fmt_percent

# --- phone spellings: each reads as the plain trade 97000 25x 500 -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("97000 25 x 500 long", id="space-before-x"),
        pytest.param("97000 25x 500usdt long", id="usdt-suffix"),
        pytest.param("97000 25x 500USDT long", id="USDT-suffix"),
        pytest.param("97000 25x 500$ long", id="dollar-after"),
        pytest.param("97000 25x $500 long", id="dollar-before"),
        pytest.param("97000 25х 500 long", id="cyrillic-x"),
        pytest.param("97000 х25 500 long", id="cyrillic-x-before"),
        pytest.param("97 000 25x 500 long", id="space-thousands"),
        pytest.param("97\u00a0000 25x 500 long", id="nbsp-thousands"),
        pytest.param("\u200f97000 25x 500 long", id="rtl-mark"),
        pytest.param("97000\u200b 25x 500 long", id="zero-width-space"),
        pytest.param("\ufeff97000 25x 500 long", id="byte-order-mark"),
    ],
)
def test_phone_spellings_read_as_the_plain_trade(text: str) -> None:
    expected = parse_trade("97000 25x 500 long")
    assert parse_trade(text) == expected


@pytest.mark.parametrize(
    ("text", "entry", "margin"),
    [
        pytest.param("3 200 20x 200 short eth", 3_200.0, 200.0, id="three-numbers-join"),
        pytest.param("600 100 10x", 600.0, 100.0, id="two-numbers-stay-apart"),
        pytest.param("1 250 000 2x 5000", 1_250_000.0, 5_000.0, id="two-groups"),
        pytest.param("97 500 25x 500", 97_500.0, 500.0, id="group-not-zero-but-three-numbers"),
    ],
)
def test_space_thousands_join_only_when_unambiguous(text: str, entry: float, margin: float) -> None:
    request = parse_trade(text)
    assert (request.entry_price, request.margin) == (entry, margin)


@pytest.mark.parametrize(
    ("text", "side", "mode"),
    [
        pytest.param("лонг изолированная", Side.LONG, MarginMode.ISOLATED, id="ru-long-iso"),
        pytest.param("шорт кросс bal 5000", Side.SHORT, MarginMode.CROSS, id="ru-short-cross"),
        pytest.param("uzun izole", Side.LONG, MarginMode.ISOLATED, id="tr-long-iso"),
        pytest.param("kısa çapraz bal 5000", Side.SHORT, MarginMode.CROSS, id="tr-short-cross"),
        pytest.param("largo aislado", Side.LONG, MarginMode.ISOLATED, id="es-long-iso"),
        pytest.param("corto cruzado bal 5000", Side.SHORT, MarginMode.CROSS, id="es-short-cross"),
        pytest.param("comprado isolada", Side.LONG, MarginMode.ISOLATED, id="pt-long-iso"),
        pytest.param("vendido cruzada bal 5000", Side.SHORT, MarginMode.CROSS, id="pt-short-cross"),
        pytest.param("mua cô lập", Side.LONG, MarginMode.ISOLATED, id="vi-long-iso"),
        pytest.param("bán chéo bal 5000", Side.SHORT, MarginMode.CROSS, id="vi-short-cross"),
    ],
)
def test_words_in_other_languages(text: str, side: Side, mode: MarginMode) -> None:
    request = parse_trade(f"97000 25x 500 {text}")
    assert (request.side, request.margin_mode) == (side, mode)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        pytest.param("97000 25x 500 binanse", "did you mean binance?", id="venue-typo"),
        pytest.param("97000 25x 500 lnog", "did you mean long?", id="side-transposed"),
        pytest.param("97000 25x 500 shrot", "did you mean short?", id="short-transposed"),
        pytest.param("97000 25x 500 isolatd", "did you mean isolated?", id="mode-typo"),
        pytest.param("97000 25x 500 hyperliquit", "did you mean hyperliquid?", id="hl-typo"),
    ],
)
def test_typos_get_did_you_mean(text: str, suggestion: str) -> None:
    with pytest.raises(ParseError, match=re_escape(suggestion)):
        parse_trade(text)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)


@pytest.mark.parametrize(
    ("word", "name"),
    [
        pytest.param("phemex", "Phemex", id="phemex"),
        pytest.param("BingX", "BingX", id="bingx"),
        pytest.param("ex kucoin", "KuCoin", id="kucoin-labelled"),
        pytest.param("@deribit", "Deribit", id="deribit-at"),
    ],
)
def test_exchanges_that_are_not_venues_get_the_textbook_with_your_mmr(word: str, name: str) -> None:
    # textbook long 97,000 at 25x, MMR 0.4 %: 97,000·(1 − 0.04 + 0.004) = 93,508
    result = calculate(parse_trade(f"97000 25x 500 long mmr 0.4% {word}"))
    assert result.venue == "textbook" and result.liquidation_price == pytest.approx(93_508.0, abs=1e-6)
    assert result.caveat.startswith(f"{name} is not a venue yet: textbook formula with MMR 0.4%")


# --- numbers that cannot be what was meant: ask ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("97.000 25x 500 long", "did you mean 97,000?", id="european-thousands-btc"),
        pytest.param("eth 3.200 20x 200", "did you mean 3,200?", id="european-thousands-eth"),
        pytest.param("97000 25x 1.500 long", "did you mean 1,500?", id="dotted-margin"),
        pytest.param("500 25x 97k long btc", "did you mean entry 97,000 and margin 500?", id="swapped"),
        pytest.param("0.15 20x 500 long btc", "far outside BTC's price range", id="wrong-symbol"),
        pytest.param("btc 10x 1000", "the entry price or the margin is missing", id="one-number"),
        pytest.param("50000 qty 0.1 margin 9000", "margin 9,000 is more than the whole position", id="margin-above"),
    ],
)
def test_implausible_numbers_are_asked_about(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=re_escape(message)):
        calculate(parse_trade(text), Side.LONG)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        pytest.param("150.125 10x 100 sol", 150.125, id="sol-three-decimals-is-a-price"),
        pytest.param("0.125 10x 100 doge", 0.125, id="below-one"),
        pytest.param("97000 25x 500 qty 1.125", 97_000.0, id="quantity-three-decimals"),
        pytest.param("3200 20x 200 eth", 3_200.0, id="plausible-eth"),
    ],
)
def test_plausible_numbers_are_not_questioned(text: str, entry: float) -> None:
    assert parse_trade_fields_entry(text) == entry


def parse_trade_fields_entry(text: str) -> float:
    from core.grammar import parse_trade_fields

    return float(parse_trade_fields(text)["entry_price"])


# --- sl in a trade, /dca without semicolons, one mark per symbol ------------------------------------------


@pytest.mark.parametrize(
    ("text", "stop_first", "side"),
    [
        # textbook long 97,000 25x: liquidation 93,605; a stop at 95,000 is above it
        pytest.param("97000 25x 500 sl 95000", True, Side.LONG, id="long-stop-first"),
        pytest.param("97000 25x 500 sl 93000", False, Side.LONG, id="long-stop-beyond"),
        # short 3,200 20x: liquidation 3,200·(1 + 0.05 − 0.005) = 3,344
        pytest.param("3200 20x 200 eth sl 3300", True, Side.SHORT, id="short-stop-first"),
        pytest.param("3200 20x 200 eth stop 3400", False, Side.SHORT, id="short-stop-beyond"),
    ],
)
def test_a_stop_in_the_trade_is_checked_and_gives_the_side(text: str, stop_first: bool, side: Side) -> None:
    request = parse_trade(text)
    result = calculate(request)
    assert request.side is side and result.stop is not None and result.stop.stop_first is stop_first


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("10x long 0.1 @ 50000 0.1 @ 48000", id="no-semicolons"),
        pytest.param("10x long; 0.1 @ 50000; 0.1 @ 48000", id="semicolons"),
        pytest.param("10x long\n0.1@50000\n0.1@48000", id="lines"),
    ],
)
def test_dca_fills_with_or_without_semicolons(text: str) -> None:
    assert parse_dca(text).fills == ((50_000.0, 0.1), (48_000.0, 0.1))


def test_cross_hedge_legs_share_one_mark() -> None:
    account = parse_cross_account("bal 10000; BTC long 0.1 @ 50000 mark 48000; BTC short 0.05 @ 49000")
    assert [p.mark_price for p in account.positions] == [48_000.0, 48_000.0]
    with pytest.raises(ParseError, match="BTC has two marks"):
        parse_cross_account("bal 10000; BTC long 0.1 @ 50000 mark 48000; BTC short 0.05 @ 49000 mark 47000")


# --- PnL and targets stop at liquidation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "exit_price", "pnl", "roe", "first"),
    [
        # issue 10: 97,000 25x 500 long liquidates at 93,605 (textbook); the exit 90,000 is beyond it
        pytest.param("97000 25x 500 long", 90_000, -500.0, -1.0, True, id="isolated-past-liq"),
        # added margin: the wallet is 700, liquidation 97,000 − (700 − 0.005·12,500)/0.128866 = 92,052.5
        pytest.param("97000 25x 500 long add 200", 90_000, -700.0, -1.4, True, id="added-margin-past-liq"),
        # before liquidation the formula stands: 0.128866·(95,000 − 97,000) = −257.73
        pytest.param("97000 25x 500 long", 95_000, -2000 * 500 * 25 / 97_000, -2000 * 25 / 97_000, False, id="before"),
        # cross: the wallet backs it; liquidation with 5,000 far below 90,000: the loss is the formula's
        pytest.param("97000 25x 500 long cross bal 5000", 90_000, -7000 * 12_500 / 97_000, None, False, id="cross"),
        # cross with a small wallet: liquidated at 97,000 − (1,000 − 62.5)/0.128866 = 89,725 … exit 85,000
        pytest.param("97000 25x 500 long cross bal 1000", 85_000, -1000.0, -2.0, True, id="cross-wallet-lost"),
    ],
)
def test_pnl_stops_at_liquidation(text: str, exit_price: float, pnl: float, roe: float | None, first: bool) -> None:
    report = pnl_report(parse_trade(text), exit_price)
    assert report.liquidated_first is first
    assert report.pnl == pytest.approx(pnl, rel=1e-9)
    if roe is not None:
        assert report.roe == pytest.approx(roe, rel=1e-9)


def test_pnl_needs_no_leverage_with_a_quantity() -> None:
    # issue 10: short 2 ETH from 3,200 to 3,000 earns 2·200 = 400
    report = pnl_report(parse_trade("eth 3200 qty 2 short"), 3_000)
    assert report.pnl == pytest.approx(400.0) and report.roe is None and report.liquidation_note is not None


@pytest.mark.parametrize(
    ("roe", "exit_price", "first"),
    [
        pytest.param(-1.5, None, True, id="past-liq"),  # issue 10: −150 % at 25x lies below 93,605
        pytest.param(-0.5, 97_000 * (1 - 0.5 / 25), False, id="loss-before-liq"),  # 95,060
        pytest.param(0.5, 97_000 * (1 + 0.5 / 25), False, id="gain"),  # 98,940
    ],
)
def test_target_beyond_liquidation_has_no_exit(roe: float, exit_price: float | None, first: bool) -> None:
    report = target_report(parse_trade("97000 25x 100 long"), roe)
    assert report.liquidated_first is first and report.liquidation_price == pytest.approx(93_605.0)
    if exit_price is None:
        assert report.exit_price is None
    else:
        assert report.exit_price == pytest.approx(exit_price, rel=1e-12)


# --- risk as money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "amount", "quantity", "fraction"),
    [
        # issue 10: risk $50 on a 2,000 stop distance = 0.025 BTC (not 1.25 BTC for 50 %)
        pytest.param(5_000.0, 50.0, 0.025, 0.01, id="money-with-balance"),
        pytest.param(None, 50.0, 0.025, None, id="money-without-balance"),
    ],
)
def test_risk_in_money(balance: float | None, amount: float, quantity: float, fraction: float | None) -> None:
    result = size_for_risk(
        Side.LONG, balance, None, 97_000, 95_000,
        table=TierTable.flat(0.005), venue=get_venue("textbook"), risk_amount=amount,
    )  # fmt: skip
    assert result.quantity == pytest.approx(quantity, rel=1e-12)
    assert result.risk_fraction == (None if fraction is None else pytest.approx(fraction))


def test_risk_amount_beyond_the_account_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="the whole account"):
        size_for_risk(
            Side.LONG, 1_000, None, 97_000, 95_000,
            table=TierTable.flat(0.005), venue=get_venue("textbook"), risk_amount=1_000,
        )  # fmt: skip


# --- the precedence of MMRs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "defaults", "mmr_used"),
    [
        # issue 10: saved 0.5 %, Hyperliquid ETH has a table (2 % = 1/(2·25)): the table is used
        pytest.param("3200 20x 200 short eth", {"mmr": 0.005, "venue": "hyperliquid"}, 0.02, id="saved-ignored"),
        # the trade names its own mmr: it wins over the table
        pytest.param("3200 20x 200 short eth mmr 0.5%", {"venue": "hyperliquid"}, 0.005, id="typed-wins"),
        # a venue without a table (textbook): the saved MMR applies
        pytest.param("3200 20x 200 short eth", {"mmr": 0.004}, 0.004, id="saved-where-no-table"),
        # Binance has no DOGE table bundled: the saved MMR applies there too
        pytest.param("0.15 20x 200 short doge", {"mmr": 0.01, "venue": "binance"}, 0.01, id="saved-no-symbol-table"),
    ],
)
def test_a_venue_table_wins_over_a_saved_mmr(text: str, defaults: dict[str, object], mmr_used: float) -> None:
    result = calculate(parse_trade(text, defaults=defaults))
    assert result.tier is not None and result.tier.mmr == pytest.approx(mmr_used)


def test_venue_has_table() -> None:
    assert venue_has_table({"venue": "binance", "symbol": "BTC"})
    assert not venue_has_table({"venue": "binance", "symbol": "DOGE"})
    assert not venue_has_table({})


# --- numbers in core's sentences ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(5e6, "5,000,000", id="no-exponent"),
        pytest.param(0.0000123, "0.0000123", id="small"),
        pytest.param(45_226.13114, "45,226.131", id="eight-digits"),
        pytest.param(2.5e306, "2.5 × 10^306", id="absurd"),
    ],
)
def test_fmt_num(value: float, text: str) -> None:
    assert fmt_num(value) == text


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        pytest.param(0.0119, "1.19%", id="no-space"),
        pytest.param(0.00055, "0.055%", id="fee-two-significant"),
        pytest.param(0.005, "0.5%", id="trailing-zero-dropped"),
    ],
)
def test_fmt_percent(fraction: float, text: str) -> None:
    assert fmt_percent(fraction) == text


# --- speed paths equal the general path ---------------------------------------------------------------

_SIDES = st.sampled_from([Side.LONG, Side.SHORT, "long", "short"])


@settings(max_examples=300, deadline=None)
@given(
    side=_SIDES,
    entry=st.floats(1e-6, 1e7),
    leverage=st.floats(1, 125),
    mmr=st.floats(0, 0.2),
    cum=st.floats(-100, 100),
    fee=st.floats(0, 0.001),
    inverse=st.booleans(),
    in_mmr=st.booleans(),
    at_entry=st.booleans(),
)
def test_fast_scalar_path_equals_the_general_path(
    side: object, entry: float, leverage: float, mmr: float, cum: float, fee: float,
    inverse: bool, in_mmr: bool, at_entry: bool,
) -> None:  # fmt: skip
    """The one-position fast path and the general solver (forced with an empty-but-truthy ``others``)."""
    from core.liquidation import _Coefficients

    quantity, wallet = 3.0, 3.0 * (entry if not inverse else 100 / entry) / leverage
    kwargs = dict(
        mmr=mmr, maintenance_amount=cum, contract="inverse" if inverse else "linear",
        contract_size=100.0 if inverse else 1.0, taker_fee_rate=fee,
        fee_model="taker_in_mmr" if in_mmr else "none", mm_basis="entry" if at_entry else "liquidation",
    )  # fmt: skip
    fast = liquidation_price(side, entry, quantity, wallet, **kwargs)
    general = _Coefficients.build(side, entry, quantity, wallet, others=(), hedge=None, **kwargs).liquidation_price()
    if general is None:
        assert fast is None
    else:
        assert fast == pytest.approx(general, rel=1e-12)


@pytest.mark.parametrize(
    "value",
    [pytest.param(np.int64(50_000), id="numpy-int"), pytest.param(np.float32(50_000), id="numpy-float32")],
)
def test_numpy_scalars_take_the_fast_path(value: object) -> None:
    assert liquidation_price("long", value, 0.2, 1_000, mmr=0.005, mm_basis="entry") == pytest.approx(45_250.0)


def test_bad_scalars_still_get_the_general_paths_errors() -> None:
    with pytest.raises(InvalidInputError, match="entry_price nan"):
        liquidation_price("long", math.nan, 0.2, 1_000, mmr=0.005)
    with pytest.raises(InvalidInputError, match="side"):
        liquidation_price("sideways", 50_000, 0.2, 1_000, mmr=0.005)
    # issue 11: Decimal is a number too (the general path takes it as a float)
    # Binance form (MM at the liquidation price): (1,000 − 0.2·50,000)/(0.2·0.005 − 0.2) = 45,226.1307
    expected = (1_000 - 0.2 * 50_000) / (0.2 * 0.005 - 0.2)
    assert liquidation_price("long", Decimal("50000"), 0.2, 1_000, mmr=Decimal("0.005")) == pytest.approx(expected)


_WORDS = ["long", "short", "LONG", "Short", "l", "s", "buy", "sell", "B", "-1", "+", "x", " long ", "", "лонг"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=40), st.sampled_from(["numpy", "object", "list"]))
def test_bulk_word_sides_equal_the_scalar_reading(words: list[str], shape: str) -> None:
    """Word sides mapped in bulk (packed keys, dict look-ups) equal the one-by-one reading."""
    expected = [{"long": 1.0, "l": 1.0, "buy": 1.0, "b": 1.0, "+": 1.0}.get(w.strip().lower()) for w in words]
    expected = [
        e if e is not None else (-1.0 if w.strip().lower() in {"short", "s", "sell", "-1"} else None)
        for e, w in zip(expected, words, strict=True)
    ]
    sides = {"numpy": np.array(words), "object": np.array(words, dtype=object), "list": words}[shape]
    prices = liquidation_price_bulk(sides, 50_000.0, 0.2, 1_000.0, mmr=0.005, mm_basis="entry")
    for price, sign in zip(prices, expected, strict=True):
        if sign is None:
            assert math.isnan(price)
        else:
            assert price == pytest.approx(45_250.0 if sign > 0 else 54_750.0)
