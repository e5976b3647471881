"""``make bench``: every benchmark in one table, each figure beside its target."""

from __future__ import annotations

import importlib
import platform
import sys
import time

MODULES = (
    "benchmarks.bench_core",
    "benchmarks.bench_excel",
    "benchmarks.bench_bot",
    "benchmarks.bench_review",
    "benchmarks.bench_review_bot",
    "benchmarks.bench_parsers",
)


def main() -> int:
    started = time.perf_counter()
    rows: list[dict] = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for row in module.run():
            rows.append({"suite": name.rsplit("_", 1)[-1], **row})
    width = max(len(r["name"]) for r in rows)
    print(f"liqcalc benchmarks — Python {platform.python_version()}, {platform.machine()}")
    print(f"{'suite':<7} {'figure':<{width}} {'value':>12}  {'target':<9} ok")
    for r in rows:
        value = f"{r['value']:,.3f} {r['unit']}"
        info = r["target"] in (None, "—", "(info)")  # a figure shown for context, without a target
        target = "—" if info else str(r["target"])
        verdict = "" if info else "yes" if r["ok"] else "NO"
        print(f"{r['suite']:<7} {r['name']:<{width}} {value:>12}  {target:<9} {verdict}")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
