"""``/review`` and the "📈 chart" button: the pure card, then end to end through the Bot API emulator.

Card numbers are the hand-checked cases of ``tests/core/test_review.py``:

- ``BTC long 50000 10x SL 48500 TP 54000 / 56000`` on the textbook rules, nominal 1,000 USDT:
  liquidation 45,250 (−9.50 %), stop 6.50 % of entry before it, R:R 2.67 and 4.00, risk 0.02·1,500
  = 30 USDT, highest safe leverage 1,000/39.85 = 25.094x → shown 25.09x.
- ``ETH short 3000 50x SL 3100 TP 2800`` on Binance: liquidation 3,047.80, the stop 1.74 % of entry
  beyond it; R:R (3,000 − 2,800)/100 = 2.00.
- margin 3,000 at 10x → 0.6 BTC; loss at the stop 0.6·1,500 = 900 USDT = 9 % of 10,000.
"""

from __future__ import annotations

import struct

import pytest
from botharness import BOT_USERNAME, GROUP, MEMBER, PRIVATE, ask, buttons
from fake_telegram import UploadedFile, parse_html

from bot.formatting import html_to_text
from bot.review_card import CAPTION_LIMIT, caption_fits, message_link, parse_review_args, review_card
from bot.texts import stale_button_text
from core import ParseError, Side, TradeCall, parse_trade_call, review_call

CALL = "BTC long 50000 10x SL 48500 TP 54000 / 56000"
MANY_TARGETS = "BTC long 50000 10x SL 48500 TP " + " / ".join(str(50_500 + 500 * i) for i in range(20))


def _card(text: str, **kwargs) -> str:
    card = review_card(review_call(parse_trade_call(text), **kwargs))
    parse_html(card)  # Telegram would accept it
    return card


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# --- the card (pure) ----------------------------------------------------------------------------------


def test_card_of_a_plain_long_has_the_hand_checked_numbers():
    card = _card(CALL)
    lines = card.split("\n")
    assert lines[0] == "📈 <b>BTC long</b> · 10x · Textbook"
    assert lines[1] == "Entry 50,000 · stop 48,500 (−3.00%)"
    assert "🎯 TP1 54,000 (+8.00%) · R:R 2.67" in lines and "🎯 TP2 56,000 (+12.0%) · R:R 4.00" in lines
    assert "💥 Isolated liq <b>45,250</b> (−9.50%)" in lines
    assert "      ✅ stop fires first, 6.50% of entry to spare" in lines
    assert "💸 Risk at stop <b>30 USDT</b>" in lines  # account unknown: no share
    assert "🛡 Highest safe leverage <b>25x</b>" in lines  # 25.09x floored: exchanges take whole leverages
    assert "Size 0.02 BTC = 1,000 USDT · margin 100 USDT (nominal)" in lines
    assert "📝 Read: <code>BTC · long · entry 50000 · 10x · stop 48500 · TP 54000 / 56000</code>" in lines
    assert "Cross liq: needs the account" in card
    assert lines[-1].startswith("ℹ️ <i>no size given: a 1,000 USDT position reviewed · Exchange may differ")
    assert "⚠️" not in card and caption_fits(card)


def test_warnings_come_first_and_the_stop_beyond_liquidation_is_flagged():
    card = _card("ETH short 3000 50x SL 3100 TP 2800", venue="binance", account_balance=5_000)
    lines = card.split("\n")
    assert lines[0] == "📉 <b>ETH short</b> · 50x · Binance"
    entry_at = next(i for i, line in enumerate(lines) if line.startswith("Entry"))
    assert all(line.startswith("⚠️") for line in lines[1:entry_at]) and entry_at >= 3
    # said once, on the liquidation line below, not again as a warning (issue 10: "the same warning twice")
    assert not any("beyond the liquidation price" in line for line in lines[1:entry_at])
    assert "💥 Isolated liq <b>3,047.80</b> (+1.59%)" in lines
    assert "      ❌ stop is 1.74% of entry <b>beyond</b> liquidation: liquidated first" in lines
    assert "🎯 TP1 2,800 (−6.67%) · R:R 2.00" in lines


def test_risk_in_money_and_share_of_the_account_with_cross():
    card = _card("BTC long 50000 10x SL 48500 TP 54000", venue="binance", account_balance=10_000, margin=3_000)
    assert "💸 Risk at stop <b>900 USDT</b> (9.00% of 10,000 USDT)" in card
    assert "⚠️ the stop loses 9% of the account (limit 2%)" in card
    assert "💥 Cross liq <b>" in card and "needs the account" not in card


def test_no_stop_and_entry_range():
    card = _card("SOL long 150 5x TP 180")
    assert "Entry 150 · no stop" in card and "⚠️ no stop: the liquidation price is the only exit" in card
    assert "R:R" not in card and "Risk at stop" not in card and "safe leverage" not in card
    ranged = _card("BTC long entry 49500-50500 10x SL 48000 TP 55000")
    # equal amounts at both ends average to 2/(1/49,500 + 1/50,500) = 49,995 (derivations.md D13)
    assert "Entry 49,500–50,500 (avg 49,995) · stop 48,000 (−3.99%)" in ranged
    assert "entries averaged as filled with equal amounts" in ranged
    assert "10x (assumed)" in _card("BTC long 50000 SL 48500")


def test_several_entries_show_the_liquidation_after_each_fill():
    # derivations.md D13: 45,180.8, 44,724.4, 44,264.9 (Binance BTC bracket 1, 10x)
    card = _card("BTC long entry 50000 49000 48000 10x SL 44900", venue="binance")
    lines = card.split("\n")
    at = lines.index("🪜 Isolated, entries filling one by one:")
    assert lines[at + 1 : at + 4] == [
        "      50,000 → liq <b>45,180.8</b>",
        "      49,000 · avg 49,494.95 → liq <b>44,724.4</b>",
        "      48,000 · avg 48,986.39 → liq <b>44,264.9</b>",
    ]
    # the next entry (49,000) fills before 45,180.8 is reached: no partial-fill warning (issue 10)
    assert not any("entries filled, liquidation" in line for line in lines)
    # the full fill has one liquidation price: the ladder's last step is the isolated line
    assert "💥 Isolated liq <b>44,264.9</b>" in card
    assert "🪜" not in _card("BTC long 50000 10x SL 44900")


def test_everything_not_ours_is_escaped():
    call = TradeCall(side=Side.LONG, entry_low=50_000, entry_high=50_000, read_back=(("symbol", "<b>&BTC"),))
    card = review_card(review_call(call))
    parse_html(card)
    assert "&lt;b&gt;&amp;BTC" in card and "<b>&BTC" in html_to_text(card)


def test_a_long_card_does_not_fit_a_caption():
    card = _card(MANY_TARGETS, venue="binance", account_balance=10_000, margin=3_000)
    assert not caption_fits(card) and len(card) <= 4096
    assert caption_fits("<b>" + "x" * CAPTION_LIMIT + "</b>") and not caption_fits("😀" * 513)  # UTF-16 units


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param("", ("", None, None, None), id="empty"),
        pytest.param("bal 10k", ("", 10_000.0, None, None), id="balance"),
        pytest.param("BTC long 50000 SL 48500 margin 500 risk 1%", ("BTC long 50000 SL 48500", None, 500.0, 0.01), id="inline"),
        pytest.param("risk 2 balance: $5,000", ("", 5_000.0, None, 0.02), id="labels"),
        pytest.param("bal 1000\n#ETH/USDT\nMargin 300\nRisk 5%", ("#ETH/USDT\nMargin 300\nRisk 5%", 1_000.0, None, None), id="first-line-only"),
        pytest.param("ETH short 3000 margin cross", ("ETH short 3000 margin cross", None, None, None), id="margin-mode-stays"),
    ],
)  # fmt: skip
def test_review_args(args, expected):
    assert tuple(parse_review_args(args)) == expected


@pytest.mark.parametrize("args", ["bal 1000 bal 2000", "risk 200%", "risk 0"])
def test_bad_review_args(args):
    with pytest.raises(ParseError):
        parse_review_args(args)


def test_message_links():
    assert message_link(GROUP, 7) == "https://t.me/c/1234567890/7"
    assert message_link(-5, 7) is None and message_link(-5, 7, "calls") == "https://t.me/calls/7"


# --- end to end ---------------------------------------------------------------------------------------


@pytest.fixture
def group(emu):
    return emu.add_bot_to_group(GROUP, "Signals")


def _post_call(emu, text: str) -> int:
    """A member posts a call (not delivered to the bot under privacy mode, but stored in the chat)."""
    emu.user_sends(GROUP, text, user_id=MEMBER)
    return emu.chat_messages(GROUP)[-1]["message_id"]


def _review(emu, call_id: int, args: str = "") -> None:
    text = f"/review@{BOT_USERNAME} {args}".strip()
    assert emu.user_sends(GROUP, text, user_id=MEMBER, reply_to_message_id=call_id) is not None


@pytest.mark.usefixtures("bot", "group")
async def test_review_in_a_group_is_one_photo_replying_to_the_call(emu):
    call_id = _post_call(emu, CALL)
    _review(emu, call_id, "bal 10000")
    sent = await emu.async_expect("sendPhoto", chat_id=GROUP)
    params = sent.params
    assert params["reply_parameters"]["message_id"] == call_id
    assert params["parse_mode"] == "HTML"
    caption = params["caption"]
    assert len(html_to_text(caption)) <= 1024
    assert "💥 Isolated liq <b>45,250</b> (−9.50%)" in caption and "(2.00% of 10,000 USDT)" in caption
    photo = params["photo"]
    assert isinstance(photo, UploadedFile)
    assert _png_size(photo.data) == (896, 1120) and 10_000 < len(photo.data) < 400_000
    await emu.async_assert_no_call("sendMessage", chat_id=GROUP)
    stored = emu.sent_messages(GROUP)[-1]
    assert stored["reply_to_message"]["message_id"] == call_id and stored["photo"][-1]["height"] == 1120


@pytest.mark.usefixtures("bot", "group")
async def test_a_second_review_of_the_same_call_points_to_the_first(emu):
    call_id = _post_call(emu, CALL)
    _review(emu, call_id)
    await emu.async_expect("sendPhoto", chat_id=GROUP)
    review_id = emu.sent_messages(GROUP)[-1]["message_id"]
    _review(emu, call_id, "bal 5000")
    pointer = await emu.async_expect("sendMessage", chat_id=GROUP)
    assert "already reviewed" in pointer.params["text"]
    assert f'href="https://t.me/c/1234567890/{review_id}"' in pointer.params["text"]
    await emu.async_assert_no_call("sendPhoto", chat_id=GROUP)
    assert len(emu.calls("sendPhoto")) == 1


@pytest.mark.usefixtures("bot", "group")
async def test_two_reviews_at_once_post_one(emu):
    call_id = _post_call(emu, CALL)
    _review(emu, call_id)
    _review(emu, call_id)
    await emu.async_expect("sendPhoto", chat_id=GROUP)
    await emu.async_expect("sendMessage", chat_id=GROUP, text=lambda t: "already reviewed" in t)
    await emu.async_assert_no_call("sendPhoto", chat_id=GROUP)


@pytest.mark.usefixtures("bot", "group")
async def test_a_long_card_goes_as_text_first_then_the_photo(emu):
    call_id = _post_call(emu, MANY_TARGETS)
    _review(emu, call_id, "bal 10000 margin 3000")
    text = await emu.async_expect("sendMessage", chat_id=GROUP)
    photo = await emu.async_expect("sendPhoto", chat_id=GROUP)
    assert text.params["reply_parameters"]["message_id"] == call_id
    assert "TP20" in text.params["text"] and len(html_to_text(text.params["text"])) > 1024
    methods = [c.method for c in emu.calls() if c.method in {"sendMessage", "sendPhoto"}]
    assert methods == ["sendMessage", "sendPhoto"]
    card_id = next(m["message_id"] for m in emu.sent_messages(GROUP) if "text" in m)
    assert photo.params["reply_parameters"]["message_id"] == card_id
    assert len(photo.params["caption"]) < 100 and _png_size(photo.params["photo"].data) == (896, 1120)


@pytest.mark.usefixtures("bot", "group")
@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        pytest.param("gm everyone <3 & good luck", "⚠️ I couldn't find a trade in that message; a call looks like: BTC long 50000 SL 48500 TP 54000", id="not-a-call"),
        pytest.param("BTC long 50000 SL 51000", "⚠️ a long's stop must be below its entry: stop 51,000 is above entry 50,000", id="contradictory"),
    ],
)  # fmt: skip
async def test_bad_calls_get_a_short_explanation(emu, posted, expected):
    call_id = _post_call(emu, posted)
    _review(emu, call_id)
    answer = await emu.async_expect("sendMessage", chat_id=GROUP)
    assert answer.params["text"] == expected
    await emu.async_assert_no_call("sendPhoto")


@pytest.mark.usefixtures("bot")
async def test_inline_call_and_usage_in_a_private_chat(emu):
    emu.user_sends(PRIVATE, "/review ETH short 3000 50x SL 3100 TP 2800 <b>")
    caption = (await emu.async_expect("sendPhoto", chat_id=PRIVATE)).params["caption"]
    assert "📉 <b>ETH short</b> · 50x" in caption and "❌ stop is" in caption
    text = (await ask(emu, PRIVATE, "/review"))["text"]
    assert text.startswith("⚠️ reply /review to a message with a trade call") and "Example: <code>/review " in text
    help_page = (await ask(emu, PRIVATE, "/help review"))["text"]
    assert "<b>/review</b>" in help_page and "Cornix" in help_page


@pytest.mark.usefixtures("bot")
async def test_review_uses_the_chat_settings(emu):
    await ask(emu, PRIVATE, "/settings venue binance bal 10000")
    emu.user_sends(PRIVATE, f"/review {CALL}")
    caption = (await emu.async_expect("sendPhoto", chat_id=PRIVATE)).params["caption"]
    assert "· Binance" in caption and "(2.00% of 10,000 USDT)" in caption and "(sized for risk)" in caption


@pytest.mark.usefixtures("bot")
async def test_chart_button_on_liq_answers_then_sends_the_ladder(emu):
    params = await ask(emu, PRIVATE, "/liq 50000 10x 1000 long")
    message_id = emu.sent_messages(PRIVATE)[-1]["message_id"]
    data = buttons(params)["📈 chart"]
    assert data.startswith("1L|") and len(data.encode()) <= 64
    emu.press_button(PRIVATE, message_id, data)
    await emu.async_expect("answerCallbackQuery")
    photo = await emu.async_expect("sendPhoto", chat_id=PRIVATE)
    assert photo.params["caption"] == "📈 BTC long 10x: liquidation 45,250 (−9.50%)"
    assert photo.params["reply_parameters"]["message_id"] == message_id
    assert _png_size(photo.params["photo"].data) == (896, 1120)
    methods = [c.method for c in emu.calls() if c.method in {"answerCallbackQuery", "sendPhoto"}]
    assert methods == ["answerCallbackQuery", "sendPhoto"]


@pytest.mark.usefixtures("bot")
async def test_chart_button_on_compare(emu):
    params = await ask(emu, PRIVATE, "/compare 50000 10x 1000 bal 10000")
    emu.press_button(PRIVATE, emu.sent_messages(PRIVATE)[-1]["message_id"], buttons(params)["📈 chart"])
    photo = await emu.async_expect("sendPhoto", chat_id=PRIVATE)
    assert "BTC long 10x" in photo.params["caption"] and "BTC short 10x" in photo.params["caption"]


@pytest.mark.usefixtures("bot")
@pytest.mark.parametrize(
    ("data", "alert"),
    [
        pytest.param("1L|L|i|nan|10|1000", stale_button_text(), id="not-a-number"),
        pytest.param("1L|X|i|50000|10|1000", stale_button_text(), id="bad-side"),
        pytest.param("1C|L|i|-5|10|1000", "⚠️", id="negative-entry"),
    ],
)
async def test_forged_chart_data_gets_a_polite_answer(emu, data, alert):
    await ask(emu, PRIVATE, "/liq 50000 10x 1000 long")
    emu.forge_button_press(PRIVATE, emu.sent_messages(PRIVATE)[-1]["message_id"], data)
    answer = await emu.async_expect("answerCallbackQuery")
    assert answer.params["text"].startswith(alert) and answer.params["show_alert"] is True
    await emu.async_assert_no_call("sendPhoto")
