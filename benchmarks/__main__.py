"""``make bench``: every benchmark in one table, each figure beside its target.

Each suite runs in a fresh interpreter, so no suite's heap (a million-row array, ten thousand bot
updates) slows the garbage collector of the next one; ratios within a suite are measured side by
side in the same process.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MODULES = (
    "benchmarks.bench_core",
    "benchmarks.bench_speed",
    "benchmarks.bench_excel",
    "benchmarks.bench_bot",
    "benchmarks.bench_memory",
    "benchmarks.bench_review",
    "benchmarks.bench_review_bot",
    "benchmarks.bench_parsers",
    "benchmarks.bench_market",
    "benchmarks.bench_watch",
)


def main() -> int:
    started = time.perf_counter()
    rows: list[dict] = []
    for name in MODULES:
        for row in _run_suite(name):
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


def _run_suite(name: str) -> list[dict]:
    """The rows of one suite, run in its own interpreter (its output on stderr passes through)."""
    code = f"import json, sys, {name} as m; rows = m.run(); sys.stdout.write(json.dumps(rows))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, check=True)
    return list(json.loads(done.stdout))


if __name__ == "__main__":
    sys.exit(main())
