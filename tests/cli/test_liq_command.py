"""The ``liq`` terminal command, run as a trader runs it: a real process, its output and exit status.

Issue 10: errors exit non-zero, ``--help`` is understood, both sides' venue lines are shown, and every
bot command works at the prompt and as arguments.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LIQ = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run(
    args: list[str], stdin: str | None = None, tmp_path: Path | None = None, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LIQCALC_"))}
    env["LIQCALC_MARKET_DB"] = "off"  # no venue is reachable here; tests/cli/test_liq_data.py uses the emulator
    env.update(extra or {})
    if tmp_path is not None:
        env["LIQCALC_DB"] = str(tmp_path / "liq.sqlite3")
    return subprocess.run(
        [*LIQ, *args], input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env, check=False
    )


@pytest.mark.parametrize(
    ("args", "status", "expected"),
    [
        pytest.param(["--help"], 0, "Exit status: 0 when every line was answered", id="help"),
        pytest.param(["-h"], 0, "liq /size 97000 stop 95000 risk $50", id="h"),
        pytest.param(["--verbose"], 2, None, id="unknown-option"),
        pytest.param(["50000", "10x", "1000"], 0, "Long: Binance 45,180.8", id="trade-both-sides"),
        pytest.param(["50000", "10x", "1000"], 0, "Short: Binance 54,780.8", id="short-venue-line"),
        pytest.param(["/compare", "50000", "10x", "1000", "bal", "10000"], 0, "Cross liq 250", id="compare"),
        pytest.param(
            ["/pnl", "97000", "25x", "500", "long", "exit", "90000"],
            0,
            "liquidated at 93,605 first",
            id="pnl-past-liquidation",
        ),
        pytest.param(["/size", "97000", "stop", "95000", "risk", "$50"], 0, "Size 0.025 BTC", id="size-money"),
        pytest.param(["btc", "10x", "1000"], 1, "the entry price or the margin is missing", id="error-exits-1"),
        pytest.param(["/nonsense"], 1, "I don't know /nonsense", id="unknown-command"),
    ],
)
def test_liq_answers_and_exit_status(args: list[str], status: int, expected: str | None, tmp_path: Path) -> None:
    result = run(args, tmp_path=tmp_path)
    assert result.returncode == status, result.stdout + result.stderr
    if expected is not None:
        assert expected in result.stdout


def test_the_prompt_takes_trades_and_every_command(tmp_path: Path) -> None:
    lines = "50000 10x 1000 long\n/compare 50000 10x 1000 long bal 10000\n/tiers binance BTC\n"
    result = run([], stdin=lines, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "💥 Liquidation 45,250" in result.stdout and "isolated vs cross" in result.stdout
    assert "Binance BTCUSDT brackets" in result.stdout


def test_a_refused_line_at_the_prompt_makes_the_status_1(tmp_path: Path) -> None:
    result = run([], stdin="50000 10x 1000 long\n50000 10x lnog 1000\n", tmp_path=tmp_path)
    assert result.returncode == 1 and "did you mean long?" in result.stdout
