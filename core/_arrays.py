"""Broadcasting internals of the bulk twins: array coercion, side vectors, row validation."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from core.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]

_LONG_WORDS = {"long", "l", "buy", "b", "+", "1"}
_SHORT_WORDS = {"short", "s", "sell", "-", "-1"}


def as_float(value: Any) -> FloatArray:
    """A float64 array view of ``value`` (scalars become 0-d arrays); unreadable entries become NaN."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        flat = np.asarray(value, dtype=object)
        out = np.full(flat.shape, np.nan)
        for index, item in np.ndenumerate(flat):
            try:
                out[index] = float(item)
            except (TypeError, ValueError):
                continue
        return out


def side_signs(side: Any) -> FloatArray:
    """+1 / −1 per row from ``±1`` numbers, booleans (True = long) or words (long/short/L/S/buy/sell).

    Unknown entries become NaN (the row is then invalid).
    """
    array = np.asarray(side)
    if array.dtype.kind == "b":
        return np.where(array, 1.0, -1.0)
    if array.dtype.kind in "iuf":
        values = np.asarray(array, dtype=np.float64)
        bad = (values != 1.0) & (values != -1.0)
        return np.where(bad, np.nan, values) if bad.any() else values
    out = np.full(array.shape, np.nan)
    for index, item in np.ndenumerate(array):
        word = str(item).strip().lower()
        if word in _LONG_WORDS:
            out[index] = 1.0
        elif word in _SHORT_WORDS:
            out[index] = -1.0
    return out


def finalize(
    result: FloatArray,
    invalid: npt.NDArray[np.bool_],
    *,
    raise_errors: bool,
    messages: list[tuple[npt.NDArray[np.bool_], str]],
) -> FloatArray:
    """Set invalid rows to NaN, or raise on the first invalid row with its index and reason.

    Raises:
        InvalidInputError: when ``raise_errors`` and a row is invalid (message names the row and field).
    """
    if raise_errors and invalid.any():
        flat_index = int(np.flatnonzero(invalid.ravel())[0])
        for mask, message in messages:
            if np.broadcast_to(mask, invalid.shape).ravel()[flat_index]:
                raise InvalidInputError(message, row=flat_index)
        raise InvalidInputError("invalid input", row=flat_index)
    if result.ndim:
        if invalid.any():
            result = np.where(invalid, np.nan, result)
        return result
    return np.asarray(np.nan if invalid else result, dtype=np.float64)
