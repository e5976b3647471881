"""Per-user command limit, so one member cannot flood a group (pure, in-process).

Telegram allows a bot about 20 messages a minute per group; :class:`telegram.ext.AIORateLimiter`
queues our sends to stay under that, but a member firing 50 commands would still delay everyone
else's answers by minutes. This limiter refuses a user's commands beyond ``limit`` per ``window``
seconds: the first refused command gets one short notice, the rest of the window is silent.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

__all__ = ["UserRateLimiter", "Verdict"]


class Verdict(Enum):
    """What to do with a command."""

    ALLOW = "allow"
    WARN = "warn"  # refused; tell the user once
    DROP = "drop"  # refused; already told in this window


class UserRateLimiter:
    """A sliding-window log per user: at most ``limit`` commands in any ``window`` seconds.

    ``limit`` 0 disables it. Memory stays bounded: idle users are forgotten on a periodic sweep.

    >>> clock = iter([0.0, 1.0, 2.0, 3.0, 61.5]).__next__
    >>> limiter = UserRateLimiter(2, 60.0, clock=clock)
    >>> [limiter.hit(7).value for _ in range(5)]
    ['allow', 'allow', 'warn', 'drop', 'allow']
    """

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """``limit`` commands per ``window`` seconds and per user."""
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._calls = 0

    def hit(self, user_id: int) -> Verdict:
        """Count one command of ``user_id`` and say whether to answer it."""
        if self.limit <= 0:
            return Verdict.ALLOW
        now = self._clock()
        self._calls += 1
        if self._calls % 4096 == 0:
            self._sweep(now)
        hits = self._hits.setdefault(user_id, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.pop(user_id, None)
            return Verdict.ALLOW
        warned = self._warned.get(user_id)
        if warned is not None and warned > now - self.window:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def retry_after(self, user_id: int) -> float:
        """Seconds until ``user_id`` may send a command again (0 when now)."""
        hits = self._hits.get(user_id)
        if not hits or len(hits) < self.limit:
            return 0.0
        return max(0.0, hits[0] + self.window - self._clock())

    def __len__(self) -> int:
        """Users currently remembered."""
        return len(self._hits)

    def _sweep(self, now: float) -> None:
        idle = [user for user, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for user in idle:
            self._hits.pop(user, None)
            self._warned.pop(user, None)
