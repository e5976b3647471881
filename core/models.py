"""Validated inputs and results of the product layer (pydantic, frozen).

Inputs are validated once, here, at the edge; the formulas then trust them. ``validation_message``
turns a pydantic ``ValidationError`` into one sentence that names the field, the value and the fix.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.enums import ContractType, MarginMode, Side
from core.errors import InvalidInputError
from core.liquidation import fee_error
from core.numbers import fmt_age, fmt_num, fmt_percent

__all__ = [
    "CrossAccountRequest",
    "CrossPositionInput",
    "DcaPlan",
    "LiquidationResult",
    "MarginComparison",
    "Position",
    "StopCheck",
    "TierUsed",
    "TradeRequest",
    "normalize_symbol",
    "validation_message",
]

# Upper bounds keep every number shown finite (2e306 once overflowed the tick rounding): no market is
# priced above a trillion, no account holds a quadrillion, no position counts a quintillion units.
MAX_PRICE = 1e12
MAX_AMOUNT = 1e15
MAX_QUANTITY = 1e18
Price = Annotated[float, Field(gt=0, le=MAX_PRICE, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)]
Quantity = Annotated[float, Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
_Finite = Annotated[float, Field(gt=0, allow_inf_nan=False)]  # derived figures: checked by the calculator
Rate = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]
FeeRate = Annotated[float, Field(ge=0, lt=0.1, allow_inf_nan=False)]
Leverage = Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def normalize_symbol(value: object) -> object:
    """``"#ethusdt"``, ``"ETH/USDT"``, ``"ETH-PERP"`` → ``"ETH"``; other values pass through to validation."""
    if not isinstance(value, str):
        return value
    text = value.strip().upper().lstrip("#$")
    previous = None
    while previous != text:  # BTC-USDT-SWAP, BTCUSD_PERP: strip until nothing changes
        previous = text
        for suffix in ("SWAP", "PERP", "USDT", "USDC", "USD", "/", "-", "_"):
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].rstrip("/-_")
    return text or None


_HINTS = {
    "entry_price": "a price like 50000 or 50k",
    "leverage": "a leverage like 10x (above 0, at most 1000)",
    "margin": "an amount like 1000",
    "quantity": "a quantity like 0.2",
    "notional": "a position value like 10000",
    "wallet_balance": "a balance like bal 10000",
    "added_margin": "an amount like add 200",
    "mark_price": "a price like mark 49000",
    "mmr": "a rate like mmr 0.5%",
    "maintenance_amount": "an amount like 50",
    "taker_fee_rate": "a rate like fee 0.05% (below 10 %)",
    "contract_size": "a size like cs 100",
    "stop_price": "a price like sl 48000",
}


class TradeRequest(BaseModel):
    """One trade as a trader states it: ``50000 10x 1000 isolated``.

    The size is given by two of leverage, margin, quantity and notional (leverage + margin is the
    common way). ``side`` None means "show both". Amounts are in the settlement currency: quote
    (USDT) for linear contracts, coin for inverse. For inverse contracts ``quantity`` is a number of
    contracts and ``notional`` is in USD.
    """

    model_config = _FROZEN

    entry_price: Price
    side: Side | None = None
    margin_mode: MarginMode = MarginMode.ISOLATED
    leverage: Leverage | None = None
    margin: Positive | None = None
    quantity: Quantity | None = None
    notional: Positive | None = None
    added_margin: NonNegative = 0.0
    wallet_balance: Positive | None = None
    mark_price: Price | None = None
    venue: str | None = None
    symbol: str | None = None
    mmr: Rate | None = None
    maintenance_amount: Annotated[float, Field(allow_inf_nan=False)] | None = None
    taker_fee_rate: FeeRate | None = None
    contract: ContractType = ContractType.LINEAR
    contract_size: Positive | None = None
    stop_price: Price | None = None  # the trader's stop: the card says whether it fires before liquidation
    unsupported_venue: str | None = None  # an exchange named that has no rules here (answered on the textbook)
    price_source: MarketPrice | None = None  # the entry is this live price (a trade typed without one)

    @field_validator("side", mode="before")
    @classmethod
    def _side(cls, value: object) -> object:
        return Side.parse(value) if isinstance(value, str) else value

    @field_validator("margin_mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        return MarginMode.parse(value) if isinstance(value, str) else value

    @field_validator("symbol", mode="before")
    @classmethod
    def _symbol(cls, value: object) -> object:
        return normalize_symbol(value)

    def with_changes(self, **changes: object) -> TradeRequest:
        """A copy with ``changes`` applied and validated again (``model_copy`` would skip validation).

        Raises:
            InvalidInputError: the changed request is not a valid trade (e.g. isolated without a margin).
        """
        try:
            return TradeRequest.model_validate({**self.model_dump(exclude_unset=True), **changes})
        except ValidationError as exc:
            raise validation_message(exc) from None

    @model_validator(mode="after")
    def _enough_to_size(self) -> Self:
        given = [n for n in ("leverage", "margin", "quantity", "notional") if getattr(self, n) is not None]
        sizes = [n for n in given if n in ("margin", "quantity", "notional")]
        if not sizes:
            raise ValueError("the size is missing: add the margin (50000 10x 1000) or a quantity (qty 0.2)")
        if given == ["margin"]:
            raise ValueError("the leverage is missing: add it like 10x")
        # a quantity or notional alone sizes the position (PnL needs no leverage); the liquidation
        # price of an isolated position also needs its margin: core.calculator.resolve_position says so
        return self


class Position(BaseModel):
    """A trade resolved to one consistent size: every amount present, in the settlement currency."""

    model_config = _FROZEN

    side: Side
    margin_mode: MarginMode
    contract: ContractType
    contract_size: _Finite
    entry_price: _Finite
    mark_price: _Finite
    quantity: _Finite  # linear: base units; inverse: contracts
    notional_quote: _Finite  # at entry, quote currency (USD for inverse)
    notional_settle: _Finite  # at entry, settlement currency (quote for linear, coin for inverse)
    leverage: _Finite | None  # stated leverage; None in cross when only a size was given
    initial_margin: _Finite | None  # notional / leverage, settlement currency
    wallet_balance: _Finite  # isolated: margin + added margin; cross: the wallet


class StopCheck(BaseModel):
    """Does the stop fire before the liquidation? ``gap`` is the signed fraction of entry between them."""

    model_config = _FROZEN

    stop_first: bool
    gap: float | None  # (stop − liquidation)·side / entry; positive = room between stop and liquidation
    message: str


class TierUsed(BaseModel):
    """The bracket a liquidation price was computed in, with the table's provenance."""

    model_config = _FROZEN

    number: int  # 1-based bracket number
    floor: NonNegative
    cap: float
    mmr: Rate
    maintenance_amount: float
    max_leverage: float
    unit: str
    source: str
    as_of: str
    market: str = ""  # the venue's instrument the table belongs to ("ETHUSDT")


class MarketPrice(BaseModel):
    """A live price handed to core by a front end, with where it came from and how old it was."""

    model_config = _FROZEN

    price: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    symbol: str  # the base as the venue's instrument names it: "ETH", "1000PEPE", "kPEPE"
    venue_name: str  # "Bybit"
    market: str  # the venue's instrument, "ETHUSDT"
    kind: str = "mark"
    age_seconds: Annotated[float, Field(ge=0)] = 0.0  # at the moment the front end asked

    def describe(self) -> str:
        """``Bybit ETHUSDT mark 3,187.35 (8 s ago)``."""
        return f"{self.venue_name} {self.market} {self.kind} {fmt_num(self.price, 8)} ({fmt_age(self.age_seconds)})"


class LiquidationResult(BaseModel):
    """The answer card for one side of one trade on one venue."""

    model_config = _FROZEN

    venue: str
    venue_name: str
    symbol: str
    settle_currency: str
    position: Position
    liquidation_price: float | None  # rounded conservatively to the venue's tick; None: cannot be liquidated
    liquidation_price_exact: float | None
    bankruptcy_price: float | None
    move_to_liquidation: float | None  # signed fraction from entry (−0.095 = a 9.5 % drop)
    move_to_liquidation_from_mark: float | None
    distance_to_liquidation: float | None  # signed price difference liq − entry
    maintenance_margin_at_entry: float
    maintenance_margin_at_liquidation: float | None
    max_loss: float  # isolated: its wallet; cross: the whole wallet (settlement currency)
    effective_leverage: float  # notional at entry / wallet at risk
    tier: TierUsed | None
    already_liquidated: bool  # the margin does not even cover maintenance at entry
    liquidated_at_mark: bool = False  # the mark given is already at or past the liquidation price
    no_liquidation_reason: str | None
    notes: tuple[str, ...]
    caveat: str  # one short line: why the exchange may show a slightly different number
    stop: StopCheck | None = None  # the request's stop against this liquidation price
    tick_size: float | None = None  # the price step the liquidation price was rounded to (None: not rounded)
    price_source: MarketPrice | None = None  # the entry was this live price (the request's)


class MarginComparison(BaseModel):
    """The same trade in isolated and in cross margin, for one account balance."""

    model_config = _FROZEN

    isolated: LiquidationResult
    cross: LiquidationResult
    wallet_balance: Positive
    notes: tuple[str, ...]


class CrossPositionInput(BaseModel):
    """One position of a cross account (linear, quantity in base units)."""

    model_config = _FROZEN

    symbol: Annotated[str, Field(min_length=1, max_length=20)]
    side: Side

    @field_validator("symbol", mode="before")
    @classmethod
    def _symbol(cls, value: object) -> object:
        return normalize_symbol(value)

    quantity: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    entry_price: Price
    mark_price: Price | None = None  # None: at entry
    mmr: Annotated[float, Field(ge=0, lt=1)] | None = None  # override of the venue's bracket


class CrossAccountRequest(BaseModel):
    """A cross wallet and its positions, on one venue's rules."""

    model_config = _FROZEN

    wallet_balance: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    positions: Annotated[tuple[CrossPositionInput, ...], Field(min_length=1, max_length=100_000)]
    venue: str | None = None
    mmr: Annotated[float, Field(ge=0, lt=1)] | None = None  # override for every position
    taker_fee_rate: Annotated[float, Field(ge=0, lt=0.1)] | None = None


MAX_DCA_FILLS = 25


class DcaPlan(BaseModel):
    """An isolated position built in adds: the trade (leverage, side, venue, …) and its fills in order.

    ``request`` holds the first fill as its entry and quantity; every fill is ``(price, quantity)``.
    """

    model_config = _FROZEN

    request: TradeRequest
    fills: Annotated[tuple[tuple[Price, Positive], ...], Field(min_length=1, max_length=MAX_DCA_FILLS)]


def validation_message(error: ValidationError) -> InvalidInputError:
    """One ``InvalidInputError`` from a pydantic ``ValidationError``: field, value and what to type."""
    first = error.errors()[0]
    loc = [str(part) for part in first.get("loc", ())]
    field = loc[0] if loc else None
    value = first.get("input")
    message = str(first.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if field is None:
        return InvalidInputError(message)
    if field == "taker_fee_rate":
        return fee_error(value)
    if first.get("type") == "less_than_equal" and field != "leverage" and isinstance(value, int | float):
        return InvalidInputError(
            f"{field.replace('_', ' ')} {fmt_num(float(value))} is too large for any market; type {_HINTS.get(field, 'a normal number')}",
            field=field,
        )
    hint = _HINTS.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = f"{value!r}" if not isinstance(value, dict) else ""
    elif field == "mmr":
        shown = fmt_percent(float(value))  # typed in percent: show it so (mmr 150%, not 1.5)
        message = message.replace("less than 1", "below 100%")
    else:
        shown = fmt_num(float(value))  # 5,000,000, never 5e+06
    text = f"{field.replace('_', ' ')} {shown}: {message.lower()}".replace("  ", " ")
    if hint:
        text += f"; type {hint}"
    return InvalidInputError(text, field=field)
