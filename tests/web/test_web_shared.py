"""Pages and the API share plain functions: the same error reads as JSON on /api and as a
Chinese page elsewhere, and no page calls an API route function."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready
from web_helpers import organiser_session

from service.main import create_app

WEB = Path(__file__).resolve().parents[2] / "service" / "web"
ADMIN = bearer(ADMIN_KEY)


@pytest.fixture
def client(tmp_path: Path, hash_encoder: object) -> Iterator[TestClient]:
    app = create_app(settings_for(tmp_path), fake_models(hash_encoder))
    with TestClient(app, follow_redirects=False) as test_client:
        wait_ready(test_client)
        organiser_session(test_client)
        yield test_client


@pytest.mark.parametrize("module", sorted(WEB.glob("*.py")), ids=lambda p: p.name)
def test_no_page_imports_the_api_routes(module: Path):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = [
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    ]
    assert not [name for name in imported if "routes" in name.split(".")]


@pytest.mark.parametrize(
    ("what", "page_text"),
    [
        ("event", "没有编号为 999 的活动。"),
        ("plan", "没有编号为 999 的排期。"),
        ("job", "没有编号为 999 的任务。"),
    ],
)
def test_not_found_is_json_for_the_api_and_a_page_for_a_person(client, what, page_text):
    answer = client.get(f"/api/{what}s/999", headers=ADMIN)
    assert answer.status_code == 404 and answer.json() == {"detail": f"no {what} 999"}
    shown = client.get(f"/{what}s/999")
    assert shown.status_code == 404 and page_text in shown.text


def test_a_pair_pinned_on_the_page_is_checked_like_an_api_event(client):
    event = client.post("/api/events", json={"name": "复赛"}, headers=ADMIN).json()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/events").text)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "project_id": "P1", "resource_id": "R1", "action": "pin"}
    assert client.post(f"/events/{event['id']}/pairs", data=form).status_code == 303
    spec = client.get(f"/api/events/{event['id']}", headers=ADMIN).json()["spec"]
    assert spec["pins"] == [["P1", "R1"]]
    bad = {**form, "project_id": "P/1"}  # an id the API refuses is refused here too
    refused = client.post(f"/events/{event['id']}/pairs", data=bad)
    assert refused.status_code == 422 and "slashes" in refused.text
