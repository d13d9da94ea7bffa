"""The pages as organisers and token holders use them, in headless Chromium."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from web_helpers import PHONE, sign_in

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEADER = "项目编号,项目名称,项目简介,赛道,阶段,需求,地区,申报单位\n"


def _event(api, name: str, **changes: object) -> int:
    body = {
        "name": name,
        "start": "14:00",
        "end": "15:00",
        "minutes": 15,
        "min_meetings": 1,
        "max_meetings": 2,
        **changes,
    }
    response = api.post("/api/events", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _plan(api, event_id: int) -> int:
    job = api.post(f"/api/events/{event_id}/plans", json={}).json()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = api.get(f"/api/jobs/{job['id']}").json()
        if state["status"] == "done":
            return int(state["plan_id"])
        assert state["status"] != "failed", state["message"]
        time.sleep(0.1)
    raise AssertionError("the plan did not finish")


def test_login_refuses_a_wrong_key_and_lets_the_organiser_in(page):
    page.goto("/projects")
    assert "/login" in page.url
    sign_in(page, "not-the-key")
    assert page.locator("[role=alert]").inner_text() == "密钥无效或已被撤销。"
    sign_in(page)
    page.wait_for_url("**/projects")
    assert page.locator("#projects tbody tr").count() == 3
    cookie = next(c for c in page.context.cookies() if c["name"] == "mm_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_an_upload_with_errors_shows_them_in_place_and_the_fixed_sheet_imports(organiser, tmp_path):
    page = organiser
    page.goto("/import")
    page.set_input_files("input[name=file]", str(FIXTURES / "projects_bad.csv"))
    page.click("#import-form button[type=submit]")
    errors = page.locator("#import-errors")
    assert "未导入" in errors.locator("h2").inner_text()
    bad = page.locator("#sheet-preview td.bad", has_text="器械类")  # the cell itself is marked
    assert bad.count() == 1 and "invalid value" in bad.inner_text()
    assert page.locator("#sheet-preview td.bad", has_text="（空）").count() == 1  # empty title
    assert page.locator(".issues tbody tr").count() == 6

    fixed = tmp_path / "projects_fixed.csv"
    fixed.write_text(
        HEADER + "P9,无创血糖监测手环,可穿戴无创血糖监测，原型已完成，需要融资与临床资源。,"
        "医疗器械与智能制造,原型/概念验证,融资;临床资源/临床试验,天津,示例大学\n",
        encoding="utf-8",
    )
    page.set_input_files("input[name=file]", str(fixed))
    page.click("#import-form button[type=submit]")
    assert "新增 1" in page.locator("#import-result").inner_text()
    page.goto("/projects?q=血糖")
    assert page.locator("#projects tbody tr").count() == 1
    page.click("text=无创血糖监测手环")
    assert page.locator("#matches tbody tr").count() >= 3


def test_a_projects_page_ranks_partners_with_reasons_and_pins_or_blocks_a_pair(organiser, api):
    event_id = _event(api, "对接测试活动")
    page = organiser
    page.goto("/projects?track=device")
    page.click("text=新型冠脉药物洗脱支架")
    page.wait_for_url("**/projects/P1")
    rows = page.locator("#matches tbody tr")
    assert rows.count() >= 3
    assert rows.first.locator("td.reasons").inner_text().strip()  # every match says why
    page.select_option("select[name=event]", str(event_id))
    page.wait_for_url(f"**/projects/P1?event={event_id}")
    first = page.locator("#matches tbody tr").first
    partner = first.locator("td").nth(1).inner_text()
    first.locator("button[value=pin]").click()
    assert page.locator("#matches tbody tr").first.locator(".badge.pin").inner_text() == "必见"
    page.locator("#matches tbody tr").nth(1).locator("button[value=block]").click()
    assert page.locator("#matches tbody tr").nth(1).locator(".badge.block").count() == 1
    spec = api.get(f"/api/events/{event_id}").json()["spec"]
    assert len(spec["pins"]) == 1 and spec["pins"][0][0] == "P1" and len(spec["blocks"]) == 1
    page.goto(f"/events/{event_id}")
    assert page.locator("#pairs tbody tr").count() == 2 and partner
    page.locator("#pairs button[value=clear]").first.click()
    assert page.locator("#pairs tbody tr").count() == 1


def test_an_event_is_defined_and_planned_with_progress_then_the_workbook_downloads(
    organiser, tmp_path
):
    page = organiser
    page.goto("/events")
    page.fill("input[name=name]", "复赛：坏的名额")
    page.fill("textarea[name=capacity]", "R1 六个")
    page.click("#event-form button[type=submit]")
    assert "第 1 行" in page.locator("#event-errors").inner_text()  # shown, nothing created
    page.fill("input[name=name]", "天津中医药大学复赛")
    page.fill("input[name=end]", "15:00")
    page.fill("textarea[name=capacity]", "R1=3")
    page.fill("input[name=extra_min_grade]", "0")
    page.click("#event-form button[type=submit]")
    page.wait_for_url(re.compile(r"/events/\d+$"))
    assert "加场最低预期评分0（排满名额）" in page.locator(".facts").inner_text().replace("\n", "")
    with page.expect_response(re.compile(r"/jobs/\d+$")) as polled:  # the progress bar polls
        page.click("#plan-form button[type=submit]")
    assert polled.value.ok
    page.wait_for_url(re.compile(r"/plans/\d+$"), timeout=60_000)  # and opens the plan
    assert int(page.locator("#meeting-count").inner_text()) >= 3
    cells = page.locator("#schedule .meet")
    assert cells.count() == int(page.locator("#meeting-count").inner_text())
    assert page.locator("#agendas details").count() >= 3
    with page.expect_download() as download:
        page.click("#download-xlsx")
    saved = tmp_path / download.value.suggested_filename
    assert saved.suffix == ".xlsx"
    download.value.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    assert len(workbook.sheetnames) >= 2
    workbook.close()
    page.click("text=发布")
    assert page.locator("#plan-status").inner_text() == "已发布"


def test_a_project_token_sees_its_own_page_and_nothing_else(organiser, browser, base_url, api):
    _plan_id = _plan(api, _event(api, "个人日程测试"))
    api.post(f"/api/plans/{_plan_id}/publish")
    page = organiser
    page.goto("/projects/P1")
    page.click("text=生成个人链接")
    link = page.locator("#personal-link").input_value()
    assert link.startswith(f"{base_url}/me?token=mk_")

    holder = browser.new_context(base_url=base_url)
    try:
        mine = holder.new_page()
        mine.goto(link)
        mine.wait_for_url("**/projects/P1")
        assert mine.locator("h2", has_text="为您推荐的资源方").count() == 1
        assert mine.locator("nav[aria-label=主导航]").count() == 0
        assert mine.locator("#matches tbody tr").count() >= 1
        assert "会面" in mine.locator("main").inner_text()
        for other in ("/projects/P2", "/projects", "/resources/R1", "/dashboard", "/events"):
            response = mine.goto(other)
            assert response is not None and response.status == 403, other
            assert "无权访问" in mine.locator("h1").inner_text()
    finally:
        holder.close()


def test_forms_without_the_sessions_csrf_token_are_refused(organiser, api):
    event_id = _event(api, "跨站请求测试")
    form = {"project_id": "P1", "resource_id": "R1", "action": "pin"}
    refused = organiser.request.post(f"/events/{event_id}/pairs", form=form)
    assert refused.status == 403
    forged = organiser.request.post(f"/events/{event_id}/pairs", form={**form, "csrf": "guess"})
    assert forged.status == 403
    assert api.get(f"/api/events/{event_id}").json()["spec"]["pins"] == []


def test_the_dashboard_shows_coverage_capacity_use_and_plots(organiser, api):
    event_id = _event(api, "看板测试")
    published = _plan(api, event_id)
    api.post(f"/api/plans/{published}/publish")
    newer = _plan(api, event_id)
    page = organiser
    page.goto(f"/dashboard?event={event_id}")
    choice = page.locator("#plan-choice")
    assert choice.input_value() == str(published)  # the published plan by default, not the newest
    choice.select_option(str(newer))
    page.wait_for_url(f"**/dashboard?event={event_id}&plan={newer}")
    assert page.locator("#coverage td[title]").count() >= 3
    assert page.locator("#utilisation .bar").count() >= 1
    assert page.locator("#scores svg").count() == 1 and page.locator("#heatmap svg").count() == 1
    assert page.locator("#heatmap svg image").count() >= 1  # the score matrix (and colour bar)


def test_the_main_pages_fit_a_phone_screen(browser, base_url, api):
    plan_id = _plan(api, _event(api, "手机测试"))
    phone = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        sign_in(page)
        page.wait_for_url("**/projects")
        for path in (
            "/projects",
            "/projects/P1",
            "/resources",
            "/resources/R1",
            "/import",
            "/events",
            f"/plans/{plan_id}",
            "/dashboard",
        ):
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
    finally:
        phone.close()


def _live_links(api, subject: str) -> list[dict]:
    tokens = api.get("/api/tokens").json()["data"]
    return [t for t in tokens if t["subject_id"] == subject and t["revoked_at"] is None]


def test_a_personal_link_is_issued_once_and_the_page_keeps_working(organiser, api):
    event_id = _event(api, "个人链接测试")
    page = organiser
    page.goto(f"/projects/P2?event={event_id}")
    page.click("text=生成个人链接")
    page.wait_for_url(f"**/projects/P2?event={event_id}#link")  # a redirect: reload is a GET
    link = page.locator("#personal-link").input_value()
    page.select_option("select[name=type]", "hospital")
    page.click("form.filters button[type=submit]")  # the filter form used to GET …/link: 405
    page.wait_for_url(re.compile(r"/projects/P2\?.*type=hospital"))
    assert "Method Not Allowed" not in page.content()
    page.goto(f"/projects/P2?event={event_id}")
    page.locator("#matches tbody tr").first.locator("button[value=pin]").click()
    assert page.locator("#matches .badge.pin").count() == 1
    page.reload()
    assert page.locator("#personal-link").input_value() == link  # shown again, not re-issued
    assert len(_live_links(api, "P2")) == 1

    page.click("text=重新生成链接")
    fresh = page.locator("#personal-link").input_value()
    assert fresh != link and len(_live_links(api, "P2")) == 1
    page.click("button[data-copy='#personal-link']")
    expect(page.locator("button[data-copy='#personal-link']")).to_have_text("已复制")
    page.click("text=撤销链接")
    assert _live_links(api, "P2") == [] and page.locator("text=生成个人链接").count() == 1


def test_links_for_all_participants_of_an_event_and_their_workbook(organiser, api, tmp_path):
    event_id = _event(api, "批量链接测试", projects=["P1", "P3"], resources=["R2", "R3"])
    page = organiser
    page.goto("/links")
    page.select_option("select[name=event]", str(event_id))
    page.wait_for_url(f"**/links?event={event_id}")
    assert page.locator("#links tbody tr").count() == 4
    page.check("input[name=scope][value=all]")
    page.click("#bulk-form button[type=submit]")
    assert "已生成 4 个个人链接" in page.locator("#links-issued").inner_text()
    assert page.locator("#links tbody input.copy").count() == 4
    with page.expect_download() as download:
        page.click("#links-export")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(openpyxl.load_workbook(saved).active.values)
    assert [r[1] for r in rows[1:]] == ["P1", "P3", "R2", "R3"]
    assert all(str(r[4]).startswith("http") and "/me?token=mk_" in str(r[4]) for r in rows[1:])
    page.reload()  # a reload re-reads the page, it does not post again
    assert page.locator("#links tbody input.copy").count() == 4
    assert all(len(_live_links(api, s)) == 1 for s in ("P1", "P3", "R2", "R3"))
    page.locator("#links tbody tr[data-id=R3] button", has_text="撤销").click()
    assert page.locator("#links tbody tr[data-id=R3] .badge", has_text="未生成").count() == 1


def test_scores_read_as_expected_grades_everywhere(organiser, api, tmp_path):
    plan_id = _plan(api, _event(api, "评分尺度测试"))
    page = organiser
    page.goto("/projects/P1")
    assert "预计专家评分 0–3" in page.locator(".legend").first.inner_text()
    shown = [float(t) for t in page.locator("#matches td.score").all_inner_texts()]
    assert shown and all(0 <= s <= 3 for s in shown)
    page.goto(f"/plans/{plan_id}")
    assert 0 <= float(page.locator("#mean-grade").inner_text()) <= 3
    meeting = page.locator("#schedule .meet").first
    meeting.locator("summary").focus()  # the reasons open from the keyboard
    page.keyboard.press("Enter")
    assert meeting.locator(".why").is_visible() and "预计专家评分" in meeting.inner_text()
    with page.expect_download() as download:
        page.click("#download-xlsx")
    saved = tmp_path / "plan.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved)["项目日程"]
    header = [c.value for c in sheet[1]]
    column = header.index("预计专家评分（0–3）")
    grades = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert grades and all(0 <= g <= 3 for g in grades) and max(grades) > 1
    with page.expect_download() as download:
        page.click("#download-csv")
    text = Path(download.value.path()).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese as UTF-8
    header, *rows = csv.reader(io.StringIO(text.decode("utf-8-sig")))
    assert header[:4] == ["项目编号", "项目名称", "资源方编号", "资源方"]
    assert sorted(float(r[6]) for r in rows) == sorted(grades)
    page.goto("/dashboard")
    assert "预计专家评分" in page.locator("#scores svg").get_attribute("aria-label")
    assert page.locator("#heatmap svg[role=img][aria-label]").count() == 1


def test_pages_speak_chinese_for_errors_progress_and_imports(organiser):
    page = organiser
    missing = page.goto("/no-such-page")
    assert missing is not None and missing.status == 404
    assert "没有这个页面" in page.locator("[role=alert]").inner_text()
    invalid = page.goto("/projects/P1?k=500")
    assert invalid is not None and invalid.status == 422
    assert "显示条数：应不大于 50" in page.locator("[role=alert]").inner_text()
    page.goto("/events")
    page.fill("input[name=name]", "中文提示测试")
    page.fill("input[name=minutes]", "1")
    page.evaluate("document.querySelector('input[name=minutes]').removeAttribute('min')")
    page.click("#event-form button[type=submit]")
    assert "每场（分钟）：应不小于 5" in page.locator("#event-errors").inner_text()
    page.fill("input[name=minutes]", "15")
    page.fill("input[name=end]", "13:00")
    page.click("#event-form button[type=submit]")
    assert "结束时间应晚于开始时间" in page.locator("#event-errors").inner_text()

    page.goto("/import")
    missing_track = (
        "项目编号,项目名称,项目简介,阶段,需求\n"
        "P8,某项目,简介,临床试验,融资\n"
        "P9,另一项目,简介,临床后期,融资\n"  # row 3: a bad 阶段, shown with the missing column
    )
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "缺列.csv", "mimeType": "text/csv", "buffer": missing_track.encode()}],
    )
    page.click("#import-form button[type=submit]")
    assert page.locator(".issues td", has_text="赛道（track）").count() == 1
    rows = [r.inner_text().split("\t")[:2] for r in page.locator(".issues tbody tr").all()]
    assert rows == [["1", "赛道（track）"], ["3", "阶段"]]
    assert page.locator("#sheet-preview td.bad", has_text="临床后期").count() == 1
    page.set_input_files("input[name=file]", str(FIXTURES / "projects.csv"))
    page.click("#import-form button[type=submit]")
    assert "未变化" in page.locator("#import-result").inner_text()


def test_an_events_pairs_and_availability_show_names_and_flag_deleted_records(organiser, api):
    project = api.get("/api/projects/P1").json()
    created = api.put(
        "/api/projects/PGONE",
        json={k: v for k, v in project.items() if k not in ("project_id", "updated_at")},
    )
    assert created.status_code in (200, 201), created.text
    event_id = _event(
        api, "名称显示", pins=[["P1", "R1"], ["PGONE", "R1"]], availability={"R1": ["14:00-14:30"]}
    )
    assert api.delete("/api/projects/PGONE").status_code == 204
    page = organiser
    page.goto(f"/events/{event_id}")
    rows = page.locator("#pairs tbody tr")
    assert f"P1 · {project['title']}" in rows.nth(0).inner_text()
    assert "已删除" in rows.nth(1).inner_text()  # a pin left dangling by a deletion is flagged
    available = page.locator("#availability tbody tr").first.inner_text()
    assert "R1 ·" in available and "14:00-14:15、14:15-14:30" in available
    assert "14:30-14:45" not in available


def test_the_event_page_checks_capacity_before_planning(organiser, api):
    event_id = _event(api, "容量不足", tables=1, min_meetings=2)  # 4 slots × 1 table
    page = organiser
    page.goto(f"/events/{event_id}")
    first = page.locator("#capacity li").first
    assert first.inner_text().startswith("时段×桌数最多容纳 4 场，少于最少需求")
    assert "warning" in (first.get_attribute("class") or "")


def test_a_second_plan_replaces_the_published_one_only_when_confirmed(organiser, api):
    event_id = _event(api, "发布确认")
    first, second = _plan(api, event_id), _plan(api, event_id)
    api.post(f"/api/plans/{first}/publish")
    page = organiser
    page.goto(f"/plans/{second}")
    assert "取代已发布的排期" in page.locator("#publish-form").inner_text()
    unconfirmed = page.request.post(
        f"/plans/{second}/publish",
        form={"csrf": page.locator("#publish-form input[name=csrf]").input_value()},
    )
    assert unconfirmed.status == 422  # without the box ticked nothing changes
    assert api.get(f"/api/plans/{first}").json()["status"] == "published"
    page.click("#compare-published")
    assert page.locator("#diff-summary").inner_text().startswith("新增")
    page.go_back()
    page.check("#publish-form input[name=confirm]")
    page.click("#publish-form button[type=submit]")
    assert page.locator("#plan-status").inner_text() == "已发布"
    assert api.get(f"/api/plans/{first}").json()["status"] == "draft"
    page.check("#unpublish-form input[name=confirm]")
    page.click("#unpublish-form button[type=submit]")
    assert page.locator("#plan-status").inner_text() == "草稿"
    page.check("#delete-form input[name=confirm]")
    page.click("#delete-form button[type=submit]")
    page.wait_for_url(f"**/events/{event_id}")
    assert api.get(f"/api/plans/{second}").status_code == 404


def test_a_project_page_tries_another_description_and_details_each_partner(organiser):
    page = organiser
    page.goto("/projects/P1")
    card = page.locator("#matches details.card-detail").first
    card.locator("summary").click()
    assert "可提供" in card.inner_text() and "服务阶段" in card.inner_text()
    page.fill("#try textarea[name=try]", "中药配方颗粒，需要中试生产和注册申报")
    page.click("#try button[type=submit]")
    rows = page.locator("#tried tbody tr")
    assert rows.count() >= 1 and rows.first.locator("td.reasons").inner_text().strip()
    assert page.locator("#try textarea[name=try]").input_value().startswith("中药配方颗粒")


def test_a_participant_says_whom_it_wants_to_meet(organiser, browser, base_url, api):
    event_id = _event(api, "意愿测试")
    elsewhere = _event(api, "别的活动", projects=["P1"])  # P2 does not attend this one
    page = organiser
    page.goto("/projects/P2")
    page.click("text=生成个人链接")
    link = page.locator("#personal-link").input_value()
    holder = browser.new_context(base_url=base_url)
    try:
        mine = holder.new_page()
        mine.goto(link)
        mine.wait_for_url("**/projects/P2")
        first = mine.locator("#matches tbody tr").first
        wanted = first.get_attribute("data-id")
        first.locator("button[value=want]").click()
        assert mine.locator("#matches tbody tr").first.locator(".badge.pin").inner_text() == "想见"
        wishes = api.get(f"/api/events/{event_id}").json()["spec"]["wishes"]
        assert wishes == [["P2", wanted, "want"]]
        csrf = mine.locator("#matches input[name=csrf]").first.input_value()
        form = {"csrf": csrf, "event_id": str(elsewhere), "target_id": wanted, "wish": "want"}
        assert mine.request.post("/me/wishes", form=form).status == 403
        mine.locator("#matches tbody tr").first.locator("button[value=clear]").click()
        assert api.get(f"/api/events/{event_id}").json()["spec"]["wishes"] == []
    finally:
        holder.close()


def test_a_replacing_import_shows_what_it_deletes_waits_for_confirmation_and_can_be_undone(
    organiser, api
):
    project = api.get("/api/projects/P1").json()
    body = {k: v for k, v in project.items() if k not in ("project_id", "updated_at")}
    assert api.put("/api/projects/PREPL", json={**body, "title": "将被替换掉的项目"}).is_success
    page = organiser
    page.goto("/import")
    page.check("input[name=mode][value=replace]")
    page.set_input_files("input[name=file]", str(FIXTURES / "projects.csv"))
    page.click("#import-form button[type=submit]")
    assert "PREPL · 将被替换掉的项目" in page.locator("#to-delete").inner_text()
    assert api.get("/api/projects/PREPL").status_code == 200  # nothing happened yet
    page.check("#replace-confirm input[name=confirm]")
    page.click("#replace-confirm button[type=submit]")
    assert "删除" in page.locator("#import-result").inner_text()
    assert api.get("/api/projects/PREPL").status_code == 404
    page.click("#restore-form button[type=submit]")
    assert "已恢复备份" in page.locator("#import-result").inner_text()
    assert api.get("/api/projects/PREPL").json()["title"] == "将被替换掉的项目"
    api.delete("/api/projects/PREPL")
