"""The bot serves its own wheel for xlwings Lite: HTTP(S) with the CORS header Lite needs (issue 13).

Why the header: Lite's micropip fetches a requirements URL from the page at https://addin.xlwings.org
(``shared/EXCEL.md`` §1 and §6: "HTTP with CORS only"), so the response must carry
``Access-Control-Allow-Origin: https://addin.xlwings.org``; and the page is HTTPS, so the URL must be too.
The wheel installing and computing in a real Pyodide: ``tests/excel_addin/test_excel_pyodide.py``.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import httpx
import pytest
from botharness import bot_env, free_port, start_bot, wait_for_port
from pydantic import ValidationError

from bot.config import BotSettings
from bot.wheel_host import LITE_ORIGIN, WheelHost, WheelSettings
from tests.certs import self_signed

WHEEL = "liqcalc-0.1.0-py3-none-any.whl"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / WHEEL).write_bytes(b"PK\x03\x04 a wheel is a zip" * 100)
    (folder / "liqcalc-0.1.0.tar.gz").write_bytes(b"not served")
    (tmp_path / "secret.txt").write_text("never served")
    return folder


async def _exchange(host: WheelHost, method: str, path: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"{host.scheme}://127.0.0.1:{host.port}", **kwargs) as client:
        return await client.request(method, path, headers={"Origin": LITE_ORIGIN})


def test_serves_the_wheel_with_the_lite_cors_header(dist: Path) -> None:
    async def scenario() -> list[httpx.Response]:
        host = WheelHost(WheelSettings(port=0, directory=dist))
        await host.start()
        try:
            return [
                await _exchange(host, "GET", f"/{WHEEL}"),
                await _exchange(host, "HEAD", f"/{WHEEL}"),
                await _exchange(host, "OPTIONS", f"/{WHEEL}"),
                await _exchange(host, "GET", "/"),
                await _exchange(host, "GET", "/liqcalc-0.1.0.tar.gz"),
                await _exchange(host, "GET", "/../secret.txt"),
                await _exchange(host, "GET", "/%2E%2E/secret.txt"),
                await _exchange(host, "POST", f"/{WHEEL}"),
            ]
        finally:
            await host.close()

    got, head, preflight, index, sdist, up, encoded, post = asyncio.run(scenario())
    assert got.status_code == 200 and got.content == (dist / WHEEL).read_bytes()
    assert got.headers["access-control-allow-origin"] == "https://addin.xlwings.org"
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == (dist / WHEEL).stat().st_size
    assert preflight.status_code == 204 and "GET" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-origin"] == LITE_ORIGIN
    assert index.text == f"{WHEEL}\n"
    assert [r.status_code for r in (sdist, up, encoded)] == [404, 404, 404]  # wheels only, by exact name
    assert b"never served" not in up.content + encoded.content
    assert post.status_code == 405


def test_https_with_the_given_certificate(dist: Path, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)

    async def scenario() -> httpx.Response:
        host = WheelHost(WheelSettings(port=0, directory=dist, cert=cert, key=key))
        await host.start()
        try:
            assert host.scheme == "https"
            return await _exchange(host, "GET", f"/{WHEEL}", verify=ssl.create_default_context(cafile=str(cert)))
        finally:
            await host.close()

    response = asyncio.run(scenario())
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == LITE_ORIGIN


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIQCALC_WHEEL_PORT", "8765")
    monkeypatch.setenv("LIQCALC_WHEEL_DIR", str(tmp_path))
    wheel = BotSettings().wheel
    assert wheel == WheelSettings(port=8765, directory=tmp_path)
    monkeypatch.setenv("LIQCALC_WHEEL_PORT", "")
    assert BotSettings().wheel is None  # off unless asked for
    monkeypatch.setenv("LIQCALC_WHEEL_PORT", "99999")
    with pytest.raises(ValidationError, match="wheel_port"):
        BotSettings()
    monkeypatch.setenv("LIQCALC_WHEEL_PORT", "8765")
    monkeypatch.setenv("LIQCALC_WHEEL_CERT", "cert.pem")
    with pytest.raises(ValidationError, match="LIQCALC_WHEEL_CERT and LIQCALC_WHEEL_KEY"):
        BotSettings()


@pytest.mark.slow
def test_the_unmodified_bot_serves_it(emu, dist: Path, tmp_path: Path) -> None:
    """``python -m bot`` against the Bot API emulator, with ``LIQCALC_WHEEL_PORT`` set."""
    port = free_port()
    env = bot_env(emu, tmp_path / "bot.sqlite3", LIQCALC_WHEEL_PORT=str(port), LIQCALC_WHEEL_DIR=str(dist))
    process = start_bot(env, tmp_path / "bot.log")
    try:
        wait_for_port(port)
        response = httpx.get(f"http://127.0.0.1:{port}/{WHEEL}", headers={"Origin": LITE_ORIGIN}, timeout=10)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert response.status_code == 200 and response.content == (dist / WHEEL).read_bytes()
    assert response.headers["access-control-allow-origin"] == LITE_ORIGIN
    assert f"wheel host: http://127.0.0.1:{port}/{WHEEL}" in (tmp_path / "bot.log").read_text()
