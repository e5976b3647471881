"""Fixtures shared by the test packages."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.pg_server import PgServer, server_or_skip

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sdist and the wheel, built as ``make dist`` builds them (without isolation: no download)."""
    folder = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(folder), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    yield folder


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """One real PostgreSQL server for every test that asks for it (each cleans its own tables with
    ``clean_url``); skipped where the binaries are missing, failed where ``.ci/run`` requires them."""
    with server_or_skip() as server:
        yield server
