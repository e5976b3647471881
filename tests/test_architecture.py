"""The shape of the code base: core stays pure, its public API is locked."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import core

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = {"telegram", "xlwings", "httpx", "requests", "sqlite3", "logging", "os", "socket", "asyncio", "market"}


def test_core_imports_no_front_end_or_io_module() -> None:
    offenders = []
    for path in (ROOT / "core").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            offenders += [f"{path.name}: {n}" for n in names if n in FORBIDDEN]
    assert offenders == []


def test_importing_core_loads_no_front_end_library() -> None:
    code = "import sys, core; print(sorted(m for m in ('telegram','xlwings','httpx','matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def _isort_key(name: str) -> tuple[int, str]:
    """ruff RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_public_api_is_sorted_and_complete() -> None:
    assert core.__all__ == sorted(core.__all__, key=_isort_key)
    assert len(set(core.__all__)) == len(core.__all__)
    assert all(hasattr(core, name) for name in core.__all__)
    assert not [n for n in core.__all__ if n.startswith("_")]


def test_front_ends_do_not_import_private_core_modules() -> None:
    offenders = []
    for folder in ("bot", "excel_addin"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core._"):
                    offenders.append(f"{path}: {node.module}")
    assert offenders == []


MARKET_IO = {"transport.py", "sources.py", "cache.py", "service.py"}  # the only market modules that do I/O


def test_market_parsers_are_sans_io() -> None:
    """The market-data parsers, the book and the wording take data and return core types: no network, files, logging.

    I/O lives in four named modules: transport (httpx), sources (which requests), cache (SQLite,
    PostgreSQL) and service (refresh, logging).
    """
    io_modules = {"httpx", "requests", "socket", "sqlite3", "logging", "os", "asyncio", "urllib", "psycopg"}
    offenders = []
    for path in (ROOT / "market").glob("*.py"):
        if path.name in MARKET_IO:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] in io_modules]
    assert offenders == []
