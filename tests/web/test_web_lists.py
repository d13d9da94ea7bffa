"""The project and provider lists: sortable headers, 导出Excel of the rows shown, cards on a phone."""

from __future__ import annotations

import openpyxl
import pytest
from web_helpers import DESKTOP, PHONE

pytestmark = pytest.mark.slow

LISTS = [("/projects", "#projects"), ("/resources", "#resources")]


def _column(page, table: str, label: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f"{table} tbody td[data-label='{label}']").all_inner_texts()


def test_a_header_sorts_the_list_from_the_keyboard_and_says_how(organiser):
    page = organiser
    page.goto("/projects")
    assert page.locator("#projects thead th[aria-sort]").count() == 0  # the file's order
    header = page.locator("#projects thead th", has_text="项目名称")
    header.locator("a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=title**")
    assert header.get_attribute("aria-sort") == "ascending"
    assert page.locator("#projects thead th[aria-sort]").count() == 1
    titles = _column(page, "#projects", "项目名称")
    assert len(titles) >= 3 and titles == sorted(titles)
    header.locator("a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**order=desc**")
    assert header.get_attribute("aria-sort") == "descending"
    assert _column(page, "#projects", "项目名称") == sorted(titles, reverse=True)


def test_sorting_keeps_the_filters_and_numbers_sort_as_numbers(organiser, api):
    page = organiser
    page.goto("/resources?type=cdmo")
    page.locator("#resources thead th", has_text="名额").locator("a").click()
    page.wait_for_url("**sort=capacity**")
    assert "type=cdmo" in page.url
    types = set(_column(page, "#resources", "类型"))
    assert types == {"CDMO/CMO"}
    capacities = [int(c) for c in _column(page, "#resources", "名额")]
    assert capacities == sorted(capacities)
    expected = sorted(
        r["capacity"] for r in api.get("/api/resources").json()["data"] if r["type"] == "cdmo"
    )
    assert capacities == expected


def test_the_excel_export_holds_the_rows_the_filtered_sorted_list_shows(organiser, tmp_path):
    page = organiser
    page.goto("/resources?region=beijing&sort=capacity&order=desc")
    ids = _column(page, "#resources", "编号")
    assert len(ids) >= 2
    with page.expect_download() as download:
        page.click("#export-xlsx")
    saved = tmp_path / "resources.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    header = [c.value for c in sheet[1]]
    assert header == ["编号", "名称", "类型", "可提供资源", "服务赛道", "服务阶段", "地区", "名额"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ids
    assert all(r[6] == "北京" for r in rows)
    assert all(isinstance(r[7], int) for r in rows)
    assert [r[7] for r in rows] == sorted((r[7] for r in rows), reverse=True)
    assert sheet.freeze_panes == "A2"

    page.goto("/projects?track=device")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert [c.value for c in sheet[1]] == [
        "编号",
        "项目名称",
        "赛道",
        "阶段",
        "需求",
        "地区",
        "申报单位",
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == _column(page, "#projects", "编号")
    assert rows and all(r[2] == "医疗器械与智能制造" for r in rows)


@pytest.mark.parametrize(("path", "table"), LISTS)
def test_on_a_phone_the_lists_are_cards_that_never_scroll_sideways(organiser, path, table):
    page = organiser
    page.set_viewport_size(PHONE)
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wrapper = page.locator(f"{table}").locator("xpath=..")
    assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth")
    card = page.locator(f"{table} tbody tr").first
    box = card.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    assert card.locator("td[data-label='地区']").is_visible()
    second = "申报单位" if path == "/projects" else "类型"
    assert card.locator(f"td[data-label='{second}']").is_visible()
    sort_link = page.locator(f"{table} thead a").first  # sorting still works on a phone
    assert sort_link.is_visible()
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize(
    ("path", "name", "kind"),
    [("/projects/P1?k=5", "资源方", "类型"), ("/resources/R1?k=5", "项目", "赛道")],
)
def test_a_match_list_sorts_by_a_header_and_exports_what_it_shows(
    organiser, tmp_path, path, name, kind
):
    page = organiser
    page.goto(path)
    header = page.locator("#matches thead th", has_text=name)
    header.locator("a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=name**")
    assert header.get_attribute("aria-sort") == "ascending"
    assert "k=5" in page.url
    names = [n.split("\n")[0] for n in _column(page, "#matches", name)]
    assert names == sorted(names) and len(names) >= 2
    scores = [float(s) for s in _column(page, "#matches", "预计专家评分")]
    with page.expect_download() as download:
        page.click("#export-xlsx")
    saved = tmp_path / "matches.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert [c.value for c in sheet[1]] == ["排名", name, kind, "预计专家评分（0–3）", "推荐理由"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == names
    assert [r[3] for r in rows] == pytest.approx(scores, abs=0.005)
    assert all(isinstance(r[0], int) for r in rows)
