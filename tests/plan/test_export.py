import csv

import pytest
from openpyxl import load_workbook

from matcher.plan import Event, neutralise, plan_event, write_plan
from matcher.plan.export import CSV_COLUMNS
from matcher.schema import Project, Resource

from .conftest import make_scores

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
    assert rows[1][0] in ("'=P1", "P2") and rows[1][1] == "'-R1"


def test_xlsx_opens_with_chinese_sheets_and_no_formulas(hostile_plan, tmp_path):
    path = write_plan(hostile_plan, tmp_path / "plan.xlsx")
    book = load_workbook(path)
    assert book.sheetnames[:5] == ["总览", "资源方日程", "项目日程", "未匹配与覆盖", "名额利用率"]
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
