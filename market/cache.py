"""The market-data cache: every validated tier table with its source and ``as_of``, and each refresh's outcome.

:class:`SQLiteCache` (standard library, a file beside the settings database) is the default;
:class:`PostgresCache` takes over when the location is a ``postgresql://`` URL, so several bot
instances share one cache. Both keep the same two tables: ``market_tables`` (one row per venue,
contract and market; the body is the table's JSON) and ``market_runs`` (per source: when it last
succeeded, the last attempt and its note). A save replaces only the tables it carries, in one
transaction: a failed or partial refresh never removes good data.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from core.tiers import TierTable

__all__ = ["CacheConfigError", "MarketCache", "PostgresCache", "Run", "SQLiteCache", "open_cache", "read_sqlite_tables"]


class CacheConfigError(RuntimeError):
    """The cache location cannot be used; the message says what to set instead."""


class Run(NamedTuple):
    """One source's refresh record."""

    source: str
    refreshed_at: float | None  # the last success (epoch seconds)
    attempted_at: float
    ok: bool
    note: str  # "412 symbols, 3,180 tiers" or why it failed
    symbols: int
    tiers: int
    requests: int


class MarketCache(abc.ABC):
    """Where fetched tables live between refreshes and restarts."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Open and create the tables."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""

    @abc.abstractmethod
    async def tables(self) -> list[TierTable]:
        """Every stored table."""

    @abc.abstractmethod
    async def save(self, tables: Sequence[TierTable], run: Run) -> None:
        """Upsert ``tables`` and record ``run``, in one transaction."""

    @abc.abstractmethod
    async def record(self, run: Run) -> None:
        """Record a failed attempt (the last success stays)."""

    @abc.abstractmethod
    async def runs(self) -> list[Run]:
        """Each source's last refresh."""


_TABLES = (
    "CREATE TABLE IF NOT EXISTS market_tables (venue TEXT NOT NULL, contract TEXT NOT NULL, market TEXT NOT NULL, "
    "symbol TEXT NOT NULL, as_of TEXT NOT NULL, saved_at DOUBLE PRECISION NOT NULL, body TEXT NOT NULL, "
    "PRIMARY KEY (venue, contract, market))"
)
_RUNS = (
    "CREATE TABLE IF NOT EXISTS market_runs (source TEXT PRIMARY KEY, refreshed_at DOUBLE PRECISION, "
    "attempted_at DOUBLE PRECISION NOT NULL, ok INTEGER NOT NULL, note TEXT NOT NULL, symbols INTEGER NOT NULL, "
    "tiers INTEGER NOT NULL, requests INTEGER NOT NULL)"
)
_UPSERT_TABLE = (
    "INSERT INTO market_tables (venue, contract, market, symbol, as_of, saved_at, body) VALUES ({p}) "
    "ON CONFLICT (venue, contract, market) DO UPDATE SET symbol = excluded.symbol, as_of = excluded.as_of, "
    "saved_at = excluded.saved_at, body = excluded.body"
)
_UPSERT_RUN = (
    "INSERT INTO market_runs (source, refreshed_at, attempted_at, ok, note, symbols, tiers, requests) VALUES ({p}) "
    "ON CONFLICT (source) DO UPDATE SET refreshed_at = {refreshed}, attempted_at = excluded.attempted_at, "
    "ok = excluded.ok, note = excluded.note, symbols = {keep}.symbols, tiers = {keep}.tiers, requests = excluded.requests"
)


def _row(table: TierTable, now: float) -> tuple[Any, ...]:
    body = json.dumps(table.model_dump(), default=str)  # enums are strings; an open last cap is Infinity
    return (table.venue, table.contract.value, table.market, table.symbol, table.as_of, now, body)


def _tables(bodies: Sequence[str]) -> list[TierTable]:
    """The stored tables that still validate (a row another version wrote, or damaged, is left out)."""
    tables = []
    for body in bodies:
        try:
            tables.append(TierTable.model_validate(json.loads(body)))  # "Infinity": Hyperliquid's open last tier
        except (ValueError, TypeError):
            continue
    return tables


def _run_row(run: Run) -> tuple[Any, ...]:
    return (run.source, run.refreshed_at, run.attempted_at, int(run.ok), run.note, run.symbols, run.tiers, run.requests)


def _upsert_run(placeholders: str, ok: bool) -> str:
    if ok:
        return _UPSERT_RUN.format(p=placeholders, refreshed="excluded.refreshed_at", keep="excluded")
    # a failure keeps the last success's time and counts
    return _UPSERT_RUN.format(p=placeholders, refreshed="market_runs.refreshed_at", keep="market_runs")


class SQLiteCache(MarketCache):
    """A SQLite file (WAL); the calls run in a worker thread so a large save never blocks the bot's loop."""

    def __init__(self, path: str | Path) -> None:
        """``path``: a file, or ``:memory:``."""
        self.path = str(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Open the file and create the tables."""
        try:
            location = self.path if self.path == ":memory:" else str(Path(self.path).expanduser())
            conn = sqlite3.connect(location, isolation_level=None, check_same_thread=False, timeout=10.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_TABLES)
            conn.execute(_RUNS)
        except sqlite3.Error as exc:
            raise CacheConfigError(
                f"cannot open the market-data cache {self.path!r} ({exc}); set LIQCALC_MARKET_DB to a writable file"
            ) from None
        self._conn = conn

    async def close(self) -> None:
        """Close the file."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the market cache is not started; call await cache.start() first")
        return self._conn

    async def tables(self) -> list[TierTable]:
        """Every stored table (validated again on the way in)."""
        rows = self._db().execute("SELECT body FROM market_tables").fetchall()
        return _tables([body for (body,) in rows])

    def _write(self, tables: Sequence[TierTable], run: Run) -> None:
        db, now = self._db(), time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(_UPSERT_TABLE.format(p=", ".join("?" * 7)), [_row(t, now) for t in tables])
            db.execute(_upsert_run(", ".join("?" * 8), run.ok), _run_row(run))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def save(self, tables: Sequence[TierTable], run: Run) -> None:
        """One transaction, in a worker thread."""
        async with self._lock:
            await asyncio.to_thread(self._write, tables, run)

    async def record(self, run: Run) -> None:
        """A failed attempt: the last success's time and counts stay."""
        async with self._lock:
            await asyncio.to_thread(self._write, (), run)

    async def runs(self) -> list[Run]:
        """Each source's last refresh, by source."""
        rows = (
            self._db()
            .execute(
                "SELECT source, refreshed_at, attempted_at, ok, note, symbols, tiers, requests FROM market_runs ORDER BY source"
            )
            .fetchall()
        )
        return [Run(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7]) for r in rows]


class PostgresCache(MarketCache):
    """PostgreSQL through psycopg 3 (async): one cache for several instances."""

    def __init__(self, url: str) -> None:
        """Check that psycopg is importable; :meth:`start` connects."""
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise CacheConfigError(
                'a PostgreSQL cache needs psycopg: pip install "psycopg[binary]", or use a SQLite file path'
            ) from None
        self.url = url
        self._conn: Any = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Connect and create the tables."""
        import psycopg

        try:
            self._conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise CacheConfigError(f"cannot connect to the market-data cache ({str(exc).strip()[:200]})") from None
        await self._conn.execute(_TABLES)
        await self._conn.execute(_RUNS)

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def tables(self) -> list[TierTable]:
        """Every stored table."""
        async with self._lock:
            cursor = await self._conn.execute("SELECT body FROM market_tables")
            rows = await cursor.fetchall()
        return _tables([body for (body,) in rows])

    async def _write(self, tables: Sequence[TierTable], run: Run) -> None:
        now = time.time()
        async with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            if tables:
                await cursor.executemany(_UPSERT_TABLE.format(p=", ".join(["%s"] * 7)), [_row(t, now) for t in tables])
            await cursor.execute(_upsert_run(", ".join(["%s"] * 8), run.ok), _run_row(run))

    async def save(self, tables: Sequence[TierTable], run: Run) -> None:
        """One transaction."""
        await self._write(tables, run)

    async def record(self, run: Run) -> None:
        """A failed attempt: the last success's time and counts stay."""
        await self._write((), run)

    async def runs(self) -> list[Run]:
        """Each source's last refresh."""
        async with self._lock:
            cursor = await self._conn.execute(
                "SELECT source, refreshed_at, attempted_at, ok, note, symbols, tiers, requests FROM market_runs "
                "ORDER BY source"
            )
            rows = await cursor.fetchall()
        return [Run(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7]) for r in rows]


def read_sqlite_tables(path: str | Path) -> list[TierTable]:
    """Every table of a SQLite cache, read-only and synchronously (the classic Excel functions); [] if none."""
    location = Path(path).expanduser()
    if not location.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"file:{location}?mode=ro", uri=True, timeout=2.0)) as conn:
            rows = conn.execute("SELECT body FROM market_tables").fetchall()
    except sqlite3.Error:
        return []  # not a cache yet, or locked for longer than 2 s: the bundled tables answer
    return _tables([body for (body,) in rows])


def open_cache(location: str) -> MarketCache:
    """A cache for ``location``: a ``postgresql://`` URL or a SQLite file path.

    Raises:
        CacheConfigError: a PostgreSQL URL without psycopg installed.
    """
    if location.startswith(("postgresql://", "postgres://")):
        return PostgresCache(location)
    return SQLiteCache(location)
