"""``liq data refresh [VENUE…]`` and ``liq data status``: fill the market-data cache, and show what it holds.

The same refresh the bot runs at start and daily (:class:`market.service.MarketData`); the venues'
URLs come from the ``LIQCALC_*_URL`` variables. Exit status: 0 when every venue answered, 1 when one
failed (its previous tables stay and the line says why), 2 on misuse.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from core.enums import ContractType
from core.numbers import fmt_age
from market.cache import CacheConfigError, open_cache
from market.catalog import NAMES, SOURCES, URL_VARIABLES, urls_from
from market.service import MarketData, as_of_now
from market.sources import Credentials

__all__ = ["data_command"]

_USAGE = (
    "usage: liq data refresh [VENUE…] | liq data status | liq data snapshot DIR [--allow-local]   (venues: "
    + ", ".join(SOURCES)
    + ")"
)
SNAPSHOT_SYMBOLS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB")  # the bundled fallback: the most traded perpetuals


def data_command(args: Sequence[str], location: str | None) -> int:
    """Run ``liq data …``; the exit status."""
    if location is None:
        print("liq data: LIQCALC_MARKET_DB is off, so nothing is fetched or cached; unset it to use market data")
        return 2
    sub = args[0].lower() if args else "status"
    if sub == "refresh":
        chosen = [a.lower() for a in args[1:]]
        unknown = [a for a in chosen if a not in SOURCES]
        if unknown:
            guess = difflib.get_close_matches(unknown[0], SOURCES, n=1)
            hint = f"; did you mean {guess[0]}?" if guess else ""
            print(f"liq data refresh: {unknown[0]!r} is not a venue{hint}\n{_USAGE}", file=sys.stderr)
            return 2
        return asyncio.run(_refresh(location, chosen or list(SOURCES)))
    if sub == "status":
        return asyncio.run(_status(location))
    if sub == "snapshot":
        folder = [a for a in args[1:] if not a.startswith("--")]
        if len(folder) != 1:
            print(f"liq data snapshot: give the folder to write, like core/tier_tables\n{_USAGE}", file=sys.stderr)
            return 2
        return asyncio.run(_snapshot(location, Path(folder[0]), allow_local="--allow-local" in args))
    print(f"liq data: {sub!r} is not a data command\n{_USAGE}", file=sys.stderr)
    return 2


def _market(location: str) -> MarketData:
    key, secret = os.environ.get("LIQCALC_BINANCE_API_KEY"), os.environ.get("LIQCALC_BINANCE_API_SECRET")
    keys = Credentials(key, secret) if key and secret else None
    return MarketData(open_cache(location), urls_from(dict(os.environ)), binance_keys=keys)


async def _refresh(location: str, sources: list[str]) -> int:
    market = _market(location)
    try:
        await market.start()
    except CacheConfigError as exc:
        print(f"liq data refresh: {exc}", file=sys.stderr)
        return 2
    try:
        print(f"Refreshing {', '.join(sources)} into {location}")
        outcomes = await market.refresh(sources)
    finally:
        await market.close()
    for o in outcomes:
        name = NAMES.get(o.source, o.source)
        if o.ok:
            rejected = f", {o.rejected} refused (previous kept)" if o.rejected else ""
            print(
                f"{name:<15} {o.symbols:>5,} symbols {o.tiers:>6,} tiers  as of {o.as_of}"
                f"  ({o.requests} requests, {o.seconds:.1f} s{rejected})"
            )
        else:
            print(f"{name:<15} FAILED: {o.note}; its previous tables are kept")
    return 0 if all(o.ok for o in outcomes) else 1


async def _status(location: str) -> int:
    market = _market(location)
    try:
        await market.start()
        runs = {run.source: run for run in await market.runs()}
    except CacheConfigError as exc:
        print(f"liq data status: {exc}", file=sys.stderr)
        return 2
    finally:
        await market.close()
    now = time.time()
    print(f"Market data in {location} (now {as_of_now(now)})")
    for source in SOURCES:
        name, run = NAMES.get(source, source), runs.get(source)
        if run is None:
            print(f"{name:<15} never fetched: answers use the bundled snapshot")
            continue
        if run.refreshed_at is not None:
            age = _age(now - run.refreshed_at)
            stale = "  ⚠️ older than 7 days" if now - run.refreshed_at > 7 * 86_400 else ""
            print(
                f"{name:<15} {run.symbols:>5,} symbols {run.tiers:>6,} tiers  as of {as_of_now(run.refreshed_at)} ({age}){stale}"
            )
        if not run.ok:
            print(f"{'':<15} last attempt {_age(now - run.attempted_at)} failed: {run.note}")
    return 0


def _age(seconds: float) -> str:
    return fmt_age(max(0.0, seconds))


async def _snapshot(location: str, folder: Path, *, allow_local: bool) -> int:
    """Refresh every venue, then write the most traded symbols' tables as the bundled fallback in ``folder``.

    Each file names its endpoint, base URL and ``as_of``. A venue that fails keeps its files as they
    were. Data from a local address (an emulator, a test) is refused unless ``--allow-local``: the
    snapshot ships with the product and must come from the venues themselves.
    """
    urls = urls_from(dict(os.environ))
    local = sorted(k for k, url in urls.items() if "127.0.0.1" in url or "localhost" in url)
    if local and not allow_local:
        names = ", ".join(URL_VARIABLES[k] for k in local)
        print(f"liq data snapshot: {names} point at a local address; the snapshot ships with the product, so it "
              "is written only from the venues (add --allow-local for a test)", file=sys.stderr)  # fmt: skip
        return 2
    market = _market(location)
    await market.start()
    try:
        outcomes = await market.refresh()
    finally:
        await market.close()
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for outcome in outcomes:
        if not outcome.ok:
            print(f"{NAMES.get(outcome.source, outcome.source):<15} FAILED: {outcome.note}; its bundled files are kept")
            continue
        venue = "binance" if outcome.source.startswith("binance") else outcome.source
        contract = ContractType.INVERSE if outcome.source == "binance-coinm" else ContractType.LINEAR
        for symbol in SNAPSHOT_SYMBOLS:
            if not market.book.knows(venue, symbol, contract):
                continue
            table = market.book.table(venue, symbol, contract)
            base = urls[
                "binance-web" if outcome.source.startswith("binance") and "website" in table.source else outcome.source
            ]
            table = table.model_copy(update={"source": f"{table.source} at {base}", "notes": "written by make data"})
            kind = "_coinm" if contract is ContractType.INVERSE else ""
            path = folder / f"{venue}{kind}_{table.market}.json"
            path.write_text(table.model_dump_json(indent=2) + "\n", encoding="utf-8")
            written += 1
        print(f"{NAMES.get(outcome.source, outcome.source):<15} written as of {outcome.as_of}")
    print(f"{written} tables in {folder}")
    return 0 if all(o.ok for o in outcomes) else 1
