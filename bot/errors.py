"""The one global error handler, and the one place that turns a core error into words.

* ``CoreError`` / pydantic ``ValidationError`` (bad input): one line saying what is wrong and the
  right form to copy, in the same single answer message (edited if the command was edited); a
  button gets an alert, an inline query one explanatory result.
* Forged or stale buttons (:class:`bot.keyboards.ButtonDataError`): a polite alert.
* Telegram's own refusals: "message is not modified" (double tap) is ignored; ``Forbidden``
  (blocked, kicked) logged, never retried; ``Conflict`` (a second poller) logged as critical;
  ``ChatMigrated`` moves the group's settings; network errors (polling, or a time-out while
  answering, which may still have been delivered) logged, never answered twice.
* Anything else: logged with its traceback, a kind plain-text answer to the user, and a report to
  ``LIQCALC_ADMIN_CHAT_ID`` if set. The handler never raises.
"""

from __future__ import annotations

import contextlib
import logging
import traceback

from pydantic import ValidationError
from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import formatting, texts
from bot.context import Context
from bot.inbox import Inbox
from bot.keyboards import ButtonDataError
from bot.parsing import split_command
from bot.replies import answer, is_not_modified
from bot.store import Scope
from core import CoreError
from core.models import validation_message

__all__ = ["ALERT_LIMIT", "on_error", "user_message"]

_logger = logging.getLogger(__name__)
ALERT_LIMIT = 200


def user_message(error: BaseException) -> str | None:
    """The user-facing sentence for a bad-input error, or None for any other error."""
    if isinstance(error, ValidationError):
        error = validation_message(error)
    if isinstance(error, CoreError):
        return error.message
    return None


def _command_name(update: Update) -> str | None:
    message = update.effective_message
    if message is None or not message.text:
        return None
    return split_command(message.text)[0]


async def _explain(update: Update, context: Context, message: str) -> None:
    """Tell the user what to type instead, in the form that fits the update."""
    if update.callback_query is not None:
        await update.callback_query.answer(f"⚠️ {message}"[:ALERT_LIMIT], show_alert=True)
        return
    if update.inline_query is not None:
        text = formatting.error_text(message, texts.example_for("liq").removeprefix("/liq "))
        result = InlineQueryResultArticle(
            id="error",
            title="⚠️ Not a trade yet",
            description=message[:200],
            input_message_content=InputTextMessageContent(text, parse_mode=ParseMode.HTML),
        )
        await update.inline_query.answer([result], cache_time=5, is_personal=True)
        return
    if update.effective_message is not None:
        name = _command_name(update)
        await answer(update, context, formatting.error_text(message, texts.example_for(name)))


async def _apologise(update: object) -> None:
    """A kind plain-text answer to an unexpected failure; errors while apologising are swallowed."""
    if not isinstance(update, Update):
        return
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(texts.crash_text()[:ALERT_LIMIT], show_alert=True)
        elif update.effective_message is not None and update.inline_query is None:
            await update.effective_message.reply_text(texts.crash_text(), parse_mode=None)


async def _report(context: Context, update: object, error: BaseException) -> None:
    """Send the traceback to the admin chat, if one is configured (≤ 4096 characters)."""
    chat_id = context.bot_data.settings.admin_chat_id
    if chat_id is None:
        return
    trace = "".join(traceback.format_exception(error))
    what = str(update.to_dict() if isinstance(update, Update) else update)
    token = context.bot.token
    trace, what = trace.replace(token, "<redacted>"), what.replace(token, "<redacted>")
    text = f"⚠️ <b>Error</b>\n<pre>{formatting.esc(trace[-2500:])}</pre>\n<pre>{formatting.esc(what[:1000])}</pre>"
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(chat_id, formatting.fit(text))


async def on_error(update: object, context: Context) -> None:
    """Log the error and answer kindly; never raises."""
    error = context.error
    if error is None:
        return
    try:
        message = user_message(error)
        if message is not None and isinstance(update, Update):
            await _explain(update, context, message)
            return
        if isinstance(error, ButtonDataError) and isinstance(update, Update) and update.callback_query is not None:
            _logger.info("refused button data %r: %s", update.callback_query.data, error)
            await update.callback_query.answer(texts.stale_button_text(), show_alert=True)
            return
        if is_not_modified(error):
            return
        if isinstance(error, BadRequest) and "query is too old" in error.message.lower():
            _logger.info("a button or inline query was answered too late: %s", error.message)
            return
        if isinstance(error, Forbidden):
            _logger.info("not allowed to write there (blocked or removed): %s", error.message)
            return
        if isinstance(error, Conflict):
            _logger.critical("another instance is polling with this token: %s", error.message)
            return
        if isinstance(error, ChatMigrated):
            await _migrated(update, context, error)
            return
        if isinstance(error, RetryAfter):
            # bot.flood waited the whole bound: the answer never got through; the journal keeps it
            _logger.warning("Telegram flood control outlasted the wait; the update is kept for the next start")
            queue = context.application.update_queue
            if isinstance(queue, Inbox):
                queue.unanswered(update)
            return
        if isinstance(error, NetworkError) and update is None:
            _logger.warning("network error while polling: %s", error.message)
            return
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            # a time-out may still have delivered the answer: an apology would be a second message
            _logger.warning("network error while answering an update: %s", error.message)
            return
        _logger.error("unexpected error while handling an update", exc_info=error)
        await _apologise(update)
        await _report(context, update, error)
    except Exception:
        _logger.exception("the error handler failed while handling %r", error)


async def _migrated(update: object, context: Context, error: ChatMigrated) -> None:
    old = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    _logger.info("group %s is now supergroup %s", old, error.new_chat_id)
    if old is not None:
        await context.bot_data.store.move(Scope.CHAT, old, error.new_chat_id)
