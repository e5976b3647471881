"""Abuse: floods, forged buttons and inline queries, non-admins, markup injection, forged webhooks.

Every message the bot sends passes the emulator's strict HTML parser (it rejects bad markup, and a
rejected answer would show up as an error in the logs); the token never appears in any log record.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import pytest
from botharness import (
    ADMIN,
    GROUP,
    MEMBER,
    PRIVATE,
    ask,
    bot_env,
    buttons,
    forged_settings_update,
    free_port,
    post_json,
    running_bot,
    settings_for,
    start_bot,
    wait_for_port,
    webhook_env,
)
from fake_telegram import parse_html
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from reliability_helpers import assert_token_absent, bot_errors, no_token_in_logs  # noqa: F401 (fixture)

from bot import keyboards
from bot.config import BotSettings
from bot.keyboards import ButtonDataError, SettingsButton, TradeButton
from bot.parsing import SettingsChange, apply_settings_change, parse_settings_change
from bot.store import ChatSettings, Scope
from core import CoreError, TradeRequest

pytestmark = pytest.mark.usefixtures("no_token_in_logs")

INJECTIONS = ("<b>", "</i>", "&", '<a href="http://evil.example">x</a>', "<script>alert(1)</script>")


def _sent_texts(emu) -> list[tuple[str, str, str | None]]:
    """(method, text, parse_mode) of everything the bot wrote: messages, edits, alerts, inline cards."""
    out = []
    for call in emu.calls():
        params = call.params
        if call.method in {"sendMessage", "editMessageText"}:
            out.append((call.method, params.get("text") or "", params.get("parse_mode")))
        elif call.method == "sendPhoto":
            out.append((call.method, params.get("caption") or "", params.get("parse_mode")))
        elif call.method == "answerCallbackQuery" and params.get("text"):
            out.append((call.method, params["text"], None))
        elif call.method == "answerInlineQuery":
            for result in params.get("results") or []:
                content = result.get("input_message_content") or {}
                out.append((call.method, content.get("message_text") or "", content.get("parse_mode")))
    return out


def _assert_all_html_valid(emu) -> None:
    """Every HTML text parses strictly, and no input became markup (the bot never writes links)."""
    for method, text, mode in _sent_texts(emu):
        if (mode or "").upper() != "HTML":
            continue
        _, entities = parse_html(text)  # raises on markup Telegram would refuse
        assert not [e for e in entities if e["type"] in {"text_link", "text_mention"}], (method, text[:300])
        for raw in ("<script", "<a "):
            assert raw not in text, f"{method} sent unescaped {raw!r}: {text[:300]!r}"


# --- floods ---------------------------------------------------------------------------------------


async def test_200_commands_in_10_seconds_from_one_member(emu, db_path, caplog):
    limit = BotSettings.model_fields["user_rate_limit"].default  # the product default, 10 a minute
    emu.add_bot_to_group(GROUP, admin_ids=[ADMIN])
    async with running_bot(settings_for(emu, db_path, user_rate_limit=limit, user_rate_window=60)):
        await emu.async_wait_until_polling()
        started = time.monotonic()
        for i in range(200):
            command = "/liq@liqcalc_test_bot 50000 10x 1000 long" if i % 2 else f"/liq 50000 {1 + i % 50}x 1000"
            assert emu.user_sends(GROUP, command, user_id=MEMBER) is not None
        assert time.monotonic() - started < 10
        await emu.async_wait_until(lambda: not emu.pending_updates() and len(emu.acknowledged_update_ids()) >= 200)
        await asyncio.sleep(0.5)  # let stragglers land
        from_bot = emu.sent_messages(GROUP)
        assert len(from_bot) <= limit + 1, len(from_bot)
        notices = [m for m in from_bot if m["text"].startswith("⏳ Too many commands")]
        assert len(notices) == 1 and len(from_bot) == limit + 1
        emu.user_sends(GROUP, "/liq 50000 10x 1000 short", user_id=ADMIN)
        await emu.async_expect("sendMessage", chat_id=GROUP, text=lambda t: "54,750" in t)  # others still served
    assert bot_errors(caplog.records) == []


# --- forged buttons -------------------------------------------------------------------------------


def _random_data(rng: random.Random) -> str:
    """Up to 64 bytes of anything a modified client could put in callback_data."""
    kind = rng.randrange(4)
    if kind == 0:
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 65)))
        text = raw.decode("utf-8", "replace")
    elif kind == 1:
        text = "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000)])) for _ in range(30))
    elif kind == 2:
        text = (
            "1"
            + rng.choice("lcLCs")
            + "|"
            + "|".join(
                rng.choice(["", "L", "S", "i", "c", "1e308", "-1", "nan", "🚀", "0"])
                for _ in range(rng.randrange(1, 18))
            )
        )
    else:
        text = "1s|v|" + rng.choice(["binance", "okx", "<b>", "../../etc", "x" * 50])
    while len(text.encode()) > 64:
        text = text[:-1]
    return text or "x"


async def test_forged_stale_and_foreign_button_data_get_one_polite_answer_each(emu, db_path, caplog):
    emu.add_bot_to_group(GROUP, admin_ids=[ADMIN])
    async with running_bot(settings_for(emu, db_path)):
        card = await ask(emu, GROUP, "/liq 50000 10x 1000 long", user_id=ADMIN)
        card_id = emu.sent_messages(GROUP)[-1]["message_id"]
        settings_card = await ask(emu, GROUP, "/settings", user_id=ADMIN)
        settings_id = emu.sent_messages(GROUP)[-1]["message_id"]
        rng = random.Random(20260606)
        forged = [_random_data(rng) for _ in range(40)]
        forged += [
            "0l|L|i|50000|10|1000",  # an older format version: stale
            buttons(settings_card)["OKX"],  # a settings button pressed on a trade card
            "1l|L|i|50000|10|1000|||||" + "A" * 30,  # a symbol core does not know
        ]
        queries = [emu.forge_button_press(GROUP, card_id, data, user_id=MEMBER) for data in forged]
        # someone else's card: only the asker's presses change it (issue 11); others get an alert
        queries.append(emu.forge_button_press(GROUP, card_id, buttons(card)["⇅ short"], user_id=MEMBER))
        # the settings button of the admin's card, pressed by a member: refused
        queries.append(emu.forge_button_press(GROUP, settings_id, buttons(settings_card)["OKX"], user_id=MEMBER))
        await emu.async_wait_until(
            lambda: {c.params["callback_query_id"] for c in emu.calls("answerCallbackQuery")} >= set(queries),
            timeout=15,
        )
        answers = {c.params["callback_query_id"]: c.params for c in emu.calls("answerCallbackQuery")}
        assert len(emu.calls("answerCallbackQuery")) == len(queries), "every press answered exactly once"
        for query, data in zip(queries, forged, strict=False):
            alert = answers[query]
            assert alert.get("show_alert") and 0 < len(alert.get("text") or "") <= 200, (data, alert)
        assert "Only group admins" in answers[queries[-1]]["text"]
        assert "Only the asker can change this card" in answers[queries[-2]]["text"]
        shown = await ask(emu, GROUP, "/settings", user_id=ADMIN)
        assert "Venue: Textbook (default)" in shown["text"]  # no forged press changed the group
    _assert_all_html_valid(emu)
    assert bot_errors(caplog.records) == []


# --- inline queries -------------------------------------------------------------------------------


HOSTILE_INLINE = [
    "<b>bold</b> 50000 10x 1000",
    "50000 10x 1000 </i>",
    '50000 10x 1000 <a href="http://evil.example">click</a>',
    "50000 10x 1000 " + "9" * 5000,
    "🚀" * 300 + " 50000 10x 1000",
    "50000\x00 10x\x07 1000\u202e\u200b",
    "&amp; & &lt; 50000 10x 1000",
    "<script>alert(1)</script>",
    "x" * 5000,
]


async def test_hostile_inline_queries_are_answered_safely(emu, db_path, caplog):
    async with running_bot(settings_for(emu, db_path)):
        ids = [emu.inline_query(query, user_id=PRIVATE) for query in HOSTILE_INLINE]
        await emu.async_wait_until(
            lambda: {c.params["inline_query_id"] for c in emu.calls("answerInlineQuery")} >= set(ids), timeout=15
        )
        answered = [c.params["inline_query_id"] for c in emu.calls("answerInlineQuery")]
        assert sorted(answered) == sorted(ids)
        for call in emu.calls("answerInlineQuery"):
            for result in call.params["results"]:
                assert len(result["input_message_content"]["message_text"]) <= 4096
                assert len(result.get("description", "")) <= 1024
        await ask(emu, PRIVATE, "/liq 50000 10x 1000 long")  # still serving
    _assert_all_html_valid(emu)
    assert bot_errors(caplog.records) == []


# --- group settings -------------------------------------------------------------------------------


async def test_non_admin_cannot_change_group_settings_by_command_or_button(emu, db_path, caplog):
    emu.add_bot_to_group(GROUP, admin_ids=[ADMIN])
    async with running_bot(settings_for(emu, db_path)) as application:
        store = application.bot_data.store
        await ask(emu, GROUP, "/settings venue binance bal 10000", user_id=ADMIN)
        before = await store.get(Scope.CHAT, GROUP)
        for attempt in ("/settings venue okx", "/settings reset", "/settings bal 1 mmr 50%", "/settings mmr off"):
            refused = await ask(emu, GROUP, attempt, user_id=MEMBER)
            assert "Only group admins" in refused["text"], attempt
        admin_card_id = emu.sent_messages(GROUP)[0]["message_id"]
        for data in (keyboards.encode_settings("r"), keyboards.encode_settings("v", "okx")):
            emu.forge_button_press(GROUP, admin_card_id, data, user_id=MEMBER)
            alert = await emu.async_expect("answerCallbackQuery")
            assert "Only group admins" in alert.params["text"]
        assert await store.get(Scope.CHAT, GROUP) == before
        assert (await store.get(Scope.USER, MEMBER)).is_empty  # nothing leaked into the member's own settings
    _assert_all_html_valid(emu)
    assert bot_errors(caplog.records) == []


# --- markup injection -----------------------------------------------------------------------------


INJECTED_COMMANDS = [
    *(f"/liq 50000 10x 1000 {bad}" for bad in INJECTIONS),
    *(f"/liq 50000 10x 1000 {bad} long" for bad in INJECTIONS),
    "/liq <b>BTC</b> 50000 10x 1000",
    "/liq 50000 10x 1000 sym A&B",
    "/compare 50000 10x 1000 long bal </i>",
    "/pnl 50000 10x 1000 long exit <script>",
    "/target 50000 10x long roe <b>",
    '/size 50000 stop <a href="x">1</a> risk 1% bal 1000',
    "/tiers <b>binance</b> BTC",
    "/tiers binance <script>",
    "/tiers binance BTC&ETH",
    "/cross bal 1000; <b>BTC</b> long 0.5 @ 60000",
    "/help <script>",
    "/help </i>",
    "/review <b>BTC</b> long 50000 stop 49000",
    *(f"/settings venue {bad}" for bad in INJECTIONS),
    *(f"/settings sym {bad}" for bad in INJECTIONS),
    "/settings bal 1000 &amp;",
    "/settings <b>bal</b> 1000",
    "<b>50000 10x 1000</b>",
    "50000 10x 1000 & long",
    "/nonexistent <script>",
]


async def test_markup_in_every_echoed_field_is_escaped(emu, db_path, caplog):
    async with running_bot(settings_for(emu, db_path)):
        for command in INJECTED_COMMANDS:
            before = len(emu.calls("sendMessage")) + len(emu.calls("sendPhoto"))
            assert emu.user_sends(PRIVATE, command) is not None
            await emu.async_wait_until(
                lambda n=before: len(emu.calls("sendMessage")) + len(emu.calls("sendPhoto")) > n, timeout=10
            )
        await emu.async_wait_until(lambda: not emu.pending_updates())
        replies = emu.sent_messages(PRIVATE)
        assert len(replies) >= len(INJECTED_COMMANDS)  # every command got its answer through the strict parser
        shown = " ".join(m.get("text") or m.get("caption") or "" for m in replies)  # what users see
        for typed in ("<script>alert(1)</script>", "</i>", "<b>", "A&B", "BTC&ETH", "<b>binance</b>"):
            assert typed in shown, typed  # quoted back literally, never as markup
    _assert_all_html_valid(emu)
    assert not [e for e in bot_errors(caplog.records) if "parse entities" in e.lower()]
    assert bot_errors(caplog.records) == []


# --- forged webhook -------------------------------------------------------------------------------


@pytest.mark.slow
def test_forged_webhook_posts_are_refused_and_the_token_stays_out_of_the_output(emu, tmp_path):
    port = free_port()
    secret = "abuse-Secret_7"
    hook = webhook_env(port, secret)
    url = hook["LIQCALC_WEBHOOK_URL"]
    env = bot_env(emu, tmp_path / "hook.sqlite3", LIQCALC_LOG_LEVEL="DEBUG", **hook)
    log = tmp_path / "hook.log"
    process = start_bot(env, log)
    try:
        emu.expect("setWebhook", timeout=20, url=url, secret_token=secret)
        wait_for_port(port)
        forged = forged_settings_update(7)
        assert post_json(url, forged) == 403
        for header in ("", secret.upper(), secret + "x", secret[:-1], emu.token):
            assert post_json(url, forged, {"X-Telegram-Bot-Api-Secret-Token": header}) == 403, header
        emu.user_sends(PRIVATE, "/liq 50000 10x 1000 long")
        card = emu.expect("sendMessage", chat_id=PRIVATE, timeout=15)
        assert "45,250" in card.params["text"]
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
    assert all(c.params["chat_id"] != 777 for c in emu.calls("sendMessage"))
    output = log.read_text()
    assert "DEBUG" in output
    assert_token_absent(output.splitlines(), "process output")
    assert secret not in output


# --- fuzzing the pure decoders --------------------------------------------------------------------


def _fits(text: str) -> bool:
    return len(text.encode()) <= 64


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=64).filter(_fits),
        st.binary(max_size=64).map(lambda b: b.decode("utf-8", "replace")).filter(_fits),
        st.from_regex(r"\A1[lcLCs]\|[LS]?\|[ic]?(\|[-0-9.e]{0,8}){0,16}\Z").filter(_fits),
    )
)
def test_any_callback_data_decodes_or_is_refused(data):
    try:
        pressed = keyboards.decode(data)
    except ButtonDataError:
        return
    assert isinstance(pressed, TradeButton | SettingsButton)
    if isinstance(pressed, TradeButton):
        with contextlib.suppress(ValidationError, CoreError):  # the error handler turns these into an alert
            assert isinstance(pressed.request(), TradeRequest)


SETTING_WORDS = [
    "venue",
    "sym",
    "mode",
    "mmr",
    "fee",
    "bal",
    "off",
    "reset",
    "binance",
    "okx",
    "cross",
    "0.4%",
    "10000",
    "-1",
    "1e309",
    "nan",
    "150%",
    "ETH",
    "<b>",
    "&",
]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(SETTING_WORDS), max_size=8).map(" ".join)))
def test_any_settings_text_is_a_value_or_a_clear_error(text):
    try:
        change = parse_settings_change(text)
    except CoreError as exc:
        assert exc.message and "\n" not in exc.message.strip()
        return
    assert isinstance(change, SettingsChange)
    try:
        updated = apply_settings_change(ChatSettings(venue="binance", wallet_balance=5000.0), change)
    except CoreError as exc:
        assert exc.message
        return
    assert isinstance(updated, ChatSettings)
    assert ChatSettings.from_json(updated.to_json()) == updated  # what is stored reads back the same
