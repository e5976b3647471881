"""Speed of the Excel functions: one call over a 10,000-row range vs 10,000 single-cell calls.

Usage::

    python3 -m benchmarks.bench_excel

Targets (issue 4): one ``LIQ_PRICE`` call over a 10,000-row range takes under 20 ms of Python time
and is at least 20× faster than 10,000 single-cell calls. Arguments are shaped as xlwings hands them
over with ``ndim=2`` (2-D lists, one row per trade). Times are the best of several runs
(``time.perf_counter``), Python only: Excel's own marshalling (COM or Office.js) comes on top.

Also measured: one ``LIQ_TEXT`` call over 10,000 typed one-liners (issue 13: under 500 ms), beside
its floor (only reading the texts), one ``LIQ_REVIEW`` call (issue 5: a review under 5 ms), and xlwings 0.37.8's per-cell ``from pyodide.ffi import JsNull`` on the Office.js path under
CPython (``xlwings.utils.is_jsnull``, run once per argument cell), without and with
``excel_addin.skip_pyodide_import_scan``'s ``sys.modules["pyodide"] = None``, for the cells of one
10,000-row, four-argument call.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from excel_addin import udfs

ROWS = 10_000
RANGE_TARGET_MS = 20.0
SPEEDUP_TARGET = 20.0
REVIEW_TARGET_MS = 5.0
REVIEW_CALL = "BTC long 50000 10x SL 48500 TP 54000 / 56000"
TEXT_TARGET_MS = 500.0  # issue 13: LIQ_TEXT over 10,000 rows


def _best(call: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def _trades(rows: int, seed: int = 4) -> dict[str, list[list[Any]]]:
    rng = np.random.default_rng(seed)
    return {
        "entry": [[float(x)] for x in rng.uniform(20_000, 80_000, rows).round(1)],
        "leverage": [[int(x)] for x in rng.integers(2, 50, rows)],
        "margin": [[float(x)] for x in rng.uniform(100, 5_000, rows).round(2)],
        "side": [["long" if x else "short"] for x in rng.integers(0, 2, rows)],
        "exit": [[float(x)] for x in rng.uniform(20_000, 80_000, rows).round(1)],
        "quantity": [[float(x)] for x in rng.uniform(0.01, 2, rows).round(4)],
        "risk": [[float(x)] for x in rng.uniform(0.005, 0.02, rows).round(4)],
    }


def _price_rows(venue: str | None, rows: int, singles: int) -> list[dict[str, Any]]:
    data = _trades(rows)
    args = (data["entry"], data["side"], data["leverage"], data["margin"], None, venue)

    def ranged() -> Any:
        return udfs.LIQ_PRICE(*args)

    def single_cells() -> None:
        for i in range(singles):
            udfs.LIQ_PRICE([data["entry"][i]], [data["side"][i]], [data["leverage"][i]], [data["margin"][i]], None, [[venue]])  # fmt: skip

    one_call = _best(ranged, 7)
    many = _best(single_cells, 1) * rows / singles
    label = venue or "textbook"
    return [
        {"name": f"LIQ_PRICE, one call over {rows:,} rows ({label})", "value": round(one_call * 1e3, 2),
         "unit": "ms", "target": f"< {RANGE_TARGET_MS:g}", "ok": one_call * 1e3 < RANGE_TARGET_MS},
        {"name": f"LIQ_PRICE, {rows:,} single-cell calls ({label})", "value": round(many * 1e3, 1), "unit": "ms",
         "target": None, "ok": True},
        {"name": f"LIQ_PRICE, range vs single cells ({label})", "value": round(many / one_call, 1), "unit": "×",
         "target": f"≥ {SPEEDUP_TARGET:g}", "ok": many / one_call >= SPEEDUP_TARGET},
    ]  # fmt: skip


def _other_rows(rows: int) -> list[dict[str, Any]]:
    data = _trades(rows)
    pnl = _best(lambda: udfs.LIQ_PNL(data["entry"], data["side"], data["exit"], data["quantity"], 0.0005), 7)
    size = _best(lambda: udfs.LIQ_SIZE(data["entry"], data["exit"], 10_000, data["risk"], 0.0005), 7)
    review = _best(lambda: udfs.LIQ_REVIEW(REVIEW_CALL, "binance", 10_000, None, 0.02, 0.0005), 50)
    return [
        {"name": f"LIQ_PNL, one call over {rows:,} rows", "value": round(pnl * 1e3, 2), "unit": "ms",
         "target": f"< {RANGE_TARGET_MS:g}", "ok": pnl * 1e3 < RANGE_TARGET_MS},
        {"name": f"LIQ_SIZE, one call over {rows:,} rows", "value": round(size * 1e3, 2), "unit": "ms",
         "target": f"< {RANGE_TARGET_MS:g}", "ok": size * 1e3 < RANGE_TARGET_MS},
        {"name": "LIQ_REVIEW, one call (Binance, sized for risk)", "value": round(review * 1e3, 3), "unit": "ms",
         "target": f"< {REVIEW_TARGET_MS:g}", "ok": review * 1e3 < REVIEW_TARGET_MS},
    ]  # fmt: skip


def _texts(rows: int, seed: int = 4) -> list[list[str]]:
    """One-liners as traders type them into cells: word sides in any case, $ and usdt, x before or after."""
    rng = np.random.default_rng(seed)
    shapes = ("{e} {lev}x {m} {s}", "{s} {e} {lev}x {m}", "{e} x{lev} {m}usdt {s}", "${e} {lev}x ${m} isolated {s}",
              "{e} {lev}x {m} {s} binance", "{e} {lev}x {m} {s} cross balance 20000")  # fmt: skip
    sides = ("long", "short", "Long", "SHORT", "L", "s", "buy", "sell", "")
    texts = []
    for _ in range(rows):
        entry = (
            round(float(rng.uniform(20_000, 80_000)), 1)
            if rng.integers(0, 2)
            else round(float(rng.uniform(1, 5_000)), 2)
        )
        shape = shapes[int(rng.integers(0, len(shapes)))]
        side = sides[int(rng.integers(0, len(sides)))]
        text = shape.format(e=f"{entry:g}", lev=int(rng.integers(2, 50)), m=int(rng.integers(100, 5_000)), s=side)
        texts.append([" ".join(text.split())])
    return texts


def _text_rows(rows: int) -> list[dict[str, Any]]:
    """LIQ_TEXT over a column of typed trades, beside its floor: only reading the texts (the grammar)."""
    from core.grammar import parse_trade_fields

    texts = _texts(rows)
    whole = _best(lambda: udfs.LIQ_TEXT(texts), 5)
    floor = _best(lambda: [parse_trade_fields(row[0], allow_market=True) for row in texts], 5)
    return [
        {"name": f"LIQ_TEXT, one call over {rows:,} typed trades", "value": round(whole * 1e3, 1), "unit": "ms",
         "target": f"< {TEXT_TARGET_MS:g}", "ok": whole * 1e3 < TEXT_TARGET_MS},
        {"name": f"  floor: reading the {rows:,} texts only", "value": round(floor * 1e3, 1), "unit": "ms",
         "target": None, "ok": True},
    ]  # fmt: skip


def _pyodide_rows(rows: int, arguments: int = 4) -> list[dict[str, Any]]:
    """The 0.37.8 per-cell import on CPython, without and with the ``sys.modules`` entry."""
    from xlwings.utils import is_jsnull

    present = sys.modules.get("pyodide", KeyError)
    if present is not KeyError and present is not None:
        return []  # a real pyodide package is importable: nothing to measure
    cells = rows * arguments

    def every_cell() -> None:
        for _ in range(cells):
            is_jsnull(1.0)

    sys.modules.pop("pyodide", None)
    try:
        without = _best(every_cell, 1)
        sys.modules["pyodide"] = None  # type: ignore[assignment]
        with_entry = _best(every_cell, 3)
    finally:
        sys.modules.pop("pyodide", None)
        if present is None:
            sys.modules["pyodide"] = None  # type: ignore[assignment]
    label = f"{rows:,} rows × {arguments} arguments"
    return [
        {"name": f"Office.js JsNull check, {label}, without workaround", "value": round(without * 1e3, 1),
         "unit": "ms", "target": None, "ok": True},
        {"name": f"Office.js JsNull check, {label}, with workaround", "value": round(with_entry * 1e3, 1),
         "unit": "ms", "target": "< without", "ok": with_entry < without},
    ]  # fmt: skip


def run(rows: int = ROWS, singles: int | None = None) -> list[dict[str, Any]]:
    """Measure and return rows ``{"name", "value", "unit", "target", "ok"}``.

    ``singles``: how many single-cell calls to time (scaled to ``rows``); default all of them.
    """
    singles = rows if singles is None else min(singles, rows)
    results = _price_rows(None, rows, singles)
    results += _price_rows("binance", rows, singles)
    results += _other_rows(rows)
    results += _text_rows(rows)
    results += _pyodide_rows(rows)
    return results


def main() -> int:
    """Print the table; exit 1 when a target is missed."""
    results = run()
    width = max(len(r["name"]) for r in results)
    for r in results:
        target = r["target"] or ""
        mark = "ok" if r["ok"] else "MISSED"
        print(f"{r['name']:<{width}}  {r['value']:>10} {r['unit']:<2}  {target:<10} {mark}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
