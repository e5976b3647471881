"""Reviews of posted trade calls: worked cases with hand-checked numbers (derivations inline)."""

from __future__ import annotations

import pytest

from core.errors import InvalidInputError
from core.review import review_call
from core.trade_call import parse_trade_call


def _codes(review) -> list[str]:
    return [w.code for w in review.warnings]


def test_plain_long_nominal_size() -> None:
    # textbook: LP = 50,000·(1 − 0.1 + 0.005) = 45,250; R:R (54,000 − 50,000)/1,500 = 2.667 and 6,000/1,500 = 4;
    # nominal 1,000 USDT → Q = 0.02, risk at stop 0.02·1,500 = 30;
    # safe leverage: S_b = 48,500·0.995 = 48,257.5, W = 0.02·(250 + 1,742.5) = 39.85 → 1,000/39.85 = 25.094x
    review = review_call(parse_trade_call("BTC long 50000 10x SL 48500 TP 54000 / 56000"))
    assert review.isolated.liquidation_price == pytest.approx(45_250.0)
    assert [t.reward_risk for t in review.targets] == pytest.approx([8 / 3, 4.0], rel=1e-12)
    assert review.risk_amount == pytest.approx(30.0)
    assert review.max_safe_leverage == pytest.approx(1_000 / 39.85, rel=1e-9)
    assert review.stop_vs_isolated is not None and review.stop_vs_isolated.stop_first
    assert _codes(review) == []
    assert review.sizing == "nominal"


def test_short_with_stop_beyond_liquidation() -> None:
    # Binance ETH bracket 1 (0.4 %): LP = 3,000·(1 + 1/50)/1.004 = 3,047.81 → 3,047.80 (short rounds down to 0.01)
    review = review_call(parse_trade_call("ETH short 3000 50x SL 3100 TP 2800"), venue="binance", account_balance=5_000)
    assert review.isolated.liquidation_price == pytest.approx(3_047.80, abs=1e-9)
    assert review.stop_vs_isolated is not None and not review.stop_vs_isolated.stop_first
    assert review.stop_vs_isolated.gap == pytest.approx(-(3_100 - 3_047.80) / 3_000, rel=1e-9)
    assert {"stop_beyond_liquidation", "liquidation_close", "leverage_above_safe"} <= set(_codes(review))
    assert review.targets[0].reward_risk == pytest.approx(2.0)  # (3,000 − 2,800)/100


def test_stop_just_before_liquidation_but_inside_the_buffer() -> None:
    # LP 45,250, stop 45,300: the stop fires first (gap 50/50,000 = 0.1 %), but with the 0.5 % buffer
    # S_b = 45,073.5 → W = 0.02·(250 + 4,926.5) = 103.53 → safe leverage 9.659x < 10x
    review = review_call(parse_trade_call("BTC long 50000 10x SL 45300 TP 52000"))
    assert review.stop_vs_isolated is not None and review.stop_vs_isolated.stop_first
    assert review.stop_vs_isolated.gap == pytest.approx(0.001, rel=1e-9)
    assert review.max_safe_leverage == pytest.approx(1_000 / 103.53, rel=1e-9)
    assert "leverage_above_safe" in _codes(review)


def test_no_stop() -> None:
    review = review_call(parse_trade_call("SOL long 150 5x TP 180"))
    assert review.risk_amount is None and review.targets[0].reward_risk is None
    assert _codes(review) == ["no_stop"]


def test_entry_range_is_averaged_and_said() -> None:
    # equal amounts at both ends: harmonic mean 2 / (1/49,500 + 1/50,500) = 49,995.0 (the ladder's last average)
    review = review_call(parse_trade_call("BTC long entry 49500-50500 10x SL 48000 TP 55000"))
    assert review.entry_price == pytest.approx(49_995.0, abs=1e-6)
    assert "entries averaged as filled with equal amounts" in review.notes
    assert review.entry_ladder[-1].average_entry == pytest.approx(review.entry_price, rel=1e-12)
    assert review.entry_ladder[-1].liquidation_price == pytest.approx(review.isolated.liquidation_price, rel=1e-12)


def test_risk_above_limit_with_given_margin() -> None:
    # margin 3,000 at 10x → Q = 0.6; loss at stop 0.6·1,500 = 900 = 9 % of 10,000 (> 2 %)
    review = review_call(
        parse_trade_call("BTC long 50000 10x SL 48500 TP 54000"), venue="binance", account_balance=10_000, margin=3_000
    )
    assert review.risk_amount == pytest.approx(900.0)
    assert review.risk_fraction == pytest.approx(0.09)
    assert "risk_above_limit" in _codes(review)
    assert review.cross is not None and review.cross.liquidation_price is not None


def test_sized_for_risk_when_only_the_account_is_known() -> None:
    # Q = 10,000·2 %/1,500 = 0.1333; notional 6,667 < 10,000 wallet → cross cannot be liquidated
    review = review_call(
        parse_trade_call("BTC long 50000 10x SL 48500 TP 54000"), venue="binance", account_balance=10_000
    )
    assert review.quantity == pytest.approx(200 / 1_500)
    assert review.risk_fraction == pytest.approx(0.02)
    assert review.cross is not None and review.cross.liquidation_price is None


def test_symbol_without_table_falls_back_to_flat_rate_and_says_so() -> None:
    review = review_call(parse_trade_call("PEPE long 0.00001234 5x SL 0.0000115"), venue="binance")
    assert any("no Binance bracket table for PEPE" in note for note in review.notes)
    assert review.isolated.liquidation_price is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"account_balance": 0}, "account balance 0 must be above 0", id="zero-balance"),
        pytest.param({"margin": -5}, "margin -5 must be above 0", id="negative-margin"),
        pytest.param({"risk_limit": 2}, "risk limit 2 is not a share", id="risk-limit"),
    ],
)
def test_bad_review_inputs(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        review_call(parse_trade_call("BTC long 50000 10x SL 48500"), **kwargs)


def test_leverage_above_the_venue_maximum_is_reviewed_at_the_maximum_and_said() -> None:
    # Hyperliquid ETH tier 1: max 25x, MMR 1/(2·25) = 2 %; short at 25x: LP = 3,000·(1 + 0.04)/1.02 = 3,058.82
    review = review_call(parse_trade_call("ETH short 3000 50x SL 3100 TP 2800"), venue="hyperliquid")
    assert review.leverage == 25
    assert any("50x is above Hyperliquid's 25x maximum" in note for note in review.notes)
    assert review.isolated.liquidation_price_exact == pytest.approx(3_000 * 1.04 / 1.02, rel=1e-12)


def test_call_without_symbol_says_which_brackets_were_used() -> None:
    review = review_call(parse_trade_call("long 50000 10x SL 48500 TP 54000"), venue="binance")
    assert "no symbol in the call: BTC brackets used" in review.notes


def test_bad_fee_in_a_review_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match=r"taker fee 0\.5 is not a fee rate"):
        review_call(parse_trade_call("BTC long 50000 SL 48000"), taker_fee_rate=0.5)


# --- several entries: the position after each fills (derivations.md D13) -------------------------------


def test_entries_fill_one_by_one_from_the_top_for_a_long() -> None:
    # Binance BTC bracket 1 (MMR 0.4 %, cum 0), 10x, each add margined at 10x: an isolated long's
    # LP = avg·(1 − 1/10)/(1 − 0.004), rounded up to 0.1 (D13). Equal amounts: avg after two fills is
    # the harmonic mean 2/(1/50,000 + 1/49,000) = 49,494.95; after three 3/(Σ 1/E) = 48,986.39.
    review = review_call(parse_trade_call("BTC long entry 48000 50000 49000 10x SL 44000"), venue="binance")
    ladder = review.entry_ladder
    assert [s.fill_price for s in ladder] == [50_000.0, 49_000.0, 48_000.0]
    averages = [50_000.0, 2 / (1 / 50_000 + 1 / 49_000), 3 / (1 / 50_000 + 1 / 49_000 + 1 / 48_000)]
    assert [s.average_entry for s in ladder] == pytest.approx(averages, rel=1e-12)
    for step, average in zip(ladder, averages, strict=True):
        exact = average * 0.9 / 0.996
        assert exact <= step.liquidation_price < exact + 0.1 + 1e-9  # the tick, rounded up
    assert sum(s.fill_price * s.fill_quantity for s in ladder) == pytest.approx(review.notional, rel=1e-12)
    assert "entries averaged as filled with equal amounts" in review.notes
    assert "stop_beyond_partial_liquidation" not in _codes(review)


def test_a_short_fills_from_the_bottom_and_one_entry_has_no_ladder() -> None:
    review = review_call(parse_trade_call("ETH short entry 3000 - 3100 10x SL 3400"))
    assert [s.fill_price for s in review.entry_ladder] == [3_000.0, 3_100.0]
    assert review_call(parse_trade_call("ETH short 3000 10x SL 3400")).entry_ladder == ()


def test_stop_after_the_first_entry_alone_liquidates_is_a_warning() -> None:
    # D13: the first entry (50,000) alone liquidates at 45,180.8, above the next entry 44,000 and above
    # the stop 43,000: a long filled only at 50,000 is liquidated before either. The full fill averages
    # 2/(1/50,000 + 1/44,000) = 46,808.51 and liquidates at 46,808.51·0.9/0.996 = 42,297.45 → 42,297.5,
    # below the stop, so the averaged review alone says the stop fires first.
    review = review_call(parse_trade_call("BTC long entry 50000 44000 10x SL 43000"), venue="binance")
    assert review.stop_vs_isolated is not None and review.stop_vs_isolated.stop_first
    warning = next(w for w in review.warnings if w.code == "stop_beyond_partial_liquidation")
    assert warning.text == (
        "with 1 of 2 entries filled, liquidation at 45,180.8 comes before the stop 43,000 and before the next entry 44,000"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        # D13: first-entry liquidation 45,180.8 lies beyond the next entry 49,000: that entry fills first
        pytest.param("BTC long entry 50000 49000 48000 10x SL 44900", "next entry first", id="next-entry-first"),
        # issue 10's short: fills 3,250 then 3,300; 3,250 alone at 20x liquidates near 3,396, far beyond 3,300
        pytest.param("ETH short entry 3250 3300 20x SL 3420", "next entry first", id="short-next-entry-first"),
    ],
)
def test_no_partial_fill_warning_when_price_passes_something_else_first(text: str, why: str) -> None:
    review = review_call(parse_trade_call(text), venue="binance")
    assert "stop_beyond_partial_liquidation" not in _codes(review), why
