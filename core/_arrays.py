"""Broadcasting internals of the bulk twins: array coercion, side vectors, row validation."""

from __future__ import annotations

from itertools import repeat
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

    Words are mapped without a Python step per row where they can be: numpy text arrays through a
    packed key per row (:func:`_text_signs`), lists and object arrays through one dict look-up per row
    in C (``map(dict.get)``). Unknown entries become NaN (the row is then invalid).
    """
    array = np.asarray(side) if not isinstance(side, list | tuple) else _object_array(side)
    if array.dtype.kind == "b":
        return np.where(array, 1.0, -1.0)
    if array.dtype.kind in "iuf":
        values = np.asarray(array, dtype=np.float64)
        bad = (values != 1.0) & (values != -1.0)
        return np.where(bad, np.nan, values) if bad.any() else values
    if array.dtype.kind == "U" and array.size:
        signs = _text_signs(array)
        if signs is not None:
            return signs
    if array.dtype.kind == "O" and array.size > 64:
        signs = _few_words(array)
        if signs is not None:
            return signs
    flat = array.ravel().tolist()
    out = np.fromiter(map(_SIGN_OF.get, flat, repeat(np.nan, len(flat))), dtype=np.float64, count=len(flat))
    missed = np.flatnonzero(np.isnan(out))
    for index in missed:  # unusual spellings (" Long ", "BuY", Side members): the one slow step per row
        out[index] = _word_sign(flat[index])
    return out.reshape(array.shape)


def _few_words(array: npt.NDArray[Any]) -> FloatArray | None:
    """A column of a few repeated words ("long"/"short"): one C-level comparison per distinct word.

    The words are guessed from the first 64 rows; None when those hold more than four distinct values
    or one that is not a side, or when the guess does not cover every row (the dict path then maps it).
    """
    flat = array.ravel()
    seen = set(flat[:64].tolist())
    if len(seen) > 4 or not all(isinstance(w, str) and w in _SIGN_OF for w in seen):
        return None
    out = np.full(flat.shape, np.nan)
    for word in seen:
        out[flat == word] = _SIGN_OF[word]
    return out.reshape(array.shape) if not np.isnan(out).any() else None


_SIGN_OF: dict[object, float] = {}
for _word in _LONG_WORDS:
    for _form in (_word, _word.upper(), _word.title()):
        _SIGN_OF[_form] = 1.0
for _word in _SHORT_WORDS:
    for _form in (_word, _word.upper(), _word.title()):
        _SIGN_OF[_form] = -1.0
_SIGN_OF.update({1: 1.0, -1: -1.0})  # 1.0 and -1.0 hash alike
_BITS = 12  # bits per character in a packed key: codes below 4,096 (Latin, Cyrillic, Greek, …)


def _packed(words: list[str], width: int) -> npt.NDArray[np.uint64]:
    """Packed keys of ``words`` as :func:`_text_signs` builds them for rows of ``width`` characters."""
    codes = np.array(words, dtype=f"<U{width}").view(np.uint32).reshape(len(words), width)
    return _pack(codes)


def _pack(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    wide = (codes | 0x20).astype(np.uint64)  # ASCII case folded (bit 5), padding 0 → 32; one contiguous pass
    key = wide[:, 0].copy()
    for i in range(1, codes.shape[1]):
        key |= wide[:, i] << np.uint64(_BITS * i)
    return key


def _text_signs(array: npt.NDArray[np.str_]) -> FloatArray | None:
    """Signs of a numpy text array by packed keys: a handful of uint64 comparisons for 1M rows.

    None when the rows are too wide or hold characters above U+0FFF (the dict path then maps them).
    """
    width = array.dtype.itemsize // 4
    if width * _BITS > 64:
        return None
    codes = np.ascontiguousarray(array).reshape(-1).view(np.uint32).reshape(-1, width)
    if codes.max(initial=0) >= (1 << _BITS) - 0x20:
        return None
    key = _pack(codes)
    words = [w for w in (*_LONG_WORDS, *_SHORT_WORDS) if len(w) <= width]
    word_keys = _packed(words, width)
    order = np.argsort(word_keys)
    sorted_keys = word_keys[order]
    signs = np.array([1.0 if w in _LONG_WORDS else -1.0 for w in words])[order]
    at = np.minimum(np.searchsorted(sorted_keys, key), len(sorted_keys) - 1)
    out = np.where(sorted_keys[at] == key, signs[at], np.nan)
    missed = np.flatnonzero(np.isnan(out))
    if missed.size:  # padded or odd rows (" long"): mapped one by one, the rest stays vectorised
        flat = array.reshape(-1)
        for index in missed:
            out[index] = _word_sign(flat[index])
    return out.reshape(array.shape)


def _object_array(values: list[Any] | tuple[Any, ...]) -> npt.NDArray[Any]:
    """A list as an object array: no text-width guess, no copy of every string into a fixed-width buffer."""
    return np.asarray(values, dtype=object)


def _word_sign(item: object) -> float:
    word = str(item).strip().lower()
    if word in _LONG_WORDS:
        return 1.0
    if word in _SHORT_WORDS:
        return -1.0
    return np.nan


def finalize(
    result: FloatArray,
    invalid: npt.NDArray[np.bool_],
    *,
    raise_errors: bool,
    messages: list[tuple[npt.NDArray[np.bool_], str]],
) -> FloatArray:
    """Set invalid rows to NaN, or raise on the first invalid row with its index and reason.

    A row whose result overflowed to ±inf (inputs near 1e308) is invalid too: no number shown is infinite.

    Raises:
        InvalidInputError: when ``raise_errors`` and a row is invalid (message names the row and field).
    """
    overflow = np.isinf(result)
    if overflow.any():
        messages = [*messages, (overflow, "a value is too large: the result overflows; type normal prices and sizes")]
        invalid = invalid | overflow
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
