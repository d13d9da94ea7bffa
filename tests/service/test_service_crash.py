"""Kill a real server process (SIGKILL) in the middle of writes: nothing committed is lost,
deletions stay deleted, and the restarted server's lists match the database — on SQLite and on
PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from learning_helpers import grades, write_catalogue
from live_server import start, write_until_killed
from service_helpers import ADMIN_KEY, bearer, settings_for

HEADERS = bearer(ADMIN_KEY)
DATABASES = ("sqlite", "postgresql")  # conftest: every test on both


@pytest.mark.slow
def test_sigkill_during_writes_loses_nothing_committed(tmp_path, database):
    acked: list[str] = []
    deleted: list[str] = []
    tried: list[str] = []
    for round_, kill_after in enumerate((0.8, 1.7)):
        process, url = start(tmp_path, db=database)
        writer = threading.Thread(
            target=write_until_killed, args=(url, f"K{round_}-", acked, deleted, tried)
        )
        writer.start()
        time.sleep(kill_after)
        process.kill()  # SIGKILL: no shutdown hooks, possibly mid-commit or mid-index-save
        process.wait()
        writer.join(timeout=30)
        assert len(acked) > 3, "the writer should have got some writes in"

    process, url = start(tmp_path, db=database)  # the restart checks indexes against the database
    try:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=10) as client:
            ready = client.get("/readyz").json()
            assert ready["status"] == "ready", ready
            for project_id in set(acked) - set(tried):
                assert client.get(f"/api/projects/{project_id}/matches?k=1").status_code == 200
            for project_id in deleted:
                assert client.get(f"/api/projects/{project_id}").status_code == 404
            stored = {
                p["project_id"] for p in client.get("/api/projects?limit=1000").json()["data"]
            }
            reverse = {
                m["id"] for m in client.get("/api/resources/R1/matches?k=100").json()["data"]
            }
    finally:
        process.kill()
        process.wait()
    assert not set(deleted) & stored and not set(deleted) & reverse
    assert set(acked) - set(tried) <= stored


def _active_version(folder: Path, database: str) -> bytes:
    """Before the first start: a fitted fusion saved as version 1 and made active, as a refit
    that won would leave it. Returns its model file's bytes."""
    import numpy as np
    from sqlalchemy.orm import sessionmaker

    from matcher.features import feature_names
    from matcher.fusion import Fusion
    from service import versions
    from service.db import make_engine
    from service.main import bootstrap

    settings = settings_for(
        folder,
        sample_dir=write_catalogue(folder / "sample"),
        **({"db_url": database} if database else {}),
    )
    engine = make_engine(settings.database_url)
    bootstrap(settings, engine)
    rng = np.random.default_rng(0)
    names = feature_names(("hash",))
    fusion = Fusion(names, "linear").fit(
        rng.random((6, 10, len(names))), rng.integers(0, 4, (6, 10)).astype(float)
    )
    with sessionmaker(engine, expire_on_commit=False)() as session:
        row = versions.save_version(
            session, folder, fusion, label_counts={}, labels_sha256="", comparison={"wins": True}
        )
        row.active, row.status = True, "active"
        session.commit()
    engine.dispose()
    return (folder / "models" / "1" / "model.joblib").read_bytes()


@pytest.mark.slow
def test_sigkill_during_a_refit_leaves_the_champion_active_and_intact(tmp_path, database):
    saved = _active_version(tmp_path, database)
    sample = str(tmp_path / "sample")
    process, url = start(tmp_path, sample, db=database)
    try:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=30) as client:
            before = client.get("/api/projects/P00/matches?k=10").json()["data"]
            assert client.get("/api/models").json()["active"] == 1
            assert client.post("/api/judgments", json=grades()).status_code == 201
            job = client.post("/api/models/refit").json()
            deadline = time.monotonic() + 60
            while client.get(f"/api/jobs/{job['id']}").json()["status"] == "queued":
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        process.kill()  # SIGKILL in the middle of the refit
        process.wait()

    process, url = start(tmp_path, sample, db=database)
    try:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=30) as client:
            listed = client.get("/api/models").json()
            after = client.get("/api/projects/P00/matches?k=10").json()["data"]
            job = client.get(f"/api/jobs/{job['id']}").json()
    finally:
        process.kill()
        process.wait()
    assert listed["active"] == 1 and [v["id"] for v in listed["data"]] == [0, 1]
    assert after == before
    assert (tmp_path / "models" / "1" / "model.joblib").read_bytes() == saved
    assert job["status"] == "failed"
