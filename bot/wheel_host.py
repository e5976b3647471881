"""Serve liqcalc's own wheel over HTTP(S) with the CORS header xlwings Lite needs.

xlwings Lite installs the ``requirements.txt`` lines with micropip inside Excel's browser sandbox:
a wheel URL is fetched by the page at ``https://addin.xlwings.org``, so the host must answer with
``Access-Control-Allow-Origin: https://addin.xlwings.org`` and over HTTPS (the page is HTTPS; the
browser blocks plain HTTP from it). liqcalc is not on PyPI yet, so a trader (or a group's admin)
runs the bot with ``LIQCALC_WHEEL_PORT`` set and puts ``https://HOST:PORT/liqcalc-<version>-py3-none-any.whl``
in Lite's requirements.

Usage::

    make dist                                           # builds dist/liqcalc-0.1.0-py3-none-any.whl
    LIQCALC_WHEEL_PORT=8765 LIQCALC_WHEEL_CERT=cert.pem LIQCALC_WHEEL_KEY=key.pem python -m bot
    python -m bot.wheel_host                            # the same server on its own

Only the wheels (``*.whl``) in ``LIQCALC_WHEEL_DIR`` (default ``dist``) are served, by exact name;
``/`` lists them. Without a certificate the server speaks plain HTTP, for a TLS proxy in front (or
tests). Settings: ``LIQCALC_WHEEL_PORT`` (unset: off), ``LIQCALC_WHEEL_LISTEN`` (default 127.0.0.1;
0.0.0.0 to serve other machines), ``LIQCALC_WHEEL_DIR``, ``LIQCALC_WHEEL_CERT``/``_KEY`` (PEM),
``LIQCALC_WHEEL_ORIGIN`` (default ``https://addin.xlwings.org``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LITE_ORIGIN", "WheelHost", "WheelSettings", "main"]

_logger = logging.getLogger(__name__)

LITE_ORIGIN = "https://addin.xlwings.org"
_WHEEL_NAME = re.compile(r"^/([A-Za-z0-9_.+\-]+\.whl)$")
_MAX_HEADER_BYTES = 16_384
_READ_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class WheelSettings:
    """Where and what to serve (``bot.config.BotSettings.wheel`` reads the ``LIQCALC_WHEEL_*`` variables)."""

    port: int
    directory: Path = Path("dist")
    listen: str = "127.0.0.1"
    cert: Path | None = None
    key: Path | None = None
    origin: str = LITE_ORIGIN


class WheelHost:
    """A small asyncio HTTP/1.1 server: ``GET``/``HEAD`` of a wheel, ``OPTIONS`` preflight, ``/`` index."""

    def __init__(self, settings: WheelSettings) -> None:
        self.settings = settings
        self._server: asyncio.Server | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.settings.cert else "http"

    @property
    def port(self) -> int:
        """The bound port (the one asked for, or the one the system chose for port 0)."""
        if self._server is None or not self._server.sockets:
            return self.settings.port
        return int(self._server.sockets[0].getsockname()[1])

    def wheels(self) -> list[str]:
        """The wheel file names served, sorted."""
        directory = self.settings.directory
        return sorted(p.name for p in directory.glob("*.whl") if p.is_file()) if directory.is_dir() else []

    async def start(self) -> None:
        """Listen; logs the wheel URLs (or that ``make dist`` has not been run)."""
        context = None
        if self.settings.cert and self.settings.key:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.settings.cert, self.settings.key)
        self._server = await asyncio.start_server(self._serve, self.settings.listen, self.settings.port, ssl=context)
        wheels = self.wheels()
        if not wheels:
            _logger.warning("wheel host: no wheel in %s; run make dist", self.settings.directory)
        for name in wheels:
            _logger.info("wheel host: %s://%s:%d/%s", self.scheme, self.settings.listen, self.port, name)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_SECONDS)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError, ssl.SSLError):
            writer.close()
            return
        try:
            if len(head) > _MAX_HEADER_BYTES:
                await self._reply(writer, 431, b"request headers too large\n")
                return
            method, _, rest = head.decode("latin-1").partition(" ")
            path = rest.partition(" ")[0].partition("?")[0]
            await self._answer(writer, method, path)
        except (ConnectionError, ssl.SSLError):  # the client went away
            pass
        finally:
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                writer.close()
                await writer.wait_closed()

    async def _answer(self, writer: asyncio.StreamWriter, method: str, path: str) -> None:
        if method == "OPTIONS":
            await self._reply(writer, 204, b"")
            return
        if method not in ("GET", "HEAD"):
            await self._reply(writer, 405, b"only GET, HEAD and OPTIONS\n", extra={"Allow": "GET, HEAD, OPTIONS"})
            return
        wheels = self.wheels()
        if path == "/":
            body = "".join(f"{name}\n" for name in wheels) or "no wheel here yet: run make dist\n"
            await self._reply(
                writer, 200, body.encode(), content_type="text/plain; charset=utf-8", head=method == "HEAD"
            )
            return
        match = _WHEEL_NAME.match(path)
        if match is None or match[1] not in wheels:
            await self._reply(writer, 404, f"no such wheel; these are served: {', '.join(wheels) or 'none'}\n".encode())
            return
        data = (self.settings.directory / match[1]).read_bytes()
        await self._reply(writer, 200, data, content_type="application/octet-stream", head=method == "HEAD")

    async def _reply(
        self, writer: asyncio.StreamWriter, status: int, body: bytes, *, content_type: str = "text/plain; charset=utf-8",
        head: bool = False, extra: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        reason = {200: "OK", 204: "No Content", 404: "Not Found", 405: "Method Not Allowed", 431: "Too Large"}[status]
        headers = {
            "Access-Control-Allow-Origin": self.settings.origin,
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": "*",
            "Vary": "Origin",
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "Cache-Control": "no-cache",
            "Connection": "close",
            **(extra or {}),
        }
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        writer.write("\r\n".join(lines).encode("latin-1"))
        if not head:
            writer.write(body)
        await writer.drain()


async def _run(settings: WheelSettings) -> None:
    host = WheelHost(settings)
    await host.start()
    try:
        await asyncio.Event().wait()
    finally:
        await host.close()


def main() -> int:
    """``python -m bot.wheel_host``: serve until interrupted (``LIQCALC_WHEEL_PORT`` defaults to 8765 here)."""
    from pydantic import ValidationError

    from bot.config import BotSettings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = BotSettings(**({} if os.environ.get("LIQCALC_WHEEL_PORT") else {"wheel_port": 8765})).wheel
    except ValidationError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    assert settings is not None
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
