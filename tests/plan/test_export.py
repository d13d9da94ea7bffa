import csv

import pytest
from openpyxl import load_workbook

from matcher.plan import Event, neutralise, plan_event, write_plan
from matcher.plan.export import CSV_COLUMNS
from matcher.schema import Project, Resource

from .conftest import make_scores, projects, resources

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTAB", "\rCR", "\0NUL"]


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_prefixes_formula_starts(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["正常文本", "14:00-14:15", 3, -2.5, None])
def test_neutralise_leaves_safe_values(value):
    assert neutralise(value) == value


@pytest.fixture
def hostile_plan():
    ps = [Project("=P1", "=cmd|' /C calc'!A0", track="device"), Project("P2", "@项目")]
    rs = [Resource("-R1", "+资源方", "bank", capacity=2)]
    scores = make_scores(ps, rs, [[0.9], [0.8]])
    scores.reasons = lambda i, j: "=1+1 理由"
    return plan_event(scores, Event(name="=复赛", max_meetings=1, tables=["@桌"]))


def test_csv_has_exact_columns_bom_and_no_formulas(hostile_plan, tmp_path):
    path = write_plan(hostile_plan, tmp_path / "plan.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) == 3
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    assert rows[1][0] in ("'=P1", "P2") and rows[1][2] == "'-R1" and rows[1][3] == "'+资源方"


@pytest.fixture
def plan():
    """Three projects meeting two providers, scores the planner's grade / 3."""
    ps, rs = projects(3), resources(2, capacity=3)
    scores = make_scores(ps, rs, [[0.9, 0.5], [0.8, 0.7], [0.3, 0.6]])
    return plan_event(scores, Event(name="复赛", min_meetings=1, max_meetings=2, tables=["A", "B"]))


def test_csv_speaks_chinese_with_names_and_grades_0_to_3(plan, tmp_path):
    path = write_plan(plan, tmp_path / "plan.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "项目编号",
        "项目名称",
        "资源方编号",
        "资源方",
        "时段",
        "桌号",
        "预计专家评分（0–3）",
        "推荐理由",
    ]
    by_pair = {(m.project_id, m.resource_id): m for m in plan.meetings}
    for row in rows:
        meeting = by_pair[(row["项目编号"], row["资源方编号"])]
        assert row["项目名称"] == meeting.project_title and row["资源方"] == meeting.resource_name
        assert row["预计专家评分（0–3）"] == f"{meeting.score * 3:.2f}"


def test_xlsx_prints_one_page_per_participant_with_grades_as_numbers(plan, tmp_path):
    book = load_workbook(write_plan(plan, tmp_path / "plan.xlsx"))
    for title, key in (("资源方日程", "resource_id"), ("项目日程", "project_id")):
        sheet = book[title]
        header = [c.value for c in sheet[1]]
        grade = header.index("预计专家评分（0–3）") + 1
        rows = list(sheet.iter_rows(min_row=2))
        assert len(rows) == len(plan.meetings)
        assert all(isinstance(r[grade - 1].value, int | float) for r in rows)
        assert all(r[grade - 1].number_format == "0.00" for r in rows)
        expected = sorted(round(m.score * 3, 2) for m in plan.meetings)
        assert sorted(r[grade - 1].value for r in rows) == expected
        # a page break after each participant's last row: one printed page each
        ids = [r[0].value for r in rows]
        last_rows = [i + 1 for i in range(1, len(ids)) if ids[i] != ids[i - 1]]
        assert sorted(b.id for b in sheet.row_breaks.brk) == last_rows
        assert len(set(ids)) == len({getattr(m, key) for m in plan.meetings}) >= 2
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert "预计专家评分 0–3" in sheet.oddFooter.center.text


def test_xlsx_overview_speaks_to_organisers_and_keeps_technical_details_apart(plan, tmp_path):
    book = load_workbook(write_plan(plan, tmp_path / "plan.xlsx"))
    assert book.sheetnames[:5] == ["总览", "资源方日程", "项目日程", "未匹配与覆盖", "名额利用率"]
    assert book.sheetnames[-1] == "技术信息"
    overview = {r[0]: r[1] for r in book["总览"].iter_rows(values_only=True) if r and r[0]}
    assert overview["洽谈场数"] == len(plan.meetings)
    assert 0 <= overview["平均预计专家评分（0–3）"] <= 3
    assert "3 理想伙伴" in overview["评分说明"]
    assert not {"输入哈希", "上界", "随机种子", "目标值（匹配分+公平+覆盖）"} & set(overview)
    technical = {r[0]: r[1] for r in book["技术信息"].iter_rows(values_only=True) if r and r[0]}
    assert technical["输入哈希"] == plan.inputs_hash and "上界" in technical
    assert isinstance(technical["与上界差距"], int | float)
    use = book["名额利用率"]
    header = [c.value for c in use[1]]
    column = header.index("利用率")
    cells = [row[column] for row in use.iter_rows(min_row=2)]
    assert all(isinstance(c.value, int | float) and c.number_format == "0%" for c in cells)
    by_id = {r.resource_id: r for r in plan.resources}
    for row in use.iter_rows(min_row=2, values_only=True):
        summary = by_id[row[0]]
        assert row[column] == pytest.approx(summary.meetings / summary.capacity)


def test_xlsx_opens_with_chinese_sheets_and_no_formulas(hostile_plan, tmp_path):
    path = write_plan(hostile_plan, tmp_path / "plan.xlsx")
    book = load_workbook(path)
    assert book.sheetnames[:5] == ["总览", "资源方日程", "项目日程", "未匹配与覆盖", "名额利用率"]
    assert "技术信息" in book.sheetnames
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
    agenda = book["资源方日程"]
    assert [c.value for c in agenda[1]][:4] == ["资源方编号", "资源方", "类型", "时段"]
    assert agenda["A2"].value == "'-R1" and agenda["B2"].value == "'+资源方"
    assert agenda.auto_filter.ref
    assert book["总览"]["B1"].value == "'=复赛"


def test_unknown_suffix_is_refused(hostile_plan, tmp_path):
    with pytest.raises(ValueError):
        write_plan(hostile_plan, tmp_path / "plan.docx")
