"""Opt-in Office.js contract (xlwings Lite / Server code path): metadata and calls as Excel sends them.

Skipped unless ``XLWINGS_LICENSE_KEY`` is set: the Office.js path imports ``xlwings.pro``, which checks
a licence at import (``shared/EXCEL.md`` §1, §4.4). Keep it out of default CI: the literal key
``noncommercial`` is accepted by the code, but PolyForm Noncommercial does not obviously cover CI of
a commercial product. Run it with a PRO or trial key::

    XLWINGS_LICENSE_KEY=... python3 -m pytest tests/excel_addin/test_excel_officejs_contract.py

Skipping (not collecting nothing) keeps the exit status 0 in the normal run. The probe runs in its
own Python process with ``XLWINGS_ON_SERVER=true`` set before xlwings is imported (importing xlwings
first gives no-op decorators); this process never sets it. Every argument is a 2-D matrix, as
Office.js sends it; ``[[None]]`` is an omitted argument and falls back to the Python default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    not os.environ.get("XLWINGS_LICENSE_KEY"),
    reason="Office.js contract needs XLWINGS_LICENSE_KEY (xlwings PRO or trial); see the module docstring",
)

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import asyncio, json, sys
import xlwings as xw
from xlwings.server import custom_functions_call, custom_functions_meta
import excel_addin.udfs as module

def payload(name, *args):
    import inspect
    parameters = inspect.signature(getattr(module, name)).parameters.values()
    count = len(parameters)
    matrices = [a if isinstance(a, list) else [[a]] for a in args]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):  # Office.js sends a repeating parameter as one list
        matrices = [*matrices[: count - 1], matrices[count - 1 :]]
    matrices += [[[None]]] * (count - len(matrices))
    return {"func_name": name, "args": matrices, "version": xw.__version__, "client": "Office.js",
            "runtime": "1.4", "culture_info_name": "en-US", "date_format": None}

CALLS = {
    "textbook": payload("LIQ_PRICE", 50000, "long", 10, 1000),
    "ints_and_text": payload("LIQ_PRICE", 50000, "L", "10x", "1k"),
    "empty_cells_as_zero": payload("LIQ_PRICE", 50000, "long", 10, 1000, 0, 0, 0, 0, 0, 0),
    "column_with_bad_row": payload("LIQ_PRICE", [[50000], ["abc"], [60000]], "long", 10, 1000),
    "why_bad_row": payload("LIQ_WHY", "LIQ_PRICE", [[50000], ["abc"], [60000]], "long", 10, 1000),
    "binance_tiers": payload("LIQ_PRICE", 50000, "long", 10, 1000, None, "binance"),
    "text": payload("LIQ_TEXT", "50000 10x 1000 isolated"),
    "compare": payload("LIQ_COMPARE", 50000, "long", 10, 1000, None, None, None, 10000),
    "cross": payload("LIQ_CROSS", [["BTC", "long", 0.2, 50000]], 10000, None, 0.005),
}

async def main():
    results = {key: await custom_functions_call(data, module) for key, data in CALLS.items()}
    meta = custom_functions_meta(module)
    print(json.dumps({"meta": meta, "results": results, "pyodide": repr(sys.modules.get("pyodide", "absent")),
                      "registered": hasattr(module.LIQ_PRICE, "__xlfunc__")}, default=repr))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    env = {**os.environ, "XLWINGS_ON_SERVER": "true"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_functions_are_registered_with_the_workaround_applied(probe) -> None:
    assert probe["registered"] is True
    assert probe["pyodide"] == "None"  # skip_pyodide_import_scan ran: CPython on the Office.js path


def test_metadata_snapshot(probe) -> None:
    from excel_addin import udfs

    functions = {f["id"]: f for f in probe["meta"]["functions"]}
    assert sorted(functions) == udfs.__all__
    for name in udfs.__all__:
        meta = functions[name]
        assert meta["name"] == name  # no namespace
        assert meta["description"] == getattr(udfs, name).__doc__
        assert meta["result"] == {"dimensionality": "matrix", "type": "any"}
        params = meta["parameters"]
        signature = list(udfs.__dict__[name].__code__.co_varnames[: udfs.__dict__[name].__code__.co_argcount])
        assert [p["name"] for p in params] == signature
        assert [p["description"] for p in params] == [udfs.ARG_DOCS[n] for n in signature]
        assert all(p["dimensionality"] == "matrix" for p in params)
    price = functions["LIQ_PRICE"]["parameters"]
    assert "optional" not in price[0] and "optional" not in price[1]  # entry and side are required
    assert all(p.get("optional") is True for p in price[2:])


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("textbook", [[45250.0]], id="textbook 45,250"),
        pytest.param("ints_and_text", [[45250.0]], id="ints and trader text"),
        pytest.param("empty_cells_as_zero", [[45250.0]], id="Office.js empty cells arrive as 0"),
        pytest.param("binance_tiers", [[45180.8]], id="Binance bracket 1"),
        pytest.param("text", [[45250.0, 54750.0]], id="one-liner spills long and short"),
        pytest.param("cross", [[250.0]], id="textbook cross"),
    ],
)
def test_calls(probe, key, expected) -> None:
    assert probe["results"][key] == expected


def test_a_bad_row_is_an_error_value_not_an_exception(probe) -> None:
    result = probe["results"]["column_with_bad_row"]
    assert result[0] == [45250.0]
    assert result[1][0] == {"type": "Error", "errorType": "Value"}  # Excel's #VALUE!: IFERROR catches it
    assert result[2] == [54300.0]
    why = probe["results"]["why_bad_row"]
    assert why[0] == [""] and why[2] == [""]
    assert why[1][0].startswith("entry 'abc' is not a number")


def test_compare_table_spills(probe) -> None:
    table = probe["results"]["compare"]
    assert table[0] == ["", "isolated", "cross"]
    assert table[1] == ["liquidation price", 45250.0, 250.0]
