"""Console chat: the bot's own commands and texts in a terminal, no Telegram account needed.

``python -m bot`` without ``TELEGRAM_BOT_TOKEN`` opens it. It is the production application from
:func:`bot.app.build_application` with a request object that prints what the bot would send
instead of calling Telegram, so every answer is exactly the bot's (HTML rendered as plain text).

Type a command (``/liq 50000 10x 1000``) or just a trade; a button's number (``2``) presses it;
``@ 50000 10x 1000`` shows the inline results; a chart (``/review``, the "📈 chart" button) is
saved to a temporary PNG file whose path is printed; ``/quit`` or end of input (Ctrl-D) exits. Works
with piped input too: ``echo "/liq 50000 10x 1000" | python -m bot``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import tempfile
import threading
import time
from typing import Any, TextIO

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.config import BotSettings
from bot.formatting import html_to_text

__all__ = ["ConsoleRequest", "ConsoleSession", "run_console"]

BOT_USER = {
    "id": 1,
    "is_bot": True,
    "first_name": "liqcalc",
    "username": "liqcalc_bot",
    "supports_inline_queries": True,
}
YOU = {"id": 2, "is_bot": False, "first_name": "You", "username": "you"}
CHAT = {"id": 2, "type": "private", "first_name": "You", "username": "you"}


class ConsoleRequest(BaseRequest):
    """A ``BaseRequest`` that plays Telegram for one private chat and prints the bot's messages."""

    def __init__(self, out: TextIO, *, buttons: bool = True) -> None:
        """Write the bot's messages to ``out`` (with their buttons, numbered, unless ``buttons`` is False)."""
        self.out = out
        self.show_buttons = buttons
        self.messages: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.last_buttons: list[str] = []
        self.buttons_message_id: int | None = None

    @property
    def read_timeout(self) -> float | None:
        """No network: no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def new_message_id(self) -> int:
        """The next message id (user and bot messages share one sequence, as in a chat)."""
        return next(self._ids)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call as Telegram would, printing what a user would see."""
        name = url.rsplit("/", 1)[-1].lower()
        params = request_data.parameters if request_data is not None else {}
        if name == "sendphoto":
            files = (request_data.multipart_data or {}) if request_data is not None else {}
            result = self._photo(dict(params), [part[1] for part in files.values()])
            return 200, json.dumps({"ok": True, "result": result}).encode()
        result = self._call(name, dict(params))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _call(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getme":
            return BOT_USER
        if name == "sendmessage":
            sent: dict[str, Any] = {
                "message_id": self.new_message_id(),
                "date": int(time.time()),
                "chat": CHAT,
                "from": BOT_USER,
                "text": str(params.get("text", "")),
            }
            self.messages[sent["message_id"]] = sent
            self._show(sent, params)
            return sent
        if name == "editmessagetext":
            edited = self.messages.get(int(str(params.get("message_id") or 0)))
            if edited is None:
                return True
            edited["text"] = str(params.get("text", ""))
            self._show(edited, params, edited=True)
            return edited
        if name == "answercallbackquery":
            if params.get("text"):
                self._print(f"💬 {params['text']}\n")
            return True
        if name == "answerinlinequery":
            self._show_inline(params.get("results") or [])
            return True
        if name == "getchatmember":
            return {"status": "creator", "user": YOU, "is_anonymous": False}
        return True  # setMyCommands, sendChatAction, deleteMessage, ...

    def _photo(self, params: dict[str, Any], files: list[Any]) -> dict[str, Any]:
        """A photo (a chart): saved to a temporary PNG file, its caption printed like a message."""
        where = "not saved"
        if files and isinstance(files[0], bytes):
            with tempfile.NamedTemporaryFile(prefix="liqcalc-chart-", suffix=".png", delete=False) as out:
                out.write(files[0])
            where = out.name
        caption = str(params.get("caption", ""))
        rendered = html_to_text(caption) if str(params.get("parse_mode", "")).lower() == "html" else caption
        sent: dict[str, Any] = {
            "message_id": self.new_message_id(),
            "date": int(time.time()),
            "chat": CHAT,
            "from": BOT_USER,
            "photo": [{"file_id": "console", "file_unique_id": "console", "width": 896, "height": 1120}],
        }
        if caption:
            sent["caption"] = caption
        self.messages[sent["message_id"]] = sent
        self._print(f"{rendered}\n🖼 chart saved to {where}\n\n" if rendered else f"🖼 chart saved to {where}\n\n")
        return sent

    def _print(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _show(self, message: dict[str, Any], params: dict[str, Any], *, edited: bool = False) -> None:
        text = message["text"]
        markup = params.get("reply_markup")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
            self.buttons_message_id = message["message_id"]
        rendered = html_to_text(text) if str(params.get("parse_mode", "")).lower() == "html" else text
        head = "↻ (updated)\n" if edited else ""
        buttons = self._buttons(markup) if self.show_buttons else ""
        self._print(f"{head}{rendered}\n{buttons}\n")

    def _buttons(self, markup: Any) -> str:
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        self.last_buttons = []
        lines = []
        for row in rows:
            cells = []
            for button in row:
                self.last_buttons.append(button.get("callback_data", ""))
                cells.append(f"[{len(self.last_buttons)}] {button.get('text', '')}")
            lines.append("  " + "   ".join(cells))
        if lines:
            lines.append("  (type a number to press a button)")
        return "\n".join(lines) + ("\n" if lines else "")

    def _show_inline(self, results: list[dict[str, Any]]) -> None:
        if not results:
            self._print("(no inline results)\n\n")
            return
        for number, result in enumerate(results, start=1):
            content = result.get("input_message_content", {})
            self._print(f"── inline result {number}: {result.get('title', '')}\n")
            self._print(html_to_text(content.get("message_text", "")) + "\n\n")


class ConsoleSession:
    """Turns typed lines into the updates Telegram would deliver for one private chat."""

    def __init__(self, request: ConsoleRequest) -> None:
        """Share message ids and buttons with ``request``."""
        self.request = request
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

    def update_for(self, line: str) -> dict[str, Any] | None:
        """The update dict for one typed line (None: nothing to send)."""
        text = line.strip()
        if not text:
            return None
        buttons = self.request.last_buttons
        pressed = self.request.messages.get(self.request.buttons_message_id or 0)
        if text.isdigit() and 1 <= int(text) <= len(buttons) and pressed is not None:
            return {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": str(next(self._query_ids)),
                    "from": YOU,
                    "chat_instance": "console",
                    "data": buttons[int(text) - 1],
                    "message": pressed,
                },
            }
        if text.startswith("@"):
            query = text.lstrip("@").removeprefix(str(BOT_USER["username"])).strip()
            return {
                "update_id": next(self._update_ids),
                "inline_query": {"id": str(next(self._query_ids)), "from": YOU, "query": query, "offset": ""},
            }
        message: dict[str, Any] = {
            "message_id": self.request.new_message_id(),
            "date": int(time.time()),
            "chat": CHAT,
            "from": YOU,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}
            ]
        return {"update_id": next(self._update_ids), "message": message}


def _reader(stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Read lines in a daemon thread (a blocked read never holds up the exit)."""
    try:
        for line in iter(stream.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
    finally:
        loop.call_soon_threadsafe(queue.put_nowait, None)


async def run_console(
    settings: BotSettings,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    buttons: bool = True,
    strict: bool = False,
) -> int:
    """Chat with the bot on stdin/stdout until ``/quit`` or end of input; returns the exit status.

    ``strict`` (the ``liq`` command): the status is 1 when any line was refused, for scripts.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    quiet = settings.model_copy(update={"user_rate_limit": 0, "telegram_overall_rate": 0, "telegram_group_rate": 0})
    request = ConsoleRequest(stdout, buttons=buttons)
    application = build_application(quiet, request=request)
    refused = 0

    async def count_refusal(update: object, context: object) -> None:
        nonlocal refused
        refused += 1

    application.add_error_handler(count_refusal)
    session = ConsoleSession(request)
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(
        target=_reader, args=(stdin, asyncio.get_running_loop(), queue), name="console-stdin", daemon=True
    ).start()
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        try:
            if interactive:
                stdout.write("liqcalc console: type /help, a trade like 50000 10x 1000, or /quit.\n\n› ")
                stdout.flush()
            while (line := await queue.get()) is not None:
                if line.strip().lower() in {"/quit", "/exit", "quit", "exit"}:
                    break
                data = session.update_for(line)
                if data is not None:
                    await application.process_update(Update.de_json(data, application.bot))
                if interactive:
                    stdout.write("› ")
                    stdout.flush()
        finally:
            await application.post_shutdown(application)  # type: ignore[misc]
    return 1 if strict and refused else 0
