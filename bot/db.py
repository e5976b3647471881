"""Database plumbing the settings store and the watch store share: an SQLite write transaction, and
one PostgreSQL connection that is replaced when the server dropped it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PgConnection", "SqliteFile", "immediate"]

_logger = logging.getLogger(__name__)


class SqliteFile:
    """One SQLite file on one connection: WAL, ``synchronous=FULL`` (a commit survives ``kill -9`` and power
    loss), autocommit unless :func:`immediate`; usable from the event loop's thread only."""

    def __init__(self, path: str, what: str, on_error: type[Exception], hint: str) -> None:
        """``what`` names it in errors (``the settings database``); ``on_error`` is raised with ``hint``."""
        self.path, self.what, self.on_error, self.hint = path, what, on_error, hint
        self._conn: sqlite3.Connection | None = None

    @property
    def started(self) -> bool:
        return self._conn is not None

    def open(self, schema: Sequence[str]) -> sqlite3.Connection:
        """Open the file (creating parent folders; ``:memory:`` works) and run ``schema``."""
        memory = self.path == ":memory:"
        if not memory:
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                self.path if memory else Path(self.path).expanduser(), isolation_level=None, check_same_thread=False,
                timeout=5.0,
            )  # fmt: skip
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            for statement in schema:
                conn.execute(statement)
        except sqlite3.Error as exc:
            raise self.on_error(f"cannot open {self.what} {self.path!r} ({exc}); {self.hint}") from None
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"{self.what} is not started; call await start() first")
        return self._conn


@contextlib.contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (the write lock, across processes too) … ``COMMIT``; ``ROLLBACK`` on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class PgConnection:
    """One autocommit psycopg 3 connection; ``schema`` runs on every (re)connect. Use it under :attr:`lock`."""

    def __init__(self, url: str, schema: Sequence[str], on_error: type[Exception], hint: str) -> None:
        """``on_error`` is raised with ``hint`` when the server cannot be reached."""
        self.url, self.schema = url, tuple(schema)
        self.on_error, self.hint = on_error, hint
        self.lock = asyncio.Lock()
        self._conn: Any = None

    @property
    def broken(self) -> bool:
        return self._conn is None or bool(self._conn.broken)

    async def get(self) -> Any:
        """The live connection, a new one when the server dropped the last."""
        import psycopg

        if self._conn is not None and not self._conn.broken:
            return self._conn
        if self._conn is not None:
            _logger.warning("the PostgreSQL connection was lost; reconnecting")
        try:
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise self.on_error(f"cannot connect to the database ({str(exc).strip()[:200]}); {self.hint}") from None
        for statement in self.schema:
            await conn.execute(statement)
        self._conn = conn
        return conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
