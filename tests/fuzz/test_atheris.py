"""Coverage-guided fuzzing of the parsers with atheris, bounded to a fixed number of runs."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("atheris")

HERE = pathlib.Path(__file__).resolve().parent
SEEDS = [
    "50000 10x 1000 isolated",
    "#BTC/USDT\nEntry: 49500 - 50500\nStop: 48000",
    "bal 1; BTC long 1 @ 2",
    # issues 10 and 11: phone spellings, other languages, sub-cent and absurd numbers, invisible marks
    "97 000 25 х 500usdt лонг sl 95000 mexc",
    "\u200f0.00000001 10x 100 short mmr 1% sym SHIB",
    "2e306 10x 1e-320 cô lập",
    "bal 1000; BTC long 0.1 @ 50000 mark 40100; BTC short 0.05 @ 49000",
]


def test_parsers_survive_coverage_guided_fuzzing(tmp_path: pathlib.Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, seed in enumerate(SEEDS):
        (corpus / f"seed{i}").write_text(seed, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(HERE / "fuzz_parsers.py"), "-atheris_runs=15000", "-max_len=1200", str(corpus)],
        env={**os.environ, "PYTHONPATH": str(HERE.parents[1])},
        capture_output=True,
        text=True,
        timeout=240,
        cwd=HERE.parents[1],
    )
    assert result.returncode == 0, result.stderr[-3000:]
