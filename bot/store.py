"""Per-user and per-chat default settings, behind a small storage interface.

:class:`SettingsStore` is the interface the bot uses; :class:`SQLiteStore` (standard library,
WAL journal, ``synchronous=FULL``: a committed change survives ``kill -9`` and power loss) is the
default, and :class:`PostgresStore` takes over when ``LIQCALC_DB`` is a ``postgresql://`` URL
(several webhook instances sharing one database; needs the ``postgres`` extra, psycopg).

Private chats and inline queries use the user's settings; groups use the chat's settings, which
only admins change.
"""

from __future__ import annotations

import abc
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.db import PgConnection, SqliteFile, immediate
from core import MarginMode

__all__ = [
    "ChatSettings",
    "PostgresStore",
    "SQLiteStore",
    "Scope",
    "SettingsStore",
    "StoreConfigError",
    "open_store",
]

_logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1


class StoreConfigError(RuntimeError):
    """The storage URL or path cannot be used; the message says what to set instead."""


class Scope(StrEnum):
    """Whose settings: a user's (private chats, inline mode) or a group's."""

    USER = "user"
    CHAT = "chat"


class ChatSettings(BaseModel):
    """Defaults filled into every trade typed in a chat (what the text says wins).

    Field names are those of :class:`core.models.TradeRequest`, so the values go straight into
    ``core.grammar.parse_trade(text, defaults=...)``; rates are fractions (0.004 = 0.4 %).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    venue: str | None = None
    symbol: str | None = None
    margin_mode: MarginMode | None = None
    mmr: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] | None = None
    taker_fee_rate: Annotated[float, Field(ge=0, lt=0.1, allow_inf_nan=False)] | None = None
    wallet_balance: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None

    def as_defaults(self) -> dict[str, Any]:
        """The values that are set, for ``parse_trade(defaults=...)``."""
        return {key: value for key, value in self if value is not None}

    @property
    def is_empty(self) -> bool:
        """Nothing set: every trade uses the product defaults."""
        return not self.as_defaults()

    def to_json(self) -> str:
        """Compact JSON of the set values (what the database stores)."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ChatSettings:
        """Read stored JSON; unreadable or out-of-range data gives empty settings (logged)."""
        try:
            return cls.model_validate_json(text)
        except ValidationError:
            _logger.warning("stored settings are unreadable and were ignored: %.200s", text)
            return cls()


class SettingsStore(abc.ABC):
    """Where settings live. Implementations are safe to share between concurrent handlers."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Open the connection and create the schema (idempotent)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection (idempotent)."""

    @abc.abstractmethod
    async def get(self, scope: Scope, key: int) -> ChatSettings:
        """The settings of one user or chat; empty when none were saved."""

    @abc.abstractmethod
    async def put(self, scope: Scope, key: int, settings: ChatSettings) -> None:
        """Save (empty settings delete the row). Durable when it returns."""

    @abc.abstractmethod
    async def move(self, scope: Scope, old_key: int, new_key: int) -> None:
        """Re-key (a group that became a supergroup gets a new id); replaces the target's row."""

    @abc.abstractmethod
    async def update(self, scope: Scope, key: int, change: Callable[[ChatSettings], ChatSettings]) -> ChatSettings:
        """Read, change and save in one transaction; returns the saved settings.

        Two admins changing different fields at once both keep their change: ``change`` is applied to
        the row as it is inside the transaction, not to a copy read before an ``await``. An exception
        from ``change`` (an out-of-range value) rolls back and propagates.
        """


_CREATE = """
CREATE TABLE IF NOT EXISTS settings (
    scope TEXT NOT NULL,
    id INTEGER NOT NULL,
    data TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (scope, id)
) WITHOUT ROWID
"""


class SQLiteStore(SettingsStore):
    """SQLite file in WAL mode; each change is one committed, fsynced statement.

    Calls run on the event loop thread: each is one indexed statement on a local file (tens of
    microseconds), cheaper than a hop to a worker thread.
    """

    def __init__(self, path: str | Path) -> None:
        """Remember the path (``:memory:`` works for tests); :meth:`start` opens it."""
        self.path = str(path)
        self._file = SqliteFile(
            self.path, "the settings database", StoreConfigError, "set LIQCALC_DB to a writable file path"
        )

    async def start(self) -> None:
        """Open the file (creating parent folders), switch to WAL, create the table."""
        if self._file.started:
            return
        conn = self._file.open((_CREATE,))
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        self._file.close()

    def _db(self) -> sqlite3.Connection:
        return self._file.db

    async def get(self, scope: Scope, key: int) -> ChatSettings:
        """One indexed read."""
        row = self._db().execute("SELECT data FROM settings WHERE scope = ? AND id = ?", (scope.value, key)).fetchone()
        return ChatSettings() if row is None else ChatSettings.from_json(row[0])

    async def put(self, scope: Scope, key: int, settings: ChatSettings) -> None:
        """Upsert (or delete when empty), committed before returning."""
        db = self._db()
        if settings.is_empty:
            db.execute("DELETE FROM settings WHERE scope = ? AND id = ?", (scope.value, key))
            return
        db.execute(
            "INSERT INTO settings (scope, id, data, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (scope, id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            (scope.value, key, settings.to_json(), time.time()),
        )

    async def update(self, scope: Scope, key: int, change: Callable[[ChatSettings], ChatSettings]) -> ChatSettings:
        """``BEGIN IMMEDIATE`` (the write lock, across processes too), read, change, write, commit."""
        with immediate(self._db()) as db:
            row = db.execute("SELECT data FROM settings WHERE scope = ? AND id = ?", (scope.value, key)).fetchone()
            updated = change(ChatSettings() if row is None else ChatSettings.from_json(row[0]))
            if updated.is_empty:
                db.execute("DELETE FROM settings WHERE scope = ? AND id = ?", (scope.value, key))
            else:
                db.execute(
                    "INSERT INTO settings (scope, id, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, id) "
                    "DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                    (scope.value, key, updated.to_json(), time.time()),
                )
        return updated

    async def move(self, scope: Scope, old_key: int, new_key: int) -> None:
        """Re-key in one transaction."""
        with immediate(self._db()) as db:
            db.execute("DELETE FROM settings WHERE scope = ? AND id = ?", (scope.value, new_key))
            db.execute("UPDATE settings SET id = ? WHERE scope = ? AND id = ?", (new_key, scope.value, old_key))


class PostgresStore(SettingsStore):
    """PostgreSQL through psycopg 3 (async), for several bot instances behind webhooks.

    One connection in autocommit mode, one statement (or the re-key transaction) at a time. A
    connection the server dropped (a restart, a fail-over) is replaced on the next call, and a read
    or an upsert that met the dead connection is tried once more on the new one. Needs
    ``pip install "liqcalc[postgres]"`` (psycopg), which the bot's own extra does not install.
    """

    def __init__(self, url: str) -> None:
        """Check that psycopg is importable; :meth:`start` connects."""
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreConfigError(
                "LIQCALC_DB is a PostgreSQL URL, but the psycopg package is not installed; "
                'install it with pip install "psycopg[binary]", or set LIQCALC_DB to a file path to use SQLite'
            ) from None
        self.url = url
        self._pg = PgConnection(
            url,
            ("CREATE TABLE IF NOT EXISTS liqcalc_settings (scope TEXT NOT NULL, id BIGINT NOT NULL, "
             "data JSONB NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (scope, id))",),
            StoreConfigError, "check LIQCALC_DB, like postgresql://user:password@host:5432/dbname",
        )  # fmt: skip
        self._lock = self._pg.lock

    async def start(self) -> None:
        """Connect and create the table."""
        async with self._lock:
            await self._connection()

    async def _connection(self) -> Any:
        return await self._pg.get()

    async def _execute(self, query: str, params: tuple[Any, ...]) -> Any:
        """One statement; on a dropped connection, once more on a new one (reads and upserts are idempotent)."""
        import psycopg

        async with self._lock:
            try:
                return await (await self._connection()).execute(query, params)
            except psycopg.OperationalError:
                if not self._pg.broken:
                    raise
            return await (await self._connection()).execute(query, params)

    async def close(self) -> None:
        """Close the connection."""
        async with self._lock:
            await self._pg.close()

    async def get(self, scope: Scope, key: int) -> ChatSettings:
        """One indexed read."""
        cursor = await self._execute(
            "SELECT data::text FROM liqcalc_settings WHERE scope = %s AND id = %s", (scope.value, key)
        )
        row = await cursor.fetchone()
        return ChatSettings() if row is None else ChatSettings.from_json(row[0])

    async def put(self, scope: Scope, key: int, settings: ChatSettings) -> None:
        """Upsert (or delete when empty), committed when it returns."""
        if settings.is_empty:
            await self._execute("DELETE FROM liqcalc_settings WHERE scope = %s AND id = %s", (scope.value, key))
            return
        await self._execute(
            "INSERT INTO liqcalc_settings (scope, id, data) VALUES (%s, %s, %s::jsonb) "
            "ON CONFLICT (scope, id) DO UPDATE SET data = excluded.data, updated_at = now()",
            (scope.value, key, settings.to_json()),
        )

    async def update(self, scope: Scope, key: int, change: Callable[[ChatSettings], ChatSettings]) -> ChatSettings:
        """One transaction under an advisory lock on (scope, id): instances sharing the database serialise.

        The lock also covers a row that does not exist yet (``SELECT … FOR UPDATE`` would not). Not
        retried on a dropped connection: the change may have committed before it died.
        """
        async with self._lock:
            conn = await self._connection()
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s || ':' || %s::text, 0))", (scope.value, key)
                )
                cursor = await conn.execute(
                    "SELECT data::text FROM liqcalc_settings WHERE scope = %s AND id = %s", (scope.value, key)
                )
                row = await cursor.fetchone()
                updated = change(ChatSettings() if row is None else ChatSettings.from_json(row[0]))
                if updated.is_empty:
                    await conn.execute("DELETE FROM liqcalc_settings WHERE scope = %s AND id = %s", (scope.value, key))
                else:
                    await conn.execute(
                        "INSERT INTO liqcalc_settings (scope, id, data) VALUES (%s, %s, %s::jsonb) "
                        "ON CONFLICT (scope, id) DO UPDATE SET data = excluded.data, updated_at = now()",
                        (scope.value, key, updated.to_json()),
                    )
        return updated

    async def move(self, scope: Scope, old_key: int, new_key: int) -> None:
        """Re-key in one transaction (not retried: it may have committed before the connection died)."""
        async with self._lock:
            conn = await self._connection()
            async with conn.transaction():
                await conn.execute("DELETE FROM liqcalc_settings WHERE scope = %s AND id = %s", (scope.value, new_key))
                await conn.execute(
                    "UPDATE liqcalc_settings SET id = %s WHERE scope = %s AND id = %s", (new_key, scope.value, old_key)
                )


def database_location(location: str) -> tuple[bool, str]:
    """``LIQCALC_DB`` read once for every store: ``(True, url)`` for PostgreSQL, ``(False, path)`` for SQLite.

    Raises:
        StoreConfigError: a URL scheme other than ``postgresql://``, ``postgres://`` or ``sqlite:///``.
    """
    text = location.strip()
    if text.startswith(("postgresql://", "postgres://")):
        return True, text
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreConfigError(
            f"LIQCALC_DB scheme {scheme!r} is not supported; give a file path (SQLite) or a postgresql:// URL"
        )
    return False, text or "liqcalc.sqlite3"


def open_store(location: str) -> SettingsStore:
    """The store for ``LIQCALC_DB``: a ``postgresql://`` URL or an SQLite file path (not started yet).

    Raises:
        StoreConfigError: a PostgreSQL URL without psycopg installed, or another URL scheme.
    """
    postgres, where = database_location(location)
    return PostgresStore(where) if postgres else SQLiteStore(where)
