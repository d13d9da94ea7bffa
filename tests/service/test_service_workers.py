"""Several server processes on one PostgreSQL database: a write through one process reaches
the others' lists within the staleness bound (`MATCHER_SYNC_SECONDS` plus the time to apply it),
a model version activated in one is used by all, a browser signed in through one is signed in
everywhere (and signed out everywhere by a revocation), and a job runs in exactly one process."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from live_server import start
from service_helpers import ADMIN_KEY, CARDIO, bearer

from service import crud, security, workers
from service.db import JobClaimRow, JobRow, ProcessRow, create_schema, make_engine, utcnow
from service.web.session import COOKIE

HEADERS = bearer(ADMIN_KEY)
EVENT = {"name": "复赛", "start": "14:00", "end": "15:00", "minutes": 15, "max_meetings": 2}
BOUND = 3.0  # seconds: the 0.5 s sync interval plus applying one change, on a busy 2-core machine


@dataclass(frozen=True)
class Two:
    a: httpx.Client
    b: httpx.Client
    db_url: str
    folder: Path


@pytest.fixture
def two(tmp_path: Path, postgres) -> Iterator[Two]:
    """Two server processes sharing one data folder and one PostgreSQL database."""
    db_url = postgres.create()
    processes = []
    try:
        first, url_a = start(tmp_path, db=db_url)  # the first bootstraps (sample, key)
        processes.append(first)
        second, url_b = start(tmp_path, db=db_url)
        processes.append(second)
        with (
            httpx.Client(base_url=url_a, headers=HEADERS, timeout=30) as a,
            httpx.Client(base_url=url_b, headers=HEADERS, timeout=30) as b,
        ):
            yield Two(a, b, db_url, tmp_path)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        postgres.drop(db_url)


def _within_bound(check, what: str) -> float:
    """Seconds until `check()` holds; fails the test after BOUND."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < BOUND, f"{what}: still stale after {BOUND} s"
        time.sleep(0.02)
    return time.monotonic() - start


def _ids(client: httpx.Client, path: str) -> list[str]:
    response = client.get(path)
    return [m["id"] for m in response.json()["data"]] if response.status_code == 200 else []


@pytest.mark.slow
def test_a_write_in_one_process_reaches_the_other_within_the_bound(two):
    a, b = two.a, two.b
    assert b.get("/api/projects/P9/matches?k=10").status_code == 404
    assert a.put("/api/projects/P9", json=CARDIO).status_code == 200
    _within_bound(lambda: len(_ids(b, "/api/projects/P9/matches?k=10")) == 6, "new project")
    assert _ids(b, "/api/projects/P9/matches?k=10") == _ids(a, "/api/projects/P9/matches?k=10")

    assert b.delete("/api/resources/R1").status_code == 204  # the other way round
    _within_bound(lambda: "R1" not in _ids(a, "/api/projects/P9/matches?k=10"), "deleted provider")
    _within_bound(lambda: "P9" in _ids(b, "/api/resources/R2/matches?k=10"), "reverse list")
    assert a.get("/readyz").json()["status"] == "ready"
    assert b.get("/readyz").json()["status"] == "ready"

    credential = a.post("/api/tokens", json={"project_id": "P1"}).json()["token"]
    token, key_id = bearer(credential), security.split(credential)[0]
    assert b.get("/api/projects/P1/matches", headers=token).status_code == 200  # cached in B
    assert a.delete(f"/api/tokens/{key_id}").status_code == 204
    assert b.get("/api/projects/P1/matches", headers=token).status_code == 401  # at once

    event = a.post("/api/events", json=EVENT).json()["id"]  # a plan job asked of one process
    job = b.post(f"/api/events/{event}/plans", json={"seed": 1}).json()["id"]
    deadline = time.monotonic() + 60
    while (done := a.get(f"/api/jobs/{job}").json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, done
        time.sleep(0.05)
    assert done["status"] == "done", done["message"]
    plans = a.get(f"/api/plans?event_id={event}").json()
    assert [p["id"] for p in plans["data"]] == [done["plan_id"]]  # ran once


def _web_login(client: httpx.Client, key: str) -> None:
    """Sign in through the login form, as a browser does (the cookie stays in `client`)."""
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    answer = client.post("/login", data={"key": key, "csrf": csrf.group(1)})
    assert answer.status_code == 303, answer.text


@pytest.mark.slow
def test_a_browser_signed_in_through_one_process_is_honoured_by_the_other(two):
    url_a, url_b = str(two.a.base_url), str(two.b.base_url)
    with (
        httpx.Client(base_url=url_a, timeout=30, follow_redirects=False) as web_a,
        httpx.Client(base_url=url_b, timeout=30, follow_redirects=False) as web_b,
    ):
        _web_login(web_a, ADMIN_KEY)
        web_b.cookies.set(COOKIE, web_a.cookies[COOKIE])
        answer = web_b.get("/projects")
        assert answer.status_code == 200, answer.headers.get("location")
        assert "P1" in answer.text

        credential = two.a.post("/api/tokens", json={"project_id": "P1"}).json()["token"]
        key_id = security.split(credential)[0]
        web_a.cookies.clear()
        assert web_a.get("/me", params={"token": credential}).status_code == 200
        web_b.cookies.set(COOKIE, web_a.cookies[COOKIE])
        assert web_b.get("/projects/P1").status_code == 200  # known to B, cached there
        assert web_a.get("/projects/P1").status_code == 200
        assert two.a.delete(f"/api/tokens/{key_id}").status_code == 204
        for web in (web_a, web_b):
            _within_bound(lambda web=web: web.get("/projects/P1").status_code == 303, "sign-out")
            assert web.get("/projects/P1").headers["location"].startswith("/login")


@pytest.mark.slow
def test_an_import_and_a_model_activation_reach_every_process(two):
    a, b = two.a, two.b
    sheet = "项目编号,项目名称,赛道,阶段,项目简介,当前需求\n" + "".join(
        f"N{i},第{i}号支架,医疗器械与智能制造,临床试验,冠脉介入器械，需要临床试验,临床资源/临床试验\n"
        for i in range(20)
    )
    files = {"file": ("projects.csv", sheet.encode())}
    assert a.post("/api/projects/import", files=files).status_code == 200
    _within_bound(lambda: all(_ids(b, f"/api/projects/N{i}/matches") for i in range(20)), "import")

    before = b.get("/api/projects/P1/matches?k=10").json()["data"]
    _save_version(two.folder, two.db_url)
    assert a.post("/api/models/1/activate").status_code == 200
    after_a = a.get("/api/projects/P1/matches?k=10").json()["data"]
    assert after_a != before
    _within_bound(lambda: b.get("/api/projects/P1/matches?k=10").json()["data"] == after_a, "model")


@pytest.mark.slow
def test_concurrent_writers_in_both_processes_leave_both_catalogues_equal_to_the_database(two):
    import threading

    def write(client: httpx.Client, prefix: str) -> None:
        for i in range(12):
            body = {**CARDIO, "title": f"{prefix}第{i}号球囊"}
            assert client.put(f"/api/projects/{prefix}{i}", json=body).status_code == 200
            if i % 4 == 3:
                assert client.delete(f"/api/projects/{prefix}{i - 1}").status_code == 204
        resource = {"name": f"{prefix}基金", "type": "investor", "offers": ["funding"]}
        assert client.put(f"/api/resources/{prefix}R", json=resource).status_code == 200

    writers = [threading.Thread(target=write, args=(c, p)) for c, p in ((two.a, "A"), (two.b, "B"))]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    stored = {p["project_id"] for p in two.a.get("/api/projects?limit=1000").json()["data"]}
    expected = {f"{p}{i}" for p in "AB" for i in range(12) if i % 4 != 2} | {"P1", "P2", "P3"}
    assert stored == expected

    def same_everywhere() -> bool:
        lists = [
            [_ids(c, f"/api/resources/{r}/matches?k=100") for r in ("AR", "BR", "R2")]
            for c in (two.a, two.b)
        ]
        return lists[0] == lists[1] and set(lists[0][0]) == expected

    _within_bound(same_everywhere, "concurrent writes")
    for client in (two.a, two.b):
        assert client.get("/readyz").json()["status"] == "ready"


def _save_version(folder: Path, db_url: str) -> None:
    """A fitted fusion stored as version 1 (not active), as a losing refit would leave it."""
    import numpy as np
    from sqlalchemy.orm import sessionmaker

    from matcher.features import feature_names
    from matcher.fusion import Fusion
    from service import versions
    from service.db import make_engine

    rng = np.random.default_rng(0)
    names = feature_names(("hash",))
    fusion = Fusion(names, "linear").fit(
        rng.random((6, 10, len(names))), rng.integers(0, 4, (6, 10)).astype(float)
    )
    engine = make_engine(db_url)
    with sessionmaker(engine, expire_on_commit=False)() as session:
        versions.save_version(
            session, folder, fusion, label_counts={}, labels_sha256="", comparison={"wins": True}
        )
    engine.dispose()


DATABASES = ("sqlite", "postgresql")  # conftest: the tests using `database` run on both


def _sessions(database: str, folder: Path):
    from sqlalchemy.orm import sessionmaker

    engine = make_engine(database or f"sqlite:///{folder / 'matcher.db'}")
    create_schema(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)


def test_a_job_is_claimed_by_one_process_only(database, tmp_path):
    engine, sessions = _sessions(database, tmp_path)
    with sessions() as session:
        job = crud.add_job(session, "plan", 1, {})
        assert workers.claim(session, job.id, "host:1:a")
        assert not workers.claim(session, job.id, "host:2:b")
        assert session.get(JobClaimRow, job.id).owner == "host:1:a"
    engine.dispose()


def test_jobs_of_stopped_processes_fail_and_those_of_live_ones_do_not(database, tmp_path):
    from datetime import timedelta

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # its pid is gone
    here = socket.gethostname()
    live, stale, gone = f"{here}:{os.getpid()}:a", "elsewhere:7:b", f"{here}:{ended.pid}:c"
    engine, sessions = _sessions(database, tmp_path)
    long_ago = utcnow() - timedelta(seconds=workers.DEAD_AFTER + 5)
    with sessions() as session:
        session.add_all([ProcessRow(id=live), ProcessRow(id=gone), ProcessRow(id=stale)])
        session.commit()
        session.get(ProcessRow, stale).seen_at = long_ago
        session.commit()
        jobs = {
            name: crud.add_job(session, "plan", 1, {}).id
            for name in ("live", "stale", "gone", "new", "old")
        }
        for name, owner in (("live", live), ("stale", stale), ("gone", gone)):
            assert workers.claim(session, jobs[name], owner)
        crud.update_job(session, jobs["old"], created_at=long_ago)
        assert workers.fail_orphaned_jobs(session) == 3
        status = {name: session.get(JobRow, i).status for name, i in jobs.items()}
    engine.dispose()
    assert status == {
        "live": "queued",
        "stale": "failed",
        "gone": "failed",
        "new": "queued",
        "old": "failed",
    }
