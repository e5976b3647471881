"""What the watch alerts say (issue 14's wording), and how /watch reads ``alert …``."""

from __future__ import annotations

import dataclasses

import pytest

from bot.watch_handlers import split_alert
from bot.watch_store import Watch
from bot.watch_texts import watch_alert_text, watch_label
from core import InvalidInputError
from core.watch import Crossing

WATCH = Watch(chat_id=1, user_id=1, label=watch_label("ETH", "long", "Bybit", 20.0), source="bybit", market="ETHUSDT",
              side_sign=1.0, quantity=3.125, liquidation_price=3000.8, drift_per_paid=0.0, levels=(0.05, 0.02))  # fmt: skip


def test_the_issues_example_wording() -> None:
    # (3,061 − 3,000.8)/3,061 = 1.97 %: "2.0 %" to one decimal
    crossing = Crossing(row=0, liquidated=False, level=0.02, distance=(3061 - 3000.8) / 3061, mark_price=3061.0,
                        liquidation_price=3000.8, funding_paid=0.0)  # fmt: skip
    assert watch_alert_text(WATCH, crossing).startswith(
        "🔔 <b>ETH long (Bybit, 20x)</b>: mark 3,061 is 2.0 % from liquidation at 3,000.80."
    )


def test_liquidated_and_funding_lines() -> None:
    crossing = Crossing(row=0, liquidated=True, level=None, distance=-0.002, mark_price=2995.0,
                        liquidation_price=3001.2, funding_paid=1.234)  # fmt: skip
    text = watch_alert_text(WATCH, crossing)
    assert "mark 2,995 is past liquidation at 3,001.20: the position would be liquidated now." in text
    assert "moved by funding: 1.23 USDT paid since the watch started (accrued pro rata" in text


def test_labels_are_escaped() -> None:
    watch = dataclasses.replace(WATCH, label="<b>x</b> long")
    crossing = Crossing(row=0, liquidated=False, level=0.05, distance=0.04, mark_price=1.0, liquidation_price=0.96,
                        funding_paid=0.0)  # fmt: skip
    assert "&lt;b&gt;x&lt;/b&gt; long" in watch_alert_text(watch, crossing)


@pytest.mark.parametrize(
    ("text", "rest", "levels"),
    [
        ("eth 3200 20x 500 long bybit", "eth 3200 20x 500 long bybit", (0.05, 0.02)),
        ("eth 3200 20x 500 long bybit alert 3%", "eth 3200 20x 500 long bybit", (0.03,)),
        ("alert 3 eth 3200 20x 500 long", "eth 3200 20x 500 long", (0.03,)),
        ("btc 50000 10x 1000 long alerts at 10%, 5% and 1,5%", "btc 50000 10x 1000 long", (0.10, 0.05, 0.015)),
    ],
)
def test_split_alert(text: str, rest: str, levels: tuple[float, ...]) -> None:
    assert split_alert(text) == (rest, pytest.approx(levels))


@pytest.mark.parametrize(
    ("text", "message"),
    [("eth 3200 20x long alert", "alert needs a distance from liquidation, like alert 3%"),
     ("eth 3200 20x long alert 60%", "not between 0 and 50 %"), ("eth alert 5% 4% 3% 2%", "give 1 to 3")],
)  # fmt: skip
def test_bad_alerts_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        split_alert(text)
