"""A throwaway PostgreSQL for the tests: `initdb` into a temp folder, `pg_ctl` on a free port,
a fresh database per test (as /work/shared/FIELD-NOTES.md describes for this machine)."""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def binaries() -> Path | None:
    """The folder of `initdb` and `pg_ctl` (Debian keeps them out of PATH), or None."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for folder in reversed(folders):
        if (Path(folder) / "initdb").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Postgres:
    """One server in a temp folder; `create()` gives the URL of a new empty database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="medmatch-pg-"))
        self.port = _free_port()
        self._as_root = os.geteuid() == 0  # initdb refuses root: run as the postgres user
        if self._as_root:
            shutil.chown(self.folder, "postgres")
        data = self.folder / "data"
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
        self._run([*initdb, "-E", "UTF8", "--locale=C"])  # ids sort as in SQLite
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.folder / "server.log"
        self._run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        )

    def _run(self, command: list[str]) -> None:
        if self._as_root:
            command = ["su", "postgres", "-c", shlex.join(command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def create(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def drop(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ]
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
