"""The bot's own argument words around the trade grammar, the per-user limiter and small helpers."""

from __future__ import annotations

import asyncio
import io

import pytest

from bot.config import BotSettings
from bot.console import run_console
from bot.errors import user_message
from bot.parsing import (
    SettingsChange,
    apply_settings_change,
    parse_pnl_args,
    parse_settings_change,
    parse_size_args,
    parse_target_args,
    parse_tiers_args,
    split_command,
    split_labels,
)
from bot.ratelimit import UserRateLimiter, Verdict
from bot.replies import AnswerIndex
from bot.store import ChatSettings
from core.enums import ContractType, MarginMode, Side
from core.errors import CoreError, InvalidInputError, ParseError
from core.models import TradeRequest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/liq 50000 10x", ("liq", None, "50000 10x")),
        ("/LIQ@LiqCalc_bot   50000\n10x", ("liq", "LiqCalc_bot", "50000\n10x")),
        ("/liq", ("liq", None, "")),
        ("50000 10x 1000", (None, None, "50000 10x 1000")),
        ("/liq/x", (None, None, "/liq/x")),
    ],
)
def test_split_command(text, expected):
    assert split_command(text) == expected


def test_split_labels_errors():
    with pytest.raises(ParseError, match="needs a value"):
        split_labels("50000 exit", {"exit": "exit"})
    with pytest.raises(ParseError, match="twice"):
        split_labels("exit 1 tp 2", {"exit": "exit", "tp": "exit"})


class TestSettingsChange:
    @pytest.mark.parametrize(
        ("text", "updates", "clear"),
        [
            ("venue binance mmr 0.4% fee 0.05% bal 10000",
             {"venue": "binance", "mmr": 0.004, "taker_fee_rate": 0.0005, "wallet_balance": 10000.0}, set()),
            ("okx", {"venue": "okx"}, set()),
            ("ex hl sym ETHUSDT", {"venue": "hyperliquid", "symbol": "ETH"}, set()),
            ("mode cross", {"margin_mode": MarginMode.CROSS}, set()),
            ("mmr off bal none venue default", {}, {"mmr", "wallet_balance", "venue"}),
            ("", {}, set()),
        ],
    )  # fmt: skip
    def test_reads(self, text, updates, clear):
        change = parse_settings_change(text)
        assert (change.updates, set(change.clear), change.reset) == (updates, clear, False)

    def test_reset_and_apply(self):
        assert parse_settings_change("reset").reset
        current = ChatSettings(venue="okx", mmr=0.004)
        assert apply_settings_change(current, SettingsChange({}, frozenset(), True)) == ChatSettings()
        changed = apply_settings_change(current, parse_settings_change("mmr off bal 5k"))
        assert changed == ChatSettings(venue="okx", wallet_balance=5000.0)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("50000", "entry price cannot be a default"),
            ("long", "side cannot be a default"),
            ("venue nowhere", "venue 'nowhere' is unknown"),
            ("hello", "settings look like venue binance"),
        ],
    )
    def test_refuses(self, text, message):
        with pytest.raises(CoreError, match=message):
            parse_settings_change(text)

    @pytest.mark.parametrize(("text", "field"), [("mmr 150%", "mmr"), ("fee 20%", "fee"), ("bal 0", "wallet")])
    def test_out_of_range_values_are_explained(self, text, field):
        with pytest.raises(InvalidInputError, match=field):
            apply_settings_change(ChatSettings(), parse_settings_change(text))


def test_tiers_args():
    venue, symbol, contract = parse_tiers_args("Binance ETHUSDT")
    assert (venue.key, symbol, contract) == ("binance", "ETH", ContractType.LINEAR)
    assert parse_tiers_args("") == (None, None, ContractType.LINEAR)
    assert parse_tiers_args("BTC inverse")[1:] == ("BTC", ContractType.INVERSE)
    with pytest.raises(ParseError, match="one word too many"):
        parse_tiers_args("binance BTC ETH")


def test_pnl_args():
    request, exit_price = parse_pnl_args("50000 10x 1000 long close 55k", {"venue": "binance"})
    assert exit_price == 55000 and request.venue == "binance" and request.side is Side.LONG
    for text, message in (("50000 10x 1000", "exit price is missing"), ("50000 10x 1000 exit -5", "above 0")):
        with pytest.raises(ParseError, match=message):
            parse_pnl_args(text, {})


def test_target_args():
    args = parse_target_args("3000 10x short roe -25%", {"taker_fee_rate": 0.0005, "symbol": "ETH"})
    request = args.request
    assert (request.entry_price, request.leverage, request.side, args.roe) == (3000, 10, Side.SHORT, -0.25)
    assert (request.symbol, request.taker_fee_rate, args.nominal_size) == ("ETH", 0.0005, True)
    assert parse_target_args("3000 10x 500 roe 20%", {}).nominal_size is False
    for text, message in (("50000 10x", "target return"), ("roe 5%", "entry price"), ("50000 roe 5", "leverage")):
        with pytest.raises(ParseError, match=message):
            parse_target_args(text, {})


def test_size_args_infer_the_side_from_the_stop():
    args = parse_size_args("3000 stop 3100 risk 2% 20x ETH", {"wallet_balance": 8000.0, "venue": "binance"})
    assert (args.side, args.stop_price, args.risk_fraction, args.balance) == (Side.SHORT, 3100, 0.02, 8000)
    assert (args.leverage, args.venue, args.symbol) == (20, "binance", "ETH")
    assert parse_size_args("50000 sl 48000 risk 1% bal 1k", {}).side is Side.LONG
    for text, message in (
        ("50000 stop 1 bal 1", "risk is missing"),
        ("stop 1 risk 1%", "entry price"),
        ("50000 stop 1 risk 1%", "balance"),
    ):
        with pytest.raises(ParseError, match=message):
            parse_size_args(text, {})


def test_user_message_translates_validation_errors():
    with pytest.raises(Exception) as caught:
        TradeRequest(entry_price=-1, leverage=10, margin=100)
    assert user_message(caught.value).startswith("entry price -1")
    assert user_message(RuntimeError("boom")) is None


def test_rate_limiter_window_and_memory():
    now = [0.0]
    limiter = UserRateLimiter(3, 10.0, clock=lambda: now[0])
    assert [limiter.hit(1) for _ in range(5)] == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP]
    assert limiter.hit(2) is Verdict.ALLOW  # per user
    assert limiter.retry_after(1) == 10.0
    now[0] = 10.5
    assert limiter.hit(1) is Verdict.ALLOW and limiter.retry_after(1) == 0.0
    for user in range(10_000):
        limiter.hit(100 + user)
    now[0] = 100.0
    for _ in range(4096):
        limiter.hit(5)
    assert len(limiter) < 10  # idle users were swept
    assert UserRateLimiter(0, 1.0).hit(1) is Verdict.ALLOW


async def test_answer_index_is_bounded_and_waits_for_answers_in_flight():
    index = AnswerIndex(max_entries=3)
    for i in range(5):
        index.put(1, i, 100 + i)
    assert len(index) == 3 and index.get(1, 0) is None and index.get(1, 4) == 104
    index.begin(2, 1)
    waiting = asyncio.ensure_future(index.wait(2, 1))
    await asyncio.sleep(0)
    index.put(2, 1, 7)
    assert await waiting == 7 and index.get(2, 1) == 7
    index.begin(2, 2)
    index.put(2, 2, None)  # sending failed
    assert await index.wait(2, 2) is None and await index.wait(9, 9) is None
    index.begin(3, 1)
    assert await index.wait(3, 1, timeout=0.01) is None


async def test_console_in_process(tmp_path):
    stdin = io.StringIO("/liq 50000 10x 1000 long\n1\n@ 50000 10x 1000\n@\n/quit\n/liq never read\n")
    stdout = io.StringIO()
    settings = BotSettings(token=None, db=str(tmp_path / "console.sqlite3"))
    assert await run_console(settings, stdin=stdin, stdout=stdout) == 0
    out = stdout.getvalue()
    assert "💥 Liquidation 45,250 (−9.50%)" in out and "[1] ⇅ short" in out
    assert "↻ (updated)\n📉 BTC short" in out
    assert "── inline result 2: BTC short 10x: liquidation 54,750 (+9.50%)" in out
    assert "(no inline results)" in out and "never read" not in out
