"""The shipped sample data: reproducible from its generator, well-formed, and fully judged."""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from matcher.schema import NEED, REGION, RESOURCE_TYPE, STAGE, TRACK

DATA = Path(__file__).resolve().parents[1] / "data"
PROJECT_HEADERS = ["项目编号", "项目名称", "项目简介", "赛道", "阶段", "需求", "地区", "申报单位"]
RESOURCE_HEADERS = [
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
RESOURCE_KEYS = [
    "resource_id",
    "name",
    "type",
    "description",
    "offers",
    "tracks",
    "stages",
    "region",
    "capacity",
]


def _rows(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def _labels(cell: str) -> list[str]:
    return [x for x in cell.split(";") if x]


@pytest.fixture(scope="module")
def projects() -> list[dict[str, str]]:
    return _rows(DATA / "sample" / "projects.csv")


@pytest.fixture(scope="module")
def resources() -> list[dict[str, str]]:
    return _rows(DATA / "sample" / "resources.csv")


@pytest.fixture(scope="module")
def qrels() -> list[dict[str, str]]:
    return _rows(DATA / "dev" / "qrels.csv", encoding="utf-8")


def test_committed_files_are_what_the_generator_makes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(DATA / "make_sample.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for rel in ("sample/projects.csv", "sample/resources.csv", "dev/qrels.csv"):
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel
    # compare the workbook by its members, so a different zlib build cannot fail the test
    with (
        zipfile.ZipFile(tmp_path / "sample/resources.xlsx") as new,
        zipfile.ZipFile(DATA / "sample/resources.xlsx") as old,
    ):
        assert new.namelist() == old.namelist()
        for name in old.namelist():
            assert new.read(name) == old.read(name), name


def test_projects_have_the_2025_track_mix(projects: list[dict[str, str]]) -> None:
    assert list(projects[0]) == PROJECT_HEADERS
    tracks = Counter(TRACK.parse(p["赛道"]) for p in projects)
    assert tracks == {"device": 189, "drug": 60, "ai": 62, "tcm": 94}
    assert [p["项目编号"] for p in projects] == [f"P{i:03d}" for i in range(1, 406)]


def test_project_vocabulary_columns_parse(projects: list[dict[str, str]]) -> None:
    for p in projects:
        assert STAGE.parse(p["阶段"]) and REGION.parse(p["地区"]), p["项目编号"]
        needs = _labels(p["需求"])
        assert needs and all(NEED.parse(n) for n in needs), p["项目编号"]
        assert 60 <= len(p["项目简介"]) <= 250


def test_every_resource_type_is_present(resources: list[dict[str, str]]) -> None:
    assert list(resources[0]) == RESOURCE_HEADERS
    types = {RESOURCE_TYPE.parse(r["类型"]) for r in resources}
    assert types == set(RESOURCE_TYPE.keys)
    for r in resources:
        assert all(TRACK.parse(t) for t in _labels(r["服务赛道"]))
        assert all(STAGE.parse(s) for s in _labels(r["服务阶段"]))
        assert all(NEED.parse(o) for o in _labels(r["可提供资源"]))
        assert 3 <= int(r["接洽名额"]) <= 15


def test_excel_copy_has_english_keys_and_same_rows(resources: list[dict[str, str]]) -> None:
    book = load_workbook(DATA / "sample" / "resources.xlsx", read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert list(rows[0]) == RESOURCE_KEYS
    assert len(rows) - 1 == len(resources)
    for (rid, name, type_, description, *_), zh in zip(rows[1:], resources, strict=True):
        assert (rid, name, description) == (zh["资源方编号"], zh["名称"], zh["简介"])
        assert type_ in RESOURCE_TYPE.keys
    for row in rows[1:]:
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in row if v is not None)


def test_qrels_refer_to_known_ids_with_valid_grades(
    qrels: list[dict[str, str]],
    projects: list[dict[str, str]],
    resources: list[dict[str, str]],
) -> None:
    project_ids = {p["项目编号"] for p in projects}
    resource_ids = {r["资源方编号"] for r in resources}
    pairs = [(q["project_id"], q["resource_id"]) for q in qrels]
    assert len(pairs) == len(set(pairs))
    for q in qrels:
        assert q["project_id"] in project_ids and q["resource_id"] in resource_ids
        assert int(q["grade"]) in (1, 2, 3)  # unlisted pairs are 0


def test_every_project_has_a_good_match(
    qrels: list[dict[str, str]],
    projects: list[dict[str, str]],
) -> None:
    good = {q["project_id"] for q in qrels if int(q["grade"]) >= 2}
    assert good == {p["项目编号"] for p in projects}
