"""Keep the bot's resident memory flat: glibc's allocator told to use few arenas and to give memory back.

Charts are drawn in a worker thread; with glibc every thread that allocates may get its own malloc
arena, and memory freed in an arena is rarely returned to the system, so resident memory climbed
with each new chart thread (issue 11: 71 → 193 MB over 5,040 mixed commands). The bot therefore
draws every chart in one dedicated thread (:data:`bot.review_handlers`), caps the arenas at two
(:func:`limit_arenas`, before any thread starts) and trims the heap after each chart
(:func:`trim`). Elsewhere than glibc both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

__all__ = ["limit_arenas", "trim"]

_logger = logging.getLogger(__name__)
_M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h
ARENAS = 2


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_LIBC = _libc()


def limit_arenas(count: int = ARENAS) -> bool:
    """At most ``count`` malloc arenas (glibc ``mallopt(M_ARENA_MAX)``); True when applied."""
    if _LIBC is None:
        return False
    applied = bool(_LIBC.mallopt(_M_ARENA_MAX, count))
    _logger.debug("malloc arenas capped at %d: %s", count, applied)
    return applied


def trim() -> None:
    """Return the freed top of the heap to the system (glibc ``malloc_trim(0)``)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
