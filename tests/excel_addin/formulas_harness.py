"""Evaluate workbooks on Linux with the ``formulas`` package (test-only, EUPL) and the LIQ_ functions.

``registered()`` puts every function of ``excel_addin.udfs`` into formulas' global function registry,
under its plain name and the ``_XLDUDF_`` alias Excel uses when it saves Office.js functions, with
an adapter that hands each argument over the way xlwings does with ``ndim=2``: a 2-D list, ``None``
for empty and error cells, and turns a returned ``"#VALUE!"`` into the error value, as Office.js does. ``evaluate(path)`` calculates a workbook and returns every cell's value by
``(sheet, "A1")`` (sheet names upper-case, as formulas keeps them).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import schedula as sh
from formulas.functions import Array, wrap_func
from formulas.tokens.operand import Error, XlError
from openpyxl.utils.cell import get_column_letter, range_boundaries

from excel_addin import udfs
from excel_addin._errors import ERROR

__all__ = ["evaluate", "excel_shaped", "registered"]

_VALUE_ERROR = Error.errors[ERROR]
_KEY = re.compile(r"^'?\[(?P<book>[^\]]+)\](?P<sheet>.+?)'?!(?P<ref>[A-Z]+\d+(?::[A-Z]+\d+)?)$")


def excel_shaped(value: Any) -> list[list[Any]]:
    """One formulas argument as xlwings passes it with ``ndim=2``: a 2-D list, None for empty/error."""
    if type(value) is int and value == 0:
        # formulas passes an omitted argument (``=F(1,,3)``) as the int 0 (cells come as arrays); xlwings
        # passes it as None in both runtimes (classic: "missing"; Office.js: null). A literal 0 typed into
        # a formula is indistinguishable here: the sample workbook never types one.
        return [[None]]
    if isinstance(value, np.ndarray):
        array = value.reshape(1, 1) if value.ndim == 0 else value
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        return [[_cell(v) for v in row] for row in array.tolist()]
    return [[_cell(value)]]


def _cell(value: Any) -> Any:
    if value is sh.EMPTY or isinstance(value, XlError):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _result(value: Any) -> Any:
    """A calculated cell: Excel errors as their text (``"#NAME?"``), empty cells as None."""
    if isinstance(value, XlError):
        return str(value)
    return _cell(value)


def _adapter(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        result = function(*(excel_shaped(a) for a in args))
        # as Office.js does (xlwings.pro._xlofficejs.errorstr_to_errortype): the string "#VALUE!" is the error
        cells = [[_VALUE_ERROR if cell == ERROR else cell for cell in row] for row in result]
        return np.asarray(cells, dtype=object).view(Array)

    call.__name__ = function.__name__
    return call


@contextlib.contextmanager
def registered() -> Iterator[list[str]]:
    """Register the LIQ_ functions in formulas' registry for the duration of the block."""
    registry = formulas.get_functions()
    added: list[str] = []
    for name in udfs.__all__:
        wrapped = wrap_func(_adapter(getattr(udfs, name)))
        for key in (name, f"_XLDUDF_{name}"):
            registry[key] = wrapped
            added.append(key)
    try:
        yield added
    finally:
        for key in added:
            registry.pop(key, None)


def evaluate(path: Path) -> dict[tuple[str, str], Any]:
    """Calculate the workbook and return each cell's value by ``(SHEET, "A1")``."""
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    values: dict[tuple[str, str], Any] = {}
    for key, ranges in solution.items():
        match = _KEY.match(str(key))
        if match is None:
            continue
        sheet = match.group("sheet").upper()
        ref = match.group("ref")
        data = np.asarray(getattr(ranges, "value", ranges), dtype=object)
        if ":" not in ref:
            values[(sheet, ref)] = _result(data.reshape(-1)[0])
            continue
        min_col, min_row, _, _ = range_boundaries(ref)
        for (i, j), item in np.ndenumerate(data.reshape(data.shape[0], -1)):
            values.setdefault((sheet, f"{get_column_letter(min_col + j)}{min_row + i}"), _result(item))
    return values
