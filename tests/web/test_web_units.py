"""The web layer without a browser: sessions, redirects, form parsing, revocation, CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready

from service.main import create_app
from service.schemas import EventCreate
from service.web import messages
from service.web.events import spec_from_form
from service.web.render import local_path

ADMIN = bearer(ADMIN_KEY)


@pytest.fixture
def client(tmp_path: Path, hash_encoder: object) -> Iterator[TestClient]:
    app = create_app(settings_for(tmp_path), fake_models(hash_encoder))
    with TestClient(app, follow_redirects=False) as test_client:
        wait_ready(test_client)
        yield test_client


def _sign_in(client: TestClient) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    answer = client.post("/login", data={"key": ADMIN_KEY, "csrf": token.group(1)})
    assert answer.status_code == 303 and answer.headers["location"] == "/projects"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/projects?q=1", "/projects?q=1"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_after_login_only_paths_on_this_site_are_followed(value, expected):
    assert local_path(value) == expected


def test_the_event_form_becomes_the_apis_event_body():
    form = {
        "name": "复赛",
        "start": "09:00",
        "end": "10:00",
        "minutes": "20",
        "tables": "A1, A2",
        "projects": "P1 P2\nP3",
        "capacity": "R1=3\nR2：2",
        "availability": "R1 = 09:00-09:40",
        "conflict_of_interest": "on",
    }
    body = EventCreate.model_validate(spec_from_form(form))
    assert body.tables == ["A1", "A2"] and body.projects == ["P1", "P2", "P3"]
    assert body.capacity == {"R1": 3, "R2": 2} and body.availability == {"R1": ["09:00-09:40"]}
    assert body.minutes == 20 and body.conflict_of_interest and body.resources is None
    with pytest.raises(ValueError, match="第 1 行"):
        spec_from_form({"name": "x", "capacity": "R1 三个"})


def test_pages_need_a_session_and_login_needs_its_forms_token(client):
    assert client.get("/projects").headers["location"] == "/login?next=/projects"
    refused = client.post("/login", data={"key": ADMIN_KEY, "csrf": "made-up"})
    assert refused.status_code == 403 and "mm_session" not in refused.cookies


def test_a_revoked_personal_link_stops_working_at_once(client):
    issued = client.post("/api/tokens", json={"project_id": "P1"}, headers=ADMIN).json()
    landing = client.get(f"/me?token={issued['token']}")
    assert landing.status_code == 200 and 'content="0;url=/projects/P1"' in landing.text
    assert landing.headers["referrer-policy"] == "no-referrer"
    assert client.get("/projects/P1").status_code == 200
    assert client.get("/projects/P2").status_code == 403
    client.delete(f"/api/tokens/{issued['token_id']}", headers=ADMIN)
    assert client.get("/projects/P1").headers["location"].startswith("/login")
    assert client.get("/me?token=mk_nothing.here").status_code == 401


def test_the_event_page_shows_the_progress_of_a_plan_job(client):
    _sign_in(client)
    event = client.post("/api/events", json={"name": "进度", "end": "15:00"}, headers=ADMIN).json()
    job = client.post(f"/api/events/{event['id']}/plans", json={}, headers=ADMIN).json()
    page = client.get(f"/events/{event['id']}?job={job['id']}").text
    assert f'data-job="{job["id"]}"' in page and "<progress" in page
    state = client.get(f"/jobs/{job['id']}").json()
    assert state["id"] == job["id"] and 0.0 <= state["progress"] <= 1.0


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("assigning and scheduling meetings", "正在分配并排定会面"),
        ("12 meetings planned", "已排 12 场会面"),
        (
            "Value error, slots need end after start and a positive length",
            "结束时间应晚于开始时间，且每场时长应为正数",
        ),
        ("something new", "something new"),
    ],
)
def test_job_progress_and_event_messages_read_in_chinese(english, chinese):
    assert messages.chinese(english) == chinese


def test_a_validation_error_names_the_field_in_chinese():
    error = {"type": "greater_than_equal", "loc": ("body", "minutes"), "msg": "x", "ctx": {"ge": 5}}
    assert messages.validation_error(error) == "每场（分钟）：应不小于 5"


def test_a_list_workbook_keeps_numbers_and_neutralises_formula_like_text():
    import io

    import openpyxl

    from service.web.tables import Column, workbook

    columns = [
        Column("name", "名称", lambda r: r[0]),
        Column("capacity", "名额", lambda r: r[1]),
    ]
    data = workbook("资源方", columns, [('=HYPERLINK("x")', 6), ("-1 号", 0), ("普通", 3)])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "资源方"
    assert [c.value for c in sheet[1]] == ["名称", "名额"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [('\'=HYPERLINK("x")', 6), ("'-1 号", 0), ("普通", 3)]
    assert all(sheet.cell(r, 1).data_type == "s" for r in range(2, 5))


def test_list_sorting_by_a_known_column_only():
    from service.web.tables import Column, sort_rows, sorting

    columns = [Column("n", "数", lambda r: r, number=True)]
    assert sort_rows([3, 1, 2], columns, sorting(columns, "n", "desc")) == [3, 2, 1]
    assert sort_rows([3, 1, 2], columns, sorting(columns, "nope", "desc")) == [3, 1, 2]
    assert sorting(columns, "n", "sideways").descending is False
