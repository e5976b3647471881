"""Price-ladder charts: real PNGs of a phone-friendly size in both themes, with every level labelled."""

from __future__ import annotations

import itertools
import struct

import pytest

from bot.charts import _spread, levels_from_result, levels_from_review, render_ladder
from core import calculate, compare_margin_modes, parse_trade, parse_trade_call, review_call


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_review_ladder_is_a_png_of_phone_size(theme: str) -> None:
    review = review_call(
        parse_trade_call("BTC long entry 49500-50500 10x SL 48500 TP 54000 / 56000"),
        venue="binance",
        account_balance=10_000,
        margin=3_000,
    )
    png = render_ladder(levels_from_review(review), title="BTC long", theme=theme, entry_zone=(49_500, 50_500))
    assert _png_size(png) == (896, 1120)
    assert 10_000 < len(png) < 400_000


def test_review_levels_come_from_core() -> None:
    review = review_call(parse_trade_call("ETH short 3000 20x SL 3100 TP 2800 / 2600"), account_balance=5_000)
    kinds = [(lv.kind, lv.label) for lv in levels_from_review(review)]
    assert kinds[:4] == [("entry", "entry"), ("stop", "stop"), ("target", "TP1"), ("target", "TP2")]
    by_kind = {lv.kind: lv for lv in levels_from_review(review)}
    assert by_kind["liq_isolated"].price == review.isolated.liquidation_price
    assert by_kind["stop"].move == pytest.approx(100 / 3_000)


def test_result_ladder_includes_cross_when_it_exists() -> None:
    comparison = compare_margin_modes(parse_trade("50000 10x 1000 long"), 10_000)
    levels = levels_from_result(comparison.isolated, comparison.cross)
    assert {lv.kind for lv in levels} == {"entry", "liq_isolated", "bankruptcy", "liq_cross"}
    none_cross = compare_margin_modes(parse_trade("50000 10x 1000 long binance"), 10_000)
    assert "liq_cross" not in {lv.kind for lv in levels_from_result(none_cross.isolated, none_cross.cross)}


def test_labels_are_pushed_apart_but_stay_in_range() -> None:
    spread = _spread([100.0, 100.1, 100.2, 200.0], 90.0, 210.0, min_gap=10.0)
    assert all(b - a >= 10.0 - 1e-9 for a, b in itertools.pairwise(spread))
    assert spread[0] >= 90.0 and spread[-1] <= 210.0


def test_single_level_chart_renders() -> None:
    result = calculate(parse_trade("50000 1x 50000 long binance"))  # no liquidation price
    assert _png_size(render_ladder(levels_from_result(result), title="no liq"))[0] == 896


def test_chart_flags_liquidation_before_the_stop_and_says_nothing_otherwise() -> None:
    from bot.review_card import chart_warning

    # ETH short 3,000 at 50x on Binance: liquidation 3,047.80 lies before the stop 3,100 (issue 10)
    beyond = review_call(parse_trade_call("ETH short 3000 50x SL 3100 TP 2800"), venue="binance")
    assert chart_warning(beyond) == "LIQUIDATED BEFORE THE STOP (isolated)"
    fine = review_call(parse_trade_call("BTC long 50000 10x SL 48500 TP 54000"))
    assert chart_warning(fine) == ""
    png = render_ladder(levels_from_review(beyond), title="t", warning=chart_warning(beyond), footer="f " * 60)
    assert png.startswith(b"\x89PNG")


def test_compare_chart_caption_names_both_modes() -> None:
    from bot.keyboards import decode, encode_trade
    from bot.review_handlers import ladder_for_button

    pressed = decode(encode_trade(parse_trade("50000 10x 1000 long bal 10000"), "compare_chart"))
    _, _, caption = ladder_for_button(pressed)  # type: ignore[arg-type]
    # isolated 45,250 and cross 250 (textbook, 10,000 wallet): both named, as on the /compare card
    assert caption.count("liquidation") == 2 and "45,250" in caption and "250 (−99.5%)" in caption


def test_chart_prices_use_the_cards_formatter() -> None:
    """Issue 10: the chart drew 169.5125 where the card said 169.513; one formatter serves both now."""
    from bot import charts, formatting

    assert charts.fmt_price is formatting.fmt_price and charts.fmt_pct is formatting.fmt_pct
    assert not hasattr(charts, "_price")
    result = calculate(parse_trade("50000 10x 1000 long binance"))
    liq = next(level for level in levels_from_result(result) if level.kind == "liq_isolated")
    assert liq.tick == 0.1 and formatting.fmt_price(liq.price, liq.tick) == "45,180.8"  # the card's text
