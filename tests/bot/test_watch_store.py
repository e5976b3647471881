"""The watch store and the poller's lease, on SQLite and on a real PostgreSQL server (issue 14).

Contract: a watch comes back as it was stored; at most 20 per user, counted in the same transaction;
adding and removing change the version (saving state does not); a chat's watches go at once; state
writes land. Lease: one holder at a time; another process takes it as soon as the holder dies
(SQLite: flock released by the kernel; PostgreSQL: the session's advisory lock released with its
connection), which is how a second instance takes over the polling.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.watch_store import (
    MAX_WATCHES_PER_USER,
    FileLease,
    PostgresLease,
    Watch,
    WatchLimitError,
    open_lease,
    open_watch_store,
)
from tests.bot.pg_server import clean_url


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "settings.sqlite3")
    return clean_url(request.getfixturevalue("postgres"), "liqcalc_watches", "liqcalc_watch_version")


def a_watch(user: int = 7, chat: int = 7, **changes) -> Watch:
    base = {
        "chat_id": chat, "user_id": user, "label": "ETH long (Bybit, 20x)", "source": "bybit", "market": "ETHUSDT",
        "side_sign": 1.0, "quantity": 3.125, "liquidation_price": 3052.3, "drift_per_paid": 0.32,
        "levels": (0.05, 0.02),
    }  # fmt: skip
    base.update(changes)
    return Watch(**base)


async def test_round_trip_limit_version_and_state(location: str) -> None:
    store = open_watch_store(location)
    await store.start()
    try:
        version = await store.version()
        first = await store.add(a_watch(extra={"extra_field": "kept"}))
        assert first.id is not None and await store.version() == version + 1
        (back,) = await store.for_chat(7)
        assert back == first and back.extra == {"extra_field": "kept"}
        for _ in range(MAX_WATCHES_PER_USER - 1):
            await store.add(a_watch(chat=8))  # the limit counts the user's watches in every chat
        with pytest.raises(WatchLimitError, match="you have 20 watches"):
            await store.add(a_watch(chat=9))
        await store.add(a_watch(user=99, chat=9))  # another user is not limited by it
        before = await store.version()
        await store.save_states([first.with_state(fired=(True, False, False), funding_paid=1.5, stepped_at=12.0)])
        assert await store.version() == before  # state writes do not make the poller reload
        (saved,) = await store.for_chat(7)
        assert (saved.fired, saved.funding_paid, saved.stepped_at) == ((True, False, False), 1.5, 12.0)
        assert await store.remove_chat(8) == MAX_WATCHES_PER_USER - 1
        assert await store.remove(first.id) and not await store.remove(first.id)
        assert [w.user_id for w in await store.every()] == [99]
        assert await store.version() > before
    finally:
        await store.close()


async def test_the_limit_holds_under_concurrent_adds(location: str) -> None:
    """Two connections adding for the same user at once never go past 20 (the count is in the transaction)."""
    stores = [open_watch_store(location), open_watch_store(location)]
    for store in stores:
        await store.start()
    try:
        results = await asyncio.gather(
            *(stores[i % 2].add(a_watch()) for i in range(MAX_WATCHES_PER_USER + 6)), return_exceptions=True
        )
        assert sum(isinstance(r, Watch) for r in results) == MAX_WATCHES_PER_USER
        assert all(isinstance(r, Watch | WatchLimitError) for r in results)
        assert len(await stores[0].for_chat(7)) == MAX_WATCHES_PER_USER
    finally:
        for store in stores:
            await store.close()


_HOLDER = """
import asyncio, sys, time
from bot.watch_store import open_lease
async def main():
    lease = open_lease(sys.argv[1])
    print("held" if await lease.acquire() else "refused", flush=True)
    time.sleep(600)
asyncio.run(main())
"""


def _hold_in_a_process(location: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, location], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process


async def test_one_lease_holder_and_takeover_when_it_dies(location: str) -> None:
    holder = _hold_in_a_process(location)
    lease = open_lease(location)
    try:
        assert not await lease.acquire()  # the other process holds it
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        started = time.monotonic()
        while not await lease.acquire():
            assert time.monotonic() - started < 30, "no takeover within 30 s of the holder dying"
            await asyncio.sleep(0.2)
        assert time.monotonic() - started < 30
        assert await lease.acquire()  # holding it is idempotent
        other = open_lease(location)
        assert not await other.acquire()
        await lease.release()
        assert await other.acquire()
        await other.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
        await lease.release()


def test_lease_kinds(tmp_path) -> None:
    assert isinstance(open_lease(str(tmp_path / "x.sqlite3")), FileLease)
    assert open_lease(str(tmp_path / "x.sqlite3")).path.name == "x.sqlite3.watch-lock"
    assert isinstance(open_lease("postgresql://u@localhost/db"), PostgresLease)
