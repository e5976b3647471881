"""End to end: the production application against the Bot API emulator over real HTTP.

Each test acts as Telegram users (``user_sends``, ``press_button``, ``inline_query``) and checks
what the unmodified bot sends back. Expected numbers come from core's worked examples
(PRODUCT.md §6: 50,000 entry, 10x, 1,000 margin, MMR 0.5 % → 45,250 / 54,750 on the textbook
formula; bankruptcy 45,000 / 55,000).
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from botharness import ADMIN, BOT_USERNAME, GROUP, MEMBER, PRIVATE, ask, buttons, running_bot, settings_for
from telegram import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

pytestmark = pytest.mark.usefixtures("bot")


# --- commands: happy paths ---------------------------------------------------------------------------


async def test_liq_without_side_shows_both_sides_with_venues_and_notes(emu):
    params = await ask(emu, PRIVATE, "/liq 50000 10x 1000 isolated")
    text = params["text"]
    assert params["parse_mode"] == "HTML"
    assert "📈 <b>Long</b> liq <b>45,250</b> (−9.50%)" in text
    assert "📉 <b>Short</b> liq <b>54,750</b> (+9.50%)" in text
    assert "bankruptcy 45,000" in text and "bankruptcy 55,000" in text
    assert "Max loss 1,000 USDT" in text
    assert "Binance 45,180.8" in text and "Hyperliquid" in text
    assert "Exchange may differ: mark ≠ last price · fees excluded · no funding" in text
    assert set(buttons(params)) == {"📈 long only", "📉 short only", "➖ 5x", "➕ 15x", "📈 chart"}
    assert all(len(data.encode()) <= 64 for data in buttons(params).values())
    assert "reply_parameters" not in params  # private chats are not quoted


async def test_plain_trade_in_a_private_chat_is_a_liq(emu):
    params = await ask(emu, PRIVATE, "50k x10 1k short binance")
    assert "📉 <b>BTC short</b> · 10x isolated · Binance" in params["text"]
    assert "💥 Liquidation <b>54,780.8</b> (+9.56%)" in params["text"]
    assert "Tier 1 · MMR 0.4% · max 125x" in params["text"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param("/compare 50000 10x 1000 long bal 10000", ["<b>Isolated</b> liq <b>45,250</b>", "<b>Cross</b> liq"], id="compare"),
        pytest.param("/compare 50000 10x 1000 bal 10000 binance", ["📈 <b>Long</b>", "📉 <b>Short</b>", "at risk 10,000 USDT"], id="compare-both"),
        pytest.param("/cross bal 20000; BTC long 0.5 @ 60000; ETH short 10 @ 3000 mark 2900", ["<b>BTC long</b> 0.5 @ 60,000", "<b>ETH short</b> 10 @ 3,000 · mark 2,900", "🌊"], id="cross"),
        pytest.param("/cross bal 20000\nBTC long 0.5 @ 60000\nETH short 10 @ 3000", ["<b>ETH short</b>"], id="cross-lines"),
        pytest.param("/dca 10x long; 0.1 @ 50000; 0.1 @ 44000", ["🪜 <b>BTC long DCA</b> · 10x isolated · Textbook", "liq <b>45,250</b> (−9.50% from the fill)", "2. +0.1 @ 44,000 → avg 47,000 · margin 940 USDT", "liq <b>42,535</b>", "⚠️ 44,000 is past step 1's liquidation (45,250)"], id="dca"),  # derivations.md D12
        pytest.param("/dca 10x long binance\n0.1 @ 50000\n0.1 @ 48000\n$9200 @ 46000", ["· Binance", "liq <b>45,180.8</b>", "liq <b>44,277.2</b>", "3. +0.2 @ 46,000 → avg 47,500 · margin 1,900 USDT", "liq <b>42,921.7</b>", "$ amounts are position value"], id="dca-lines-and-value"),  # D12
        pytest.param("/liq 2.5 10x 1000 XRPUSDT mmr 1% short", ["<b>XRP short</b>", "Liquidation <b>2.725</b> (+9.00%)"], id="xrp"),
        pytest.param("/pnl 50000 10x 1000 long exit 55000", ["+1,000 USDT", "ROE <b>+100%</b>"], id="pnl"),
        pytest.param("/pnl 50000 10x 1000 exit 46000", ["📈 Long: 🔴", "📉 Short: 🟢"], id="pnl-both"),
        # the long is liquidated at 45,250 before the exit: it loses its 1,000 margin, no more (issue 10)
        pytest.param("/pnl 50000 10x 1000 exit 45000", ["📈 Long: 💥 liquidated at 45,250 first: <b>−1,000 USDT</b> (−100%)", "📉 Short: 🟢"], id="pnl-past-liquidation"),
        pytest.param("/target 50000 10x long roe 50%", ["exit at <b>52,500</b>"], id="target"),
        pytest.param("/size 50000 stop 48500 risk 1% bal 10000", ["Size <b>0.0666667 BTC</b>", "Highest safe leverage"], id="size"),
        pytest.param("/size 50000 stop 48500 risk 1% bal 10000 50x binance", ["❌ At 50x isolated"], id="size-stop-after-liq"),
        pytest.param("/tiers binance BTC", ["Binance BTCUSDT", "<pre>", "As of 2024-09-26"], id="tiers"),
        pytest.param("/tiers", ["Bundled bracket tables", "Binance: BTC, ETH, SOL"], id="tiers-index"),
        pytest.param("/tiers textbook", ["flat MMR of 0.5%"], id="tiers-flat"),
        pytest.param("/help", ["/liq", "/compare", "/cross", "/dca", "/pnl", "/target", "/size", "/tiers", "/settings"], id="help"),
        pytest.param("/help cross", ["<b>/cross</b>", "Example: <code>/cross bal 20000;"], id="help-page"),
        pytest.param("/start", ["Where does my position get liquidated?", f"@{BOT_USERNAME}"], id="start"),
        pytest.param("/settings", ["⚙️ <b>Defaults for you</b>", "Venue: Textbook (default)"], id="settings-show"),
    ],
)  # fmt: skip
async def test_command_happy_path(emu, command, expected):
    text = (await ask(emu, PRIVATE, command))["text"]
    for part in expected:
        assert part in text
    assert len(text) <= 4096


async def test_every_help_example_is_answered_without_error(emu):
    from bot.texts import COMMANDS

    for command in COMMANDS:
        if command.name in ("watch", "watches", "unwatch"):
            continue  # they need market data: answered in test_bot_watch.py, against the exchange emulator
        if command.name == "review":  # answered with a photo: the card is its caption
            emu.user_sends(PRIVATE, command.example)
            text = (await emu.async_expect("sendPhoto", chat_id=PRIVATE)).params["caption"]
        else:
            text = (await ask(emu, PRIVATE, command.example))["text"]
        assert not text.startswith("⚠️"), (command.example, text)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "explains"),
    [
        pytest.param("/liq hello world", "'hello' is not understood", id="garbage"),
        pytest.param("/liq 🚀🚀🚀", "is not understood", id="emoji"),
        pytest.param("/liq " + "5" * 5000, "characters; a trade is one short line", id="5000-chars"),
        pytest.param("/liq 1e309 10x 1000", "too large", id="1e309"),
        pytest.param("/liq 50000 -5x 1000", "leverage", id="negative-leverage"),
        pytest.param("/liq 0 10x 1000", "entry price 0:", id="zero-entry"),
        pytest.param("/liq NaN 10x 1000", "'NaN' is not a number", id="nan"),
        pytest.param("/liq 50000 10x 1000 ex foo", "venue 'foo' is unknown", id="unknown-venue"),
        pytest.param("/liq 50000 10x 1000 binance #XYZ", "no binance USDT-margined tier table for 'XYZ'", id="unknown-symbol"),
        pytest.param("/liq 50000 10x 1000 <b>", "'&lt;b&gt;' is not understood", id="unbalanced-tag"),
        pytest.param("/liq", "no trade given", id="empty"),
        pytest.param("/liq 50000 200x 1000 binance", "type a leverage of 100x or less", id="leverage-above-tier"),
        pytest.param("/compare 50000 10x 1000", "bal 10000", id="compare-no-balance"),
        pytest.param("/compare 50000 qty 0.2 cross bal 10000 long", "isolated needs a margin", id="compare-no-margin"),
        pytest.param("/cross BTC long 1 @ 50000", "wallet balance is missing", id="cross-no-balance"),
        pytest.param("/cross bal 1000; <i>long", "is not understood", id="cross-garbage"),
        pytest.param("/dca 10x long", "no fills given", id="dca-no-fills"),
        pytest.param("/dca long; 0.1 @ 50000", "the leverage is missing", id="dca-no-leverage"),
        pytest.param("/dca 10x cross; 0.1 @ 50000", "for cross use /cross", id="dca-cross"),
        pytest.param("/dca 10x; 0.1 @ <b>", "'&lt;b&gt;' is not a number", id="dca-markup"),
        pytest.param("/pnl 50000 10x 1000", "exit price is missing", id="pnl-no-exit"),
        pytest.param("/target 50000 long roe 50%", "leverage is missing", id="target-no-leverage"),
        pytest.param("/size 50000 risk 1% bal 10000", "stop price is missing", id="size-no-stop"),
        pytest.param("/tiers binance DOGE", "no binance USDT-margined tier table for 'DOGE'", id="tiers-unknown"),
        pytest.param("/settings mmr 150%", "mmr", id="settings-out-of-range"),
        pytest.param("/settings 50000", "cannot be a default", id="settings-not-a-setting"),
    ],
)  # fmt: skip
async def test_bad_input_gets_one_line_and_an_example_and_the_bot_keeps_serving(emu, command, explains):
    params = await ask(emu, PRIVATE, command)
    first, *rest = params["text"].split("\n")
    assert first.startswith("⚠️ ") and explains in first
    assert rest and rest[0].startswith("Example: <code>/")
    assert len(params["text"]) < 600
    assert emu.sent_messages(PRIVATE)[-1]["text"].startswith("⚠️")  # Telegram accepted the HTML
    text = (await ask(emu, PRIVATE, "/liq 50000 10x 1000 long"))["text"]
    assert "45,250" in text


async def test_unknown_command_in_private_points_to_help(emu):
    text = (await ask(emu, PRIVATE, "/frobnicate"))["text"]
    assert "/frobnicate" in text and "/help" in text


# --- buttons ----------------------------------------------------------------------------------------


async def _card(emu, text: str) -> tuple[int, dict]:
    params = await ask(emu, PRIVATE, text)
    message_id = emu.sent_messages(PRIVATE)[-1]["message_id"]
    return message_id, params


async def test_flip_side_button_edits_the_card(emu):
    message_id, params = await _card(emu, "/liq 50000 10x 1000 long")
    emu.press_button(PRIVATE, message_id, buttons(params)["⇅ short"])
    await emu.async_expect("answerCallbackQuery")
    edit = await emu.async_expect("editMessageText", chat_id=PRIVATE, message_id=message_id)
    assert "📉 <b>BTC short</b>" in edit.params["text"] and "54,750" in edit.params["text"]
    assert "⇅ long" in buttons(edit.params)


async def test_leverage_buttons_step_through_common_leverages(emu):
    message_id, params = await _card(emu, "/liq 50000 10x 1000 long")
    emu.press_button(PRIVATE, message_id, buttons(params)["➕ 15x"])
    edit = await emu.async_expect("editMessageText", message_id=message_id)
    assert "15x isolated" in edit.params["text"]
    assert set(buttons(edit.params)) >= {"➖ 10x", "➕ 20x"}
    emu.press_button(PRIVATE, message_id, buttons(edit.params)["➖ 10x"])
    edit = await emu.async_expect("editMessageText", message_id=message_id)
    assert "10x isolated" in edit.params["text"] and "45,250" in edit.params["text"]


async def test_cross_button_with_balance_and_back(emu):
    message_id, params = await _card(emu, "/liq 50000 10x 1000 long bal 20000 binance")
    emu.press_button(PRIVATE, message_id, buttons(params)["⇄ cross"])
    edit = await emu.async_expect("editMessageText", message_id=message_id)
    assert "10x cross · Binance" in edit.params["text"] and "wallet 20,000 USDT" in edit.params["text"]
    assert "⇄ isolated" in buttons(edit.params)


async def test_cross_button_only_where_cross_can_compute(emu):
    _, params = await _card(emu, "/liq 50000 10x 1000 long")
    assert "⇄ cross" not in buttons(params)  # no balance: the button could only refuse
    message_id, params = await _card(emu, "/liq 50000 10x 1000 long bal 5000")
    emu.press_button(PRIVATE, message_id, buttons(params)["⇄ cross"])
    edit = await emu.async_expect("editMessageText", message_id=message_id)
    assert "10x cross" in edit.params["text"] and "wallet 5,000 USDT" in edit.params["text"]


async def test_no_leverage_button_beyond_the_venues_maximum(emu):
    # Binance BTC (2024-09-26 table): 125x up to 50,000 notional; 1,000 at 100x = 100,000 notional is in
    # the 50k–600k bracket whose maximum is 100x, so ➕ 125x would be refused: it is not offered
    _, params = await _card(emu, "/liq 50000 100x 1000 long binance")
    labels = list(buttons(params))
    assert "➖ 75x" in labels and not any(label.startswith("➕") for label in labels)


async def test_double_tap_does_not_error(emu, caplog):
    message_id, params = await _card(emu, "/liq 50000 10x 1000 long")
    data = buttons(params)["⇅ short"]
    emu.press_button(PRIVATE, message_id, data)
    emu.press_button(PRIVATE, message_id, data)
    await emu.async_expect("editMessageText", message_id=message_id)
    await emu.async_expect("editMessageText", message_id=message_id)  # refused: not modified
    await emu.async_expect("answerCallbackQuery")
    await emu.async_expect("answerCallbackQuery")
    await emu.async_assert_no_call("sendMessage")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("0l|L|i|50000|10|1000", id="old-version"),
        pytest.param("1l|X|i|50000|10|1000", id="bad-side"),
        pytest.param("1l|L|i|5e9999|10|1000", id="infinite"),
        pytest.param("1l|L", id="truncated"),
        pytest.param("1z|whatever", id="unknown-view"),
        pytest.param("1s|v|nowhere", id="unknown-venue"),
        pytest.param("garbage", id="garbage"),
    ],
)
async def test_forged_or_stale_button_gets_a_polite_answer(emu, data):
    message_id, _ = await _card(emu, "/liq 50000 10x 1000 long")
    emu.forge_button_press(PRIVATE, message_id, data)
    call = await emu.async_expect("answerCallbackQuery")
    assert call.params["show_alert"] is True and "expired" in call.params["text"]
    await emu.async_assert_no_call("editMessageText")


async def test_forged_values_are_validated_by_core(emu):
    message_id, _ = await _card(emu, "/liq 50000 10x 1000 long")
    emu.forge_button_press(PRIVATE, message_id, "1l|L|i|-50000|10|1000")
    call = await emu.async_expect("answerCallbackQuery")
    assert call.params["show_alert"] is True and "entry price" in call.params["text"]


# --- inline mode ------------------------------------------------------------------------------------


async def test_inline_query_offers_long_and_short(emu):
    emu.inline_query("50000 10x 1000", user_id=PRIVATE)
    call = await emu.async_expect("answerInlineQuery")
    results = call.params["results"]
    assert [r["id"] for r in results] == ["long", "short"]
    assert results[0]["title"] == "BTC long 10x: liquidation 45,250 (−9.50%)"
    assert "💥 Liquidation <b>54,750</b>" in results[1]["input_message_content"]["message_text"]
    assert results[1]["input_message_content"]["parse_mode"] == "HTML"
    assert call.params["is_personal"] is True


async def test_inline_query_with_a_mistake_offers_one_explanation(emu):
    emu.inline_query("50000 10x <b>", user_id=PRIVATE)
    results = (await emu.async_expect("answerInlineQuery")).params["results"]
    assert len(results) == 1 and results[0]["id"] == "error"
    assert "&lt;b&gt;" in results[0]["input_message_content"]["message_text"]


async def test_empty_inline_query_shows_the_how_to_button(emu):
    emu.inline_query("", user_id=PRIVATE)
    params = (await emu.async_expect("answerInlineQuery")).params
    assert params["results"] == [] and params["button"]["start_parameter"] == "inline"


async def test_inline_uses_the_users_own_settings(emu):
    await ask(emu, PRIVATE, "/settings venue binance")
    emu.inline_query("50000 10x 1000 short", user_id=PRIVATE)
    results = (await emu.async_expect("answerInlineQuery")).params["results"]
    assert [r["id"] for r in results] == ["short"] and "54,780.8" in results[0]["title"]


# --- groups -----------------------------------------------------------------------------------------


@pytest.fixture
def group(emu):
    return emu.add_bot_to_group(GROUP, "Trade reviews", admin_ids=[ADMIN])


async def test_addressed_command_in_a_group_is_answered_quoting_it(emu, group):
    sent = emu.user_sends(GROUP, f"/liq@{BOT_USERNAME} 50000 10x 1000 long", user_id=MEMBER)
    call = await emu.async_expect("sendMessage", chat_id=GROUP)
    assert call.params["reply_parameters"]["message_id"] == sent["message_id"]
    assert "45,250" in call.params["text"]


async def test_plain_command_in_a_group_and_other_bots_commands(emu, group):
    await ask(emu, GROUP, "/liq 50000 10x 1000 long", user_id=MEMBER)
    assert emu.user_sends(GROUP, "/liq@other_bot 50000 10x 1000", user_id=MEMBER) is None
    assert emu.user_sends(GROUP, "50000 10x 1000", user_id=MEMBER) is None  # privacy mode


async def test_group_without_privacy_ignores_chatter_and_other_bots(emu):
    emu.add_bot_to_group(GROUP, privacy=False, admin_ids=[ADMIN])
    assert emu.user_sends(GROUP, "50000 10x 1000 anyone?", user_id=MEMBER) is not None
    assert emu.user_sends(GROUP, "/liq@other_bot 50000 10x 1000", user_id=MEMBER) is not None
    assert emu.user_sends(GROUP, "/unknown", user_id=MEMBER) is not None
    await emu.async_assert_no_call("sendMessage", within=0.5)


async def test_only_admins_change_group_settings(emu, group):
    refused = await ask(emu, GROUP, "/settings venue binance", user_id=MEMBER)
    assert "Only group admins" in refused["text"]
    shown = await ask(emu, GROUP, "/settings", user_id=MEMBER)
    assert "Only group admins can change these." in shown["text"] and "reply_markup" not in shown
    saved = await ask(emu, GROUP, "/settings venue binance bal 10000", user_id=ADMIN)
    assert "✅ Saved." in saved["text"] and "Venue: Binance" in saved["text"]
    card = await ask(emu, GROUP, "/liq 50000 10x 1000 short", user_id=MEMBER)
    assert "· Binance" in card["text"]
    private = await ask(emu, MEMBER, "/liq 50000 10x 1000 short")
    assert "· Textbook" in private["text"]  # the group's defaults stay in the group


async def test_settings_buttons_are_admin_only_in_groups(emu, group):
    params = await ask(emu, GROUP, "/settings", user_id=ADMIN)
    message_id = emu.sent_messages(GROUP)[-1]["message_id"]
    emu.press_button(GROUP, message_id, buttons(params)["OKX"], user_id=MEMBER)
    refused = await emu.async_expect("answerCallbackQuery")
    assert "Only group admins" in refused.params["text"]
    emu.press_button(GROUP, message_id, buttons(params)["OKX"], user_id=ADMIN)
    edit = await emu.async_expect("editMessageText", chat_id=GROUP)
    assert "Venue: OKX" in edit.params["text"]


async def test_edited_command_edits_its_answer(emu, group):
    sent = emu.user_sends(GROUP, "/liq 50000 10x 1000 long", user_id=MEMBER)
    first = await emu.async_expect("sendMessage", chat_id=GROUP)
    answer_id = emu.sent_messages(GROUP)[-1]["message_id"]
    assert "45,250" in first.params["text"]
    emu.user_edits(GROUP, sent["message_id"], "/liq 50000 20x 1000 long")
    edit = await emu.async_expect("editMessageText", chat_id=GROUP, message_id=answer_id)
    assert "20x isolated" in edit.params["text"]
    emu.user_edits(GROUP, sent["message_id"], "/liq 50000 20x oops")
    edit = await emu.async_expect("editMessageText", chat_id=GROUP, message_id=answer_id)
    assert edit.params["text"].startswith("⚠️")
    await emu.async_assert_no_call("sendMessage")
    assert len(emu.sent_messages(GROUP)) == 1


async def test_bad_command_in_a_group_gets_exactly_one_short_message(emu, group):
    await ask(emu, GROUP, "/liq whatever 🚀 <b>", user_id=MEMBER)
    await emu.async_assert_no_call("sendMessage", within=0.5)
    assert len(emu.sent_messages(GROUP)) == 1


async def test_group_migration_moves_the_settings(emu):
    old, new = -4242, -1004242
    emu.add_bot_to_group(old, admin_ids=[ADMIN])
    await ask(emu, old, "/settings venue hyperliquid", user_id=ADMIN)
    emu.migrate_group(old, new)
    await asyncio.sleep(0.3)
    card = await ask(emu, new, "/liq 50000 10x 1000 short", user_id=ADMIN)
    assert "· Hyperliquid" in card["text"]


# --- limits, faults, commands menu -------------------------------------------------------------------


async def test_a_429_is_retried(emu):
    emu.inject_error("sendMessage", 429, retry_after=1)
    params = await ask(emu, PRIVATE, "/liq 50000 10x 1000 long")
    assert "45,250" in params["text"]
    await emu.async_expect("sendMessage", chat_id=PRIVATE)  # the retry
    assert len(emu.sent_messages(PRIVATE)) == 1


async def test_blocked_user_is_logged_not_retried_and_others_are_served(emu, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    emu.inject_error("sendMessage", 403, "Forbidden: bot was blocked by the user")  # blocked meanwhile
    emu.user_sends(PRIVATE, "/liq 50000 10x 1000")
    await emu.async_expect("sendMessage", chat_id=PRIVATE)
    assert "45,250" in (await ask(emu, 43, "/liq 50000 10x 1000 long"))["text"]
    assert any("blocked" in r.getMessage() for r in caplog.records)
    assert len(emu.calls("sendMessage")) == 2


async def test_commands_menu_per_scope(bot):
    private = await bot.bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    groups = await bot.bot.get_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in private][:4] == ["liq", "compare", "review", "cross"]
    assert "start" in {c.command for c in private} and "start" not in {c.command for c in groups}


async def test_long_cross_account_stays_under_4096(emu):
    legs = "; ".join(f"#COIN{i} {'long' if i % 2 else 'short'} {i + 1} @ {150 + i} mark {149 + i}" for i in range(200))
    params = await ask(emu, PRIVATE, f"/cross bal 100000 mmr 0.5%; {legs}")
    assert len(params["text"]) <= 4096 and "… and 175 more positions" in params["text"]


async def test_second_poller_is_a_logged_conflict(emu, db_path, tmp_path, caplog):
    async with running_bot(settings_for(emu, tmp_path / "other.sqlite3")):
        await asyncio.sleep(0.5)
    assert any(r.levelno == logging.CRITICAL and "another instance" in r.getMessage() for r in caplog.records)
    assert "45,250" in (await ask(emu, PRIVATE, "/liq 50000 10x 1000 long"))["text"]
