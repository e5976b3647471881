"""End to end with non-default settings: the per-user command limit in a busy group."""

from __future__ import annotations

import pytest
from botharness import ADMIN, GROUP, MEMBER, PRIVATE, ask, running_bot, settings_for

from bot import handlers


@pytest.fixture
async def limited_bot(emu, db_path):
    async with running_bot(settings_for(emu, db_path, user_rate_limit=2, user_rate_window=60)) as application:
        yield application


async def test_per_user_limit_warns_once_then_stays_silent(emu, limited_bot):
    emu.add_bot_to_group(GROUP, admin_ids=[ADMIN])
    for _ in range(2):
        assert "45,250" in (await ask(emu, GROUP, "/liq 50000 10x 1000 long", user_id=MEMBER))["text"]
    notice = await ask(emu, GROUP, "/liq 50000 10x 1000 long", user_id=MEMBER)
    assert notice["text"].startswith("⏳ Too many commands")
    for _ in range(3):
        emu.user_sends(GROUP, "/liq 50000 10x 1000 long", user_id=MEMBER)
    await emu.async_assert_no_call("sendMessage", within=0.5)
    other = await ask(emu, GROUP, "/liq 50000 10x 1000 short", user_id=ADMIN)
    assert "54,750" in other["text"]  # other members are still served


async def test_button_presses_count_in_a_group(emu, limited_bot):
    emu.add_bot_to_group(GROUP, admin_ids=[ADMIN])
    await ask(emu, GROUP, "/liq 50000 10x 1000 long", user_id=MEMBER)
    message_id = emu.sent_messages(GROUP)[-1]["message_id"]

    def first_button() -> str:
        return emu.sent_messages(GROUP)[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    emu.press_button(GROUP, message_id, first_button(), user_id=MEMBER)
    await emu.async_expect("editMessageText")
    emu.press_button(GROUP, message_id, first_button(), user_id=MEMBER)
    call = await emu.async_expect("answerCallbackQuery", text=lambda t: bool(t) and "Too many" in t)
    assert call.params["text"].startswith("⏳")
    await emu.async_assert_no_call("editMessageText")


async def test_a_private_chat_has_no_command_limit(emu, db_path):
    """Issue 10: 15 commands in 45 s in a private chat all get answers, and ➕/➖ presses never count.

    The limit is the production default (10 a minute); the commands are paced 3 s apart as a trader
    would type them, in 45 s of the emulator's clock.
    """
    async with running_bot(settings_for(emu, db_path, user_rate_limit=10, user_rate_window=60)):
        for i in range(15):
            answer = await ask(emu, PRIVATE, f"/liq 50000 {10 + i}x 1000 long")
            assert answer["text"].startswith("📈") and "Too many" not in answer["text"], i
        message_id = emu.sent_messages(PRIVATE)[-1]["message_id"]
        for _ in range(6):  # stepping the leverage with the buttons
            data = emu.sent_messages(PRIVATE)[-1]["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
            emu.press_button(PRIVATE, message_id, data)
            await emu.async_expect("editMessageText")
        await emu.async_assert_no_call("sendMessage", within=0.3)


async def test_unexpected_errors_are_reported_to_the_admin_chat(emu, db_path, monkeypatch):
    def boom(request, **_):
        raise RuntimeError(f"bug near {emu.token}")

    monkeypatch.setattr(handlers, "liq_answer", boom)
    emu.user_sends(ADMIN, "/start")  # the admin has talked to the bot
    async with running_bot(settings_for(emu, db_path, admin_chat_id=ADMIN)):
        await emu.async_expect("sendMessage", chat_id=ADMIN)  # /start
        sorry = await ask(emu, PRIVATE, "/liq 50000 10x 1000")
        assert sorry["text"].startswith("Sorry, something went wrong") and sorry.get("parse_mode") is None
        report = await emu.async_expect("sendMessage", chat_id=ADMIN)
        assert "RuntimeError: bug near &lt;redacted&gt;" in report.params["text"]
        assert emu.token not in report.params["text"]
        assert len(report.params["text"]) <= 4096


async def test_an_edited_private_trade_edits_its_answer(emu, db_path):
    async with running_bot(settings_for(emu, db_path)):
        sent = emu.user_sends(PRIVATE, "50000 10x 1000 long")
        await emu.async_expect("sendMessage", chat_id=PRIVATE)
        emu.user_edits(PRIVATE, sent["message_id"], "50000 10x 1000 short")
        edit = await emu.async_expect("editMessageText", chat_id=PRIVATE)
        assert "54,750" in edit.params["text"]
