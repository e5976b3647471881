"""Parsers on hostile input (issue 6): any 1,000-character text is answered in under 1 ms.

Four kinds of text, 1,000 characters each: random printable ASCII, a unicode mix (Cyrillic, emoji,
fullwidth, zero-width, Arabic digits), a soup of the parsers' own keywords and numbers, and
repeated patterns aimed at each reader (numbers, ranges, hashtags, pairs, keycaps, newlines, …).
The trade grammar refuses text over 500 characters at once, so it is also timed at 500.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import string
import time
from collections.abc import Callable

from core import CoreError, parse_cross_account, parse_trade, parse_trade_call

LENGTH = 1_000
PER_KIND = 150
_UNICODE = "".join(
    [chr(c) for c in range(32, 127)]
    + [chr(c) for c in range(0x400, 0x450)]
    + ["🚀", "📈", "✅", "❌", "🎯", "０", "５", "Ｌ", "\u0661", "\u200b", "\xa0", "\u2212", "×", "\ufe0f", "\u20e3"]
)
_KEYWORDS = (
    "BTC", "ETH", "SOL", "long", "short", "buy", "sell", "entry", "50000", "10x", "1000", "isolated", "cross",
    "tp1", "tp2", "tp3", "sl", "stop", "leverage", "0.5%", "mmr", "binance", "bybit", "okx", "🚀", "target",
    "zone", "-", ":", ",", "/", "45k", "1.2m", "1,000", "62 000", "#BTC", "$ETH", "BTC/USDT", "x20", "cornix",
)  # fmt: skip
_PATTERNS = (
    "1 ", "1,000 ", "1 000 ", "BTC long ", "TP1 100 ", "entry 100-200 ", "#BTC ", "BTC/USDT ", "🎯 1 ", "\n",
    "1️⃣ ", "ＢＴＣ ＬＯＮＧ ", "𝐋𝐎𝐍𝐆 ", "https://t.me/x ", "ABC DEF ", "9", "10x ", "S/L ", "100-200-", "Coin: BTC ",
)  # fmt: skip


def _texts(rng: random.Random, length: int) -> list[str]:
    texts = []
    for _ in range(PER_KIND):
        texts.append("".join(rng.choice(string.printable) for _ in range(length)))
        texts.append("".join(rng.choice(_UNICODE) for _ in range(length)))
        soup = ""
        while len(soup) < length:
            soup += rng.choice(_KEYWORDS) + rng.choice(" \n,:")
        texts.append(soup[:length])
        pattern = rng.choice(_PATTERNS)
        texts.append((pattern * (length // len(pattern) + 1))[:length])
    return texts


def _times(parse: Callable[[str], object], texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        with contextlib.suppress(CoreError):  # the clear answer for text that is not a trade; anything else fails
            parse(text)
        times.append(time.perf_counter() - start)
    return times


def run() -> list[dict]:
    rng = random.Random(20261121)
    long_texts = _texts(rng, LENGTH)
    rows = []
    for label, parse, texts in (
        ("trade call", parse_trade_call, long_texts),
        ("cross account", parse_cross_account, long_texts),
        ("trade grammar", parse_trade, long_texts),
        ("trade grammar, 500 chars (its limit)", parse_trade, _texts(rng, 500)),
    ):
        _times(parse, texts[:20])  # warm caches
        times = sorted(_times(parse, texts))
        median_ms = statistics.median(times) * 1e3
        p99_ms = times[int(len(times) * 0.99)] * 1e3
        size = "" if "chars" in label else f", {LENGTH:,} chars"
        rows.append(
            {
                "name": f"parse {label}{size}, median of {len(times)}",
                "value": median_ms,
                "unit": "ms",
                "target": "< 1",
                "ok": median_ms < 1,
            }
        )
        rows.append({"name": f"parse {label}, p99", "value": p99_ms, "unit": "ms", "target": "< 1", "ok": p99_ms < 1})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
