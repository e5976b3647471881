"""A bad row as a real Excel error value, and ``LIQ_WHY``'s sentence for it.

Inside the add-in a problem is the text ``"#VALUE! <what is wrong; what to type>"``
(:func:`excel_addin._cells.error_text`). At the edge of every ``LIQ_…`` function, :func:`for_excel`
turns each such cell into Excel's own ``#VALUE!`` error, so ``IFERROR``, ``ISERROR`` and ``SUM`` treat
it as an error, and ``LIQ_WHY`` (the same arguments behind the function's name) shows the sentence.

How each runtime gets a real error (``shared/EXCEL.md`` §3):

* **Office.js** (xlwings Lite and Server): the bare string ``"#VALUE!"`` is sent as an error value
  (``xlwings.pro._xlofficejs.errorstr_to_errortype``).
* **Classic** (Windows, COM): a ``VARIANT`` of type ``VT_ERROR`` with Excel's ``xlErrValue`` code
  (``CVErr(xlErrValue)``, scode ``0x800A07DF``); a plain string would stay text.
* Called from Python (tests, scripts): the string ``"#VALUE!"``, as Office.js sends it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

__all__ = ["ALL_FINE", "ERROR", "explaining", "for_excel", "is_problem"]

ERROR = "#VALUE!"
_PREFIX = ERROR + " "
ALL_FINE = "ok"  # LIQ_WHY when no cell has a problem
_XL_ERR_VALUE_SCODE = -2146826273  # 0x800A07DF: CVErr(xlErrValue), as xlwings._xlwindows.cell_errors reads it back

_explaining: ContextVar[bool] = ContextVar("liqcalc_explaining", default=False)


def is_problem(cell: Any) -> bool:
    """A cell the add-in marked as a problem (``"#VALUE! …"``)."""
    return type(cell) is str and cell.startswith(_PREFIX)


@functools.cache
def error_value() -> Any:
    """What this runtime writes as Excel's ``#VALUE!`` error."""
    if sys.platform == "win32" and os.environ.get("XLWINGS_ON_SERVER") != "true":
        try:  # classic xlwings: pywin32 is installed with it
            import pythoncom  # type: ignore[import-not-found]
            import win32com.client  # type: ignore[import-not-found]
        except ImportError:
            return ERROR
        return win32com.client.VARIANT(pythoncom.VT_ERROR, _XL_ERR_VALUE_SCODE)
    return ERROR


@contextlib.contextmanager
def explaining() -> Iterator[None]:
    """Within the block, :func:`for_excel` answers with the sentences instead of the values."""
    token = _explaining.set(True)
    try:
        yield
    finally:
        _explaining.reset(token)


def for_excel(cells: list[list[Any]]) -> list[list[Any]]:
    """A function's answer as Excel shows it: each problem cell becomes the ``#VALUE!`` error value.

    Under :func:`explaining` (``LIQ_WHY``): each problem cell's sentence and an empty cell beside it
    for the rows that computed, or one ``"ok"`` when nothing is wrong.
    """
    if _explaining.get():
        if not any(map(is_problem, (cell for row in cells for cell in row))):
            return [[ALL_FINE]]
        return [[cell[len(_PREFIX) :] if is_problem(cell) else "" for cell in row] for row in cells]
    if not any(is_problem(cell) for row in cells for cell in row):
        return cells
    value = error_value()
    return [[value if is_problem(cell) else cell for cell in row] for row in cells]
