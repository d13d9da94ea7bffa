"""Events and plans: a background job with progress, downloads, publishing, agendas, outcomes."""

from __future__ import annotations

import io
import json
import time

import openpyxl
from service_helpers import bearer

DATABASES = ("sqlite", "postgresql")  # conftest: every test on both

EVENT = {
    "name": "天津中医药大学复赛",
    "start": "14:00",
    "end": "15:00",
    "minutes": 15,
    "min_meetings": 1,
    "max_meetings": 2,
}


def _finished(client, admin, job_id: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=admin).json()
        if job["status"] in ("done", "failed"):
            return job
        assert 0.0 <= job["progress"] <= 1.0
        time.sleep(0.05)
    raise AssertionError("plan job did not finish")


def test_plan_job_download_publish_and_agenda(client, admin):
    event = client.post("/api/events", json=EVENT, headers=admin)
    assert event.status_code == 201, event.text
    event_id = event.json()["id"]
    job = client.post(f"/api/events/{event_id}/plans", json={"seed": 1}, headers=admin)
    assert job.status_code == 202 and job.json()["status"] in ("queued", "running", "done")
    done = _finished(client, admin, job.json()["id"])
    assert done["status"] == "done", done["message"]
    plan_id = done["plan_id"]
    plan = client.get(f"/api/plans/{plan_id}", headers=admin).json()
    assert plan["meetings"] >= 3 and plan["status"] == "draft"

    xlsx = client.get(f"/api/plans/{plan_id}/download?format=xlsx", headers=admin)
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    agenda = book["资源方日程"]
    column = [c.value for c in agenda[1]].index("预计专家评分（0–3）")
    shown = [r[column] for r in agenda.iter_rows(min_row=2, values_only=True)]
    assert shown and all(0 <= g <= 3 for g in shown)  # the API's download: the pages' scale
    csv = client.get(f"/api/plans/{plan_id}/download?format=csv", headers=admin)
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    header = csv.content.decode("utf-8-sig").splitlines()[0]
    assert (
        header.startswith("项目编号,项目名称,资源方编号,资源方") and "预计专家评分（0–3）" in header
    )
    as_json = json.loads(
        client.get(f"/api/plans/{plan_id}/download?format=json", headers=admin).content
    )
    assert len(as_json["meetings"]) == plan["meetings"]

    token = bearer(
        client.post("/api/tokens", json={"project_id": "P1"}, headers=admin).json()["token"]
    )
    assert client.get("/api/projects/P1/agenda", headers=token).json()["count"] == 0  # draft only
    published = client.post(f"/api/plans/{plan_id}/publish", headers=admin)
    assert published.json()["status"] == "published"
    agenda = client.get("/api/projects/P1/agenda", headers=token).json()
    assert agenda["count"] >= 1
    assert {m["project_id"] for m in agenda["data"]} == {"P1"}
    assert all(m["event_name"] == EVENT["name"] and m["slot"] for m in agenda["data"])


def test_a_plan_for_an_unknown_event_is_404_and_a_bad_event_is_422(client, admin):
    assert client.post("/api/events/999/plans", json={}, headers=admin).status_code == 404
    bad = {**EVENT, "availability": {"R1": ["09:00-10:00", "slot-that-is-not"]}}
    response = client.post("/api/events", json=bad, headers=admin)
    assert response.status_code == 422 and isinstance(response.json()["detail"], list)
    inverted = {**EVENT, "min_meetings": 3, "max_meetings": 1}
    assert client.post("/api/events", json=inverted, headers=admin).status_code == 422


def test_a_plan_whose_pin_names_an_unknown_id_ignores_it_and_says_so(client, admin):
    """A pin to a record not on file (deleted since, defect 13.8) no longer fails the plan."""
    event = client.post(
        "/api/events", json={**EVENT, "pins": [["P1", "R404"]]}, headers=admin
    ).json()
    job = client.post(f"/api/events/{event['id']}/plans", json={}, headers=admin).json()
    done = _finished(client, admin, job["id"])
    assert done["status"] == "done", done["message"]
    plan = json.loads(
        client.get(f"/api/plans/{done['plan_id']}/download?format=json", headers=admin).content
    )
    assert plan["diagnostics"][0] == "已忽略指向已删除记录的必见 1 条"


def test_outcomes_are_recorded_and_listed(client, admin):
    body = {"project_id": "P1", "resource_id": "R1", "outcome": "follow_up", "note": "约定二次会谈"}
    response = client.post("/api/outcomes", json=body, headers=admin)
    assert response.status_code == 201 and response.json()["outcome"] == "follow_up"
    assert (
        client.post("/api/outcomes", json={**body, "outcome": "married"}, headers=admin).status_code
        == 422
    )
    assert (
        client.post(
            "/api/outcomes", json={**body, "resource_id": "R404"}, headers=admin
        ).status_code
        == 404
    )
    listed = client.get("/api/outcomes?project_id=P1", headers=admin).json()
    assert listed["count"] == 1 and listed["data"][0]["note"] == "约定二次会谈"


def _plan_pairs(client, admin, event_id: int) -> set[tuple[str, str]]:
    job = client.post(f"/api/events/{event_id}/plans", json={"seed": 1}, headers=admin).json()
    done = _finished(client, admin, job["id"])
    assert done["status"] == "done", done["message"]
    body = json.loads(
        client.get(f"/api/plans/{done['plan_id']}/download?format=json", headers=admin).content
    )
    return {(m["project_id"], m["resource_id"]) for m in body["meetings"]}


def test_an_event_replaced_with_put_is_what_the_next_plan_follows(client, admin):
    event_id = client.post("/api/events", json=EVENT, headers=admin).json()["id"]
    blocked = sorted(_plan_pairs(client, admin, event_id))[0]
    changed = client.put(
        f"/api/events/{event_id}", json={**EVENT, "blocks": [list(blocked)]}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["spec"]["blocks"] == [list(blocked)]
    assert client.get(f"/api/events/{event_id}", headers=admin).json()["spec"]["blocks"] == [
        list(blocked)
    ]
    assert blocked not in _plan_pairs(client, admin, event_id)

    assert client.put("/api/events/999", json=EVENT, headers=admin).status_code == 404
    inverted = {**EVENT, "min_meetings": 3, "max_meetings": 1}
    assert client.put(f"/api/events/{event_id}", json=inverted, headers=admin).status_code == 422
    token = bearer(
        client.post("/api/tokens", json={"project_id": "P1"}, headers=admin).json()["token"]
    )
    assert client.put(f"/api/events/{event_id}", json=EVENT, headers=token).status_code == 403


def test_a_plan_job_uses_the_configured_time_limit_unless_it_sets_its_own(
    tmp_path, hash_encoder, admin
):
    # MATCHER_PLAN_TIME_LIMIT was a setting no code read: jobs always got 60 s
    from fastapi.testclient import TestClient
    from service_helpers import fake_models, settings_for, wait_ready

    from service.main import create_app

    with TestClient(
        create_app(settings_for(tmp_path, plan_time_limit=7), fake_models(hash_encoder))
    ) as client:
        wait_ready(client)
        event_id = client.post("/api/events", json=EVENT, headers=admin).json()["id"]
        limits = []
        for body in ({}, {"time_limit": 3}):
            job = client.post(f"/api/events/{event_id}/plans", json=body, headers=admin).json()
            done = _finished(client, admin, job["id"])
            plan = client.get(f"/api/plans/{done['plan_id']}", headers=admin).json()
            limits.append(plan["body"]["settings"]["time_limit"])
        assert limits == [7.0, 3.0]


def test_a_bad_event_names_the_key_at_fault(client, admin):
    bad = {**EVENT, "availability": {"R1": ["09:00-10:00", "slot-that-is-not"]}}
    detail = client.post("/api/events", json=bad, headers=admin).json()["detail"]
    assert detail[0]["loc"] == ["body", "availability"] and "slot-that-is-not" in detail[0]["msg"]


def test_an_event_given_only_a_name_gets_the_events_own_defaults(client, admin):
    from matcher.plan import Event
    from service.planning import event_of
    from service.web.events import spec_from_form

    created = client.post("/api/events", json={"name": "默认"}, headers=admin).json()
    from_form = client.post(
        "/api/events",
        json=spec_from_form({"name": "默认", "conflict_of_interest": "on"}),
        headers=admin,
    ).json()
    assert created["spec"] == from_form["spec"]
    row = type("Row", (), {"id": created["id"], "spec": created["spec"]})()
    assert event_of(row) == Event(name="默认")


def test_a_plan_whose_event_is_deleted_mid_run_fails_with_a_clear_message(
    client, admin, monkeypatch
):
    import service.jobs

    event_id = client.post("/api/events", json=EVENT, headers=admin).json()["id"]
    real = service.jobs.plan_event

    def deleted_meanwhile(*args, **kwargs):
        assert client.delete(f"/api/events/{event_id}", headers=admin).status_code == 204
        return real(*args, **kwargs)

    monkeypatch.setattr(service.jobs, "plan_event", deleted_meanwhile)
    job = client.post(f"/api/events/{event_id}/plans", json={}, headers=admin).json()
    done = _finished(client, admin, job["id"])
    assert done["status"] == "failed" and "deleted" in done["message"], done["message"]
    assert "IntegrityError" not in done["message"]


def test_the_json_download_is_documented_as_json_not_binary(client):
    content = client.get("/openapi.json").json()["paths"]["/api/plans/{plan_id}/download"]["get"][
        "responses"
    ]["200"]["content"]
    assert content["application/json"]["schema"] == {"type": "object"}
    assert content["text/csv; charset=utf-8"]["schema"] == {"type": "string"}


def test_an_event_naming_unknown_ids_or_hours_outside_it_lists_every_problem(client, admin):
    bad = {
        **EVENT,
        "projects": ["P1", "P9999", "X1"],
        "capacity": {"R404": 2},
        "availability": {"P1": ["18:00-19:00"]},
    }
    response = client.post("/api/events", json=bad, headers=admin)
    assert response.status_code == 422
    detail = json.dumps(response.json()["detail"], ensure_ascii=False)
    assert "P9999" in detail and "X1" in detail and "R404" in detail
    assert "P1 的可参会时间不在活动时段内" in detail  # all at once, not the first only
    assert client.get("/api/events", headers=admin).json()["count"] == 0


def test_one_published_plan_per_event_unpublish_delete_and_compare(client, admin):
    event_id = client.post("/api/events", json=EVENT, headers=admin).json()["id"]
    plans = []
    for seed in (1, 2):
        job = client.post(f"/api/events/{event_id}/plans", json={"seed": seed}, headers=admin)
        plans.append(_finished(client, admin, job.json()["id"])["plan_id"])
    first, second = plans
    client.post(f"/api/plans/{first}/publish", headers=admin)
    client.post(f"/api/plans/{second}/publish", headers=admin)
    status = {p["id"]: p["status"] for p in client.get("/api/plans", headers=admin).json()["data"]}
    assert status[first] == "draft" and status[second] == "published"  # the second replaced it

    compared = client.get(f"/api/plans/{second}/compare?with={first}", headers=admin).json()
    assert compared["old"] == first and compared["new"] == second
    total = len(compared["added"]) + len(compared["moved"]) + compared["unchanged"]
    assert total == client.get(f"/api/plans/{second}", headers=admin).json()["meetings"]

    assert client.delete(f"/api/plans/{second}", headers=admin).status_code == 409
    assert client.post(f"/api/plans/{second}/unpublish", headers=admin).json()["status"] == "draft"
    token = bearer(
        client.post("/api/tokens", json={"project_id": "P1"}, headers=admin).json()["token"]
    )
    assert client.get("/api/projects/P1/agenda", headers=token).json()["count"] == 0
    assert client.delete(f"/api/plans/{second}", headers=admin).status_code == 204
    assert client.get(f"/api/plans/{second}", headers=admin).status_code == 404


def test_a_plan_ignores_pins_of_records_deleted_since_and_says_so(client, admin):
    body = {"title": "将被删除的项目", "track": "中医药传承创新", "stage": "注册申报", "needs": []}
    assert client.put("/api/projects/PGONE", json=body, headers=admin).status_code in (200, 201)
    event = {**EVENT, "pins": [["PGONE", "R1"]], "wishes": [["PGONE", "R2", "想见"]]}
    event_id = client.post("/api/events", json=event, headers=admin).json()["id"]
    assert client.delete("/api/projects/PGONE", headers=admin).status_code == 204
    job = client.post(f"/api/events/{event_id}/plans", json={"seed": 1}, headers=admin).json()
    done = _finished(client, admin, job["id"])
    assert done["status"] == "done", done["message"]
    plan = json.loads(
        client.get(f"/api/plans/{done['plan_id']}/download?format=json", headers=admin).content
    )
    assert plan["diagnostics"][:2] == [
        "已忽略指向已删除记录的必见 1 条",
        "已忽略指向已删除记录的意愿 1 条",
    ]
