"""How an answer names its data: which table, as of when, which mark and how old (one wording for every front end).

>>> from core.models import MarketPrice
>>> mark = MarketPrice(price=3187.35, symbol="ETH", venue_name="Bybit", market="ETHUSDT", age_seconds=8)
>>> data_line("Bybit", "ETHUSDT", "2026-12-02 09:00 UTC", mark, now=1_796_288_400.0)
'Bybit ETHUSDT tiers as of 2026-12-02 09:00 UTC · mark 3,187.35 (8 s ago)'
>>> data_line("Binance", "BTCUSDT", "2024-09-26", None, now=1_796_288_400.0)
'⚠️ Binance BTCUSDT tiers as of 2024-09-26, 798 days old: check the exchange for changes'
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.models import MarketPrice

__all__ = ["STALE_DAYS", "data_line", "table_age_days"]

STALE_DAYS = 7.0  # older tables are shown with a warning


def table_age_days(as_of: str, now: float) -> float | None:
    """Days between ``as_of`` (``2026-12-02 09:00 UTC`` or ``2024-09-26``) and ``now``; ``None``: unreadable."""
    text = as_of.strip().removesuffix(" UTC")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (now - moment.timestamp()) / 86_400)


_SOURCE_LABELS = (("Binance website calculator", " (website brackets, keyless)"),
                  ("Binance GET /fapi/v1/leverageBracket", " (signed API)"),
                  ("Binance GET /dapi/v2/leverageBracket", " (signed API)"))  # fmt: skip


def data_line(
    venue_name: str, market: str, as_of: str, mark: MarketPrice | None, *, now: float, source: str = ""
) -> str | None:
    """``Bybit ETHUSDT tiers as of … · mark 3,187.35 (8 s ago)``; a warning first when the table is old.

    ``source``: the table's; where a venue has two (Binance: the website's keyless brackets or the
    signed API), the line says which.
    """
    parts = []
    if as_of:
        age = table_age_days(as_of, now)
        label = next((text for key, text in _SOURCE_LABELS if source.startswith(key)), "")
        text = f"{venue_name} {market} tiers{label} as of {as_of}".replace("  ", " ")
        if age is not None and age > STALE_DAYS:
            text = f"⚠️ {text}, {age:.0f} days old: check the exchange for changes"
        parts.append(text)
    if mark is not None:
        same = bool(as_of) and mark.venue_name == venue_name
        parts.append(mark.describe().removeprefix(f"{mark.venue_name} {mark.market} ") if same else mark.describe())
    return " · ".join(parts) or None
