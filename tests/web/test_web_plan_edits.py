"""The plan page's hand edits and archiving, without a browser (TestClient on a real SQLite
file) and once in Chromium: moving a meeting on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import (
    ADMIN_KEY,
    bearer,
    fake_models,
    finished_job,
    free_place,
    settings_for,
    wait_ready,
)
from web_helpers import organiser_session

from service.main import create_app

ADMIN = bearer(ADMIN_KEY)
EVENT = {"name": "现场调整", "start": "14:00", "end": "15:00", "minutes": 15, "tables": 3,
         "min_meetings": 1, "max_meetings": 2}  # fmt: skip


@pytest.fixture
def client(tmp_path: Path, hash_encoder: object) -> Iterator[TestClient]:
    app = create_app(settings_for(tmp_path), fake_models(hash_encoder))
    with TestClient(app, follow_redirects=False) as test_client:
        wait_ready(test_client)
        organiser_session(test_client)
        yield test_client


def _planned(api) -> tuple[int, int]:
    event_id = api.post("/api/events", json=EVENT, headers=ADMIN).json()["id"]
    job = api.post(f"/api/events/{event_id}/plans", json={}, headers=ADMIN).json()
    done = finished_job(api, ADMIN, job["id"])
    assert done["status"] == "done", done["message"]
    return event_id, done["plan_id"]


@pytest.fixture
def planned(client) -> tuple[int, int]:
    return _planned(client)


def _csrf(html: str, form_id: str) -> str:
    form = html[html.index(f'id="{form_id}"') :]
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found is not None
    return found.group(1)


def _body(client, plan_id: int) -> dict:
    return client.get(f"/api/plans/{plan_id}", headers=ADMIN).json()["body"]


def test_a_refused_move_shows_why_on_the_plan_page(client, planned):
    _, plan_id = planned
    plan = _body(client, plan_id)
    html = client.get(f"/plans/{plan_id}").text
    a = plan["meetings"][0]
    b = next(m for m in plan["meetings"] if m["slot"] != a["slot"])
    form = {"csrf": _csrf(html, "move-form"), "version": plan["plan_id"], "meeting": "0",
            "slot": b["slot"], "table": b["table"]}  # fmt: skip
    refused = client.post(f"/plans/{plan_id}/move", data=form)
    assert refused.status_code == 409
    alert = re.search(r'id="edit-error">([^<]+)<', refused.text)
    assert alert is not None and "改动被拒绝，排期未变" in alert.group(1)
    assert "已有会面" in alert.group(1)
    assert _body(client, plan_id) == plan


def test_a_published_plan_is_edited_only_when_confirmed(client, planned):
    _, plan_id = planned
    client.post(f"/api/plans/{plan_id}/publish", headers=ADMIN)
    plan = _body(client, plan_id)
    html = client.get(f"/plans/{plan_id}").text
    assert "确认调整已发布的日程" in html
    slot, table = free_place(plan, plan["meetings"][0])
    form = {"csrf": _csrf(html, "move-form"), "version": plan["plan_id"], "meeting": "0",
            "slot": slot, "table": table}  # fmt: skip
    assert client.post(f"/plans/{plan_id}/move", data=form).status_code == 422
    assert _body(client, plan_id) == plan
    done = client.post(f"/plans/{plan_id}/move", data={**form, "confirm": "on"})
    assert done.status_code == 303
    page = client.get(f"/plans/{plan_id}").text
    assert "人工调整 1 处" in page and "移动：" in page
    stale = client.post(f"/plans/{plan_id}/move", data={**form, "confirm": "on"})
    assert stale.status_code == 409 and "已被修改，请刷新页面后重试" in stale.text


def test_archived_events_and_plans_are_listed_apart_read_only_and_restorable(client, planned):
    event_id, plan_id = planned
    html = client.get(f"/plans/{plan_id}").text
    assert (
        client.post(
            f"/plans/{plan_id}/archive", data={"csrf": _csrf(html, "archive-plan")}
        ).status_code
        == 303
    )
    page = client.get(f"/plans/{plan_id}").text
    assert "已归档（只读）" in page and 'id="move-form"' not in page and 'id="restore-plan"' in page
    event_page = client.get(f"/events/{event_id}").text
    assert (
        'id="archived-plans"' in event_page
        and f'<a href="/plans/{plan_id}">{plan_id}</a>' not in event_page
    )
    client.post(f"/plans/{plan_id}/restore", data={"csrf": _csrf(page, "restore-plan")})

    csrf = _csrf(event_page, "archive-event")
    assert client.post(f"/events/{event_id}/archive", data={"csrf": csrf}).status_code == 303
    assert EVENT["name"] not in client.get("/events").text
    archived = client.get("/events?show=archived").text
    assert EVENT["name"] in archived and "已归档（1）" in archived
    event_page = client.get(f"/events/{event_id}").text
    assert 'id="archived-note"' in event_page and 'id="plan-form"' not in event_page
    refused = client.post(f"/events/{event_id}/plans", data={"csrf": csrf})
    assert refused.status_code == 409 and "已归档，只读" in refused.text
    assert EVENT["name"] not in client.get("/dashboard").text
    client.post(f"/events/{event_id}/restore", data={"csrf": csrf})
    assert EVENT["name"] in client.get("/events").text


@pytest.mark.slow
def test_moving_a_meeting_on_the_page(organiser, api):
    from playwright.sync_api import expect

    _, plan_id = _planned(api)
    plan = api.get(f"/api/plans/{plan_id}").json()["body"]
    slot, table = free_place(plan, plan["meetings"][0])
    page = organiser
    page.goto(f"/plans/{plan_id}")
    page.select_option("#move-meeting", "0")
    page.select_option("#move-slot", slot)
    page.select_option("#move-table", table)
    page.click("#move-form button[type=submit]")
    expect(page.locator("#plan-edited")).to_have_text("人工调整 1 处")
    row = page.locator("#schedule tbody tr", has=page.locator(f"th:text-is('{slot}')"))
    column = plan["tables"].index(table) if table in plan["tables"] else 0
    assert "人工调整" in row.locator("td").nth(column).inner_text()
    assert page.locator("#edits li").first.inner_text().startswith("移动：")
    page.select_option("#move-meeting", "0")
    page.select_option("#move-slot", slot)
    page.select_option("#move-table", table)
    page.click("#move-form button[type=submit]")
    expect(page.locator("#edit-error")).to_contain_text("未作改动")


def test_an_edit_of_an_archived_plan_says_why_on_its_page(client, planned):
    _, plan_id = planned
    plan = _body(client, plan_id)
    html = client.get(f"/plans/{plan_id}").text
    form = {"csrf": _csrf(html, "move-form"), "version": plan["plan_id"], "meeting": "0",
            "slot": plan["slots"][-1], "table": plan["tables"][-1]}  # fmt: skip
    client.post(f"/api/plans/{plan_id}/archive", headers=ADMIN)
    refused = client.post(f"/plans/{plan_id}/move", data=form)
    assert refused.status_code == 409 and 'id="edit-error"' in refused.text
    assert "已归档，只读" in refused.text and _body(client, plan_id) == plan
