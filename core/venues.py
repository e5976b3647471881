"""Venues: each exchange's liquidation rules (MM basis, fee model, rounding, tier tables).

A venue is data, not code: the formula layer is the same for all of them (``core.liquidation``); a
venue says at which price maintenance margin is measured, how fees enter, which bracket tables apply
and how prices are rounded.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from core.enums import ContractType, FeeModel, MMBasis, Side
from core.errors import InvalidInputError

__all__ = ["VENUES", "Venue", "get_venue", "round_price"]


class Venue(BaseModel):
    """One exchange's rules for the liquidation price."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    name: str
    mm_basis: MMBasis
    fee_model: FeeModel
    taker_fee_rate: Annotated[float, Field(ge=0, lt=0.1)]
    tier_venue: str | None = Field(default=None, description="key of the bundled tier tables; None: flat MMR")
    flat_mmr: Annotated[float, Field(ge=0, lt=1)] = 0.005
    rounds_to_tick: bool = True
    formula: str
    source: str
    inverse_contract_usd: dict[str, float] = Field(
        default_factory=lambda: {"*": 100.0}, description="USD per inverse contract by symbol ('*': the rest)"
    )
    inverse_fee_model: FeeModel | None = None  # inverse contracts under other fee rules (Bybit classic)
    inverse_taker_fee_rate: Annotated[float, Field(ge=0, lt=0.1)] | None = None
    inverse_formula: str | None = None
    inverse_source: str | None = None

    def contract_size_usd(self, symbol: str) -> float:
        """USD per inverse contract for ``symbol`` when no instrument data says otherwise."""
        return self.inverse_contract_usd.get(symbol.upper(), self.inverse_contract_usd["*"])

    def for_contract(self, contract: ContractType) -> Venue:
        """The rules for ``contract``: inverse contracts may carry their own fee model, formula and source."""
        if contract is not ContractType.INVERSE or self.inverse_fee_model is None:
            return self
        return self.model_copy(
            update={
                "fee_model": self.inverse_fee_model,
                "taker_fee_rate": self.inverse_taker_fee_rate or self.taker_fee_rate,
                "formula": self.inverse_formula or self.formula,
                "source": self.inverse_source or self.source,
            }
        )


VENUES: dict[str, Venue] = {
    v.key: v
    for v in (
        Venue(
            key="textbook",
            name="Textbook",
            mm_basis=MMBasis.ENTRY,
            fee_model=FeeModel.NONE,
            taker_fee_rate=0.0,
            tier_venue=None,
            flat_mmr=0.005,
            rounds_to_tick=False,
            formula="EP·(1 ∓ 1/lev ± MMR), MM at entry",
            source="https://testnet.bybit.com/en-US/help-center/s/article/Liquidation-Price-USDT-Contract",
        ),
        Venue(
            key="binance",
            name="Binance",
            mm_basis=MMBasis.LIQUIDATION,
            fee_model=FeeModel.NONE,
            taker_fee_rate=0.0005,
            tier_venue="binance",
            formula="USDⓈ-M / COIN-M formula, MM at the liquidation price, brackets with cum, no fees",
            source="https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93",
            inverse_contract_usd={"BTC": 100.0, "*": 10.0},  # COIN-M exchangeInfo contractSize (MARKET.md)
        ),
        Venue(
            key="bybit",
            name="Bybit",
            mm_basis=MMBasis.LIQUIDATION,
            fee_model=FeeModel.NONE,
            taker_fee_rate=0.00055,
            tier_venue="bybit",
            formula="Unified account: MM at mark (liquidation) price with mmDeduction; fee to close cancels",
            source="https://www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account",
            inverse_contract_usd={"*": 1.0},  # BTCUSD, ETHUSD: 1 USD a contract
        ),
        Venue(
            key="bybit-classic",
            name="Bybit classic",
            mm_basis=MMBasis.ENTRY,
            fee_model=FeeModel.NONE,
            taker_fee_rate=0.00055,
            tier_venue="bybit",
            formula="classic account: LP = EP ∓ (IM − MM)/size, MM at entry",
            source="https://testnet.bybit.com/en-US/help-center/s/article/Liquidation-Price-USDT-Contract",
            inverse_contract_usd={"*": 1.0},
            inverse_fee_model=FeeModel.CLOSE_AT_BANKRUPTCY,
            inverse_taker_fee_rate=0.00075,
            inverse_formula="classic inverse: MM at entry plus the 0.075 % fee to close at the bankruptcy price",
            inverse_source="https://help.bybit.com/hc/en-us/articles/360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract-",
        ),
        Venue(
            key="okx",
            name="OKX",
            mm_basis=MMBasis.LIQUIDATION,
            fee_model=FeeModel.TAKER_IN_MMR,
            taker_fee_rate=0.0005,
            tier_venue="okx",
            formula="margin ratio 100 %: taker fee added to the tier MMR, MM at mark",
            source="https://tr.okx.com/help/tier",
            inverse_contract_usd={"BTC": 100.0, "*": 10.0},  # BTC-USD-SWAP ctVal 100 USD, others 10
        ),
        Venue(
            key="gate",
            name="Gate",
            mm_basis=MMBasis.LIQUIDATION,
            fee_model=FeeModel.TAKER_IN_MMR,
            taker_fee_rate=0.0005,
            tier_venue="gate",
            formula="LP = (EP ∓ margin/size) / (1 ± (MMR + taker))",
            source="https://www.gate.io/help/futures/futures/27724/liquidation-price-bankruptcy-price",
        ),
        Venue(
            key="bitget",
            name="Bitget",
            mm_basis=MMBasis.LIQUIDATION,
            fee_model=FeeModel.TAKER_IN_MMR,
            taker_fee_rate=0.0006,
            tier_venue="bitget",
            formula="MM = Σ tier slice × (tier MMR + taker fee), at the mark (liquidation) price",
            source="https://www.bitget.com/support/articles/12560603808759",
        ),
        Venue(
            key="mexc",
            name="MEXC",
            mm_basis=MMBasis.ENTRY,
            fee_model=FeeModel.NONE,
            taker_fee_rate=0.0002,
            tier_venue="mexc",
            formula="LP = (MM − margin + EP·size)/size (long), MM = value × the risk level's MMR, fees excluded",
            source="https://blog.mexc.fm/liquidation-in-futures-2",
        ),
        Venue(
            key="hyperliquid",
            name="Hyperliquid",
            mm_basis=MMBasis.LIQUIDATION,
            fee_model=FeeModel.NONE,
            taker_fee_rate=0.00045,
            tier_venue="hyperliquid",
            formula="MMR = 1/(2·max leverage); liq = EP − side·margin available/size/(1 − MMR·side)",
            source="https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations",
        ),
    )
}

_ALIASES = {
    "standard": "textbook",
    "std": "textbook",
    "simple": "textbook",
    "default": "textbook",
    "bn": "binance",
    "bnb": "binance",
    "binance-futures": "binance",
    "bybit-uta": "bybit",
    "uta": "bybit",
    "classic": "bybit-classic",
    "bybitclassic": "bybit-classic",
    "okex": "okx",
    "gateio": "gate",
    "gate.io": "gate",
    "bg": "bitget",
    "hl": "hyperliquid",
    "hyper": "hyperliquid",
}


def get_venue(name: str) -> Venue:
    """The venue called ``name`` (case-insensitive; aliases like ``okex``, ``hl`` accepted).

    Raises:
        InvalidInputError: unknown venue, with the list of known ones.
    """
    key = name.strip().lower().lstrip("@")
    key = _ALIASES.get(key, key)
    venue = VENUES.get(key)
    if venue is None:
        known = ", ".join(VENUES)
        close = difflib.get_close_matches(key, [*VENUES, *_ALIASES], n=1, cutoff=0.75)
        hint = f"did you mean {_ALIASES.get(close[0], close[0])}? " if close else ""
        raise InvalidInputError(f"venue {name!r} is unknown; {hint}type one of: {known}", field="venue")
    return venue


def round_price(price: float, tick_size: float, side: Side, *, conservative: bool = True) -> float:
    """Round a liquidation or bankruptcy price to the tick, towards entry (the exchange's side).

    Longs round up and shorts round down, so the rounded price is reached no later than the exact
    one (Bybit: 919.097 → 919.10 and 5,739.08 → 5,739.50; Binance API: longs up, shorts down).
    A price already on the tick (within 1e-9 ticks) is kept.

    >>> round_price(5739.0835, 0.5, Side.LONG)
    5739.5
    >>> round_price(45250.000000001, 0.1, Side.LONG)
    45250.0
    """
    steps = price / tick_size
    nearest = round(steps)
    if abs(steps - nearest) <= 1e-9 * max(1.0, abs(steps)):
        steps = nearest
    elif conservative:
        steps = math.ceil(steps) if side is Side.LONG else math.floor(steps)
    else:
        steps = nearest
    decimals = max(0, -math.floor(math.log10(tick_size)) + 1)
    return round(steps * tick_size, decimals)
