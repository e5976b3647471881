"""Maintenance-margin tiers (brackets, risk limits) and the liquidation price that re-checks them.

The bracket that applies is the one holding the position's size *at the liquidation price*
(Binance COIN-M FAQ: "If your position (calculated at the liquidation price) and the current position
(calculated at the opening price) are of different levels, then you must substitute the maintenance
margin rate and the maintenance amount of the position level [at the liquidation price], to
recalculate"). Other positions of a cross account use the bracket at their mark price. A size exactly
at a floor belongs to the upper bracket: ``floor ≤ size < cap``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.enums import ContractType, FeeModel, MarginMode, MMBasis, Side
from core.errors import InvalidInputError, TierNotFoundError
from core.liquidation import PositionLeg, liquidation_price
from core.numbers import fmt_num

__all__ = ["BoundUnit", "Tier", "TierTable", "TieredLiquidation", "liquidation_price_tiered"]

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class BoundUnit(StrEnum):
    """What a tier's floor and cap measure."""

    QUOTE_NOTIONAL = "quote_notional"  # |quantity| × price, quote currency (Binance USDⓈ-M, Bybit, Gate, HL)
    BASE_QUANTITY = "base_quantity"  # base units, price-independent (OKX contracts × ctVal)
    COIN_NOTIONAL = "coin_notional"  # inverse: contracts × contract size / price, coin (Binance COIN-M)


class Tier(BaseModel):
    """One bracket: sizes in ``[floor, cap)`` use ``mmr`` and ``maintenance_amount``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    floor: NonNegative
    cap: Annotated[float, Field(gt=0)]
    mmr: Annotated[float, Field(ge=0, lt=1)]
    max_leverage: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    maintenance_amount: Annotated[float, Field(allow_inf_nan=False)] = 0.0


class TierTable(BaseModel):
    """A venue's bracket table for one market, with its source and the date it was valid."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    venue: str
    symbol: str
    market: str
    contract: ContractType = ContractType.LINEAR
    contract_size: Annotated[float, Field(gt=0)] = 1.0
    tick_size: Annotated[float, Field(gt=0)] | None = None  # the instrument's price step; None: unknown
    funding_interval_hours: Annotated[float, Field(gt=0)] | None = None  # the instrument's funding period
    bound_unit: BoundUnit = BoundUnit.QUOTE_NOTIONAL
    marginal: bool = True
    margin_mode: MarginMode | None = None  # the one mode the venue published this table for; None: both
    source: str = "user supplied"
    as_of: str = ""
    notes: str = ""
    tiers: tuple[Tier, ...]

    @model_validator(mode="after")
    def _contiguous(self) -> Self:
        if not self.tiers:
            raise ValueError("a tier table needs at least one tier")
        for i, tier in enumerate(self.tiers):
            if tier.cap <= tier.floor:
                raise ValueError(f"tier {i + 1}: cap {tier.cap!r} must be above floor {tier.floor!r}")
            if i and not math.isclose(tier.floor, self.tiers[i - 1].cap, rel_tol=1e-12):
                raise ValueError(
                    f"tier {i + 1}: floor {tier.floor!r} must equal the previous cap {self.tiers[i - 1].cap!r}"
                )
        if self.tiers[0].floor != 0:
            raise ValueError(f"the first tier must start at 0, not {self.tiers[0].floor!r}")
        return self

    @classmethod
    def flat(
        cls,
        mmr: float,
        maintenance_amount: float = 0.0,
        *,
        venue: str = "custom",
        symbol: str = "ANY",
        contract: ContractType = ContractType.LINEAR,
        contract_size: float = 1.0,
        max_leverage: float = 1000.0,
        tick_size: float | None = None,
        source: str = "flat rate",
    ) -> TierTable:
        """A single-bracket table: one MMR for every size (the textbook, or a user's override)."""
        return cls(
            venue=venue,
            symbol=symbol,
            market=symbol,
            contract=contract,
            contract_size=contract_size,
            tick_size=tick_size,
            bound_unit=_default_unit(contract),
            source=source,
            tiers=(
                Tier(floor=0, cap=math.inf, mmr=mmr, max_leverage=max_leverage, maintenance_amount=maintenance_amount),
            ),
        )

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Sequence[float]],
        *,
        venue: str = "custom",
        symbol: str = "ANY",
        contract: ContractType = ContractType.LINEAR,
        contract_size: float = 1.0,
        tick_size: float | None = None,
    ) -> TierTable:
        """Build a user-supplied table from rows ``(cap, mmr[, max_leverage[, maintenance_amount]])``.

        Floors are the previous caps. When the maintenance amounts are omitted they are derived with the
        marginal recurrence ``amount_n = floor_n·(mmr_n − mmr_{n−1}) + amount_{n−1}`` (Binance ``cum``),
        which keeps the maintenance margin continuous across brackets.
        """
        tiers: list[Tier] = []
        floor, prev_mmr, prev_amount = 0.0, 0.0, 0.0
        for i, row in enumerate(rows):
            values = list(row)
            if len(values) < 2:
                raise InvalidInputError(
                    f"tier row {i + 1} {values!r} needs at least a cap and an MMR, like (50000, 0.004)",
                    field="tiers",
                )
            cap, mmr = float(values[0]), float(values[1])
            max_lev = float(values[2]) if len(values) > 2 and values[2] is not None else 1000.0
            if len(values) > 3 and values[3] is not None:
                amount = float(values[3])
            else:
                amount = floor * (mmr - prev_mmr) + prev_amount if tiers else 0.0
            tiers.append(Tier(floor=floor, cap=cap, mmr=mmr, max_leverage=max_lev, maintenance_amount=amount))
            floor, prev_mmr, prev_amount = cap, mmr, amount
        return cls(
            venue=venue,
            symbol=symbol,
            market=symbol,
            contract=contract,
            contract_size=contract_size,
            tick_size=tick_size,
            bound_unit=_default_unit(contract),
            tiers=tuple(tiers),
        )

    @cached_property
    def floors(self) -> tuple[float, ...]:
        """The brackets' floors, ascending."""
        return tuple(t.floor for t in self.tiers)

    def size(self, quantity: float, price: float) -> float:
        """The position's size in this table's ``bound_unit`` at ``price``."""
        if self.bound_unit is BoundUnit.QUOTE_NOTIONAL:
            return quantity * price * (self.contract_size if self.contract is ContractType.INVERSE else 1.0)
        if self.bound_unit is BoundUnit.COIN_NOTIONAL:
            return quantity * self.contract_size / price
        return quantity

    def size_settle(self, quantity: float, price: float) -> float:
        """Notional in the settlement currency at ``price``: ``Q·P`` (linear) or ``N·CS/P`` coin (inverse)."""
        if self.contract is ContractType.INVERSE:
            return quantity * self.contract_size / price
        return quantity * price

    def index_at(self, size: float, *, clamp: bool = False) -> int:
        """Index of the bracket with ``floor ≤ size < cap``.

        Raises:
            TierNotFoundError: the size is beyond the last cap (unless ``clamp``).
        """
        index = bisect.bisect_right(self.floors, size) - 1
        index = max(index, 0)
        if size >= self.tiers[index].cap:
            if clamp:
                return len(self.tiers) - 1
            last = self.tiers[-1]
            raise TierNotFoundError(
                f"size {fmt_num(size, 6)} is beyond the last {self.venue} {self.symbol} tier (cap "
                f"{fmt_num(last.cap, 6)} {self._unit_label}); make the position smaller",
                field="quantity",
            )
        return index

    def tier_at(self, quantity: float, price: float, *, clamp: bool = False) -> Tier:
        """The bracket that holds ``quantity`` at ``price``."""
        return self.tiers[self.index_at(self.size(quantity, price), clamp=clamp)]

    def check_leverage(self, leverage: float, quantity: float, price: float) -> None:
        """Raise when ``leverage`` exceeds the bracket maximum for this size at ``price``.

        Raises:
            InvalidInputError: naming the leverage, the bracket and the maximum.
        """
        tier = self.tier_at(quantity, price)
        if leverage > tier.max_leverage * (1 + 1e-12):
            raise InvalidInputError(
                f"leverage {fmt_num(leverage)}x is above the {self.venue} {self.symbol} maximum of "
                f"{fmt_num(tier.max_leverage)}x for a position of {tier.floor:,.0f}–{tier.cap:,.0f} {self._unit_label}; "
                f"type a leverage of {fmt_num(tier.max_leverage)}x or less",
                field="leverage",
            )

    @property
    def _unit_label(self) -> str:
        return {
            BoundUnit.QUOTE_NOTIONAL: "notional",
            BoundUnit.BASE_QUANTITY: self.symbol,
            BoundUnit.COIN_NOTIONAL: f"{self.symbol} notional",
        }[self.bound_unit]


@dataclass(frozen=True, slots=True)
class TieredLiquidation:
    """A liquidation price with the bracket it was computed in (``price`` None: not liquidatable)."""

    price: float | None
    tier_index: int
    tier: Tier


def liquidation_price_tiered(
    side: Side | str,
    entry_price: float,
    quantity: float,
    wallet_balance: float,
    *,
    table: TierTable,
    others: Iterable[PositionLeg] = (),
    hedge: PositionLeg | None = None,
    taker_fee_rate: float = 0.0,
    fee_model: FeeModel | str = FeeModel.NONE,
    mm_basis: MMBasis | str = MMBasis.LIQUIDATION,
) -> TieredLiquidation:
    """Liquidation price with the bracket chosen at the liquidation price (MM at entry: at entry).

    Starts in the bracket at entry, solves, and moves to the bracket that holds the size at the
    solution until they agree. With a marginal table (``cum``) the maintenance margin is continuous and
    this converges to the unique root. A table without maintenance amounts has jumps: when the
    solution flips between two brackets the more conservative price (closer to entry) is returned.
    A hedge leg's bracket is re-chosen at the shared price too.

    Raises:
        TierNotFoundError: the position at entry is beyond the last bracket.
    """
    basis = MMBasis(mm_basis)
    sign = Side(side).sign if isinstance(side, Side) else Side.parse(str(side)).sign
    others = tuple(others)
    state = _brackets(table, quantity, hedge, entry_price, clamp=False)
    tried: dict[tuple[int, int], float | None] = {}
    while state not in tried:
        tier = table.tiers[state[0]]
        price = liquidation_price(
            side,
            entry_price,
            quantity,
            wallet_balance,
            mmr=tier.mmr,
            maintenance_amount=tier.maintenance_amount,
            contract=table.contract,
            contract_size=table.contract_size,
            others=others,
            hedge=_hedge_in(hedge, table, state[1]),
            taker_fee_rate=taker_fee_rate,
            fee_model=fee_model,
            mm_basis=basis,
        )
        tried[state] = price
        if price is None or basis is MMBasis.ENTRY:
            return TieredLiquidation(price, state[0], tier)
        try:
            next_state = _brackets(table, quantity, hedge, price, clamp=False)
        except TierNotFoundError:
            last = table.tiers[-1]
            raise TierNotFoundError(
                f"at the liquidation price {fmt_num(price)} the position is {fmt_num(table.size(quantity, price))} "
                f"{table._unit_label}, beyond the last {table.venue} {table.symbol} bracket (cap "
                f"{fmt_num(last.cap)}): the bundled table stops there; make the position smaller, or give the "
                "exchange's rate for that size, like mmr 2.5%",
                field="quantity",
            ) from None
        if next_state == state:
            return TieredLiquidation(price, state[0], tier)
        state = next_state
    # A cycle between brackets (no maintenance amounts): take the price closest to entry.
    candidates = [(s, p) for s, p in tried.items() if p is not None]
    best_state, best_price = max(candidates, key=lambda item: sign * item[1])
    return TieredLiquidation(best_price, best_state[0], table.tiers[best_state[0]])


def _brackets(
    table: TierTable, quantity: float, hedge: PositionLeg | None, price: float, *, clamp: bool
) -> tuple[int, int]:
    """Bracket indices of the priced leg and of the hedge leg (−1: none) at ``price``."""
    own = table.index_at(table.size(quantity, price), clamp=clamp)
    other = -1 if hedge is None else table.index_at(table.size(hedge.quantity, price), clamp=clamp)
    return own, other


def _hedge_in(hedge: PositionLeg | None, table: TierTable, index: int) -> PositionLeg | None:
    """The hedge leg carrying the rate and amount of bracket ``index``."""
    if hedge is None:
        return None
    tier = table.tiers[index]
    return PositionLeg(
        hedge.side,
        hedge.quantity,
        hedge.entry_price,
        hedge.mark_price,
        tier.mmr,
        tier.maintenance_amount,
        hedge.contract,
        hedge.contract_size,
    )


def _default_unit(contract: ContractType) -> BoundUnit:
    return BoundUnit.COIN_NOTIONAL if contract is ContractType.INVERSE else BoundUnit.QUOTE_NOTIONAL
