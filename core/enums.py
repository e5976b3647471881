"""Enumerations shared by the whole engine: side, margin mode, contract type, fee model, MM basis."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ContractType", "FeeModel", "MMBasis", "MarginMode", "Side"]


class Side(StrEnum):
    """Direction of a position. ``sign`` is +1 for long and -1 for short."""

    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """+1 for long, -1 for short."""
        return 1 if self is Side.LONG else -1

    @property
    def opposite(self) -> Side:
        """The other side."""
        return Side.SHORT if self is Side.LONG else Side.LONG

    @classmethod
    def parse(cls, text: str) -> Side:
        """Read ``long/l/buy/+`` or ``short/s/sell/-`` in any case."""
        key = text.strip().lower()
        if key in {"long", "l", "buy", "b", "+", "1"}:
            return cls.LONG
        if key in {"short", "s", "sell", "-", "-1"}:
            return cls.SHORT
        raise ValueError(f"side {text!r} is not long or short; type long or short (or L / S)")


class MarginMode(StrEnum):
    """Isolated: only the position's margin is at risk. Cross: the whole wallet backs every position."""

    ISOLATED = "isolated"
    CROSS = "cross"

    @classmethod
    def parse(cls, text: str) -> MarginMode:
        """Read ``isolated/iso/i`` or ``cross/c`` in any case."""
        key = text.strip().lower()
        if key in {"isolated", "iso", "i", "isolate"}:
            return cls.ISOLATED
        if key in {"cross", "c", "crossed"}:
            return cls.CROSS
        raise ValueError(f"margin mode {text!r} is not isolated or cross; type iso or cross")


class ContractType(StrEnum):
    """Linear (USDT/USDC-margined, quantity in base units) or inverse (coin-margined, USD contracts)."""

    LINEAR = "linear"
    INVERSE = "inverse"


class FeeModel(StrEnum):
    """How a venue puts trading fees into the liquidation condition (FORMULAS.md §10.7).

    * ``NONE`` — no fee in the formula (Binance, the textbook, Hyperliquid).
    * ``TAKER_IN_MMR`` — the taker rate is added to the maintenance-margin rate (OKX, Gate).
    * ``CLOSE_AT_BANKRUPTCY`` — the fee to close at the bankruptcy price is added to maintenance
      margin, and the bankruptcy price itself includes that fee (Bybit classic inverse, BitMEX style).
    """

    NONE = "none"
    TAKER_IN_MMR = "taker_in_mmr"
    CLOSE_AT_BANKRUPTCY = "close_at_bankruptcy"


class MMBasis(StrEnum):
    """Price at which the position's own maintenance margin is measured.

    * ``LIQUIDATION`` — at the liquidation price (Binance, OKX, Hyperliquid, Bybit UTA).
    * ``ENTRY`` — at the entry price (Bybit classic, the textbook formula).
    """

    LIQUIDATION = "liquidation"
    ENTRY = "entry"
