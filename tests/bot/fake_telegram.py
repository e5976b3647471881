"""A local emulator of the Telegram Bot API for end-to-end tests (standard library only).

The real ``telegram.ext.Application`` talks to it over real HTTP: build the application with
``.base_url(emu.base_url).base_file_url(emu.base_file_url)``. The emulator keeps chats, messages,
files, updates and webhooks in memory, answers with Telegram's exact error descriptions, and lets
tests act as users (``user_sends``, ``press_button``...), inject faults and wait for the bot's calls.

Blocking helpers (``wait_for``, ``expect``, ``assert_no_call``, ``wait_until``, ``wait_until_polling``)
refuse to run on a thread with a running event loop, because they would freeze the bot living in that
loop; async tests use their ``async_`` twins instead.

Deliberate differences from Telegram: a bare ``&`` in HTML is rejected (Telegram keeps it literally, its
docs demand ``&amp;``; pass ``strict_ampersand=False`` for Telegram's leniency); webhooks may be plain
``http://`` on any port; photos are stored and served as uploaded, not re-encoded to JPEG.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import html
import http.client
import itertools
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

DEFAULT_TOKEN = "123456789:TEST-AAFakeTokenForTheLocalBotApiEmulator"
DEFAULT_USER_ID = 1001
TEXT_LIMIT, CAPTION_LIMIT, CALLBACK_TEXT_LIMIT = 4096, 1024, 200
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CONFLICT_POLLING = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
# fmt: off
# Parameters PTB sends as raw strings; every other parameter arrives JSON-encoded.
STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "inline_query_id", "query", "secret_token", "url",
    "action", "description", "short_description", "language_code", "inline_message_id", "next_offset",
    "file_id", "photo", "document", "ip_address", "emoji", "title", "name", "switch_pm_text",
    "switch_pm_parameter", "message_effect_id", "business_connection_id", "custom_title",
})
HTML_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
    "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
# fmt: on
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"(?<!\S)/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,32}))?(?![A-Za-z0-9_@])")
_HTML_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot);")
_ATTR_RE = re.compile(r"""([^\s=>/"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_DROP = object()  # handler result meaning: close the socket without an answer


class ApiError(Exception):
    """A Bot API rejection: HTTP status, Telegram's description and optional ``parameters``."""

    def __init__(self, description: str, status: int = 400, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.description, self.status, self.parameters = description, status, parameters


class Call(NamedTuple):
    """One request the bot made: method name (canonical case) and decoded parameters."""

    method: str
    params: dict[str, Any]


@dataclass
class UploadedFile:
    """A file part of a multipart upload, bytes kept verbatim."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class _StoredFile:
    kind: str  # "photo" | "document"
    data: bytes
    unique_id: str
    path: str
    name: str = ""
    mime_type: str = ""
    sizes: list[dict] = field(default_factory=list)


@dataclass
class _Fault:
    kind: str  # "error" | "delay" | "drop"
    remaining: int
    status: int = 0
    description: str = ""
    parameters: dict | None = None
    seconds: float = 0.0


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    user: dict | None = None
    privacy: bool = True
    admin_ids: list[int] = field(default_factory=list)
    bot_is_admin: bool = False
    other_bot_spoke_last: bool = False
    migrated_to: int | None = None
    messages: dict[int, dict] = field(default_factory=dict)
    next_id: int = 1

    def as_dict(self) -> dict:
        if self.type == "private":
            assert self.user is not None
            keys = ("first_name", "username")
            return {"id": self.id, "type": "private", **{k: self.user[k] for k in keys if k in self.user}}
        return {"id": self.id, "type": self.type, "title": self.title}


# ---------------------------------------------------------------- text helpers
def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _cant_parse(detail: str) -> ApiError:
    return ApiError(f"Bad Request: can't parse entities: {detail}")


def _decode_entity(src: str, i: int) -> tuple[str | None, int]:
    match = _HTML_ENTITY_RE.match(src, i)
    if not match:
        return None, i
    name = match.group(1)
    if name[0] != "#":
        return {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[name], match.end()
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    if not 0 < code < 0x110000 or 0xD800 <= code < 0xE000:
        return None, i
    return chr(code), match.end()


def parse_html(src: str, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Telegram's HTML dialect to (plain text, entities); raises ApiError with tdlib's wording."""
    out: list[str] = []
    entities: list[dict] = []
    stack: list[tuple[str, str | None, int, int]] = []  # tag, argument, utf16 start, src index
    pos16, i, n = 0, 0, len(src)

    def at(k: int) -> int:
        return len(src[:k].encode())

    while i < n:
        ch = src[i]
        if ch == "&":
            decoded, end = _decode_entity(src, i)
            if decoded is None and strict_ampersand:
                raise _cant_parse(f'Character "&" must be escaped as "&amp;" at byte offset {at(i)}')
            decoded, end = (decoded, end) if decoded is not None else ("&", i + 1)
            out.append(decoded)
            pos16, i = pos16 + utf16_len(decoded), end
        elif ch != "<":
            out.append(ch)
            pos16, i = pos16 + utf16_len(ch), i + 1
        elif src.startswith("</", i):
            i = _close_tag(src, i, at, stack, entities, pos16)
        else:
            tag, argument, i = _open_tag(src, i, at)
            stack.append((tag, argument, pos16, i))
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open_tag(src: str, i: int, at: Callable[[int], int]) -> tuple[str, str | None, int]:
    k = i + 1
    while k < len(src) and not src[k].isspace() and src[k] != ">":
        k += 1
    if k >= len(src):
        raise _cant_parse(f"Unclosed start tag at byte offset {at(i)}")
    tag = src[i + 1 : k].lower()
    if tag not in HTML_ENTITY_TYPES:
        raise _cant_parse(f'Unsupported start tag "{tag}" at byte offset {at(i)}')
    end = src.find(">", k)
    if end < 0:
        raise _cant_parse(f'Unclosed start tag "{tag}" at byte offset {at(i)}')
    attrs = {m.group(1).lower(): html.unescape((m.group(2) or "").strip("\"'")) for m in _ATTR_RE.finditer(src[k:end])}
    argument = {"a": attrs.get("href"), "tg-emoji": attrs.get("emoji-id"), "code": attrs.get("class")}.get(tag)
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise _cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {at(i)}')
    if tag == "blockquote" and "expandable" in attrs:
        argument = "expandable"
    return tag, argument, end + 1


def _close_tag(src: str, i: int, at: Callable, stack: list, entities: list[dict], pos16: int) -> int:
    end = src.find(">", i)
    name = src[i + 2 : end if end >= 0 else len(src)].strip().lower()
    if not stack:
        raise _cant_parse(f"Unexpected end tag at byte offset {at(i)}")
    if end < 0 or any(c.isspace() for c in name):
        raise _cant_parse(f"Unclosed end tag at byte offset {at(i)}")
    tag, argument, start16, inner_start = stack.pop()
    if name and name != tag:
        raise _cant_parse(f'Unmatched end tag at byte offset {at(i)}, expected "</{tag}>", found "</{name}>"')
    if pos16 > start16:
        entity: dict[str, Any] = {"offset": start16, "length": pos16 - start16, "type": HTML_ENTITY_TYPES[tag]}
        if tag == "a":
            entity["url"] = argument or html.unescape(src[inner_start:i])
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = argument or ""
        elif tag == "blockquote" and argument:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and argument and argument.startswith("language-"):
            entity["language"] = argument.removeprefix("language-")
        last = entities[-1] if entities else None
        if tag == "pre" and last and last["type"] == "code" and last["offset"] == start16:
            entity.update({k: v for k, v in last.items() if k == "language"})
            entities.pop()
        entities.append(entity)
    return end + 1


def check_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Approximate MarkdownV2: reserved characters must be escaped, delimiters balanced (no entities)."""
    delimiters = {"*": "Bold", "_": "Italic", "~": "Strikethrough", "`": "Code", "|": "Spoiler"}
    opened: dict[str, int] = {}
    out: list[str] = []
    i, in_url = 0, False
    while i < len(text):
        ch, line_start = text[i], i == 0 or text[i - 1] == "\n"
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 1
        elif in_url:
            in_url = ch != ")"
        elif ch in delimiters and (ch == "`" or "`" not in opened):
            if opened.pop(ch, None) is None:
                opened[ch] = len(text[:i].encode())
        elif "`" in opened:
            out.append(ch)
        elif ch == "]" and text.startswith("(", i + 1):
            in_url, i = True, i + 1
        elif ch == ">" and line_start:
            pass  # blockquote
        elif ch in ">#+-={}.!()":
            raise _cant_parse(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        elif ch not in "[]":
            out.append(ch)
        i += 1
    for ch, offset in opened.items():
        raise _cant_parse(f"Can't find end of {delimiters[ch]} entity at byte offset {offset}")
    return "".join(out), []


def _strip(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram trims surrounding whitespace; entities follow the trimmed text."""
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    text = text.strip()
    total, kept = utf16_len(text), []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] - shift + entity["length"], total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return text, kept


def command_entities(text: str) -> list[dict]:
    """bot_command entities of a user's text, offsets and lengths in UTF-16 units."""
    return [
        {"offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0)), "type": "bot_command"}
        for m in _COMMAND_RE.finditer(text)
    ]


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG IHDR chunk or a JPEG SOF marker; None if neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    i = 2 if data.startswith(b"\xff\xd8") else len(data)
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF or 0xD0 <= marker <= 0xD8 or marker == 0x01:
            i += 1 if marker == 0xFF else 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return (width, height) if width and height else None
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return None


def _decode_param(name: str, raw: str) -> Any:
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_body(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """Decode query string plus a form-urlencoded, JSON or multipart body into typed parameters."""
    raw: dict[str, Any] = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json") and body:
        return {**{k: _decode_param(k, v) for k, v in raw.items()}, **json.loads(body)}
    if content_type.startswith("multipart/form-data"):
        header = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name, data = part.get_param("name", header="content-disposition"), part.get_payload(decode=True)
            filename = part.get_filename()
            if filename is None:
                raw[name] = (data or b"").decode("utf-8")
            else:
                raw[name] = UploadedFile(filename, part.get_content_type(), data or b"")
    elif body:
        raw.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {k: v if isinstance(v, UploadedFile) else _decode_param(k, v) for k, v in raw.items()}


# ---------------------------------------------------------------- HTTP plumbing
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body wait for a delayed ACK (~40 ms a call)
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection, "idle")

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._track(self.connection, "gone")

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logging
        pass

    def do_GET(self) -> None:
        self.server.emulator._track(self.connection, "busy")
        try:
            body = self._read_body()
            path, _, query = self.path.partition("?")
            answer = self.server.emulator._handle_http(path, query, self.headers.get("Content-Type", ""), body)
            if answer is None:
                self.close_connection = True
                return
            status, content_type, payload = answer
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # client went away (cancelled long poll, shutdown)
            self.close_connection = True
        finally:
            if not self.server.emulator._track(self.connection, "idle"):
                self.close_connection = True  # emulator stopping: end keep-alive after this answer

    do_POST = do_GET

    def _read_body(self) -> bytes:
        if "chunked" not in self.headers.get("Transfer-Encoding", ""):
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()  # the CRLF after the last chunk (no trailers expected)
        return b"".join(chunks)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: FakeTelegram


# ---------------------------------------------------------------- the emulator
class FakeTelegram:
    """In-memory Telegram Bot API server on 127.0.0.1 (one bot). Thread-safe; use as a context manager."""

    callback_query_timeout = 15.0  # seconds before answerCallbackQuery/answerInlineQuery is "too old"
    webhook_attempts = 5  # deliveries tried per update before it is dropped
    webhook_backoff = 0.05  # seconds before the first retry, doubled each time

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "liqcalc_test_bot",
        bot_name: str = "LiqCalc Test",
        strict_ampersand: bool = True,
    ) -> None:
        self.token = token
        self.strict_ampersand = strict_ampersand
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._connections: dict[socket.socket, bool] = {}  # socket -> busy answering a request
        self._closing = False
        self.errors: list[BaseException] = []  # emulator bugs, re-raised by stop()
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict] = {}
        self._blocked: set[int] = set()
        self._files: dict[str, _StoredFile] = {}
        self._queries: dict[str, dict] = {}  # callback and inline queries: id -> {"created", "answered"}
        self._commands: dict[tuple[str, str], list] = {}
        self._calls: list[Call] = []
        self._consumed: set[int] = set()
        self._faults: dict[str, list[_Fault]] = {}
        self._pending: list[dict] = []
        self._acked: list[int] = []
        self._update_ids = itertools.count(100_000_001)
        self._query_ids = itertools.count(4_700_000_000_000_000_001)
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._active_polls = 0
        self._webhook: dict[str, Any] = {"url": "", "secret": None, "last_error": None}
        self._delivery_failures: dict[int, int] = {}
        self._webhook_retry_at = 0.0
        self._deliveries: list[dict] = []
        self._methods: dict[str, Callable[[dict], Any]] = {
            name[5:].lower(): getattr(self, name) for name in dir(self) if name.startswith("_api_")
        }

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeTelegram:
        """Bind 127.0.0.1 on a free port and serve in background threads; returns self."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.emulator = self
        self._threads = [
            threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-telegram-http"),
            threading.Thread(target=self._webhook_loop, name="fake-telegram-webhook"),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Wake every waiter, close all connections, join all threads; re-raise an emulator bug if any."""
        if self._server is None:
            return
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            idle = [connection for connection, busy in self._connections.items() if not busy]
        self._server.shutdown()
        for connection in idle:  # busy ones close themselves after answering
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()  # joins the request threads
        for thread in self._threads:
            thread.join()
        self._server = None
        if self.errors:
            raise RuntimeError("fake Telegram hit an internal error") from self.errors[0]

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``: ``http://127.0.0.1:PORT/bot`` (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def port(self) -> int:
        """The TCP port the emulator listens on (127.0.0.1)."""
        assert self._server is not None, "call start() first"
        return self._server.server_address[1]

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url``: ``http://127.0.0.1:PORT/file/bot``."""
        return self.base_url.replace("/bot", "/file/bot")

    def _track(self, connection: socket.socket, state: str) -> bool:
        """Follow a client connection ("idle", "busy", "gone"); False once the emulator is stopping."""
        with self._cond:
            if state == "gone":
                self._connections.pop(connection, None)
            elif self._closing and connection not in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)  # connected while stopping
            else:
                self._connections[connection] = state == "busy"
            return not self._closing

    # ------------------------------------------------------------ request dispatch
    def _handle_http(self, path: str, query: str, content_type: str, body: bytes) -> tuple[int, str, bytes] | None:
        match = re.fullmatch(r"/(file/)?bot([^/]+)/(.+)", urllib.parse.unquote(path))
        if not match or match.group(2) != self.token:
            return self._error_answer(ApiError("Not Found", 404))
        if match.group(1):
            with self._cond:
                stored = next((f for f in self._files.values() if f.path == match.group(3)), None)
            return (
                (200, "application/octet-stream", stored.data)
                if stored
                else self._error_answer(ApiError("Not Found", 404))
            )
        impl = self._methods.get(match.group(3).lower())
        if impl is None:
            return self._error_answer(ApiError("Not Found", 404))
        try:
            params = parse_body(query, content_type, body)
        except ValueError as exc:
            return self._error_answer(ApiError(f"Bad Request: can't parse request: {exc}"))
        method = impl.__name__[5:]
        method = method[0].lower() + method[1:]
        secret = self.token.split(":", 1)[-1]
        if secret in query or secret.encode() in body:  # the token belongs in the URL path only
            self.errors.append(AssertionError(f"the bot sent its own token in the parameters of {method}"))
        with self._cond:
            self._calls.append(Call(method, params))
            self._cond.notify_all()
            try:
                result = self._apply_fault(method)
                if result is None:
                    result = {"ok": True, "result": impl(params)}
            except ApiError as exc:
                return self._error_answer(exc)
            except Exception as exc:  # an emulator bug: answer 500, fail the test at stop()
                self.errors.append(exc)
                return self._error_answer(ApiError(f"Internal Server Error: {exc!r}", 500))
        if result is _DROP or result.get("result") is _DROP:
            return None
        return 200, "application/json", json.dumps(result).encode()

    @staticmethod
    def _error_answer(exc: ApiError) -> tuple[int, str, bytes]:
        answer: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
        if exc.parameters:
            answer["parameters"] = exc.parameters
        return exc.status, "application/json", json.dumps(answer).encode()

    def _apply_fault(self, method: str) -> Any:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        if fault.kind == "delay":
            self._cond.wait_for(lambda: self._closing, timeout=fault.seconds)
            return None
        if fault.kind == "drop":
            return _DROP
        raise ApiError(fault.description, fault.status, fault.parameters)

    # ------------------------------------------------------------ fault injection
    def inject_error(
        self, method: str, status: int, description: str | None = None, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error (429 + retry_after → RetryAfter)."""
        if description is None:
            description = f"Too Many Requests: retry after {retry_after}" if status == 429 else "Internal Server Error"
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self._add_fault(method, _Fault("error", times, status, description, parameters))

    def inject_delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` for ``seconds`` before answering normally."""
        self._add_fault(method, _Fault("delay", times, seconds=seconds))

    def drop_connection(self, method: str, times: int = 1) -> None:
        """Close the socket without an answer: a pending long poll at once, else the next calls."""
        self._add_fault(method, _Fault("drop", times))

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._cond:
            self._faults.setdefault(method, []).append(fault)
            self._cond.notify_all()

    # ------------------------------------------------------------ observing the bot
    def calls(self, method: str | None = None) -> list[Call]:
        """Every request so far (optionally of one method), in arrival order, parameters decoded."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, predicate: Callable[[dict], bool] | None = None, timeout: float = 5.0) -> Call:
        """Block until a matching call not consumed by an earlier wait exists; consume and return it."""
        _refuse_in_event_loop("wait_for")
        with self._cond:
            self._cond.wait_for(lambda: self._find_call(method, predicate) is not None, timeout=timeout)
            found = self._find_call(method, predicate)
            if found is None:
                raise AssertionError(f"no {method} call within {timeout}s; calls so far:\n{self._listing()}")
            self._consumed.add(found)
            return self._calls[found]

    def expect(self, method: str, timeout: float = 5.0, **match: Any) -> Call:
        """``wait_for`` a call whose parameters equal ``match`` (a callable value acts as a predicate)."""
        return self.wait_for(method, _matcher(match), timeout)

    def assert_no_call(self, method: str, within: float = 0.3, **match: Any) -> None:
        """Fail if an unconsumed matching call exists now or arrives within ``within`` seconds."""
        _refuse_in_event_loop("assert_no_call")
        with self._cond:
            self._cond.wait_for(lambda: self._find_call(method, _matcher(match)) is not None, timeout=within)
            found = self._find_call(method, _matcher(match))
            if found is not None:
                raise AssertionError(f"unexpected {method} call: {self._calls[found].params}\n{self._listing()}")

    def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Block until a long-polling getUpdates request is waiting on the server."""
        _refuse_in_event_loop("wait_until_polling")
        with self._cond:
            if not self._cond.wait_for(lambda: self._active_polls > 0, timeout=timeout):
                raise AssertionError(f"no long poll within {timeout}s; calls so far:\n{self._listing()}")

    def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until ``condition()`` (re-checked on every emulator event) holds."""
        _refuse_in_event_loop("wait_until")
        with self._cond:
            if not self._cond.wait_for(condition, timeout=timeout):
                raise AssertionError(f"condition not met within {timeout}s; calls so far:\n{self._listing()}")

    async def async_wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """``wait_until`` for async tests."""
        await asyncio.to_thread(self.wait_until, condition, timeout)

    async def async_wait_for(
        self, method: str, predicate: Callable[[dict], bool] | None = None, timeout: float = 5.0
    ) -> Call:
        """``wait_for`` for async tests: waits in a worker thread so the bot's event loop keeps running."""
        return await asyncio.to_thread(self.wait_for, method, predicate, timeout)

    async def async_expect(self, method: str, timeout: float = 5.0, **match: Any) -> Call:
        """``expect`` for async tests."""
        return await asyncio.to_thread(self.wait_for, method, _matcher(match), timeout)

    async def async_assert_no_call(self, method: str, within: float = 0.3, **match: Any) -> None:
        """``assert_no_call`` for async tests."""
        await asyncio.to_thread(lambda: self.assert_no_call(method, within, **match))

    async def async_wait_until_polling(self, timeout: float = 5.0) -> None:
        """``wait_until_polling`` for async tests."""
        await asyncio.to_thread(self.wait_until_polling, timeout)

    def _find_call(self, method: str, predicate: Callable[[dict], bool] | None) -> int | None:
        for index, call in enumerate(self._calls):
            if index not in self._consumed and call.method == method and (predicate is None or predicate(call.params)):
                return index
        return None

    def _listing(self) -> str:
        lines = [f"  #{i} {c.method} {str(c.params)[:200]}" for i, c in enumerate(self._calls)]
        return "\n".join(lines[-40:]) or "  (none)"

    def sent_messages(self, chat_id: int) -> list[dict]:
        """The bot's messages still in the chat, in their current state (latest text after edits)."""
        return [m for m in self.chat_messages(chat_id) if m["from"]["id"] == self.bot_user["id"]]

    def chat_messages(self, chat_id: int) -> list[dict]:
        """Every message still in the chat (users', other bots' and ours), oldest first."""
        with self._cond:
            chat = self._chats.get(chat_id)
            return copy.deepcopy(list(chat.messages.values())) if chat else []

    def acknowledged_update_ids(self) -> list[int]:
        """Update ids confirmed by a getUpdates offset or a successful webhook delivery."""
        with self._cond:
            return list(self._acked)

    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed."""
        with self._cond:
            return copy.deepcopy(self._pending)

    def webhook_deliveries(self) -> list[dict]:
        """Each webhook POST attempt: update_id, status (None if no HTTP answer), error."""
        with self._cond:
            return copy.deepcopy(self._deliveries)

    def file_bytes(self, file_id: str) -> bytes:
        """The exact bytes uploaded for ``file_id``."""
        with self._cond:
            return self._files[file_id].data

    # ------------------------------------------------------------ acting as Telegram users
    def add_bot_to_group(
        self,
        chat_id: int,
        title: str = "Test group",
        privacy: bool = True,
        admin_ids: list[int] | tuple[int, ...] = (),
        bot_is_admin: bool = False,
        chat_type: str | None = None,
    ) -> dict:
        """Create a group (supergroup if the id starts with -100) with the bot in it; returns the Chat."""
        with self._cond:
            kind = chat_type or ("supergroup" if str(chat_id).startswith("-100") else "group")
            chat = _Chat(chat_id, kind, title, privacy=privacy, admin_ids=list(admin_ids), bot_is_admin=bot_is_admin)
            self._chats[chat_id] = chat
            return chat.as_dict()

    def user_sends(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to_message_id: int | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> dict | None:
        """A user posts ``text``; returns the delivered Message, or None if Telegram would not deliver it."""
        with self._cond:
            user_id = user_id if user_id is not None else (chat_id if chat_id > 0 else DEFAULT_USER_ID)
            user = self._user(user_id, username, first_name)
            chat = self._chat_for_user(chat_id, user, chat_type)
            if chat.type == "private":
                self._blocked.discard(user_id)  # writing to the bot again unblocks it
            message = self._store(chat, {"from": user, "text": text})
            if entities := command_entities(text):
                message["entities"] = entities
            if reply_to_message_id is not None:
                message["reply_to_message"] = self._reply_copy(chat.messages[reply_to_message_id])
            return self._deliver_message("message", chat, message)

    def user_edits(self, chat_id: int, message_id: int, new_text: str) -> dict | None:
        """A user edits their message; returns the edited Message if delivered (``edited_message`` update)."""
        with self._cond:
            chat = self._chats[chat_id]
            message = chat.messages[message_id]
            message.update(text=new_text, edit_date=int(time.time()))
            message.pop("entities", None)
            if entities := command_entities(new_text):
                message["entities"] = entities
            return self._deliver_message("edited_message", chat, message)

    def other_bot_speaks(self, chat_id: int, text: str = "beep", username: str = "other_bot") -> dict:
        """Another bot posts in a group: afterwards plain ``/cmd`` is no longer ours under privacy mode."""
        with self._cond:
            chat = self._chats[chat_id]
            other = {"id": 999_000_001, "is_bot": True, "first_name": "Other", "username": username}
            chat.other_bot_spoke_last = True
            return copy.deepcopy(self._store(chat, {"from": other, "text": text}))

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        user_id: int | None = None,
        must_exist: bool = True,
    ) -> str:
        """A user taps an inline button of the bot's message; returns the callback query id.

        With ``must_exist=False`` the data need not be on the message's current keyboard: a stale
        keyboard still shown by a client, or data forged by a modified client.
        """
        with self._cond:
            message = self._chats[chat_id].messages[message_id]
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if must_exist and not any(b.get("callback_data") == callback_data for row in rows for b in row):
                raise ValueError(f"message {message_id} has no button with data {callback_data!r}: {rows}")
            query_id = self._new_query()
            user = self._user(user_id if user_id is not None else (chat_id if chat_id > 0 else DEFAULT_USER_ID))
            query = {
                "id": query_id,
                "from": user,
                "message": copy.deepcopy(message),
                "chat_instance": str(abs(hash(chat_id))),
                "data": callback_data,
            }
            self._enqueue({"callback_query": query})
            return query_id

    def inline_query(self, query: str, user_id: int = DEFAULT_USER_ID, offset: str = "") -> str:
        """A user types ``@bot query``; returns the inline query id."""
        with self._cond:
            query_id = self._new_query()
            payload = {
                "id": query_id,
                "from": self._user(user_id),
                "query": query,
                "offset": offset,
                "chat_type": "sender",
            }
            self._enqueue({"inline_query": payload})
            return query_id

    def block_user(self, user_id: int) -> None:
        """The user blocks the bot: sends to them fail with 403; a my_chat_member update is emitted."""
        with self._cond:
            self._blocked.add(user_id)
            chat = self._chats.get(user_id)
            if chat is not None:
                bot = copy.deepcopy(self.bot_user)
                self._enqueue(
                    {
                        "my_chat_member": {
                            "chat": chat.as_dict(),
                            "from": self._user(user_id),
                            "date": int(time.time()),
                            "old_chat_member": {"status": "member", "user": bot},
                            "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
                        }
                    }
                )

    def unblock_user(self, user_id: int) -> None:
        """Undo ``block_user``."""
        with self._cond:
            self._blocked.discard(user_id)

    def migrate_group(self, old_id: int, new_id: int) -> dict:
        """Upgrade a group to a supergroup: the old id answers 400 with migrate_to_chat_id; returns new Chat."""
        with self._cond:
            old = self._chats[old_id]
            new = _Chat(
                new_id,
                "supergroup",
                old.title,
                privacy=old.privacy,
                admin_ids=list(old.admin_ids),
                bot_is_admin=old.bot_is_admin,
            )
            self._chats[new_id], old.migrated_to = new, new_id
            actor = self._user(old.admin_ids[0] if old.admin_ids else DEFAULT_USER_ID)
            self._enqueue({"message": self._store(old, {"from": actor, "migrate_to_chat_id": new_id})})
            self._enqueue({"message": self._store(new, {"from": actor, "migrate_from_chat_id": old_id})})
            return new.as_dict()

    def _user(self, user_id: int, username: str | None = None, first_name: str | None = None) -> dict:
        user = self._users.setdefault(
            user_id,
            {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User {user_id}",
                "username": f"user{user_id}",
                "language_code": "en",
            },
        )
        user.update({k: v for k, v in (("username", username), ("first_name", first_name)) if v})
        return copy.deepcopy(user)

    def _chat_for_user(self, chat_id: int, user: dict, chat_type: str | None) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None and (chat_type == "private" or (chat_type is None and chat_id > 0)):
            if chat_id != user["id"]:
                raise ValueError("in a private chat the chat id is the user id")
            chat = self._chats[chat_id] = _Chat(chat_id, "private", user=user)
        elif chat is None:
            self.add_bot_to_group(chat_id, chat_type=chat_type)
            chat = self._chats[chat_id]
        return chat

    def _store(self, chat: _Chat, content: dict) -> dict:
        message = {"message_id": chat.next_id, "date": int(time.time()), "chat": chat.as_dict(), **content}
        chat.messages[chat.next_id] = message
        chat.next_id += 1
        return message

    @staticmethod
    def _reply_copy(message: dict) -> dict:
        return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}

    def _bot_sees(self, chat: _Chat, message: dict) -> bool:
        """Telegram's privacy mode for groups; private chats always deliver."""
        if chat.type == "private" or not chat.privacy or chat.bot_is_admin:
            return True
        if message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_user["id"]:
            return True
        for match in _COMMAND_RE.finditer(message.get("text", "")):
            mention = match.group(2)
            if (mention or "").lower() == self.bot_user["username"].lower():
                return True
            if mention is None and not chat.other_bot_spoke_last:
                return True
        return False

    def _deliver_message(self, kind: str, chat: _Chat, message: dict) -> dict | None:
        if not self._bot_sees(chat, message) or not self._enqueue({kind: copy.deepcopy(message)}):
            return None
        return copy.deepcopy(message)

    def _enqueue(self, payload: dict) -> bool:
        kind = next(iter(payload))
        allowed = self._allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in DEFAULT_UPDATE_TYPES_EXCLUDED):
            return False
        self._pending.append({"update_id": next(self._update_ids), **payload})
        self._cond.notify_all()
        return True

    def _new_query(self) -> str:
        query_id = str(next(self._query_ids))
        self._queries[query_id] = {"created": time.monotonic(), "answered": False}
        return query_id

    # ------------------------------------------------------------ Bot API: updates and webhooks
    def _api_getMe(self, params: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_getUpdates(self, params: dict) -> Any:
        if self._webhook["url"]:
            raise ApiError(CONFLICT_WEBHOOK, 409)
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # terminates an older pending getUpdates with 409
        offset, limit = params.get("offset"), params.get("limit") or 100
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        if offset is not None:
            self._confirm(offset)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        self._active_polls += 1
        try:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(CONFLICT_POLLING, 409)
                queue = self._faults.get("getUpdates")
                if queue and queue[0].kind == "drop":
                    return self._apply_fault("getUpdates")
                remaining = deadline - time.monotonic()
                if self._pending or remaining <= 0 or self._closing:
                    return copy.deepcopy(self._pending[:limit])
                self._cond.wait(remaining)
        finally:
            self._active_polls -= 1

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            offset = self._pending[offset]["update_id"] if -offset <= len(self._pending) else 0
        self._acked += [u["update_id"] for u in self._pending if u["update_id"] < offset]
        self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _api_setWebhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        self._webhook = {"url": params.get("url") or "", "secret": params.get("secret_token"), "last_error": None}
        self._cond.notify_all()
        return True

    def _api_deleteWebhook(self, params: dict) -> bool:
        return self._api_setWebhook({"drop_pending_updates": params.get("drop_pending_updates")})

    def _api_getWebhookInfo(self, params: dict) -> dict:
        info = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook["url"]:
            info.update(max_connections=40, allowed_updates=self._allowed_updates or None)
        if self._webhook["last_error"]:
            info["last_error_date"], info["last_error_message"] = self._webhook["last_error"]
        return {k: v for k, v in info.items() if v is not None}

    def _webhook_loop(self) -> None:
        while True:
            with self._cond:
                while not self._closing and (job := self._webhook_job()) is None:
                    wait = self._webhook_retry_at - time.monotonic() if self._webhook_retry_at else None
                    self._cond.wait(None if wait is None else max(wait, 0.001))
                if self._closing:
                    return
            status, error = _post_json(*job)
            with self._cond:
                self._webhook_result(job[2], status, error)

    def _webhook_job(self) -> tuple[str, str | None, dict] | None:
        if not self._webhook["url"] or not self._pending or time.monotonic() < self._webhook_retry_at:
            return None
        return self._webhook["url"], self._webhook["secret"], copy.deepcopy(self._pending[0])

    def _webhook_result(self, update: dict, status: int | None, error: str | None) -> None:
        update_id = update["update_id"]
        self._deliveries.append({"update_id": update_id, "status": status, "error": error})
        still_pending = [u for u in self._pending if u["update_id"] != update_id]
        if error is None:
            self._pending, self._webhook_retry_at = still_pending, 0.0
            self._acked.append(update_id)
        else:
            self._webhook["last_error"] = (int(time.time()), error)
            attempts = self._delivery_failures[update_id] = self._delivery_failures.get(update_id, 0) + 1
            if attempts >= self.webhook_attempts:
                self._pending, self._webhook_retry_at = still_pending, 0.0
            else:
                self._webhook_retry_at = time.monotonic() + self.webhook_backoff * 2 ** (attempts - 1)
        self._cond.notify_all()

    # ------------------------------------------------------------ Bot API: sending
    def _target(self, params: dict) -> _Chat:
        raw = params.get("chat_id")
        chat_id = int(raw) if isinstance(raw, int) or re.fullmatch(r"-?\d+", str(raw)) else raw
        chat = self._chats.get(chat_id)  # type: ignore[arg-type]
        if chat is None:
            if isinstance(chat_id, int) and chat_id > 0:
                raise ApiError("Forbidden: bot can't initiate conversation with a user", 403)
            raise ApiError("Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                "Bad Request: group chat was upgraded to a supergroup chat",
                400,
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private" and chat.id in self._blocked:
            raise ApiError("Forbidden: bot was blocked by the user", 403)
        return chat

    def _formatted(self, params: dict, key: str, limit: int, too_long: str) -> tuple[str, list[dict]]:
        raw, mode = params.get(key) or "", (params.get("parse_mode") or "").lower()
        if mode == "html":
            text, entities = parse_html(raw, self.strict_ampersand)
        elif mode == "markdownv2":
            text, entities = check_markdown_v2(raw)
        else:
            text, entities = raw, list(params.get("entities" if key == "text" else "caption_entities") or [])
        text, entities = _strip(text, entities)
        if len(text) > limit:
            raise ApiError(too_long)
        return text, entities

    @staticmethod
    def _markup(params: dict) -> dict | None:
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        for button in (b for row in rows or [] for b in row):
            data = button.get("callback_data")
            if "callback_data" in button and (not isinstance(data, str) or not 1 <= len(data.encode()) <= 64):
                raise ApiError("Bad Request: BUTTON_DATA_INVALID")
            if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                raise ApiError("Bad Request: BUTTON_URL_INVALID")
        return {"inline_keyboard": rows} if rows else None  # only inline keyboards are echoed

    def _send(self, params: dict, content: dict) -> dict:
        chat = self._target(params)
        markup = self._markup(params)
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id", params.get("reply_to_message_id"))
        if reply_id is not None and reply_id not in chat.messages:
            if not reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply")):
                raise ApiError("Bad Request: message to be replied not found")
            reply_id = None
        if reply_id is not None:
            content["reply_to_message"] = self._reply_copy(chat.messages[reply_id])
        if markup:
            content["reply_markup"] = markup
        chat.other_bot_spoke_last = False
        return copy.deepcopy(self._store(chat, {"from": copy.deepcopy(self.bot_user), **content}))

    def _api_sendMessage(self, params: dict) -> dict:
        text, entities = self._formatted(params, "text", TEXT_LIMIT, "Bad Request: message is too long")
        if not text:
            raise ApiError("Bad Request: message text is empty")
        return self._send(params, {"text": text, **({"entities": entities} if entities else {})})

    def _caption(self, params: dict) -> dict:
        caption, entities = self._formatted(
            params, "caption", CAPTION_LIMIT, "Bad Request: message caption is too long"
        )
        return {k: v for k, v in (("caption", caption), ("caption_entities", entities)) if v}

    def _api_sendPhoto(self, params: dict) -> dict:
        self._target(params)
        caption = self._caption(params)
        stored = self._input_file(params.get("photo"), "photo")
        return self._send(params, {"photo": copy.deepcopy(stored.sizes), **caption})

    def _api_sendDocument(self, params: dict) -> dict:
        self._target(params)
        caption = self._caption(params)
        stored = self._input_file(params.get("document"), "document")
        document = {
            "file_name": stored.name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
            **self._file_ids(stored),
        }
        return self._send(params, {"document": document, **caption})

    def _input_file(self, value: Any, kind: str) -> _StoredFile:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            raise ApiError("Bad Request: failed to get HTTP URL content")
        if isinstance(value, str):
            stored = self._files.get(value)
            if stored is None:
                raise ApiError("Bad Request: wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise ApiError(f"Bad Request: can't use file of type {stored.kind.title()} as {kind.title()}")
            return stored
        if not isinstance(value, UploadedFile):
            raise ApiError(f"Bad Request: there is no {kind} in the request")
        stored = _StoredFile(kind, value.data, "AQAD" + uuid.uuid4().hex[:12], "", value.filename, value.content_type)
        if kind == "photo":
            size = image_size(value.data)
            if size is None:
                raise ApiError("Bad Request: IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) / min(width, height) > 20:
                raise ApiError("Bad Request: PHOTO_INVALID_DIMENSIONS")
            stored.sizes = self._photo_sizes(stored, width, height)
        else:
            file_id = f"BQACAgIAAxkBAAI{uuid.uuid4().hex}"
            self._files[file_id], stored.path = stored, f"documents/file_{len(self._files)}_{value.filename}"
        return stored

    def _photo_sizes(self, stored: _StoredFile, width: int, height: int) -> list[dict]:
        sizes: list[dict] = []
        for limit in (90, 320, 800, 1280):
            scale = min(1.0, limit / max(width, height))
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            if not sizes or (w, h) != (sizes[-1]["width"], sizes[-1]["height"]):
                file_id = f"AgACAgIAAxkBAAI{uuid.uuid4().hex}"
                self._files[file_id] = stored
                sizes.append(
                    {
                        "file_id": file_id,
                        "file_unique_id": f"{stored.unique_id}{len(sizes)}",
                        "file_size": max(1, round(len(stored.data) * scale * scale)),
                        "width": w,
                        "height": h,
                    }
                )
            if scale == 1.0:
                break
        extension = "png" if stored.data.startswith(b"\x89PNG") else "jpg"
        stored.path = f"photos/file_{len(self._files)}.{extension}"
        return sizes

    def _file_ids(self, stored: _StoredFile) -> dict:
        file_id = next(k for k, v in self._files.items() if v is stored)
        return {"file_id": file_id, "file_unique_id": stored.unique_id}

    def _api_sendChatAction(self, params: dict) -> bool:
        self._target(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError("Bad Request: wrong parameter action in request")
        return True

    def _api_getFile(self, params: dict) -> dict:
        stored = self._files.get(params.get("file_id", ""))
        if stored is None:
            raise ApiError("Bad Request: invalid file_id")
        return {
            "file_id": params["file_id"],
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    # ------------------------------------------------------------ Bot API: editing
    def _own_message(self, params: dict, verb: str) -> dict:
        if params.get("inline_message_id"):
            raise ApiError("Bad Request: MESSAGE_ID_INVALID")
        message = self._target(params).messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if message is None:
            raise ApiError(f"Bad Request: message to {verb} not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(f"Bad Request: message can't be {verb}ed")
        return message

    def _api_editMessageText(self, params: dict) -> dict:
        message = self._own_message(params, "edit")
        if "text" not in message:
            raise ApiError("Bad Request: there is no text in the message to edit")
        text, entities = self._formatted(params, "text", TEXT_LIMIT, "Bad Request: MESSAGE_TOO_LONG")
        if not text:
            raise ApiError("Bad Request: message text is empty")
        return self._apply_edit(
            message, {"text": text, "entities": entities or None, "reply_markup": self._markup(params)}
        )

    def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        return self._apply_edit(self._own_message(params, "edit"), {"reply_markup": self._markup(params)})

    def _apply_edit(self, message: dict, changes: dict) -> dict:
        if all(message.get(k) == v for k, v in changes.items()):
            raise ApiError(NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _api_deleteMessage(self, params: dict) -> bool:
        chat = self._target(params)
        message = chat.messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if message is None:
            raise ApiError("Bad Request: message to delete not found")
        mine = message["from"]["id"] == self.bot_user["id"]
        if not (mine or chat.type == "private" or chat.bot_is_admin):
            raise ApiError("Bad Request: message can't be deleted")
        del chat.messages[message["message_id"]]
        return True

    # ------------------------------------------------------------ Bot API: queries
    def _take_query(self, query_id: str | None) -> None:
        query = self._queries.get(query_id or "")
        if query is None or query["answered"] or time.monotonic() - query["created"] > self.callback_query_timeout:
            raise ApiError(QUERY_TOO_OLD)
        query["answered"] = True

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        if len(params.get("text") or "") > CALLBACK_TEXT_LIMIT:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self._take_query(params.get("callback_query_id"))
        return True

    def _api_answerInlineQuery(self, params: dict) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError("Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError("Bad Request: RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise ApiError("Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            self._markup(result)
        self._take_query(params.get("inline_query_id"))
        return True

    # ------------------------------------------------------------ Bot API: commands, members, session
    @staticmethod
    def _scope_key(params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def _api_setMyCommands(self, params: dict) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise ApiError("Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError("Bad Request: command description must be non-empty")
        self._commands[self._scope_key(params)] = commands
        return True

    def _api_getMyCommands(self, params: dict) -> list:
        return copy.deepcopy(self._commands.get(self._scope_key(params), []))

    def _api_deleteMyCommands(self, params: dict) -> bool:
        self._commands.pop(self._scope_key(params), None)
        return True

    def _member(self, chat: _Chat, user_id: int) -> dict:
        if user_id == self.bot_user["id"]:
            user, status = copy.deepcopy(self.bot_user), "administrator" if chat.bot_is_admin else "member"
        else:
            user = self._user(user_id)
            is_member = user_id in chat.admin_ids or any(m["from"]["id"] == user_id for m in chat.messages.values())
            status = (
                "creator"
                if chat.admin_ids[:1] == [user_id]
                else "administrator"
                if user_id in chat.admin_ids
                else "member"
                if is_member
                else "left"
            )
        member: dict[str, Any] = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            rights = "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members can_change_info can_invite_users can_post_stories can_edit_stories can_delete_stories can_pin_messages"
            member.update(
                {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False},
                **dict.fromkeys(rights.split(), True),
            )
        return member

    def _api_getChatMember(self, params: dict) -> dict:
        return self._member(self._target(params), int(params["user_id"]))

    def _api_getChatAdministrators(self, params: dict) -> list:
        chat = self._target(params)
        if chat.type == "private":
            raise ApiError("Bad Request: there are no administrators in the private chat")
        ids = chat.admin_ids + ([self.bot_user["id"]] if chat.bot_is_admin else [])
        return [self._member(chat, user_id) for user_id in ids]

    def _api_logOut(self, params: dict) -> bool:
        return True

    def _api_close(self, params: dict) -> bool:
        return True


# ---------------------------------------------------------------- helpers
def _matcher(match: dict[str, Any]) -> Callable[[dict], bool]:
    def predicate(params: dict) -> bool:
        return all(v(params.get(k)) if callable(v) else params.get(k) == v for k, v in match.items())

    return predicate


def _refuse_in_event_loop(name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"{name}() would block the event loop the bot runs in; use `await emu.async_{name}(...)`")


def _post_json(url: str, secret: str | None, update: dict) -> tuple[int | None, str | None]:
    """POST one update to the webhook; (HTTP status or None, Telegram-style error or None)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http":
        return None, "SSL error: the emulator delivers to http:// webhooks only"
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=5)
    try:
        connection.request("POST", parts.path or "/", json.dumps(update).encode(), headers)
        response = connection.getresponse()
        response.read()
    except ConnectionRefusedError:
        return None, "Connection refused"
    except TimeoutError:
        return None, "Read timeout expired"
    except OSError as exc:
        return None, f"Connection error: {exc}"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, None
    return response.status, f"Wrong response from the webhook: {response.status} {response.reason}"
