"""``make dist`` (issue 13): the sdist and the wheel build, pass ``twine check --strict`` and carry every package.

Built without isolation (the installed setuptools, no download), as ``make dist`` builds them with it.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


def test_the_release_files_build_and_pass_twine(built_dist: Path) -> None:
    tmp_path = built_dist
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["liqcalc-0.1.0-py3-none-any.whl", "liqcalc-0.1.0.tar.gz"]
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *(str(tmp_path / f) for f in files)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    names = zipfile.ZipFile(tmp_path / files[0]).namelist()
    for package in ("core", "bot", "excel_addin", "market"):
        assert f"{package}/__init__.py" in names
    assert "core/tier_tables/binance_BTCUSDT.json" in names and "core/py.typed" in names
