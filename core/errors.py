"""Errors raised by the core engine.

Every error carries a stable machine ``code`` and a message for people that names the field,
quotes the value and says what to type instead. Front ends show ``str(error)`` as it is.

Tree::

    CoreError                      (code "core")
    ├── InvalidInputError          a value is out of its domain            ("invalid_input")
    │   ├── ParseError             the trade one-liner could not be read   ("parse")
    │   └── TradeCallError         a posted trade call is unreadable or contradictory ("trade_call")
    ├── TierNotFoundError          no tier table / no tier holds the size  ("tier_not_found")
    ├── UnsupportedError           a combination the engine does not model ("unsupported")
    └── NoLiquidationError         asked for a price that does not exist   ("no_liquidation")

Pydantic's ``ValidationError`` is translated into ``InvalidInputError`` at the edge by
:func:`core.models.validation_message`, so front ends only ever catch ``CoreError``.
"""

from __future__ import annotations

__all__ = [
    "CoreError",
    "InvalidInputError",
    "NoLiquidationError",
    "ParseError",
    "TierNotFoundError",
    "TradeCallError",
    "UnsupportedError",
]


class CoreError(Exception):
    """Base of every error the core raises on purpose."""

    code = "core"

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None) -> None:
        """Store the message, the offending field and (bulk functions) the row index."""
        if row is not None:
            message = f"row {row}: {message}"
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row


class InvalidInputError(CoreError):
    """A value is outside its domain (negative price, NaN, leverage above the tier maximum, ...)."""

    code = "invalid_input"


class ParseError(InvalidInputError):
    """The trade one-liner could not be read; the message says what to type instead."""

    code = "parse"


class TradeCallError(InvalidInputError):
    """A posted trade call has no trade in it, or contradicts itself."""

    code = "trade_call"


class TierNotFoundError(CoreError):
    """No tier table for the venue and symbol, or the size is beyond the last tier."""

    code = "tier_not_found"


class UnsupportedError(CoreError):
    """A combination the engine does not model (for example inverse legs in a linear account)."""

    code = "unsupported"


class NoLiquidationError(CoreError):
    """A liquidation price was required but no positive price liquidates the position."""

    code = "no_liquidation"
