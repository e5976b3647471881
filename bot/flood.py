"""Telegram's flood control, waited out: a 429 is retried for as long as Telegram asks, within a bound.

PTB's :class:`~telegram.ext.AIORateLimiter` paces our requests (30 messages/s overall, 20 a minute per
group) and retries a request answered 429 a fixed number of times; after the second retry the answer
was dropped for good (issue 11: three 429s in a row). :class:`PatientRateLimiter` keeps the pacing and
retries every 429 after the ``retry_after`` Telegram gives, until ``max_wait`` seconds (10 minutes by
default) have passed since the first one; only then does the ``RetryAfter`` reach the error handler,
which keeps the update in the journal (:mod:`bot.inbox`) so that the next start answers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

__all__ = ["DEFAULT_MAX_WAIT", "PatientRateLimiter"]

_logger = logging.getLogger(__name__)

DEFAULT_MAX_WAIT = 600.0  # seconds of 429s one request waits out before it is given up (and kept for a restart)


class PatientRateLimiter(AIORateLimiter):
    """:class:`~telegram.ext.AIORateLimiter` whose retries of a 429 are bounded by time, not by count."""

    def __init__(self, *, max_wait: float = DEFAULT_MAX_WAIT, **kwargs: Any) -> None:
        """``max_wait``: seconds of flood control one request waits out; ``kwargs``: AIORateLimiter's rates."""
        super().__init__(max_retries=0, **kwargs)
        self.max_wait = max_wait

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Pace the request; on 429 wait ``retry_after`` and try again, until ``max_wait`` is spent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        attempt = 0
        while True:
            try:
                return await self._paced(callback, args, kwargs, data)
            except RetryAfter as exc:
                attempt += 1
                wait = exc._retry_after.total_seconds()  # as PTB reads it (the property warns about its type)
                if loop.time() + wait > deadline:
                    _logger.warning(
                        "%s: Telegram's flood control lasted over %.0f s (%d tries); given up, kept for a restart",
                        endpoint, self.max_wait, attempt,
                    )  # fmt: skip
                    raise
                _logger.info("%s: flood control, try %d, waiting %.1f s as Telegram asks", endpoint, attempt, wait)
                await asyncio.sleep(wait + 0.1)

    async def _paced(
        self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any], data: dict[str, Any]
    ) -> Any:
        """One paced try (PTB's own group and overall pacing, no retries of its own)."""
        chat_id = data.get("chat_id")
        chat = chat_id is not None
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        # negative ids and @usernames are groups and channels: paced at the per-group rate (as PTB does)
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str) else False
        return await self._run_request(
            chat=chat,
            group=group,
            allow_paid_broadcast=data.get("allow_paid_broadcast", False),
            callback=callback,
            args=args,
            kwargs=kwargs,
        )
