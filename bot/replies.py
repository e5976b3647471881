"""One message per command: send the answer once, edit it when the command is edited.

Telegram allows a bot about 20 messages a minute in a group, and members correct typos by editing
their command. :func:`answer` replies to a new command (quoting it in groups) and remembers which
message answered it; an edited command edits that answer instead of posting a second one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

if TYPE_CHECKING:
    from bot.context import Context

__all__ = ["AnswerIndex", "answer", "is_not_modified"]


class AnswerIndex:
    """(chat id, command message id) → the id of our answer; the oldest entries are forgotten.

    An answer still being sent is a pending future, so an edit that arrives meanwhile waits for
    the id instead of posting a second answer (updates are handled concurrently).

    >>> index = AnswerIndex(max_entries=2)
    >>> index.put(1, 10, 11); index.put(1, 12, 13); index.put(1, 14, 15)
    >>> index.get(1, 10), index.get(1, 14)
    (None, 15)
    """

    def __init__(self, max_entries: int = 20_000) -> None:
        """Keep at most ``max_entries`` pairs (a command older than that gets a new answer)."""
        self.max_entries = max_entries
        self._map: OrderedDict[tuple[int, int], int | asyncio.Future[int | None]] = OrderedDict()
        self._applied: OrderedDict[tuple[int, int], int] = OrderedDict()  # newest edit shown, by update id
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    def get(self, chat_id: int, message_id: int) -> int | None:
        """Our answer to that command, if sent and remembered."""
        value = self._map.get((chat_id, message_id))
        return value if isinstance(value, int) else None

    def begin(self, chat_id: int, message_id: int) -> None:
        """Mark an answer to that command as being sent."""
        if (chat_id, message_id) not in self._map:
            self._store((chat_id, message_id), asyncio.get_running_loop().create_future())

    async def wait(self, chat_id: int, message_id: int, timeout: float = 10.0) -> int | None:
        """Our answer to that command, waiting for one being sent (None: none, or it failed)."""
        value = self._map.get((chat_id, message_id))
        if isinstance(value, asyncio.Future):
            try:
                return await asyncio.wait_for(asyncio.shield(value), timeout)
            except TimeoutError:
                return None
        return value

    def put(self, chat_id: int, message_id: int, answer_id: int | None) -> None:
        """Remember our answer to a command (None: sending it failed)."""
        key = (chat_id, message_id)
        pending = self._map.pop(key, None)
        if isinstance(pending, asyncio.Future) and not pending.done():
            pending.set_result(answer_id)
        if answer_id is not None:
            self._store(key, answer_id)

    def _store(self, key: tuple[int, int], value: int | asyncio.Future[int | None]) -> None:
        self._map[key] = value
        self._map.move_to_end(key)
        while len(self._map) > self.max_entries:
            _, dropped = self._map.popitem(last=False)
            if isinstance(dropped, asyncio.Future) and not dropped.done():
                dropped.set_result(None)

    def __len__(self) -> int:
        """Pairs remembered."""
        return len(self._map)

    @contextlib.asynccontextmanager
    async def editing(self, chat_id: int, message_id: int, update_id: int) -> AsyncIterator[bool]:
        """One edit of one answer at a time, newest last: yields False when a later edit was already shown.

        Updates are handled concurrently, so the edits of one command could reach Telegram out of order
        (issue 11: the ``/liq`` card stayed after the edit to ``/pnl``). Edits of the same answer wait for
        each other, and one older than the last applied (Telegram numbers updates in order) is skipped.
        """
        key = (chat_id, message_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            newest = self._applied.get(key, -1)
            if update_id > newest:
                self._applied[key] = update_id
                while len(self._applied) > self.max_entries:
                    self._applied.popitem(last=False)
            yield update_id > newest
        if not lock.locked() and self._locks.get(key) is lock:
            del self._locks[key]


def is_not_modified(error: BaseException) -> bool:
    """Telegram's "message is not modified" (a double tap, or an edit that changes nothing)."""
    return isinstance(error, BadRequest) and "not modified" in error.message.lower()


async def answer(
    update: Update,
    context: Context,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    **kwargs: Any,
) -> Message | None:
    """Answer the update's message: edit our earlier answer if the command was edited, else reply.

    Returns the message sent or edited, or None when Telegram said nothing changed.
    """
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return None
    index = context.bot_data.answers
    if update.edited_message is not None:
        previous = await index.wait(chat.id, message.message_id)
        if previous is not None:
            async with index.editing(chat.id, message.message_id, update.update_id) as newest:
                if not newest:
                    return None  # a later edit of the command is already on the answer: it wins
                try:
                    edited = await context.bot.edit_message_text(
                        text, chat_id=chat.id, message_id=previous, reply_markup=reply_markup, **kwargs
                    )
                except BadRequest as exc:
                    if is_not_modified(exc):
                        return None
                    if "not found" not in exc.message.lower():
                        raise
                else:
                    return edited if isinstance(edited, Message) else None
    index.begin(chat.id, message.message_id)
    sent: Message | None = None
    try:
        sent = await message.reply_text(text, reply_markup=reply_markup, **kwargs)
    finally:
        index.put(chat.id, message.message_id, sent.message_id if sent is not None else None)
    return sent
