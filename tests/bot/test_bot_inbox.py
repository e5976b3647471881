"""The update journal (bot/inbox.py): written before Telegram is told, deleted once answered, replayed once.

The end-to-end case (``kill -9`` with answers in flight, restart, one answer each) is in
test_bot_reliability.py; these pin the journal's own rules.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from telegram import Bot, Update

from bot.config import BotSettings
from bot.inbox import MAX_AGE_SECONDS, MAX_ATTEMPTS, Inbox, InboxProcessor

BOT = Bot("123:abc")


def _update(update_id: int, text: str = "/liq 50000 10x 1000") -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "T"},
            "text": text,
        },
    }
    return Update.de_json(data, BOT)


def _drain(inbox: Inbox) -> list[object]:
    items = []
    while not inbox.empty():
        items.append(inbox.get_nowait())
    return items


def test_an_update_is_on_disk_when_queued_and_gone_once_handled(tmp_path):
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    inbox.put_nowait(_update(7))
    other = sqlite3.connect(tmp_path / "inbox.sqlite3")  # what a crashed process would leave
    assert [r[0] for r in other.execute("SELECT update_id FROM inbox")] == [7]
    [queued] = _drain(inbox)
    inbox.handled(queued)
    assert [r[0] for r in other.execute("SELECT update_id FROM inbox")] == []
    other.close()
    inbox.close()


def test_replay_queues_the_unanswered_in_order_and_ignores_telegram_delivering_them_again(tmp_path):
    path = tmp_path / "inbox.sqlite3"
    first = Inbox(path)
    for update_id in (11, 12, 13):
        first.put_nowait(_update(update_id, f"/liq {update_id}000 10x 1000"))
    _drain(first)
    first.handled(_update(12))
    first.close()  # the process dies with 11 and 13 unanswered

    second = Inbox(path)
    assert second.replay(BOT) == 2
    replayed = _drain(second)
    assert [u.update_id for u in replayed] == [11, 13]
    assert replayed[1].message.text == "/liq 13000 10x 1000"  # the whole update comes back
    second.put_nowait(_update(13))  # never confirmed: Telegram sends it again
    second.put_nowait(_update(14))  # a new one
    assert [u.update_id for u in _drain(second)] == [14]
    for update in (*replayed, _update(14)):
        second.handled(update)
    second.put_nowait(_update(11))  # even after it was answered, a replayed id is not handled twice
    assert second.empty() and second.pending_ids() == []
    second.close()


def test_replay_drops_day_old_updates_and_ones_that_never_get_answered(tmp_path):
    path = tmp_path / "inbox.sqlite3"
    inbox = Inbox(path)
    inbox.put_nowait(_update(21))
    inbox.put_nowait(_update(22))
    inbox.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE inbox SET received = ? WHERE update_id = 21", (time.time() - MAX_AGE_SECONDS - 60,))
    db.close()
    counts = []
    for _ in range(MAX_ATTEMPTS + 1):  # 22 crashes the process every time it is handled
        inbox = Inbox(path)
        counts.append(inbox.replay(BOT))
        inbox.close()
    assert counts == [1] * MAX_ATTEMPTS + [0]


def test_anything_but_an_update_passes_straight_through(tmp_path):
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    stop_signal = object()  # PTB stops its fetcher with a sentinel object
    inbox.put_nowait(stop_signal)
    assert _drain(inbox) == [stop_signal] and inbox.pending_ids() == []
    inbox.close()


async def test_the_processor_forgets_handled_and_failed_updates_but_not_cancelled_ones(tmp_path):
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    processor = InboxProcessor(inbox, 4)
    for update_id in (31, 32, 33):
        inbox.put_nowait(_update(update_id))

    async def fine() -> None:
        return None

    async def broken() -> None:
        raise RuntimeError("handler bug")

    await processor.process_update(_update(31), fine())
    with pytest.raises(RuntimeError):
        await processor.process_update(_update(32), broken())
    slow = asyncio.ensure_future(processor.process_update(_update(33), asyncio.sleep(10)))
    await asyncio.sleep(0.01)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert inbox.pending_ids() == [33]  # the process stopped before it was answered: replayed next start
    inbox.close()


@pytest.mark.parametrize(
    ("db", "inbox", "expected"),
    [
        ("liqcalc.sqlite3", None, "liqcalc-inbox.sqlite3"),
        ("/var/lib/liqcalc/bot.db", None, "/var/lib/liqcalc/bot-inbox.sqlite3"),
        ("sqlite:///data/bot.sqlite3", None, "data/bot-inbox.sqlite3"),
        ("postgresql://db/liqcalc", None, "liqcalc-inbox.sqlite3"),
        ("liqcalc.sqlite3", "/run/worker-1.sqlite3", "/run/worker-1.sqlite3"),
        ("liqcalc.sqlite3", "off", None),
        (":memory:", None, None),
    ],
)
def test_where_the_journal_lives(db, inbox, expected):
    settings = BotSettings(token="123:abc", db=db, inbox=inbox)
    assert (str(settings.inbox_path) if settings.inbox_path else None) == expected


def test_each_webhook_worker_has_its_own_journal():
    def journal(port: int) -> str:
        hook = {"webhook_url": "https://bot.example.com/tg", "webhook_secret": "s3cret", "webhook_port": port}
        return str(BotSettings(token="123:abc", db="postgresql://db/liqcalc", **hook).inbox_path)

    assert journal(8443) == "liqcalc-inbox-8443.sqlite3" and journal(8444) == "liqcalc-inbox-8444.sqlite3"


def test_the_console_keeps_no_journal():
    assert BotSettings(token=None).inbox_path is None
