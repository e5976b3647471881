"""Command, button and gate handlers: parse → core → format → reply, nothing else.

Handlers let ``CoreError`` (and pydantic's ``ValidationError``) propagate: :mod:`bot.errors` is
the one place that turns them into a reply. Numbers come from ``core`` only.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot import formatting, keyboards, texts
from bot.context import Context
from bot.parsing import (
    apply_settings_change,
    parse_pnl_args,
    parse_settings_change,
    parse_size_args,
    parse_target_args,
    parse_tiers_args,
    split_command,
)
from bot.ratelimit import Verdict
from bot.replies import answer
from bot.store import ChatSettings, Scope
from core import (
    VENUES,
    ContractType,
    CoreError,
    ParseError,
    Side,
    TradeRequest,
    across_venues,
    bundled_tier_tables,
    calculate,
    calculate_sides,
    compare_margin_modes,
    cross_account,
    dca_ladder,
    get_venue,
    parse_cross_account,
    parse_dca,
    pnl_report,
    size_for_risk,
    stop_check,
    table_for,
    target_report,
    venue_has_table,
)
from core.calculator import DEFAULT_SYMBOL, DEFAULT_VENUE, resolve_position
from core.grammar import parse_trade_fields, trade_from_fields, wants_live_price
from core.tier_data import TierBook
from market.service import MarketData

__all__ = [
    "button",
    "compare",
    "cross",
    "gate",
    "help_command",
    "liq",
    "liq_answer",
    "migrate",
    "pnl",
    "settings",
    "size",
    "start",
    "target",
    "tiers",
    "unknown_command",
]

_logger = logging.getLogger(__name__)
BOTH_SIDES = (Side.LONG, Side.SHORT)


# --- helpers ----------------------------------------------------------------------------------------


def _args(update: Update) -> str:
    """The text after the command word (all of it for a plain private message)."""
    message = update.effective_message
    return split_command(message.text or "")[2] if message is not None else ""


def settings_scope(update: Update) -> tuple[Scope, int]:
    """Groups use the chat's settings; private chats and inline queries the user's."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        return Scope.CHAT, chat.id
    user = update.effective_user
    return Scope.USER, user.id if user is not None else 0


async def chat_defaults(update: Update, context: Context) -> dict[str, object]:
    """The defaults for trades typed in this chat (``parse_trade(defaults=...)``)."""
    scope, key = settings_scope(update)
    return (await context.bot_data.store.get(scope, key)).as_defaults()


READY_SECONDS = 5.0  # at most this long fetching a mark or an unknown symbol's tables before answering


async def read_trade(context: Context, text: str, defaults: Mapping[str, object]) -> tuple[TradeRequest, TierBook]:
    """The trade typed as ``text``, read once, and the book it was priced with, after fetching what it needs.

    A trade without an entry gets a fresh mark (one bulk request, shared for 10 s); a symbol the venue's
    tables do not list gets one refresh of that venue (at most once a minute). Fetching never takes
    longer than :data:`READY_SECONDS` and never fails the answer: it then uses what is there and says
    how old it is.

    Raises:
        CoreError: the text is not a trade (the same refusals as ``parse_trade``).
    """
    book = context.bot_data.book
    fields = parse_trade_fields(text, known_symbols=book.symbols(), allow_market=True)
    market = context.bot_data.market
    if market is not None:
        await _fetch_for(market, fields, defaults, text)
    return trade_from_fields(fields, defaults=defaults, book=book), book


async def _fetch_for(market: MarketData, fields: Mapping[str, Any], defaults: Mapping[str, object], text: str) -> None:
    merged = {**defaults, **fields}
    venue, symbol = merged.get("venue"), merged.get("symbol") or DEFAULT_SYMBOL
    contract = ContractType(merged.get("contract", ContractType.LINEAR))
    venue_key, price = (str(venue) if venue else None), wants_live_price(fields)
    if market.has_what_it_needs(venue_key, str(symbol), contract, price=price):
        return  # the common case: nothing to fetch, no task to wait on
    try:
        await asyncio.wait_for(market.ready(venue_key, str(symbol), contract, price=price), READY_SECONDS)
    except TimeoutError:
        _logger.warning("market data: not ready in %.0f s for %r; answering from what is cached", READY_SECONDS, text)


def _computes(request: TradeRequest, book: TierBook | None = None) -> bool:
    """Whether the venue accepts this trade's size and leverage (a ➕ leverage button is offered only then)."""
    try:
        venue = get_venue(request.venue or DEFAULT_VENUE)
        resolve_position(request, request.side or Side.LONG, table_for(request, venue, book))
    except CoreError:
        return False
    return True


def liq_answer(
    request: TradeRequest, saved_mmr: float | None = None, book: TierBook | None = None, *, watchable: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The ``/liq`` card and its buttons for a request (also used by the buttons).

    ``saved_mmr``: the chat's saved MMR when the venue's table was used instead (the card says so).
    ``watchable``: offer the 🔔 watch buttons (the bot has market data).
    """
    results = calculate_sides(request, book=book)
    quotes = {r.position.side: across_venues(request, r.position.side, book=book) for r in results}
    markup = keyboards.trade_keyboard(
        request, results[0].position.leverage, "liq", computes=lambda r: _computes(r, book), watchable=watchable
    )
    return formatting.liq_card(results, quotes, saved_mmr=saved_mmr), markup


def compare_answer(request: TradeRequest, book: TierBook | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """The ``/compare`` card and its buttons."""
    sides = (request.side,) if request.side is not None else BOTH_SIDES
    comparisons = [compare_margin_modes(request.model_copy(update={"side": side}), book=book) for side in sides]
    markup = keyboards.trade_keyboard(
        request, comparisons[0].isolated.position.leverage, "compare", computes=lambda r: _computes(r, book)
    )
    return formatting.compare_card(comparisons), markup


def _ignored_mmr(defaults: dict[str, object], request: TradeRequest) -> float | None:
    """The saved MMR when the trade used the venue's table instead (core's precedence), else None."""
    saved = defaults.get("mmr")
    return saved if isinstance(saved, float) and request.mmr is None else None


async def _may_change_settings(update: Update, context: Context) -> bool:
    """Private chats: yes. Groups: the chat's admins (anonymous admins included)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin posts as the group itself
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def _settings_view(update: Update, values: ChatSettings, can_change: bool, prefix: str = "") -> str:
    chat = update.effective_chat
    where = "this group" if chat is not None and chat.type != ChatType.PRIVATE else "you"
    venue = get_venue(values.venue or DEFAULT_VENUE)
    defaults = values.as_defaults()
    mmr_note = None
    if values.mmr is not None:
        symbol = values.symbol or DEFAULT_SYMBOL
        if venue_has_table(defaults):
            mmr_note = (
                f"⚠️ {venue.name} has a {symbol} bracket table: trades there use it, not your MMR. Your MMR applies "
                "on venues without a table; type mmr in a trade to override the table."
            )
        else:
            mmr_note = f"Your MMR is used for every trade on {venue.name} (it has no {symbol} bracket table)."
    card = formatting.settings_card(
        defaults, where=where, venue_name=venue.name if values.venue else None, can_change=can_change
    )
    return prefix + card + (f"\n{formatting.esc(mmr_note)}" if mmr_note else "")


# --- the gate ---------------------------------------------------------------------------------------


async def gate(update: Update, context: Context) -> None:
    """Per-user command limit in groups (group -1): over the limit, one notice, then silence.

    The limit protects the other members of a group. A private chat harms no one else: there only
    Telegram's own pace applies (PTB's rate limiter), and button presses, which edit our own
    answer, never count.
    """
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type == ChatType.PRIVATE:
        return
    query = update.callback_query
    message = update.message or update.edited_message
    if query is None:
        if message is None or not message.text:
            return
        name, addressed, _ = split_command(message.text)
        if name is None:
            return
        if addressed is not None and addressed.lower() != (context.bot.username or "").lower():
            return
    limiter = context.bot_data.limiter
    verdict = limiter.hit(user.id)
    if verdict is Verdict.ALLOW:
        return
    notice = texts.busy_text(limiter.retry_after(user.id))
    if query is not None:
        await query.answer(notice)
    elif verdict is Verdict.WARN and message is not None:
        await message.reply_text(notice)
    raise ApplicationHandlerStop


# --- commands ---------------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """Send the welcome message."""
    await answer(update, context, texts.start_text(context.bot.username))


async def help_command(update: Update, context: Context) -> None:
    """Send the overview, or one command's page (``/help liq``)."""
    topic = _args(update).split()[0] if _args(update) else None
    await answer(update, context, texts.help_text(topic, context.bot.username))


async def liq(update: Update, context: Context) -> None:
    """Answer ``/liq <trade>`` (and plain trades in private chats) with the liquidation card."""
    defaults = await chat_defaults(update, context)
    request, book = await read_trade(context, _args(update), defaults)
    watchable = context.bot_data.watches is not None
    text, markup = liq_answer(request, saved_mmr=_ignored_mmr(defaults, request), book=book, watchable=watchable)
    await answer(update, context, text, reply_markup=markup)


async def compare(update: Update, context: Context) -> None:
    """Answer ``/compare <trade> bal <wallet>`` with isolated and cross side by side."""
    defaults = await chat_defaults(update, context)
    request, book = await read_trade(context, _args(update), defaults)
    text, markup = compare_answer(request, book)
    await answer(update, context, text, reply_markup=markup)


async def cross(update: Update, context: Context) -> None:
    """Answer ``/cross bal …; BTC long 0.5 @ 60000; …`` with each position and the account move."""
    account = parse_cross_account(_args(update), defaults=await chat_defaults(update, context))
    await answer(update, context, formatting.cross_card(cross_account(account, book=context.bot_data.book)))


async def dca(update: Update, context: Context) -> None:
    """Answer ``/dca 10x long; 0.1 @ 50000; 0.1 @ 48000`` with the ladder, step by step."""
    plan = parse_dca(_args(update), defaults=await chat_defaults(update, context))
    steps = dca_ladder(plan.request, plan.fills, book=context.bot_data.book)
    venue = get_venue(plan.request.venue or DEFAULT_VENUE)
    symbol = plan.request.symbol or DEFAULT_SYMBOL
    valued = "$" in _args(update) or "€" in _args(update)
    card = formatting.dca_card(plan, steps, venue_name=venue.name, symbol=symbol, valued_fills=valued)
    await answer(update, context, card)


async def pnl(update: Update, context: Context) -> None:
    """Answer ``/pnl <trade> exit <price>`` with PnL and ROE."""
    book = context.bot_data.book
    request, exit_price = parse_pnl_args(_args(update), await chat_defaults(update, context), book=book)
    sides = (request.side,) if request.side is not None else BOTH_SIDES
    results = [pnl_report(request, exit_price, side, book=book) for side in sides]
    symbol = request.symbol or DEFAULT_SYMBOL
    currency = symbol if request.contract is ContractType.INVERSE else "USDT"
    await answer(update, context, formatting.pnl_card(results, symbol, currency))


async def target(update: Update, context: Context) -> None:
    """Answer ``/target <entry> <lev>x [side] roe <pct>`` with the exit price (none past liquidation)."""
    book = context.bot_data.book
    args = parse_target_args(_args(update), await chat_defaults(update, context), book=book)
    sides = (args.request.side,) if args.request.side is not None else BOTH_SIDES
    results = [target_report(args.request, args.roe, side, nominal_size=args.nominal_size, book=book) for side in sides]
    text = formatting.target_card(args.request.symbol or DEFAULT_SYMBOL, results)
    await answer(update, context, text)


async def size(update: Update, context: Context) -> None:
    """Answer ``/size <entry> stop <price> risk <pct|$> [bal <wallet>]`` with size and safe leverage."""
    args = parse_size_args(_args(update), await chat_defaults(update, context))
    venue = get_venue(args.venue or DEFAULT_VENUE)
    # table_for takes a request; a one-unit placeholder selects the same table the trade will use
    probe = TradeRequest(
        entry_price=args.entry_price, quantity=1.0, leverage=1.0, venue=venue.key, symbol=args.symbol, mmr=args.mmr
    )
    result = size_for_risk(
        args.side, args.balance, args.risk_fraction, args.entry_price, args.stop_price,
        table=table_for(probe, venue, context.bot_data.book), venue=venue, taker_fee_rate=args.taker_fee_rate,
        risk_amount=args.risk_amount,
    )  # fmt: skip
    leverage = args.leverage
    if leverage is None and result.max_safe_leverage is not None and result.max_safe_leverage >= 1:
        leverage = float(math.floor(result.max_safe_leverage + 1e-9))
    liquidation = check = None
    if leverage is not None:
        sized = TradeRequest(
            entry_price=args.entry_price, quantity=result.quantity, leverage=leverage, side=args.side,
            venue=venue.key, symbol=args.symbol, mmr=args.mmr, taker_fee_rate=args.taker_fee_rate,
        )  # fmt: skip
        liquidation = calculate(sized, book=context.bot_data.book)
        check = stop_check(args.side, args.entry_price, args.stop_price, liquidation.liquidation_price)
    text = formatting.size_card(result, args.symbol, venue.name, liquidation=liquidation, check=check)
    await answer(update, context, text)


async def tiers(update: Update, context: Context) -> None:
    """Answer ``/tiers <venue> <symbol>`` with the bracket table (no arguments: the list)."""
    venue, symbol, contract = parse_tiers_args(_args(update))
    if venue is None and symbol is None:
        names = {v.tier_venue or key: v.name for key, v in VENUES.items() if key != "bybit-classic"}
        market = context.bot_data.market
        if market is not None:
            bundled = ", ".join(sorted({f"{names.get(t.venue, t.venue)} {t.symbol}" for t in bundled_tier_tables()}))
            await answer(update, context, formatting.market_index(await market.runs(), bundled))
        else:
            await answer(update, context, formatting.tiers_index(bundled_tier_tables(), names))
        return
    if venue is None:
        raise ParseError(f"which venue? type it like /tiers binance {symbol}", field="venue")
    if venue.tier_venue is None:
        text = (
            f"📊 <b>{formatting.esc(venue.name)}</b> uses one flat MMR of {formatting.fmt_rate(venue.flat_mmr)} "
            "for every size: no brackets."
        )
        await answer(update, context, text)
        return
    table = context.bot_data.book.table(venue.tier_venue, symbol or DEFAULT_SYMBOL, contract)
    await answer(update, context, formatting.tiers_card(table, venue.name))


async def settings(update: Update, context: Context) -> None:
    """Show or change this chat's defaults (``/settings venue binance bal 10000``); groups: admins only."""
    scope, key = settings_scope(update)
    store = context.bot_data.store
    current = await store.get(scope, key)
    change = parse_settings_change(_args(update))
    can_change = await _may_change_settings(update, context)
    if change.is_empty:
        markup = keyboards.settings_keyboard() if can_change else None
        await answer(update, context, _settings_view(update, current, can_change), reply_markup=markup)
        return
    if not can_change:
        await answer(update, context, "⚠️ Only group admins can change the settings. /settings shows them.")
        return
    apply_settings_change(current, change)  # a bad value is refused before anything is written
    # applied to the row as it is now, in one transaction: another admin's change made meanwhile stays
    updated = await store.update(scope, key, lambda now: apply_settings_change(now, change))
    await answer(update, context, _settings_view(update, updated, True, "✅ Saved.\n"))


async def unknown_command(update: Update, context: Context) -> None:
    """A command this bot does not have (private chats only; groups stay quiet): a refusal like any other."""
    name = split_command(_message_text(update))[0] or ""
    raise ParseError(texts.unknown_command_text(name), field="command")


def _message_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def migrate(update: Update, context: Context) -> None:
    """A group became a supergroup: move its settings to the new chat id."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id is not None:
        await context.bot_data.store.move(Scope.CHAT, message.chat.id, message.migrate_to_chat_id)
        _logger.info("group %s migrated to %s; settings moved", message.chat.id, message.migrate_to_chat_id)


# --- buttons ----------------------------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    """A pressed button: recompute the card it carries and edit the message in place."""
    query = update.callback_query
    if query is None:
        return
    pressed = keyboards.decode(query.data)
    if isinstance(pressed, keyboards.SettingsButton):
        await _settings_button(update, context, pressed)
        return
    if not _is_askers_card(update):
        await query.answer("Only the asker can change this card: send your own /liq to get one.", show_alert=True)
        return
    request, book = pressed.request(), context.bot_data.book
    watchable = context.bot_data.watches is not None
    if pressed.view == "liq":
        text, markup = liq_answer(request, book=book, watchable=watchable)
    else:
        text, markup = compare_answer(request, book)
    await _acknowledge(query)
    await query.edit_message_text(text, reply_markup=markup)


async def _acknowledge(query: CallbackQuery) -> None:
    """Stop the button's spinner; a press Telegram calls too old is still acted on (the card is edited)."""
    try:
        await query.answer()
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower() and "query id is invalid" not in exc.message.lower():
            raise
        _logger.info("a button press was acknowledged too late (%s); the card is edited all the same", exc.message)


def _is_askers_card(update: Update) -> bool:
    """In a group, a card answers one member's command: only that member's presses change it.

    The card replies to the command (groups quote it); a card without that link (private chats, inline
    results) belongs to whoever can see its buttons.
    """
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or chat.type == ChatType.PRIVATE:
        return True
    card = query.message
    asked = getattr(card, "reply_to_message", None)
    asker = getattr(asked, "from_user", None)
    return asker is None or asker.id == query.from_user.id


async def _settings_button(update: Update, context: Context, pressed: keyboards.SettingsButton) -> None:
    query = update.callback_query
    assert query is not None
    if not await _may_change_settings(update, context):
        await query.answer("Only group admins can change the settings.", show_alert=True)
        return
    scope, key = settings_scope(update)

    def pressed_change(current: ChatSettings) -> ChatSettings:
        return ChatSettings() if pressed.action == "reset" else current.model_copy(update={"venue": pressed.value})

    updated = await context.bot_data.store.update(scope, key, pressed_change)
    await query.answer("Saved.")
    text = _settings_view(update, updated, True, "✅ Saved.\n")
    await query.edit_message_text(text, reply_markup=keyboards.settings_keyboard())
