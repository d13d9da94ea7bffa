"""Records: import (all or nothing), CRUD, and immediate matchability in both directions."""

from __future__ import annotations

import io

import openpyxl
from service_helpers import FIXTURES

DATABASES = ("sqlite", "postgresql")  # conftest: every test on both

CARDIO = {
    "title": "冠脉介入球囊导管",
    "description": "新型药物涂层球囊，正在开展多中心临床试验，需要临床资源与融资。",
    "track": "device",
    "stage": "clinical",
    "needs": ["clinical", "funding"],
    "region": "beijing",
}


def _ids(response) -> list[str]:
    return [m["id"] for m in response.json()["data"]]


def test_sample_is_loaded_and_matches_carry_id_name_type_score_reasons(client, admin):
    response = client.get("/api/projects/P1/matches", params={"k": 3}, headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["for_id"] == "P1"
    first = body["data"][0]
    assert first["id"] == "R1" and first["type"] == "hospital" and first["name"]
    assert isinstance(first["score"], float) and "需求匹配" in first["reasons"]


def test_type_filter_and_reverse_direction(client, admin):
    only_money = client.get("/api/projects/P1/matches?k=10&type=bank&type=investor", headers=admin)
    assert set(_ids(only_money)) == {"R4", "R5"}
    reverse = client.get("/api/resources/R3/matches?k=2", headers=admin)
    assert reverse.status_code == 200 and _ids(reverse)[0] == "P3"


def test_a_created_project_is_matchable_at_once(client, admin):
    response = client.post("/api/projects", json={"project_id": "P10", **CARDIO}, headers=admin)
    assert response.status_code == 201, response.text
    matches = client.get("/api/projects/P10/matches?k=1", headers=admin)
    assert _ids(matches) == ["R1"]
    assert "P10" in _ids(client.get("/api/resources/R1/matches?k=5", headers=admin))
    again = client.post("/api/projects", json={"project_id": "P10", **CARDIO}, headers=admin)
    assert again.status_code == 409


def test_an_edit_changes_the_matches(client, admin):
    tcm = {
        **CARDIO,
        "title": "经典名方配方颗粒",
        "description": "中药配方颗粒，需要中药提取生产。",
        "track": "中医药传承创新",
        "stage": "注册申报",
        "needs": ["生产制造/中试"],
    }
    response = client.put("/api/projects/P1", json=tcm, headers=admin)
    assert response.status_code == 200 and response.json()["track"] == "tcm"
    assert _ids(client.get("/api/projects/P1/matches?k=1", headers=admin)) == ["R3"]


def test_a_new_provider_is_matchable_at_once_and_a_deleted_one_is_gone(client, admin):
    provider = {
        "resource_id": "R9",
        "name": "示例冠脉介入专科医院",
        "type": "hospital",
        "description": "冠脉介入与心血管支架临床试验",
        "offers": ["clinical"],
        "tracks": ["device"],
        "region": "beijing",
        "capacity": 3,
    }
    assert client.post("/api/resources", json=provider, headers=admin).status_code == 201
    assert "R9" in _ids(client.get("/api/projects/P1/matches?k=3", headers=admin))
    assert client.delete("/api/resources/R9", headers=admin).status_code == 204
    assert "R9" not in _ids(client.get("/api/projects/P1/matches?k=10", headers=admin))
    assert client.get("/api/resources/R9/matches", headers=admin).status_code == 404
    assert client.delete("/api/resources/R9", headers=admin).status_code == 404


def test_deleting_a_project(client, admin):
    assert client.delete("/api/projects/P2", headers=admin).status_code == 204
    assert client.get("/api/projects/P2/matches", headers=admin).status_code == 404
    assert "P2" not in _ids(client.get("/api/resources/R2/matches?k=10", headers=admin))
    listed = client.get("/api/projects", headers=admin).json()
    assert listed["count"] == 2 and {p["project_id"] for p in listed["data"]} == {"P1", "P3"}


def test_import_upserts_a_csv_and_replace_removes_the_rest(client, admin):
    csv = "项目编号,项目名称,项目简介,赛道,阶段,需求\nP7,眼科AI,眼底影像辅助诊断软件,AI医疗与健康管理,注册申报,注册申报\n"
    files = {"file": ("新项目.csv", csv.encode(), "text/csv")}
    response = client.post("/api/projects/import", files=files, headers=admin)
    assert response.json() == {
        "imported": 1,
        "created": 1,
        "updated": 0,
        "removed": 0,
        "backup": None,
    }
    assert client.get("/api/projects/P7/matches", headers=admin).status_code == 200
    replaced = client.post("/api/projects/import?mode=replace", files=files, headers=admin).json()
    assert replaced == {"imported": 1, "created": 0, "updated": 1, "removed": 3, "backup": 1}
    assert client.get("/api/projects", headers=admin).json()["count"] == 1


def test_a_replacing_import_through_the_api_keeps_a_backup_that_restores(client, admin):
    before = client.get("/api/projects", headers=admin).json()["data"]
    bad = {"file": ("坏.csv", "项目编号,项目名称\nP8,\n".encode(), "text/csv")}
    assert (
        client.post("/api/projects/import?mode=replace", files=bad, headers=admin).status_code
        == 422
    )
    csv = "项目编号,项目名称,项目简介,赛道,阶段,需求\nP7,眼科AI,眼底影像辅助诊断软件,AI医疗与健康管理,注册申报,注册申报\n"
    files = {"file": ("新项目.csv", csv.encode(), "text/csv")}
    replaced = client.post("/api/projects/import?mode=replace", files=files, headers=admin).json()
    assert replaced["removed"] == 3 and replaced["backup"] == 1  # a refused sheet backs up nothing

    restored = client.post("/api/projects/backups/1/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    assert restored.json() == {"imported": 3, "created": 3, "updated": 0, "removed": 1, "backup": 2}
    assert client.get("/api/projects", headers=admin).json()["data"] == before
    assert client.get("/api/projects/P1/matches", headers=admin).json()["count"] == 6
    assert client.get("/api/projects/P7", headers=admin).status_code == 404
    assert client.post("/api/projects/backups/9/restore", headers=admin).status_code == 404
    again = client.post("/api/projects/backups/2/restore", headers=admin).json()
    assert again["imported"] == 1 and again["removed"] == 3  # the undo can be undone
    resources = client.post("/api/resources/backups/1/restore", headers=admin)
    assert resources.status_code == 404  # backups are per kind


def test_import_of_an_xlsx_sheet(client, admin):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["资源方编号", "名称", "类型", "简介"])
    sheet.append(["R20", "示例知识产权事务所", "知识产权服务", "专利布局与知识产权质押"])
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("providers.xlsx", buffer.getvalue(), "application/octet-stream")}
    response = client.post("/api/resources/import", files=files, headers=admin)
    assert response.status_code == 200 and response.json()["created"] == 1
    assert client.get("/api/resources/R20", headers=admin).json()["type"] == "ip_service"


def test_a_bad_sheet_is_rejected_whole_with_every_row_and_column(client, admin):
    data = (FIXTURES / "projects_bad.csv").read_bytes()
    files = {"file": ("projects_bad.csv", data, "text/csv")}
    response = client.post("/api/projects/import", files=files, headers=admin)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and len(detail) >= 4
    where = {(d["row"], d["column"]) for d in detail}
    assert (3, "项目编号") in where and (3, "阶段") in where and (4, "项目名称") in where
    assert all(d["loc"][:2] == ["body", "file"] and d["msg"] for d in detail)
    assert all("projects_bad.csv" in d.get("file", "") for d in detail)
    assert client.get("/api/projects", headers=admin).json()["count"] == 3  # nothing written


def test_an_unsupported_file_type_is_a_clear_422(client, admin):
    files = {"file": ("notes.pdf", b"%PDF-1.4", "application/pdf")}
    response = client.post("/api/projects/import", files=files, headers=admin)
    assert (
        response.status_code == 422
        and "unsupported file type" in response.json()["detail"][0]["msg"]
    )


def test_unknown_vocabulary_is_422_with_the_allowed_values(client, admin):
    body = {"project_id": "P11", **CARDIO, "track": "火星"}
    response = client.post("/api/projects", json=body, headers=admin)
    assert response.status_code == 422
    assert "device" in response.json()["detail"][0]["msg"]
