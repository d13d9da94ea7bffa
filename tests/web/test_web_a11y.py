"""Accessibility: axe-core finds no serious or critical violation on the main pages, on a desktop
(1366×900) and a phone (390×844); the skip link and the meeting reasons work from the keyboard."""

from __future__ import annotations

import time

import pytest
from web_helpers import DESKTOP, PHONE, axe_violations, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plan_id(api_module) -> int:  # type: ignore[no-untyped-def]
    body = {
        "name": "无障碍测试",
        "start": "14:00",
        "end": "15:00",
        "minutes": 15,
        "min_meetings": 1,
        "max_meetings": 2,
    }
    event = api_module.post("/api/events", json=body).json()["id"]
    job = api_module.post(f"/api/events/{event}/plans", json={}).json()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = api_module.get(f"/api/jobs/{job['id']}").json()
        if state["status"] == "done":
            api_module.post(f"/api/plans/{state['plan_id']}/publish")
            return int(state["plan_id"])
        time.sleep(0.1)
    raise AssertionError("the plan did not finish")


PAGES = [
    "/login",
    "/projects",
    "/projects/P1",
    "/projects/P1?sort=name&order=desc",  # a sorted match list
    "/resources",
    "/resources?sort=capacity&order=desc",  # a sorted list: aria-sort on its header
    "/resources/R1",
    "/import",
    "/events",
    "/events?show=archived",
    "/plans/{plan}",
    "/dashboard",
    "/links",
    "/judging",
    "/models",
    "/no-such-page",
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_main_pages_have_no_serious_accessibility_violations(
    browser, base_url, plan_id, viewport
):
    phone = viewport == PHONE
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
        bypass_csp=True,
    )
    try:
        page = context.new_page()
        found = {}
        for path in PAGES:
            if path == "/projects":
                sign_in(page)
                page.wait_for_url("**/projects")
            else:
                page.goto(path.format(plan=plan_id))
            found[path] = axe_violations(page)
        page.goto("/import")  # the import page with its error table and marked sheet
        page.set_input_files(
            "input[name=file]",
            files=[
                {
                    "name": "坏表.csv",
                    "mimeType": "text/csv",
                    "buffer": "项目编号,项目名称,赛道,阶段\nP1,,器械,临床\n".encode(),
                }
            ],
        )
        page.click("#import-form button[type=submit]")
        found["/import (errors)"] = axe_violations(page)
        assert {path: v for path, v in found.items() if v} == {}
    finally:
        context.close()


def test_the_skip_link_and_the_meeting_reasons_work_from_the_keyboard(organiser, plan_id):
    page = organiser
    page.goto(f"/plans/{plan_id}")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("e => e === document.activeElement") and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    meeting = page.locator("#schedule details.meet").first
    assert not meeting.locator(".why").is_visible()
    meeting.locator("summary").focus()
    page.keyboard.press("Enter")
    assert meeting.locator(".why").is_visible() and meeting.locator(".why").inner_text()


def test_the_conflict_checkbox_is_named_by_its_label(organiser):
    page = organiser
    page.goto("/events")
    box = page.get_by_label(
        "回避同单位（项目与本单位资源方不安排会面；校友基金、技术转移中心等只服务本单位人员的资源方除外）"
    )
    assert box.is_checked()
    page.click("label[for=conflict-of-interest]")
    assert not box.is_checked()
