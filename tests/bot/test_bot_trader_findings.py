"""Issue 10 end to end: what traders typed on their phones, through the unmodified bot and the emulator.

Numbers: textbook long 97,000 at 25x liquidates at 97,000·(1 − 1/25 + 0.005) = 93,605 (derivations.md D1);
Hyperliquid ETH's table is 2 % (1/(2·25x)), bundled 2026-09-27.
"""

from __future__ import annotations

import pytest
from botharness import PRIVATE, ask

pytestmark = pytest.mark.usefixtures("bot")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param("/liq 97000 25 x 500usdt long", ["💥 Liquidation <b>93,605</b>"], id="spaced-x-usdt"),
        pytest.param("/liq 97 000 20х $500 лонг", ["💥 Liquidation <b>92,635</b>"], id="space-cyrillic-x-russian"),
        pytest.param("/liq 97000 25x 500 long sl 95000", ["✅ Stop fires first: stop fires 1.44% of entry"], id="sl"),
        pytest.param("/liq 97000 25x 500 long sl 93000", ["❌ Stop is beyond liquidation"], id="sl-beyond"),
        pytest.param(
            "/liq 97000 25x 500 long add 200",
            ["margin 500 USDT + 200 USDT added", "max loss 700 USDT"],
            id="added-margin",
        ),
        pytest.param(
            "/liq 97000 25x 500 long bingx mmr 0.4%",
            ["BingX is not a venue yet: textbook formula with MMR 0.4%"],
            id="not-yet-venue",
        ),
        pytest.param("/liq 97.000 25x 500 long", ["did you mean 97,000?"], id="european-thousands"),
        pytest.param("/liq 500 25x 97k long btc", ["did you mean entry 97,000 and margin 500?"], id="swapped"),
        pytest.param("/liq btc 10x 1000", ["the entry price or the margin is missing"], id="entry-missing"),
        pytest.param("/liq 97000 25x 500 binanse", ["did you mean binance?"], id="venue-typo"),
        pytest.param(
            "/size 97000 stop 95000 risk $50 bal 5000",
            ["risk 1% of 5,000 USDT = 50 USDT", "Size <b>0.025 BTC</b>"],
            id="size-money",
        ),
        pytest.param(
            "/size 97000 stop 95000 risk 50 bal 5000",
            ["risk '50' is not clear: type risk 50% for a share"],
            id="size-ambiguous",
        ),
        pytest.param("/size 97000 stop 95000 risk 250 bal 5000", ["= 250 USDT"], id="size-bare-money"),
        pytest.param(
            "/size 97000 stop 95000 risk 1% bal 5000",
            ["no fees: add fee 0.05% to count them", "Highest safe leverage <b>32x</b>"],
            id="size-fee-label",
        ),
        pytest.param(
            "/pnl 97000 25x 500 long exit 90000",
            ["liquidated at 93,605 first: <b>−500 USDT</b> (−100%)"],
            id="pnl-past-liq",
        ),
        pytest.param(
            "/pnl eth 3200 qty 2 short exit 3000", ["+400 USDT", "no margin or leverage given"], id="pnl-no-leverage"
        ),
        pytest.param("/target 97000 25x long roe -150%", ["no exit: liquidated at 93,605 first"], id="target-past-liq"),
        pytest.param(
            "/dca 10x long 0.1 @ 50000 0.1 @ 48000", ["2. +0.1 @ 48,000 → avg 49,000"], id="dca-no-semicolons"
        ),
        pytest.param(
            "/dca 10x long $500 @ 50000; $500 @ 48000", ["$ amounts are position value"], id="dca-dollar-note"
        ),
        pytest.param("/help", ["<b>Textbook</b> is the default venue"], id="help-textbook"),
    ],
)
async def test_trader_findings(emu, command: str, expected: list[str]) -> None:
    params = await ask(emu, PRIVATE, command)
    for part in expected:
        assert part in params["text"], part


async def test_a_saved_mmr_never_silently_overrides_a_venue_table(emu) -> None:
    await ask(emu, PRIVATE, "/settings mmr 0.5")
    saved = await ask(emu, PRIVATE, "/settings venue hyperliquid sym ETH")
    assert "Hyperliquid has a ETH bracket table: trades there use it, not your MMR" in saved["text"]
    card = await ask(emu, PRIVATE, "/liq 3200 20x 200 short")
    # the headline is Hyperliquid's ETH table (2 %), the same as its venue line, and the card says why
    assert "MMR 2%" in card["text"] and "Your saved MMR 0.5% is not used" in card["text"]
    typed = await ask(emu, PRIVATE, "/liq 3200 20x 200 short mmr 0.5%")
    assert "MMR 0.5% (your MMR)" in typed["text"] and "not used" not in typed["text"]


async def test_review_uses_the_venue_named_in_the_call(emu) -> None:
    emu.user_sends(PRIVATE, "/review BTC long 50000 10x SL 48500 TP 54000\nExchange: Bybit Futures")
    photo = await emu.async_expect("sendPhoto", chat_id=PRIVATE)
    caption = photo.params["caption"]
    assert "· Bybit" in caption and "Bybit rules: the venue named in the call" in caption
