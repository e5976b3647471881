"""The UDF module as the xlwings runtimes see it: names, signatures, docs, and importing without Excel.

Rules from ``shared/EXCEL.md`` §2: positional signatures only, no ``caller`` parameter, no type hints
(Office.js would use them as converters; ``Literal`` breaks classic), a one-line docstring (Excel's
function description, at most 255 characters in classic's wizard) and ``doc=`` for every argument.
Classic xlwings writes the parameter names into a VBA wrapper, so none may be a VBA keyword.
"""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import excel_addin
from excel_addin import udfs

ROOT = Path(__file__).resolve().parents[2]
VBA_KEYWORDS = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "close", "const", "currency", "date",
    "debug", "decimal", "declare", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum",
    "eqv", "erase", "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub",
    "goto", "if", "imp", "implements", "in", "input", "integer", "is", "let", "like", "line", "lock", "long",
    "loop", "me", "mod", "name", "new", "next", "not", "nothing", "null", "object", "on", "open", "option",
    "optional", "or", "paramarray", "preserve", "print", "private", "property", "public", "put", "raiseevent",
    "redim", "rem", "resume", "return", "seek", "select", "set", "single", "static", "step", "stop", "string",
    "sub", "text", "then", "to", "true", "type", "until", "variant", "wend", "while", "with", "withevents",
    "write", "xor",
}  # fmt: skip
FUNCTIONS = [getattr(udfs, name) for name in udfs.__all__]


def test_all_lists_every_function_sorted() -> None:
    defined = sorted(name for name, obj in vars(udfs).items() if name.startswith("LIQ_") and callable(obj))
    assert udfs.__all__ == defined
    assert len(defined) == 21  # LIQ_MARK (issue 12) is the 21st


@pytest.mark.parametrize("function", FUNCTIONS, ids=udfs.__all__)
class TestSignature:
    def test_positional_without_hints(self, function) -> None:
        signature = inspect.signature(function)
        kinds = {p.kind for p in signature.parameters.values()}
        assert kinds == {inspect.Parameter.POSITIONAL_OR_KEYWORD}
        assert function.__annotations__ == {}
        assert "caller" not in signature.parameters

    def test_optional_arguments_default_to_none(self, function) -> None:
        defaults = [p.default for p in inspect.signature(function).parameters.values()]
        assert all(d is None for d in defaults if d is not inspect.Parameter.empty)

    def test_names_are_not_vba_keywords(self, function) -> None:
        assert not set(inspect.signature(function).parameters) & VBA_KEYWORDS

    def test_one_line_description(self, function) -> None:
        doc = function.__doc__
        assert doc is not None
        assert "\n" not in doc.strip()
        assert len(doc) <= 255
        assert doc.endswith(".")

    def test_every_argument_is_documented(self, function) -> None:
        for name in inspect.signature(function).parameters:
            assert name in udfs.ARG_DOCS
            assert 0 < len(udfs.ARG_DOCS[name]) <= 255


def test_decorators_name_every_argument_in_order() -> None:
    """``@xw.func`` and ``@_described(...)`` (= ``@xw.arg(name, ndim=2, doc=...)``) on each function."""
    tree = ast.parse((ROOT / "excel_addin" / "udfs.py").read_text(encoding="utf-8"))
    checked = 0
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("LIQ_")):
            continue
        decorators = {ast.unparse(d.func if isinstance(d, ast.Call) else d): d for d in node.decorator_list}
        assert "xw.func" in decorators, node.name
        described = decorators["_described"]
        assert isinstance(described, ast.Call)
        names = []
        for arg in described.args:
            if isinstance(arg, ast.Starred):
                names += [
                    "entry",
                    "leverage",
                    "margin",
                    "side",
                    "mode",
                    "venue",
                    "symbol",
                    "mmr",
                    "balance",
                    "quantity",
                ]
            else:
                assert isinstance(arg, ast.Constant)
                names.append(arg.value.partition(":")[0])  # "leverage:pnl_leverage": the name, its help key
        assert names == [a.arg for a in node.args.args], node.name
        checked += 1
    assert checked == len(udfs.__all__)


def test_trade_tuple_in_decorators_is_the_trade_signature() -> None:
    assert list(inspect.signature(udfs.LIQ_PRICE).parameters) == list(udfs._TRADE)


def test_no_op_decorators_on_linux() -> None:
    """Without Excel, ``@xw.func`` returns the function unchanged and nothing set XLWINGS_ON_SERVER."""
    assert os.environ.get("XLWINGS_ON_SERVER") != "true"
    assert not hasattr(udfs.LIQ_PRICE, "__xlfunc__")


def test_importing_in_a_clean_process() -> None:
    code = (
        "import os, sys; import excel_addin.udfs as u; "
        "print(os.environ.get('XLWINGS_ON_SERVER'), 'pyodide' in sys.modules, hasattr(u.LIQ_PRICE, '__xlfunc__'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_ON_SERVER"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    assert out.stdout.split() == ["None", "False", "False"]


@pytest.fixture
def no_pyodide_entry():
    """Remove any ``sys.modules["pyodide"]`` for the test and put the original state back after it."""
    saved = sys.modules.pop("pyodide", KeyError)
    yield
    sys.modules.pop("pyodide", None)
    if saved is not KeyError:
        sys.modules["pyodide"] = saved  # type: ignore[assignment]


@pytest.mark.usefixtures("no_pyodide_entry")
class TestPyodideWorkaround:
    """``skip_pyodide_import_scan`` only acts on CPython on the Office.js path, never under Pyodide."""

    def test_not_on_the_classic_or_test_path(self, monkeypatch) -> None:
        monkeypatch.delenv("XLWINGS_ON_SERVER", raising=False)
        assert excel_addin.skip_pyodide_import_scan() is False
        assert "pyodide" not in sys.modules

    def test_never_under_pyodide(self, monkeypatch) -> None:
        monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
        monkeypatch.setattr(sys, "platform", "emscripten")
        assert excel_addin.skip_pyodide_import_scan() is False
        assert "pyodide" not in sys.modules

    def test_applied_on_cpython_server_path(self, monkeypatch) -> None:
        monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
        assert excel_addin.skip_pyodide_import_scan() is True
        assert sys.modules["pyodide"] is None
        assert excel_addin.skip_pyodide_import_scan() is True  # idempotent
        with pytest.raises(ImportError):
            from pyodide.ffi import JsNull  # noqa: F401

    def test_a_real_pyodide_package_is_left_alone(self, monkeypatch) -> None:
        monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
        monkeypatch.setattr(excel_addin.importlib.util, "find_spec", lambda name: object())
        assert excel_addin.skip_pyodide_import_scan() is False
        assert "pyodide" not in sys.modules


def test_benchmark_runs_and_reports_rows() -> None:
    """``benchmarks/bench_excel.py`` on a small range (the figures themselves: ``python3 -m benchmarks.bench_excel``)."""
    from benchmarks import bench_excel

    saved = sys.modules.get("pyodide", KeyError)
    rows = bench_excel.run(rows=200, singles=20)
    assert sys.modules.get("pyodide", KeyError) is saved  # the measurement leaves sys.modules as it was
    assert {tuple(sorted(r)) for r in rows} == {("name", "ok", "target", "unit", "value")}
    assert all(isinstance(r["value"], int | float) and r["value"] > 0 for r in rows)
    assert any("with workaround" in r["name"] for r in rows)
