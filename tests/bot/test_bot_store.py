"""Settings storage: SQLite in WAL mode, durable across restarts and kill -9; the PostgreSQL seam."""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from botharness import ROOT

from bot.store import ChatSettings, PostgresStore, Scope, SQLiteStore, StoreConfigError, open_store
from core.enums import MarginMode


@pytest.fixture
async def store(tmp_path):
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


async def test_empty_settings_delete_the_row(store, tmp_path):
    await store.put(Scope.CHAT, -1, ChatSettings(venue="okx"))
    await store.put(Scope.CHAT, -1, ChatSettings())
    rows = sqlite3.connect(store.path).execute("SELECT COUNT(*) FROM settings").fetchone()[0]
    assert rows == 0


async def test_wal_mode_and_survives_a_reopen(store):
    await store.put(Scope.CHAT, -100, ChatSettings(symbol="ETH"))
    await store.close()
    assert sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    await store.start()
    assert (await store.get(Scope.CHAT, -100)).symbol == "ETH"


async def test_move_rekeys_a_migrated_group(store):
    await store.put(Scope.CHAT, -5, ChatSettings(venue="gate"))
    await store.put(Scope.CHAT, -1005, ChatSettings(venue="okx"))
    await store.move(Scope.CHAT, -5, -1005)
    assert (await store.get(Scope.CHAT, -1005)).venue == "gate"
    assert await store.get(Scope.CHAT, -5) == ChatSettings()


async def test_unreadable_rows_are_ignored_not_fatal(store, caplog):
    store._db().execute("INSERT INTO settings VALUES ('user', 9, '{\"mmr\": 7}', 0)")
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


@pytest.mark.skipif(importlib.util.find_spec("psycopg") is not None, reason="psycopg is installed")
def test_postgres_url_without_psycopg_says_what_to_install():
    with pytest.raises(StoreConfigError, match=r'pip install "psycopg\[binary\]"'):
        open_store("postgresql://bot@localhost/liqcalc")
    with pytest.raises(StoreConfigError):
        PostgresStore("postgres://localhost/x")


def test_settings_json_and_defaults():
    settings = ChatSettings(venue="okx", taker_fee_rate=0.0005)
    assert settings.to_json() == '{"taker_fee_rate":0.0005,"venue":"okx"}'
    assert ChatSettings.from_json(settings.to_json()) == settings
    assert settings.as_defaults() == {"venue": "okx", "taker_fee_rate": 0.0005}
    assert ChatSettings().is_empty and not settings.is_empty
