"""A throwaway PostgreSQL server for the store's tests: initdb in a temporary folder, one port on 127.0.0.1.

Uses the server binaries on this machine (Debian's ``postgresql`` package; ``.ci/run`` installs it
when missing). PostgreSQL refuses to run as root, so under root the server runs as the ``postgres``
user. Without binaries the tests that need it are skipped with the reason (``LIQCALC_REQUIRE_POSTGRES=1``,
which ``.ci/run`` sets, turns the skip into a failure).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def missing_reason() -> str | None:
    """Why no server can be started here, or ``None``."""
    if _binary("initdb") is None or _binary("pg_ctl") is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One server: ``url`` to connect, ``restart()`` to drop every connection."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.url = f"postgresql://liqcalc@127.0.0.1:{self.port}/postgres"
        self._as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(str(_binary("initdb")), "-D", str(self.data), "-U", "liqcalc", "-A", "trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(_binary("pg_ctl")), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run(str(_binary("pg_ctl")), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """Stop (dropping every client connection) and start again on the same port."""
        self.stop()
        self.start()


@contextmanager
def pg_server() -> Iterator[PgServer]:
    """A running server for the block; everything it wrote is deleted afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="liqcalc-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PgServer(folder)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def server_or_skip() -> Iterator[PgServer]:
    """A server for a test module, or the test skipped with the reason (failed where ``.ci/run`` requires one)."""
    import pytest

    reason = missing_reason()
    if reason is not None:
        if os.environ.get("LIQCALC_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with pg_server() as server:
        yield server


def clean_url(server: PgServer, *tables: str) -> str:
    """The server's URL, after dropping ``tables`` (each test starts empty)."""
    import psycopg

    with psycopg.connect(server.url, autocommit=True) as conn:
        for table in tables:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    return server.url
