"""Helpers for the service tests (a uniquely named module: tests/service is not a package,
so that it never shadows the real `service` package)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from matcher.features import feature_names
from matcher.fusion import Fusion
from matcher.settings import Settings as ModelSettings
from service.config import ServiceSettings
from service.main import Models

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ADMIN_KEY = "organiser-test-key"
CARDIO = {  # a project body for PUT /api/projects/{id}
    "title": "冠脉介入球囊导管",
    "description": "药物涂层球囊，需要临床资源。",
    "track": "device",
    "stage": "clinical",
    "needs": ["clinical"],
}


def settings_for(folder: Path, **changes: object) -> ServiceSettings:
    values: dict[str, object] = {
        "data_dir": folder,
        "db_url": f"sqlite:///{folder / 'matcher.db'}",
        "admin_key": ADMIN_KEY,
        "models": ModelSettings.from_env(
            {}, models_dir=folder / "models", cache_dir=folder / "cache", encoders=("hash",)
        ),
        "fusion": "zscore",
        "sample_dir": FIXTURES,
        "load_sample": True,  # a named database gets the sample only when asked
        "query_batch_ms": 2.0,
    }
    values.update(changes)
    return ServiceSettings.from_env({}, **values)  # a mapping: the test never reads os.environ


def fake_models(encoder: object) -> Models:
    return Models({"hash": encoder}, Fusion(feature_names(("hash",)), "zsum"))  # type: ignore[dict-item]


def wait_ready(client: TestClient, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.02)
    raise AssertionError(f"not ready: {client.get('/readyz').json()}")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def finished_job(client: TestClient, admin: dict[str, str], job_id: int) -> dict:
    """A background job's final state (done or failed), polled for at most a minute."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=admin).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def free_place(plan: dict, meeting: dict) -> tuple[str, str]:
    """A slot where neither side of `meeting` meets, and a free table in it."""
    pair = (meeting["project_id"], meeting["resource_id"])
    for slot in plan["slots"]:
        here = [
            m
            for m in plan["meetings"]
            if m["slot"] == slot and (m["project_id"], m["resource_id"]) != pair
        ]
        if any(meeting[k] == m[k] for m in here for k in ("project_id", "resource_id")):
            continue
        free = [t for t in plan["tables"] if t not in {m["table"] for m in here}]
        if free and (slot, free[0]) != (meeting["slot"], meeting["table"]):
            return slot, free[0]
    raise AssertionError("no free place in the test event")
