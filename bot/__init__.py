"""liqcalc front ends for chat: the Telegram bot and its console twin.

Importing this package loads nothing from ``telegram``: the pure modules (``bot.config``,
``bot.store``, ``bot.formatting``, ``bot.texts``, ``bot.ratelimit``) and the terminal front end
(``bot.cli``) work without python-telegram-bot installed. The Telegram modules (``bot.app``,
``bot.handlers``, ``bot.keyboards``, ``bot.inline``, ``bot.errors``, ``bot.replies``,
``bot.console``) import it themselves.
"""
