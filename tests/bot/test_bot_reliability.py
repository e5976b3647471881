"""Faults: Telegram answering 500/502, timing out, dropping the long poll, 429 storms; kill -9.

Every test ends the same way: all updates confirmed, and every chat that sent a command holds
exactly one answer (none lost, none twice). The logs never contain the token.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from botharness import bot_env, free_port, start_bot, wait_for_port, webhook_env
from reliability_helpers import (
    assert_exactly_one_answer_each,
    assert_token_absent,
    bot_errors,
    no_token_in_logs,  # noqa: F401 (the fixture every test here uses)
    quick_bot,
    send_from_users,
    wait_all_answered,
)

pytestmark = pytest.mark.usefixtures("no_token_in_logs")

TRADE = "/liq 50000 10x 1000 long"
USERS = range(2001, 2007)


async def _served_afterwards(emu, users=range(2101, 2104)) -> None:
    send_from_users(emu, users, TRADE)
    await wait_all_answered(emu, users)
    await assert_exactly_one_answer_each(emu, users, settle=0.2)


def _phases(emu, method):
    """Each fault of ``method`` on its own, with fresh users (each asserted on its own)."""
    faults = {
        "500": lambda: emu.inject_error(method, 500, "Internal Server Error"),
        "502": lambda: emu.inject_error(method, 502, "Bad Gateway"),
        "timeout": lambda: emu.inject_delay(method, 2.5 if method == "getUpdates" else 1.2),
        "dropped": lambda: emu.drop_connection(method),
        "429-storm": lambda: emu.inject_error(method, 429, retry_after=1, times=2 if method == "getUpdates" else 3),
    }
    for number, (name, inject) in enumerate(faults.items()):
        yield name, inject, range(3000 + 10 * number, 3000 + 10 * number + 4)


async def _gauntlet(emu, db_path, method, caplog):
    async with quick_bot(emu, db_path, read_timeout=0.5):
        await emu.async_wait_until_polling()
        for name, inject, users in _phases(emu, method):
            inject()
            send_from_users(emu, users, TRADE)
            await wait_all_answered(emu, users)
            await assert_exactly_one_answer_each(emu, users, settle=1.0 if name == "timeout" else 0.2)
            assert all(emu.sent_messages(u)[0]["text"].startswith("📈") for u in users), name
            assert not emu._faults.get(method), f"the {name} fault was never hit"  # the emulator's fault queue
        await _served_afterwards(emu)
    assert not emu.pending_updates()
    errors = bot_errors(caplog.records)
    if method == "getUpdates":  # the timed-out poll, reaching Telegram late, terminates its successor
        errors = [e for e in errors if "terminated by other getUpdates request" not in e]
    assert errors == []


async def test_get_updates_faults_lose_and_duplicate_nothing(emu, db_path, caplog):
    """500, 502, a time-out, a dropped long poll and a 429 storm on getUpdates, one after another."""
    await _gauntlet(emu, db_path, "getUpdates", caplog)


async def test_send_message_faults_lose_and_duplicate_nothing(emu, db_path, caplog):
    """The same faults on sendMessage: 5xx retried, 429 waited out, a time-out not answered twice."""
    await _gauntlet(emu, db_path, "sendMessage", caplog)


# --- the settings store under kill -9 -----------------------------------------------------------------

BURST = range(5001, 5051)  # 50 users, each saving a different balance in their private chat


def _balance(user: int) -> float:
    return float(1000 + user)


def _confirmed(emu) -> set[int]:
    """Users whose "✅ Saved." reached Telegram: the writes the bot acknowledged."""
    return {c.params["chat_id"] for c in emu.calls("sendMessage") if "✅ Saved." in c.params.get("text", "")}


@pytest.mark.slow
def _crash_copy(db: Path, folder: Path) -> Path:
    """The database file with its WAL and shared-memory files, copied before anyone reopens them."""
    folder.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            shutil.copyfile(source, folder / source.name)
    return folder / db.name


def _check_database(db: Path, acknowledged: set[int]) -> None:
    """Integrity check passes; every acknowledged balance is stored (read-only connection)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(conn.execute("SELECT id, data FROM settings WHERE scope = 'user'").fetchall())
    finally:
        conn.close()
    for user in acknowledged:
        assert user in stored and f'"wallet_balance":{_balance(user)}' in stored[user], (user, stored.get(user))


def test_kill_9_mid_burst_keeps_every_acknowledged_write(emu, tmp_path):
    db = tmp_path / "crash.sqlite3"
    env = bot_env(emu, db, LIQCALC_LOG_LEVEL="DEBUG", LIQCALC_TELEGRAM_OVERALL_RATE="20")
    first = start_bot(env, tmp_path / "first.log")
    try:
        emu.wait_until_polling(timeout=20)
        for user in BURST:
            emu.user_sends(user, f"/settings bal {_balance(user):g}")
        emu.wait_until(lambda: len(_confirmed(emu)) >= 15, timeout=20)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    acknowledged = _confirmed(emu)
    assert 15 <= len(acknowledged) < len(BURST), "the kill should land mid-burst"
    _check_database(_crash_copy(db, tmp_path / "crash-copy"), acknowledged)  # as the kill left it

    second = start_bot(env, tmp_path / "second.log")
    try:
        emu.wait_until_polling(timeout=20)
        probe = sorted(acknowledged)[:3]
        for user in probe:
            emu.user_sends(user, "/settings")
        for user in probe:
            shown = emu.expect("sendMessage", timeout=15, chat_id=user, text=lambda t: t.startswith("⚙️"))
            assert f"Balance: {_balance(user):,.0f} USDT" in shown.params["text"]
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0

    _check_database(db, acknowledged)  # after the restart and a clean stop
    logs = (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
    assert_token_absent(logs.splitlines(), "process output")


# --- commands taken but not answered when the process dies ---------------------------------------------

IN_FLIGHT = range(6001, 6009)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_kill_9_with_answers_in_flight_answers_them_after_the_restart(emu, tmp_path, mode):
    """PTB confirms updates to Telegram before handling them (the next getUpdates, or the webhook's
    200); the journal (bot/inbox.py) makes up for it.

    A 429 (retry after 30 s) holds the answers still waiting when the process is killed; Telegram
    has already forgotten those commands. After the restart every chat holds exactly one answer.
    """
    db = tmp_path / "inflight.sqlite3"
    extra = webhook_env(free_port(), "s3cret-Token_42") if mode == "webhook" else {}
    env = bot_env(emu, db, LIQCALC_LOG_LEVEL="INFO", **extra)
    first = start_bot(env, tmp_path / "first.log")
    try:
        if mode == "webhook":
            emu.expect("setWebhook", timeout=20)
            wait_for_port(int(extra["LIQCALC_WEBHOOK_PORT"]))
        else:
            emu.wait_until_polling(timeout=20)
        emu.inject_error("sendMessage", 429, retry_after=30)
        for user in IN_FLIGHT:
            emu.user_sends(user, TRADE)
        emu.wait_until(lambda: not emu.pending_updates() and not emu._faults.get("sendMessage"), timeout=20)
        time.sleep(0.3)  # what got through before the 429 is answered; the rest waits it out
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert not emu.pending_updates(), "Telegram had confirmed every command before the kill"
    waiting = [user for user in IN_FLIGHT if not emu.sent_messages(user)]
    assert waiting, "some answers should have been held by the 429 when the process died"

    second = start_bot(env, tmp_path / "second.log")
    try:
        emu.wait_until(lambda: all(emu.sent_messages(user) for user in IN_FLIGHT), timeout=20)
        time.sleep(0.5)  # room for a duplicate to show up
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    counts = {user: len(emu.sent_messages(user)) for user in IN_FLIGHT}
    assert set(counts.values()) == {1}, counts
    assert all(emu.sent_messages(user)[0]["text"].startswith("📈") for user in IN_FLIGHT)
    logs = (tmp_path / "second.log").read_text()
    assert f"answering {len(waiting)} updates taken before the last stop" in logs
    assert_token_absent((tmp_path / "first.log").read_text().splitlines() + logs.splitlines(), "process output")


@pytest.mark.parametrize("storm", [3, 5, 10])
async def test_consecutive_429s_are_waited_out_not_dropped(emu, db_path, storm):
    """Issue 11: PTB gave up after 2 retries and the answer was lost; now every 429 is waited out.

    ``storm`` consecutive sendMessage calls are answered 429 (retry after 1 s); three chats asked at once
    and each ends with exactly one answer.
    """
    async with quick_bot(emu, db_path):
        await emu.async_wait_until_polling()
        emu.inject_error("sendMessage", 429, retry_after=1, times=storm)
        users = range(4000 + 10 * storm, 4003 + 10 * storm)
        send_from_users(emu, users, TRADE)
        await wait_all_answered(emu, users, timeout=3.0 * storm + 10)
        await assert_exactly_one_answer_each(emu, users)
        assert not emu._faults.get("sendMessage"), "every injected 429 was met"
    assert not emu.pending_updates()


async def test_an_answer_held_past_the_bound_is_kept_and_sent_after_a_restart(emu, db_path):
    """Flood control outlasting ``LIQCALC_FLOOD_WAIT``: the update stays in the journal, the restart answers it."""
    async with quick_bot(emu, db_path, flood_wait=1.0):
        await emu.async_wait_until_polling()
        emu.inject_error("sendMessage", 429, retry_after=5, times=1)  # 5 s > the 1 s bound: given up at once
        send_from_users(emu, [4200], TRADE)
        await emu.async_expect("sendMessage", chat_id=4200)  # the call that met the 429
        await asyncio.sleep(0.5)
        assert emu.sent_messages(4200) == []
    async with quick_bot(emu, db_path):
        await wait_all_answered(emu, [4200])
        await assert_exactly_one_answer_each(emu, [4200])


# --- duplicates after a kill, measured (issue 11) -------------------------------------------------------

BURST_USERS = range(7001, 7041)  # 40 users
PER_USER = 5  # 200 /liq in all


def _burst_then(emu, tmp_path, name: str, stop) -> dict[int, int]:
    """200 /liq from 40 users; ``stop(process)`` 0.1 s in; a restart answers the rest; answers per user."""
    db = tmp_path / f"{name}.sqlite3"
    env = bot_env(emu, db, LIQCALC_LOG_LEVEL="INFO")
    first = start_bot(env, tmp_path / f"{name}-first.log")
    try:
        emu.wait_until_polling(timeout=20)
        for i in range(PER_USER):
            for user in BURST_USERS:
                emu.user_sends(user, f"/liq 50000 {10 + i}x 1000 long")
        time.sleep(0.1)
        stop(first)
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    started = len(emu.calls("deleteWebhook"))  # the bot's first call of a polling start
    second = start_bot(env, tmp_path / f"{name}-second.log")
    try:
        # running (its stop signals handled) before it is told to stop, even when nothing is left to answer
        emu.wait_until(lambda: len(emu.calls("deleteWebhook")) > started and emu._active_polls > 0, timeout=20)
        expected = len(BURST_USERS) * PER_USER
        emu.wait_until(lambda: sum(len(emu.sent_messages(u)) for u in BURST_USERS) >= expected, timeout=60)
        time.sleep(0.5)  # room for a duplicate to show up
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    return {user: len(emu.sent_messages(user)) for user in BURST_USERS}


def test_kill_9_mid_burst_duplicate_rate(emu, tmp_path):
    """Issue 11: 200 /liq from 40 users, kill -9 at 0.1 s: 7 double answers after the restart before.

    An update now leaves the journal the moment Telegram accepts its answer (bot.inbox.answer_accepted),
    not when its handler returns. What remains is the round trip itself: a send Telegram has taken whose
    200 has not reached the process when it dies is sent again after the restart. At most one per request
    in flight, and the pool holds 8 (``LIQCALC_CONNECTION_POOL``). Every command is answered; the
    duplicates are counted (the README states the rate measured here).
    """
    counts = _burst_then(emu, tmp_path, "kill", lambda p: p.send_signal(signal.SIGKILL))
    answers = sum(counts.values())
    duplicates = answers - len(BURST_USERS) * PER_USER
    assert all(n >= PER_USER for n in counts.values()), counts  # nothing lost
    print(f"kill -9 at 0.1 s: {duplicates} duplicate answers of {answers}")  # the README's figure
    assert duplicates <= 8, counts  # at most one per request in flight at the kill


def test_a_second_sigterm_finishes_the_answers_in_flight(emu, tmp_path):
    """Issue 11: a second SIGTERM 0.1 s after the first aborted the shutdown ("Task was destroyed")."""

    def two_sigterms(process) -> None:
        process.send_signal(signal.SIGTERM)
        time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0

    counts = _burst_then(emu, tmp_path, "twice", two_sigterms)
    assert set(counts.values()) == {PER_USER}, counts  # every answer exactly once
    log = (tmp_path / "twice-first.log").read_text()
    assert "Task was destroyed but it is pending" not in log
    assert "while stopping: finishing the answers in flight first" in log
