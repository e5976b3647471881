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
    assert len(defined) == 22  # LIQ_MARK (issue 12) is the 21st, LIQ_WHY (issue 13) the 22nd


@pytest.mark.parametrize("function", FUNCTIONS, ids=udfs.__all__)
class TestSignature:
    def test_positional_without_hints(self, function) -> None:
        signature = inspect.signature(function)
        kinds = {p.kind for p in signature.parameters.values()}
        assert kinds <= {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL}
        assert inspect.Parameter.POSITIONAL_OR_KEYWORD in kinds
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
            if isinstance(arg, ast.Starred):  # *_TRADE or *_TRADE[:-1]
                names += list(eval(ast.unparse(arg.value), {"_TRADE": udfs._TRADE}))
            else:
                assert isinstance(arg, ast.Constant)
                names.append(arg.value.partition(":")[0])  # "leverage:pnl_leverage": the name, its help key
        vararg = [node.args.vararg.arg] if node.args.vararg else []
        assert names == [a.arg for a in node.args.args] + vararg, node.name
        checked += 1
    assert checked == len(udfs.__all__)


def test_trade_tuple_in_decorators_is_the_trade_signature() -> None:
    assert list(inspect.signature(udfs.LIQ_PRICE).parameters) == list(udfs._TRADE)


def _parameters(function) -> list[inspect.Parameter]:
    return list(inspect.signature(function).parameters.values())


@pytest.mark.parametrize("function", FUNCTIONS, ids=udfs.__all__)
def test_required_arguments_come_first_and_have_no_default(function) -> None:
    """Issue 13: 'side shows as optional but is required'. What a function cannot answer without has no
    default (Excel shows it as required) and sits before every optional argument."""
    parameters = [p for p in _parameters(function) if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
    assert [p.name for p in parameters[: len(required)]] == required
    if "side" in [p.name for p in parameters] and function not in (udfs.LIQ_DCA, udfs.LIQ_TEXT):
        assert "side" in required, function.__name__  # DCA: long by default; LIQ_TEXT: both sides


TRADE_TAKERS = [f for f in FUNCTIONS if "leverage" in inspect.signature(f).parameters and "margin" in
                inspect.signature(f).parameters and f is not udfs.LIQ_REVIEW]  # fmt: skip


@pytest.mark.parametrize("function", TRADE_TAKERS, ids=[f.__name__ for f in TRADE_TAKERS])
def test_a_trade_is_the_same_arguments_in_the_same_order(function) -> None:
    """Issue 13: 'the balance is the 9th argument in LIQ_PRICE and the 5th in LIQ_COMPARE'. Every function
    that takes a trade takes LIQ_PRICE's arguments as one block, after its own required ones."""
    names = [p.name for p in _parameters(function)]
    own = names.index("entry")
    block = names[own:]
    assert block == list(udfs._TRADE[: len(block)]), function.__name__
    assert len(block) >= len(udfs._TRADE) - 1  # LIQ_COMPARE has no mode: it shows both
    assert all(p.default is inspect.Parameter.empty for p in _parameters(function)[: own + 2])


@pytest.mark.parametrize("name", ["entry", "side"])
def test_entry_and_side_lead_where_there_is_no_own_argument(name) -> None:
    for function in (udfs.LIQ_PNL, udfs.LIQ_ROE, udfs.LIQ_TARGET_PRICE, udfs.LIQ_MAX_LEVERAGE, udfs.LIQ_PRICE):
        assert [p.name for p in _parameters(function)].index(name) == ("entry", "side").index(name)


@pytest.mark.parametrize("name", sorted(udfs.ARG_DOCS))
def test_help_says_the_unit(name) -> None:
    """Issue 13: help texts say the unit: USDT for prices and amounts, coins for quantities, a fraction
    (and the % cell that holds it) for rates, a multiple for leverages."""
    units = {
        "USDT": {"entry", "margin", "balance", "account", "wallet", "stop_price", "exit_price", "fill_prices"},
        "coins": {"quantity", "pnl_quantity", "fill_quantities", "positions"},
        "fraction": {"mmr", "fee", "funding_rate", "risk", "roe", "buffer", "risk_limit"},
        "multiple": {"leverage", "roe_leverage"},
    }
    wanted = [unit for unit, names in units.items() if name in names]
    assert all(unit in udfs.ARG_DOCS[name] for unit in wanted), (name, udfs.ARG_DOCS[name])
    assert wanted or name in {
        "side", "venue", "symbol", "mode", "periods", "pnl_leverage", "trade", "text_side", "call_text", "dca_side",
        "mark_symbol", "mark_venue", "function_name", "args",
    }  # fmt: skip


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
