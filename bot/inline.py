"""Inline mode: ``@bot 50000 10x 1000`` in any chat offers the long and short cards to post.

Enable it once with BotFather's ``/setinline``. Results are personal (the user's own settings
fill the gaps) and cached briefly by Telegram. Errors are answered by :mod:`bot.errors` with one
explanatory result.
"""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot import formatting, keyboards
from bot.context import Context
from bot.store import Scope
from core import across_venues, calculate_sides, parse_trade
from core.grammar import EXAMPLE

__all__ = ["CACHE_SECONDS", "help_button", "inline_query"]

CACHE_SECONDS = 10


def help_button() -> InlineQueryResultsButton:
    """The "how to type a trade" button above the results (opens a private chat with /start)."""
    return InlineQueryResultsButton(text=f"Type a trade, like {EXAMPLE}", start_parameter="inline")


async def inline_query(update: Update, context: Context) -> None:
    """Offer one card per side for the typed trade."""
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    if not text:
        await query.answer([], cache_time=300, is_personal=False, button=help_button())
        return
    defaults = (await context.bot_data.store.get(Scope.USER, query.from_user.id)).as_defaults()
    book = context.bot_data.book  # what is cached: an inline query is asked at every keystroke, nothing is fetched
    request = parse_trade(text, defaults=defaults, book=book)
    articles = []
    for result in calculate_sides(request, book=book):
        side = result.position.side
        one_side = request.model_copy(update={"side": side})
        card = formatting.liq_card([result], {side: across_venues(one_side, side, book=book)})
        articles.append(
            InlineQueryResultArticle(
                id=side.value,
                title=formatting.liq_title(result),
                description=f"{result.venue_name} · max loss {formatting.fmt_amount(result.max_loss, result.settle_currency)}",
                input_message_content=InputTextMessageContent(card, parse_mode=ParseMode.HTML),
                reply_markup=keyboards.trade_keyboard(one_side, result.position.leverage, "liq"),
            )
        )
    await query.answer(articles, cache_time=CACHE_SECONDS, is_personal=True)
