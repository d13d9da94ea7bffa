"""One way to rank: the service and the command line's in-memory catalogue give identical
match lists, free-text answers and plans for the same records, encoders and fusion."""

from __future__ import annotations

import json
import time

import pytest
from service_helpers import FIXTURES

from matcher.engine import open_catalogue
from matcher.features import feature_names
from matcher.fusion import Fusion
from matcher.ingest import read_projects, read_resources
from matcher.plan import Event, plan_event

EVENT = {
    "name": "复赛",
    "start": "14:00",
    "end": "15:00",
    "minutes": 15,
    "min_meetings": 1,
    "max_meetings": 2,
}
TEXTS = [
    "可降解冠脉支架，正在开展多中心临床试验，需要临床资源",
    "经典名方中药配方颗粒，希望对接中药提取生产",
]


@pytest.fixture
def cli_catalogue(hash_encoder):
    projects = read_projects(FIXTURES / "projects.csv")
    resources = read_resources(FIXTURES / "resources.csv")
    fusion = Fusion(feature_names(("hash",)), "zsum")  # what the service's fake models hold
    return open_catalogue(projects, resources, fusion=fusion, encoders={"hash": hash_encoder})


def _listed(matches) -> list[tuple[str, float, str]]:
    return [(m.resource_id, round(m.score, 4), m.reasons) for m in matches]


def test_match_lists_are_identical(client, admin, cli_catalogue):
    snapshot = cli_catalogue.current()
    for project in snapshot.projects:
        body = client.get(f"/api/projects/{project.project_id}/matches?k=6", headers=admin).json()
        served = [(m["id"], m["score"], m["reasons"]) for m in body["data"]]
        assert served == _listed(snapshot.resources_for(project.project_id, 6))


def test_free_text_answers_are_identical(client, admin, cli_catalogue):
    for text in TEXTS:
        body = client.post("/api/query", json={"text": text, "k": 5}, headers=admin).json()
        served = [(m["id"], m["score"], m["reasons"]) for m in body["data"]]
        assert served == _listed(cli_catalogue.query([text], 5)[0])


def test_plans_are_identical(client, admin, cli_catalogue):
    event_id = client.post("/api/events", json=EVENT, headers=admin).json()["id"]
    job = client.post(f"/api/events/{event_id}/plans", json={"seed": 1}, headers=admin).json()
    deadline = time.monotonic() + 60
    while (done := client.get(f"/api/jobs/{job['id']}", headers=admin).json())["status"] != "done":
        assert done["status"] != "failed" and time.monotonic() < deadline, done
        time.sleep(0.05)
    served = json.loads(
        client.get(f"/api/plans/{done['plan_id']}/download?format=json", headers=admin).content
    )["meetings"]
    local = plan_event(
        cli_catalogue.current().match_scores(), Event.from_mapping(EVENT, "test"), seed=1
    )
    key = ("project_id", "resource_id", "slot", "table")
    assert [tuple(m[k] for k in key) for m in served] == [
        tuple(getattr(m, k) for k in key) for m in local.meetings
    ]
