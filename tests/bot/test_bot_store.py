"""Settings storage: SQLite in WAL mode, durable across restarts and kill -9; PostgreSQL for real.

The store contract (empty, saved per scope, deleted when empty, re-keyed, unreadable rows ignored,
concurrent writers, a reopen) runs on both stores; PostgreSQL runs on a throwaway server started by
``pg_server.py`` (skipped with the reason where the machine has no server binaries; ``.ci/run``
installs them and sets ``LIQCALC_REQUIRE_POSTGRES=1``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from botharness import PRIVATE, ROOT, ask, running_bot, settings_for
from pg_server import clean_url

from bot.store import ChatSettings, PostgresStore, Scope, SQLiteStore, StoreConfigError, open_store
from core.enums import MarginMode


@pytest.fixture
def postgres_url(postgres):
    """A clean settings table on the module's server."""
    return clean_url(postgres, "liqcalc_settings")


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path):
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "sub" / "settings.sqlite3")
    else:
        store = PostgresStore(request.getfixturevalue("postgres_url"))
    await store.start()
    yield store
    await store.close()


@pytest.fixture
async def sqlite_store(tmp_path):
    store = SQLiteStore(tmp_path / "sub" / "settings.sqlite3")
    await store.start()
    yield store
    await store.close()


async def test_empty_then_saved_per_scope(store):
    assert await store.get(Scope.USER, 42) == ChatSettings()
    settings = ChatSettings(venue="binance", mmr=0.004, wallet_balance=10000.0, margin_mode=MarginMode.CROSS)
    await store.put(Scope.USER, 42, settings)
    assert await store.get(Scope.USER, 42) == settings
    assert await store.get(Scope.CHAT, 42) == ChatSettings()  # a group never sees a user's settings
    await store.put(Scope.USER, 42, settings.model_copy(update={"mmr": None}))
    assert (await store.get(Scope.USER, 42)).mmr is None


async def test_saved_settings_survive_a_reopen(store):
    await store.put(Scope.CHAT, -100, ChatSettings(symbol="ETH"))
    await store.put(Scope.CHAT, -101, ChatSettings(symbol="SOL"))
    await store.put(Scope.CHAT, -101, ChatSettings())  # empty settings delete the row
    await store.close()
    await store.start()
    assert (await store.get(Scope.CHAT, -100)).symbol == "ETH"
    assert await store.get(Scope.CHAT, -101) == ChatSettings()


async def test_concurrent_writers_each_keep_their_row(store):
    async def save(user: int) -> None:
        await store.put(Scope.USER, user, ChatSettings(wallet_balance=float(user)))
        assert (await store.get(Scope.USER, user)).wallet_balance == float(user)

    await asyncio.gather(*(save(user) for user in range(1, 101)))
    balances = [(await store.get(Scope.USER, user)).wallet_balance for user in range(1, 101)]
    assert balances == [float(user) for user in range(1, 101)]


FIELD_CHANGES = [
    ("venue", "okx"),
    ("mmr", 0.002),
    ("taker_fee_rate", 0.0005),
    ("wallet_balance", 5_000.0),
    ("symbol", "ETH"),
    ("margin_mode", MarginMode.CROSS),
]


async def test_concurrent_changes_of_different_fields_all_stay(store):
    """Issue 11: two admins' /settings at once lost one change (read, await, write the whole record).

    Each change names one field and is applied inside ``update``'s transaction; six at once, on one
    group, all stay. A second store on the same database (another bot instance) joins in.
    """
    other = SQLiteStore(store.path) if isinstance(store, SQLiteStore) else PostgresStore(store.url)
    await other.start()
    try:

        async def change(target, field: str, value: object) -> None:
            await asyncio.sleep(0)  # let the others start first, as concurrent handlers do
            await target.update(Scope.CHAT, -1001, lambda now: now.model_copy(update={field: value}))

        await asyncio.gather(*(change(store if i % 2 else other, f, v) for i, (f, v) in enumerate(FIELD_CHANGES)))
        saved = await store.get(Scope.CHAT, -1001)
        assert {field: getattr(saved, field) for field, _ in FIELD_CHANGES} == dict(FIELD_CHANGES)
    finally:
        await other.close()


async def test_a_refused_change_writes_nothing(store):
    await store.put(Scope.USER, 7, ChatSettings(venue="binance"))

    def bad(now: ChatSettings) -> ChatSettings:
        raise ValueError("out of range")

    with pytest.raises(ValueError, match="out of range"):
        await store.update(Scope.USER, 7, bad)
    assert (await store.get(Scope.USER, 7)).venue == "binance"
    # and the store still works after the rollback
    assert (await store.update(Scope.USER, 7, lambda now: now.model_copy(update={"mmr": 0.004}))).mmr == 0.004


async def test_empty_settings_delete_the_row(sqlite_store):
    await sqlite_store.put(Scope.CHAT, -1, ChatSettings(venue="okx"))
    await sqlite_store.put(Scope.CHAT, -1, ChatSettings())
    rows = sqlite3.connect(sqlite_store.path).execute("SELECT COUNT(*) FROM settings").fetchone()[0]
    assert rows == 0


async def test_sqlite_runs_in_wal_mode(sqlite_store):
    await sqlite_store.close()
    assert sqlite3.connect(sqlite_store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_move_rekeys_a_migrated_group(store):
    await store.put(Scope.CHAT, -5, ChatSettings(venue="gate"))
    await store.put(Scope.CHAT, -1005, ChatSettings(venue="okx"))
    await store.move(Scope.CHAT, -5, -1005)
    assert (await store.get(Scope.CHAT, -1005)).venue == "gate"
    assert await store.get(Scope.CHAT, -5) == ChatSettings()


async def test_unreadable_rows_are_ignored_not_fatal(store, caplog):
    if isinstance(store, SQLiteStore):
        store._db().execute("INSERT INTO settings VALUES ('user', 9, '{\"mmr\": 7}', 0)")
    else:
        await store._execute("INSERT INTO liqcalc_settings (scope, id, data) VALUES ('user', 9, '{\"mmr\": 7}')", ())
    assert await store.get(Scope.USER, 9) == ChatSettings()
    assert "unreadable" in caplog.text


async def test_not_started_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="not started"):
        await SQLiteStore(tmp_path / "x.db").get(Scope.USER, 1)


async def test_unwritable_path_is_a_clear_error(tmp_path):
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreConfigError, match="LIQCALC_DB"):
        await SQLiteStore(tmp_path / "dir.sqlite3").start()


def test_a_committed_change_survives_kill_9(tmp_path):
    db = tmp_path / "killed.sqlite3"
    code = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from bot.store import ChatSettings, Scope, SQLiteStore
        async def main():
            store = SQLiteStore({str(db)!r})
            await store.start()
            await store.put(Scope.CHAT, -7, ChatSettings(venue="bybit", wallet_balance=5000.0))
            os.kill(os.getpid(), signal.SIGKILL)
        asyncio.run(main())
        """
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=30, check=False)
    assert done.returncode == -9
    row = sqlite3.connect(db).execute("SELECT data FROM settings WHERE scope='chat' AND id=-7").fetchone()
    assert ChatSettings.from_json(row[0]) == ChatSettings(venue="bybit", wallet_balance=5000.0)


@pytest.mark.parametrize(
    ("location", "kind"),
    [("liqcalc.sqlite3", SQLiteStore), ("sqlite:///tmp/x.db", SQLiteStore), (":memory:", SQLiteStore)],
)
def test_open_store_picks_the_implementation(location, kind):
    assert isinstance(open_store(location), kind)
    assert open_store("sqlite:///tmp/x.db").path == "tmp/x.db"


def test_other_url_schemes_are_refused():
    with pytest.raises(StoreConfigError, match="'mysql' is not supported"):
        open_store("mysql://localhost/db")


def test_postgres_url_without_psycopg_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on a machine without the postgres extra
    with pytest.raises(StoreConfigError, match=r'pip install "psycopg\[binary\]"'):
        open_store("postgresql://bot@localhost/liqcalc")
    with pytest.raises(StoreConfigError):
        PostgresStore("postgres://localhost/x")


def test_open_store_picks_postgres_for_its_urls():
    assert isinstance(open_store("postgresql://bot@localhost/liqcalc"), PostgresStore)
    assert isinstance(open_store("postgres://bot@localhost/liqcalc"), PostgresStore)


async def test_an_unreachable_postgres_is_a_clear_error():
    store = PostgresStore(f"postgresql://nobody@127.0.0.1:{_closed_port()}/liqcalc?connect_timeout=2")
    with pytest.raises(StoreConfigError, match="check LIQCALC_DB, like postgresql://"):
        await store.start()


async def test_postgres_store_reconnects_after_the_server_restarts(postgres, postgres_url, caplog):
    store = PostgresStore(postgres_url)
    await store.start()
    try:
        await store.put(Scope.CHAT, -7, ChatSettings(venue="bybit"))
        postgres.restart()  # every client connection is dropped
        assert (await store.get(Scope.CHAT, -7)).venue == "bybit"  # the read meets the dead connection
        await store.put(Scope.CHAT, -7, ChatSettings(venue="okx"))
        assert (await store.get(Scope.CHAT, -7)).venue == "okx"
    finally:
        await store.close()
    assert "reconnecting" in caplog.text


async def test_the_bot_keeps_settings_in_postgres_across_a_restart(emu, postgres_url, tmp_path):
    settings = settings_for(emu, postgres_url, inbox=str(tmp_path / "inbox.sqlite3"))
    async with running_bot(settings):
        saved = await ask(emu, PRIVATE, "/settings venue binance bal 10000")
        assert "✅ Saved." in saved["text"]
    async with running_bot(settings):
        card = await ask(emu, PRIVATE, "/liq 50000 10x 1000 short")
        assert "· Binance" in card["text"] and "54,780.8" in card["text"]  # the same card as on SQLite


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_settings_json_and_defaults():
    settings = ChatSettings(venue="okx", taker_fee_rate=0.0005)
    assert settings.to_json() == '{"taker_fee_rate":0.0005,"venue":"okx"}'
    assert ChatSettings.from_json(settings.to_json()) == settings
    assert settings.as_defaults() == {"venue": "okx", "taker_fee_rate": 0.0005}
    assert ChatSettings().is_empty and not settings.is_empty
