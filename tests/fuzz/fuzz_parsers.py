"""atheris target: any bytes → the three text parsers answer with a request or a CoreError, nothing else.

Run: ``python tests/fuzz/fuzz_parsers.py -atheris_runs=20000`` (exit 0 = no finding).
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from core import CoreError, parse_cross_account, parse_trade, parse_trade_call


def one_input(data: bytes) -> None:
    """Feed the same text to every parser; only CoreError may come back."""
    text = data.decode("utf-8", errors="replace")
    for parse in (parse_trade, parse_trade_call, parse_cross_account):
        with contextlib.suppress(CoreError):
            parse(text)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
