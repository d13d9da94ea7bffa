"""Personal links without a browser: redirect after every post, one active link per participant,
revoke and re-issue, bulk generation for an event and its Excel for a mail merge."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready
from web_helpers import organiser_session

from service.main import create_app

ADMIN = bearer(ADMIN_KEY)


@pytest.fixture
def client(tmp_path: Path, hash_encoder: object) -> Iterator[TestClient]:
    app = create_app(settings_for(tmp_path), fake_models(hash_encoder))
    with TestClient(app, follow_redirects=False) as test_client:
        wait_ready(test_client)
        organiser_session(test_client)
        yield test_client


def _csrf(client: TestClient, path: str = "/links") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def _live(client: TestClient, subject: str) -> list[dict]:
    tokens = client.get("/api/tokens", headers=ADMIN).json()["data"]
    return [t for t in tokens if t["subject_id"] == subject and t["revoked_at"] is None]


def _link(html: str) -> str:
    found = re.search(r'value="([^"]*/me\?token=[^"]+)"', html)
    assert found is not None, "no link on the page"
    return found.group(1)


def test_a_link_is_issued_by_a_redirect_and_shown_again_without_issuing_another(client):
    csrf = _csrf(client, "/projects/P1")
    answer = client.post("/projects/P1/link", data={"csrf": csrf, "next": "/projects/P1?event=2"})
    assert answer.status_code == 303 and answer.headers["location"] == "/projects/P1?event=2#link"
    first = _link(client.get("/projects/P1").text)
    assert _link(client.get("/projects/P1").text) == first  # a reload shows it, issues nothing
    assert len(_live(client, "P1")) == 1
    assert client.get(first.split("testserver", 1)[1]).status_code == 200  # the link works


def test_issuing_again_revokes_the_old_link_at_once(client):
    csrf = _csrf(client, "/projects/P1")
    client.post("/projects/P1/link", data={"csrf": csrf})
    old_token = _link(client.get("/projects/P1").text).split("token=")[1]
    assert client.get("/api/projects/P1/matches", headers=bearer(old_token)).status_code == 200
    client.post("/projects/P1/link", data={"csrf": csrf})
    new_token = _link(client.get("/projects/P1").text).split("token=")[1]
    assert new_token != old_token and len(_live(client, "P1")) == 1
    assert client.get("/api/projects/P1/matches", headers=bearer(old_token)).status_code == 401
    assert client.get("/api/projects/P1/matches", headers=bearer(new_token)).status_code == 200


def test_a_link_is_revoked_from_the_links_page(client):
    csrf = _csrf(client)
    client.post("/resources/R1/link", data={"csrf": csrf})
    token = _link(client.get("/resources/R1").text).split("token=")[1]
    key_id = _live(client, "R1")[0]["token_id"]
    answer = client.post(f"/links/{key_id}/revoke", data={"csrf": csrf, "next": "/links"})
    assert answer.status_code == 303 and answer.headers["location"] == "/links"
    assert _live(client, "R1") == []
    assert client.get("/api/resources/R1/matches", headers=bearer(token)).status_code == 401
    assert "已有有效的个人链接" not in client.get("/resources/R1").text
    assert client.post("/links/nothing/revoke", data={"csrf": csrf}).status_code == 404


def test_bulk_links_for_an_event_and_their_workbook(client):
    body = {"name": "复赛", "projects": ["P1", "P2"], "resources": ["R1"]}
    event = client.post("/api/events", json=body, headers=ADMIN).json()["id"]
    csrf = _csrf(client)
    client.post("/projects/P1/link", data={"csrf": csrf})
    kept = _live(client, "P1")[0]["token_id"]
    answer = client.post("/links/bulk", data={"csrf": csrf, "event": event, "scope": "missing"})
    assert answer.headers["location"] == f"/links?event={event}&issued=2"  # P1 had one
    assert _live(client, "P1")[0]["token_id"] == kept
    listing = client.get(answer.headers["location"]).text
    assert "已生成 2 个个人链接" in listing and listing.count('data-copy="#link-') == 3
    assert _live(client, "P3") == []  # not a participant

    workbook = client.get(f"/links/export?event={event}")
    assert workbook.headers["content-disposition"].endswith(f'personal-links-{event}.xlsx"')
    rows = list(openpyxl.load_workbook(io.BytesIO(workbook.content)).active.values)
    assert rows[0] == ("类型", "编号", "名称", "单位或类型", "个人链接", "说明")
    assert [r[1] for r in rows[1:]] == ["P1", "P2", "R1"]
    assert all(str(r[4]).startswith("http://testserver/me?token=mk_") for r in rows[1:])

    client.post("/links/bulk", data={"csrf": csrf, "event": event, "scope": "all"})
    assert _live(client, "P1")[0]["token_id"] != kept and len(_live(client, "P1")) == 1


def test_link_forms_need_the_sessions_token(client):
    assert client.post("/projects/P1/link", data={}).status_code == 403
    assert client.post("/links/bulk", data={"csrf": "guess"}).status_code == 403
    assert _live(client, "P1") == []
