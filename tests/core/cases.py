"""Worked examples of the formula layer, each with its source. Shared by the scalar and bulk tests.

Each case: keyword arguments of ``core.liquidation_price`` and the expected price with a tolerance.
Tolerances: published figures printed to 2 dp → abs 0.005 (half a cent); API values with 8 dp →
rel 1e-9; figures shown rounded to an exchange tick → the tick, stated per case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import PositionLeg


@dataclass(frozen=True)
class Case:
    id: str
    kwargs: dict[str, Any]
    expected: float | None
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    source: str = ""
    others: tuple[PositionLeg, ...] = field(default=())
    hedge: PositionLeg | None = None


BINANCE_BTC = PositionLeg("long", 109.488, 32_481.98, 31_967.27, 0.025, 16_300)
BINANCE_ETH = PositionLeg("long", 3_683.979, 1_456.84, 1_335.18, 0.10, 135_365)

CASES: list[Case] = [
    # --- the textbook teaching case (PRODUCT.md §6, FORMULAS.md §9) ---------------------------------
    Case(
        "textbook-isolated-45250",
        dict(side="long", entry_price=50_000, quantity=0.2, wallet_balance=1_000, mmr=0.005, mm_basis="entry"),
        45_250.0,
        abs_tol=1e-9,
        source="50,000·(1 − 1/10 + 0.005) = 45,250 (PRODUCT.md §6; Bybit classic USDT page)",
    ),
    Case(
        "binance-isolated-same-trade",
        dict(side="long", entry_price=50_000, quantity=0.2, wallet_balance=1_000, mmr=0.005),
        45_226.13,
        abs_tol=0.005,
        source="(1,000 − 0.2·50,000)/(0.2·0.005 − 0.2) = 45,226.13 (FORMULAS.md §9)",
    ),
    Case(
        "okx-style-taker-in-mmr",
        dict(
            side="long",
            entry_price=50_000,
            quantity=0.2,
            wallet_balance=1_000,
            mmr=0.005,
            taker_fee_rate=0.0005,
            fee_model="taker_in_mmr",
        ),
        45_248.87,
        abs_tol=0.005,
        source="(EP − M/Q)/(1 − (MMR + taker)) = 45,000/0.9945 = 45,248.87 (FORMULAS.md §9, OKX §4)",
    ),
    Case(
        "textbook-cross-250",
        dict(side="long", entry_price=50_000, quantity=0.2, wallet_balance=10_000, mmr=0.005, mm_basis="entry"),
        250.0,
        abs_tol=1e-9,
        source="50,000 − (10,000 − 50)/0.2 = 250 (FORMULAS.md §9)",
    ),
    Case(
        "binance-cross-unliquidatable",
        dict(side="long", entry_price=50_000, quantity=0.2, wallet_balance=10_000, mmr=0.005),
        None,
        source="(10,000 − 0.2·50,000)/(0.2·0.005 − 0.2) = 0 → '--' on Binance (FORMULAS.md §9)",
    ),
    Case(
        "explainer-5250-needs-9000",
        dict(side="long", entry_price=50_000, quantity=0.2, wallet_balance=9_000, mmr=0.005, mm_basis="entry"),
        5_250.0,
        abs_tol=1e-9,
        source="the explainer's 5,250 is reproduced only with 9,000 of collateral (FORMULAS.md §9)",
    ),
    # --- Binance USDⓈ-M cross, two positions (official FAQ worked example) ----------------------------
    Case(
        "binance-faq-cross-btc",
        dict(
            side="long",
            entry_price=32_481.98,
            quantity=109.488,
            wallet_balance=1_535_443.01,
            mmr=0.025,
            maintenance_amount=16_300,
        ),
        26_316.89,
        abs_tol=0.005,
        source="Binance FAQ b3c689c1f50a44cabb3a84e663b81d93, LP(BTC) = 26,316.89 (FORMULAS.md §1.4)",
        others=(BINANCE_ETH,),
    ),
    Case(
        "binance-faq-cross-eth",
        dict(
            side="long",
            entry_price=1_456.84,
            quantity=3_683.979,
            wallet_balance=1_535_443.01,
            mmr=0.10,
            maintenance_amount=135_365,
        ),
        1_153.26,
        abs_tol=0.005,
        source="Binance FAQ b3c689c1f50a44cabb3a84e663b81d93, LP(ETH) = 1,153.26 (FORMULAS.md §1.4)",
        others=(BINANCE_BTC,),
    ),
    # --- Binance COIN-M ---------------------------------------------------------------------------------
    Case(
        "binance-coinm-api-positionrisk",
        dict(
            side="long",
            entry_price=37_643.10000021,
            quantity=2,
            wallet_balance=0.00268058,
            mmr=0.004,
            contract="inverse",
            contract_size=100,
        ),
        25_119.97445760,
        rel_tol=1e-10,
        source="real /dapi positionRisk sample in ccxt ts/src/binance.ts: liquidationPrice 25119.97445760 (FORMULAS.md §2)",
    ),
    Case(
        "binance-coinm-calculator-thread",
        dict(
            side="long",
            entry_price=45_000,
            quantity=100_000,
            wallet_balance=101,
            mmr=0.125,
            maintenance_amount=11.605,
            contract="inverse",
            contract_size=100,
        ),
        33_599.40,
        abs_tol=0.025,
        source="dev.binance.vision thread 6292: Binance calculator 33,599.40; formula 33,599.42 with FAQ cum 11.605 (FORMULAS.md §2)",
    ),
    # --- Bybit --------------------------------------------------------------------------------------------
    Case(
        "bybit-usdt-classic-19700",
        dict(side="long", entry_price=20_000, quantity=1, wallet_balance=400, mmr=0.005, mm_basis="entry"),
        19_700.0,
        abs_tol=1e-9,
        source="Bybit 'Liquidation Price (USDT Contract)' example 1: 1 BTC @ 20,000, 50x, MMR 0.5 % → 19,700",
    ),
    Case(
        "bybit-inverse-cross-5739",
        dict(
            side="long",
            entry_price=8_000,
            quantity=10_000,
            wallet_balance=0.5,
            mmr=0.005,
            contract="inverse",
            mm_basis="entry",
            taker_fee_rate=0.00075,
            fee_model="close_at_bankruptcy",
        ),
        5_739.50,
        abs_tol=0.5,
        source="Bybit help 360039261334: LP 5,739.50 on the page = exact 5,739.08 rounded up to the 0.5 tick",
    ),
    Case(
        "bybit-inverse-uta-derived",
        dict(
            side="long",
            entry_price=50_000,
            quantity=60_000,
            wallet_balance=0.12,
            mmr=0.005,
            contract="inverse",
        ),
        45_681.82,
        abs_tol=0.005,
        source="Bybit UTA inverse (newer text) 60,000 USD @ 50,000, 10x: 60,000·1.005/(1.2 + 0.12) = 45,681.82 (FORMULAS.md §3.2)",
    ),
    # --- shorts: derivations in tests/core/derivations.md -------------------------------------------------
    Case(
        "textbook-short",
        dict(side="short", entry_price=50_000, quantity=0.2, wallet_balance=1_000, mmr=0.005, mm_basis="entry"),
        54_750.0,
        abs_tol=1e-9,
        source="50,000·(1 + 1/10 − 0.005) = 54,750 (derivations.md D1)",
    ),
    Case(
        "binance-short",
        dict(side="short", entry_price=50_000, quantity=0.2, wallet_balance=1_000, mmr=0.005),
        54_726.37,
        abs_tol=0.005,
        source="(1,000 + 0.2·50,000)/(0.2·0.005 + 0.2) = 11,000/0.201 = 54,726.37 (derivations.md D2)",
    ),
    Case(
        "coinm-short-isolated",
        dict(
            side="short",
            entry_price=50_000,
            quantity=100,
            wallet_balance=0.02,
            mmr=0.005,
            contract="inverse",
            contract_size=100,
        ),
        55_277.78,
        abs_tol=0.005,
        source="N·CS·(1 − MMR)/(N·CS/EP − WB) = 10,000·0.995/(0.2 − 0.02) = 55,277.78 (derivations.md D3)",
    ),
    Case(
        "hedge-cross-shared-price",
        dict(side="long", entry_price=50_000, quantity=0.3, wallet_balance=1_000, mmr=0.005),
        45_454.55,
        abs_tol=0.005,
        source="hedge long 0.3 + short 0.1 @ 50,000 share one LP: (1,000 − 15,000 + 5,000)/(0.4·0.005 − 0.2) (derivations.md D4)",
        hedge=PositionLeg("short", 0.1, 50_000, 50_000, 0.005),
    ),
    Case(
        "hyperliquid-formula-equivalence",
        dict(side="long", entry_price=60_000, quantity=0.5, wallet_balance=1_500, mmr=0.0125),
        57_721.52,
        abs_tol=0.005,
        source="HL liq = EP − (M − EP·Q·MMR)/Q/(1 − MMR) = 60,000 − (1,500 − 375)/0.5/0.9875 (derivations.md D5)",
    ),
]
