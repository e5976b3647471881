"""``/watch``, ``/watches``, ``/unwatch`` and the 🔔 and ❌ buttons: starting, listing and removing watches.

``/watch`` reads the trade with ``/liq``'s grammar (same errors), plus ``alert 3%`` for the alert
distances (default 5 % and 2 %). The watch follows the venue's live mark (the source that priced the
trade's mark), so it needs market data. In groups anyone can watch; only the member who set a watch
can remove it.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot import keyboards
from bot.context import Context
from bot.formatting import esc
from bot.handlers import _acknowledge, _args, chat_defaults, read_trade
from bot.replies import answer
from bot.watch_store import Watch, WatchLimitError
from bot.watch_texts import watch_label, watch_started_text, watches_text
from bot.watcher import STALE_INTERVALS
from core import CoreError, InvalidInputError, MarginMode, TradeRequest, calculate, get_venue
from core.calculator import DEFAULT_SYMBOL, DEFAULT_VENUE, table_for
from core.enums import ContractType
from core.tier_data import TierBook
from core.watch import DEFAULT_LEVELS, parse_levels

__all__ = [
    "UNWATCH_PATTERN",
    "WATCH_PATTERN",
    "split_alert",
    "unwatch",
    "unwatch_button",
    "watch",
    "watch_button",
    "watch_request",
    "watches",
]

UNWATCH_PATTERN = r"^1u\|\d+$"
WATCH_PATTERN = r"^1w\|"
NO_MARKET_DATA = "watches follow live mark prices, and this bot runs without market data (LIQCALC_MARKET_DB=off)"
NO_TELEGRAM = "watches alert you in Telegram: the console chat and liq do not keep running to poll the marks"
_ALERT = re.compile(r"\balerts?\s*(?:at\s*)?((?:[0-9]+(?:[.,][0-9]+)?\s*%?\s*(?:,|/|and|&)?\s*)+)", re.IGNORECASE)
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def split_alert(text: str) -> tuple[str, tuple[float, ...]]:
    """The trade text without its ``alert …`` part, and the alert distances (percent → fractions).

    >>> split_alert("eth 3200 20x 500 long bybit alert 3%")
    ('eth 3200 20x 500 long bybit', (0.03,))
    >>> split_alert("btc 50000 10x 1000 long alerts 5% / 1.5%")
    ('btc 50000 10x 1000 long', (0.05, 0.015))

    Raises:
        InvalidInputError: ``alert`` without a distance, or distances out of range.
    """
    match = _ALERT.search(text)
    if match is None:
        if re.search(r"\balerts?\b", text, re.IGNORECASE):
            raise InvalidInputError("alert needs a distance from liquidation, like alert 3%", field="alert")
        return text.strip(), DEFAULT_LEVELS
    numbers = tuple(float(n.replace(",", ".")) / 100 for n in _NUMBER.findall(match[1]))
    try:
        levels = parse_levels(numbers)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="alert") from None
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return " ".join(rest.split()), levels


async def watch(update: Update, context: Context) -> None:
    """``/watch <trade> [alert 3%]``."""
    if context.bot_data.watches is None:  # before reading the trade: nothing to fetch for a watch we refuse
        raise InvalidInputError(_unavailable(context), field="market")
    text, levels = split_alert(_args(update))
    request, book = await read_trade(context, text, await chat_defaults(update, context))
    await answer(update, context, await watch_request(update, context, request, book, levels))


async def watch_request(
    update: Update, context: Context, request: TradeRequest, book: TierBook, levels: tuple[float, ...]
) -> str:
    """Start a watch on ``request`` for the update's user in its chat; the confirmation text.

    Raises:
        InvalidInputError: no market data, no side, no liquidation price, no live mark, or too many watches.
    """
    data = context.bot_data
    market, store = data.market, data.watches
    if market is None or store is None:
        raise InvalidInputError(_unavailable(context), field="market")
    if request.side is None:
        raise InvalidInputError(
            "a watch needs a side: add long or short, like /watch eth 3200 20x 500 long bybit", field="side"
        )
    card = calculate(request, request.side, book=book)
    if card.liquidation_price is None:
        reason = card.no_liquidation_reason or "no price above 0 liquidates it"
        raise InvalidInputError(f"there is no liquidation price to watch: {reason}", field="liquidation")
    venue_key = request.venue or DEFAULT_VENUE
    symbol = request.symbol or DEFAULT_SYMBOL
    contract = ContractType(request.contract)
    found = market.book.mark_source(venue_key, symbol, contract)
    if found is None:
        await market.ready(venue_key, symbol, contract, price=True)
        found = market.book.mark_source(venue_key, symbol, contract)
    if found is None:
        name = get_venue(venue_key).name
        raise InvalidInputError(
            f"no live mark price for {symbol} on {name} right now, and a watch follows the mark; try again in a "
            "minute, or another venue",
            field="symbol",
        )
    source, mark = found
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    venue_name = get_venue(venue_key).name
    new = Watch(
        chat_id=chat.id, user_id=user.id, label=watch_label(card.symbol, request.side.value, venue_name,
        card.position.leverage), source=source, market=mark.market, side_sign=request.side.sign,
        # inverse contracts pay funding in the coin: their funding drift is left out (quantity 0: none accrues)
        quantity=card.position.quantity if contract is ContractType.LINEAR else 0.0,
        liquidation_price=card.liquidation_price, drift_per_paid=_drift_per_paid(request, card.liquidation_price, book),
        levels=levels, chat_is_group=chat.type != ChatType.PRIVATE,
        funding_interval_hours=_funding_interval(request, venue_key, book),
    )  # fmt: skip
    try:
        stored = await store.add(new)
    except WatchLimitError as exc:
        raise InvalidInputError(
            f"{exc}; remove one with /unwatch N first (/watches lists them)", field="watch"
        ) from None
    count = sum(1 for w in await store.for_chat(chat.id) if w.user_id == user.id)
    return watch_started_text(stored, mark.price, count)


def _funding_interval(request: TradeRequest, venue_key: str, book: TierBook) -> float | None:
    """The instrument's funding period from its spec (on the fetched table), for venues whose quotes omit it."""
    try:
        return table_for(request, get_venue(venue_key), book).funding_interval_hours
    except CoreError:
        return None


def _unavailable(context: Context) -> str:
    """Why this bot keeps no watches."""
    return NO_MARKET_DATA if context.bot_data.market is None else NO_TELEGRAM


def _drift_per_paid(request: TradeRequest, liquidation_price: float, book: TierBook) -> float:
    """How far the liquidation price moves per USDT of funding paid: the same position with 1 USDT more
    collateral (added margin, or the cross wallet), the sign turned (paying is the opposite of adding)."""
    assert request.side is not None
    if request.margin_mode is MarginMode.CROSS and request.wallet_balance is not None:
        changed: dict[str, float] = {"wallet_balance": request.wallet_balance + 1.0}
    else:
        changed = {"added_margin": (request.added_margin or 0.0) + 1.0}
    try:
        richer = calculate(request.model_copy(update=changed), request.side, book=book)
    except CoreError:
        return 0.0
    if richer.liquidation_price is None:
        return 0.0
    return liquidation_price - richer.liquidation_price


async def watches(update: Update, context: Context) -> None:
    """``/watches``: the chat's watches with their distance now, each with a remove button."""
    chat = update.effective_chat
    store = context.bot_data.watches
    if chat is None:
        return
    if store is None:
        await answer(update, context, _unavailable(context))
        return
    text, markup = await _listing(context, chat.id, chat.type != ChatType.PRIVATE)
    await answer(update, context, text, reply_markup=markup)


async def _listing(context: Context, chat_id: int, group: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    """The ``/watches`` text and its ❌ buttons (five a row)."""
    assert context.bot_data.watches is not None
    found = await context.bot_data.watches.for_chat(chat_id)
    marks = [_fresh_mark(context, w) for w in found]
    buttons = [InlineKeyboardButton(f"❌ {n}", callback_data=f"1u|{w.id}") for n, w in enumerate(found, start=1)]
    markup = InlineKeyboardMarkup([buttons[i : i + 5] for i in range(0, len(buttons), 5)]) if buttons else None
    return watches_text(found, marks, group), markup


def _fresh_mark(context: Context, watch: Watch) -> float | None:
    market = context.bot_data.market
    if market is None:
        return None
    found = market.book.quote(watch.source, watch.market)
    age = market.book.quotes_age(watch.source)
    if found is None or age is None or age > STALE_INTERVALS * context.bot_data.settings.watch_interval:
        return None  # as stale as the poller would refuse to alert from
    return found[0].mark_price


async def unwatch(update: Update, context: Context) -> None:
    """``/unwatch N``: remove the chat's N-th watch (in groups: only its owner)."""
    chat, user = update.effective_chat, update.effective_user
    store = context.bot_data.watches
    if chat is None or user is None:
        return
    if store is None:
        await answer(update, context, _unavailable(context))
        return
    word = _args(update).strip().lstrip("#")
    if not word.isdigit():
        raise InvalidInputError(
            f"unwatch takes a watch's number from /watches, like /unwatch 2 (not {word!r})" if word else
            "unwatch takes a watch's number from /watches, like /unwatch 2",
            field="number",
        )  # fmt: skip
    found = await store.for_chat(chat.id)
    number = int(word)
    if not 1 <= number <= len(found):
        have = f"/watches lists {len(found)}" if found else "there are none here"
        raise InvalidInputError(f"there is no watch {number} here: {have}", field="number")
    target = found[number - 1]
    if target.user_id != user.id and chat.type != ChatType.PRIVATE:
        raise InvalidInputError(f"only the member who set watch {number} can remove it", field="number")
    await store.remove(target.id or 0)
    await answer(update, context, f"Removed watch {number}: {esc(target.label)}.")


async def unwatch_button(update: Update, context: Context) -> None:
    """The ❌ under ``/watches``: remove that watch (its owner only) and show the list again."""
    query, chat = update.callback_query, update.effective_chat
    store = context.bot_data.watches
    if query is None or chat is None or store is None or query.data is None:
        return
    watch_id = int(query.data.split("|")[1])
    found = await store.for_chat(chat.id)
    target = next((w for w in found if w.id == watch_id), None)
    if target is None:
        await query.answer("That watch is already gone.")
    elif target.user_id != query.from_user.id and chat.type != ChatType.PRIVATE:
        await query.answer("Only the member who set this watch can remove it.", show_alert=True)
        return
    else:
        await store.remove(watch_id)
        await _acknowledge(query)
    text, markup = await _listing(context, chat.id, chat.type != ChatType.PRIVATE)
    await query.edit_message_text(text, reply_markup=markup)


async def watch_button(update: Update, context: Context) -> None:
    """🔔 under a ``/liq`` card: a watch on the card's trade for whoever pressed it, confirmed in the chat."""
    query = update.callback_query
    if query is None:
        return
    pressed = keyboards.decode(query.data)
    if not isinstance(pressed, keyboards.TradeButton):
        return
    try:
        text = await watch_request(update, context, pressed.request(), context.bot_data.book, DEFAULT_LEVELS)
    except CoreError as exc:
        await query.answer(exc.message[:200], show_alert=True)
        return
    await _acknowledge(query)
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, text, reply_to_message_id=query.message.message_id)
