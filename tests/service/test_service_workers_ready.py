"""`matcher serve --workers 2` on PostgreSQL: once `/readyz` first answers 200, every request
that follows is served, even while another worker is still loading its models (bench/RESULTS.md
found 503s from such a worker on the shared socket after `/readyz` turned 200)."""

from __future__ import annotations

import time

import httpx
import pytest
from service_helpers import ADMIN_KEY, bearer
from workers_server import launch

SLOW_LOAD = 6.0  # seconds the second worker loads after the first is ready
READS = 40


@pytest.mark.slow
def test_after_the_first_200_from_readyz_every_request_is_served(tmp_path, postgres):
    db = postgres.create()
    server = launch(tmp_path, db, workers=2, slow_load=SLOW_LOAD)
    fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection, any worker, each time
    try:
        with httpx.Client(base_url=server.url, timeout=30, limits=fresh) as client:
            deadline = time.monotonic() + 60
            while True:
                assert time.monotonic() < deadline, "never ready"
                assert server.process.poll() is None, "the server exited"
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            ready_at = time.monotonic()
            statuses = [
                client.get("/api/projects/P1/matches?k=3", headers=bearer(ADMIN_KEY)).status_code
                for _ in range(READS)
            ]
            answered_within = time.monotonic() - ready_at
    finally:
        server.stop()
        postgres.drop(db)
    assert answered_within < SLOW_LOAD, "the reads should fall while the second worker loads"
    assert statuses == [200] * READS, statuses
