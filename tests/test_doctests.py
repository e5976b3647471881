"""Every example in the docstrings runs (the test suite collects only ``tests/``, so they are run here)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import core
import market

PURE_FRONT_END = ["bot.formatting", "bot.texts", "bot.parsing", "bot.keyboards", "bot.replies", "bot.ratelimit"]
MODULES = sorted(
    [f"core.{m.name}" for m in pkgutil.iter_modules(core.__path__)]
    + [f"market.{m.name}" for m in pkgutil.iter_modules(market.__path__)]
    + ["core", "market", *PURE_FRONT_END, "excel_addin._cells"]
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
