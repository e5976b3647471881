"""Numbers in core's own sentences (errors, notes, warnings): plain digits, never ``5e+06``.

Front ends have their own formatters for cards; these are for the text core writes itself.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

__all__ = ["fmt_age", "fmt_num", "fmt_percent", "plain_numbers"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _plain(value: object) -> object:
    """``Decimal``, numpy and other real scalars as ``float``; anything else (words, None, legs) as is."""
    if type(value) is float or type(value) is int or isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, Decimal | numbers.Real):
        return float(value)
    return value


def plain_numbers(function: _F) -> _F:
    """Let a scalar function take ``Decimal``, ``numpy.int64``, ``numpy.float32``, … like plain floats.

    >>> from decimal import Decimal
    >>> plain_numbers(lambda a, *, b: a * b)(Decimal("1.5"), b=2.0)
    3.0
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*map(_plain, args), **{key: _plain(value) for key, value in kwargs.items()})

    return wrapper  # type: ignore[return-value]


def fmt_num(value: float, significant: int = 8) -> str:
    """A number with thousands separators and up to ``significant`` digits, no exponent, no trailing zeros.

    >>> fmt_num(5e6), fmt_num(45226.13114), fmt_num(0.0000123), fmt_num(-0.5), fmt_num(10.0)
    ('5,000,000', '45,226.131', '0.0000123', '-0.5', '10')
    >>> fmt_num(2.5e306), fmt_num(float("inf"))
    ('2.5 × 10^306', 'inf')
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= 15:  # no one types these on purpose: say how large, not 300 digits
        return f"{value / 10**magnitude:.{significant - 1}f}".rstrip("0").rstrip(".") + f" × 10^{magnitude}"
    decimals = max(0, min(20, significant - 1 - magnitude))
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_percent(fraction: float) -> str:
    """A fraction as a percentage, as the cards show it: 2 decimals under 10 %, 1 under 100 %, else none,
    but at least two significant digits (fees like 0.055 %), trailing zeros dropped, no space.

    >>> fmt_percent(0.005), fmt_percent(0.0143814), fmt_percent(0.02), fmt_percent(0.00055), fmt_percent(-0.0563)
    ('0.5%', '1.44%', '2%', '0.055%', '-5.63%')
    """
    pct = fraction * 100
    if not math.isfinite(pct):
        return f"{pct}%"
    size = abs(pct)
    decimals = 2 if size < 10 else 1 if size < 100 else 0
    if 0 < size < 1:
        decimals = max(decimals, min(12, 1 - math.floor(math.log10(size))))
    text = f"{pct:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def fmt_age(seconds: float) -> str:
    """How long ago, as cards say it.

    >>> fmt_age(8.2), fmt_age(300), fmt_age(3 * 3600), fmt_age(9 * 86_400)
    ('8 s ago', '5 min ago', '3 h ago', '9 days ago')
    """
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 172_800:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86_400:.0f} days ago"
