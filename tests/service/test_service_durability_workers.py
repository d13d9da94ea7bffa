"""The roles-and-durability check on PostgreSQL with `matcher serve --workers 2` (issue 13): an
organiser's import reaches both processes (within the staleness bound); a project or provider token reads only its own
records through either, and is refused on others' and on organiser endpoints; a revoked token
is refused by both at once; after SIGKILL to the whole server during writes, a restart on the
same database has every acknowledged write and serves full lists from both processes."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from live_server import write_until_killed
from service_helpers import ADMIN_KEY, bearer
from workers_server import start

ADMIN = bearer(ADMIN_KEY)
EACH = 4  # rounds of checks each worker must answer
# Every check of the revoked token is a failure from this one address: without a higher limit
# the address would be refused (429) before both workers had answered often enough.
GENEROUS = {"MATCHER_FAILURES_PER_CLIENT": "1000"}
BOUND = 3.0  # seconds for a write to reach the other worker (as in test_service_workers.py)
SHEET = "项目编号,项目名称,赛道,阶段,项目简介,当前需求\n" + "".join(
    f"D{i},第{i}号支架,医疗器械与智能制造,临床试验,冠脉介入器械，需要临床试验,临床资源/临床试验\n"
    for i in range(10)
)
OTHERS_OF_PROJECT = (  # what the P1 token may not read
    "/api/projects/P2/matches",
    "/api/projects/P2",
    "/api/projects/D3/matches",
    "/api/resources/R1/matches",
    "/api/projects",
    "/api/tokens",
    "/api/events",
    "/api/judgments",
)
OTHERS_OF_PROVIDER = (  # what the R3 token may not read
    "/api/resources/R2/matches",
    "/api/projects/P3/matches",
    "/api/projects/D3",
    "/api/resources",
    "/api/tokens",
)


def through_each_worker(
    url: str, check: Callable[[httpx.Client], None], each: int = EACH
) -> Counter[int]:
    """Run `check` on fresh connections until each of the 2 workers ran it `each` times (a
    connection stays with the worker that accepted it; `/readyz` names that worker)."""
    runs: Counter[int] = Counter()
    for _ in range(200):
        with httpx.Client(base_url=url, timeout=30) as client:
            ready = client.get("/readyz").json()
            assert ready["status"] == "ready", ready
            check(client)
            runs[ready["process"]] += 1
        if len(runs) == 2 and min(runs.values()) >= each:
            return runs
    raise AssertionError(f"both workers should have answered: {runs}")


def _token(client: httpx.Client, **subject: str) -> tuple[dict[str, str], str]:
    issued = client.post("/api/tokens", json=subject, headers=ADMIN).json()
    return bearer(issued["token"]), issued["token_id"]


@pytest.mark.slow
def test_roles_and_durability_with_two_workers(tmp_path, postgres):
    db = postgres.create()
    server = start(tmp_path, db, settings=GENEROUS)
    try:
        with httpx.Client(base_url=server.url, headers=ADMIN, timeout=30) as organiser:
            files = {"file": ("projects.csv", SHEET.encode())}
            assert organiser.post("/api/projects/import", files=files).status_code == 200
            project, project_key = _token(organiser, project_id="P1")
            provider, _ = _token(organiser, resource_id="R3")

        imported_at = time.monotonic()

        def roles_hold(client: httpx.Client) -> None:
            while not all(  # the import, in this worker within the staleness bound
                client.get(f"/api/projects/D{i}/matches", headers=ADMIN).status_code == 200
                for i in range(10)
            ):
                assert time.monotonic() - imported_at < BOUND, "the import is stale here"
                time.sleep(0.05)
            assert client.get("/api/projects/P1/matches", headers=project).status_code == 200
            assert client.get("/api/projects/P1", headers=project).status_code == 200
            for path in OTHERS_OF_PROJECT:
                assert client.get(path, headers=project).status_code in (403, 404), path
            assert client.delete("/api/projects/P1", headers=project).status_code == 403
            assert client.post("/api/projects/import", headers=project).status_code == 403
            assert client.get("/api/resources/R3/matches", headers=provider).status_code == 200
            for path in OTHERS_OF_PROVIDER:
                assert client.get(path, headers=provider).status_code in (403, 404), path
            assert client.put("/api/resources/R3", json={}, headers=provider).status_code == 403

        through_each_worker(server.url, roles_hold)

        with httpx.Client(base_url=server.url, headers=ADMIN, timeout=30) as organiser:
            assert organiser.delete(f"/api/tokens/{project_key}").status_code == 204

        def revoked_everywhere(client: httpx.Client) -> None:
            assert client.get("/api/projects/P1/matches", headers=project).status_code == 401
            assert client.get("/api/resources/R3/matches", headers=provider).status_code == 200

        through_each_worker(server.url, revoked_everywhere)  # at once: no waiting before

        acked: list[str] = []
        deleted: list[str] = []
        tried: list[str] = []
        writers = [
            threading.Thread(target=write_until_killed, args=(server.url, p, acked, deleted, tried))
            for p in ("KA-", "KB-")
        ]
        for writer in writers:
            writer.start()
        time.sleep(1.0)
    finally:
        server.kill()  # SIGKILL to the supervisor and both workers, mid-write
    try:
        for writer in writers:
            writer.join(timeout=30)
        assert len(acked) > 3, "the writers should have got some writes in"
        kept = set(acked) - set(tried)

        server = start(tmp_path, db, settings=GENEROUS)

        def durable(client: httpx.Client) -> None:
            stored = {
                p["project_id"]
                for p in client.get("/api/projects?limit=1000", headers=ADMIN).json()["data"]
            }
            assert kept <= stored and not set(deleted) & stored
            for project_id in sorted(kept):
                matches = client.get(f"/api/projects/{project_id}/matches?k=10", headers=ADMIN)
                assert matches.status_code == 200 and len(matches.json()["data"]) == 6
            for project_id in deleted:
                assert client.get(f"/api/projects/{project_id}", headers=ADMIN).status_code == 404
            reverse = client.get("/api/resources/R3/matches?k=100", headers=ADMIN).json()["data"]
            assert not set(deleted) & {m["id"] for m in reverse}
            assert client.get("/api/projects/P1/matches", headers=project).status_code == 401
            assert client.get("/api/resources/R3/matches", headers=provider).status_code == 200

        through_each_worker(server.url, durable, each=1)
    finally:
        server.kill()
        postgres.drop(db)
