"""Numpy twins of the hot scalar functions: columns in, columns out.

Each function broadcasts its arguments (arrays or scalars), returns an array of the broadcast shape,
and marks bad rows NaN — or, with ``raise_errors=True``, raises the scalar function's error class with
the row index. The scalar functions are the reference: ``tests/core/test_bulk.py`` runs these twins
over the scalar case tables and requires agreement to 1e-9 relative.

Twins: ``liquidation_price_bulk`` (of :func:`core.liquidation.liquidation_price` without other
positions or a hedge leg), ``liquidation_price_tiered_bulk`` (of
:func:`core.tiers.liquidation_price_tiered`), ``pnl_bulk`` (of :func:`core.pnl.pnl`),
``position_size_bulk`` (of :func:`core.sizing.position_size`).

Scalar-only, by nature: the product layer (``calculate``, ``compare_margin_modes``, ``review_call``:
one card per trade; its hot path is ``liquidation_price_tiered_bulk``), ``cross_account`` (already
one pass over all positions), ``dca_ladder`` (each step depends on the one before, at most 25), and
the text parsers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from core._arrays import FloatArray, as_float, finalize, side_signs
from core.enums import ContractType, FeeModel, MMBasis
from core.liquidation import ZERO_TOLERANCE
from core.ticks import MIN_TICKS_IN_PRICE, SIGNIFICANT_FIGURES
from core.tiers import BoundUnit, TierTable

__all__ = [
    "liquidation_price_bulk",
    "liquidation_price_tiered_bulk",
    "pnl_bulk",
    "position_size_bulk",
    "round_price_bulk",
    "round_to_tick_bulk",
]

Mask = npt.NDArray[np.bool_]


def liquidation_price_bulk(
    side: Any,
    entry_price: Any,
    quantity: Any,
    wallet_balance: Any,
    *,
    mmr: Any,
    maintenance_amount: Any = 0.0,
    contract: ContractType | str = ContractType.LINEAR,
    contract_size: Any = 1.0,
    taker_fee_rate: Any = 0.0,
    fee_model: FeeModel | str = FeeModel.NONE,
    mm_basis: MMBasis | str = MMBasis.LIQUIDATION,
    raise_errors: bool = False,
) -> FloatArray:
    """Liquidation prices of many positions at once; NaN where no positive price liquidates.

    Args: as :func:`core.liquidation.liquidation_price` (isolated, or cross without other positions),
    each numeric argument an array or a scalar; ``side`` as ±1, booleans (True = long) or words.

    Returns:
        float64 array of the broadcast shape (unrounded prices; NaN for bad rows and no-liquidation rows).

    Raises:
        InvalidInputError: with ``raise_errors=True``, on the first invalid row (its index in the message).

    >>> liquidation_price_bulk(["long", "short"], 50_000, 0.2, 1_000, mmr=0.005, mm_basis="entry").tolist()
    [45250.0, 54750.0]
    """
    sign = side_signs(side)
    ep, q, wb = as_float(entry_price), as_float(quantity), as_float(wallet_balance)
    m, cum, cs, fee = as_float(mmr), as_float(maintenance_amount), as_float(contract_size), as_float(taker_fee_rate)
    kind, fees, basis = ContractType(contract), FeeModel(fee_model), MMBasis(mm_basis)
    sign, ep, q, wb, m, cum, cs, fee = np.broadcast_arrays(sign, ep, q, wb, m, cum, cs, fee)
    checks = _checks(sign, ep, q, wb, m, cum, cs, fee)
    invalid = _any_invalid(checks, sign.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        price = _solve(sign, ep, q, wb, m, cum, cs, fee, kind, fees, basis)
    return finalize(price, invalid, raise_errors=raise_errors, messages=checks)


def liquidation_price_tiered_bulk(
    side: Any,
    entry_price: Any,
    quantity: Any,
    wallet_balance: Any,
    *,
    table: TierTable,
    taker_fee_rate: Any = 0.0,
    fee_model: FeeModel | str = FeeModel.NONE,
    mm_basis: MMBasis | str = MMBasis.LIQUIDATION,
    raise_errors: bool = False,
    return_tier: bool = False,
) -> Any:
    """Liquidation prices with each row's bracket chosen at its liquidation price (twin of
    :func:`core.tiers.liquidation_price_tiered`).

    Rows start in the bracket at entry and move to the bracket holding their size at the solution,
    re-solving only the rows that moved, until none moves. Rows whose size at entry is beyond the last
    cap are invalid. Rows that cycle between two brackets (tables without maintenance amounts) take
    the price closer to entry, as the scalar function does.

    Returns:
        prices (float64, NaN for invalid / not liquidatable rows); with ``return_tier=True`` also the
        0-based bracket index per row (−1 for invalid rows).
    """
    sign = side_signs(side)
    ep, q, wb, fee = as_float(entry_price), as_float(quantity), as_float(wallet_balance), as_float(taker_fee_rate)
    kind, fees, basis = table.contract, FeeModel(fee_model), MMBasis(mm_basis)
    floors = np.array([t.floor for t in table.tiers])
    caps = np.array([t.cap for t in table.tiers])
    rates = np.array([t.mmr for t in table.tiers])
    amounts = np.array([t.maintenance_amount for t in table.tiers])
    cs = table.contract_size
    zero = np.zeros(())
    # validate before broadcasting: a scalar argument is checked once, not once per row
    checks = _checks(sign, ep, q, wb, zero, zero, np.asarray(cs), fee)
    invalid = _any_invalid(checks, ())
    scalar_fee = fee.ndim == 0  # the usual case: one fee for every row, kept 0-d (no million-row copy)
    sign, ep, q, wb, invalid = np.broadcast_arrays(sign, ep, q, wb, invalid, fee)[:5]
    shape = sign.shape
    sign, ep, q, wb = (np.ravel(a).astype(np.float64, copy=False) for a in (sign, ep, q, wb))
    invalid = np.ravel(invalid).astype(bool, copy=False)
    if not scalar_fee:
        fee = np.ravel(np.broadcast_to(fee, shape)).astype(np.float64, copy=False)
    if raise_errors:  # the per-row reasons are only needed to name the first bad row
        checks = [(np.ravel(np.broadcast_to(mask, shape)), message) for mask, message in checks]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        size_entry = _table_size(table.bound_unit, kind, q, ep, cs)
        index = np.searchsorted(floors, size_entry, side="right") - 1
        np.maximum(index, 0, out=index)
        beyond = size_entry >= caps[-1]  # brackets are contiguous: only the last cap bounds the table
        if beyond.any():
            checks.append(
                (beyond & ~invalid, "the size at entry is beyond the last bracket; make the position smaller")
            )
            invalid = invalid | beyond
            np.minimum(index, len(floors) - 1, out=index)
        price = _solve(sign, ep, q, wb, rates[index], amounts[index], cs, fee, kind, fees, basis)
        if basis is MMBasis.LIQUIDATION:
            price, index = _settle_brackets(
                price, index, floors, rates, amounts, sign, ep, q, wb, cs, fee, kind, fees, basis, table.bound_unit
            )
            if math.isfinite(caps[-1]):  # the size at the liquidation price must fit the table too
                outside = ~np.isnan(price) & (_table_size(table.bound_unit, kind, q, price, cs) >= caps[-1])
                if outside.any():
                    message = "at the liquidation price the size is beyond the last bracket; make it smaller"
                    checks.append((outside & ~invalid, message))
                    invalid = invalid | outside
    price = finalize(price, invalid, raise_errors=raise_errors, messages=checks).reshape(shape)
    if return_tier:
        return price, np.where(invalid, -1, index).reshape(shape)
    return price


def pnl_bulk(
    side: Any,
    entry_price: Any,
    exit_price: Any,
    quantity: Any,
    *,
    contract: ContractType | str = ContractType.LINEAR,
    contract_size: Any = 1.0,
    taker_fee_rate: Any = 0.0,
    raise_errors: bool = False,
) -> FloatArray:
    """Realised PnL of many trades (twin of :func:`core.pnl.pnl`), settlement currency, fees deducted.

    >>> pnl_bulk(["long", "short"], 50_000, 55_000, 0.2).tolist()
    [1000.0, -1000.0]
    """
    sign = side_signs(side)
    ep, xp, q, cs, fee = (as_float(v) for v in (entry_price, exit_price, quantity, contract_size, taker_fee_rate))
    sign, ep, xp, q, cs, fee = np.broadcast_arrays(sign, ep, xp, q, cs, fee)
    checks = _checks(sign, ep, q, np.zeros(()), np.zeros(()), np.zeros(()), cs, fee)
    checks.append((~(np.isfinite(xp) & (xp > 0)), "exit_price must be a positive number, like 55000"))
    invalid = _any_invalid(checks, sign.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if ContractType(contract) is ContractType.LINEAR:
            result = sign * q * (xp - ep) - fee * q * (ep + xp)
        else:
            result = sign * q * cs * (1 / ep - 1 / xp) - fee * q * cs * (1 / ep + 1 / xp)
    return finalize(result, invalid, raise_errors=raise_errors, messages=checks)


def position_size_bulk(
    account_balance: Any,
    risk_fraction: Any,
    entry_price: Any,
    stop_price: Any,
    *,
    taker_fee_rate: Any = 0.0,
    raise_errors: bool = False,
) -> FloatArray:
    """Base quantity risking ``risk_fraction`` of the account at the stop (twin of
    :func:`core.sizing.position_size` ``.quantity``), linear contracts.

    >>> position_size_bulk(10_000, 0.01, 50_000, 48_500).round(6).tolist()
    0.066667
    """
    bal, risk, ep, sp, fee = (
        as_float(v) for v in (account_balance, risk_fraction, entry_price, stop_price, taker_fee_rate)
    )
    bal, risk, ep, sp, fee = np.broadcast_arrays(bal, risk, ep, sp, fee)
    checks: list[tuple[Mask, str]] = [
        (~(np.isfinite(bal) & (bal > 0)), "account_balance must be a positive amount, like 10000"),
        (~(np.isfinite(risk) & (risk > 0) & (risk <= 1)), "risk must be a fraction above 0 and at most 1 (0.01 = 1 %)"),
        (~(np.isfinite(ep) & (ep > 0)), "entry_price must be a positive price, like 50000"),
        (~(np.isfinite(sp) & (sp > 0)), "stop_price must be a positive price, like 48500"),
        (ep == sp, "the stop equals the entry: put the stop below a long's entry or above a short's"),
        (~(np.isfinite(fee) & (fee >= 0) & (fee < 0.1)), "taker fee must be a fraction from 0 to 0.1"),
    ]
    invalid = _any_invalid(checks, bal.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = bal * risk / (np.abs(ep - sp) + fee * (ep + sp))
    overflow = ~np.isfinite(result) & ~invalid
    checks.append((overflow, "the size overflows a float; check the account, risk and prices"))
    invalid = invalid | overflow
    return finalize(result, invalid, raise_errors=raise_errors, messages=checks)


# ---------------------------------------------------------------------------------------------------


def _any_invalid(checks: list[tuple[Mask, str]], shape: tuple[int, ...]) -> Mask:
    invalid = np.zeros(shape, dtype=bool)
    for mask, _ in checks:
        invalid = invalid | mask
    return invalid


def _checks(
    sign: FloatArray,
    ep: FloatArray,
    q: FloatArray,
    wb: FloatArray,
    m: FloatArray,
    cum: FloatArray,
    cs: FloatArray,
    fee: FloatArray,
) -> list[tuple[Mask, str]]:
    return [
        (np.isnan(sign), "side must be long or short (or L / S, 1 / -1)"),
        (~(np.isfinite(ep) & (ep > 0)), "entry_price must be a positive price, like 50000"),
        (~(np.isfinite(q) & (q > 0)), "quantity must be a positive number, like 0.2"),
        (~np.isfinite(wb), "wallet_balance must be a number, like 1000"),
        (~(np.isfinite(m) & (m >= 0) & (m < 1)), "mmr must be a fraction from 0 to below 1 (0.005 = 0.5 %)"),
        (~np.isfinite(cum), "maintenance_amount must be a number, like 50"),
        (~(np.isfinite(cs) & (cs > 0)), "contract_size must be a positive number, like 100"),
        (~(np.isfinite(fee) & (fee >= 0) & (fee < 0.1)), "taker fee must be a fraction from 0 to 0.1"),
    ]


def _solve(
    sign: FloatArray,
    ep: FloatArray,
    q: FloatArray,
    wb: FloatArray,
    m: Any,
    cum: Any,
    cs: Any,
    fee: FloatArray,
    kind: ContractType,
    fees: FeeModel,
    basis: MMBasis,
) -> FloatArray:
    """The formula layer's ``c0 + c1·y = 0`` per row (see ``core.liquidation``); no positive root → NaN."""
    rate = m + fee if fees is FeeModel.TAKER_IN_MMR else m
    if kind is ContractType.LINEAR:
        scale = q
        pnl_slope = sign * scale  # c1 of the PnL
        at_entry = scale * ep
        c0 = wb - sign * at_entry
    else:
        scale = q * cs
        pnl_slope = -sign * scale
        c0 = wb + sign * scale / ep
        at_entry = scale / ep
    if fees is FeeModel.CLOSE_AT_BANKRUPTCY:
        y_bankrupt = -c0 / (pnl_slope - fee * scale)
        usable = np.isfinite(y_bankrupt) & (y_bankrupt > 0)
        c0 = c0 - np.where(usable, fee * scale * y_bankrupt, 0.0)
    if basis is MMBasis.LIQUIDATION:
        c0 = c0 + cum
        y = c0 / (scale * rate - pnl_slope)
    else:
        c0 = c0 - (at_entry * rate - cum)
        y = c0 / -pnl_slope
    # a root that is zero up to rounding noise (|c0| tiny against wallet + notional) is no liquidation
    y = np.where(np.abs(c0) <= ZERO_TOLERANCE * (np.abs(wb) + at_entry), np.nan, y)
    if kind is ContractType.INVERSE:
        y = 1.0 / y
    y = np.asarray(y, dtype=np.float64)
    if y.ndim:
        y[~((y > 0) & (y < np.inf))] = np.nan  # no positive root (NaN compares False)
    elif not 0 < y < np.inf:
        y = np.asarray(np.nan)
    return y


def _table_size(unit: BoundUnit, kind: ContractType, q: FloatArray, price: FloatArray, cs: float) -> FloatArray:
    if unit is BoundUnit.QUOTE_NOTIONAL:
        return np.asarray(q * price * (cs if kind is ContractType.INVERSE else 1.0), dtype=np.float64)
    if unit is BoundUnit.COIN_NOTIONAL:
        return np.asarray(q * cs / price, dtype=np.float64)
    return np.asarray(q * np.ones_like(price), dtype=np.float64)


def _settle_brackets(
    price: FloatArray,
    index: npt.NDArray[np.intp],
    floors: FloatArray,
    rates: FloatArray,
    amounts: FloatArray,
    sign: FloatArray,
    ep: FloatArray,
    q: FloatArray,
    wb: FloatArray,
    cs: float,
    fee: FloatArray,
    kind: ContractType,
    fees: FeeModel,
    basis: MMBasis,
    unit: BoundUnit,
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """Move rows to the bracket holding their size at the solution until no row moves.

    Only the rows that moved in one pass are checked in the next, so a table lookup over all rows
    happens once.
    """
    last = len(floors) - 1
    price, index = price.copy(), index.copy()
    # first pass over all rows without fancy indexing (no copies), later passes over the movers only
    size = _table_size(unit, kind, q, price, cs)
    target = np.searchsorted(floors, size, side="right") - 1
    np.clip(target, 0, last, out=target)
    rows = np.flatnonzero((target != index) & ~np.isnan(price))
    target = target[rows]
    previous_price = np.full(0, np.nan)
    previous_index = np.zeros(0, dtype=np.intp)
    for _ in range(len(floors) + 1):
        if rows.size == 0:
            return price, index
        previous_price, previous_index = price[rows], index[rows]
        index[rows] = target
        price[rows] = _solve(
            sign[rows],
            ep[rows],
            q[rows],
            wb[rows],
            rates[target],
            amounts[target],
            cs,
            fee if fee.ndim == 0 else fee[rows],
            kind,
            fees,
            basis,
        )
        size = _table_size(unit, kind, q[rows], price[rows], cs)
        target = np.searchsorted(floors, size, side="right") - 1
        np.clip(target, 0, last, out=target)
        moved = (target != index[rows]) & ~np.isnan(price[rows])
        rows, target = rows[moved], target[moved]
        previous_price, previous_index = previous_price[moved], previous_index[moved]
    if rows.size == 0:
        return price, index
    # rows still moving cycle between two brackets: keep the price closer to entry
    keep = sign[rows] * previous_price > sign[rows] * price[rows]
    price[rows[keep]] = previous_price[keep]
    index[rows[keep]] = previous_index[keep]
    return price, index


def round_price_bulk(price: Any, tick_size: float, side: Any) -> FloatArray:
    """Twin of :func:`core.venues.round_price`: each price to the tick, longs up and shorts down.

    A price already on the tick (within 1e-9 ticks) is kept; NaN stays NaN.

    >>> round_price_bulk([5739.0835, 45250.000000001, 52288.557], 0.1, ["long", "long", "short"]).tolist()
    [5739.1, 45250.0, 52288.5]
    """
    values = as_float(price)
    sign = side_signs(side)
    values, sign = np.broadcast_arrays(values, sign)
    steps = values / tick_size
    nearest = np.round(steps)
    on_tick = np.abs(steps - nearest) <= 1e-9 * np.maximum(1.0, np.abs(steps))
    rounded = np.where(on_tick, nearest, np.where(sign > 0, np.ceil(steps), np.floor(steps)))
    decimals = max(0, -math.floor(math.log10(tick_size)) + 1)
    return np.asarray(np.round(rounded * tick_size, decimals), dtype=np.float64)


def round_to_tick_bulk(price: Any, tick_size: float | None, side: Any, entry_price: Any) -> FloatArray:
    """Twin of :func:`round_to_tick` (prices only): NaN stays NaN.

    >>> round_to_tick_bulk([45_180.72, 0.14780241], 0.1, ["long", "long"], [50_000, 0.15]).tolist()
    [45180.8, 0.147803]
    """
    values, sign, entry = np.broadcast_arrays(as_float(price), side_signs(side), as_float(entry_price))
    size = np.abs(values)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        figures = 10.0 ** (np.floor(np.log10(size)) - SIGNIFICANT_FIGURES + 1)
        use_tick = tick_size is not None and tick_size > 0
        step = np.where(use_tick & (size / MIN_TICKS_IN_PRICE >= (tick_size or 0.0)), tick_size or 1.0, figures)
        steps = values / step
        nearest = np.round(steps)
        on_tick = np.abs(steps - nearest) <= 1e-9 * np.maximum(1.0, np.abs(steps))
        rounded_steps = np.where(on_tick, nearest, np.where(sign > 0, np.ceil(steps), np.floor(steps)))
        decimals = np.clip(-np.floor(np.log10(step)) + 1, 0, 300)
        rounded = np.round(rounded_steps * step * 10.0**decimals) / 10.0**decimals
        bad = (sign * (rounded - entry) >= 0) & (sign * (values - entry) < 0)
        bad |= (rounded <= 0) | ~np.isfinite(rounded) | ~np.isfinite(step) | (step <= 0)
    return np.asarray(np.where(bad, values, rounded), dtype=np.float64)
