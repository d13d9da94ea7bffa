"""Any order of imports, edits and deletes — empty sides included — leaves a ready service with
full lists, before and after a restart (issue 13, defect 1)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from service_helpers import (
    ADMIN_KEY,
    CARDIO,
    FIXTURES,
    bearer,
    fake_models,
    settings_for,
    wait_ready,
)

from service.main import create_app

ADMIN = bearer(ADMIN_KEY)
DATABASES = ("sqlite", "postgresql")  # conftest: every test on both


def _empty(tmp_path: Path, database: str) -> object:
    return settings_for(tmp_path, load_sample=False, sample_dir=None, **_db(database))


def _db(database: str) -> dict[str, str]:
    return {"db_url": database} if database else {}


def _import(client: TestClient, kind: str) -> None:
    with open(FIXTURES / f"{kind}.csv", "rb") as handle:
        response = client.post(
            f"/api/{kind}/import", files={"file": (f"{kind}.csv", handle)}, headers=ADMIN
        )
    assert response.status_code == 200, response.text


def _assert_full_lists(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 200, client.get("/readyz").text
    for project_id in ("P1", "P2", "P3"):
        listed = client.get(f"/api/projects/{project_id}/matches?k=10", headers=ADMIN)
        assert listed.status_code == 200 and listed.json()["count"] == 6, listed.text
    assert client.get("/api/resources/R1", headers=ADMIN).status_code == 200
    reverse = client.get("/api/resources/R1/matches?k=10", headers=ADMIN)
    assert reverse.status_code == 200 and reverse.json()["count"] == 3, reverse.text


def test_providers_before_projects_into_an_empty_database(tmp_path, hash_encoder, database):
    settings = _empty(tmp_path, database)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        assert client.get("/api/projects", headers=ADMIN).json()["count"] == 0
        _import(client, "resources")
        assert client.get("/readyz").status_code == 200, client.get("/readyz").text
        _import(client, "projects")
        _assert_full_lists(client)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        _assert_full_lists(client)


def test_one_project_then_providers_then_delete_it_then_restart(tmp_path, hash_encoder, database):
    settings = _empty(tmp_path, database)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        assert client.put("/api/projects/P9", json=CARDIO, headers=ADMIN).status_code == 200
        _import(client, "resources")
        assert client.delete("/api/projects/P9", headers=ADMIN).status_code == 204
        assert client.get("/readyz").status_code == 200, client.get("/readyz").text
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client, timeout=10)
        assert client.get("/api/resources/R1/matches", headers=ADMIN).json()["count"] == 0
        _import(client, "projects")
        _assert_full_lists(client)


def test_emptying_both_sides_and_refilling(tmp_path, hash_encoder, database):
    settings = settings_for(tmp_path, **_db(database))  # the fixtures loaded
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        for project_id in ("P1", "P2", "P3"):
            assert client.delete(f"/api/projects/{project_id}", headers=ADMIN).status_code == 204
        for n in range(1, 7):
            assert client.delete(f"/api/resources/R{n}", headers=ADMIN).status_code == 204
        assert client.get("/readyz").status_code == 200, client.get("/readyz").text
        assert client.post("/api/admin/refresh", headers=ADMIN).status_code in (200, 204)
        _import(client, "projects")
        _import(client, "resources")
        _assert_full_lists(client)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        _assert_full_lists(client)
