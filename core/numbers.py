"""Numbers in core's own sentences (errors, notes, warnings): plain digits, never ``5e+06``.

Front ends have their own formatters for cards; these are for the text core writes itself.
"""

from __future__ import annotations

import math

__all__ = ["fmt_num", "fmt_percent"]


def fmt_num(value: float, significant: int = 8) -> str:
    """A number with thousands separators and up to ``significant`` digits, no exponent, no trailing zeros.

    >>> fmt_num(5e6), fmt_num(45226.13114), fmt_num(0.0000123), fmt_num(-0.5), fmt_num(10.0)
    ('5,000,000', '45,226.131', '0.0000123', '-0.5', '10')
    >>> fmt_num(2.5e306)[:9], fmt_num(float("inf"))
    ('2,500,000', 'inf')
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, min(20, significant - 1 - magnitude))
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_percent(fraction: float, significant: int = 3) -> str:
    """A fraction as a percentage, no space before the sign: ``0.005`` → ``0.5%``.

    >>> fmt_percent(0.005), fmt_percent(0.0143814), fmt_percent(0.02)
    ('0.5%', '1.44%', '2%')
    """
    return fmt_num(fraction * 100, significant) + "%"
