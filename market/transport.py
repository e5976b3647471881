"""HTTP for the venues through httpx: paced well below each documented limit, patient with 429 and 418.

One :class:`Http` per process. Every request of a venue waits for that venue's pace (the interval
between requests, a fraction of the documented limit, ``PACE_SECONDS``). A 429 waits for its
``Retry-After`` (or backs off 1, 2, 4 s) and tries again, up to ``retries`` times; a 418 (Binance's
IP ban) or a wait longer than ``max_wait`` gives up at once with :class:`VenueUnavailable`, so a ban
is never prolonged. 5xx answers and time-outs are retried with the same back-off; a body that is not
JSON is a :class:`VenueUnavailable` too. The caller keeps its previous data in every such case.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

__all__ = ["PACE_SECONDS", "Http", "VenueUnavailable"]

# Seconds between two requests to one venue: documented limits (MARKET.md) ÷ 4 or more.
PACE_SECONDS: dict[str, float] = {
    "binance": 0.25,  # 2,400 weight/min; the heaviest call here weighs 10 → ≤ 400 weight/min
    "binance-coinm": 0.25,
    "bybit": 0.1,  # 600 requests / 5 s → 10/s
    "okx": 0.5,  # 10 requests / 2 s per endpoint → 2/s
    "gate": 0.2,  # 200 requests / 10 s → 5/s
    "bitget": 0.25,  # 10–20 requests/s → 4/s
    "hyperliquid": 1.0,  # 1,200 weight/min, metaAndAssetCtxs weighs 20 → ≤ 1,200/min at 1/s
    "mexc": 0.2,  # 20 requests/s → 5/s
}


class VenueUnavailable(RuntimeError):
    """The venue did not give a usable answer (banned, down, slow, malformed); ``retry_after`` in seconds."""

    def __init__(self, venue: str, reason: str, retry_after: float | None = None) -> None:
        """Name the venue and what went wrong."""
        super().__init__(f"{venue}: {reason}")
        self.venue = venue
        self.retry_after = retry_after


class Http:
    """Paced JSON requests with retries; counts requests per venue (for ``liq data refresh`` and benchmarks)."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        pace: Mapping[str, float] | None = None,
        retries: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``pace`` overrides :data:`PACE_SECONDS` per venue; ``max_wait`` caps one Retry-After wait."""
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0))
        self.pace = {**PACE_SECONDS, **(pace or {})}
        self.retries, self.max_wait, self._sleep = retries, max_wait, sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}
        self.requests: dict[str, int] = {}
        self.first_backoff = 1.0

    def impatient(self, retries: int = 1, max_wait: float = 2.0) -> Http:
        """The same connections, pace and counts, with fewer retries and short waits (a user is waiting)."""
        quick = copy.copy(self)
        quick.retries, quick.max_wait, quick.first_backoff = retries, max_wait, 0.25
        return quick

    async def close(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()

    async def _wait_turn(self, venue: str) -> None:
        lock = self._locks.setdefault(venue, asyncio.Lock())
        async with lock:
            wait = self._last.get(venue, -1e9) + self.pace.get(venue, 0.25) - time.monotonic()
            if wait > 0:
                await self._sleep(wait)
            self._last[venue] = time.monotonic()

    async def get(self, venue: str, url: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """``GET url`` → decoded JSON."""
        return await self._request(venue, "GET", url, params=params, **kw)

    async def post(self, venue: str, url: str, body: Any) -> Any:
        """``POST url`` with a JSON body → decoded JSON."""
        return await self._request(venue, "POST", url, json=body)

    async def _request(self, venue: str, method: str, url: str, **kw: Any) -> Any:
        backoff = self.first_backoff
        for attempt in range(self.retries + 1):
            await self._wait_turn(venue)
            self.requests[venue] = self.requests.get(venue, 0) + 1
            last = attempt == self.retries
            try:
                response = await self.client.request(method, url, **kw)
            except httpx.TimeoutException:
                if last:
                    raise VenueUnavailable(venue, f"no answer in time from {url}") from None
                await self._sleep(backoff)
                backoff *= 2
                continue
            except httpx.HTTPError as exc:
                raise VenueUnavailable(venue, f"{type(exc).__name__} on {url}") from None
            status = response.status_code
            if status in (418, 429):
                wait = _retry_after(response) or backoff
                if status == 418 or wait > self.max_wait or last:
                    raise VenueUnavailable(venue, f"HTTP {status} (rate limit) on {url}", retry_after=wait)
                await self._sleep(wait)
                backoff *= 2
                continue
            if status >= 500:
                if last:
                    raise VenueUnavailable(venue, f"HTTP {status} on {url}")
                await self._sleep(backoff)
                backoff *= 2
                continue
            if status >= 400:
                raise VenueUnavailable(venue, f"HTTP {status} on {url}: {response.text[:200]}")
            try:
                return response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise VenueUnavailable(venue, f"a body that is not JSON from {url}: {response.text[:80]!r}") from None
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
