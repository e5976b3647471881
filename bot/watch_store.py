"""Watches and their alert state, kept where the settings are (SQLite, or PostgreSQL for several instances).

A watch row holds what the poller needs (the price to follow, the liquidation price and its funding
drift, the alert distances) and its state (which levels have alerted, whether the liquidation alert
went out, the funding accrued, when it was last stepped). The state is written after an alert has
been accepted by Telegram, so no alert is lost; a crash between Telegram accepting one and that write
repeats it after the restart (one SQLite commit, or one PostgreSQL round trip: milliseconds).

Adding and removing bump a version number, so a poller reloads the watches only when they changed.
One poller runs among all instances: :class:`FileLease` (SQLite: an ``flock`` beside the database,
released by the kernel when the process dies) or :class:`PostgresLease` (a session advisory lock on
its own connection, released by the server when that connection drops).
"""

from __future__ import annotations

import abc
import contextlib
import json
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.db import PgConnection, SqliteFile, immediate
from bot.store import StoreConfigError, database_location
from core.watch import MAX_LEVELS

__all__ = [
    "MAX_WATCHES_PER_USER",
    "FileLease",
    "Lease",
    "PostgresLease",
    "PostgresWatchStore",
    "SQLiteWatchStore",
    "Watch",
    "WatchLimitError",
    "WatchStore",
    "open_lease",
    "open_watch_store",
]

MAX_WATCHES_PER_USER = 20
_LOCK_KEY = 727_274_001  # the PostgreSQL advisory lock of the poller


class WatchLimitError(ValueError):
    """A user already has :data:`MAX_WATCHES_PER_USER` watches."""


@dataclass(frozen=True, slots=True)
class Watch:
    """One watched side of one trade, and its alert state."""

    chat_id: int
    user_id: int
    label: str  # "ETH long (Bybit, 20x)"
    source: str  # the price source, "bybit"
    market: str  # the instrument whose mark is followed, "ETHUSDT"
    side_sign: float
    quantity: float
    liquidation_price: float
    drift_per_paid: float
    levels: tuple[float, ...]
    chat_is_group: bool = False
    funding_interval_hours: float | None = None  # from the instrument's spec, where the quotes do not say
    id: int | None = None
    created_at: float = 0.0
    fired: tuple[bool, ...] = (False,) * MAX_LEVELS
    liquidated: bool = False
    funding_paid: float = 0.0
    stepped_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # room for later fields, kept as they are

    def spec_json(self) -> str:
        return json.dumps({
            "label": self.label, "source": self.source, "market": self.market, "side_sign": self.side_sign,
            "quantity": self.quantity, "liquidation_price": self.liquidation_price,
            "drift_per_paid": self.drift_per_paid, "levels": list(self.levels), "chat_is_group": self.chat_is_group,
            "funding_interval_hours": self.funding_interval_hours, **self.extra,
        })  # fmt: skip

    def state_json(self) -> str:
        return json.dumps({
            "fired": list(self.fired), "liquidated": self.liquidated, "funding_paid": self.funding_paid,
            "stepped_at": self.stepped_at,
        })  # fmt: skip

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Watch:
        """``(id, chat_id, user_id, created_at, spec, state)`` as stored."""
        watch_id, chat_id, user_id, created_at, spec_text, state_text = row
        spec, state = json.loads(spec_text), json.loads(state_text)
        known = {"label", "source", "market", "side_sign", "quantity", "liquidation_price", "drift_per_paid",
                 "levels", "chat_is_group", "funding_interval_hours"}  # fmt: skip
        return cls(
            chat_id=int(chat_id), user_id=int(user_id), label=spec["label"], source=spec["source"],
            market=spec["market"], side_sign=float(spec["side_sign"]), quantity=float(spec["quantity"]),
            liquidation_price=float(spec["liquidation_price"]), drift_per_paid=float(spec["drift_per_paid"]),
            levels=tuple(spec["levels"]), chat_is_group=bool(spec.get("chat_is_group", False)),
            funding_interval_hours=spec.get("funding_interval_hours"), id=int(watch_id),
            created_at=float(created_at), fired=tuple(state["fired"]), liquidated=bool(state["liquidated"]),
            funding_paid=float(state["funding_paid"]), stepped_at=state["stepped_at"],
            extra={k: v for k, v in spec.items() if k not in known},
        )  # fmt: skip

    def with_state(self, **changes: Any) -> Watch:
        return replace(self, **changes)


class WatchStore(abc.ABC):
    """Where watches live. Every method commits before it returns."""

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def add(self, watch: Watch, limit: int = MAX_WATCHES_PER_USER) -> Watch:
        """Store a new watch and return it with its id.

        Raises:
            WatchLimitError: the user already has ``limit`` watches (counted in the same transaction).
        """

    @abc.abstractmethod
    async def for_chat(self, chat_id: int) -> list[Watch]:
        """The chat's watches, oldest first (their numbers in ``/watches`` are their places here)."""

    @abc.abstractmethod
    async def remove(self, watch_id: int) -> bool: ...

    @abc.abstractmethod
    async def remove_chat(self, chat_id: int) -> int:
        """Remove every watch of a chat (it blocked the bot); how many."""

    @abc.abstractmethod
    async def every(self) -> list[Watch]: ...

    @abc.abstractmethod
    async def version(self) -> int:
        """A number that changes whenever a watch is added or removed."""

    @abc.abstractmethod
    async def save_states(self, watches: list[Watch]) -> None:
        """Write the alert state of these watches in one transaction (a removed watch is skipped)."""


_SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS watches (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, "
    "user_id INTEGER NOT NULL, created_at REAL NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS watches_chat ON watches (chat_id)",
    "CREATE INDEX IF NOT EXISTS watches_user ON watches (user_id)",
    "CREATE TABLE IF NOT EXISTS watch_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO watch_version (id, version) VALUES (1, 0)",
)
_COLUMNS = "id, chat_id, user_id, created_at, spec, state"


class SQLiteWatchStore(WatchStore):
    """The watches in the settings' SQLite file (WAL, synchronous=FULL), on their own connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._file = SqliteFile(
            self.path, "the watch store", StoreConfigError, "set LIQCALC_DB to a writable file path"
        )

    async def start(self) -> None:
        if not self._file.started:
            self._file.open(_SQLITE_SCHEMA)

    async def close(self) -> None:
        self._file.close()

    def _db(self) -> sqlite3.Connection:
        return self._file.db

    async def add(self, watch: Watch, limit: int = MAX_WATCHES_PER_USER) -> Watch:
        with immediate(self._db()) as db:
            (count,) = db.execute("SELECT COUNT(*) FROM watches WHERE user_id = ?", (watch.user_id,)).fetchone()
            if count >= limit:
                raise WatchLimitError(f"you have {count} watches, the most one person can have")
            created = time.time()
            cursor = db.execute(
                "INSERT INTO watches (chat_id, user_id, created_at, spec, state) VALUES (?, ?, ?, ?, ?)",
                (watch.chat_id, watch.user_id, created, watch.spec_json(), watch.state_json()),
            )
            db.execute("UPDATE watch_version SET version = version + 1 WHERE id = 1")
        return replace(watch, id=cursor.lastrowid, created_at=created)

    async def for_chat(self, chat_id: int) -> list[Watch]:
        rows = self._db().execute(f"SELECT {_COLUMNS} FROM watches WHERE chat_id = ? ORDER BY id", (chat_id,))
        return [Watch.from_row(row) for row in rows]

    async def remove(self, watch_id: int) -> bool:
        return self._removed("DELETE FROM watches WHERE id = ?", (watch_id,)) > 0

    async def remove_chat(self, chat_id: int) -> int:
        return self._removed("DELETE FROM watches WHERE chat_id = ?", (chat_id,))

    def _removed(self, query: str, params: tuple[Any, ...]) -> int:
        with immediate(self._db()) as db:
            count = db.execute(query, params).rowcount
            db.execute("UPDATE watch_version SET version = version + 1 WHERE id = 1")
        return int(count)

    async def every(self) -> list[Watch]:
        return [Watch.from_row(row) for row in self._db().execute(f"SELECT {_COLUMNS} FROM watches ORDER BY id")]

    async def version(self) -> int:
        (version,) = self._db().execute("SELECT version FROM watch_version WHERE id = 1").fetchone()
        return int(version)

    async def save_states(self, watches: list[Watch]) -> None:
        if not watches:
            return
        with immediate(self._db()) as db:
            db.executemany("UPDATE watches SET state = ? WHERE id = ?", [(w.state_json(), w.id) for w in watches])


_POSTGRES_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS liqcalc_watches (id BIGSERIAL PRIMARY KEY, chat_id BIGINT NOT NULL, "
    "user_id BIGINT NOT NULL, created_at DOUBLE PRECISION NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS liqcalc_watches_chat ON liqcalc_watches (chat_id)",
    "CREATE INDEX IF NOT EXISTS liqcalc_watches_user ON liqcalc_watches (user_id)",
    "CREATE TABLE IF NOT EXISTS liqcalc_watch_version (id INT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)",
    "INSERT INTO liqcalc_watch_version (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING",
)


class PostgresWatchStore(WatchStore):
    """The watches in PostgreSQL (psycopg 3, async), shared by every instance."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pg = PgConnection(url, _POSTGRES_SCHEMA, StoreConfigError, "check LIQCALC_DB")
        self._lock = self._pg.lock

    async def start(self) -> None:
        async with self._lock:
            await self._pg.get()

    async def _connection(self) -> Any:
        return await self._pg.get()

    async def close(self) -> None:
        async with self._lock:
            await self._pg.close()

    async def _rows(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        async with self._lock:
            cursor = await (await self._connection()).execute(query, params)
            return list(await cursor.fetchall())

    async def add(self, watch: Watch, limit: int = MAX_WATCHES_PER_USER) -> Watch:
        async with self._lock:
            conn = await self._connection()
            async with conn.transaction():
                # one user's watches are counted and added under a lock on that user, across instances
                await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('watch:' || %s::text, 0))",
                                   (watch.user_id,))  # fmt: skip
                cursor = await conn.execute("SELECT COUNT(*) FROM liqcalc_watches WHERE user_id = %s", (watch.user_id,))
                (count,) = await cursor.fetchone()
                if count >= limit:
                    raise WatchLimitError(f"you have {count} watches, the most one person can have")
                created = time.time()
                cursor = await conn.execute(
                    "INSERT INTO liqcalc_watches (chat_id, user_id, created_at, spec, state) "
                    "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    (watch.chat_id, watch.user_id, created, watch.spec_json(), watch.state_json()),
                )
                (watch_id,) = await cursor.fetchone()
                await conn.execute("UPDATE liqcalc_watch_version SET version = version + 1 WHERE id = 1")
        return replace(watch, id=int(watch_id), created_at=created)

    async def for_chat(self, chat_id: int) -> list[Watch]:
        query = f"SELECT {_COLUMNS} FROM liqcalc_watches WHERE chat_id = %s ORDER BY id"
        return [Watch.from_row(row) for row in await self._rows(query, (chat_id,))]

    async def _removed(self, query: str, params: tuple[Any, ...]) -> int:
        async with self._lock:
            conn = await self._connection()
            async with conn.transaction():
                cursor = await conn.execute(query, params)
                count = cursor.rowcount
                await conn.execute("UPDATE liqcalc_watch_version SET version = version + 1 WHERE id = 1")
        return int(count)

    async def remove(self, watch_id: int) -> bool:
        return await self._removed("DELETE FROM liqcalc_watches WHERE id = %s", (watch_id,)) > 0

    async def remove_chat(self, chat_id: int) -> int:
        return await self._removed("DELETE FROM liqcalc_watches WHERE chat_id = %s", (chat_id,))

    async def every(self) -> list[Watch]:
        return [Watch.from_row(row) for row in await self._rows(f"SELECT {_COLUMNS} FROM liqcalc_watches ORDER BY id")]

    async def version(self) -> int:
        ((version,),) = await self._rows("SELECT version FROM liqcalc_watch_version WHERE id = 1")
        return int(version)

    async def save_states(self, watches: list[Watch]) -> None:
        if not watches:
            return
        async with self._lock:
            conn = await self._connection()
            async with conn.transaction(), conn.cursor() as cursor:
                await cursor.executemany(
                    "UPDATE liqcalc_watches SET state = %s WHERE id = %s", [(w.state_json(), w.id) for w in watches]
                )


class Lease(abc.ABC):
    """The right to poll: one holder among the instances sharing the store."""

    @abc.abstractmethod
    async def acquire(self) -> bool:
        """Take the lease if nobody holds it (never waits); True while this instance holds it."""

    @abc.abstractmethod
    async def release(self) -> None: ...


class FileLease(Lease):
    """``flock`` on a file beside the SQLite database: the kernel releases it when the process dies."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: Any = None

    async def acquire(self) -> bool:
        import fcntl

        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    async def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the flock
            self._file = None


class PostgresLease(Lease):
    """A session advisory lock on a connection of its own: the server releases it when the holder dies."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None

    async def acquire(self) -> bool:
        import psycopg

        if self._conn is not None and not self._conn.broken:
            try:
                await self._conn.execute("SELECT 1")  # still connected: still the holder
                return True
            except psycopg.OperationalError:
                pass
        await self.release()
        try:
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except psycopg.OperationalError:
            return False
        cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,))
        (held,) = await cursor.fetchone()
        if not held:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None


def open_watch_store(location: str) -> WatchStore:
    """The watch store beside the settings (``LIQCALC_DB``): PostgreSQL for a URL, else SQLite."""
    postgres, where = database_location(location)
    return PostgresWatchStore(where) if postgres else SQLiteWatchStore(where)


def open_lease(location: str) -> Lease:
    """The poller's lease for the same location."""
    postgres, where = database_location(location)
    if postgres:
        return PostgresLease(where)
    if where == ":memory:":  # a database of this process alone: a lock of this process alone
        return FileLease(Path(tempfile.gettempdir()) / f"liqcalc-{os.getpid()}-memory.watch-lock")
    return FileLease(Path(where).expanduser().with_name(Path(where).name + ".watch-lock"))
