"""The formula layer: exchange-exact liquidation and bankruptcy prices.

One condition covers every venue, margin mode and contract type. At the liquidation price ``P``::

    WB − TMM1 + UPNL1 + Σ_legs pnl_leg(P) = Σ_legs MM_leg(P) + fee(P)

* ``WB`` — isolated: the position's isolated wallet (margin incl. added margin); cross: the cross wallet;
* ``TMM1`` / ``UPNL1`` — maintenance margin and signed unrealized PnL of the account's *other*
  positions, taken at their mark prices (zero in isolated mode);
* legs — the priced position, plus the opposite leg of the same symbol in cross hedge mode
  (both legs share one price);
* ``MM_leg = notional × mmr − maintenance_amount``, with the notional measured at the liquidation price
  (``MMBasis.LIQUIDATION``: Binance, OKX, Hyperliquid, Bybit UTA) or at entry (``MMBasis.ENTRY``: Bybit
  classic, the textbook ``EP·(1 − 1/lev + MMR)``).

For linear contracts every term is linear in ``P``; for inverse contracts (PnL and notional in coin)
every term is linear in ``1/P``. The condition therefore reduces to ``c0 + c1·y = 0`` with
``y = P`` or ``y = 1/P``, solved exactly. Binance's published formula is this equation solved for ``P``.

Sources:
    Binance USDⓈ-M: https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93 (2026-11-21);
    Binance COIN-M: https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46 (2026-11-21);
    Bybit classic USDT: https://testnet.bybit.com/en-US/help-center/s/article/Liquidation-Price-USDT-Contract;
    Bybit inverse cross: https://help.bybit.com/hc/en-us/articles/360039261334; OKX tier rules
    https://tr.okx.com/help/tier. Derivations: ``tests/core/derivations.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from core.enums import ContractType, FeeModel, MMBasis, Side
from core.errors import InvalidInputError, UnsupportedError
from core.numbers import plain_numbers

__all__ = ["PositionLeg", "bankruptcy_price", "liquidation_price", "maintenance_margin", "unrealized_pnl"]


@dataclass(frozen=True, slots=True)
class PositionLeg:
    """A position held at a known mark price: another position of a cross account, or a hedge leg.

    Args:
        side: ``"long"``/``"short"`` or :class:`Side`.
        quantity: linear: base units (e.g. BTC); inverse: number of contracts.
        entry_price: average entry price, quote per base.
        mark_price: current mark price, quote per base (the hedge leg ignores it: it moves with the priced leg).
        mmr: maintenance-margin rate of the leg's bracket at mark, as a fraction (0.005 = 0.5 %).
        maintenance_amount: the bracket's maintenance amount (Binance ``cum``, Bybit ``mmDeduction``);
            quote currency for linear, coin for inverse.
        contract: ``"linear"`` or ``"inverse"``.
        contract_size: inverse: quote value of one contract (e.g. 100 USD); linear: 1.
    """

    side: Side | str
    quantity: float
    entry_price: float
    mark_price: float
    mmr: float
    maintenance_amount: float = 0.0
    contract: ContractType | str = ContractType.LINEAR
    contract_size: float = 1.0

    def __post_init__(self) -> None:
        """Normalise the side and contract strings and check the numbers."""
        object.__setattr__(self, "side", _side(self.side))
        object.__setattr__(self, "contract", _contract(self.contract))
        _check_positive("quantity", self.quantity)
        _check_positive("entry_price", self.entry_price)
        _check_positive("mark_price", self.mark_price)
        _check_positive("contract_size", self.contract_size)
        _check_rate("mmr", self.mmr)
        _check_finite("maintenance_amount", self.maintenance_amount)

    @property
    def sign(self) -> int:
        """+1 for a long leg, −1 for a short leg."""
        return _side(self.side).sign


def unrealized_pnl(leg: PositionLeg, price: float | None = None) -> float:
    """Signed unrealized PnL of a leg at ``price`` (default: its mark), in the settlement currency.

    Formula:
        linear ``side·Q·(P − EP)``; inverse ``side·N·CS·(1/EP − 1/P)`` (coin).
    """
    p = leg.mark_price if price is None else price
    if leg.contract is ContractType.LINEAR:
        return leg.sign * leg.quantity * (p - leg.entry_price)
    return leg.sign * leg.quantity * leg.contract_size * (1.0 / leg.entry_price - 1.0 / p)


def maintenance_margin(leg: PositionLeg, price: float | None = None, *, fee_rate_in_mmr: float = 0.0) -> float:
    """Maintenance margin of a leg at ``price`` (default: its mark), in the settlement currency.

    Formula:
        ``notional(P) × (mmr + fee_rate_in_mmr) − maintenance_amount`` with notional ``Q·P`` (linear)
        or ``N·CS/P`` coin (inverse). Source: Binance USDⓈ-M FAQ ("Maintenance Margin of BTCUSDT =
        71200.81144 (3500032.458 * 2.50% − 16300)").
    """
    p = leg.mark_price if price is None else price
    notional = _notional(leg.contract, leg.quantity, leg.contract_size, p)
    return notional * (leg.mmr + fee_rate_in_mmr) - leg.maintenance_amount


def liquidation_price(
    side: Side | str,
    entry_price: float,
    quantity: float,
    wallet_balance: float,
    *,
    mmr: float,
    maintenance_amount: float = 0.0,
    contract: ContractType | str = ContractType.LINEAR,
    contract_size: float = 1.0,
    others: Iterable[PositionLeg] = (),
    hedge: PositionLeg | None = None,
    taker_fee_rate: float = 0.0,
    fee_model: FeeModel | str = FeeModel.NONE,
    mm_basis: MMBasis | str = MMBasis.LIQUIDATION,
) -> float | None:
    """Price at which the position's margin balance falls to its maintenance margin.

    Args:
        side: ``"long"`` or ``"short"``.
        entry_price: average entry price (quote per base), > 0.
        quantity: linear: base units; inverse: number of contracts; > 0.
        wallet_balance: isolated: the position's isolated wallet (margin incl. added margin);
            cross: the cross wallet balance. Quote currency (linear) or coin (inverse).
        mmr: the bracket's maintenance-margin rate as a fraction, 0 ≤ mmr < 1.
        maintenance_amount: the bracket's maintenance amount (Binance ``cum``, Bybit ``mmDeduction``).
        contract: ``"linear"`` or ``"inverse"``.
        contract_size: inverse: quote value of one contract (e.g. 100 USD); linear: 1.
        others: cross only: the account's other positions, held at their mark prices.
        hedge: cross hedge mode: the opposite leg of the same symbol; it shares the liquidation price.
        taker_fee_rate: taker fee as a fraction (0.0005 = 0.05 %); used by the fee models below.
        fee_model: ``"none"`` (Binance), ``"taker_in_mmr"`` (OKX, Gate: taker added to the MMR, also for
            the other positions), ``"close_at_bankruptcy"`` (Bybit classic: fee to close at the
            bankruptcy price added to the maintenance margin).
        mm_basis: ``"liquidation"`` (MM at the liquidation price) or ``"entry"`` (MM at entry).

    Returns:
        The liquidation price (quote per base, unrounded), or ``None`` when no positive price
        liquidates the position (for example a long whose wallet covers its notional).

    Raises:
        InvalidInputError: a non-positive or non-finite price, size or rate out of range.
        UnsupportedError: a hedge leg or other position of another contract type.

    Formula:
        linear, one-way (Binance): ``LP = (WB − TMM1 + UPNL1 + cum − side·Q·EP) / (Q·MMR − side·Q)``;
        inverse (Binance COIN-M): ``LP = N·CS·(MMR + side) / (WB − TMM1 + UPNL1 + cum + side·N·CS/EP)``.

    Examples:
        The textbook case (50,000 entry, 10x, 1,000 margin, MMR 0.5 %, MM at entry):

        >>> liquidation_price("long", 50_000, 0.2, 1_000, mmr=0.005, mm_basis="entry")
        45250.0

        Binance's formula (MM at the liquidation price) for the same trade:

        >>> round(liquidation_price("long", 50_000, 0.2, 1_000, mmr=0.005), 2)
        45226.13
    """
    if not others and hedge is None:
        fast = _one_position_price(
            side,
            entry_price,
            quantity,
            wallet_balance,
            mmr,
            maintenance_amount,
            contract,
            contract_size,
            taker_fee_rate,
            fee_model,
            mm_basis,
        )
        if fast is not _SLOW:
            return cast("float | None", fast)
    coeffs = _Coefficients.build(
        side,
        entry_price,
        quantity,
        wallet_balance,
        mmr=mmr,
        maintenance_amount=maintenance_amount,
        contract=contract,
        contract_size=contract_size,
        others=others,
        hedge=hedge,
        taker_fee_rate=taker_fee_rate,
        fee_model=fee_model,
        mm_basis=mm_basis,
    )
    return coeffs.liquidation_price()


_SLOW = object()  # the fast path declined: validate and solve on the general path
_SIGN = {Side.LONG: 1.0, Side.SHORT: -1.0}
_INVERSE = {ContractType.LINEAR: False, ContractType.INVERSE: True}
_FEE_IN_MMR = {FeeModel.NONE: False, FeeModel.TAKER_IN_MMR: True}  # close-at-bankruptcy: general path
_AT_LIQUIDATION = {MMBasis.LIQUIDATION: True, MMBasis.ENTRY: False}
_INF = math.inf


def _one_position_price(
    side: object,
    entry_price: float,
    quantity: float,
    wallet_balance: float,
    mmr: float,
    maintenance_amount: float,
    contract: object,
    contract_size: float,
    taker_fee_rate: float,
    fee_model: object,
    mm_basis: object,
    zero_tolerance: float = 1e-12,  # ZERO_TOLERANCE (defined with the general solver below)
) -> float | object | None:
    """One position, no other legs: the same condition solved in a few operations (≈ 1 µs).

    Every input is checked with one chained comparison (NaN fails every comparison); anything the
    comparison does not accept at once — a bad value, an unusual type, a word side — returns
    :data:`_SLOW`, and the general path validates it and raises its precise error.
    """
    try:
        sign = _SIGN[side]  # type: ignore[index]
        inverse = _INVERSE[contract]  # type: ignore[index]
        in_mmr = _FEE_IN_MMR[fee_model]  # type: ignore[index]
        at_liq = _AT_LIQUIDATION[mm_basis]  # type: ignore[index]
        if not (
            0.0 < entry_price < _INF
            and 0.0 < quantity < _INF
            and 0.0 < contract_size < _INF
            and -_INF < wallet_balance < _INF
            and 0.0 <= mmr < 1.0
            and -_INF < maintenance_amount < _INF
            and 0.0 <= taker_fee_rate < 0.1
        ):
            return _SLOW
        rate = mmr + taker_fee_rate if in_mmr else mmr
        if inverse:
            size = quantity * contract_size
            at_entry = size / entry_price
            c1 = -sign * size
            c0 = wallet_balance + sign * at_entry
        else:
            size = quantity
            at_entry = quantity * entry_price
            c1 = sign * size
            c0 = wallet_balance - sign * at_entry
        if at_liq:
            c1 -= size * rate
            c0 += maintenance_amount
        else:
            c0 -= at_entry * rate - maintenance_amount
    except (KeyError, TypeError):
        return _SLOW
    if c1 == 0.0 or not -_INF < c0 < _INF or abs(c0) <= zero_tolerance * (abs(wallet_balance) + at_entry):
        return None
    y = -c0 / c1
    if not 0.0 < y < _INF:
        return None
    price = 1.0 / y if inverse else y
    return price if 0.0 < price < _INF else None


def bankruptcy_price(
    side: Side | str,
    entry_price: float,
    quantity: float,
    wallet_balance: float,
    *,
    contract: ContractType | str = ContractType.LINEAR,
    contract_size: float = 1.0,
    others: Iterable[PositionLeg] = (),
    hedge: PositionLeg | None = None,
    taker_fee_rate: float = 0.0,
    fee_model: FeeModel | str = FeeModel.NONE,
) -> float | None:
    """Price at which the margin balance reaches zero: the whole wallet is lost.

    With ``fee_model="close_at_bankruptcy"`` the fee to close at that price is part of the loss, as in
    Bybit's ``BP(long) = 1.00075·Qty / (Qty/EP + Balance)`` (inverse, taker 0.075 %). Other positions
    enter with their unrealized PnL only (their maintenance margin does not matter at zero equity).

    Returns:
        The bankruptcy price, or ``None`` when no positive price wipes out the wallet.

    Examples:
        >>> bankruptcy_price("long", 20_000, 1, 400)
        19600.0
    """
    if not others and hedge is None and fee_model in _FEE_IN_MMR:
        # bankruptcy: the same condition with no maintenance margin, and a zero root is exactly zero
        fast = _one_position_price(
            side, entry_price, quantity, wallet_balance, 0.0, 0.0, contract, contract_size,
            taker_fee_rate, FeeModel.NONE, MMBasis.LIQUIDATION, zero_tolerance=0.0,
        )  # fmt: skip
        if fast is not _SLOW:
            return cast("float | None", fast)
    legs = [
        PositionLeg(leg.side, leg.quantity, leg.entry_price, leg.mark_price, 0.0, 0.0, leg.contract, leg.contract_size)
        for leg in others
    ]
    coeffs = _Coefficients.build(
        side,
        entry_price,
        quantity,
        wallet_balance,
        mmr=0.0,
        maintenance_amount=0.0,
        contract=contract,
        contract_size=contract_size,
        others=legs,
        hedge=hedge,
        taker_fee_rate=taker_fee_rate,
        fee_model=fee_model,
        mm_basis=MMBasis.LIQUIDATION,
        others_mm=False,
    )
    return coeffs.bankruptcy_price()


# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Coefficients:
    """``g(y) = c0 + c1·y`` = margin balance − requirement; ``b0 + b1·y`` = margin balance − close fee."""

    contract: ContractType
    c0: float
    c1: float
    b0: float
    b1: float
    scale: float  # |wallet| + Σ notional at entry: what "zero" is measured against

    @staticmethod
    @plain_numbers  # Decimal and numpy scalars taken as floats (the fast path takes them as they are)
    def build(
        side: Side | str,
        entry_price: float,
        quantity: float,
        wallet_balance: float,
        *,
        mmr: float,
        maintenance_amount: float,
        contract: ContractType | str,
        contract_size: float,
        others: Iterable[PositionLeg],
        hedge: PositionLeg | None,
        taker_fee_rate: float,
        fee_model: FeeModel | str,
        mm_basis: MMBasis | str,
        others_mm: bool = True,
    ) -> _Coefficients:
        """Validate the inputs and collect the coefficients of the liquidation condition."""
        kind = _contract(contract)
        fees = _fee_model(fee_model)
        basis = _mm_basis(mm_basis)
        _check_positive("entry_price", entry_price)
        _check_positive("quantity", quantity)
        _check_positive("contract_size", contract_size)
        _check_finite("wallet_balance", wallet_balance)
        _check_rate("mmr", mmr)
        _check_finite("maintenance_amount", maintenance_amount)
        _check_fee(taker_fee_rate)
        fee_in_mmr = taker_fee_rate if fees is FeeModel.TAKER_IN_MMR else 0.0
        close_fee = taker_fee_rate if fees is FeeModel.CLOSE_AT_BANKRUPTCY else 0.0

        # Other positions: constants at their mark prices.
        account = wallet_balance
        for leg in others:
            if leg.contract is not kind:
                raise UnsupportedError(
                    f"another position is {_contract(leg.contract).value} but this one is {kind.value}; "
                    "a cross wallet holds one contract type: price them in separate accounts",
                    field="others",
                )
            account += unrealized_pnl(leg)
            if others_mm:
                account -= maintenance_margin(leg, fee_rate_in_mmr=fee_in_mmr)

        legs = [PositionLeg(side, quantity, entry_price, entry_price, mmr, maintenance_amount, kind, contract_size)]
        if hedge is not None:
            if hedge.contract is not kind:
                raise UnsupportedError("the hedge leg must have the same contract type as the position", field="hedge")
            if hedge.sign == legs[0].sign:
                raise InvalidInputError(
                    "the hedge leg must be on the opposite side; same-side legs are one position: "
                    "add their quantities and average the entries",
                    field="hedge",
                )
            legs.append(hedge)

        c0, c1 = account, 0.0
        notional_per_y = 0.0  # notional = notional_per_y · y (linear: Q·P; inverse: N·CS/P)
        for leg in legs:
            scale = leg.quantity * (leg.contract_size if kind is ContractType.INVERSE else 1.0)
            rate = leg.mmr + fee_in_mmr
            notional_per_y += scale
            if kind is ContractType.LINEAR:
                # pnl = s·Q·(P − EP)
                c1 += leg.sign * scale
                c0 -= leg.sign * scale * leg.entry_price
                at_entry = scale * leg.entry_price
            else:
                # pnl = s·N·CS·(1/EP − y), y = 1/P
                c1 -= leg.sign * scale
                c0 += leg.sign * scale / leg.entry_price
                at_entry = scale / leg.entry_price
            if basis is MMBasis.LIQUIDATION:
                c1 -= scale * rate
                c0 += leg.maintenance_amount
            else:
                c0 -= at_entry * rate - leg.maintenance_amount
        # Bankruptcy: balance = fee to close at that price (fee 0 unless CLOSE_AT_BANKRUPTCY).
        b0, b1 = account + _pnl_constant(legs, kind), _pnl_slope(legs, kind) - close_fee * notional_per_y
        if close_fee:
            y_bankrupt = _root(b0, b1)
            if y_bankrupt is not None:
                c0 -= close_fee * notional_per_y * y_bankrupt
        scale = abs(account) + sum(
            leg.quantity * (leg.entry_price if kind is ContractType.LINEAR else leg.contract_size / leg.entry_price)
            for leg in legs
        )
        return _Coefficients(kind, c0, c1, b0, b1, scale)

    def liquidation_price(self) -> float | None:
        """Solve ``c0 + c1·y = 0`` and map ``y`` back to a price."""
        return self._price(_root(self.c0, self.c1, self.scale))

    def bankruptcy_price(self) -> float | None:
        """Solve ``b0 + b1·y = 0`` and map ``y`` back to a price."""
        return self._price(_root(self.b0, self.b1, self.scale))

    def _price(self, y: float | None) -> float | None:
        if y is None:
            return None
        price = y if self.contract is ContractType.LINEAR else 1.0 / y
        return price if math.isfinite(price) and price > 0.0 else None


def _pnl_constant(legs: list[PositionLeg], kind: ContractType) -> float:
    if kind is ContractType.LINEAR:
        return -sum(leg.sign * leg.quantity * leg.entry_price for leg in legs)
    return sum(leg.sign * leg.quantity * leg.contract_size / leg.entry_price for leg in legs)


def _pnl_slope(legs: list[PositionLeg], kind: ContractType) -> float:
    if kind is ContractType.LINEAR:
        return float(sum(leg.sign * leg.quantity for leg in legs))
    return -sum(leg.sign * leg.quantity * leg.contract_size for leg in legs)


ZERO_TOLERANCE = 1e-12  # |c0| below this share of the wallet + notional is rounding noise: the root is 0


def _root(c0: float, c1: float, scale: float = 0.0) -> float | None:
    """Positive root of ``c0 + c1·y``; None when there is none (flat line, root ≤ 0, or a root that is
    zero up to rounding noise, e.g. a 1x long whose wallet equals its notional)."""
    if c1 == 0.0 or not math.isfinite(c0) or not math.isfinite(c1) or abs(c0) <= ZERO_TOLERANCE * scale:
        return None
    y = -c0 / c1
    return y if y > 0.0 and math.isfinite(y) else None


def _notional(kind: ContractType | str, quantity: float, contract_size: float, price: float) -> float:
    if kind is ContractType.LINEAR:
        return quantity * price
    return quantity * contract_size / price


def _side(value: Side | str) -> Side:
    if isinstance(value, Side):
        return value
    try:
        return Side.parse(str(value))
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="side") from None


def _contract(value: ContractType | str) -> ContractType:
    try:
        return ContractType(value)
    except ValueError:
        raise InvalidInputError(
            f"contract {value!r} is not a contract type; give 'linear' or 'inverse'", field="contract"
        ) from None


def _fee_model(value: FeeModel | str) -> FeeModel:
    try:
        return FeeModel(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in FeeModel)
        raise InvalidInputError(f"fee_model {value!r} is unknown; give one of {allowed}", field="fee_model") from None


def _mm_basis(value: MMBasis | str) -> MMBasis:
    try:
        return MMBasis(value)
    except ValueError:
        raise InvalidInputError(
            f"mm_basis {value!r} is unknown; give 'liquidation' or 'entry'", field="mm_basis"
        ) from None


def _check_finite(field: str, value: float) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{field} {value!r} is not a finite number; give a number", field=field)


def _check_positive(field: str, value: float) -> None:
    _check_finite(field, value)
    if value <= 0:
        raise InvalidInputError(f"{field} {value!r} must be above 0; give a positive number", field=field)


def fee_error(value: object) -> InvalidInputError:
    """The one message for a bad taker fee, whichever layer finds it."""
    return InvalidInputError(
        f"taker fee {value!r} is not a fee rate; give one from 0 to below 10 % (fee 0.05% or 0.0005)",
        field="taker_fee_rate",
    )


def _check_fee(value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value < 0.1):
        raise fee_error(value)


def _check_rate(field: str, value: float) -> None:
    _check_finite(field, value)
    if not 0.0 <= value < 1.0:
        raise InvalidInputError(
            f"{field} {value!r} is not a rate; give a fraction from 0 to below 1 (0.005 for 0.5 %)", field=field
        )
