"""Cards and number formats: phone-friendly numbers, valid Telegram HTML, everything escaped.

Telegram's HTML rules are checked with the emulator's parser (``fake_telegram.parse_html``),
which raises Telegram's own "can't parse entities" errors.
"""

from __future__ import annotations

import math

import pytest
from fake_telegram import parse_html, utf16_len
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import formatting as f
from bot.errors import user_message
from bot.texts import COMMANDS, example_for, help_text, start_text
from core.calculator import across_venues, calculate_sides, compare_margin_modes
from core.cross import cross_account
from core.enums import Side
from core.errors import CoreError
from core.grammar import parse_cross_account, parse_trade
from core.pnl import pnl_report, target_report
from core.tier_data import bundled_tier_tables


class TestNumbers:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(45250.0, "45,250", id="whole-thousands"),
            pytest.param(45180.8, "45,180.80", id="no-tick-two-decimals"),
            pytest.param(45180.7249, "45,180.72", id="rounded-to-cents"),
            pytest.param(1234567.891, "1,234,567.89", id="millions"),
            pytest.param(2850.5, "2,850.50", id="eth"),
            pytest.param(250.0, "250", id="whole-hundreds"),
            pytest.param(300.1234567, "300.123", id="six-significant"),
            pytest.param(3.4567, "3.4567", id="small"),
            pytest.param(0.5, "0.50", id="two-decimals-minimum"),
            pytest.param(0.00001234, "0.00001234", id="pepe"),
            pytest.param(0.0000112294, "0.0000112294", id="pepe-liq"),
            pytest.param(None, "—", id="none"),
            pytest.param(math.inf, "—", id="inf"),
            pytest.param(-12.5, "−12.50", id="negative"),
        ],
    )
    def test_price(self, value, expected):
        assert f.fmt_price(value) == expected

    @pytest.mark.parametrize(
        ("fraction", "expected"),
        [
            pytest.param(-0.095, "−9.50%", id="drop"),
            pytest.param(0.0956, "+9.56%", id="rise"),
            pytest.param(0.125, "+12.5%", id="above-10"),
            pytest.param(-0.99, "−99.0%", id="almost-all"),
            pytest.param(1.0, "+100%", id="double"),
            pytest.param(0.0, "0.00%", id="zero"),
            pytest.param(-0.000001, "0.00%", id="rounds-to-zero-unsigned"),
            pytest.param(None, "—", id="none"),
        ],
    )
    def test_signed_percent(self, fraction, expected):
        assert f.fmt_pct(fraction) == expected

    def test_unsigned_percent_keeps_the_minus_only(self):
        assert (f.fmt_pct(0.0125, signed=False), f.fmt_pct(-0.0125, signed=False)) == ("1.25%", "−1.25%")

    @pytest.mark.parametrize(
        ("value", "currency", "expected"),
        [
            pytest.param(1000.0, "USDT", "1,000 USDT", id="whole"),
            pytest.param(1234.567, "USDT", "1,234.57 USDT", id="cents"),
            pytest.param(0.0123456789, "BTC", "0.0123457 BTC", id="coin"),
            pytest.param(12.5, "BTC", "12.50 BTC", id="coin-two-decimals"),
        ],
    )
    def test_amount(self, value, currency, expected):
        assert f.fmt_amount(value, currency) == expected

    def test_signed_amount(self):
        assert (f.fmt_amount(1000.0, signed=True), f.fmt_amount(-1000.0, signed=True)) == ("+1,000 USDT", "−1,000 USDT")
        assert f.fmt_amount(0.0, signed=True) == "0 USDT"

    def test_rates_quantities_leverage(self):
        assert [f.fmt_rate(r) for r in (0.004, 0.0065, 0.00055, 0.02, 0.0)] == ["0.4%", "0.65%", "0.055%", "2%", "0%"]
        assert [f.fmt_qty(q) for q in (0.2, 810372771.0, 0.0666666667)] == ["0.2", "810,372,771", "0.0666667"]
        assert [f.fmt_lev(x) for x in (10.0, 12.5, 3.3333)] == ["10x", "12.5x", "3.33x"]
        # exchanges take whole leverages: the highest safe one is floored (issue 10: "25.09x" → "25x")
        assert [f.fmt_safe_leverage(x) for x in (25.0999, 17.51, 25.0, 0.456)] == ["25x", "17x", "25x", "0.45x"]


TRADES = [
    "50000 10x 1000",
    "50000 10x 1000 short binance",
    "50000 10x 1000 long cross bal 10000 binance",
    "50000 10x 1000 long cross bal 20000 binance mark 49000",
    "0.00001234 10x 1000 long sym PEPE mmr 1%",
    "3000 20x qty 2 short eth hl mark 3050 add 100",
    "60000 10x 1000 inverse long mmr 0.5%",
    "50000 10x qty 100 binance long",
    "50000 100x 1000 long okx mmr 0.4% fee 0.05%",
]


def _card(text: str) -> str:
    request = parse_trade(text)
    results = calculate_sides(request)
    return f.liq_card(results, {r.position.side: across_venues(request, r.position.side) for r in results})


class TestCards:
    @pytest.mark.parametrize("trade", TRADES)
    def test_liq_cards_are_valid_telegram_html_and_short(self, trade):
        card = _card(trade)
        plain, _ = parse_html(card)
        assert len(plain) < 1500 and "ℹ️" in plain
        structure = [line for line in plain.splitlines() if not line.startswith(("ℹ️", "✅", "⚠️"))]
        assert max(len(line) for line in structure) <= 64

    def test_single_side_card_reads_well(self):
        plain, entities = parse_html(_card("50000 10x 1000 short binance"))
        lines = plain.splitlines()
        assert lines[:7] == [
            "📉 BTC short · 10x isolated · Binance",
            "Entry 50,000 · margin 1,000 USDT",
            "Size 0.2 BTC = 10,000 USDT",
            "",
            "💥 Liquidation 54,780.8 (+9.56%)",
            "Bankruptcy 55,000.0 · max loss 1,000 USDT",
            "Tier 1 · MMR 0.4% · max 125x",
        ]
        # the bundled table is years old: the card says so (market.describe, more than 7 days)
        assert lines[7].startswith("⚠️ Binance BTCUSDT tiers as of 2024-09-26, ") and "days old" in lines[7]
        assert lines[8] == "Venues: Binance 54,780.8 · Bybit 54,819.0 · Hyperliquid 54,320"
        assert {"type": "bold", "offset": utf16_len(plain[: plain.index("54,780.8")]), "length": 8} in entities

    def test_the_why_line_is_the_results_caveat(self):
        request = parse_trade("50000 10x 1000 short binance")
        (result,) = calculate_sides(request)
        plain, _ = parse_html(_card("50000 10x 1000 short binance"))
        why = plain.splitlines()[-1]
        assert why == "ℹ️ " + result.caveat
        assert len(why) < 100  # one line on a phone

    def test_no_liquidation_and_mark_price(self):
        plain, _ = parse_html(_card("50000 10x 1000 long cross bal 10000 binance"))
        assert "💥 Liquidation none" in plain and "✅ The wallet covers the whole position" in plain
        plain, _ = parse_html(_card("50000 10x 1000 long binance mark 49000"))
        assert "(−9.64%), −7.79% from mark" in plain and "mark 49,000" in plain

    def test_compare_card(self):
        request = parse_trade("50000 10x 1000 bal 10000 binance")
        comparisons = [compare_margin_modes(request.model_copy(update={"side": s})) for s in Side]
        plain, _ = parse_html(f.compare_card(comparisons))
        # prices at Binance's BTC tick of 0.1 (one decimal), as on the exchange
        assert "Isolated liq 45,180.8 (−9.64%)" in plain and "Cross liq 99,601.5 (+99.2%)" in plain
        assert "at risk 10,000 USDT" in plain

    def test_cross_card_is_cut_politely(self):
        legs = "; ".join(f"#C{i} long {i + 1} @ {150 + i}" for i in range(40))
        result = cross_account(parse_cross_account(f"bal 100000 mmr 0.5%; {legs}"))
        plain, _ = parse_html(f.cross_card(result))
        assert "… and 15 more positions" in plain and "🌊" in plain

    def test_pnl_and_target_and_tiers_cards(self):
        request = parse_trade("50000 10x 1000 fee 0.05%")
        results = [pnl_report(request, 52000, side) for side in Side]
        plain, _ = parse_html(f.pnl_card(results, "BTC"))
        assert "📈 Long: 🟢 +" in plain and "📉 Short: 🔴 −" in plain and "fees" in plain
        targets = [
            target_report(parse_trade("50000 10x 1000"), roe, side)
            for roe, side in ((0.5, Side.LONG), (-12, Side.SHORT))
        ]
        plain, _ = parse_html(f.target_card("BTC", targets))
        assert "exit at 52,500" in plain and "no exit: liquidated at 54,750 first" in plain
        for table in bundled_tier_tables():
            plain, entities = parse_html(f.tiers_card(table, table.venue))
            assert entities[1]["type"] == "pre" and len(plain) < 4096

    def test_settings_card(self):
        plain, _ = parse_html(
            f.settings_card(
                {"mmr": 0.004, "wallet_balance": 10000.0}, where="<group>", venue_name=None, can_change=False
            )
        )
        assert "Defaults for <group>" in plain and "MMR: 0.4%" in plain and "Only group admins" in plain


class TestEscapingAndLength:
    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=120))
    def test_any_typed_text_gives_valid_html(self, typed):
        try:
            card = _card(typed)
        except CoreError as exc:
            card = f.error_text(user_message(exc) or "", example_for("liq"))
        parse_html(card)

    def test_error_text_is_one_line_plus_example(self):
        text = f.error_text("first line <b>\nsecond", "/liq 50000 10x 1000")
        assert text == "⚠️ first line &lt;b&gt;\nExample: <code>/liq 50000 10x 1000</code>"
        assert len(f.error_text("x" * 5000, None)) < 310

    def test_fit_cuts_on_a_line_boundary(self):
        text = "\n".join(f"<b>line {i}</b>" for i in range(1000))
        cut = f.fit(text)
        assert len(cut) <= 4096 and cut.endswith("\n…")
        parse_html(cut)

    def test_html_to_text(self):
        assert f.html_to_text("<b>a</b> &lt;b&gt; <code>x &amp; y</code>\n<i>z</i>") == "a <b> x & y\nz"


class TestTexts:
    def test_help_start_and_every_command_page_are_valid_html(self):
        for text in (help_text(None, "bot"), start_text("bot"), start_text(None)):
            parse_html(text)
        for command in COMMANDS:
            plain, _ = parse_html(help_text(command.name, "bot"))
            assert command.example in plain and command.usage in plain
            assert 1 <= len(command.summary) <= 256

    def test_examples(self):
        assert example_for("nope") == example_for("liq") == "/liq 50000 10x 1000 isolated"
        assert example_for(None) == example_for("liq")
