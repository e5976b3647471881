"""liqcalc core: exchange-exact liquidation maths for isolated and cross margin.

Pure: no network, no logging, no printing, no environment; the only file it reads is its bundled tier
data (``core/tier_tables``), on first use. Every front end (Telegram bot, Excel functions, the ``liq``
terminal command) translates its input into these functions and formats what they return.

Layers:
    formula  ``liquidation_price``, ``bankruptcy_price``, ``PositionLeg`` (and ``_bulk`` twins)
    tiers    ``TierTable``, ``liquidation_price_tiered`` (bracket re-checked at the liquidation price)
    product  ``parse_trade`` → ``TradeRequest`` → ``calculate`` → ``LiquidationResult``;
             ``compare_margin_modes``, ``cross_account``, ``dca_ladder``, PnL, sizing, funding.
"""

import importlib
from typing import TYPE_CHECKING

from core.calculator import across_venues, calculate, calculate_sides, compare_margin_modes, resolve_position, table_for
from core.dca import DcaStep, dca_ladder
from core.enums import ContractType, FeeModel, MarginMode, MMBasis, Side
from core.errors import (
    CoreError,
    InvalidInputError,
    NoLiquidationError,
    ParseError,
    TierNotFoundError,
    TradeCallError,
    UnsupportedError,
)
from core.funding import funding_paid, liquidation_after_funding, periods_until_liquidation
from core.grammar import parse_cross_account, parse_dca, parse_trade, venue_has_table
from core.liquidation import PositionLeg, bankruptcy_price, liquidation_price
from core.models import (
    CrossAccountRequest,
    CrossPositionInput,
    DcaPlan,
    LiquidationResult,
    MarginComparison,
    Position,
    TierUsed,
    TradeRequest,
)
from core.pnl import PnlResult, TargetResult, average_entry, pnl, pnl_report, target_price, target_report
from core.review import CallReview, ReviewWarning, TargetReview, review_call
from core.sizing import (
    SizingResult,
    StopCheck,
    max_safe_leverage,
    position_size,
    size_for_risk,
    stop_check,
    whole_leverage,
)
from core.tier_data import bundled_tier_tables, tier_table
from core.tiers import Tier, TierTable, liquidation_price_tiered
from core.trade_call import TradeCall, parse_trade_call
from core.venues import VENUES, Venue, get_venue

if TYPE_CHECKING:  # the lazily loaded names, for type checkers
    from core.bulk import (
        liquidation_price_bulk,
        liquidation_price_tiered_bulk,
        pnl_bulk,
        position_size_bulk,
        round_price_bulk,
    )
    from core.cross import CrossAccountResult, CrossPositionResult, cross_account

# numpy-backed names load on first use (PEP 562), so ``import core`` does not pay for numpy
_LAZY = {
    "liquidation_price_bulk": "core.bulk",
    "liquidation_price_tiered_bulk": "core.bulk",
    "pnl_bulk": "core.bulk",
    "position_size_bulk": "core.bulk",
    "round_price_bulk": "core.bulk",
    "CrossAccountResult": "core.cross",
    "CrossPositionResult": "core.cross",
    "cross_account": "core.cross",
}


def __getattr__(name: str) -> object:
    """Import a numpy-backed public name on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "VENUES",
    "CallReview",
    "ContractType",
    "CoreError",
    "CrossAccountRequest",
    "CrossAccountResult",
    "CrossPositionInput",
    "CrossPositionResult",
    "DcaPlan",
    "DcaStep",
    "FeeModel",
    "InvalidInputError",
    "LiquidationResult",
    "MMBasis",
    "MarginComparison",
    "MarginMode",
    "NoLiquidationError",
    "ParseError",
    "PnlResult",
    "Position",
    "PositionLeg",
    "ReviewWarning",
    "Side",
    "SizingResult",
    "StopCheck",
    "TargetResult",
    "TargetReview",
    "Tier",
    "TierNotFoundError",
    "TierTable",
    "TierUsed",
    "TradeCall",
    "TradeCallError",
    "TradeRequest",
    "UnsupportedError",
    "Venue",
    "across_venues",
    "average_entry",
    "bankruptcy_price",
    "bundled_tier_tables",
    "calculate",
    "calculate_sides",
    "compare_margin_modes",
    "cross_account",
    "dca_ladder",
    "funding_paid",
    "get_venue",
    "liquidation_after_funding",
    "liquidation_price",
    "liquidation_price_bulk",
    "liquidation_price_tiered",
    "liquidation_price_tiered_bulk",
    "max_safe_leverage",
    "parse_cross_account",
    "parse_dca",
    "parse_trade",
    "parse_trade_call",
    "periods_until_liquidation",
    "pnl",
    "pnl_bulk",
    "pnl_report",
    "position_size",
    "position_size_bulk",
    "resolve_position",
    "review_call",
    "round_price_bulk",
    "size_for_risk",
    "stop_check",
    "table_for",
    "target_price",
    "target_report",
    "tier_table",
    "venue_has_table",
    "whole_leverage",
]
