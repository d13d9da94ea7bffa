"""Hand edits of a plan over the API (move, swap: checked, atomic, in downloads and agendas) and
archiving events and plans (hidden, read-only, restorable), on a real SQLite file."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from fastapi.testclient import TestClient
from service_helpers import bearer, fake_models, finished_job, free_place, wait_ready
from sqlalchemy.orm import sessionmaker

from matcher.schema import Resource
from service import crud
from service.db import make_engine
from service.main import create_app

EVENT = {
    "name": "手工调整测试",
    "start": "14:00",
    "end": "15:00",
    "minutes": 15,
    "tables": 3,
    "min_meetings": 1,
    "max_meetings": 2,
}


@pytest.fixture
def planned(client, admin) -> tuple[int, int]:
    """(event id, plan id) of a finished plan of EVENT."""
    event_id = client.post("/api/events", json=EVENT, headers=admin).json()["id"]
    job = client.post(f"/api/events/{event_id}/plans", json={"seed": 1}, headers=admin).json()
    done = finished_job(client, admin, job["id"])
    assert done["status"] == "done", done["message"]
    return event_id, done["plan_id"]


def body(client, admin, plan_id: int) -> dict:
    return client.get(f"/api/plans/{plan_id}", headers=admin).json()["body"]


def move(client, admin, plan_id: int, m: dict, slot: str, table: str, **extra):
    pair = {"project_id": m["project_id"], "resource_id": m["resource_id"]}
    return client.post(
        f"/api/plans/{plan_id}/move", json={**pair, "slot": slot, "table": table, **extra},
        headers=admin,
    )  # fmt: skip


def test_a_legal_move_is_saved_marked_and_in_the_downloads(client, admin, planned):
    _, plan_id = planned
    before = body(client, admin, plan_id)
    m = before["meetings"][0]
    slot, table = free_place(before, m)
    moved = move(client, admin, plan_id, m, slot, table, version=before["plan_id"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["edits"] == 1 and moved.json()["plan_id"] != before["plan_id"]
    after = body(client, admin, plan_id)
    now = next(x for x in after["meetings"] if x["project_id"] == m["project_id"]
               and x["resource_id"] == m["resource_id"])  # fmt: skip
    assert (now["slot"], now["table"], now["edited"]) == (slot, table, True)
    assert after["edits"][0].startswith("移动：")
    text = client.get(f"/api/plans/{plan_id}/download?format=csv", headers=admin).text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    row = next(
        r for r in rows if (r["项目编号"], r["资源方编号"]) == (m["project_id"], m["resource_id"])
    )
    assert (row["时段"], row["桌号"]) == (slot, table)


def test_a_refused_move_says_why_in_chinese_and_changes_nothing(client, admin, planned):
    event_id, plan_id = planned
    before = body(client, admin, plan_id)
    a, b = (
        before["meetings"][0],
        next(x for x in before["meetings"] if x["slot"] != before["meetings"][0]["slot"]),
    )
    onto = move(client, admin, plan_id, a, b["slot"], b["table"])
    assert onto.status_code == 409
    assert "改动被拒绝，排期未变" in onto.json()["detail"] and "已有会面" in onto.json()["detail"]
    event = client.get(f"/api/events/{event_id}", headers=admin).json()["spec"]
    narrowed = {**event, "availability": {a["resource_id"]: [a["slot"]]},
                "blocks": [[a["project_id"], a["resource_id"]]]}  # fmt: skip
    assert client.put(f"/api/events/{event_id}", json=narrowed, headers=admin).status_code == 200
    slot, table = free_place(before, a)
    refused = move(client, admin, plan_id, a, slot, table).json()["detail"]
    assert "可参会时间之外" in refused and "已被屏蔽" in refused
    assert move(client, admin, plan_id, a, "18:00-18:15", table).status_code == 409
    assert body(client, admin, plan_id) == before


def test_swap_and_a_stale_version(client, admin, planned):
    _, plan_id = planned
    before = body(client, admin, plan_id)
    a = before["meetings"][0]  # two meetings of one slot can always swap tables
    b = next(x for x in before["meetings"][1:] if x["slot"] == a["slot"])
    key = lambda m: {"project_id": m["project_id"], "resource_id": m["resource_id"]}  # noqa: E731
    swap = {"first": key(a), "second": key(b), "version": before["plan_id"]}
    done = client.post(f"/api/plans/{plan_id}/swap", json=swap, headers=admin)
    assert done.status_code == 200, done.text
    places = {(m["project_id"], m["resource_id"]): (m["slot"], m["table"])
              for m in body(client, admin, plan_id)["meetings"]}  # fmt: skip
    assert places[(a["project_id"], a["resource_id"])] == (b["slot"], b["table"])
    again = client.post(f"/api/plans/{plan_id}/swap", json=swap, headers=admin)
    assert again.status_code == 409 and "已被修改" not in again.text  # detail is English
    assert "changed since" in again.json()["detail"]


def test_editing_a_published_plan_changes_the_agenda_at_once(client, admin, planned):
    _, plan_id = planned
    client.post(f"/api/plans/{plan_id}/publish", headers=admin)
    before = body(client, admin, plan_id)
    m = before["meetings"][0]
    slot, table = free_place(before, m)
    assert move(client, admin, plan_id, m, slot, table).status_code == 200
    token = bearer(
        client.post("/api/tokens", json={"project_id": m["project_id"]}, headers=admin).json()[
            "token"
        ]
    )
    agenda = client.get(f"/api/projects/{m['project_id']}/agenda", headers=token).json()["data"]
    assert (slot, table) in {
        (x["slot"], x["table"]) for x in agenda if x["resource_id"] == m["resource_id"]
    }
    assert client.get(f"/api/plans/{plan_id}", headers=admin).json()["status"] == "published"


def test_archiving_hides_makes_read_only_and_restores(client, admin, planned):
    event_id, plan_id = planned
    client.post(f"/api/plans/{plan_id}/publish", headers=admin)
    refused = client.post(f"/api/plans/{plan_id}/archive", headers=admin)
    assert refused.status_code == 409 and "unpublish" in refused.json()["detail"]
    assert client.post(f"/api/events/{event_id}/archive", headers=admin).status_code == 409
    client.post(f"/api/plans/{plan_id}/unpublish", headers=admin)

    archived = client.post(f"/api/plans/{plan_id}/archive", headers=admin)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    listed = lambda url: [x["id"] for x in client.get(url, headers=admin).json()["data"]]  # noqa: E731
    assert plan_id not in listed(f"/api/plans?event_id={event_id}")
    assert plan_id in listed(f"/api/plans?event_id={event_id}&archived=true")
    m = body(client, admin, plan_id)["meetings"][0]
    for call in (
        lambda: move(client, admin, plan_id, m, "14:00-14:15", "1号桌"),
        lambda: client.post(f"/api/plans/{plan_id}/publish", headers=admin),
        lambda: client.delete(f"/api/plans/{plan_id}", headers=admin),
    ):
        assert call().status_code == 409
    assert client.post(f"/api/plans/{plan_id}/restore", headers=admin).json()["archived"] is False

    assert client.post(f"/api/events/{event_id}/archive", headers=admin).json()["archived"]
    assert event_id not in listed("/api/events")
    assert event_id in listed("/api/events?archived=true")
    spec = client.get(f"/api/events/{event_id}", headers=admin).json()["spec"]
    assert client.put(f"/api/events/{event_id}", json=spec, headers=admin).status_code == 409
    assert client.post(f"/api/events/{event_id}/plans", json={}, headers=admin).status_code == 409
    assert client.post(f"/api/plans/{plan_id}/publish", headers=admin).status_code == 409
    assert client.post(f"/api/events/{event_id}/restore", headers=admin).status_code == 200
    assert event_id in listed("/api/events")
    assert client.put(f"/api/events/{event_id}", json=spec, headers=admin).status_code == 200
    client.post(f"/api/plans/{plan_id}/archive", headers=admin)  # deleted with its event
    assert client.delete(f"/api/events/{event_id}", headers=admin).status_code == 204
    assert listed("/api/plans?archived=true") == []


def test_an_existing_database_gains_the_archive_tables(settings, hash_encoder, admin):
    """A database made before archiving existed: starting the service adds the tables."""
    with TestClient(create_app(settings, fake_models(hash_encoder))) as first:
        wait_ready(first)
        event_id = first.post("/api/events", json=EVENT, headers=admin).json()["id"]
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE archived_plans")
        db.execute("DROP TABLE archived_events")
    with TestClient(create_app(settings, fake_models(hash_encoder))) as again:
        wait_ready(again)
        assert again.get("/api/events", headers=admin).json()["count"] == 1
        assert again.post(f"/api/events/{event_id}/archive", headers=admin).status_code == 200


def test_providers_serving_only_their_own_people_are_read_from_the_database(settings, client):
    """The edits' conflict-of-interest check exempts them (`matcher.plan.conflict`)."""
    fund = Resource(
        "RF", "潞河医科大学校友天使基金", "investor", description="硬门槛：团队至少有一位潞河校友。"
    )
    park = Resource("RP", "潞河医科大学科技园", "park", description="欢迎入驻。")
    engine = make_engine(settings.database_url)
    with sessionmaker(engine)() as session:
        crud.save_resources(session, [fund, park])
        session.commit()
        assert crud.serving_own_people(session, ["RF", "RP", "R404"]) == {"RF"}
    engine.dispose()
