"""The ``/review`` command's pure parts: its own argument words, the review card, caption rules.

Pure: core results in, ``str`` out, no Telegram objects (the console and tests use it as is).
Every number comes from :class:`core.CallReview`; this module only rounds and lays it out, and
every text that is not ours (the poster's fragments, core's notes and warnings) goes through
:func:`bot.formatting.esc`.

Card layout (warnings first, then the trade, the liquidation check, risk, and what was read)::

    📈 BTC long · 10x · Binance
    ⚠️ <core warning> …
    Entry 50,000 · stop 48,500 (−3.00%)
    🎯 TP1 54,000 (+8.00%) · R:R 2.67
    💥 Isolated liq 45,250 (−9.50%) · ✅ stop first, 6.50% of entry to spare
    💥 Cross liq none (wallet 10,000 USDT)
    💸 Risk at stop 30 USDT (0.30% of 10,000 USDT)
    🛡 Highest safe leverage 25.09x
    📝 Read: BTC · long · entry 50000 · stop 48500 · TP 54000 / 56000 · 10x
    ℹ️ notes · core's caveat
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.formatting import (
    SIDE_ICON,
    esc,
    fit,
    fmt_amount,
    fmt_lev,
    fmt_pct,
    fmt_price,
    fmt_qty,
    fmt_safe_leverage,
    html_to_text,
)
from core import CallReview, LiquidationResult, ParseError, StopCheck
from core.grammar import parse_number, parse_percent

__all__ = [
    "CAPTION_LIMIT",
    "ReviewArgs",
    "caption_fits",
    "chart_title",
    "message_link",
    "parse_review_args",
    "review_card",
]

CAPTION_LIMIT = 1024
_OVERRIDE = re.compile(
    r"(?i)(?<![\w/])(?P<label>bal|balance|wallet|account|margin|risk)\s*[:=]?\s*(?P<value>\$?[\d.,]+[km]?%?)(?!\S)"
)
_LABELS = {"bal": "balance", "balance": "balance", "wallet": "balance", "account": "balance"}
_READ_LABELS = {
    "take-profit": "TP",
    "stop": "stop",
    "entry": "entry",
    "leverage": "",
    "margin": "",
    "symbol": "",
    "side": "",
}
_MAX_READ_CHARS = 300


class ReviewArgs(NamedTuple):
    """``/review`` arguments: the inline call (may be empty) and the command-line overrides."""

    call_text: str
    balance: float | None
    margin: float | None
    risk_limit: float | None


def parse_review_args(args: str) -> ReviewArgs:
    """Split ``/review …`` arguments into the call and the ``bal``/``margin``/``risk`` overrides.

    Overrides are read on the command's first line only (a pasted call below it keeps its own
    words), and only where the value is a number: ``margin cross`` stays in the call.

    Raises:
        ParseError: an override given twice, or a risk outside (0, 100] %.

    >>> parse_review_args("BTC long 50000 SL 48500 bal 10k risk 1%")
    ReviewArgs(call_text='BTC long 50000 SL 48500', balance=10000.0, margin=None, risk_limit=0.01)
    >>> parse_review_args("margin 500\\n#ETH/USDT Short").call_text
    '#ETH/USDT Short'
    """
    first, newline, rest = args.partition("\n")
    found: dict[str, float] = {}

    def take(match: re.Match[str]) -> str:
        label = match.group("label").lower()
        key = _LABELS.get(label, label)
        value = match.group("value")
        if key in found:
            raise ParseError(f"{key} is given twice; keep one", field=key)
        if key == "risk":
            found[key] = parse_percent(value, field="risk_limit")
        else:
            if value.endswith("%"):
                return match.group(0)
            found[key] = parse_number(value, field=key)
        return ""

    first = _OVERRIDE.sub(take, first)
    risk = found.get("risk")
    if risk is not None and not 0 < risk <= 1:
        raise ParseError("the risk is a share of the account; type it like risk 2%", field="risk_limit")
    call_text = " ".join(first.split())
    if newline:
        call_text = (call_text + "\n" + rest).strip()
    return ReviewArgs(call_text, found.get("balance"), found.get("margin"), risk)


# --- the card -----------------------------------------------------------------------------------


def _liq_line(label: str, result: LiquidationResult, check: StopCheck | None) -> str:
    if result.liquidation_price is None:
        value = "<b>none</b>"
        if result.no_liquidation_reason:
            value += f" ({esc(result.no_liquidation_reason)})"
    else:
        value = (
            f"<b>{fmt_price(result.liquidation_price, result.tick_size)}</b> ({fmt_pct(result.move_to_liquidation)})"
        )
    return f"💥 {label} liq {value}" + (f"\n      {_verdict(check)}" if check is not None else "")


def _verdict(check: StopCheck) -> str:
    """Stop before liquidation? ✅ with the room to spare, ❌ with how far beyond."""
    if check.gap is None:
        return ("✅ " if check.stop_first else "❌ ") + esc(check.message)
    gap = fmt_pct(abs(check.gap), signed=False)
    if check.stop_first:
        return f"✅ stop fires first, {gap} of entry to spare"
    return f"❌ stop is {gap} of entry <b>beyond</b> liquidation: liquidated first"


def _read_back(review: CallReview) -> str | None:
    """What was read, grouped by field in the poster's own words (so they can correct it)."""
    groups: dict[str, list[str]] = {}
    for label, raw in review.call.read_back:
        groups.setdefault(label, []).append(raw.strip())
    if not groups:
        return None
    parts = []
    for label, fragments in groups.items():
        name = _READ_LABELS.get(label, label)
        joined = " / ".join(fragments)
        parts.append(f"{name} {joined}".strip())
    text = " · ".join(parts)
    if len(text) > _MAX_READ_CHARS:
        text = text[: _MAX_READ_CHARS - 1] + "…"
    return f"📝 Read: <code>{esc(text)}</code>"


def review_card(review: CallReview) -> str:
    """The ``/review`` answer as Telegram HTML (≤ 4,096 characters)."""
    call = review.call
    cur = review.isolated.settle_currency
    lev = fmt_lev(review.leverage) + ("" if review.leverage_stated else " (assumed)")
    lines = [
        f"{SIDE_ICON[review.side]} <b>{esc(review.symbol)} {review.side.value}</b> · {lev} · {esc(review.venue_name)}"
    ]
    # the stop-beyond-liquidation finding is the ❌ line under the liquidation price: not twice
    lines.extend(f"⚠️ {esc(w.text)}" for w in review.warnings if w.code != "stop_beyond_liquidation")
    entry = fmt_price(review.entry_price)
    if call.entry_low != call.entry_high:
        entry = f"{fmt_price(call.entry_low)}–{fmt_price(call.entry_high)} (avg {entry})"
    stop = "no stop" if call.stop_price is None else f"stop {fmt_price(call.stop_price)} ({fmt_pct(review.stop_move)})"
    lines.append(f"Entry {entry} · {stop}")
    for number, target in enumerate(review.targets, start=1):
        rr = "" if target.reward_risk is None else f" · R:R {target.reward_risk:.2f}"
        lines.append(f"🎯 TP{number} {fmt_price(target.price)} ({fmt_pct(target.move)}){rr}")
    lines.append("")
    lines.append(_liq_line("Isolated", review.isolated, review.stop_vs_isolated))
    if review.cross is not None:
        lines.append(_liq_line("Cross", review.cross, review.stop_vs_cross))
    elif review.account_balance is None:
        lines.append("💥 Cross liq: needs the account, like <code>/review bal 10000</code>")
    if review.entry_ladder:
        lines.append("🪜 Isolated, entries filling one by one:")
        for step in review.entry_ladder:
            average = "" if step.step == 1 else f" · avg {fmt_price(step.average_entry)}"
            liq = "none" if step.liquidation_price is None else fmt_price(step.liquidation_price, step.tick_size)
            lines.append(f"      {fmt_price(step.fill_price)}{average} → liq <b>{liq}</b>")
    if review.risk_amount is not None:
        share = ""
        if review.risk_fraction is not None and review.account_balance is not None:
            share = f" ({fmt_pct(review.risk_fraction, signed=False)} of {fmt_amount(review.account_balance, cur)})"
        lines.append(f"💸 Risk at stop <b>{fmt_amount(review.risk_amount, cur)}</b>{share}")
    if review.max_safe_leverage is not None:
        lines.append(f"🛡 Highest safe leverage <b>{fmt_safe_leverage(review.max_safe_leverage)}</b>")
    lines.append(
        f"Size {fmt_qty(review.quantity, esc(review.symbol))} = {fmt_amount(review.notional, cur)} · "
        f"margin {fmt_amount(review.margin, cur)} ({esc(review.sizing)})"
    )
    read = _read_back(review)
    if read:
        lines.append(read)
    notes = " · ".join(dict.fromkeys((*review.notes, review.isolated.caveat)))
    lines.append(f"ℹ️ <i>{esc(notes)}</i>")
    return fit("\n".join(lines))


def caption_fits(html: str, limit: int = CAPTION_LIMIT) -> bool:
    """Whether this HTML fits a photo caption: its visible text, counted in UTF-16 units (as Telegram)."""
    text = html_to_text(html)
    return len(text.encode("utf-16-le")) // 2 <= limit


def chart_title(review: CallReview) -> str:
    """The chart's title line (plain text)."""
    return f"{review.symbol} {review.side.value} · {fmt_lev(review.leverage)} · {review.venue_name}"


def message_link(chat_id: int, message_id: int, username: str | None = None) -> str | None:
    """A t.me link to a group message (public username, or a supergroup's ``/c/`` link); else None.

    >>> message_link(-1001234567890, 5), message_link(-42, 5), message_link(-42, 5, "trades")
    ('https://t.me/c/1234567890/5', None, 'https://t.me/trades/5')
    """
    if username:
        return f"https://t.me/{username}/{message_id}"
    text = str(chat_id)
    if text.startswith("-100"):
        return f"https://t.me/c/{text[4:]}/{message_id}"
    return None


def chart_warning(review: CallReview) -> str:
    """The chart's red line when the stop lies beyond liquidation ("" when the stop fires first)."""
    checks = [("isolated", review.stop_vs_isolated), ("cross", review.stop_vs_cross)]
    beyond = [name for name, check in checks if check is not None and not check.stop_first]
    if not beyond:
        return ""
    return f"LIQUIDATED BEFORE THE STOP ({' and '.join(beyond)})"
