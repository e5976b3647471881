"""The product layer for one trade: size it, pick the venue's rules, and build the answer card.

``calculate(request)`` is what every front end calls for ``/liq``, ``LIQ_PRICE`` and ``liq``.
"""

from __future__ import annotations

import math

from core.enums import ContractType, FeeModel, MarginMode, MMBasis, Side
from core.errors import CoreError, InvalidInputError
from core.liquidation import bankruptcy_price
from core.models import LiquidationResult, MarginComparison, Position, TierUsed, TradeRequest
from core.numbers import fmt_num, fmt_percent
from core.sizing import stop_check
from core.ticks import round_to_tick
from core.tier_data import TierBook, book_or_bundled
from core.tiers import BoundUnit, TierTable, liquidation_price_tiered
from core.venues import VENUES, Venue, get_venue

__all__ = [
    "DEFAULT_SYMBOL",
    "DEFAULT_VENUE",
    "VenueQuote",
    "across_venues",
    "calculate",
    "calculate_sides",
    "card",
    "compare_margin_modes",
    "resolve_position",
    "table_for",
    "tier_used",
]

DEFAULT_VENUE = "textbook"
DEFAULT_SYMBOL = "BTC"
COMPARED_VENUES = ("binance", "bybit", "okx", "gate", "bitget", "mexc", "hyperliquid")
_REL_TOL = 1e-6
EXAMPLE_TRADE = "50000 10x 1000"


def table_for(request: TradeRequest, venue: Venue, book: TierBook | None = None) -> TierTable:
    """The bracket table that applies: the user's MMR, the venue's flat rate, or the book's table (bundled: none given)."""
    symbol = request.symbol or DEFAULT_SYMBOL
    inverse = request.contract is ContractType.INVERSE
    cs = request.contract_size or (venue.contract_size_usd(symbol) if inverse else 1.0)
    if request.mmr is not None:
        return TierTable.flat(
            request.mmr,
            request.maintenance_amount or 0.0,
            venue=venue.key,
            symbol=symbol,
            contract=request.contract,
            contract_size=cs,
            source="your MMR",
        )
    if venue.tier_venue is None:
        return TierTable.flat(
            venue.flat_mmr,
            request.maintenance_amount or 0.0,
            venue=venue.key,
            symbol=symbol,
            contract=request.contract,
            contract_size=cs,
            source=f"{venue.name} flat MMR",
        )
    table = book_or_bundled(book).table(venue.tier_venue, symbol, request.contract)
    if request.contract_size is not None and request.contract is ContractType.INVERSE:
        table = table.model_copy(update={"contract_size": request.contract_size})
    return table


def resolve_position(request: TradeRequest, side: Side, table: TierTable) -> Position:
    """Turn the trader's two-of-four size inputs into one consistent position.

    Raises:
        InvalidInputError: inconsistent sizes, or cross without a wallet balance.
    """
    entry = request.entry_price
    inverse = request.contract is ContractType.INVERSE
    cs = table.contract_size if inverse else 1.0
    lev, margin = request.leverage, request.margin
    # notional in the settlement currency (quote for linear, coin for inverse)
    from_size = None
    if request.quantity is not None:
        from_size = request.quantity * cs / entry if inverse else request.quantity * entry
    if request.notional is not None:
        from_notional = request.notional / entry if inverse else request.notional
        if from_size is not None and not math.isclose(from_size, from_notional, rel_tol=_REL_TOL):
            raise InvalidInputError(
                f"quantity {fmt_num(request.quantity or 0.0)} and notional {fmt_num(request.notional)} disagree at entry {fmt_num(entry)}; "
                "give only one of them",
                field="notional",
            )
        from_size = from_notional
    if from_size is None:
        if lev is None or margin is None:
            raise InvalidInputError("the size is missing: add the margin (50000 10x 1000) or a quantity (qty 0.2)")
        notional = margin * lev
    else:
        notional = from_size
        if lev is not None and margin is not None and not math.isclose(margin * lev, notional, rel_tol=_REL_TOL):
            raise InvalidInputError(
                f"margin {fmt_num(margin)} × leverage {fmt_num(lev)}x = {margin * lev:,.2f}, but the position is "
                f"{notional:,.2f}; give two of margin, leverage and size",
                field="margin",
            )
        if lev is None and margin is not None:
            lev = notional / margin
            if lev < 1 - _REL_TOL:
                raise InvalidInputError(
                    f"margin {fmt_num(margin)} is more than the whole position ({fmt_num(notional)}); did you mean a "
                    f"margin of {fmt_num(notional / 10)} at 10x, or a larger size? give two of margin, leverage and size",
                    field="margin",
                )
        if margin is None and lev is not None:
            margin = notional / lev
    quantity = notional * entry / cs if inverse else notional / entry
    if not (0 < quantity < math.inf and 0 < notional < math.inf):
        raise InvalidInputError(
            f"the position is too {'small' if quantity == 0 or notional == 0 else 'large'} to price "
            f"(size {fmt_num(quantity)}); type a normal margin, quantity or notional, like {EXAMPLE_TRADE}",
            field="quantity",
        )
    if request.margin_mode is MarginMode.ISOLATED:
        if margin is None:
            raise InvalidInputError("isolated needs a margin or a leverage too: add 10x or margin 1000", field="margin")
        wallet = margin + request.added_margin
    else:
        if request.wallet_balance is None:
            raise InvalidInputError(
                "cross margin uses the whole wallet: add the balance, like bal 10000", field="wallet_balance"
            )
        wallet = request.wallet_balance
        if margin is not None and wallet < margin * (1 - _REL_TOL):
            raise InvalidInputError(
                f"wallet balance {wallet:,.2f} is below the position's margin {margin:,.2f}; "
                "give a larger balance or a smaller position",
                field="wallet_balance",
            )
    if lev is not None:
        table.check_leverage(lev, quantity, entry)
    else:
        table.index_at(table.size(quantity, entry))  # the size must fit the table
    return Position(
        side=side,
        margin_mode=request.margin_mode,
        contract=request.contract,
        contract_size=cs,
        entry_price=entry,
        mark_price=request.mark_price or entry,
        quantity=quantity,
        notional_quote=notional * entry if inverse else notional,
        notional_settle=notional,
        leverage=lev,
        initial_margin=margin,
        wallet_balance=wallet,
    )


def calculate(request: TradeRequest, side: Side | None = None, *, book: TierBook | None = None) -> LiquidationResult:
    """The answer card for one side of a trade (``side`` overrides the request's side).

    Raises:
        CoreError: an input the venue cannot price (unknown symbol, leverage above the bracket, …).
    """
    chosen = side or request.side
    if chosen is None:
        raise InvalidInputError("say long or short", field="side")
    venue = get_venue(request.venue or DEFAULT_VENUE).for_contract(request.contract)
    table = table_for(request, venue, book)
    position = resolve_position(request, chosen, table)
    return card(position, request, venue=venue, table=table)


def card(position: Position, request: TradeRequest, *, venue: Venue, table: TierTable) -> LiquidationResult:
    """The answer card of a resolved position on a venue's rules and table (``request`` for notes)."""
    chosen = position.side
    taker = venue.taker_fee_rate if request.taker_fee_rate is None else request.taker_fee_rate
    solved = liquidation_price_tiered(
        chosen,
        position.entry_price,
        position.quantity,
        position.wallet_balance,
        table=table,
        taker_fee_rate=taker,
        fee_model=venue.fee_model,
        mm_basis=venue.mm_basis,
    )
    bankrupt = bankruptcy_price(
        chosen,
        position.entry_price,
        position.quantity,
        position.wallet_balance,
        contract=position.contract,
        contract_size=position.contract_size,
        taker_fee_rate=taker,
        fee_model=venue.fee_model,
    )
    exact = solved.price
    shown, tick = exact, None
    if exact is not None and venue.rounds_to_tick:
        shown, tick = round_to_tick(exact, table.tick_size, chosen, position.entry_price)
    if bankrupt is not None and venue.rounds_to_tick:
        bankrupt, _ = round_to_tick(bankrupt, table.tick_size, chosen, position.entry_price)
    entry_tier = table.tier_at(position.quantity, position.entry_price)
    fee_in_mmr = taker if venue.fee_model is FeeModel.TAKER_IN_MMR else 0.0
    mm_entry = (
        table.size_settle(position.quantity, position.entry_price) * (entry_tier.mmr + fee_in_mmr)
        - entry_tier.maintenance_amount
    )
    mm_liq = None
    if exact is not None:
        basis_price = exact if venue.mm_basis is MMBasis.LIQUIDATION else position.entry_price
        mm_liq = (
            table.size_settle(position.quantity, basis_price) * (solved.tier.mmr + fee_in_mmr)
            - solved.tier.maintenance_amount
        )
    already = exact is not None and chosen.sign * (exact - position.entry_price) >= 0
    at_mark = exact is not None and chosen.sign * (position.mark_price - exact) <= 0
    stop = None
    if request.stop_price is not None and chosen.sign * (position.entry_price - request.stop_price) > 0:
        stop = stop_check(chosen, position.entry_price, request.stop_price, shown)
    return LiquidationResult(
        venue=venue.key,
        venue_name=venue.name,
        symbol=table.symbol if table.symbol != "ANY" else (request.symbol or DEFAULT_SYMBOL),
        settle_currency=table.symbol if position.contract is ContractType.INVERSE else "USDT",
        position=position,
        liquidation_price=shown,
        liquidation_price_exact=exact,
        bankruptcy_price=bankrupt,
        move_to_liquidation=None if shown is None else shown / position.entry_price - 1,
        move_to_liquidation_from_mark=None if shown is None else shown / position.mark_price - 1,
        distance_to_liquidation=None if shown is None else shown - position.entry_price,
        maintenance_margin_at_entry=mm_entry,
        maintenance_margin_at_liquidation=mm_liq,
        max_loss=position.wallet_balance,
        effective_leverage=position.notional_settle / position.wallet_balance,
        tier=tier_used(table, solved.tier_index),
        already_liquidated=already,
        liquidated_at_mark=at_mark,
        no_liquidation_reason=None if exact is not None else _why_not(position),
        notes=_notes(venue, table, position, request, taker),
        caveat=_caveat(venue, table, position, taker, request.unsupported_venue),
        stop=stop,
        tick_size=tick,
        price_source=request.price_source,
    )


def calculate_sides(request: TradeRequest, *, book: TierBook | None = None) -> tuple[LiquidationResult, ...]:
    """One card per side: the request's side, or long and short when it names none."""
    sides = (request.side,) if request.side is not None else (Side.LONG, Side.SHORT)
    return tuple(calculate(request, side, book=book) for side in sides)


def compare_margin_modes(
    request: TradeRequest, wallet_balance: float | None = None, *, book: TierBook | None = None
) -> MarginComparison:
    """The same trade isolated and cross for one account balance, side by side.

    For the $10,000 account, 50,000 entry, 10x, $1,000 margin: isolated 45,250 vs cross 250 on the
    textbook formula, and no positive liquidation price on Binance's (the wallet equals the notional).
    The popular "~5,250" for cross double-counts the margin (it assumes only 9,000 backs the trade).
    """
    balance = wallet_balance if wallet_balance is not None else request.wallet_balance
    if balance is None:
        raise InvalidInputError("comparing needs the account balance: add bal 10000", field="wallet_balance")
    iso = calculate(request.with_changes(margin_mode=MarginMode.ISOLATED), book=book)
    cross = calculate(request.with_changes(margin_mode=MarginMode.CROSS, wallet_balance=balance), book=book)
    cur = iso.settle_currency
    notes = (
        f"isolated risks {iso.max_loss:,.2f} {cur} (its margin); cross risks the whole {balance:,.2f} {cur} wallet",
        "in cross, other positions' losses and profits move this liquidation price",
    )
    return MarginComparison(isolated=iso, cross=cross, wallet_balance=balance, notes=notes)


class VenueQuote:
    """One venue's liquidation price for the same trade, or why it has none."""

    __slots__ = ("error", "price", "tick_size", "venue", "venue_name")

    def __init__(
        self, venue: str, venue_name: str, price: float | None, error: str | None, tick_size: float | None = None
    ) -> None:
        """Store the venue, its price (None: not liquidatable or an error), the error text and the price step."""
        self.venue, self.venue_name, self.price, self.error = venue, venue_name, price, error
        self.tick_size = tick_size

    def __repr__(self) -> str:
        """Debug form."""
        return f"VenueQuote({self.venue!r}, {self.price!r}, {self.error!r})"


def across_venues(
    request: TradeRequest, side: Side, venues: tuple[str, ...] = COMPARED_VENUES, *, book: TierBook | None = None
) -> list[VenueQuote]:
    """The same trade on each venue's exact rules and tiers (the user's MMR override is dropped)."""
    quotes = []
    plain = request.with_changes(mmr=None, maintenance_amount=None)
    for key in venues:
        venue = VENUES[key]
        try:
            # only the venue changes, and no cross-field rule involves it: no need to validate again
            result = calculate(plain.model_copy(update={"venue": key}), side, book=book)
        except CoreError as exc:
            quotes.append(VenueQuote(key, venue.name, None, exc.message))
            continue
        quotes.append(VenueQuote(key, venue.name, result.liquidation_price, None, result.tick_size))
    return quotes


def tier_used(table: TierTable, index: int) -> TierUsed:
    """The bracket ``index`` of ``table`` with the table's provenance, as shown in answers."""
    tier = table.tiers[index]
    unit = {
        BoundUnit.QUOTE_NOTIONAL: "USD notional" if table.contract is ContractType.INVERSE else "USDT notional",
        BoundUnit.BASE_QUANTITY: f"{table.symbol} quantity",
        BoundUnit.COIN_NOTIONAL: f"{table.symbol} notional",
    }[table.bound_unit]
    return TierUsed(
        number=index + 1,
        floor=tier.floor,
        cap=tier.cap,
        mmr=tier.mmr,
        maintenance_amount=tier.maintenance_amount,
        max_leverage=tier.max_leverage,
        unit=unit,
        source=table.source,
        as_of=table.as_of,
        market=table.market if table.symbol != "ANY" else "",
    )


def _why_not(position: Position) -> str:
    if position.side is Side.LONG:
        return (
            "the wallet covers the whole position (effective leverage "
            f"{position.notional_settle / position.wallet_balance:.2f}x): no price above 0 liquidates it"
        )
    return "the collateral grows faster than the loss: no finite price liquidates this short"


def _caveat(venue: Venue, table: TierTable, position: Position, taker: float, unsupported: str | None) -> str:
    """One short line for phones: what the exchange counts that this number does not (or differently)."""
    if unsupported is not None:
        mmr = f"MMR {fmt_percent(table.tiers[0].mmr)}"
        return f"{unsupported} is not a venue yet: textbook formula with {mmr} · mark ≠ last price · fees excluded"
    parts = ["mark ≠ last price"]
    if venue.fee_model is FeeModel.NONE:
        parts.append("fees excluded")
    elif venue.fee_model is FeeModel.TAKER_IN_MMR:
        parts.append(f"taker {fmt_percent(taker)} in MMR")
    else:
        parts.append("close fee in MM")
    parts.append("no funding")
    if venue.tier_venue is not None and table.as_of:
        parts.append(f"brackets of {table.as_of}")
    if position.margin_mode is MarginMode.CROSS:
        parts.append("other positions not counted")
    if table.margin_mode is not None and table.margin_mode is not position.margin_mode:
        parts.append(
            f"{table.margin_mode.value} tiers used ({venue.name} publishes others for {position.margin_mode.value})"
        )
    return "Exchange may differ: " + " · ".join(parts)


def _notes(venue: Venue, table: TierTable, position: Position, request: TradeRequest, taker: float) -> tuple[str, ...]:
    notes = [f"{venue.name} rules: {venue.formula}"]
    if request.price_source is not None:
        notes.append(f"entry is the live price: {request.price_source.describe()}")
    if request.unsupported_venue is not None:
        notes.append(f"{request.unsupported_venue} is not a venue yet: the textbook formula with your MMR")
    if table.source in ("your MMR",) or venue.tier_venue is None:
        notes.append(f"flat MMR {fmt_percent(table.tiers[0].mmr)} ({table.source})")
    else:
        notes.append(f"{venue.name} {table.market} brackets as of {table.as_of}; check the exchange for changes")
    if venue.fee_model is FeeModel.NONE:
        notes.append("fees not included (as on the exchange's formula)")
    elif venue.fee_model is FeeModel.TAKER_IN_MMR:
        notes.append(f"taker fee {fmt_percent(taker)} added to the MMR, as {venue.name} does")
    else:
        notes.append(f"fee to close at bankruptcy ({fmt_percent(taker)}) in maintenance margin")
    notes.append("liquidation fires on the mark price, not the last trade; funding not included")
    if position.margin_mode is MarginMode.CROSS:
        notes.append("cross: other positions' PnL and margin are not included here; use /cross for an account")
    if request.taker_fee_rate is not None and venue.fee_model is FeeModel.NONE:
        notes.append(f"{venue.name}'s formula has no fee term: your fee is not used")
    return tuple(notes)
