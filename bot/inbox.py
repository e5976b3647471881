"""Updates taken from Telegram but not yet answered, kept on disk: a crash loses no command.

Telegram forgets an update once the bot confirms it: with long polling, by asking for the next
ones (PTB does so as soon as a batch is queued, before any handler ran); with a webhook, by
answering 200 (PTB does so once the update is queued). A ``kill -9``, an out-of-memory kill or a
power cut between that moment and the answer would lose the command.

:class:`Inbox` is the application's update queue. Putting an update in writes it to an SQLite
journal first (committed, WAL mode), so it is on disk before Telegram is told it was received;
:class:`InboxProcessor` deletes it once its handlers have finished. On the next start
:meth:`Inbox.replay` queues whatever is still in the journal. Delivery is at least once: an update
is answered twice only if the process dies in the microseconds between an answer reaching Telegram
and its journal row being deleted.

``synchronous=NORMAL``: a commit survives the process being killed (the OS has the write), not a
power cut (the settings store, which users are told is saved, uses ``FULL``).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from telegram import Bot, Update
from telegram.ext import SimpleUpdateProcessor

from bot.memory import trim
from bot.store import StoreConfigError

__all__ = ["ANSWERING_METHODS", "Inbox", "InboxProcessor", "answer_accepted"]

_logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 24 * 3600  # Telegram keeps an unconfirmed update for 24 hours; so do we
TRIM_EVERY = 500  # updates between two malloc_trim calls (about a millisecond each)
MAX_ATTEMPTS = 3  # an update replayed this often without an answer is dropped (it may be what kills us)


class Inbox(asyncio.Queue):  # type: ignore[type-arg]
    """The update queue, journaled: ``put`` writes the update to disk before queueing it."""

    def __init__(self, path: str | Path, *, backlog: int = 0) -> None:
        """Open (or create) the journal at ``path``; hold at most ``backlog`` updates in memory (0: no bound).

        With a bound, fetching from Telegram pauses while that many wait (PTB awaits ``put``), so a flood
        of updates stays with Telegram instead of in this process's memory; what Telegram holds is not
        confirmed, so nothing is lost. Replayed updates are queued whatever the bound.

        Raises:
            StoreConfigError: the file cannot be opened or written (the message says what to set).
        """
        super().__init__(maxsize=backlog)
        self._replaying = False
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS inbox (update_id INTEGER PRIMARY KEY, received REAL NOT NULL,"
                " attempts INTEGER NOT NULL DEFAULT 0, data TEXT)"
            )
            # answered updates, remembered for Telegram's 24 hours: one Telegram delivers again (the process
            # died before confirming it) is not answered twice
            self._db.execute("CREATE TABLE IF NOT EXISTS answered (update_id INTEGER PRIMARY KEY, at REAL NOT NULL)")
            self._db.execute("DELETE FROM answered WHERE at < ?", (time.time() - MAX_AGE_SECONDS,))
        except (OSError, sqlite3.Error) as exc:
            raise StoreConfigError(
                f"cannot open the update journal {str(self.path)!r} ({exc}); "
                "set LIQCALC_INBOX to a writable file path, or to off"
            ) from None
        self._kept: set[int] = {row[0] for row in self._db.execute("SELECT update_id FROM inbox")}
        self._answered: set[int] = {row[0] for row in self._db.execute("SELECT update_id FROM answered")}
        self._replayed: set[int] = set()  # Telegram may deliver these again; never handle them twice
        self._unanswered: set[int] = set()  # handled, but Telegram never took the answer: kept for a restart

    def put_nowait(self, item: Any) -> None:
        """Journal an update (once per id), then queue it; anything else (PTB's stop signal) is queued as is."""
        if isinstance(item, Update):
            if item.update_id in self._kept or item.update_id in self._replayed:
                _logger.info("update %s is already being handled; not queued again", item.update_id)
                return
            if item.update_id in self._answered:
                _logger.info("update %s was answered before the last stop; Telegram sent it again", item.update_id)
                return
            self._db.execute(
                "INSERT INTO inbox (update_id, received, data) VALUES (?, ?, ?)",
                (item.update_id, time.time(), item.to_json()),
            )
            self._kept.add(item.update_id)
        super().put_nowait(item)

    def unanswered(self, update: object) -> None:
        """Telegram never accepted this update's answer (flood control outlasted the wait): keep it.

        It stays in the journal, and the next start answers it (within the 24 hours and the attempts).
        """
        if isinstance(update, Update):
            self._unanswered.add(update.update_id)

    def handled(self, update: object) -> None:
        """The update's handlers have finished: forget it, unless its answer never got through."""
        if isinstance(update, Update) and update.update_id in self._kept:
            if update.update_id in self._unanswered:
                self._unanswered.discard(update.update_id)
                return
            self._done(update.update_id)

    def forget(self, update_id: int) -> None:
        """Its answer reached Telegram: delete the journal row now (``handled`` later finds nothing to do)."""
        if update_id in self._kept and update_id not in self._unanswered:
            self._done(update_id)

    def _done(self, update_id: int) -> None:
        """Out of the journal, into the answered list (one transaction)."""
        self._kept.discard(update_id)
        self._answered.add(update_id)
        if len(self._answered) % 10_000 == 0:  # forget what Telegram itself no longer re-delivers (24 h)
            self._db.execute("DELETE FROM answered WHERE at < ?", (time.time() - MAX_AGE_SECONDS,))
            self._answered = {row[0] for row in self._db.execute("SELECT update_id FROM answered")}
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
            self._db.execute("INSERT OR REPLACE INTO answered (update_id, at) VALUES (?, ?)", (update_id, time.time()))

    def full(self) -> bool:
        """Full for new updates only: a replay at start queues every journaled update."""
        return not self._replaying and super().full()

    def replay(self, bot: Bot) -> int:
        """Queue the updates a previous process took but did not answer; how many.

        Dropped with a warning instead: updates older than Telegram's own 24 hours (a day-old
        command would confuse), and updates already replayed ``MAX_ATTEMPTS`` times without an
        answer (one that crashes the process must not crash every restart).
        """
        dropped = self._db.execute(
            "DELETE FROM inbox WHERE received < ? OR attempts >= ?", (time.time() - MAX_AGE_SECONDS, MAX_ATTEMPTS)
        ).rowcount
        if dropped:
            _logger.warning(
                "dropped %d unanswered updates (older than 24 hours or replayed %d times)", dropped, MAX_ATTEMPTS
            )
        self._db.execute("UPDATE inbox SET attempts = attempts + 1")
        rows = self._db.execute("SELECT update_id, data FROM inbox ORDER BY update_id").fetchall()
        self._replaying = True
        try:
            for update_id, data in rows:
                update = Update.de_json(json.loads(data), bot)
                self._replayed.add(update_id)
                super().put_nowait(update)
        finally:
            self._replaying = False
        self._kept = {update_id for update_id, _ in rows}
        if rows:
            _logger.warning("answering %d updates taken before the last stop but not answered", len(rows))
        return len(rows)

    def pending_ids(self) -> list[int]:
        """Ids in the journal (taken, not yet handled), oldest first."""
        return [row[0] for row in self._db.execute("SELECT update_id FROM inbox ORDER BY update_id")]

    def close(self) -> None:
        """Close the journal (what is in it stays for the next start)."""
        self._db.close()


# The update whose handlers run in this task (set by InboxProcessor, read by the HTTP layer).
_HANDLING: contextvars.ContextVar[tuple[Inbox, int] | None] = contextvars.ContextVar("liqcalc_handling", default=None)
# Bot API methods that deliver an answer to the user: once Telegram accepts one, the update is answered.
ANSWERING_METHODS = frozenset(
    {"sendmessage", "editmessagetext", "sendphoto", "answerinlinequery", "answercallbackquery", "editmessagecaption"}
)


def answer_accepted(method: str) -> None:
    """Telegram accepted ``method`` for the update handled in this task: forget the update at once.

    Called by the HTTP layer right after Telegram's 200, not when the handler returns: that narrows
    the window in which a ``kill -9`` leaves an answered update in the journal (a duplicate after the
    restart) from "until the handler finishes, under load tens of milliseconds" to the time between
    the response arriving and this call. Later sends of the same update (a chart after its card) are
    then not replayed if the process dies in between: at most once for them, never twice.
    """
    if method.lower() not in ANSWERING_METHODS:
        return
    current = _HANDLING.get()
    if current is not None:
        inbox, update_id = current
        inbox.forget(update_id)


class InboxProcessor(SimpleUpdateProcessor):
    """Handles up to ``max_concurrent_updates`` updates at once; tells the inbox when one is done."""

    def __init__(self, inbox: Inbox, max_concurrent_updates: int) -> None:
        """``inbox``: the application's update queue."""
        super().__init__(max_concurrent_updates)
        self.inbox = inbox
        self._count = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers; a cancelled update (the process stopping) stays in the journal."""
        self._count += 1
        if self._count % TRIM_EVERY == 0:
            trim()  # bursts of concurrent updates leave freed memory in the heap: give it back
        token = _HANDLING.set((self.inbox, update.update_id) if isinstance(update, Update) else None)
        try:
            await coroutine
        except Exception:
            self.inbox.handled(update)  # handled, badly: the error handler has had it
            raise
        finally:
            _HANDLING.reset(token)
        self.inbox.handled(update)
