"""16 readers and 2 writers at once against a real server process, on SQLite and PostgreSQL:
no answer is a 5xx, every write is acknowledged, and afterwards the lists hold every write."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest
from live_server import start
from service_helpers import ADMIN_KEY, bearer

DATABASES = ("sqlite", "postgresql")  # conftest: every test on both
READERS, WRITES = 16, 15
READS = (
    "/api/projects/P1/matches?k=5",
    "/api/resources/R1/matches?k=10",
    "/api/projects?limit=100",
    "/readyz",
)


def _body(i: int) -> dict:
    return {
        "title": f"第{i}号冠脉球囊",
        "description": f"药物涂层球囊，批次{i}，需要临床资源。",
        "track": "device",
        "stage": "clinical",
        "needs": ["clinical"],
    }


@pytest.mark.slow
def test_readers_and_writers_at_once_get_no_5xx(tmp_path, database):
    process, url = start(tmp_path, db=database)
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    writing = threading.Event()
    writing.set()

    def read() -> None:
        with httpx.Client(base_url=url, headers=bearer(ADMIN_KEY), timeout=30) as client:
            n = 0
            while writing.is_set():
                path = READS[n % len(READS)]
                answer = client.get(path)
                with lock:
                    statuses[answer.status_code] += 1
                    if answer.status_code >= 500:
                        errors.append(f"{path}: {answer.status_code} {answer.text[:300]}")
                n += 1

    def write(prefix: str, acked: list[str]) -> None:
        with httpx.Client(base_url=url, headers=bearer(ADMIN_KEY), timeout=30) as client:
            for i in range(WRITES):
                answer = client.put(f"/api/projects/{prefix}{i}", json=_body(i))
                assert answer.status_code == 200, answer.text
                acked.append(f"{prefix}{i}")
                if i % 5 == 4:
                    assert client.delete(f"/api/projects/{prefix}{i}").status_code == 204
                    acked.remove(f"{prefix}{i}")

    acked: dict[str, list[str]] = {"W": [], "X": []}
    try:
        readers = [threading.Thread(target=read) for _ in range(READERS)]
        writers = [threading.Thread(target=write, args=(p, acked[p])) for p in acked]
        for thread in (*readers, *writers):
            thread.start()
        started = time.monotonic()
        for thread in writers:
            thread.join(timeout=120)
        writing.clear()
        for thread in readers:
            thread.join(timeout=30)
        assert time.monotonic() - started < 120
        with httpx.Client(base_url=url, headers=bearer(ADMIN_KEY), timeout=30) as client:
            stored = {
                p["project_id"] for p in client.get("/api/projects?limit=1000").json()["data"]
            }
            reverse = {
                m["id"] for m in client.get("/api/resources/R1/matches?k=100").json()["data"]
            }
            ready = client.get("/readyz").json()
    finally:
        process.kill()
        process.wait()
    assert not errors, errors
    assert sum(statuses.values()) > READERS * 4, statuses  # the readers did read meanwhile
    written = set(acked["W"]) | set(acked["X"])
    assert len(written) == 2 * (WRITES - WRITES // 5)
    assert written <= stored and written <= reverse
    assert ready["status"] == "ready", ready
