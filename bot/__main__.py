"""Run liqcalc: the Telegram bot, or the console chat when there is no token.

Usage::

    python -m bot                                      # console chat (no TELEGRAM_BOT_TOKEN)
    TELEGRAM_BOT_TOKEN=123:abc python -m bot           # long polling
    TELEGRAM_BOT_TOKEN=123:abc LIQCALC_WEBHOOK_URL=https://bot.example.com/tg \\
        LIQCALC_WEBHOOK_SECRET=s3cret LIQCALC_WEBHOOK_PORT=8443 python -m bot   # webhook

Environment: see :mod:`bot.config`. SIGINT/SIGTERM stop the bot cleanly (pending updates
acknowledged, handlers finished, database closed) and the process exits 0. The token never
appears in the logs: httpx's request log is silenced and every log line is scrubbed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from pydantic import ValidationError

from bot.config import BotSettings
from bot.memory import limit_arenas
from bot.store import StoreConfigError

__all__ = ["configure_logging", "main"]

_logger = logging.getLogger("bot")


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces secrets (the token, the webhook secret) in every formatted line."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        """``secrets``: strings never to print."""
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format, then scrub."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text


def configure_logging(settings: BotSettings) -> None:
    """Log to stderr at ``LIQCALC_LOG_LEVEL``; httpx and httpcore only from WARNING (they print URLs)."""
    secrets = [s.get_secret_value() for s in (settings.token, settings.webhook_secret) if s is not None]
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _stop_on_signals() -> None:
    """SIGINT/SIGTERM/SIGABRT stop the bot once; a second signal does not cut the answers in flight.

    PTB raises ``SystemExit`` on every stop signal, so a second SIGTERM during shutdown aborted it
    ("Task was destroyed but it is pending!") and answers already sent were replayed after the restart
    (issue 11). Here the first signal stops the loop as PTB does; later ones are logged and ignored.
    """
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    state = {"stopping": False}

    def on_signal(number: int) -> None:
        if state["stopping"]:
            _logger.warning("signal %d while stopping: finishing the answers in flight first", number)
            return
        state["stopping"] = True
        _logger.info("signal %d: stopping after the answers in flight", number)
        raise SystemExit

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT):
        try:
            loop.add_signal_handler(number, on_signal, number)
        except (NotImplementedError, RuntimeError):  # not on this platform: PTB's default is gone, Ctrl-C still works
            return


def main() -> int:
    """Read the environment, then run polling, webhook or the console; the exit status."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22's future time type, without its deprecation warning
    try:
        settings = BotSettings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        sys.stderr.write(f"liqcalc: bad configuration: {problems}\n")
        return 2
    configure_logging(settings)
    try:
        if settings.run_mode == "console":
            from bot.console import run_console

            logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))

            try:
                return asyncio.run(run_console(settings))
            except KeyboardInterrupt:
                sys.stdout.write("\n")
                return 0
        from bot.app import ALLOWED_UPDATES, build_application

        limit_arenas()  # before any thread starts: resident memory stays flat (bot.memory)
        application = build_application(settings)
        _stop_on_signals()
        if settings.run_mode == "webhook":
            secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=settings.local_webhook_path,
                webhook_url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                stop_signals=None,  # ours: see _stop_on_signals
            )
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=settings.poll_timeout, stop_signals=None)
    except StoreConfigError as exc:
        sys.stderr.write(f"liqcalc: {exc}\n")
        return 2
    _logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
