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


def test_readyz_stays_ready_while_a_write_is_being_applied(client):
    """An import commits to the database, then updates the catalogue under the writer's lock:
    in between the instance is updating, not broken (defect 6: 503 during every import)."""
    from service import crud
    from service.db import ProjectRow

    matching = client.app.state.matching
    with matching._write:  # what save_projects holds from its commit to the catalogue update
        with matching.sessions() as session:
            session.add(ProjectRow(project_id="PNEW", title="新项目", track="device", stage="idea"))
            session.commit()
        during = client.get("/readyz")
        assert during.status_code == 200, during.json()
        assert during.json()["updating"] and during.json()["pending"]
    after = client.get("/readyz")  # still behind once no write is running: a real fault
    assert after.status_code == 503 and not after.json()["updating"]
    with matching.sessions() as session:
        assert crud.delete_project(session, "PNEW")
        session.commit()
    assert client.get("/readyz").status_code == 200


def test_readyz_is_not_fooled_by_a_write_applied_while_it_checks(client, monkeypatch):
    """The database is read, then a delete commits and is applied, then the catalogue is
    compared: the two were seen at different moments, which is no fault (a 503 under writes)."""
    from service import crud

    matching = client.app.state.matching
    read_ids = crud.record_ids

    def then_a_delete(session):
        ids = read_ids(session)
        monkeypatch.setattr(crud, "record_ids", read_ids)
        assert matching.delete_project("P3")
        return ids

    monkeypatch.setattr(crud, "record_ids", then_a_delete)
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["projects"] == 2
