"""Real server processes for the tests: `fake_server.py` (one uvicorn process) on SQLite or a
given database, started and waited for; and a writer that runs until the server is killed."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from service_helpers import ADMIN_KEY, bearer

FAKE_SERVER = Path(__file__).with_name("fake_server.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_ready(process: subprocess.Popen, url: str, timeout: float = 60) -> None:
    """Poll `url`/readyz until 200; fails if the process exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not become ready")


def start(folder: Path, *sample: str, db: str = "") -> tuple[subprocess.Popen, str]:
    """`fake_server.py` on a free port, ready: on SQLite in `folder`, or on `db` when given."""
    port = free_port()
    command = [sys.executable, str(FAKE_SERVER), str(folder), str(port), *sample]
    process = subprocess.Popen([*command, *(["--db", db] if db else [])])
    url = f"http://127.0.0.1:{port}"
    wait_until_ready(process, url)
    return process, url


def write_until_killed(
    url: str, prefix: str, acked: list[str], deleted: list[str], tried: list[str]
) -> None:
    """PUT projects (and delete every third) until the server dies; record what it confirmed
    (`acked`, `deleted`) and every deletion attempted (one may be cut off mid-flight)."""
    with httpx.Client(base_url=url, headers=bearer(ADMIN_KEY), timeout=10) as client:
        for i in range(10_000):
            project_id = f"{prefix}{i}"
            body = {
                "title": f"第{i}号可降解支架",
                "description": f"冠脉介入器械，批次{i}，需要临床试验",
                "track": "device",
                "stage": "clinical",
                "needs": ["clinical"],
            }
            try:
                if client.put(f"/api/projects/{project_id}", json=body).status_code == 200:
                    acked.append(project_id)
                if i % 3 == 2:
                    victim = f"{prefix}{i - 1}"
                    tried.append(victim)
                    if client.delete(f"/api/projects/{victim}").status_code == 204:
                        deleted.append(victim)
            except httpx.TransportError:
                return
