"""``/review`` and the "📈 chart" button: parse → core → card → reply, charts off the event loop.

``/review`` answers a trade call (the message it replies to, or the call typed after it) with one
message that replies to the call: the chart as a photo whose caption is the card when the card
fits 1,024 characters, else the card as text at once and the chart under it. A second ``/review``
of the same call message points to the first review instead of posting another
(``bot_data.reviews``, bounded, in memory).

Charts are rendered by :mod:`bot.charts` in a worker thread (``asyncio.to_thread``), at most
``CHART_RENDERS`` at once, so the event loop keeps answering while they render.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import io
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from telegram import InputFile, Message, Update

from bot import formatting, keyboards, review_card
from bot.charts import Level, levels_from_result, levels_from_review, render_ladder
from bot.context import CHART_RENDERS, CHARTS_PER_PROCESS, Context
from bot.handlers import settings_scope
from bot.parsing import split_command
from bot.replies import answer
from core import (
    CallReview,
    ParseError,
    Side,
    TradeCallError,
    TradeRequest,
    calculate_sides,
    compare_margin_modes,
    parse_trade_call,
    review_call,
)

__all__ = ["USAGE", "chart_button", "ladder_for_button", "review", "review_chart"]

_logger = logging.getLogger(__name__)
USAGE = (
    "reply /review to a message with a trade call, or put the call after it, like "
    "/review BTC long 50000 10x SL 48500 TP 54000"
)


# --- charts ---------------------------------------------------------------------------------------


_charts: ProcessPoolExecutor | None = None


def _chart_process() -> ProcessPoolExecutor:
    """The one process that draws charts, started with the first chart.

    matplotlib and its drawing buffers live there, not in the bot: the bot's memory stays that of a
    text bot (issue 11: charts took a mixed workload to 193 MB). It is replaced every
    ``CHARTS_PER_PROCESS`` charts, so whatever matplotlib keeps between charts is given back too.
    """
    global _charts
    if _charts is None:
        _charts = ProcessPoolExecutor(
            max_workers=CHART_RENDERS, mp_context=multiprocessing.get_context("spawn"),
            max_tasks_per_child=CHARTS_PER_PROCESS,
        )  # fmt: skip
    return _charts


async def _render(context: Context, levels: list[Level], **kwargs: object) -> bytes:
    """PNG bytes, drawn in the chart process (never on the event loop), one at a time."""
    async with context.bot_data.chart_gate:
        draw = functools.partial(render_ladder, levels, **kwargs)  # type: ignore[arg-type]
        return await asyncio.get_running_loop().run_in_executor(_chart_process(), draw)


def _photo(png: bytes, name: str) -> InputFile:
    return InputFile(io.BytesIO(png), filename=name)


def review_chart(review: CallReview) -> dict[str, object]:
    """``render_ladder`` arguments for a review."""
    call = review.call
    zone = (call.entry_low, call.entry_high) if call.entry_low != call.entry_high else None
    return {
        "levels": levels_from_review(review),
        "title": review_card.chart_title(review),
        "entry_zone": zone,
        "footer": review.isolated.caveat,
        "warning": review_card.chart_warning(review),
    }


def _prefixed(levels: list[Level], side: Side) -> list[Level]:
    return [dataclasses.replace(lv, label=f"{side.value} {lv.label}") for lv in levels if lv.kind != "entry"]


def ladder_for_button(pressed: keyboards.TradeButton) -> tuple[list[Level], str, str]:
    """The levels, chart title and short caption of a chart button's trade (computed by core)."""
    request: TradeRequest = pressed.request()
    if pressed.view == "compare_chart":
        sides = (request.side,) if request.side is not None else (Side.LONG, Side.SHORT)
        pairs = [compare_margin_modes(request.model_copy(update={"side": side})) for side in sides]
        results = [(c.isolated, c.cross) for c in pairs]
        kind = "isolated vs cross"
    else:
        results = [(r, None) for r in calculate_sides(request)]
        kind = results[0][0].position.margin_mode.value
    first = results[0][0]
    if len(results) == 1:
        levels = levels_from_result(*results[0])
    else:
        levels = levels_from_result(*results[0])[:1]
        for result, cross in results:
            levels += _prefixed(levels_from_result(result, cross), result.position.side)
    sides_word = first.position.side.value if len(results) == 1 else "long & short"
    lev = f" · {formatting.fmt_lev(first.position.leverage)}" if first.position.leverage is not None else ""
    title = f"{first.symbol} {sides_word}{lev} · {kind} · {first.venue_name}"
    titles = []
    for result, cross in results:
        titles.append(formatting.liq_title(result))
        if cross is not None:
            titles.append(formatting.liq_title(cross))
    caption = "📈 " + " · ".join(formatting.esc(t) for t in titles)
    return levels, title, caption


async def chart_button(update: Update, context: Context) -> None:
    """ "📈 chart" under a ``/liq`` or ``/compare`` card: answer the press, then send the ladder PNG."""
    query = update.callback_query
    if query is None:
        return
    pressed = keyboards.decode(query.data)
    if not isinstance(pressed, keyboards.TradeButton) or not pressed.view.endswith("_chart"):
        raise keyboards.ButtonDataError("not a chart button")
    levels, title, caption = ladder_for_button(pressed)  # bad values raise before the press is answered
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return  # an inline message or an inaccessible one: nowhere to put a photo
    png = await _render(context, levels, title=title, footer=_CHART_FOOTER)
    await message.reply_photo(_photo(png, "ladder.png"), caption=caption, do_quote=True)


_CHART_FOOTER = "liqcalc · estimates; the exchange may differ (mark price, fees, funding)"


# --- /review --------------------------------------------------------------------------------------


def _target(message: Message) -> Message | None:
    """The message the command really replies to (not a forum topic's opening message)."""
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None
    return replied


async def _point_to(update: Update, context: Context, review_id: int) -> None:
    """The call was reviewed already: one short reply with a link to that review."""
    chat = update.effective_chat
    assert chat is not None
    link = review_card.message_link(chat.id, review_id, chat.username)
    where = f'<a href="{formatting.esc(link)}">the review above</a>' if link else "the review above"
    await answer(update, context, f"☝️ This call was already reviewed: see {where}.")


async def review(update: Update, context: Context) -> None:
    """Answer ``/review`` (as a reply to a call, or with the call inline) with the card and the chart."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    first_line = (message.text or "").split("\n", 1)
    args = split_command(first_line[0])[2] + ("\n" + first_line[1] if len(first_line) > 1 else "")
    parsed = review_card.parse_review_args(args)
    target = _target(message)
    if target is not None:
        call_text = target.text or target.caption or ""
    elif parsed.call_text:
        call_text, target = parsed.call_text, message
    else:
        raise ParseError(USAGE, field="call")

    index = context.bot_data.reviews
    previous = await index.wait(chat.id, target.message_id)
    if previous is not None:
        if update.edited_message is None:
            await _point_to(update, context, previous)
        return
    index.begin(chat.id, target.message_id)
    sent_id: int | None = None
    try:
        sent_id = await _send_review(update, context, target, call_text, parsed)
    finally:
        index.put(chat.id, target.message_id, sent_id)


async def _send_review(
    update: Update, context: Context, target: Message, call_text: str, parsed: review_card.ReviewArgs
) -> int | None:
    """Review the call and send it; the id of the review message (None: an error was answered)."""
    try:
        call = parse_trade_call(call_text)
    except TradeCallError as exc:  # the short "I couldn't find a trade …" / what is contradictory
        await answer(update, context, "⚠️ " + formatting.esc(exc.message))
        return None
    scope, key = settings_scope(update)
    defaults = (await context.bot_data.store.get(scope, key)).as_defaults()
    report = review_call(
        call,
        venue=defaults.get("venue"),
        account_balance=parsed.balance if parsed.balance is not None else defaults.get("wallet_balance"),
        margin=parsed.margin,
        taker_fee_rate=defaults.get("taker_fee_rate"),
        book=context.bot_data.book,
        **({"risk_limit": parsed.risk_limit} if parsed.risk_limit is not None else {}),
    )
    card = review_card.review_card(report)
    chart = review_chart(report)
    if review_card.caption_fits(card):
        try:
            png = await _render(context, **chart)  # type: ignore[arg-type]
        except Exception:
            _logger.exception("chart rendering failed; the review goes out as text")
        else:
            sent = await target.reply_photo(_photo(png, "review.png"), caption=card, do_quote=True)
            return sent.message_id
        sent = await target.reply_text(card, do_quote=True)
        return sent.message_id
    sent = await target.reply_text(card, do_quote=True)  # the text never waits for the chart
    try:
        png = await _render(context, **chart)  # type: ignore[arg-type]
    except Exception:
        _logger.exception("chart rendering failed; the review went out as text only")
        return sent.message_id
    caption = formatting.esc(f"📊 {review_card.chart_title(report)}")
    await sent.reply_photo(_photo(png, "review.png"), caption=caption, do_quote=True)
    return sent.message_id
