"""Learning from the organisers through the API: the label store, the judging queue, refits
(too few grades, a losing challenger, a winning one), activation and rollback, meeting ratings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from learning_helpers import grades, write_catalogue
from service_helpers import bearer, fake_models, settings_for, wait_ready

from matcher import learning
from matcher.features import feature_names
from matcher.fusion import Fusion
from service.main import create_app

DATABASES = ("sqlite", "postgresql")  # conftest: the tests on the `small` app run on both


@pytest.fixture(autouse=True)
def one_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real refits, with one recipe instead of the search over four (4x fewer fits)."""
    monkeypatch.setattr(learning, "RECIPES", (learning.Recipe(1.0, False),))


@pytest.fixture
def small(tmp_path: Path, hash_encoder: object, database: str) -> Iterator[TestClient]:
    """The app on the 12 × 10 catalogue, in this process (its jobs can be patched)."""
    db = {"db_url": database} if database else {}
    settings = settings_for(tmp_path, sample_dir=write_catalogue(tmp_path / "sample"), **db)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as test_client:
        wait_ready(test_client)
        yield test_client


def _finished(client: TestClient, admin: dict[str, str], job_id: int) -> dict:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=admin).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("refit job did not finish")


def _scores(client: TestClient, admin: dict[str, str], project_id: str = "P00") -> dict:
    answer = client.get(f"/api/projects/{project_id}/matches?k=10", headers=admin).json()
    return {m["id"]: m["score"] for m in answer["data"]}


def test_latest_organiser_grade_wins_and_contradictions_are_listed(small, admin):
    first = [{"project_id": "P00", "resource_id": "R00", "grade": 2}]
    assert small.post("/api/judgments", json=first, headers=admin).status_code == 201
    again = [{"project_id": "P00", "resource_id": "R00", "grade": 3}]
    assert small.post("/api/judgments", json=again, headers=admin).json() == {"saved": 1}
    low = [{"project_id": "P01", "resource_id": "R01", "grade": 0}]
    small.post("/api/judgments", json=low, headers=admin)
    outcome = {"project_id": "P01", "resource_id": "R01", "outcome": "signed"}
    assert small.post("/api/outcomes", json=outcome, headers=admin).status_code == 201

    body = small.get("/api/judgments", headers=admin).json()
    by_pair = {(g["project_id"], g["resource_id"]): g for g in body["data"]}
    assert by_pair["P00", "R00"]["grade"] == 3 and by_pair["P00", "R00"]["counts"] == {
        "organiser": 2
    }
    assert by_pair["P01", "R01"]["grade"] == 0  # the organiser's grade wins over the outcome
    assert body["by_source"] == {"organiser": 3, "outcome": 1}
    assert [(c["project_id"], c["resource_id"]) for c in body["contradictions"]] == [("P01", "R01")]
    assert {lab["source"] for lab in body["contradictions"][0]["labels"]} == {
        "organiser",
        "outcome",
    }


def test_unknown_ids_are_named_and_nothing_is_saved(small, admin):
    bad = [
        {"project_id": "P00", "resource_id": "R00", "grade": 2},
        {"project_id": "P404", "resource_id": "R00", "grade": 2},
    ]
    answer = small.post("/api/judgments", json=bad, headers=admin)
    assert answer.status_code == 422 and "P404" in answer.text
    out_of_scale = [{"project_id": "P00", "resource_id": "R00", "grade": 4}]
    assert small.post("/api/judgments", json=out_of_scale, headers=admin).status_code == 422
    assert small.get("/api/judgments", headers=admin).json()["count"] == 0


def test_a_sheet_with_chinese_headers_is_saved_whole_or_refused_naming_the_row(small, admin):
    sheet = "项目编号,资源方编号,评分\nP00,R00,2\nP00,R01,0\n".encode()
    files = {"file": ("评分.csv", sheet, "text/csv")}
    assert small.post("/api/judgments", files=files, headers=admin).json() == {"saved": 2}
    bad = "项目编号,资源方编号,评分\nP01,R00,2\nP01,R999,1\n".encode()
    answer = small.post("/api/judgments", files={"file": ("评分.csv", bad)}, headers=admin)
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["row"] == 3 and problem["column"] == "资源方编号" and "R999" in problem["msg"]
    assert problem["file"] == "评分.csv"
    assert small.get("/api/judgments", headers=admin).json()["count"] == 2


def test_the_queue_leaves_out_graded_and_excluded_pairs(small, admin):
    queued = small.get("/api/judgments/queue?project_id=P02&limit=50", headers=admin).json()
    pairs = {q["resource_id"] for q in queued["data"]}
    assert queued["count"] == len(pairs) > 0
    graded = sorted(pairs)[:2]
    body = [{"project_id": "P02", "resource_id": r, "grade": 1} for r in graded]
    small.post("/api/judgments", json=body, headers=admin)
    again = small.get("/api/judgments/queue?project_id=P02", headers=admin).json()
    assert not {q["resource_id"] for q in again["data"]} & set(graded)

    snapshot = small.app.state.matching.catalogue.current()  # type: ignore[attr-defined]
    row = snapshot.project_row["P02"]  # a 中医药 project: the fund and the biologics CDMO refuse it
    excluded = {
        r for j, r in enumerate(snapshot.ranker.resource_ids) if snapshot.ranker.excluded[row, j]
    }
    assert excluded and not excluded & pairs
    everyone = small.get("/api/judgments/queue?limit=1000", headers=admin).json()
    assert {q["project_id"] for q in everyone["data"]} == {f"P{i:02d}" for i in range(12)}
    assert small.get("/api/judgments/queue?project_id=P404", headers=admin).status_code == 404


def test_a_refit_with_fewer_than_ten_graded_projects_explains(small, admin):
    small.post("/api/judgments", json=grades(projects=9), headers=admin)
    answer = small.post("/api/models/refit", headers=admin)
    assert answer.status_code == 409
    assert "只有 9 个项目有评分" in answer.json()["detail"] and "10" in answer.json()["detail"]


def test_a_losing_challenger_is_stored_but_not_activated(small, admin):
    names = feature_names(("hash",))
    small.app.state.refits.fit = lambda rows: Fusion(names, "zsum")  # type: ignore[attr-defined]
    small.post("/api/judgments", json=grades(), headers=admin)
    before = _scores(small, admin)
    job = small.post("/api/models/refit", headers=admin)
    assert job.status_code == 202 and job.json()["kind"] == "refit"
    done = _finished(small, admin, job.json()["id"])
    assert done["status"] == "done" and "未胜过" in done["message"]
    listed = small.get("/api/models", headers=admin).json()
    assert listed["active"] == 0 and listed["count"] == 2
    version = listed["data"][1]
    assert version["status"] == "challenger-lost" and not version["active"]
    assert version["comparison"]["wins"] is False and version["comparison"]["projects"] == 11
    assert version["label_counts"]["organiser"] == 110 and len(version["labels_sha256"]) == 64
    assert _scores(small, admin) == before


def test_a_winning_refit_is_activated_and_rollback_restores_the_old_scores(
    small, admin, monkeypatch
):
    monkeypatch.setattr(learning.Comparison, "wins", property(lambda self: True))
    small.post("/api/judgments", json=grades(), headers=admin)
    shipped = _scores(small, admin)
    done = _finished(small, admin, small.post("/api/models/refit", headers=admin).json()["id"])
    assert done["status"] == "done" and "已启用" in done["message"], done["message"]
    listed = small.get("/api/models", headers=admin).json()
    assert listed["active"] == 1 and listed["data"][1]["status"] == "active"
    refitted = _scores(small, admin)
    assert refitted != shipped

    back = small.post("/api/models/0/activate", headers=admin)
    assert back.status_code == 200 and back.json()["active"]
    assert _scores(small, admin) == shipped
    assert small.get("/api/models", headers=admin).json()["active"] == 0
    assert small.post("/api/models/1/activate", headers=admin).json()["status"] == "active"
    assert _scores(small, admin) == refitted
    assert small.post("/api/models/7/activate", headers=admin).status_code == 404


def test_the_active_version_is_loaded_at_start_and_a_broken_one_falls_back(
    tmp_path, hash_encoder, admin, monkeypatch
):
    monkeypatch.setattr(learning.Comparison, "wins", property(lambda self: True))
    settings = settings_for(tmp_path, sample_dir=write_catalogue(tmp_path / "sample"))
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        shipped = _scores(client, admin)
        client.post("/api/judgments", json=grades(), headers=admin)
        _finished(client, admin, client.post("/api/models/refit", headers=admin).json()["id"])
        refitted = _scores(client, admin)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        assert _scores(client, admin) == refitted
    (tmp_path / "models" / "1" / "model.joblib").write_bytes(b"not a model")
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        assert _scores(client, admin) == shipped
        assert client.get("/api/models", headers=admin).json()["active"] == 0


def test_only_the_two_sides_of_a_published_meeting_may_rate_it(small, admin):
    event = {"name": "复赛", "start": "14:00", "end": "15:00", "minutes": 15, "max_meetings": 2}
    event_id = small.post("/api/events", json=event, headers=admin).json()["id"]
    job = small.post(f"/api/events/{event_id}/plans", json={}, headers=admin).json()
    plan_id = _finished(small, admin, job["id"])["plan_id"]
    meeting = small.get(f"/api/plans/{plan_id}", headers=admin).json()["body"]["meetings"][0]
    pid, rid = meeting["project_id"], meeting["resource_id"]
    rating = {"event_id": event_id, "project_id": pid, "resource_id": rid, "stars": 5}

    def token(**subject: str) -> dict[str, str]:
        return bearer(small.post("/api/tokens", json=subject, headers=admin).json()["token"])

    project, provider = token(project_id=pid), token(resource_id=rid)
    other = token(project_id=next(f"P{i:02d}" for i in range(12) if f"P{i:02d}" != pid))
    assert small.post("/api/meetings/rating", json=rating, headers=project).status_code == 404
    small.post(f"/api/plans/{plan_id}/publish", headers=admin)  # now the meeting is published

    assert small.post("/api/meetings/rating", json=rating, headers=project).status_code == 200
    changed = {**rating, "stars": 2, "follow_up": True}
    answer = small.post("/api/meetings/rating", json=changed, headers=project)
    assert answer.status_code == 200 and answer.json()["side"] == "project"
    assert small.post("/api/meetings/rating", json=rating, headers=provider).status_code == 200
    assert small.post("/api/meetings/rating", json=rating, headers=other).status_code == 403
    assert small.post("/api/meetings/rating", json=rating, headers=admin).status_code == 403
    elsewhere = {
        **rating,
        "resource_id": next(f"R{j:02d}" for j in range(10) if f"R{j:02d}" != rid),
    }
    assert small.post("/api/meetings/rating", json=elsewhere, headers=project).status_code == 404

    graded = small.get("/api/judgments", headers=admin).json()
    pair = next(g for g in graded["data"] if (g["project_id"], g["resource_id"]) == (pid, rid))
    assert pair["counts"] == {"rating": 2}  # one per side: the re-rating replaced the first
    assert pair["grade"] == 3  # mean of 2★ with follow-up (2) and 5★ (3), rounded
