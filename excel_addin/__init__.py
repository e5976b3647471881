"""liqcalc for Excel: the core's liquidation maths as spreadsheet functions (``LIQ_…``).

``excel_addin.udfs`` holds the functions, written in xlwings' portable decorator subset so the same
module runs as classic Windows UDFs, inside xlwings Lite and on xlwings Server. ``excel_addin._cells``
turns what Excel hands over into core inputs and core answers back into cells; ``excel_addin._review``
lays out ``LIQ_REVIEW``'s review of a posted trade call. The README's Excel section says how to
install; ``python -m excel_addin.build_workbook`` writes the sample ``LiquidationPlanner.xlsx``.
"""

from __future__ import annotations

import importlib.util
import os
import sys

__all__ = ["skip_pyodide_import_scan"]


def skip_pyodide_import_scan() -> bool:
    """Work around xlwings 0.37.8's per-cell ``pyodide`` import on CPython; True when applied.

    xlwings 0.37.8 checks every cell of an Office.js call for Pyodide's ``JsNull`` with
    ``from pyodide.ffi import JsNull``; on CPython each failed import scans ``sys.path`` (about 30 µs a
    cell). A ``None`` entry in ``sys.modules`` makes that import fail at once. Applied only where it is
    safe and where the cost arises: the Office.js code path (``XLWINGS_ON_SERVER=true``: xlwings Server
    or the contract tests) on CPython, when no real ``pyodide`` package is importable. Never under
    Pyodide itself (xlwings Lite, ``sys.platform == "emscripten"``), where the import succeeds, nor on
    classic or Linux runs, which never reach that code.
    """
    if sys.platform == "emscripten" or os.environ.get("XLWINGS_ON_SERVER") != "true":
        return False
    if "pyodide" in sys.modules:
        return sys.modules["pyodide"] is None
    if importlib.util.find_spec("pyodide") is not None:
        return False
    sys.modules.setdefault("pyodide", None)  # type: ignore[arg-type]
    return True
