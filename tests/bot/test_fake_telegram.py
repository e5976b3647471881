"""The Telegram emulator, driven by the real python-telegram-bot over real HTTP."""

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

import asyncio
import contextlib
import datetime as dtm
import http.client
import json
import socket
import struct
import threading
import time
import urllib.request
import zlib

import pytest
from fake_telegram import CONFLICT_POLLING, CONFLICT_WEBHOOK, NOT_MODIFIED, QUERY_TOO_OLD, FakeTelegram
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

PRIVATE = 42
BOT_USERNAME = "liqcalc_test_bot"


# ---------------------------------------------------------------- helpers
def png(width: int, height: int, pixel_rows: bool = True) -> bytes:
    """A real RGB PNG (or only its IHDR when ``pixel_rows`` is False, for huge dimensions)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height)) if pixel_rows else b""
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, an APP0 segment and a baseline SOF0 marker: enough for the dimension check."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def ptb_message(description: str) -> str:
    """What PTB makes of a Telegram description (drops ``Bad Request: ``, capitalises)."""
    stripped = description.removeprefix("Bad Request: ")
    return stripped.capitalize() if stripped != description else description


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d or "empty", callback_data=d) for d in data]])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_app(emu: FakeTelegram) -> Application:
    builder = Application.builder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url)
    return builder.build()


async def echo(update, context) -> None:
    await update.effective_message.reply_text(" ".join(context.args) or "(no args)")


@contextlib.asynccontextmanager
async def polling(app: Application, **kwargs):
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=5, **kwargs)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# These two deliberately shadow the conftest fixtures of the same names: the emulator's own tests use
# a bare FakeTelegram and a raw Bot, never the production application.
@pytest.fixture
def emu():
    with FakeTelegram() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu):
    emu.user_sends(PRIVATE, "/start")  # a user must talk to the bot first
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as raw_bot:
        yield raw_bot


# ---------------------------------------------------------------- identity and transport
async def test_initialize_calls_get_me_with_realistic_identity(emu, bot):
    me = await bot.get_me()
    assert bot.username == BOT_USERNAME and me.is_bot and me.id == int(emu.token.split(":")[0])
    assert me.can_join_groups and me.supports_inline_queries and me.can_read_all_group_messages is False
    assert [c.method for c in emu.calls()] == ["getMe", "getMe"]


async def test_wrong_token_and_unknown_method_are_404(emu, bot):
    with pytest.raises(InvalidToken):
        async with Bot("987654:WRONG", base_url=emu.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")


async def test_parameters_decoded_per_name_and_get_json_bodies_accepted(emu, bot):
    await bot.send_message(PRIVATE, "42", reply_markup=keyboard("a"))
    params = emu.calls("sendMessage")[0].params
    assert params["text"] == "42" and params["chat_id"] == PRIVATE
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    url = f"{emu.base_url}{emu.token}/SENDMESSAGE?chat_id={PRIVATE}&text=007"
    with urllib.request.urlopen(url) as response:
        assert json.load(response)["result"]["text"] == "007"
    body = json.dumps({"chat_id": PRIVATE, "text": "json"}).encode()
    request = urllib.request.Request(
        f"{emu.base_url}{emu.token}/sendMessage", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["result"]["message_id"] == 4
    chunked = http.client.HTTPConnection("127.0.0.1", emu.port)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    chunked.request("POST", f"/bot{emu.token}/sendMessage", iter([b"chat_id=42", b"&text=chunked"]), form)
    assert json.loads(chunked.getresponse().read())["result"]["text"] == "chunked"
    chunked.close()


# ---------------------------------------------------------------- long polling
async def test_command_echo_over_long_polling(emu):
    app = make_app(emu)
    app.add_handler(CommandHandler("echo", echo))
    async with polling(app):
        await emu.async_wait_until_polling()
        delivered = emu.user_sends(PRIVATE, "/echo hello there")
        assert delivered["entities"] == [{"offset": 0, "length": 5, "type": "bot_command"}]
        call = await emu.async_expect("sendMessage", chat_id=PRIVATE)
        assert call.params["text"] == "hello there"
    assert emu.sent_messages(PRIVATE)[-1]["text"] == "hello there"
    assert emu.pending_updates() == [] and len(emu.acknowledged_update_ids()) == 1


async def test_offset_confirms_limit_and_timeout_returns_empty(emu, bot):
    for text in ("one", "two", "three"):
        emu.user_sends(PRIVATE, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["/start", "one"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["two", "three"]
    assert emu.acknowledged_update_ids() == [u.update_id for u in first]
    started = time.monotonic()
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0.3) == ()
    assert 0.25 < time.monotonic() - started < 2


async def test_second_poller_terminates_the_first_with_409(emu, bot):
    async with Bot(emu.token, base_url=emu.base_url) as other:
        first = asyncio.create_task(bot.get_updates(offset=10**9, timeout=5))
        await emu.async_wait_until_polling()
        assert await other.get_updates(offset=10**9, timeout=0) == ()
        with pytest.raises(Conflict) as caught:
            await first
    assert caught.value.message == CONFLICT_POLLING


async def test_drop_connection_mid_long_poll_and_ptb_recovers(emu):
    app, errors = make_app(emu), []
    app.add_handler(CommandHandler("echo", echo))
    async with polling(app, error_callback=errors.append):
        await emu.async_wait_until_polling()
        polls_before = len(emu.calls("getUpdates"))
        emu.drop_connection("getUpdates")
        emu.user_sends(PRIVATE, "/echo recovered")
        call = await emu.async_expect("sendMessage", text="recovered")
        assert call.params["chat_id"] == PRIVATE
    assert isinstance(errors[0], NetworkError) and "disconnected" in errors[0].message.lower()
    assert len(emu.calls("getUpdates")) > polls_before + 1


async def test_edited_command_arrives_as_edited_message(emu):
    app = make_app(emu)
    app.add_handler(CommandHandler("echo", echo))
    async with polling(app):
        sent = emu.user_sends(PRIVATE, "/echo first")
        await emu.async_expect("sendMessage", text="first")
        edited = emu.user_edits(PRIVATE, sent["message_id"], "/echo second")
        assert edited["edit_date"] >= edited["date"]
        await emu.async_expect("sendMessage", text="second")
    assert emu.acknowledged_update_ids() == [100_000_001, 100_000_002]


# ---------------------------------------------------------------- messages
async def test_sent_messages_are_complete_and_realistic(emu, bot):
    first = await bot.send_message(PRIVATE, "hello", reply_markup=keyboard("k"))
    second = await bot.send_message(PRIVATE, "again", reply_to_message_id=1, reply_markup=ForceReply())
    assert second.message_id == first.message_id + 1 == 3
    assert abs((dtm.datetime.now(dtm.UTC) - first.date).total_seconds()) < 5
    assert first.from_user == bot.bot and first.chat.type == "private" and first.chat.id == PRIVATE
    assert first.reply_markup == keyboard("k") and second.reply_markup is None  # only inline keyboards echo
    assert second.reply_to_message.text == "/start" and second.reply_to_message.from_user.id == PRIVATE
    raw = emu.sent_messages(PRIVATE)[0]
    assert isinstance(raw["date"], int) and raw["from"]["is_bot"] is True
    assert [m["message_id"] for m in emu.chat_messages(PRIVATE)] == [1, 2, 3]


async def test_entities_use_utf16_offsets(emu, bot):
    delivered = emu.user_sends(PRIVATE, f"💸 /liq@{BOT_USERNAME} 1")
    assert delivered["entities"] == [{"offset": 3, "length": 21, "type": "bot_command"}]
    message = Message.de_json(delivered, bot)
    assert list(message.parse_entities().values()) == [f"/liq@{BOT_USERNAME}"]
    sent = await bot.send_message(PRIVATE, "💸 <b>bold</b> <i>ital</i>", parse_mode="HTML")
    assert sent.text == "💸 bold ital"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 3, 4), ("italic", 8, 4)]


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("x" * 4097, "Bad Request: message is too long"),
        ("", "Bad Request: message text is empty"),
        ("  \n ", "Bad Request: message text is empty"),
    ],
    ids=["too-long", "empty", "whitespace"],
)
async def test_text_limits(bot, text, description):
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(PRIVATE, text)
    assert caught.value.message == ptb_message(description)


async def test_4096_characters_after_entity_parsing_are_accepted(bot):
    sent = await bot.send_message(PRIVATE, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text) == 4096


@pytest.mark.parametrize(
    ("html_text", "detail"),
    [
        ("line<br>next", 'Unsupported start tag "br" at byte offset 4'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("price <entry>", 'Unsupported start tag "entry" at byte offset 6'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("AT&T", 'Character "&" must be escaped as "&amp;" at byte offset 2'),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_bad_html_is_rejected(emu, bot, html_text, detail):
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(PRIVATE, html_text, parse_mode="HTML")
    assert caught.value.message == ptb_message(f"Bad Request: can't parse entities: {detail}")


async def test_supported_html_becomes_text_and_entities(bot):
    source = (
        "&lt;entry&gt; &amp; &#65;&#x42; <strong>b</strong><em>i</em><u>u</u><del>s</del>"
        '<tg-spoiler>p</tg-spoiler><span class="tg-spoiler">q</span><a href="https://x.io/?a=1&amp;b=2">l</a>'
        '<code>c</code><pre><code class="language-python">py</code></pre><blockquote>bq</blockquote>'
    )
    sent = await bot.send_message(PRIVATE, source, parse_mode="HTML")
    assert sent.text == "<entry> & AB biuspqlcpybq"
    kinds = [(e.type, sent.parse_entity(e)) for e in sent.entities]
    assert kinds == [
        ("bold", "b"),
        ("italic", "i"),
        ("underline", "u"),
        ("strikethrough", "s"),
        ("spoiler", "p"),
        ("spoiler", "q"),
        ("text_link", "l"),
        ("code", "c"),
        ("pre", "py"),
        ("blockquote", "bq"),
    ]
    assert sent.entities[6].url == "https://x.io/?a=1&b=2" and sent.entities[8].language == "python"


async def test_markdown_v2_reserved_characters(bot):
    with pytest.raises(BadRequest, match=r"character '\.' is reserved"):
        await bot.send_message(PRIVATE, "*Liq* at 1.5", parse_mode="MarkdownV2")
    sent = await bot.send_message(PRIVATE, r"*Liq* at 1\.5", parse_mode="MarkdownV2")
    assert sent.text == "Liq at 1.5"


@pytest.mark.parametrize("data", ["x" * 65, "€" * 22, ""], ids=["65-bytes", "66-utf8-bytes", "empty"])
async def test_bad_callback_data_is_rejected(bot, data):
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(PRIVATE, "pick", reply_markup=keyboard(data))
    assert caught.value.message == ptb_message("Bad Request: BUTTON_DATA_INVALID")


async def test_callback_data_of_64_bytes_is_accepted(bot):
    assert (await bot.send_message(PRIVATE, "pick", reply_markup=keyboard("é" * 32))).reply_markup


async def test_reply_to_missing_message(emu, bot):
    await bot.delete_message(PRIVATE, 1)  # the user's command is gone
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(PRIVATE, "late", reply_to_message_id=1)
    assert caught.value.message == ptb_message("Bad Request: message to be replied not found")
    sent = await bot.send_message(PRIVATE, "late", reply_to_message_id=1, allow_sending_without_reply=True)
    assert sent.reply_to_message is None


# ---------------------------------------------------------------- editing and callbacks
async def test_edits_not_modified_and_keyboard_rules(emu, bot):
    sent = await bot.send_message(PRIVATE, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest) as caught:
        await sent.edit_text("<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    assert caught.value.message == ptb_message(NOT_MODIFIED)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await sent.edit_reply_markup(keyboard("a"))
    edited = await sent.edit_text("v2")  # no reply_markup: Telegram removes the keyboard
    assert edited.text == "v2" and edited.reply_markup is None and edited.edit_date is not None
    assert emu.sent_messages(PRIVATE)[-1]["text"] == "v2"
    with pytest.raises(BadRequest) as caught:
        await sent.edit_text("x" * 4097)
    assert caught.value.message == "Message_too_long"
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v3", PRIVATE, 999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("v3", PRIVATE, 1)


async def test_button_press_answer_and_double_answer(emu):
    app, handled = make_app(emu), asyncio.Queue()

    async def on_button(update, context) -> None:
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text(f"chose {update.callback_query.data}")  # drops keyboard
        await handled.put(update.callback_query.data)

    app.add_handler(CallbackQueryHandler(on_button))
    emu.user_sends(PRIVATE, "hi")
    async with polling(app):
        sent = await app.bot.send_message(PRIVATE, "pick", reply_markup=keyboard("a", "b"))
        with pytest.raises(ValueError, match="no button"):
            emu.press_button(PRIVATE, sent.message_id, "zzz")
        query_id = emu.press_button(PRIVATE, sent.message_id, "b")
        await emu.async_expect("answerCallbackQuery", callback_query_id=query_id, text="ok")
        assert await asyncio.wait_for(handled.get(), 5) == "b"
        with pytest.raises(BadRequest) as caught:
            await app.bot.answer_callback_query(query_id)
        assert caught.value.message == ptb_message(QUERY_TOO_OLD)
        with pytest.raises(BadRequest, match="Query is too old"):
            await app.bot.answer_callback_query("12345")
        assert emu.sent_messages(PRIVATE)[-1]["text"] == "chose b"
        stale = emu.press_button(PRIVATE, sent.message_id, "a", must_exist=False)  # keyboard still on screen
        await emu.async_expect("answerCallbackQuery", callback_query_id=stale)
        assert await asyncio.wait_for(handled.get(), 5) == "a"


async def test_inline_query_result_limits(emu, bot):
    def article(result_id: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(result_id, "t", InputTextMessageContent("m"))

    query_id = emu.inline_query("liq btc")
    cases = [([article(str(i)) for i in range(51)], "RESULTS_TOO_MUCH"), ([article("x" * 65)], "RESULT_ID_INVALID")]
    for results, description in cases:
        with pytest.raises(BadRequest) as caught:
            await bot.answer_inline_query(query_id, results)
        assert caught.value.message == ptb_message(f"Bad Request: {description}")
    assert await bot.answer_inline_query(query_id, [article(str(i)) for i in range(50)], cache_time=0)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(query_id, [])
    update = emu.pending_updates()[-1]
    assert update["inline_query"] == {**update["inline_query"], "id": query_id, "query": "liq btc"}


# ---------------------------------------------------------------- files
async def test_photo_upload_keeps_png_bytes_and_dimensions(emu, bot):
    data = png(640, 360)
    sent = await bot.send_photo(PRIVATE, data, caption="<b>chart</b>", parse_mode="HTML")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (640, 360) and sent.photo[0].width == 90
    assert sent.caption == "chart" and sent.caption_entities[0].type == "bold"
    upload = emu.calls("sendPhoto")[0].params["photo"]
    assert upload.data == data and upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", upload.data[16:24]) == (640, 360)
    again = await bot.send_photo(PRIVATE, sent.photo[-1].file_id)  # file_id reuse: no upload
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    assert isinstance(emu.calls("sendPhoto")[1].params["photo"], str)
    downloaded = await (await bot.get_file(sent.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == data == emu.file_bytes(sent.photo[-1].file_id)
    jpeg = await bot.send_photo(PRIVATE, jpeg_header(1200, 800))
    assert (jpeg.photo[-1].width, jpeg.photo[-1].height) == (1200, 800)


@pytest.mark.parametrize(
    ("photo", "description"),
    [
        (b"GIF89a not an image we accept", "IMAGE_PROCESS_FAILED"),
        (png(9000, 1500, pixel_rows=False), "PHOTO_INVALID_DIMENSIONS"),
        (png(2100, 100, pixel_rows=False), "PHOTO_INVALID_DIMENSIONS"),
        ("https://example.com/chart.png", "failed to get HTTP URL content"),
        ("AgACAgIAAxkBAAIunknown", "wrong file identifier/HTTP URL specified"),
    ],
    ids=["gif", "sum-over-10000", "ratio-over-20", "url-offline", "unknown-file-id"],
)
async def test_bad_photos_are_rejected(bot, photo, description):
    with pytest.raises(BadRequest) as caught:
        await bot.send_photo(PRIVATE, photo)
    assert caught.value.message == ptb_message(f"Bad Request: {description}")


async def test_caption_limit_and_document_round_trip(emu, bot):
    with pytest.raises(BadRequest) as caught:
        await bot.send_photo(PRIVATE, png(10, 10), caption="c" * 1025)
    assert caught.value.message == ptb_message("Bad Request: message caption is too long")
    blob = os.urandom(3000) + b"\r\n--boundary\r\n\r" + os.urandom(100) + b"\n"
    sent = await bot.send_document(PRIVATE, blob, filename="trades.csv", caption="ünïcode")
    assert sent.document.file_name == "trades.csv" and sent.caption == "ünïcode"
    assert emu.file_bytes(sent.document.file_id) == blob
    assert await bot.send_chat_action(PRIVATE, "upload_photo")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(PRIVATE, "dancing")


# ---------------------------------------------------------------- failures the bot must survive
async def test_injected_flood_raises_retry_after_then_clears(emu, bot):
    emu.inject_error("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(PRIVATE, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert caught.value.message == "Flood control exceeded. Retry in 0:00:07"
    assert (await bot.send_message(PRIVATE, "x")).text == "x"


async def test_faults_are_counted_and_consumed_in_order(emu, bot):
    emu.inject_error("sendMessage", 502, "Bad Gateway", times=2)
    emu.inject_delay("sendMessage", 0.3)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(PRIVATE, "x")
    started = time.monotonic()
    await bot.send_message(PRIVATE, "slow")
    assert time.monotonic() - started >= 0.3
    emu.drop_connection("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(PRIVATE, "dropped")
    started = time.monotonic()
    await bot.send_message(PRIVATE, "fast")
    assert time.monotonic() - started < 0.3
    assert [m["text"] for m in emu.sent_messages(PRIVATE)] == ["slow", "fast"]


async def test_blocked_user_is_forbidden(emu, bot):
    emu.block_user(PRIVATE)
    with pytest.raises(Forbidden) as caught:
        await bot.send_message(PRIVATE, "x")
    assert caught.value.message == "Forbidden: bot was blocked by the user"
    assert emu.pending_updates()[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(777, "cold message")


async def test_migrated_group_raises_chat_migrated(emu, bot):
    emu.add_bot_to_group(-5, "Desk")
    emu.migrate_group(-5, -1_001_234_567)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-5, "x")
    assert caught.value.new_chat_id == -1_001_234_567
    sent = await bot.send_message(-1_001_234_567, "x")
    assert sent.chat.type == "supergroup" and sent.chat.title == "Desk"
    service = [u["message"] for u in emu.pending_updates()[-2:]]
    assert service[0]["migrate_to_chat_id"] == -1_001_234_567 and service[1]["migrate_from_chat_id"] == -5


# ---------------------------------------------------------------- groups
def test_group_privacy_mode_delivery_rules(emu):
    group = -1_009_000
    emu.add_bot_to_group(group, "Traders", privacy=True)
    assert emu.user_sends(group, f"/liq@{BOT_USERNAME} 1 2", user_id=7) is not None
    assert emu.user_sends(group, "/liq@other_bot 1 2", user_id=7) is None
    assert emu.user_sends(group, "gm everyone", user_id=7) is None
    assert emu.user_sends(group, "/liq 1 2", user_id=7) is not None
    emu.other_bot_speaks(group)
    assert emu.user_sends(group, "/liq 1 2", user_id=7) is None  # another bot spoke last
    assert emu.user_sends(group, f"/LIQ@{BOT_USERNAME.upper()}", user_id=7) is not None
    assert len(emu.chat_messages(group)) == 7  # undelivered messages still exist in the chat
    assert emu.user_sends(PRIVATE, "plain chatter") is not None  # private chats always deliver
    emu.add_bot_to_group(-77, privacy=False)
    assert emu.user_sends(-77, "chatter") is not None
    emu.add_bot_to_group(-78, bot_is_admin=True)
    assert emu.user_sends(-78, "chatter") is not None


async def test_replies_to_the_bot_reach_it_and_other_bots_commands_do_not(emu):
    group = -1_009_001
    emu.add_bot_to_group(group, "Traders")
    app = make_app(emu)
    app.add_handler(CommandHandler("echo", echo))
    async with polling(app):
        emu.user_sends(group, "/echo@other_bot ignored", user_id=7)
        emu.user_sends(group, f"/echo@{BOT_USERNAME} mine", user_id=7)
        reply = await emu.async_expect("sendMessage", chat_id=group)
        assert reply.params["text"] == "mine" and reply.params["reply_parameters"]["message_id"] == 2
        bot_message = emu.sent_messages(group)[0]
        assert bot_message["reply_to_message"]["text"] == f"/echo@{BOT_USERNAME} mine"
        assert emu.user_sends(group, "thanks", user_id=7, reply_to_message_id=bot_message["message_id"])
        await emu.async_assert_no_call("sendMessage")


async def test_admin_lists_and_members(emu, bot):
    emu.add_bot_to_group(-900, "Desk", admin_ids=[1, 2], bot_is_admin=True)
    emu.user_sends(-900, "hello", user_id=3)
    admins = await bot.get_chat_administrators(-900)
    assert [(a.user.id, a.status) for a in admins] == [(1, "creator"), (2, "administrator"), (bot.id, "administrator")]
    assert (await bot.get_chat_member(-900, 3)).status == "member"
    assert (await bot.get_chat_member(-900, 4)).status == "left"
    with pytest.raises(BadRequest, match="There are no administrators in the private chat"):
        await bot.get_chat_administrators(PRIVATE)


async def test_commands_per_scope_and_language(bot):
    group_scope, chat_scope = BotCommandScopeAllGroupChats(), BotCommandScopeChat(-900)
    await bot.set_my_commands([BotCommand("liq", "Liquidation price")])
    await bot.set_my_commands([BotCommand("liq", "Цена ликвидации")], language_code="ru")
    await bot.set_my_commands([BotCommand("liq", "In groups"), BotCommand("help", "Help")], scope=group_scope)
    assert [c.description for c in await bot.get_my_commands()] == ["Liquidation price"]
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Цена ликвидации"]
    assert [c.command for c in await bot.get_my_commands(scope=group_scope)] == ["liq", "help"]
    assert await bot.get_my_commands(scope=chat_scope) == ()
    await bot.delete_my_commands(scope=group_scope)
    assert await bot.get_my_commands(scope=group_scope) == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Liq-Price", "x")])
    assert await bot.log_out() and await bot.close()


# ---------------------------------------------------------------- webhooks
async def test_webhook_delivery_with_and_without_the_right_secret(emu, bot):
    port, app = free_port(), make_app(emu)
    app.add_handler(CommandHandler("echo", echo))
    url = f"http://127.0.0.1:{port}/hook"
    async with app:
        await app.start()
        await app.updater.start_webhook(
            "127.0.0.1", port, "hook", webhook_url=url, secret_token="s3cret", drop_pending_updates=True
        )
        try:
            info = await bot.get_webhook_info()
            assert info.url == url and info.pending_update_count == 0
            with pytest.raises(Conflict) as caught:
                await bot.get_updates()
            assert caught.value.message == CONFLICT_WEBHOOK
            emu.user_sends(PRIVATE, "/echo via webhook")
            await emu.async_expect("sendMessage", text="via webhook")
            await emu.async_wait_until(lambda: len(emu.webhook_deliveries()) == 1)
            delivered_id = emu.acknowledged_update_ids()[-1]
            assert emu.webhook_deliveries() == [{"update_id": delivered_id, "status": 200, "error": None}]

            await bot.set_webhook(url, secret_token="forged")  # Telegram now sends a secret PTB rejects
            emu.user_sends(PRIVATE, "/echo must not run")
            await emu.async_wait_until(lambda: len(emu.webhook_deliveries()) == 1 + emu.webhook_attempts)
            assert {d["status"] for d in emu.webhook_deliveries()[1:]} == {403}
            info = await bot.get_webhook_info()
            assert info.last_error_message.startswith("Wrong response from the webhook: 403 ")
            assert info.pending_update_count == 0  # given up after webhook_attempts tries
            await emu.async_assert_no_call("sendMessage")
        finally:
            await app.updater.stop()
            await app.stop()


# ---------------------------------------------------------------- the test-facing API itself
def test_wait_for_consumes_calls_in_order_and_times_out_with_a_listing(emu):
    with pytest.raises(AssertionError, match=r"(?s)no sendMessage call within 0.05s.*\(none\)"):
        emu.wait_for("sendMessage", timeout=0.05)
    for text in ("a", "b"):
        with urllib.request.urlopen(f"{emu.base_url}{emu.token}/getMe?text={text}"):
            pass
    assert emu.wait_for("getMe").params == {"text": "a"}  # the very first call, index 0
    assert emu.expect("getMe").params == {"text": "b"}
    emu.assert_no_call("getMe", within=0.05)
    with pytest.raises(AssertionError, match=r"#1 getMe \{'text': 'b'\}"):
        emu.wait_for("sendMessage", timeout=0.05)


async def test_blocking_helpers_refuse_to_freeze_the_event_loop(emu):
    with pytest.raises(RuntimeError, match="async_wait_for"):
        emu.wait_for("sendMessage", timeout=0.01)


def test_stop_closes_idle_and_long_polling_connections(emu):
    idle = http.client.HTTPConnection("127.0.0.1", emu.port)
    idle.request("GET", f"/bot{emu.token}/getMe")
    assert json.loads(idle.getresponse().read())["ok"]
    result = {}

    def long_poll() -> None:
        with urllib.request.urlopen(f"{emu.base_url}{emu.token}/getUpdates?timeout=30") as response:
            result.update(json.load(response))

    poller = threading.Thread(target=long_poll)
    poller.start()
    emu.wait_until_polling()
    started = time.monotonic()
    emu.stop()
    poller.join(5)
    idle.close()
    assert result == {"ok": True, "result": []} and time.monotonic() - started < 2
    assert not [t for t in threading.enumerate() if t.name.startswith("fake-telegram")]
