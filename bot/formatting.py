"""Answer cards as Telegram HTML, and the number formats that read well on a phone.

Pure: core results in, ``str`` out; no Telegram objects, so the console and ``bot.cli`` use it too.
Every number shown comes from a core result; this module only rounds it for display. Every text
that is not ours (core messages and notes, symbols, anything the user typed) goes through
:func:`esc`. Each line of a card is balanced HTML on its own, so :func:`fit` may cut between lines.

Number formats:

>>> fmt_price(45226.1), fmt_price(45250.0), fmt_price(3.4567), fmt_price(0.00001234)
('45,226.10', '45,250', '3.4567', '0.00001234')
>>> fmt_pct(-0.0955), fmt_pct(0.125), fmt_pct(0.0), fmt_rate(0.004), fmt_lev(12.5)
('−9.55%', '+12.5%', '0.00%', '0.4%', '12.5x')
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser

from core import (
    ContractType,
    CrossAccountResult,
    DcaPlan,
    DcaStep,
    LiquidationResult,
    MarginComparison,
    MarginMode,
    PnlResult,
    Side,
    SizingResult,
    StopCheck,
    TargetResult,
    TierTable,
    TierUsed,
    whole_leverage,
)
from core.calculator import VenueQuote
from core.numbers import fmt_age
from market.cache import Run
from market.catalog import NAMES
from market.describe import data_line

__all__ = [
    "MAX_MESSAGE",
    "compare_card",
    "cross_card",
    "dca_card",
    "error_text",
    "esc",
    "fit",
    "fmt_amount",
    "fmt_lev",
    "fmt_pct",
    "fmt_price",
    "fmt_qty",
    "fmt_rate",
    "fmt_safe_leverage",
    "html_to_text",
    "liq_card",
    "liq_title",
    "pnl_card",
    "settings_card",
    "size_card",
    "target_card",
    "tiers_card",
    "tiers_index",
]

MAX_MESSAGE = 4096
MINUS = "\u2212"
DASH = "—"
STABLE = frozenset({"USDT", "USDC", "USD", "BUSD", "FDUSD"})
SIDE_ICON = {Side.LONG: "📈", Side.SHORT: "📉"}
MAX_CROSS_ROWS = 25


# --- numbers ------------------------------------------------------------------------------------


def esc(text: object) -> str:
    """HTML-escape any text that is not ours (``<``, ``>``, ``&``).

    >>> esc("<b>50k")
    '&lt;b&gt;50k'
    """
    return html.escape(str(text), quote=False)


def _trim(text: str, min_decimals: int) -> str:
    """Drop trailing zeros; keep ``min_decimals`` unless the number is whole."""
    if "." not in text:
        return text
    whole, frac = text.split(".")
    frac = frac.rstrip("0")
    if not frac:
        return whole
    return f"{whole}.{frac.ljust(min_decimals, '0')}"


def _signed(body: str, value: float) -> str:
    if value < 0 and body.strip("0.,%x") != "":
        return MINUS + body
    return body


def fmt_price(value: float | None, tick: float | None = None) -> str:
    """A price with thousands separators: at the instrument's tick when known, else ~6 significant digits.

    With a tick, exactly the tick's decimals (Binance BTC 0.1: ``93,494.0``; Bybit 0.01: ``93,428.40``).
    Without: ≥ 1,000 two decimals (none when whole); below, enough decimals for 6 significant digits.

    >>> fmt_price(2850.5), fmt_price(300.1234567), fmt_price(None), fmt_price(93494.0, 0.1), fmt_price(5739.5, 0.5)
    ('2,850.50', '300.123', '—', '93,494.0', '5,739.5')
    """
    if value is None or not math.isfinite(value):
        return DASH
    size = abs(value)
    if tick is not None and tick > 0:
        decimals = max(0, -math.floor(math.log10(tick) + 1e-9))
        return _signed(f"{size:,.{decimals}f}", value)
    if size == 0:
        return "0"
    decimals = 2 if size >= 1000 else min(12, max(2, 5 - math.floor(math.log10(size))))
    return _signed(_trim(f"{size:,.{decimals}f}", 2), value)


def fmt_qty(value: float, unit: str = "") -> str:
    """A quantity: up to 6 significant digits, no trailing zeros.

    >>> fmt_qty(0.2, "BTC"), fmt_qty(0.0666666667), fmt_qty(1234.5)
    ('0.2 BTC', '0.0666667', '1,234.5')
    """
    if not math.isfinite(value):
        return DASH
    size = abs(value)
    decimals = 0 if size == 0 else min(12, max(0, 5 - math.floor(math.log10(size))))
    body = _signed(_trim(f"{size:,.{decimals}f}", 0), value)
    return f"{body} {unit}".rstrip()


def fmt_amount(value: float, currency: str = "USDT", *, signed: bool = False) -> str:
    """Money: 2 decimals for stablecoins (none when whole), 6 significant digits for coins.

    >>> fmt_amount(1000.0), fmt_amount(1234.567), fmt_amount(-12.5, signed=True), fmt_amount(0.0123456789, "BTC")
    ('1,000 USDT', '1,234.57 USDT', '−12.50 USDT', '0.0123457 BTC')
    """
    if not math.isfinite(value):
        return f"{DASH} {currency}".rstrip()
    size = abs(value)
    if currency.upper() in STABLE or size >= 1000:
        body = _trim(f"{size:,.2f}", 2)
    else:
        decimals = 2 if size == 0 else min(12, max(2, 5 - math.floor(math.log10(size))))
        body = _trim(f"{size:,.{decimals}f}", 2)
    body = _signed(body, value)
    if signed and value > 0 and body.strip("0.,") != "":
        body = "+" + body
    return f"{body} {currency}".rstrip()


def fmt_pct(fraction: float | None, *, signed: bool = True) -> str:
    """A fraction as a percentage with a real sign: 2 decimals under 10 %, 1 under 100 %, else 0.

    >>> fmt_pct(0.5), fmt_pct(-2.344), fmt_pct(-0.00001)
    ('+50.0%', '−234%', '0.00%')
    """
    if fraction is None or not math.isfinite(fraction):
        return DASH
    pct = fraction * 100
    size = abs(pct)
    decimals = 2 if size < 10 else 1 if size < 100 else 0
    body = f"{size:,.{decimals}f}%"
    if body.strip("0.,%") == "":
        return body
    if pct < 0:
        return MINUS + body
    return "+" + body if signed else body


def fmt_rate(fraction: float) -> str:
    """A rate (MMR, fee) in percent, 4 significant digits, no trailing zeros.

    >>> fmt_rate(0.0065), fmt_rate(0.00055), fmt_rate(0.02)
    ('0.65%', '0.055%', '2%')
    """
    pct = fraction * 100
    if pct == 0:
        return "0%"
    decimals = min(10, max(0, 3 - math.floor(math.log10(abs(pct)))))
    return _trim(f"{pct:.{decimals}f}", 0) + "%"


def fmt_lev(value: float) -> str:
    """A leverage: ``10x``, ``12.5x``, ``3.33x``; below 1x, two significant digits (never ``0x``).

    >>> fmt_lev(10.0), fmt_lev(3.3333), fmt_lev(0.001), fmt_lev(0.456)
    ('10x', '3.33x', '0.001x', '0.46x')
    """
    if 0 < abs(value) < 1:
        decimals = max(2, 1 - math.floor(math.log10(abs(value))))
        return _trim(f"{value:.{decimals}f}", 0) + "x"
    return _trim(f"{value:,.2f}", 0) + "x"


def fmt_safe_leverage(value: float) -> str:
    """A highest safe leverage as an exchange takes it: whole and rounded down (``25.09`` → ``25x``).

    >>> fmt_safe_leverage(25.09), fmt_safe_leverage(17.51), fmt_safe_leverage(0.456)
    ('25x', '17x', '0.45x')
    """
    return whole_leverage(value)


# --- trade cards ----------------------------------------------------------------------------------


def _currency(result: LiquidationResult) -> str:
    return result.settle_currency


def _mode_word(result: LiquidationResult) -> str:
    lev = result.position.leverage
    mode = result.position.margin_mode.value
    return f"{fmt_lev(lev)} {mode}" if lev is not None else mode


def liq_title(result: LiquidationResult) -> str:
    """One plain line naming a side's answer (inline result titles, alerts).

    >>> from core.grammar import parse_trade
    >>> from core.calculator import calculate
    >>> liq_title(calculate(parse_trade("50000 10x 1000"), Side.LONG))
    'BTC long 10x: liquidation 45,250 (−9.50%)'
    """
    lev = f" {fmt_lev(result.position.leverage)}" if result.position.leverage is not None else ""
    head = f"{result.symbol} {result.position.side.value}{lev}"
    if result.liquidation_price is None:
        return f"{head}: no liquidation price"
    price = fmt_price(result.liquidation_price, result.tick_size)
    return f"{head}: liquidation {price} ({fmt_pct(result.move_to_liquidation)})"


def _size_line(result: LiquidationResult) -> str:
    pos = result.position
    if pos.contract is ContractType.INVERSE:
        return (
            f"Size {fmt_qty(pos.quantity, 'contracts')} = {fmt_amount(pos.notional_quote, 'USD')} "
            f"({fmt_amount(pos.notional_settle, result.settle_currency)})"
        )
    return f"Size {fmt_qty(pos.quantity, esc(result.symbol))} = {fmt_amount(pos.notional_quote, _currency(result))}"


def _money_line(result: LiquidationResult) -> str:
    pos = result.position
    parts = [f"Entry {fmt_price(pos.entry_price)}"]
    if pos.mark_price != pos.entry_price:
        parts.append(f"mark {fmt_price(pos.mark_price)}")
    if pos.margin_mode is MarginMode.CROSS:
        parts.append(f"wallet {fmt_amount(pos.wallet_balance, _currency(result))}")
    elif pos.initial_margin is not None:
        margin = f"margin {fmt_amount(pos.initial_margin, _currency(result))}"
        added = pos.wallet_balance - pos.initial_margin
        if added > pos.wallet_balance * 1e-9:
            margin += f" + {fmt_amount(added, _currency(result))} added"
        parts.append(margin)
    return " · ".join(parts)


def _liq_value(result: LiquidationResult) -> str:
    if result.liquidation_price is None:
        return "<b>none</b>"
    text = f"<b>{fmt_price(result.liquidation_price, result.tick_size)}</b> ({fmt_pct(result.move_to_liquidation)})"
    pos = result.position
    if pos.mark_price != pos.entry_price:
        text += f", {fmt_pct(result.move_to_liquidation_from_mark)} from mark"
    return text


def _tier_line(tier: TierUsed | None) -> str | None:
    """Which MMR was used and why: the trade's own, a venue's flat rate, or a dated bracket table."""
    if tier is None:
        return None
    if tier.number == 1 and math.isinf(tier.cap):
        return f"MMR {fmt_rate(tier.mmr)} ({esc(tier.source)})"
    parts = [f"Tier {tier.number}", f"MMR {fmt_rate(tier.mmr)}", f"max {fmt_lev(tier.max_leverage)}"]
    if tier.maintenance_amount:
        parts.append(f"cum {fmt_qty(tier.maintenance_amount)}")
    return " · ".join(parts)


def _data_line(result: LiquidationResult, now: float | None) -> str | None:
    """Which table and mark the answer used, and how old they are (``market.describe``)."""
    tier = result.tier
    as_of = tier.as_of if tier is not None else ""
    market = (tier.market if tier is not None else "") or result.symbol
    source = tier.source if tier is not None else ""
    moment = time.time() if now is None else now
    line = data_line(result.venue_name, market, as_of, result.price_source, now=moment, source=source)
    if line is None:
        return None
    return esc(line) if line.startswith("⚠️") else f"📡 {esc(line)}"


def _stop_line(result: LiquidationResult) -> str | None:
    """The trade's stop against this liquidation price (``sl 95000``)."""
    check = result.stop
    if check is None:
        return None
    if check.stop_first:
        return f"✅ Stop fires first: {esc(check.message)}"
    return f"❌ Stop is beyond liquidation: {esc(check.message)}"


def _saved_mmr_line(saved_mmr: float | None, result: LiquidationResult) -> str | None:
    if saved_mmr is None or result.tier is None:
        return None
    return (
        f"ℹ️ Your saved MMR {fmt_rate(saved_mmr)} is not used: {esc(result.venue_name)} has a table for "
        f"{esc(result.symbol)} (type mmr {fmt_rate(saved_mmr)} in the trade to use yours)"
    )


def _quotes_line(label: str, quotes: Sequence[VenueQuote], current: str) -> str | None:
    parts = []
    for quote in quotes:
        if quote.error is not None:
            continue
        name = esc(quote.venue_name)
        price = fmt_price(quote.price) if quote.price is not None else "none"
        price = fmt_price(quote.price, quote.tick_size) if quote.price is not None else "none"
        parts.append(f"<b>{name} {price}</b>" if quote.venue == current else f"{name} {price}")
    if not parts:
        return None
    rows = [" · ".join(parts[i : i + _VENUES_PER_LINE]) for i in range(0, len(parts), _VENUES_PER_LINE)]
    return label + "\n  ".join(rows)  # three venues a line: a phone shows each line whole


_VENUES_PER_LINE = 3


def _caveat_line(caveat: str) -> str:
    """Core's one-line "why the exchange may show something else", in italics."""
    return "ℹ️ <i>" + esc(caveat) + "</i>"


def _notes_line(notes: Iterable[str]) -> str | None:
    """The "why the exchange may show something else" line: the result's notes after its rules."""
    seen: list[str] = []
    for note in notes:
        if note not in seen:
            seen.append(note)
    shown = seen[1:] if len(seen) > 1 else seen
    if not shown:
        return None
    return "ℹ️ <i>" + esc(" · ".join(shown)) + "</i>"


def _warning(result: LiquidationResult) -> str | None:
    if result.already_liquidated:
        return "⚠️ Already past liquidation at entry: the margin does not cover the maintenance margin"
    if result.liquidated_at_mark:
        return (
            f"⚠️ Already liquidated at this mark: {fmt_price(result.position.mark_price)} is past the "
            f"liquidation price {fmt_price(result.liquidation_price, result.tick_size)}"
        )
    if result.liquidation_price is None and result.no_liquidation_reason:
        reason = result.no_liquidation_reason
        return "✅ " + esc(reason[:1].upper() + reason[1:])
    return None


def liq_card(
    results: Sequence[LiquidationResult],
    quotes: Mapping[Side, Sequence[VenueQuote]] | None = None,
    *,
    saved_mmr: float | None = None,
    now: float | None = None,
) -> str:
    """The ``/liq`` answer: one side in full, or long and short side by side.

    ``quotes`` holds, per side, the same trade on each venue's rules (``core.calculator.across_venues``);
    ``saved_mmr`` is the chat's saved MMR when the venue's table was used instead.
    """
    quotes = quotes or {}
    first = results[0]
    venue = esc(first.venue_name)
    lines: list[str] = []
    if len(results) == 1:
        side = first.position.side
        lines.append(f"{SIDE_ICON[side]} <b>{esc(first.symbol)} {side.value}</b> · {_mode_word(first)} · {venue}")
        lines.append(_money_line(first))
        lines.append(_size_line(first))
        lines.append("")
        lines.append(f"💥 Liquidation {_liq_value(first)}")
        extra = (
            [f"Bankruptcy {fmt_price(first.bankruptcy_price, first.tick_size)}"]
            if first.bankruptcy_price is not None
            else []
        )
        extra.append(f"max loss {fmt_amount(first.max_loss, _currency(first))}")
        joined = " · ".join(extra)
        lines.append(joined[:1].upper() + joined[1:])
        lines.extend(
            line
            for line in (_warning(first), _stop_line(first), _tier_line(first.tier), _data_line(first, now))
            if line
        )
        other = _quotes_line("Venues: ", quotes.get(side, ()), first.venue)
    else:
        lines.append(f"<b>{esc(first.symbol)}</b> · {_mode_word(first)} · {venue}")
        lines.append(_money_line(first))
        lines.append(_size_line(first))
        lines.append("")
        for result in results:
            side = result.position.side
            lines.append(f"{SIDE_ICON[side]} <b>{side.value.title()}</b> liq {_liq_value(result)}")
            if result.bankruptcy_price is not None:
                lines.append(f"      bankruptcy {fmt_price(result.bankruptcy_price, result.tick_size)}")
            lines.extend(line for line in (_warning(result), _stop_line(result)) if line)
        lines.append("")
        lines.append(f"Max loss {fmt_amount(first.max_loss, _currency(first))}")
        tiers = {_tier_line(r.tier) for r in results}
        if len(tiers) == 1:
            tier = tiers.pop()
            if tier:
                lines.append(tier)
        else:
            lines.extend(f"{r.position.side.value.title()}: {line}" for r in results if (line := _tier_line(r.tier)))
        data = _data_line(first, now)
        if data:
            lines.append(data)
        other = None
        venue_lines = [
            _quotes_line(f"{r.position.side.value.title()}: ", quotes.get(r.position.side, ()), first.venue)
            for r in results
        ]
        present = [line for line in venue_lines if line]
        if present:
            lines.append("On each venue's rules:")
            lines.extend(present)
    if other:
        lines.append(other)
    saved = _saved_mmr_line(saved_mmr, first)
    if saved:
        lines.append(saved)
    lines.append(_caveat_line(results[0].caveat))
    return fit("\n".join(lines))


def compare_card(comparisons: Sequence[MarginComparison]) -> str:
    """The ``/compare`` answer: isolated and cross for one balance, per side."""
    first = comparisons[0].isolated
    cur = _currency(first)
    lev = f" · {fmt_lev(first.position.leverage)}" if first.position.leverage is not None else ""
    lines = [
        f"⚖️ <b>{esc(first.symbol)}</b> isolated vs cross{lev} · {esc(first.venue_name)}",
        f"Entry {fmt_price(first.position.entry_price)} · wallet {fmt_amount(comparisons[0].wallet_balance, cur)}",
        _size_line(first),
    ]
    for comparison in comparisons:
        side = comparison.isolated.position.side
        lines.append("")
        lines.append(f"{SIDE_ICON[side]} <b>{side.value.title()}</b>")
        for label, result in (("Isolated", comparison.isolated), ("Cross", comparison.cross)):
            lines.append(f"<b>{label}</b> liq {_liq_value(result)}")
            lines.append(f"      at risk {fmt_amount(result.max_loss, cur)}")
            if result.already_liquidated:
                lines.append("      ⚠️ already past liquidation at entry")
    lines.append(_caveat_line(comparisons[0].cross.caveat))
    return fit("\n".join(lines))


def cross_card(result: CrossAccountResult) -> str:
    """The ``/cross`` answer: the account, each position's liquidation price, the market-wide move."""
    cur = "USDT"
    lines = [
        f"🧮 <b>Cross account</b> · {esc(result.venue_name)}",
        f"Wallet {fmt_amount(result.wallet_balance, cur)} · equity {fmt_amount(result.equity, cur)}",
        f"Maintenance {fmt_amount(result.maintenance_margin, cur)} · margin ratio "
        f"{fmt_pct(result.margin_ratio, signed=False) if math.isfinite(result.margin_ratio) else '∞'}",
        "",
    ]
    for position in result.positions[:MAX_CROSS_ROWS]:
        mark = f" · mark {fmt_price(position.mark_price)}" if position.mark_price != position.entry_price else ""
        hedge = " (hedged)" if position.hedged else ""
        lines.append(
            f"{SIDE_ICON[position.side]} <b>{esc(position.symbol)} {position.side.value}</b> "
            f"{fmt_qty(position.quantity)} @ {fmt_price(position.entry_price)}{mark}{hedge}"
        )
        if position.liquidation_price is None:
            lines.append("      liq <b>none</b>")
        else:
            past = position.side.sign * (position.mark_price - position.liquidation_price) <= 0
            where = "past: the mark is beyond it" if past else f"{fmt_pct(position.move_from_mark)} from mark"
            lines.append(
                f"      liq <b>{fmt_price(position.liquidation_price)}</b> ({where}) · uPnL "
                f"{fmt_amount(position.unrealized_pnl, cur, signed=True)}"
            )
    hidden = len(result.positions) - MAX_CROSS_ROWS
    if hidden > 0:
        lines.append(f"… and {hidden:,} more positions")
    lines.append("")
    if result.already_liquidated:
        lines.append(
            f"⚠️ <b>Already liquidated at these marks</b>: equity {fmt_amount(result.equity, cur)} is at or below "
            f"the maintenance margin {fmt_amount(result.maintenance_margin, cur)}"
        )
    elif result.account_move is None:
        lines.append("🌊 No market-wide move liquidates this account")
    else:
        lines.append(f"🌊 Every price moving <b>{fmt_pct(result.account_move)}</b> at once liquidates the account")
    notes = _notes_line(("", *result.notes))
    if notes:
        lines.append(notes)
    return fit("\n".join(lines))


def dca_card(
    plan: DcaPlan, steps: Sequence[DcaStep], *, venue_name: str, symbol: str, valued_fills: bool = False
) -> str:
    """The ``/dca`` answer: after each add, the average entry, the margin and the liquidation price.

    >>> from core import dca_ladder, parse_dca
    >>> plan = parse_dca("10x long; 0.1 @ 50000; 0.1 @ 44000")
    >>> print(html_to_text(dca_card(plan, dca_ladder(plan.request, plan.fills), venue_name="Textbook", symbol="BTC")))
    🪜 BTC long DCA · 10x isolated · Textbook
    <BLANKLINE>
    1. +0.1 @ 50,000 → avg 50,000 · margin 500 USDT
          liq 45,250 (−9.50% from the fill)
    2. +0.1 @ 44,000 → avg 47,000 · margin 940 USDT
          liq 42,535 (−3.33% from the fill)
          ⚠️ 44,000 is past step 1's liquidation (45,250): liquidated before this add fills
    ℹ️ Exchange may differ: mark ≠ last price · fees excluded · no funding
    """
    request = plan.request
    side = request.side or Side.LONG
    cur = "USDT"  # ladders are linear only (core.dca_ladder)
    lines = [
        f"🪜 <b>{esc(symbol)} {side.value} DCA</b> · {fmt_lev(request.leverage or 0)} isolated · {esc(venue_name)}",
        "",
    ]
    previous: DcaStep | None = None
    for step in steps:
        lines.append(
            f"{step.step}. +{fmt_qty(step.fill_quantity)} @ {fmt_price(step.fill_price)} → avg "
            f"{fmt_price(step.average_entry)} · margin {fmt_amount(step.margin, cur)}"
        )
        if step.liquidation_price is None:
            lines.append("      liq <b>none</b>")
        else:
            lines.append(
                f"      liq <b>{fmt_price(step.liquidation_price, step.tick_size)}</b> "
                f"({fmt_pct(step.move_from_fill)} from the fill)"
            )
        if step.liquidated_before_fill and previous is not None and previous.liquidation_price is not None:
            lines.append(
                f"      ⚠️ {fmt_price(step.fill_price)} is past step {previous.step}'s liquidation "
                f"({fmt_price(previous.liquidation_price, previous.tick_size)}): liquidated before this add fills"
            )
        previous = step
    if valued_fills:
        lines.append(
            f"ℹ️ $ amounts are position value (quantity × price), not margin: margin is value ÷ "
            f"{fmt_lev(request.leverage or 0)}"
        )
    lines.append(_caveat_line(steps[-1].caveat))
    return fit("\n".join(lines))


def pnl_card(results: Sequence[PnlResult], symbol: str, currency: str = "USDT") -> str:
    """The ``/pnl`` answer: PnL and ROE closing at an exit price, per side, stopped at liquidation."""
    first = results[0]
    lines = [
        f"💰 <b>{esc(symbol)}</b> {fmt_price(first.entry_price)} → {fmt_price(first.exit_price)} "
        f"({fmt_pct(first.price_move)})",
        f"Size {fmt_qty(first.quantity, esc(symbol))}"
        + (f" · margin {fmt_amount(first.initial_margin, currency)}" if first.initial_margin else ""),
        "",
    ]
    for result in results:
        icon = "🟢" if result.pnl > 0 else "🔴" if result.pnl < 0 else "⚪"
        roe = f" ({fmt_pct(result.roe)})" if result.roe is not None else ""
        head = f"{SIDE_ICON[result.side]} {result.side.value.title()}:"
        if result.liquidated_first and result.liquidation_price is not None:
            lines.append(
                f"{head} 💥 liquidated at {fmt_price(result.liquidation_price)} first: "
                f"<b>{fmt_amount(result.pnl, currency, signed=True)}</b>{roe}"
            )
            if result.pnl_at_exit is not None:
                lines.append(
                    f"      the exit {fmt_price(result.exit_price)} is never reached "
                    f"(it would be {fmt_amount(result.pnl_at_exit, currency, signed=True)})"
                )
            continue
        roe = f" · ROE <b>{fmt_pct(result.roe)}</b>" if result.roe is not None else ""
        lines.append(f"{head} {icon} <b>{fmt_amount(result.pnl, currency, signed=True)}</b>{roe}")
        if result.fees:
            lines.append(f"      fees {fmt_amount(result.fees, currency)} (taker, both fills)")
        if result.max_loss is not None and result.initial_margin is None:
            lines.append(
                f"      the wallet of {fmt_amount(result.max_loss, currency)} absorbs losses up to liquidation"
            )
    notes = [r.liquidation_note for r in results if r.liquidation_note]
    if notes:
        lines.append(f"ℹ️ <i>{esc(notes[0])}</i>")
    if not any(r.fees for r in results) and not any(r.liquidated_first for r in results):
        lines.append("ℹ️ <i>no fees included: add fee 0.05% for taker fees on both fills</i>")
    return fit("\n".join(lines))


def target_card(symbol: str, results: Sequence[TargetResult]) -> str:
    """The ``/target`` answer: the exit price for a return on margin, per side; none past liquidation."""
    first = results[0]
    lines = [
        f"🎯 <b>{esc(symbol)}</b> ROE {fmt_pct(first.roe)} · {fmt_lev(first.leverage)} · entry "
        f"{fmt_price(first.entry_price)}",
        "",
    ]
    for result in results:
        head = f"{SIDE_ICON[result.side]} {result.side.value.title()}:"
        if result.liquidated_first and result.liquidation_price is not None:
            lines.append(
                f"{head} 💥 no exit: liquidated at {fmt_price(result.liquidation_price)} first "
                f"(the margin, −100%, is the most an isolated position loses)"
            )
        elif result.exit_price is None:
            lines.append(f"{head} no price gives that return")
        else:
            lines.append(f"{head} exit at <b>{fmt_price(result.exit_price)}</b>")
    if any(r.nominal_size for r in results) and any(r.liquidated_first for r in results):
        lines.append("ℹ️ <i>liquidation for a position in the first bracket: a larger one liquidates sooner</i>")
    return fit("\n".join(lines))


def size_card(
    result: SizingResult,
    symbol: str,
    venue_name: str,
    *,
    liquidation: LiquidationResult | None = None,
    check: StopCheck | None = None,
) -> str:
    """The ``/size`` answer: the size that risks the chosen share or amount, and the highest safe leverage."""
    cur = "USDT"
    if result.risk_fraction is not None and result.account_balance is not None:
        risk = (
            f"risk {fmt_rate(result.risk_fraction)} of {fmt_amount(result.account_balance, cur)} = "
            f"{fmt_amount(result.risk_amount, cur)}"
        )
    else:
        risk = f"risk {fmt_amount(result.risk_amount, cur)}"
    fees = (
        f"taker {fmt_rate(result.taker_fee_rate)} on both fills in"
        if result.taker_fee_rate
        else "no fees: add fee 0.05% to count them"
    )
    lines = [
        f"📐 <b>{esc(symbol)} {result.side.value}</b> · {risk} · {esc(venue_name)}",
        f"Entry {fmt_price(result.entry_price)} · stop {fmt_price(result.stop_price)}",
        "",
        f"Size <b>{fmt_qty(result.quantity, esc(symbol))}</b> = {fmt_amount(result.notional, cur)}",
        f"Loss at the stop {fmt_amount(result.risk_amount, cur)} ({fees})",
    ]
    if result.account_leverage is not None:
        lines.append(f"Account leverage {fmt_lev(result.account_leverage)}")
    if result.max_safe_leverage is None:
        lines.append("No safe leverage: the stop is on the wrong side")
    else:
        lines.append(
            f"🛡 Highest safe leverage <b>{fmt_safe_leverage(result.max_safe_leverage)}</b> "
            f"(liquidation {fmt_rate(result.buffer_fraction)} beyond the stop)"
        )
    if liquidation is not None and check is not None:
        icon = "✅" if check.stop_first else "❌"
        lines.append(
            f"{icon} At {_mode_word(liquidation)}: liquidation "
            f"{fmt_price(liquidation.liquidation_price, liquidation.tick_size)}; {esc(check.message)}"
        )
    return fit("\n".join(lines))


# --- tiers and settings ----------------------------------------------------------------------------


def _bound(value: float) -> str:
    if math.isinf(value):
        return "∞"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return _trim(f"{value / size:.2f}", 0) + suffix
    return _trim(f"{value:.2f}", 0)


def tiers_card(table: TierTable, venue_name: str) -> str:
    """The ``/tiers`` answer: the bracket table in monospace, with its date and source."""
    unit = "contracts" if table.bound_unit.value == "base_quantity" else "notional"
    rows = [f"{'#':>2} {'up to':>7} {'MMR':>6} {'max':>5} {'cum':>8}"]
    for number, tier in enumerate(table.tiers, start=1):
        rows.append(
            f"{number:>2} {_bound(tier.cap):>7} {fmt_rate(tier.mmr):>6} "
            f"{fmt_lev(tier.max_leverage):>5} {_bound(tier.maintenance_amount):>8}"
        )
    lines = [
        f"📊 <b>{esc(venue_name)} {esc(table.market)}</b> brackets (by {unit})",
        "<pre>" + esc("\n".join(rows)) + "</pre>",
    ]
    if table.as_of:
        lines.append(f"As of {esc(table.as_of)}: check the exchange for changes")
    return fit("\n".join(lines))


def tiers_index(tables: Sequence[TierTable], venue_names: Mapping[str, str]) -> str:
    """The bundled tables, one line per venue (``/tiers`` without arguments)."""
    by_venue: dict[str, list[str]] = {}
    for table in tables:
        kind = "" if table.contract is ContractType.LINEAR else " (coin-M)"
        by_venue.setdefault(table.venue, []).append(esc(table.symbol) + kind)
    lines = ["📊 <b>Bundled bracket tables</b>"]
    for venue, symbols in by_venue.items():
        lines.append(f"{esc(venue_names.get(venue, venue))}: {', '.join(symbols)}")
    return fit("\n".join(lines))


def market_index(runs: Sequence[Run], bundled: str, *, now: float | None = None) -> str:
    """``/tiers`` with market data: each source's last refresh (symbols, age), then the bundled fallback."""
    moment = time.time() if now is None else now
    lines = ["📊 <b>Bracket tables</b> (fetched from each venue; /tiers okx doge shows one)"]
    for run in runs:
        name = esc(NAMES.get(run.source, run.source))
        if run.refreshed_at is not None:
            age = fmt_age(moment - run.refreshed_at)
            lines.append(f"{name}: {run.symbols:,} symbols, {run.tiers:,} tiers · {age}")
        if not run.ok:
            lines.append(f"⚠️ {name}: last refresh failed ({esc(run.note[:120])}); previous data kept")
    if not runs:
        lines.append("Nothing fetched yet: the bundled tables answer until the first refresh")
    lines.append(f"Bundled (offline fallback): {esc(bundled)}")
    return fit("\n".join(lines))


def settings_card(values: Mapping[str, object], *, where: str, venue_name: str | None, can_change: bool) -> str:
    """The ``/settings`` answer: this chat's defaults and how to change them."""
    lines = [f"⚙️ <b>Defaults for {esc(where)}</b>"]
    mmr, fee, balance = values.get("mmr"), values.get("taker_fee_rate"), values.get("wallet_balance")
    shown = {
        "Venue": esc(venue_name or "Textbook (default)"),
        "Symbol": esc(values.get("symbol") or "BTC (default)"),
        "Mode": esc(_mode_value(values.get("margin_mode"))),
        "MMR": fmt_rate(mmr) if isinstance(mmr, float) else "the venue's brackets",
        "Taker fee": fmt_rate(fee) if isinstance(fee, float) else "the venue's rate",
        "Balance": fmt_amount(balance) if isinstance(balance, float) else "not set",
    }
    lines.extend(f"{key}: {value}" for key, value in shown.items())
    if can_change:
        lines.append("")
        lines.append("Change: <code>/settings venue binance mmr 0.4% fee 0.05% bal 10000</code>")
        lines.append("Clear one: <code>/settings mmr off</code> · all: <code>/settings reset</code>")
    else:
        lines.append("")
        lines.append("Only group admins can change these.")
    return "\n".join(lines)


def _mode_value(mode: object) -> str:
    if isinstance(mode, MarginMode):
        return mode.value
    return str(mode) if mode else "isolated (default)"


# --- errors, length, plain text ---------------------------------------------------------------------


def error_text(message: str, example: str | None) -> str:
    """One line explaining the problem, and the right form to copy.

    >>> error_text("'<b>' is not understood", "/liq 50000 10x 1000")
    "⚠️ '&lt;b&gt;' is not understood\\nExample: <code>/liq 50000 10x 1000</code>"
    """
    text = f"⚠️ {esc(_first_line(message))}"
    if example:
        text += f"\nExample: <code>{esc(example)}</code>"
    return text


def _first_line(message: str, limit: int = 300) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "that did not work"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut a card to Telegram's limit on a line boundary (each card line is balanced HTML)."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size + len(line) + 1 > limit - 2:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + "\n…"


class _TextRenderer(HTMLParser):
    """Keeps the text of Telegram HTML, drops the tags (Telegram's tags carry no line breaks)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(text: str) -> str:
    """Telegram HTML to plain text for a terminal: tags dropped, entities decoded.

    >>> html_to_text("💥 Liquidation <b>45,250</b> &lt;ok&gt;")
    '💥 Liquidation 45,250 <ok>'
    """
    renderer = _TextRenderer()
    renderer.feed(text)
    renderer.close()
    return re.sub(r"[ \t]+\n", "\n", "".join(renderer.parts))
