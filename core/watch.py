"""Watching a position: when the mark comes near the liquidation price, and when it crosses it.

A watch holds one side of one trade: its liquidation price when the watch started, how that price
moves per USDT of funding paid (the position's margin shrinks, so liquidation comes closer), and the
alert distances (fractions of the mark: ``0.05`` and ``0.02`` by default). Each poll hands the
mark and the venue's funding rate to :func:`watch_step`, which updates every watch at once
(numpy arrays, one row per watch) and returns the alerts to send.

The rules, per watch:

* **Distance** from liquidation, as a fraction of the mark: ``(mark − liq)/mark`` for a long,
  ``(liq − mark)/mark`` for a short. At or below 0 the position would be liquidated now.
* **Each crossing alerts once.** A level alerts when the distance first falls to it or below; when
  several levels are crossed in one step only the closest one is announced (and all of them count as
  crossed). Crossing the liquidation price alerts once as well.
* **Re-arming.** A level alerts again only after the distance has come back to 1.5 × the level (the
  price moved back by half the alert distance), so a mark hovering at the line does not flood the chat;
  the liquidation alert re-arms once the distance is back above half the closest level.
* **Funding.** Where the venue's rate is known, the watch accrues what the position pays
  (``side × rate × quantity × mark`` per funding interval, pro rata over the time between polls;
  negative: received), and the liquidation price it uses is ``liq0 + paid × drift``. Venues settle
  funding at fixed times: the pro-rata accrual is an approximation, and the alert says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_LEVELS",
    "MAX_LEVELS",
    "REARM_FACTOR",
    "BoolArray",
    "Crossing",
    "FloatArray",
    "WatchArrays",
    "distance_to_liquidation",
    "parse_levels",
    "watch_step",
]

DEFAULT_LEVELS = (0.05, 0.02)
MAX_LEVELS = 3
REARM_FACTOR = 1.5  # a level re-arms at 1.5 × its distance: the price moved back by half the distance

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def distance_to_liquidation(side_sign: float, mark_price: float, liquidation_price: float) -> float:
    """How far the mark is from liquidation, as a fraction of the mark (≤ 0: liquidated at this mark).

    >>> round(distance_to_liquidation(1, 3061, 3000.8), 4)   # the issue's example: 2.0 %
    0.0197
    """
    return side_sign * (mark_price - liquidation_price) / mark_price


def parse_levels(levels: tuple[float, ...]) -> tuple[float, ...]:
    """Alert distances, sorted far to near, each a fraction in (0, 0.5).

    Raises:
        ValueError: no level, more than :data:`MAX_LEVELS`, or one outside (0, 50 %).
    """
    if not levels or len(levels) > MAX_LEVELS:
        raise ValueError(f"give 1 to {MAX_LEVELS} alert distances, like alert 3%")
    for level in levels:
        if not 0 < level < 0.5:
            raise ValueError(f"an alert distance of {level:.4g} is not between 0 and 50 %; type it like alert 3%")
    return tuple(sorted(set(levels), reverse=True))


@dataclass(slots=True)
class WatchArrays:
    """Every watch of one poll, one row each. ``levels`` is n × MAX_LEVELS (NaN: unused)."""

    side_sign: FloatArray  # +1 long, −1 short
    liquidation_price: FloatArray  # when the watch started
    drift_per_paid: FloatArray  # change of the liquidation price per USDT of funding paid
    quantity: FloatArray  # coins
    levels: FloatArray
    fired: BoolArray  # n × MAX_LEVELS: that level alerted and has not re-armed
    liquidated: BoolArray  # the liquidation alert went out and has not re-armed
    funding_paid: FloatArray  # USDT paid since the watch started (negative: received)

    def copy(self) -> WatchArrays:
        return WatchArrays(*(np.array(getattr(self, f)) for f in self.__slots__))


@dataclass(frozen=True, slots=True)
class Crossing:
    """One alert to send: which watch, near (a level) or liquidated, and the figures for its text."""

    row: int
    liquidated: bool
    level: float | None  # the level crossed (None: the liquidation price)
    distance: float
    mark_price: float
    liquidation_price: float  # with the funding drift
    funding_paid: float


def watch_step(
    watches: WatchArrays, mark_price: FloatArray, funding_rate: FloatArray, funding_interval_seconds: FloatArray,
    elapsed_seconds: FloatArray,
) -> tuple[WatchArrays, list[Crossing]]:  # fmt: skip
    """One poll for every watch: the new state and the alerts (rows with a NaN mark are left as they were).

    ``funding_rate``: per interval, NaN where the venue's is unknown (no drift); ``elapsed_seconds``:
    since the watch's previous step (0 on its first).
    """
    new = watches.copy()
    priced = np.isfinite(mark_price) & (mark_price > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        accrues = priced & np.isfinite(funding_rate) & (funding_interval_seconds > 0) & (elapsed_seconds > 0)
        paid = watches.side_sign * funding_rate * watches.quantity * mark_price * elapsed_seconds
        paid /= funding_interval_seconds
        new.funding_paid = np.where(accrues, watches.funding_paid + paid, watches.funding_paid)
        liquidation = watches.liquidation_price + new.funding_paid * watches.drift_per_paid
        distance = watches.side_sign * (mark_price - liquidation) / mark_price
        has_level = np.isfinite(watches.levels)
        near = priced[:, None] & has_level & (distance[:, None] <= watches.levels)
        back = priced[:, None] & has_level & (distance[:, None] >= REARM_FACTOR * watches.levels)
        closest = np.nanmin(np.where(has_level, watches.levels, np.nan), axis=1)
    gone = priced & (distance <= 0)
    liquidated_alert = gone & ~watches.liquidated
    level_alert = ~gone & (near & ~watches.fired).any(axis=1)
    new.fired = np.where(back, False, watches.fired | near)
    new.liquidated = np.where(gone, True, np.where(priced & (distance >= closest / 2), False, watches.liquidated))
    crossings: list[Crossing] = []
    for row in np.flatnonzero(liquidated_alert | level_alert).tolist():
        fresh = near[row] & ~watches.fired[row]
        level = None if liquidated_alert[row] else float(watches.levels[row][fresh].min())
        crossings.append(
            Crossing(
                row=row, liquidated=bool(liquidated_alert[row]), level=level, distance=float(distance[row]),
                mark_price=float(mark_price[row]), liquidation_price=float(liquidation[row]),
                funding_paid=float(new.funding_paid[row]),
            )
        )  # fmt: skip
    return new, crossings
