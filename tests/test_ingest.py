from pathlib import Path

import openpyxl
import pytest

from matcher.errors import InputError
from matcher.ingest import read_projects, read_qrels, read_resources, split_list

FIXTURES = Path(__file__).parent / "fixtures"


def test_reads_chinese_headers_and_labels():
    projects = read_projects(FIXTURES / "projects.csv")
    assert [p.project_id for p in projects] == ["P1", "P2", "P3"]
    p1 = projects[0]
    assert (p1.track, p1.stage, p1.needs, p1.region) == (
        "device",
        "clinical",
        ("funding", "clinical"),
        "beijing",
    )
    assert p1.institution == "首都示例医科大学"


def test_reads_english_headers_and_keys_with_default_capacity():
    resources = read_resources(FIXTURES / "resources_en.csv")
    assert resources[0].stages == ("clinical", "registration")
    assert resources[0].capacity == 6
    assert resources[1].capacity == 8  # empty cell: the default
    assert resources[1].tracks == ()  # empty means all tracks


def test_bad_rows_name_file_row_column_and_allowed_values():
    with pytest.raises(InputError) as caught:
        read_projects(FIXTURES / "projects_bad.csv")
    issues = {(i.row, i.column): i.message for i in caught.value.issues}
    assert "duplicate id 'P1'" in issues[(3, "项目编号")]
    assert "'器械类'" in issues[(3, "赛道")] and "device 医疗器械与智能制造" in issues[(3, "赛道")]
    assert "'临床后期'" in issues[(3, "阶段")]
    assert "'吃饭'" in issues[(3, "需求")]
    assert "'火星'" in issues[(3, "地区")]
    assert (4, "项目名称") in issues
    assert all(i.file.endswith("projects_bad.csv") for i in caught.value.issues)
    assert "第 3 行" in str(caught.value)


def test_missing_required_column_is_reported_with_accepted_headers(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("项目编号,项目名称\nP1,x\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_projects(path)
    assert [(i.row, i.column) for i in caught.value.issues] == [(1, "赛道"), (1, "阶段")]
    assert "accepted headers: 赛道 / track" in caught.value.issues[0].message


def test_a_missing_column_and_every_bad_cell_of_the_others_are_reported_together(tmp_path):
    path = tmp_path / "no_track.csv"
    path.write_text(
        "项目编号,项目名称,阶段,地区\n"
        "P1,甲,临床前,北京\n"
        "P2,乙,临床后期,北京\n"  # row 3: a bad 阶段
        "P3,丙,注册申报,火星\n"  # row 4: a bad 地区
        "P4,丁,上市,天津\n"
        "P5,,吃饭,河北\n",  # row 6: no name and a bad 阶段
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_projects(path)
    where = [(i.row, i.column) for i in caught.value.issues]
    assert where == [(1, "赛道"), (3, "阶段"), (4, "地区"), (6, "项目名称"), (6, "阶段")]
    assert all(i.file == str(path) for i in caught.value.issues)
    assert "'临床后期'" in caught.value.issues[1].message
    assert "'吃饭'" in caught.value.issues[4].message


def test_a_duplicate_column_is_reported_with_the_rest(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "项目编号,项目名称,赛道,阶段,项目阶段\nP1,甲,器械类,临床前,临床前\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        read_projects(path)
    [duplicate, track] = caught.value.issues
    assert (duplicate.row, duplicate.column) == (1, "项目阶段")
    assert "duplicate column" in duplicate.message
    assert (track.row, track.column) == (2, "赛道")


def test_xlsx_with_chinese_headers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "资源方编号",
            "名称",
            "类型",
            "简介",
            "可提供资源",
            "服务赛道",
            "服务阶段",
            "地区",
            "接洽名额",
        ]
    )
    sheet.append(["R9", "某银行", "银行", "科技贷", "融资、政策申报", "", "", "天津", 12])
    path = tmp_path / "r.xlsx"
    book.save(path)
    [resource] = read_resources(path)
    assert (resource.type, resource.offers, resource.region, resource.capacity) == (
        "bank",
        ("funding", "policy"),
        "tianjin",
        12,
    )


def test_gbk_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "p.csv"
    text = (FIXTURES / "projects.csv").read_text(encoding="utf-8")
    path.write_bytes(text.encode("gb18030"))
    assert len(read_projects(path)) == 3


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.csv", None, "file not found"),
        ("p.json", "{}", "unsupported file type"),
        ("empty.csv", "项目编号,项目名称,赛道,阶段\n", "no data rows"),
    ],
)
def test_file_level_problems(tmp_path, name, content, fragment):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=fragment):
        read_projects(path)


def test_capacity_must_be_a_whole_number(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "resource_id,name,type,capacity\nR1,a,bank,3.5\nR2,b,bank,-1\nR3,c,bank,4.0\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_resources(path)
    assert [(i.row, i.column) for i in caught.value.issues] == [(2, "capacity"), (3, "capacity")]


def test_qrels_refuse_unknown_ids_and_bad_grades(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("project_id,resource_id,grade\nP1,R1,3\nP9,R1,2\nP1,R2,5\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_qrels(path, ["P1"], ["R1", "R2"])
    assert [(i.row, i.column) for i in caught.value.issues] == [(3, "project_id"), (4, "grade")]
    assert read_qrels(FIXTURES / "qrels.csv")["P1"] == {"R1": 3, "R4": 2, "R6": 1}


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("融资;临床", ["融资", "临床"]),
        ("融资；临床、 人才", ["融资", "临床", "人才"]),
        ("a,b，c", ["a", "b", "c"]),
        ("", []),
    ],
)
def test_list_cells_accept_every_separator(cell, items):
    assert split_list(cell) == items


# -- hostile files (issue 13: caps before parsing, short echoes, control characters, encodings) --

HEADER = "项目编号,项目名称,赛道,阶段\n"


def _rows(n: int) -> str:
    return HEADER + "".join(f"P{i},名称{i},医疗器械,临床前\n" for i in range(n))


def test_a_csv_over_the_row_cap_is_refused_before_validation(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text(_rows(11), encoding="utf-8")
    assert len(read_projects(path, max_rows=11)) == 11
    with pytest.raises(InputError, match="more than 10 rows") as caught:
        read_projects(path, max_rows=10)
    assert len(caught.value.issues) == 1


def _bomb(path, rows: int, declared_row: int | None = None) -> None:
    """A workbook whose sheet XML holds `rows` rows (tiny compressed, large expanded)."""
    import zipfile

    sheet_rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>'
        for i in range(1, rows + 1)
    )
    if declared_row:
        sheet_rows += f'<row r="{declared_row}"><c r="A{declared_row}"><v>1</v></c></row>'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


@pytest.mark.parametrize(("rows", "declared_row"), [(60, None), (3, 1_000_000)])
def test_an_xlsx_with_too_many_rows_is_refused_before_openpyxl_expands_it(
    tmp_path, rows, declared_row
):
    path = tmp_path / "bomb.xlsx"
    _bomb(path, rows, declared_row)
    with pytest.raises(InputError, match="more than 50 rows"):
        read_projects(path, max_rows=50)


def test_an_xlsx_that_expands_past_the_size_cap_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    _bomb(path, 2000)
    assert path.stat().st_size < 20_000
    with pytest.raises(InputError, match="expands to more than"):
        read_projects(path, max_unzipped=50_000)


def test_bad_values_are_echoed_short(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(HEADER + f"P1,名称,{'外' * 100_000},{'阶' * 100_000}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_projects(path)
    assert len(caught.value.issues) == 2
    assert all(len(i.message) < 600 for i in caught.value.issues)


def test_control_characters_in_a_csv_cell_are_refused_like_the_json_api(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes((HEADER + "P1,名\x00称,医疗器械,临床前\nP2,正常,医疗器械,临床前\n").encode())
    with pytest.raises(InputError, match="control characters") as caught:
        read_projects(path)
    assert [(i.row, i.column) for i in caught.value.issues] == [(2, "项目名称")]


def test_a_gbk_file_reads_and_a_big5_file_gets_an_encoding_message(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(_rows(2).encode("gbk"))
    assert [p.title for p in read_projects(gbk)] == ["名称0", "名称1"]
    big5 = tmp_path / "big5.csv"
    big5.write_bytes("項目編號,項目名稱,賽道,階段\nP1,名稱,醫療器械,臨床前\n".encode("big5"))
    with pytest.raises(InputError, match="Big5") as caught:
        read_projects(big5)
    assert "missing required column" not in str(caught.value)


def test_a_gbk_sheet_of_the_wrong_kind_still_names_the_missing_columns(tmp_path):
    path = tmp_path / "providers_gbk.csv"
    path.write_bytes("资源方编号,名称,类型\nR1,示例银行,银行\n".encode("gbk"))
    with pytest.raises(InputError, match="missing required column") as caught:
        read_projects(path)
    assert "UTF-8" not in str(caught.value)
