"""The product layer: answer cards, venues, isolated vs cross, cross accounts, PnL, sizing, funding."""

from __future__ import annotations

import pytest

from core import (
    CrossAccountRequest,
    CrossPositionInput,
    InvalidInputError,
    Side,
    TierNotFoundError,
    TierTable,
    across_venues,
    calculate,
    calculate_sides,
    compare_margin_modes,
    cross_account,
    dca_ladder,
    get_venue,
    liquidation_after_funding,
    liquidation_price_tiered,
    max_safe_leverage,
    parse_trade,
    periods_until_liquidation,
    pnl_report,
    size_for_risk,
    stop_check,
    target_price,
    tier_table,
)


class TestAnswerCard:
    def test_textbook_teaching_case(self) -> None:
        # PRODUCT.md §6: 50,000 entry, 10x, 1,000 margin, MMR 0.5 % → 45,250, a 9.5 % drop
        result = calculate(parse_trade("50000 10x 1000 long"))
        assert result.liquidation_price == pytest.approx(45_250.0, abs=1e-9)
        assert result.move_to_liquidation == pytest.approx(-0.095, abs=1e-12)
        assert result.bankruptcy_price == pytest.approx(45_000.0, abs=1e-9)  # EP·(1 − 1/10)
        assert result.position.quantity == pytest.approx(0.2, rel=1e-12)
        assert result.max_loss == pytest.approx(1_000.0)
        assert result.maintenance_margin_at_entry == pytest.approx(50.0)  # 10,000 · 0.5 %
        assert result.effective_leverage == pytest.approx(10.0)
        assert not result.already_liquidated

    def test_binance_brackets_and_rounding(self) -> None:
        # derivations.md D6: 1 BTC long @ 50,000, 20x → bracket 1, 47,690.76 exact; Binance tick 0.1, long rounds up
        result = calculate(parse_trade("50000 20x 2500 long binance"))
        assert result.liquidation_price_exact == pytest.approx(47_690.763, abs=1e-3)
        assert result.liquidation_price == pytest.approx(47_690.8, abs=1e-9)
        assert result.tier is not None and result.tier.number == 1 and result.tier.as_of

    def test_short_bracket_at_liquidation(self) -> None:
        result = calculate(parse_trade("50000 20x 2500 short binance"))
        assert result.liquidation_price == pytest.approx(52_288.5, abs=1e-9)  # 52,288.557 rounded down
        assert result.tier is not None and result.tier.number == 2

    def test_both_sides_when_none_given(self) -> None:
        long, short = calculate_sides(parse_trade("50000 10x 1000"))
        assert (long.position.side, short.position.side) == (Side.LONG, Side.SHORT)
        assert long.liquidation_price < 50_000 < short.liquidation_price

    def test_cannot_be_liquidated_is_an_answer_not_an_error(self) -> None:
        result = calculate(parse_trade("50000 1x 10000 long binance"))
        assert result.liquidation_price is None
        assert "no price above 0" in result.no_liquidation_reason

    def test_margin_below_maintenance_is_flagged(self) -> None:
        result = calculate(parse_trade("50000 250x 40 long mmr 0.5%"))
        assert result.already_liquidated

    def test_notes_say_what_is_approximated(self) -> None:
        notes = " ".join(calculate(parse_trade("50000 10x 1000 long okx mmr 0.4%")).notes)
        assert "taker fee 0.05% added to the MMR" in notes
        assert "mark price" in notes and "funding not included" in notes

    def test_inverse_coin_margined(self) -> None:
        # 100 contracts × 100 USD @ 50,000 = 0.2 BTC notional, 10x → 0.02 BTC margin; derivations.md D3 (short)
        result = calculate(parse_trade("50000 10x 0.02 short inverse binance mmr 0.5%"))
        assert result.position.quantity == pytest.approx(100.0)
        # 55,277.78 with no instrument tick (your MMR): six significant figures, down for a short → 55,277.7
        assert result.liquidation_price == pytest.approx(55_277.7, abs=1e-9)
        assert result.settle_currency == "BTC"

    def test_hyperliquid_uses_its_tiers(self) -> None:
        # HL BTC tier 1: max 40x, MMR 1/(2·40) = 1.25 %; derivations.md D5: 57,721.52 → tick 1.0 rounds up
        result = calculate(parse_trade("60000 20x 1500 long hyperliquid"))
        assert result.liquidation_price == pytest.approx(57_722.0, abs=1e-9)


class TestBadInput:
    @pytest.mark.parametrize(
        ("text", "error", "message"),
        [
            pytest.param(
                "50000 150x 1000 binance",
                InvalidInputError,
                "above the binance BTC maximum of 100x for a position of 50,000–600,000",
                id="lev-cap",
            ),
            pytest.param("0.15 10x 100 binance sym DOGE", TierNotFoundError, "mmr 0.5%", id="unknown-symbol"),
            pytest.param("50000 1x 10000000000 binance", TierNotFoundError, "beyond the last", id="beyond-last-tier"),
            pytest.param(
                "50000 10x 1000 cross", InvalidInputError, "add the balance, like bal 10000", id="cross-no-bal"
            ),
            pytest.param(
                "50000 10x 1000 cross bal 500", InvalidInputError, "below the position's margin", id="bal<margin"
            ),
            pytest.param(
                "50000 10x 1000 qty 5", InvalidInputError, "give two of margin, leverage and size", id="overdetermined"
            ),
            pytest.param("50000 10x 1000 okx", TierNotFoundError, "give the rate yourself", id="okx-no-table"),
        ],
    )
    def test_errors_say_what_to_type(self, text: str, error: type, message: str) -> None:
        with pytest.raises(error) as info:
            calculate(parse_trade(text), Side.LONG)
        assert message in str(info.value)


def test_isolated_vs_cross_teaching_case() -> None:
    # PRODUCT.md §6: isolated 45,250 vs cross 250 (textbook); Binance: no positive price in cross
    textbook = compare_margin_modes(parse_trade("50000 10x 1000 long"), 10_000)
    assert textbook.isolated.liquidation_price == pytest.approx(45_250.0)
    assert textbook.cross.liquidation_price == pytest.approx(250.0)
    assert textbook.isolated.max_loss == 1_000 and textbook.cross.max_loss == 10_000
    binance = compare_margin_modes(parse_trade("50000 10x 1000 long binance"), 10_000)
    assert binance.cross.liquidation_price is None


def test_compare_needs_an_isolated_margin_and_says_so() -> None:
    # found by the bot: a cross trade sized by quantity has no isolated margin to compare with
    with pytest.raises(InvalidInputError, match="isolated needs a margin or a leverage too: add 10x"):
        compare_margin_modes(parse_trade("50000 qty 0.2 cross bal 10000 long"))


def test_across_venues_lists_each_venue_or_its_reason() -> None:
    quotes = {q.venue: q for q in across_venues(parse_trade("50000 10x 1000"), Side.LONG)}
    # bracket 1 (MMR 0.4 %): 9,000/(0.2·0.996) = 45,180.72, rounded up to the 0.1 tick
    assert quotes["binance"].price == pytest.approx(45_180.8, abs=1e-9)
    assert quotes["okx"].price is None and "tier table" in quotes["okx"].error


class TestCrossAccount:
    def test_matches_formula_layer_for_each_position(self) -> None:
        request = CrossAccountRequest(
            wallet_balance=20_000,
            venue="binance",
            positions=(
                CrossPositionInput(symbol="BTC", side="long", quantity=0.5, entry_price=60_000, mark_price=58_000),
                CrossPositionInput(symbol="ETH", side="short", quantity=10, entry_price=3_000, mark_price=3_100),
            ),
        )
        result = cross_account(request)
        btc_table, eth_table = tier_table("binance", "BTC"), tier_table("binance", "ETH")
        eth_mm = 10 * 3_100 * 0.004  # bracket 1 at mark (31,000 < 50,000), cum 0
        eth_upnl = -10 * (3_100 - 3_000)
        from core import PositionLeg

        expected_btc = liquidation_price_tiered(
            "long",
            60_000,
            0.5,
            20_000,
            table=btc_table,
            others=[PositionLeg("short", 10, 3_000, 3_100, 0.004)],
        ).price
        assert result.positions[0].maintenance_margin == pytest.approx(0.5 * 58_000 * 0.004)
        assert result.positions[1].maintenance_margin == pytest.approx(eth_mm)
        assert result.equity == pytest.approx(20_000 + eth_upnl + 0.5 * (58_000 - 60_000))
        assert result.positions[0].liquidation_price == pytest.approx(expected_btc, abs=0.1)
        assert eth_table.symbol == "ETH"

    def test_account_move_teaching_case(self) -> None:
        # derivations.md D11: x = (75 − 10,000)/15,000
        request = CrossAccountRequest(
            wallet_balance=10_000,
            positions=(
                CrossPositionInput(symbol="BTC", side="long", quantity=0.2, entry_price=50_000),
                CrossPositionInput(symbol="ETH", side="long", quantity=2, entry_price=2_500),
            ),
        )
        assert cross_account(request).account_move == pytest.approx((75 - 10_000) / 15_000, rel=1e-12)

    def test_hedge_legs_share_one_price(self) -> None:
        # derivations.md D4 with the textbook venue (MM at entry): long 0.3 + short 0.1 @ 50,000
        request = CrossAccountRequest(
            wallet_balance=1_000,
            venue="binance",
            mmr=0.005,
            positions=(
                CrossPositionInput(symbol="BTC", side="long", quantity=0.3, entry_price=50_000),
                CrossPositionInput(symbol="BTC", side="short", quantity=0.1, entry_price=50_000),
            ),
        )
        legs = cross_account(request).positions
        assert legs[0].hedged and legs[1].hedged
        assert legs[0].liquidation_price == legs[1].liquidation_price == pytest.approx(45_454.6, abs=0.1)


class TestTraderTools:
    def test_pnl_and_roe(self) -> None:
        result = pnl_report(parse_trade("50000 10x 1000 long"), 55_000)
        assert result.pnl == pytest.approx(1_000.0) and result.roe == pytest.approx(1.0)

    @pytest.mark.parametrize(
        ("side", "fee", "expected"),
        [
            pytest.param("long", 0.0, 52_500.0, id="long"),  # derivations.md D10
            pytest.param("short", 0.0, 47_500.0, id="short"),
            pytest.param("long", 0.0005, 52_551.2756, id="long-fees"),
        ],
    )
    def test_target_price(self, side: str, fee: float, expected: float) -> None:
        assert target_price(side, 50_000, roe=0.5, leverage=10, taker_fee_rate=fee) == pytest.approx(expected, abs=1e-3)

    def test_dca_ladder_average_and_liquidation(self) -> None:
        steps = dca_ladder(parse_trade("50000 10x 1000 long"), [(50_000, 0.2), (45_000, 0.2)])
        assert steps[1].average_entry == pytest.approx(47_500.0)
        assert steps[1].margin == pytest.approx(1_900.0)  # (10,000 + 9,000)/10
        assert steps[1].liquidation_price == pytest.approx(47_500 * (1 - 0.1 + 0.005))

    def test_sizing_and_safe_leverage(self) -> None:
        venue = get_venue("textbook")
        table = TierTable.flat(0.005)
        sized = size_for_risk("long", 10_000, 0.01, 50_000, 48_500, table=table, venue=venue)
        assert sized.quantity == pytest.approx(100 / 1_500, rel=1e-12)  # derivations.md D9
        lev = max_safe_leverage("long", 50_000, 48_000, quantity=1, table=table, venue=venue)
        assert lev == pytest.approx(50_000 / 2_490, rel=1e-12)  # derivations.md D8

    def test_safe_leverage_keeps_liquidation_beyond_stop(self) -> None:
        venue, table = get_venue("binance"), tier_table("binance", "BTC")
        lev = max_safe_leverage("long", 50_000, 48_000, quantity=0.5, table=table, venue=venue)
        result = calculate(parse_trade(f"50000 {lev:.6f}x qty 0.5 long binance"))
        assert result.liquidation_price_exact == pytest.approx(48_000 * 0.995, rel=1e-6)

    def test_wrong_side_stop_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="a long's stop must be below its entry"):
            size_for_risk(
                "long", 10_000, 0.01, 50_000, 51_000, table=TierTable.flat(0.005), venue=get_venue("textbook")
            )

    def test_stop_check(self) -> None:
        assert stop_check("long", 50_000, 48_000, 45_250).stop_first
        beyond = stop_check("long", 50_000, 44_000, 45_250)
        assert not beyond.stop_first and "liquidated first" in beyond.message

    def test_funding_drift(self) -> None:
        # derivations.md D7
        request = parse_trade("50000 10x 1000 long")
        assert liquidation_after_funding(request, Side.LONG, 0.0005, 30).liquidation_price == pytest.approx(46_000.0)
        assert periods_until_liquidation(request, Side.LONG, 0.0005) == pytest.approx(190.0)
        assert periods_until_liquidation(request, Side.SHORT, 0.0005) is None  # shorts receive


class TestScalarFeeValidation:
    @pytest.mark.parametrize(
        "call",
        [
            pytest.param(
                lambda: target_price("short", 150, roe=0, leverage=10, taker_fee_rate=-1), id="target-negative"
            ),
            pytest.param(
                lambda: target_price("long", 150, roe=0.1, leverage=10, taker_fee_rate=0.2), id="target-absurd"
            ),
        ],
    )
    def test_bad_fee_is_a_clear_error(self, call) -> None:
        with pytest.raises(InvalidInputError, match=r"taker fee .* is not a fee rate"):
            call()

    def test_pnl_and_sizing_check_fees(self) -> None:
        from core import pnl, position_size

        with pytest.raises(InvalidInputError, match="not a fee rate"):
            pnl("long", 100, 110, 1, taker_fee_rate=-0.01)
        with pytest.raises(InvalidInputError, match="not a fee rate"):
            position_size(10_000, 0.01, 100, 90, taker_fee_rate=0.5)


def test_cross_symbols_are_normalised() -> None:
    request = CrossAccountRequest(
        wallet_balance=10_000,
        venue="binance",
        positions=(CrossPositionInput(symbol="#ethusdt", side="long", quantity=1, entry_price=3_000),),
    )
    assert cross_account(request).positions[0].symbol == "ETH"
