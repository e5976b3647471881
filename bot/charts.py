"""Price-ladder charts: entry (or entry zone), stop, targets, isolated and cross liquidation, as a PNG.

Pure and thread-safe: a matplotlib ``Figure`` on the Agg canvas, no pyplot state, so handlers render
it with ``asyncio.to_thread`` and a text answer never waits for it. matplotlib (about 30 MB) is
imported by the first chart, not when the bot starts. Every number drawn comes from a
core result (prices and their moves from entry); this module only lays them out.

Usage:
    png = render_ladder(levels_from_review(review), title="BTC long · Binance", theme="dark")
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from bot.formatting import fmt_pct, fmt_price
from core import CallReview, LiquidationResult

__all__ = ["Level", "Theme", "levels_from_result", "levels_from_review", "render_ladder"]

Theme = Literal["dark", "light"]
Kind = Literal["entry", "stop", "target", "liq_isolated", "liq_cross", "bankruptcy"]

_PALETTE = {
    "dark": {
        "bg": "#17212b", "fg": "#e8eef3", "entry": "#4fa3ff", "stop": "#ffb020",
        "target": "#3ccf7e", "liq_isolated": "#ff5c5c", "liq_cross": "#c77dff", "bankruptcy": "#8a8f98",
        "zone": "#4fa3ff",
    },
    "light": {
        "bg": "#ffffff", "fg": "#1d2733", "entry": "#1f6fd1", "stop": "#c77700",
        "target": "#13884a", "liq_isolated": "#d42a2a", "liq_cross": "#7b2cbf", "bankruptcy": "#6b717a",
        "zone": "#1f6fd1",
    },
}  # fmt: skip
_WIDTH_IN, _HEIGHT_IN, _DPI = 6.4, 8.0, 140  # 896 × 1120 px: readable full-width on a phone


@dataclass(frozen=True, slots=True)
class Level:
    """One horizontal line of the ladder: a price, its signed move from entry, what it is."""

    kind: Kind
    label: str
    price: float
    move: float | None = None  # signed fraction from entry, from core
    tick: float | None = None  # the price step of a rounded level (liquidation, bankruptcy), as on the card


def levels_from_result(result: LiquidationResult, cross: LiquidationResult | None = None) -> list[Level]:
    """Ladder of a ``/liq`` or ``/compare`` answer: entry, liquidation(s), bankruptcy."""
    levels = [Level("entry", "entry", result.position.entry_price, 0.0)]
    if result.liquidation_price is not None:
        levels.append(
            Level(
                "liq_isolated",
                _mode_label(result),
                result.liquidation_price,
                result.move_to_liquidation,
                result.tick_size,
            )
        )
    if result.bankruptcy_price is not None:
        bankrupt_move = result.bankruptcy_price / result.position.entry_price - 1
        levels.append(Level("bankruptcy", "bankruptcy", result.bankruptcy_price, bankrupt_move, result.tick_size))
    if cross is not None and cross.liquidation_price is not None:
        levels.append(
            Level("liq_cross", "cross liq", cross.liquidation_price, cross.move_to_liquidation, cross.tick_size)
        )
    return levels


def levels_from_review(review: CallReview) -> list[Level]:
    """Ladder of a trade-call review: entry (zone), stop, targets, isolated and cross liquidation."""
    levels = [Level("entry", "entry", review.entry_price, 0.0)]
    if review.call.stop_price is not None:
        levels.append(Level("stop", "stop", review.call.stop_price, review.stop_move))
    for number, target in enumerate(review.targets, start=1):
        levels.append(Level("target", f"TP{number}", target.price, target.move))
    if review.isolated.liquidation_price is not None:
        levels.append(
            Level(
                "liq_isolated", "isolated liq", review.isolated.liquidation_price, review.isolated.move_to_liquidation
            )
        )
    if review.cross is not None and review.cross.liquidation_price is not None:
        levels.append(Level("liq_cross", "cross liq", review.cross.liquidation_price, review.cross.move_to_liquidation))
    return levels


def render_ladder(
    levels: list[Level],
    *,
    title: str,
    theme: Theme = "dark",
    entry_zone: tuple[float, float] | None = None,
    footer: str = "",
    warning: str = "",
) -> bytes:
    """Render the ladder as PNG bytes (896 × 1120 px)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    colors = _PALETTE[theme]
    fig = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), dpi=_DPI, facecolor=colors["bg"])
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.04, 0.07, 0.42, 0.83))
    ax.set_facecolor(colors["bg"])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xticks([])
    ax.set_yticks([])  # every level carries its own price label

    prices = [lv.price for lv in levels] + (list(entry_zone) if entry_zone else [])
    low, high = min(prices), max(prices)
    pad = (high - low) * 0.08 or abs(high) * 0.02 or 1.0
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlim(0, 1)
    if entry_zone and entry_zone[0] != entry_zone[1]:
        ax.axhspan(entry_zone[0], entry_zone[1], color=colors["zone"], alpha=0.18, linewidth=0)

    ordered = sorted(levels, key=lambda lv: lv.price)
    label_y = _spread([lv.price for lv in ordered], low - pad, high + pad, min_gap=(high - low + 2 * pad) * 0.055)
    for level, y_text in zip(ordered, label_y, strict=True):
        color = colors[level.kind]
        style = "--" if level.kind in ("bankruptcy", "liq_cross") else "-"
        ax.axhline(level.price, color=color, linewidth=2.4 if level.kind.startswith("liq") else 1.8, linestyle=style)
        move = "" if level.move is None or level.kind == "entry" else f"  {fmt_pct(level.move)}"
        price = fmt_price(level.price, level.tick)
        if level.kind == "entry" and entry_zone and entry_zone[0] != entry_zone[1]:
            price = f"{fmt_price(entry_zone[0])}–{fmt_price(entry_zone[1])}"
        ax.annotate(
            f"{level.label}  {price}{move}",
            xy=(1.0, level.price), xycoords="data", xytext=(1.04, y_text), textcoords="data",
            color=color, fontsize=11, fontweight="bold" if level.kind.startswith("liq") else "normal",
            va="center", ha="left", annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.8, "shrinkA": 0, "shrinkB": 2},
        )  # fmt: skip
    fig.text(0.04, 0.95, title, color=colors["fg"], fontsize=14, fontweight="bold", va="center")
    if warning:
        fig.text(0.04, 0.915, warning, color=colors["liq_isolated"], fontsize=13, fontweight="bold", va="center")
    if footer:
        # 12 pt on a 896-px-wide image: read on a phone at about the size of the chat's own text
        fig.text(0.04, 0.03, footer, color=colors["fg"], fontsize=12, alpha=0.9, va="center", wrap=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=colors["bg"])
    return buffer.getvalue()


def _spread(prices: list[float], low: float, high: float, *, min_gap: float) -> list[float]:
    """Label heights near their prices, pushed apart so no two are closer than ``min_gap``."""
    positions = list(prices)
    for i in range(1, len(positions)):
        positions[i] = max(positions[i], positions[i - 1] + min_gap)
    overflow = positions[-1] - high if positions else 0.0
    if overflow > 0:
        positions = [p - overflow for p in positions]
        for i in range(len(positions) - 2, -1, -1):
            positions[i] = min(positions[i], positions[i + 1] - min_gap)
    return [max(low, p) for p in positions]


def _mode_label(result: LiquidationResult) -> str:
    return f"{result.position.margin_mode.value} liq"
