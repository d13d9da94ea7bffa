"""Roles: organisers see everything; a project or provider token sees only its own (403)."""

from __future__ import annotations

from service_helpers import bearer
from sqlalchemy import create_engine, text

DATABASES = ("sqlite", "postgresql")  # conftest: every test on both


def _token(client, admin, **subject) -> dict:
    response = client.post("/api/tokens", json=subject, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def test_no_or_a_wrong_credential_is_401(client):
    assert client.get("/api/projects/P1/matches").status_code == 401
    response = client.get("/api/projects/P1/matches", headers=bearer("mk_0123.nope"))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_a_project_sees_its_own_matches_and_nothing_else(client, admin):
    token = bearer(_token(client, admin, project_id="P1")["token"])
    assert client.get("/api/projects/P1/matches", headers=token).status_code == 200
    assert client.get("/api/projects/P1", headers=token).status_code == 200
    assert client.get("/api/projects/P1/agenda", headers=token).status_code == 200
    for path in (
        "/api/projects/P2/matches",
        "/api/projects/P2",
        "/api/projects/P404/matches",
        "/api/resources/R1/matches",
        "/api/projects",
        "/api/tokens",
        "/api/events",
    ):
        assert client.get(path, headers=token).status_code == 403, path
    assert client.post("/api/projects", json={}, headers=token).status_code in (403, 422)
    assert client.delete("/api/projects/P1", headers=token).status_code == 403
    assert client.get("/api/me", headers=token).json() == {"role": "project", "subject_id": "P1"}


def test_a_provider_sees_its_own_matches_only(client, admin):
    token = bearer(_token(client, admin, resource_id="R3")["token"])
    assert client.get("/api/resources/R3/matches", headers=token).status_code == 200
    assert client.get("/api/resources/R2/matches", headers=token).status_code == 403
    assert client.get("/api/projects/P3/matches", headers=token).status_code == 403


def test_a_revoked_token_is_401_at_once(client, admin):
    issued = _token(client, admin, project_id="P2")
    token = bearer(issued["token"])
    assert client.get("/api/projects/P2/matches", headers=token).status_code == 200
    assert client.delete(f"/api/tokens/{issued['token_id']}", headers=admin).status_code == 204
    assert client.get("/api/projects/P2/matches", headers=token).status_code == 401
    listed = client.get("/api/tokens", headers=admin).json()["data"]
    assert any(t["token_id"] == issued["token_id"] and t["revoked_at"] for t in listed)


def test_tokens_need_exactly_one_known_subject(client, admin):
    assert client.post("/api/tokens", json={}, headers=admin).status_code == 422
    both = {"project_id": "P1", "resource_id": "R1"}
    assert client.post("/api/tokens", json=both, headers=admin).status_code == 422
    assert client.post("/api/tokens", json={"project_id": "P404"}, headers=admin).status_code == 404


def test_secrets_are_stored_only_as_salted_hashes(client, admin, settings):
    issued = _token(client, admin, project_id="P1")
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key_id, salt, secret_hash FROM credentials")).all()
    engine.dispose()
    dump = repr(rows)
    assert issued["token"].split(".", 1)[1] not in dump and "organiser-test-key" not in dump
    assert all(len(salt) == 32 and len(digest) == 64 for _, salt, digest in rows)
    assert len({salt for _, salt, _ in rows}) == len(rows)


def test_query_needs_a_credential_but_any_role(client, admin):
    body = {"text": "中药配方颗粒，需要提取生产", "k": 2}
    assert client.post("/api/query", json=body).status_code == 401
    token = bearer(_token(client, admin, project_id="P3")["token"])
    response = client.post("/api/query", json=body, headers=token)
    assert response.status_code == 200 and response.json()["data"][0]["id"] == "R3"
