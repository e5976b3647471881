"""Trade-call review speed (issue 5): parse + review under 5 ms per call, chart under 150 ms per PNG."""

from __future__ import annotations

import json
import pathlib
import statistics
import time

from bot.charts import levels_from_review, render_ladder
from core import CoreError, parse_trade_call, review_call

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "tests" / "core" / "data" / "trade_calls.json"


def _calls() -> list[str]:
    return [entry["text"] for entry in json.loads(CORPUS.read_text(encoding="utf-8")) if entry["expected"]]


def run() -> list[dict]:
    texts = _calls()
    review_times = []
    reviews = []
    for _ in range(3):
        for text in texts:
            start = time.perf_counter()
            try:
                review = review_call(parse_trade_call(text), venue="binance", account_balance=10_000)
            except CoreError:
                continue
            review_times.append(time.perf_counter() - start)
            reviews.append(review)
    chart_times = []
    for review in reviews[:20]:
        start = time.perf_counter()
        render_ladder(levels_from_review(review), title=f"{review.symbol} {review.side.value}")
        chart_times.append(time.perf_counter() - start)
    review_ms = statistics.median(review_times) * 1e3
    review_p95 = sorted(review_times)[int(len(review_times) * 0.95)] * 1e3
    chart_ms = statistics.median(chart_times) * 1e3
    return [
        {
            "name": f"parse + review, median of {len(review_times)}",
            "value": review_ms,
            "unit": "ms",
            "target": "< 5",
            "ok": review_ms < 5,
        },
        {"name": "parse + review, p95", "value": review_p95, "unit": "ms", "target": "< 5", "ok": review_p95 < 5},
        {"name": "chart PNG, median of 20", "value": chart_ms, "unit": "ms", "target": "< 150", "ok": chart_ms < 150},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
