"""What the bot says about watches: the alerts, the confirmation, the list. HTML, user text escaped."""

from __future__ import annotations

import math

from bot.formatting import esc, fmt_price
from bot.watch_store import MAX_WATCHES_PER_USER, Watch
from core.watch import Crossing, distance_to_liquidation

__all__ = ["distance_text", "levels_text", "watch_alert_text", "watch_label", "watch_started_text", "watches_text"]


def watch_label(symbol: str, side: str, venue_name: str, leverage: float | None) -> str:
    """``ETH long (Bybit, 20x)``."""
    lev = f", {leverage:g}x" if leverage else ""
    return f"{symbol} {side} ({venue_name}{lev})"


def distance_text(fraction: float) -> str:
    """``2.0 %`` (one decimal; a bit more below 1 %)."""
    return f"{fraction * 100:.1f} %" if abs(fraction) >= 0.01 else f"{fraction * 100:.2f} %"


def levels_text(levels: tuple[float, ...]) -> str:
    """``5 % and 2 %``."""
    parts = [f"{level * 100:g} %" for level in levels]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _funding_line(paid: float) -> str:
    if abs(paid) < 0.005:
        return ""
    verb = "paid" if paid > 0 else "received"
    return (
        f"\nℹ️ Liquidation price moved by funding: {abs(paid):,.2f} USDT {verb} since the watch started "
        "(accrued pro rata; the exchange settles at fixed times)."
    )


def watch_alert_text(watch: Watch, crossing: Crossing) -> str:
    """The alert, once per crossing.

    ``🔔 ETH long (Bybit, 20x): mark 3,061 is 2.0 % from liquidation at 3,000.80``
    """
    label = esc(watch.label)
    mark, liq = fmt_price(crossing.mark_price), fmt_price(crossing.liquidation_price)
    if crossing.liquidated:
        text = f"🚨 <b>{label}</b>: mark {mark} is past liquidation at {liq}: the position would be liquidated now."
    else:
        text = f"🔔 <b>{label}</b>: mark {mark} is {distance_text(crossing.distance)} from liquidation at {liq}."
    return text + _funding_line(crossing.funding_paid) + "\n/watches lists your watches."


def watch_started_text(watch: Watch, mark: float | None, count: int) -> str:
    """The answer to ``/watch``: what is watched, how far it is now, and the alert distances."""
    now = ""
    if mark is not None:
        distance = distance_to_liquidation(watch.side_sign, mark, watch.liquidation_price)
        now = f"\nMark now {fmt_price(mark)}: {distance_text(distance)} away."
    return (
        f"🔔 Watching <b>{esc(watch.label)}</b>: liquidation at {fmt_price(watch.liquidation_price)}.{now}\n"
        f"Alerts at {levels_text(watch.levels)} from liquidation, and if the mark crosses it; once per "
        f"crossing. Watch {count} of {MAX_WATCHES_PER_USER}: /watches lists them, /unwatch N removes one."
    )


def watches_text(watches: list[Watch], marks: list[float | None], group: bool) -> str:
    """``/watches``: each of the chat's watches with its distance from liquidation now."""
    if not watches:
        return "No watches here. Start one with /watch, like <code>/watch eth 3200 20x 500 long bybit</code>."
    lines = ["🔔 <b>Watches</b>" + (" in this group" if group else "")]
    for number, (watch, mark) in enumerate(zip(watches, marks, strict=True), start=1):
        liq = watch.liquidation_price + watch.funding_paid * watch.drift_per_paid
        if mark is None or not math.isfinite(mark):
            where = "no fresh mark"
        else:
            where = f"mark {fmt_price(mark)}, {distance_text(distance_to_liquidation(watch.side_sign, mark, liq))} away"
        state = " · 🚨 past liquidation" if watch.liquidated else ""
        lines.append(f"{number}. {esc(watch.label)}: liquidation {fmt_price(liq)} ({where}){state}")
    lines.append("/unwatch N removes one" + (" (only the member who set it)." if group else "."))
    return "\n".join(lines)
