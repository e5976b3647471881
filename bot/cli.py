"""``liq``: the terminal front end — the bot's own commands and answers, as plain text.

Usage:
    liq 50000 10x 1000 isolated          the /liq answer for one trade
    liq /compare 50000 10x 1000 bal 10000
    liq /pnl 97000 25x 500 long exit 99000
    liq /size 97000 stop 95000 risk $50  (every bot command: /help lists them)
    liq                                  a prompt taking trades and commands (empty line or Ctrl-D quits)
    liq data refresh [VENUE…]            fetch every venue's tables (or the named ones) into the cache
    liq data status                      what is cached, from where, and how old it is
    liq --help                           this text

Market data: tables and marks come from the venues' public APIs (``LIQCALC_BINANCE_URL``,
``LIQCALC_BYBIT_URL``, … move them, for a proxy or a test emulator), cached in
``~/.liqcalc-market.sqlite3`` (``LIQCALC_MARKET_DB`` moves it; ``off``: bundled tables only).

Exit status: 0 when every line was answered, 1 when a line was refused (the reason is printed),
2 when the command itself is misused. Settings made with ``/settings`` are kept in
``~/.liqcalc.sqlite3`` (``LIQCALC_DB`` moves them).

The answers come from the bot's own handlers through the console chat (:mod:`bot.console`), so they
are exactly the bot's. Without python-telegram-bot installed (the core-only install), ``liq`` answers
trades only, with core's numbers in a short plain format.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Iterable

from core import CoreError, across_venues, calculate_sides, parse_trade
from core.grammar import EXAMPLE
from core.numbers import fmt_num

__all__ = ["main"]

_HELP = {"-h", "--help", "help", "-help", "/?"}
_DEFAULT_DB = "~/.liqcalc.sqlite3"


def _command_line(text: str) -> str:
    """A trade alone is a ``/liq``; a line starting with ``/`` is any bot command."""
    return text if text.startswith("/") else f"/liq {text}"


def _market_location() -> str | None:
    """The cache ``liq`` uses: ``LIQCALC_MARKET_DB``, else beside its settings file (``~/.liqcalc-market.sqlite3``)."""
    from market.catalog import cache_location

    db = os.path.expanduser(os.environ.get("LIQCALC_DB", "").strip() or _DEFAULT_DB)
    return cache_location(os.environ.get("LIQCALC_MARKET_DB"), db)


def _run(lines: Iterable[str] | None) -> int:
    """Answer ``lines`` (None: the interactive prompt) through the console chat; the exit status."""
    from bot.config import BotSettings
    from bot.console import run_console

    overrides = {"inbox": "off"}
    if "LIQCALC_DB" not in os.environ:
        overrides["db"] = _DEFAULT_DB
    settings = BotSettings().model_copy(update=overrides)
    if lines is None:
        return asyncio.run(run_console(settings, strict=True))
    text = "".join(_command_line(line.strip()) + "\n" for line in lines if line.strip())
    return asyncio.run(run_console(settings, stdin=io.StringIO(text), buttons=False, strict=True))


def _plain(text: str) -> int:
    """The core-only answer to one trade (python-telegram-bot not installed)."""
    try:
        request = parse_trade(text)
        cards = calculate_sides(request)
    except CoreError as exc:
        print(f"error: {exc}\nexample: {EXAMPLE}")
        return 1
    for card in cards:
        side = card.position.side
        price = "none" if card.liquidation_price is None else f"{fmt_num(card.liquidation_price)}"
        print(f"{card.symbol} {side.value} {card.position.margin_mode.value} · {card.venue_name}: liquidation {price}")
        venues = " · ".join(
            f"{q.venue_name} {fmt_num(q.price)}" for q in across_venues(request, side) if q.price is not None
        )
        if venues:
            print(f"  {side.value} on each venue's rules: {venues}")
    print(f"  {cards[0].caveat}")
    return 0


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point of the ``liq`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0].lower() in _HELP:
        print(__doc__)
        return 0
    if args and args[0].lower() == "data":
        from bot.data_command import data_command

        return data_command(args[1:], _market_location())
    if args and args[0].startswith("--"):
        print(f"liq: unknown option {args[0]!r}; type liq --help", file=sys.stderr)
        return 2
    try:
        import telegram  # noqa: F401  (the bot's handlers need it)
    except ImportError:
        if not args:
            print("liq: the prompt needs the bot extra (pip install 'liqcalc[bot]'); give a trade instead")
            return 2
        return _plain(" ".join(args))
    return _run([" ".join(args)] if args else None)


if __name__ == "__main__":
    raise SystemExit(main())
