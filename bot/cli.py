"""``liq``: the terminal front end.

Usage:
    liq 50000 10x 1000 isolated      print the answer for one trade
    liq                              interactive prompt (empty line or Ctrl-D to quit)

Imports only ``core``: it works without the Telegram extras installed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from core import CoreError, LiquidationResult, Side, across_venues, calculate_sides, parse_trade
from core.grammar import EXAMPLE


def _price(value: float | None) -> str:
    if value is None:
        return "none"
    decimals = 2 if value >= 1 else 6
    return f"{value:,.{decimals}f}"


def render(result: LiquidationResult) -> str:
    """Plain-text card for one side."""
    pos = result.position
    cur = result.settle_currency
    lines = [f"{result.symbol} {pos.side.value} {pos.margin_mode.value} · {result.venue_name}"]
    if result.liquidation_price is None:
        lines.append(f"  liquidation: cannot be liquidated — {result.no_liquidation_reason}")
    else:
        move = (result.move_to_liquidation or 0.0) * 100
        lines.append(f"  liquidation: {_price(result.liquidation_price)}  ({move:+.2f} % from entry)")
        if result.already_liquidated:
            lines.append("  warning: the margin does not cover maintenance at entry: liquidated at once")
    lines.append(f"  bankruptcy:  {_price(result.bankruptcy_price)}")
    margin = "n/a" if pos.initial_margin is None else f"{pos.initial_margin:,.2f} {cur}"
    lines.append(
        f"  size: {pos.quantity:,.6g} @ {_price(pos.entry_price)} · margin {margin} · max loss {result.max_loss:,.2f} {cur}"
    )
    if result.tier is not None:
        tier = result.tier
        lines.append(f"  tier {tier.number}: MMR {tier.mmr * 100:g} %, amount {tier.maintenance_amount:,.2f}")
    lines += [f"  · {note}" for note in result.notes]
    return "\n".join(lines)


def answer(text: str) -> str:
    """The full answer to one line: both sides when none is named, then the venue line."""
    try:
        request = parse_trade(text)
        cards = calculate_sides(request)
    except CoreError as exc:
        return f"error: {exc}\nexample: {EXAMPLE}"
    parts = [render(card) for card in cards]
    side = request.side or Side.LONG
    venues = " · ".join(f"{q.venue_name} {_price(q.price)}" for q in across_venues(request, side) if q.error is None)
    if venues:
        parts.append(f"{side.value} on each venue's rules: {venues}")
    return "\n\n".join(parts)


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point of the ``liq`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        print(answer(" ".join(args)))
        return 0
    print(f"liqcalc — type a trade like: {EXAMPLE}   (empty line to quit)")
    for line in sys.stdin:
        if not line.strip():
            break
        print(answer(line.strip()))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
