"""Learning in the browser: one-click grades on a project's suggestions and in the judging
queue, the model page, and a token holder's meeting rating (with axe on the new forms)."""

from __future__ import annotations

import time

import pytest
from web_helpers import axe_violations

pytestmark = pytest.mark.slow


def test_grading_a_suggestion_shows_the_grade_after_reload_and_in_the_api(organiser, api):
    page = organiser
    page.goto("/projects/P1")
    row = page.locator("#matches tr[data-id]").first
    resource_id = row.get_attribute("data-id")
    row.get_by_role("button", name="合适", exact=True).click()
    page.wait_for_url("**/projects/P1*")
    page.reload()
    row = page.locator(f"#matches tr[data-id='{resource_id}']")
    assert row.locator(".current-grade").inner_text() == "已评：合适"
    assert (
        row.get_by_role("button", name="合适", exact=True).get_attribute("aria-pressed") == "true"
    )
    graded = api.get("/api/judgments").json()["data"]
    assert {"project_id": "P1", "resource_id": resource_id, "grade": 2} in [
        {k: g[k] for k in ("project_id", "resource_id", "grade")} for g in graded
    ]


def test_a_pair_graded_in_the_queue_leaves_the_queue(organiser, api):
    page = organiser
    page.goto("/judging?project=P2")
    first = page.locator("#queue tr[data-resource]").first
    resource_id = first.get_attribute("data-resource")
    first.get_by_role("button", name="不合适", exact=True).click()
    page.wait_for_url("**/judging?project=P2")
    assert page.locator(f"#queue tr[data-resource='{resource_id}']").count() == 0
    graded = {
        (g["project_id"], g["resource_id"]): g["grade"]
        for g in api.get("/api/judgments").json()["data"]
    }
    assert graded["P2", resource_id] == 0


def test_the_model_page_explains_a_refit_without_enough_grades(organiser):
    page = organiser
    page.goto("/models")
    assert page.locator("#versions tr[data-version='0'] .badge").inner_text() == "使用中"
    page.get_by_role("button", name="重新训练").click()
    assert "至少需要 10 个" in page.locator("#refit-problem").inner_text()


def test_a_project_rates_its_published_meeting_on_its_personal_page(browser, base_url, api):
    body = {"name": "评价测试", "start": "14:00", "end": "15:00", "minutes": 15, "max_meetings": 2}
    event = api.post("/api/events", json=body).json()["id"]
    job = api.post(f"/api/events/{event}/plans", json={}).json()
    deadline = time.monotonic() + 60
    while (state := api.get(f"/api/jobs/{job['id']}").json())["status"] != "done":
        assert time.monotonic() < deadline and state["status"] != "failed", state
        time.sleep(0.1)
    api.post(f"/api/plans/{state['plan_id']}/publish")
    token = api.post("/api/tokens", json={"project_id": "P3"}).json()["token"]
    context = browser.new_context(base_url=base_url, locale="zh-CN", bypass_csp=True)  # axe
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/me?token={token}")
    form = page.locator(f"#ratings form:has(input[name=event_id][value='{event}'])").first
    resource_id = form.locator("input[name=resource_id]").get_attribute("value")
    form.locator("select[name=stars]").select_option("4")
    form.get_by_label("是否后续跟进").check()
    form.get_by_role("button", name="提交评价").click()
    page.wait_for_url("**#ratings")
    form = page.locator(f"#ratings form:has(input[name=event_id][value='{event}'])").first
    assert "已评 4 星，希望跟进" in form.inner_text()
    assert axe_violations(page) == []
    context.close()
    pairs = api.get("/api/judgments").json()["data"]
    pair = next(p for p in pairs if (p["project_id"], p["resource_id"]) == ("P3", resource_id))
    assert pair["counts"] == {"rating": 1} and pair["grade"] == 2  # 4★ with follow-up


def test_the_model_page_lists_versions_with_their_comparison_and_activates_one(
    tmp_path, hash_encoder
):
    """Without a browser: a refit started from the page, its version listed with the held-out
    comparison and chart, then activated with 启用."""
    import re

    from fastapi.testclient import TestClient
    from learning_helpers import grades, write_catalogue
    from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready
    from web_helpers import organiser_session

    from matcher.features import feature_names
    from matcher.fusion import Fusion
    from service.main import create_app

    settings = settings_for(tmp_path, sample_dir=write_catalogue(tmp_path / "sample"))
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        names = feature_names(("hash",))
        client.app.state.refits.fit = lambda rows: Fusion(names, "zsum")  # type: ignore[attr-defined]
        client.post("/api/judgments", json=grades(), headers=bearer(ADMIN_KEY))
        organiser_session(client)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/models").text).group(1)
        started = client.post("/models/refit", data={"csrf": csrf}, follow_redirects=False)
        assert started.status_code == 303 and "/models?job=" in started.headers["location"]
        deadline = time.monotonic() + 120
        while 'data-version="1"' not in (html := client.get(started.headers["location"]).text):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert "未胜出" in html and 'role="img"' in html  # the comparison chart
        assert "已完成" in html and "未胜过当前模型" in html
        activated = client.post("/models/1/activate", data={"csrf": csrf}, follow_redirects=False)
        assert activated.status_code == 303
        row = re.search(r'<tr data-version="1"[^>]*>.*?</tr>', client.get("/models").text, re.S)
        assert row is not None and "使用中" in row.group(0)


def test_a_sheet_of_grades_imports_from_the_queue_page_all_or_nothing(organiser, api, tmp_path):
    good, bad = tmp_path / "grades.csv", tmp_path / "grades_bad.csv"
    good.write_text("项目编号,资源方编号,评分\nP3,R1,3\nP3,R2,0\n", encoding="utf-8")
    bad.write_text("项目编号,资源方编号,评分\nP3,R3,2\nP404,R1,1\n", encoding="utf-8")
    before = api.get("/api/judgments").json()["data"]
    page = organiser
    page.goto("/judging")
    page.click("#grade-import summary")
    page.set_input_files("#grade-import input[name=file]", str(bad))
    refused = page.expect_response(lambda r: r.url.endswith("/judging/import"))
    with refused as response:
        page.click("#grade-import button[type=submit]")
    assert response.value.status == 422 and "P404" in page.locator("main").inner_text()
    assert api.get("/api/judgments").json()["data"] == before  # all or nothing
    page.goto("/judging")
    page.click("#grade-import summary")
    page.set_input_files("#grade-import input[name=file]", str(good))
    page.click("#grade-import button[type=submit]")
    assert page.locator("#grades-imported").inner_text() == "已导入 2 条评分。"
    graded = {
        (g["project_id"], g["resource_id"]): g["grade"]
        for g in api.get("/api/judgments").json()["data"]
    }
    assert graded[("P3", "R1")] == 3 and graded[("P3", "R2")] == 0
