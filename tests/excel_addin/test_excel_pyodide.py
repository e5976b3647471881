"""The xlwings Lite install path, for real: the wheel ``make dist`` builds, served by the bot's wheel host
over HTTPS, installs into a real Pyodide running under Node, and ``core`` computes the seed example there.

What is real here: Pyodide 314.0.8 (Python 3.14, the npm ``pyodide`` package, offline), its
``loadPackage`` fetching wheel URLs as Lite's micropip does, pydantic-core's own Pyodide build from PyPI
(``pyemscripten_2026_0_wasm32``), and the bot's :class:`bot.wheel_host.WheelHost` with a certificate.
What is not: Excel and the Lite add-in themselves (Microsoft's sandbox at https://addin.xlwings.org;
its CORS check is the header asserted in ``tests/bot/test_wheel_host.py``), numpy (Lite takes
Pyodide's numpy from its CDN, which this machine cannot reach; ``import core`` does not load it), and
xlwings' Office.js bridge. Pyodide's lock pins pydantic 2.12.5 on its CDN; PyPI's Pyodide wheels start
at pydantic-core 2.47, so the test installs pydantic 2.14.4 with pydantic-core 2.50.5 (core's
``pydantic>=2.5`` admits both).

Setup (once per cache, ``.cache/pyodide`` in the checkout): ``npm install pyodide@314.0.8`` and
``pip download`` of the dependency wheels. Without Node or the registries the test is skipped, except
under ``LIQCALC_REQUIRE_PYODIDE=1`` (CI), where it fails.

Expected values: 45,250 = 50,000·(1 − 1/10 + 0.005) (PRODUCT.md §6); 54,750 its short (derivations D1);
45,180.8 = Binance bracket 1 on the bundled 2024-09-26 BTCUSDT table (``test_excel_udfs.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.wheel_host import WheelHost, WheelSettings
from tests.certs import self_signed

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent / "pyodide"
CACHE = ROOT / ".cache" / "pyodide"
PYODIDE_VERSION = "314.0.8"
PLATFORM = ["--platform", "pyemscripten_2026_0_wasm32", "--python-version", "3.14", "--abi", "cp314"]
DEPENDENCIES = {  # pure wheels, then pydantic-core's Pyodide build: in the order Pyodide loads them
    "typing_extensions-4.16.0-py3-none-any.whl": ["typing-extensions==4.16.0"],
    "annotated_types-0.7.0-py3-none-any.whl": ["annotated-types==0.7.0"],
    "typing_inspection-0.4.5-py3-none-any.whl": ["typing-inspection==0.4.5"],
    "pydantic_core-2.50.5-cp314-cp314-pyemscripten_2026_0_wasm32.whl": ["pydantic-core==2.50.5", *PLATFORM],
    "pydantic-2.14.4-py3-none-any.whl": ["pydantic==2.14.4"],
}


def _unavailable(reason: str) -> None:
    if os.environ.get("LIQCALC_REQUIRE_PYODIDE") == "1":
        pytest.fail(f"Pyodide test required here (LIQCALC_REQUIRE_PYODIDE=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pyodide_dir() -> Path:
    """The npm ``pyodide`` package, installed once into the cache."""
    folder = CACHE / "node_modules" / "pyodide"
    if (folder / "pyodide.asm.wasm").exists():
        return folder
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("Node.js and npm are not installed")
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), f"pyodide@{PYODIDE_VERSION}"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        _unavailable(f"npm install pyodide@{PYODIDE_VERSION} failed: {done.stderr[-500:]}")
    return folder


@pytest.fixture(scope="module")
def served(built_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[str]]]:
    """The bot's wheel host over HTTPS serving the built liqcalc wheel and its dependencies' wheels."""
    folder = tmp_path_factory.mktemp("served")
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for name, spec in DEPENDENCIES.items():
        if not (wheels / name).exists():
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d",
                 str(wheels), *spec],
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            if done.returncode != 0 or not (wheels / name).exists():
                _unavailable(f"pip download {spec[0]} failed: {done.stderr[-500:]}")
        shutil.copy(wheels / name, folder / name)
    (liqcalc,) = built_dist.glob("liqcalc-*.whl")
    shutil.copy(liqcalc, folder / liqcalc.name)
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    loop = asyncio.new_event_loop()
    host = WheelHost(WheelSettings(port=0, directory=folder, cert=cert, key=key))
    loop.run_until_complete(host.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    base = f"https://127.0.0.1:{host.port}"
    try:
        yield base, cert, [*DEPENDENCIES, liqcalc.name]
    finally:
        asyncio.run_coroutine_threadsafe(host.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_the_make_dist_wheel_installs_and_computes_in_pyodide(pyodide_dir: Path, served) -> None:
    base, cert, names = served
    environment = {**os.environ, "NODE_EXTRA_CA_CERTS": str(cert), "NODE_PATH": str(CACHE / "node_modules")}
    script = CACHE / "run.mjs"  # beside node_modules, so `import "pyodide"` resolves there
    shutil.copy(HERE / "run.mjs", script)
    done = subprocess.run(
        ["node", str(script), f"{pyodide_dir}/", str(HERE / "seed.py"), *(f"{base}/{name}" for name in names)],
        capture_output=True, text=True, timeout=300, env=environment, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    answer = result["answer"]
    assert answer["platform"] == "emscripten" and answer["python"].startswith("3.14")
    assert answer["core_file"].startswith("/lib/python3.14/site-packages/core/")  # from the served wheel
    assert answer["textbook"] == pytest.approx(45_250.0, abs=1e-9)
    assert answer["short"] == pytest.approx(54_750.0, abs=1e-9)
    assert answer["binance"] == pytest.approx(45_180.8, abs=1e-9)
    assert answer["binance_as_of"] == "2024-09-26"  # the bundled tables travel in the wheel
    assert answer["numpy_loaded"] is False
