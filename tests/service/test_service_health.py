"""Anyone: liveness, readiness, OpenAPI docs and Prometheus metrics."""

from __future__ import annotations


def test_health_ready_docs_and_metrics_need_no_credentials(client, admin):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["projects"] == 3 and ready["resources"] == 6
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/projects/import", "/api/query", "/api/tokens"} <= set(paths)
    client.get("/api/projects/P1/matches", headers=admin)
    metrics = client.get("/metrics").text
    assert 'route="/api/projects/{project_id}/matches",status="200"' in metrics
    assert 'matcher_catalogue_records{side="projects"} 3.0' in metrics


def test_readyz_reports_an_index_out_of_step_with_the_database(client, admin):
    catalogue = client.app.state.matching.catalogue
    catalogue.update_projects(removed=["P3"])  # behind the database's back
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["problems"]
    assert client.post("/api/admin/refresh", headers=admin).json()["projects"] == 3
    assert client.get("/readyz").status_code == 200
