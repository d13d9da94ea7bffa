"""`matcher serve --workers N` as a real server for the tests (`fake_workers_server.py`, the
fake encoder), in its own process group: stopped, or killed with every worker at once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from live_server import free_port, wait_until_ready
from service_helpers import ADMIN_KEY, FIXTURES

SCRIPT = Path(__file__).with_name("fake_workers_server.py")


@dataclass
class Workers:
    process: subprocess.Popen
    url: str
    log: IO[bytes]

    def kill(self) -> None:
        """SIGKILL to the whole group: the supervisor and every worker, mid-whatever."""
        with contextlib.suppress(ProcessLookupError):  # the group has already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is not None:
            self.log.close()
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.log.close()


def launch(
    folder: Path,
    db: str,
    workers: int = 2,
    slow_load: float = 0.0,
    settings: dict[str, str] | None = None,
) -> Workers:
    """Start the server without waiting: `slow_load` seconds more for all workers but one;
    `settings`: more MATCHER_* variables for it."""
    port = free_port()
    env = {
        **os.environ,
        "MATCHER_DATA_DIR": str(folder),
        "MATCHER_ADMIN_KEY": ADMIN_KEY,
        "MATCHER_SAMPLE_DIR": str(FIXTURES),
        "MATCHER_LOAD_SAMPLE": "1",
        "MATCHER_FUSION": "zscore",
        "MATCHER_ENCODERS": "hash",
        "MATCHER_MODELS_DIR": str(folder / "models"),
        "MATCHER_CACHE_DIR": str(folder / "cache"),
        "FAKE_LOAD_SECONDS": str(slow_load),
        **(settings or {}),
    }
    (folder / "first-worker-loaded").unlink(missing_ok=True)
    command = [sys.executable, str(SCRIPT), "--db", db, "--port", str(port)]
    log = open(folder / f"server-{port}.log", "wb")  # noqa: SIM115 -- closed with the server
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, workers included
    )
    return Workers(process, f"http://127.0.0.1:{port}", log)


def start(
    folder: Path, db: str, workers: int = 2, settings: dict[str, str] | None = None
) -> Workers:
    """Start the server and wait until /readyz answers 200."""
    server = launch(folder, db, workers, settings=settings)
    try:
        wait_until_ready(server.process, server.url)
    except BaseException:
        server.kill()
        raise
    return server
